package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// routeKind says how the isolation suite treats a route.
type routeKind int

const (
	public      routeKind = iota // no session needed: nothing to isolate
	readOwn                      // a signed-in read of the acting partner's own things (no id)
	mutateOwn                    // a signed-in change with no id in the path: viewers are refused
	withID                       // takes the id of a customer, user, staff member or job
	formWithID                   // the form of a change (GET) that takes an id: refused to viewers, out of the distributor's reach
	ownSequence                  // numbers within the acting partner's own log (audit events): no foreign id exists
	eitherSide                   // takes a delegation's id: its two sides reach it (their own tests), anyone else 404
)

// routeTable covers every route of the router. A route that is not here fails the suite:
// whoever adds a route decides here how it is isolated.
var routeTable = map[string]routeKind{
	"GET /healthz":                         public,
	"GET /readyz":                          public,
	"GET /metrics":                         public,
	"GET /static/*":                        public,
	"GET /signin":                          public,
	"GET /auth/zoom/login":                 public,
	"GET /auth/zoom/callback":              public,
	"POST /signout":                        public,
	"GET /register":                        public,
	"POST /register":                       public,
	"GET /account":                         public, // a customer session's own page: staff go to "/", visitors to sign-in
	"GET /account.csv":                     public, // the same for its CSV (customer_portal_test.go)
	"GET /":                                readOwn,
	"GET /audit":                           readOwn,
	"GET /renewals":                        readOwn,
	"GET /audit.csv":                       readOwn,
	"GET /audit.ndjson":                    readOwn,
	"GET /audit/{seq}":                     ownSequence,
	"GET /audit/events/{eventId}":          withID,
	"GET /customers":                       readOwn,
	"POST /customers/sync":                 mutateOwn,
	"GET /customers/{accountId}":           withID,
	"GET /customers.csv":                   readOwn,
	"GET /customers/quick":                 mutateOwn, // the form itself is for admins
	"POST /customers/quick":                mutateOwn,
	"GET /customers/new":                   mutateOwn,
	"POST /customers/new":                  mutateOwn,
	"GET /customers/new/{draftId}":         formWithID,
	"POST /customers/new/{draftId}/delete": withID,
	"POST /customers/new/{draftId}/start":  withID,
	"GET /customers/new/{draftId}/{step}":  formWithID,
	"POST /customers/new/{draftId}/{step}": withID,
	"GET /onboardings/{onboardingId}":      withID,
	"POST /onboardings/{onboardingId}/steps/{seq}/retry": withID,
	"POST /onboardings/{onboardingId}/steps/{seq}/skip":  withID,
	"POST /onboardings/{onboardingId}/steps/{seq}/edit":  withID,
	"GET /onboardings/{onboardingId}/abandon":            formWithID,
	"POST /onboardings/{onboardingId}/abandon":           withID,
	"POST /onboardings/{onboardingId}/copy":              withID,
	"GET /customers/{accountId}/activity":                withID,
	"GET /customers/{accountId}/settings":                withID,
	"POST /customers/{accountId}/settings":               withID,
	"POST /customers/{accountId}/settings/review":        withID,
	"GET /customers/{accountId}/plans":                   withID,
	"POST /customers/{accountId}/plans":                  withID,
	"POST /customers/{accountId}/plans/base":             withID,
	"POST /customers/{accountId}/plans/addons":           withID,
	"POST /customers/{accountId}/plans/cancel":           withID,
	"GET /customers/{accountId}/options":                 formWithID,
	"POST /customers/{accountId}/options":                withID,
	"GET /customers/{accountId}/owner":                   formWithID,
	"POST /customers/{accountId}/owner":                  withID,
	"GET /customers/{accountId}/disassociate":            formWithID,
	"POST /customers/{accountId}/disassociate":           withID,
	"POST /customers/{accountId}/notes":                  withID,
	"POST /customers/{accountId}/tags":                   withID,
	"GET /groups":                                        readOwn,
	"GET /groups/new":                                    mutateOwn, // the form itself is for admins
	"POST /groups":                                       mutateOwn,
	"GET /groups/{groupId}":                              withID,
	"GET /groups/{groupId}/edit":                         formWithID,
	"POST /groups/{groupId}":                             withID,
	"POST /groups/{groupId}/delete":                      withID,
	"GET /standards":                                     readOwn,
	"GET /standards/new":                                 mutateOwn, // the form itself is for admins
	"POST /standards":                                    mutateOwn,
	"GET /standards/{standardId}":                        withID,
	"GET /standards/{standardId}/edit":                   formWithID,
	"POST /standards/{standardId}":                       withID,
	"POST /standards/{standardId}/delete":                withID,
	"POST /standards/{standardId}/enforce":               withID,
	"GET /fleet/new":                                     mutateOwn, // the form itself is for admins
	"POST /fleet":                                        mutateOwn,
	"GET /customers/{accountId}/settings/template":       formWithID,
	"POST /customers/{accountId}/settings/template":      withID,
	"GET /settings/templates":                            readOwn,
	"GET /settings/templates/new":                        mutateOwn,
	"POST /settings/templates":                           mutateOwn,
	"GET /settings/templates/{templateId}":               withID,
	"POST /settings/templates/{templateId}":              withID,
	"POST /settings/templates/{templateId}/delete":       withID,
	"GET /jobs/{jobId}":                                  withID,
	"GET /staff":                                         readOwn,
	"POST /staff":                                        mutateOwn,
	"POST /staff/{staffId}/role":                         withID,
	"POST /staff/{staffId}/status":                       withID,
	"GET /staff/{staffId}/scope":                         formWithID,
	"POST /staff/{staffId}/scope":                        withID,
	"GET /settings":                                      readOwn,
	"POST /settings/s2s":                                 mutateOwn,
	"POST /settings/s2s/remove":                          mutateOwn,
	"POST /settings/webhook":                             mutateOwn,
	"GET /access":                                        readOwn,
	"GET /access/new":                                    mutateOwn, // the form itself is for admins
	"POST /access":                                       mutateOwn,
	"GET /access/{delegationId}":                         eitherSide,
	"POST /access/{delegationId}/approve":                eitherSide,
	"POST /access/{delegationId}/decline":                eitherSide,
	"POST /access/{delegationId}/end":                    eitherSide,
	"POST /settings/notifications":                       mutateOwn,
	"POST /settings/notifications/test":                  mutateOwn,
	"POST /webhooks/zoom":                                public, // no session: Zoom's signature with a partner's secret

	// Users inside customers, search, bulk user jobs.
	"GET /customers/{accountId}/users":                           withID,
	"POST /customers/{accountId}/users":                          withID,
	"GET /customers/{accountId}/users/new":                       formWithID,
	"POST /customers/{accountId}/users/sync":                     withID,
	"POST /customers/{accountId}/users/bulk":                     withID,
	"GET /customers/{accountId}/users/{userId}":                  withID,
	"POST /customers/{accountId}/users/{userId}":                 withID,
	"POST /customers/{accountId}/users/{userId}/status":          withID,
	"POST /customers/{accountId}/users/{userId}/remove":          withID,
	"GET /customers/{accountId}/users/{userId}/move":             formWithID,
	"POST /customers/{accountId}/users/{userId}/move":            withID,
	"GET /customers/{accountId}/users/{userId}/settings":         withID,
	"POST /customers/{accountId}/users/{userId}/settings":        withID,
	"POST /customers/{accountId}/users/{userId}/settings/review": withID,
	"GET /search":                      readOwn,
	"POST /search/sync":                mutateOwn,
	"POST /search/lookup":              readOwn, // a look-up at Zoom is a read: every role, own customers only
	"GET /imports":                     readOwn,
	"POST /imports":                    mutateOwn,
	"GET /imports/template.csv":        readOwn,
	"GET /imports/{importId}":          withID,
	"POST /imports/{importId}/start":   withID,
	"POST /imports/{importId}/discard": withID,
	"GET /jobs/{jobId}/results.csv":    withID,
	"POST /jobs/{jobId}/cancel":        withID,
}

// idSet are the ids the suite fills into route patterns, one for each kind of id the router
// takes.
type idSet struct {
	accountID, staffID, jobID, userID, importID, templateID, onboardingID, eventID, groupID, standardID, delegationID string
}

// placeholder is a chi route parameter in a pattern.
var placeholder = regexp.MustCompile(`\{[^}]*\}`)

// fill puts the ids into a route pattern. A parameter the set has no value for is an error: a
// route that takes a new kind of id fails the suite until the suite is given one.
func (f idSet) fill(pattern string) (string, error) {
	values := map[string]string{"{accountId}": url.PathEscape(f.accountID), "{staffId}": f.staffID, "{jobId}": f.jobID,
		"{templateId}": f.templateID, "{userId}": url.PathEscape(f.userID), "{importId}": f.importID,
		"{draftId}": f.onboardingID, "{onboardingId}": f.onboardingID, "{seq}": "1", "{step}": "customer",
		"{eventId}": f.eventID, "{groupId}": f.groupID, "{standardId}": f.standardID,
		"{delegationId}": f.delegationID}
	var missing []string
	path := placeholder.ReplaceAllStringFunc(pattern, func(p string) string {
		if values[p] == "" {
			missing = append(missing, p)
		}
		return values[p]
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("route %s: the isolation suite has no id for %s: add that kind of id to idSet", pattern, strings.Join(missing, ", "))
	}
	return path, nil
}

func formFor(pattern string) url.Values {
	switch {
	case strings.HasSuffix(pattern, "/role"):
		return url.Values{"role": {"owner"}}
	case strings.HasSuffix(pattern, "/status"):
		return url.Values{"status": {"removed"}}
	case pattern == "/staff":
		return url.Values{"email": {"intruder@example.com"}, "role": {"owner"}}
	}
	return url.Values{}
}

// publicChanges are the changes that need no staff role, so the viewer pass leaves them to
// their own tests, each for the reason given. A new public change fails the suite until it is
// added here.
var publicChanges = map[string]string{
	"POST /signout":       "anyone signed in may end their own session",
	"POST /register":      "registers the session's own pending Zoom sign-in, never a partner's thing: a signed-in viewer is refused and changes nothing (checked below)",
	"POST /webhooks/zoom": "trusted by Zoom's signature, not by a session: a signed-in viewer's unsigned post is refused and changes nothing (checked below)",
}

// postReads are the signed-in routes that take a POST but change nothing of the partner's, with
// why every role (a viewer too) may use them. They are readOwn in routeTable.
var postReads = map[string]string{
	"POST /search/lookup": "asks Zoom whether a user exists (a read) and keeps the answer in the directory cache, as a page view does",
}

// walkedRoute is a route of the router as chi.Walk lists it.
type walkedRoute struct {
	method, pattern string
	kind            routeKind
}

// TestIsolationSuite calls every route of the router as staff of other partners and checks
// that nobody crosses the line: ids of a reseller's customer, user, staff member, job, bulk
// job, template or onboarding, used by every role of a sibling reseller (and, for changes and
// the forms of changes, of the reseller's own distributor, which holds an active delegation
// over another customer and ended, declined and expired ones over this one), answer 404, reach Zoom never (not
// even through a job the request queued) and leave one denied audit event. Then every change,
// and every form of a change, is called as a viewer of the partner that owns the thing, with
// that partner's own ids: 403 naming the role, no request at Zoom, one denied audit event, and
// nothing changed.
func TestIsolationSuite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dist, res := tree(t, e)
	sib := e.browser()
	sib.signIn(e, fabOwner)
	syncAndWait(t, e, sib) // its first sync starts at sign-in: let it finish
	roles := []store.Role{store.RoleAdmin, store.RoleSupport, store.RoleViewer}
	allRoles := append([]store.Role{store.RoleOwner}, roles...)
	staffOf := map[string]map[store.Role]*browser{
		"northwind": {store.RoleOwner: dist},
		"fabrikam":  {store.RoleOwner: sib},
	}
	for name, owner := range map[string]*browser{"northwind": dist, "fabrikam": sib} {
		for _, role := range roles {
			email := map[store.Role]string{store.RoleAdmin: "admin@", store.RoleSupport: "support@", store.RoleViewer: "viewer@"}[role] + name + ".example"
			invite(t, e, owner, email, role)
			b := e.browser()
			b.signIn(e, email)
			staffOf[name][role] = b
		}
	}
	contoso := e.partnerOf(resOwner)
	invite(t, e, res, resSupport, store.RoleSupport)
	customers, err := e.Store.Customers(ctx, contoso.ID, store.CustomerFilter{PartnerID: contoso.ID, Limit: 1})
	if err != nil || len(customers.Customers) == 0 {
		t.Fatalf("Contoso's customers: %+v %v", customers.Customers, err)
	}
	job, err := e.Store.LatestJob(ctx, contoso.ID, "sync_customers")
	if err != nil {
		t.Fatal(err)
	}
	ids := idSet{accountID: customers.Customers[0].ZoomAccountID, staffID: itoa(e.staffByEmail(contoso.ID, resSupport).ID),
		jobID: job.ID, userID: contosoUserID(t, e, customers.Customers[0].ZoomAccountID), importID: contosoImportID(t, e, contoso.ID),
		templateID: contosoTemplateID(t, e, contoso.ID), onboardingID: tnDraftID(t, e, contoso.ID, resOwner),
		eventID: itoa(auditOf(t, e, contoso.ID, "")[0].ID), groupID: tnGroupID(t, e, contoso.ID)}
	ids.standardID = tnStandardID(t, e, contoso.ID, ids.templateID, ids.groupID)
	partnerOf := map[string]store.Partner{}
	for _, n := range []string{"northwind", "fabrikam"} {
		email := map[string]string{"northwind": distOwner, "fabrikam": fabOwner}[n]
		p := e.partnerOf(email)
		partnerOf[n] = p
	}
	// A support member of Contoso limited to a group that holds another of its customers, not
	// the one whose ids the suite uses: that customer is out of their scope.
	scopedB, scopedEvent := tnScopedMember(t, e, res, contoso, ids.accountID)
	// Northwind holds delegations from Contoso: an active one over another of Contoso's
	// customers, and over the customer whose ids the suite uses an ended, a declined and an
	// expired one (its end passed, not yet swept: still "active" in its row). Northwind's staff
	// of every role are actors with them all; none reaches the suite's customer.
	tnDelegations(t, e, dist, partnerOf["northwind"], contoso, ids.accountID)
	// And a request of Northwind's over that customer, waiting for Contoso's answer: its page
	// and its answers are Contoso's and Northwind's only (the access pages' own tests).
	ids.delegationID = tnPendingDelegation(t, e, partnerOf["northwind"], contoso, ids.accountID)
	// The periodic sync's run at start comes once River has elected a leader, seconds in:
	// let it pass, so that the Zoom calls it makes are not counted against a route below.
	tnWaitStartupSync(t, e)
	denied := func(p store.Partner) int {
		page, err := e.Store.AuditEvents(ctx, p.ID, store.AuditFilter{Outcome: store.OutcomeDenied, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Events)
	}
	call := func(b *browser, method, path string, form url.Values) *page {
		if method == http.MethodGet {
			return b.get(e.URL + path)
		}
		return b.post(e.URL+path, form)
	}
	// settled counts the requests the sandbox received since it had before, once the job queue
	// is idle again: a Zoom call made by a job the request queued counts too.
	settled := func(before int) int {
		e.waitJobsIdle()
		return len(e.Sandbox.Requests()) - before
	}
	// sent names the requests the sandbox received since it had before, for messages.
	sent := func(before int) string {
		var out []string
		for _, r := range e.Sandbox.Requests()[before:] {
			out = append(out, r.Method+" "+r.Path+" as "+r.AccountID)
		}
		return strings.Join(out, "; ")
	}
	// expectIsolated calls the route as b (staff of partner p) with Contoso's ids and checks
	// the three walls.
	expectIsolated := func(who string, b *browser, p store.Partner, method, pattern string) {
		t.Helper()
		ids := ids
		if b == scopedB {
			ids.eventID = scopedEvent // an event about the customer out of scope
		}
		path, err := ids.fill(pattern)
		if err != nil {
			t.Error(err)
			return
		}
		e.waitJobsIdle()
		before, deniedBefore := len(e.Sandbox.Requests()), denied(p)
		got := call(b, method, path, formFor(pattern))
		if got.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s %s answered %d, want 404", who, method, path, got.StatusCode)
		}
		if n := settled(before); n != 0 {
			t.Errorf("%s: %s %s made %d requests to Zoom: %s", who, method, path, n, sent(before))
		}
		if n := denied(p) - deniedBefore; n != 1 {
			t.Errorf("%s: %s %s left %d denied audit events, want 1", who, method, path, n)
		}
	}

	var walked []walkedRoute
	scopedRoutes := 0
	err = chi.Walk(e.Handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + pattern
		kind, ok := routeTable[key]
		if !ok {
			t.Errorf("route %s is not covered by the isolation suite: add it to routeTable", key)
			return nil
		}
		walked = append(walked, walkedRoute{method: method, pattern: pattern, kind: kind})
		switch kind {
		case withID, formWithID:
			for _, role := range allRoles {
				expectIsolated("fabrikam "+string(role), staffOf["fabrikam"][role], partnerOf["fabrikam"], method, pattern)
				// The distributor reads its resellers' things; it never changes them, nor
				// opens the form of a change.
				if method != http.MethodGet || kind == formWithID {
					expectIsolated("northwind "+string(role), staffOf["northwind"][role], partnerOf["northwind"], method, pattern)
				}
			}
			// Contoso's own member limited to groups: a customer out of scope (and anything
			// under it, or an audit event about it) is as out of reach as another partner's.
			if strings.Contains(pattern, "{accountId}") || strings.Contains(pattern, "{eventId}") {
				expectIsolated("contoso scoped support", scopedB, contoso, method, pattern)
				scopedRoutes++
			}
		case eitherSide:
			for _, role := range allRoles {
				expectIsolated("fabrikam "+string(role), staffOf["fabrikam"][role], partnerOf["fabrikam"], method, pattern)
			}
		case readOwn:
			for _, role := range allRoles {
				if got := call(staffOf["fabrikam"][role], method, pattern, nil); got.StatusCode != http.StatusOK {
					t.Errorf("fabrikam %s: %s %s answered %d", role, method, pattern, got.StatusCode)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(walked) != len(routeTable) {
		t.Errorf("the router has %d of the %d routes in routeTable: remove routes that no longer exist", len(walked), len(routeTable))
	}
	if scopedRoutes < 30 {
		t.Errorf("the scoped member was tried on %d routes taking a customer id", scopedRoutes)
	}

	// Viewers are refused every change, and every form of one, on their own partner's things.
	nw := partnerOf["northwind"]
	ownAccount, ownUser := tnCustomerWithMember(t, e, nw.ZoomAccountID, 0)
	nwJob, err := e.Store.LatestJob(ctx, nw.ID, "sync_customers")
	if err != nil {
		t.Fatal(err)
	}
	admin := e.staffByEmail(nw.ID, "admin@northwind.example")
	own := idSet{accountID: ownAccount.AccountID, userID: ownUser.ID, staffID: itoa(admin.ID), jobID: nwJob.ID,
		importID: contosoImportID(t, e, nw.ID), templateID: contosoTemplateID(t, e, nw.ID), onboardingID: tnDraftID(t, e, nw.ID, distOwner),
		groupID: tnGroupID(t, e, nw.ID)}
	own.standardID = tnStandardID(t, e, nw.ID, own.templateID, own.groupID)
	own.delegationID = ids.delegationID // Northwind is a side of it: the viewer's refusal is the role's
	// The ids are Northwind's own, so a refusal below is the role's, not a 404 in disguise:
	// Northwind's owner opens each of them.
	for _, pattern := range []string{"/customers/{accountId}", "/customers/{accountId}/users/{userId}", "/jobs/{jobId}",
		"/imports/{importId}", "/settings/templates/{templateId}", "/customers/new/{draftId}/{step}", "/groups/{groupId}", "/groups/{groupId}/edit",
		"/standards/{standardId}", "/standards/{standardId}/edit", "/access/{delegationId}"} {
		path, err := own.fill(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := dist.get(e.URL + path); got.StatusCode != http.StatusOK {
			t.Fatalf("Northwind's owner opening its own %s: %d", path, got.StatusCode)
		}
	}
	viewer := staffOf["northwind"][store.RoleViewer]
	refused := 0
	for _, r := range walked {
		key := r.method + " " + r.pattern
		if r.kind == public {
			if r.method != http.MethodGet && publicChanges[key] == "" {
				t.Errorf("public change %s: add it to publicChanges, saying why a viewer may do it", key)
			}
			continue
		}
		if r.method == http.MethodGet && r.kind != mutateOwn && r.kind != formWithID {
			continue
		}
		if postReads[key] != "" {
			if r.kind != readOwn {
				t.Errorf("%s is a read by POST: make it readOwn in routeTable", key)
			}
			continue
		}
		path, err := own.fill(r.pattern)
		if err != nil {
			t.Error(err)
			continue
		}
		e.waitJobsIdle()
		before, deniedBefore := len(e.Sandbox.Requests()), denied(nw)
		got := call(viewer, r.method, path, formFor(r.pattern))
		if got.StatusCode != http.StatusForbidden || !strings.Contains(got.TestID("message-text"), "Viewer") {
			t.Errorf("viewer on Northwind's own thing: %s %s answered %d %q, want 403 naming the role", r.method, path, got.StatusCode, got.TestID("message-text"))
		}
		if n := settled(before); n != 0 {
			t.Errorf("viewer: %s %s made %d requests to Zoom: %s", r.method, path, n, sent(before))
		}
		if n := denied(nw) - deniedBefore; n != 1 {
			t.Errorf("viewer: %s %s left %d denied audit events, want 1", r.method, path, n)
		}
		refused++
	}
	want := 0
	for key, kind := range routeTable {
		if method, _, _ := strings.Cut(key, " "); kind != public && postReads[key] == "" && (method != http.MethodGet || kind == mutateOwn || kind == formWithID) {
			want++
		}
	}
	if refused != want || want < 50 {
		t.Errorf("the viewer pass was refused %d changes and forms; routeTable has %d", refused, want)
	}
	// A signed-in viewer's post to the other public changes is refused too, and changes nothing.
	for key := range publicChanges {
		method, path, _ := strings.Cut(key, " ")
		if key == "POST /signout" {
			continue
		}
		partners, events, before := e.countPartners(), len(auditOf(t, e, nw.ID, "")), len(e.Sandbox.Requests())
		got := call(viewer, method, path, url.Values{"name": {"Hijack"}})
		if got.StatusCode < 400 || got.StatusCode > 499 {
			t.Errorf("viewer %s: %d, want a refusal", key, got.StatusCode)
		}
		if e.countPartners() != partners || settled(before) != 0 || len(auditOf(t, e, nw.ID, "")) != events {
			t.Errorf("viewer %s changed partners, reached Zoom or wrote to Northwind's log", key)
		}
	}
	// And nothing of Northwind's changed.
	if st := e.staffByEmail(nw.ID, "admin@northwind.example"); st.Role != store.RoleAdmin || st.Status != store.StaffActive {
		t.Errorf("Northwind's admin after the viewer pass: %s %s", st.Role, st.Status)
	}
	if c, err := e.Store.CustomerByAccount(ctx, nw.ID, own.accountID); err != nil || c.Status != store.CustomerActive {
		t.Errorf("Northwind's customer after the viewer pass: %v %v", c.Status, err)
	}
	if o, err := e.Store.OnboardingByID(ctx, nw.ID, own.onboardingID); err != nil || o.Status != store.OnboardingDraft {
		t.Errorf("Northwind's draft after the viewer pass: %v %v", o.Status, err)
	}
	if imp, err := e.Store.ImportByID(ctx, nw.ID, own.importID); err != nil || imp.Status != "preview" {
		t.Errorf("Northwind's bulk job after the viewer pass: %+v %v", imp.Status, err)
	}
	if u, ok := sandboxUser(e, ownUser.Email); !ok || u.Status != "active" || u.AccountID != ownAccount.AccountID {
		t.Errorf("Northwind's user in Zoom after the viewer pass: %+v", u)
	}
	var pending string
	if err := e.super().QueryRow(ctx, "SELECT status FROM delegations WHERE id = $1", own.delegationID).Scan(&pending); err != nil || pending != store.DelegationPending {
		t.Errorf("Northwind's request after the viewer pass: %s %v", pending, err)
	}
	var invited int
	if err := e.super().QueryRow(ctx, "SELECT count(*) FROM staff WHERE email = 'intruder@example.com'").Scan(&invited); err != nil || invited != 0 {
		t.Errorf("%d intruders invited (%v)", invited, err)
	}
}

// tnWaitStartupSync waits until River's periodic sync has made its run at start (River runs
// periodic jobs once a client is elected leader, a few seconds after it starts) and every job
// it queued has finished: from then on only the requests tests make reach the sandbox.
func tnWaitStartupSync(t testing.TB, e *env) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		if err := e.super().QueryRow(context.Background(),
			"SELECT count(*) FROM river_job WHERE kind = 'sync_all' AND state = 'completed'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the periodic sync did not run within 60 s of the start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.waitJobsIdle()
}

// tnCustomerWithMember returns the n-th (by account id) direct customer of primary, in the
// sandbox, that has an active member, and that member.
func tnCustomerWithMember(t testing.TB, e *env, primary string, n int) (account, member sandbox.UserInfo) {
	t.Helper()
	users := e.Sandbox.Users()
	sort.Slice(users, func(i, j int) bool { return users[i].AccountID+users[i].ID < users[j].AccountID+users[j].ID })
	members := map[string]sandbox.UserInfo{}
	for _, u := range users {
		if _, seen := members[u.AccountID]; !seen && u.Role == "Member" && u.Status == "active" && !u.Primary {
			members[u.AccountID] = u
		}
	}
	for _, u := range users {
		if u.Role != "Owner" || u.Primary || u.ParentAccountID != primary {
			continue
		}
		if m, ok := members[u.AccountID]; ok {
			if n == 0 {
				return u, m
			}
			n--
		}
	}
	t.Fatalf("primary %s has too few customers with an active member", primary)
	return account, member
}

// tnUserForm is a valid form for a user route: were the route to find the user, it would
// change them in Zoom.
func tnUserForm(pattern, moveTo string) url.Values {
	switch {
	case strings.HasSuffix(pattern, "/status"):
		return url.Values{"action": {"deactivate"}}
	case strings.HasSuffix(pattern, "/remove"):
		return url.Values{"action": {"disassociate"}}
	case strings.HasSuffix(pattern, "/move"):
		return url.Values{"to": {moveTo}}
	case strings.HasSuffix(pattern, "{userId}"):
		return url.Values{"first_name": {"Mallory"}, "last_name": {"Intruder"}, "type": {"1"}}
	}
	return url.Values{}
}

// tnChanges counts the sandbox's requests that are not reads, from index from on.
func tnChanges(e *env, from int) int {
	n := 0
	for _, r := range e.Sandbox.Requests()[from:] {
		if r.Method != http.MethodGet {
			n++
		}
	}
	return n
}

// TestIsolationMixedUserIDs names, in every user route, a customer of the acting partner and a
// user of someone else's customer (a reseller's, a sibling's, the distributor's, another own
// customer's, a primary account's staff), by Zoom id and by email. The user is looked up in
// the directory of the customer in the URL, then in Zoom under that customer's account, which
// answers 404 for a user of another account: so each answers the same 404 as an unknown id,
// shows nothing of the user, caches nothing, and changes nothing in Zoom. The same request
// with the customer's own user does reach Zoom, so the forms sent are ones that would act.
func TestIsolationMixedUserIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	dist, res := tree(t, e)
	nw := e.partnerOf(distOwner)
	co := e.partnerOf(resOwner)
	fabAccount := e.accountOf(fabOwner)
	n1, n1User := tnCustomerWithMember(t, e, nw.ZoomAccountID, 0)
	n2, n2User := tnCustomerWithMember(t, e, nw.ZoomAccountID, 1)
	c1, c1User := tnCustomerWithMember(t, e, co.ZoomAccountID, 0)
	c2, _ := tnCustomerWithMember(t, e, co.ZoomAccountID, 1)
	_, fabUser := tnCustomerWithMember(t, e, fabAccount, 0)
	coSupport, _ := sandboxUser(e, resSupport)
	var userRoutes []walkedRoute
	if err := chi.Walk(e.Handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.Contains(pattern, "{userId}") {
			userRoutes = append(userRoutes, walkedRoute{method: method, pattern: pattern})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(userRoutes) < 5 {
		t.Fatalf("%d user routes", len(userRoutes))
	}
	cases := []struct {
		who      string
		b        *browser
		p        store.Partner
		own      sandbox.UserInfo // the customer in the URL (its owner)
		moveTo   string           // another own customer
		stranger sandbox.UserInfo
		key      string // how the URL names the stranger
	}{
		{"distributor, its reseller's customer's user", dist, nw, n1, n2.AccountID, c1User, c1User.ID},
		{"distributor, its reseller's customer's user by email", dist, nw, n1, n2.AccountID, c1User, c1User.Email},
		{"distributor, a sibling's customer's user", dist, nw, n1, n2.AccountID, fabUser, fabUser.ID},
		{"distributor, its other customer's user", dist, nw, n1, n2.AccountID, n2User, n2User.ID},
		{"distributor, a reseller's own staff user", dist, nw, n1, n2.AccountID, coSupport, coSupport.ID},
		{"reseller, its distributor's customer's user", res, co, c1, c2.AccountID, n1User, n1User.ID},
		{"reseller, its distributor's customer's user by email", res, co, c1, c2.AccountID, n1User, n1User.Email},
		{"reseller, a sibling's customer's user", res, co, c1, c2.AccountID, fabUser, fabUser.ID},
	}
	// The users of the distributor's other customer and of its reseller's customer have been
	// listed, so the directory in the distributor's reach knows them.
	for _, load := range []struct {
		b    *browser
		acct string
	}{{dist, n2.AccountID}, {res, c1.AccountID}, {dist, c1.AccountID}} {
		if p := load.b.get(e.URL + "/customers/" + url.PathEscape(load.acct) + "/users"); p.StatusCode != http.StatusOK {
			t.Fatalf("users of %s: %d", load.acct, p.StatusCode)
		}
	}
	e.waitJobsIdle()
	knownCases := 0
	for _, tc := range cases {
		caseStart := len(e.Sandbox.Requests())
		for _, r := range userRoutes {
			unknown := idSet{accountID: tc.own.AccountID, userID: "nobody-" + tc.stranger.ID}
			mixed := idSet{accountID: tc.own.AccountID, userID: tc.key}
			unknownPath, err := unknown.fill(r.pattern)
			if err != nil {
				t.Fatal(err)
			}
			path, err := mixed.fill(r.pattern)
			if err != nil {
				t.Fatal(err)
			}
			form := tnUserForm(r.pattern, tc.moveTo)
			call := func(p string) *page {
				if r.method == http.MethodGet {
					return tc.b.get(e.URL + p)
				}
				return tc.b.post(e.URL+p, form)
			}
			want := call(unknownPath)
			e.waitJobsIdle()
			before := len(e.Sandbox.Requests())
			got := call(path)
			e.waitJobsIdle()
			if got.StatusCode != http.StatusNotFound || want.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %s %s answered %d (an unknown user: %d), want 404", tc.who, r.method, path, got.StatusCode, want.StatusCode)
			}
			if got.TestID("message-text") != want.TestID("message-text") {
				t.Errorf("%s: %s %s says %q, an unknown user %q", tc.who, r.method, path, got.TestID("message-text"), want.TestID("message-text"))
			}
			for _, secret := range []string{tc.stranger.Email, tc.stranger.ID, tc.stranger.FirstName + " " + tc.stranger.LastName, tc.stranger.AccountID} {
				if strings.Contains(strings.ToLower(got.Body), strings.ToLower(secret)) {
					t.Errorf("%s: %s %s shows %q", tc.who, r.method, path, secret)
				}
			}
			if n := tnChanges(e, before); n != 0 {
				t.Errorf("%s: %s %s sent %d changes to Zoom", tc.who, r.method, path, n)
			}
		}
		// A user the directory in reach knows under another customer is refused at once, with a
		// denied event and no question to Zoom; any other was looked up in Zoom under the
		// customer in the URL, which did not know them.
		var known bool
		if err := e.super().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM customer_users u JOIN partners p ON p.id = u.partner_id
			WHERE p.parent_id = $1 AND (u.zoom_user_id = $2 OR lower(u.email) = lower($2)))`, tc.p.ID, tc.key).Scan(&known); err != nil {
			t.Fatal(err)
		}
		asked := 0
		for _, q := range e.Sandbox.Requests()[caseStart:] {
			if q.Method == http.MethodGet && q.Path == "/v2/accounts/"+tc.own.AccountID+"/users/"+tc.key {
				asked++
				if q.Status != http.StatusNotFound {
					t.Errorf("%s: Zoom answered %d to %s", tc.who, q.Status, q.Path)
				}
			}
		}
		var denied int
		if err := e.super().QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE partner_id = $1 AND outcome = 'denied'
			AND target_type = 'user' AND target_id = $2 AND details->>'reason' = 'user of another customer'`, tc.p.ID, tc.key).Scan(&denied); err != nil {
			t.Fatal(err)
		}
		if known {
			knownCases++
		}
		switch {
		case known && (asked != 0 || denied == 0):
			t.Errorf("%s: a user of another customer in reach: asked Zoom %d times, %d denied events", tc.who, asked, denied)
		case !known && asked == 0:
			t.Errorf("%s: the user was never looked up in Zoom under %s", tc.who, tc.own.AccountID)
		}
		// Nothing was cached in the customer's directory, and the user is as it was in Zoom.
		var cached int
		if err := e.super().QueryRow(ctx, `SELECT count(*) FROM customer_users u JOIN customers c ON c.id = u.customer_id
			WHERE c.zoom_account_id = $1 AND (u.zoom_user_id = $2 OR lower(u.email) = lower($3))`,
			tc.own.AccountID, tc.stranger.ID, tc.stranger.Email).Scan(&cached); err != nil || cached != 0 {
			t.Errorf("%s: the stranger is in the directory of %s %d times (%v)", tc.who, tc.own.AccountID, cached, err)
		}
		if now, _ := sandboxUser(e, tc.stranger.Email); now != tc.stranger {
			t.Errorf("%s: the stranger changed in Zoom: %+v, was %+v", tc.who, now, tc.stranger)
		}
	}
	if knownCases == 0 {
		t.Error("no case named a user the directory knows under another customer")
	}
	// A user of the distributor's own customer cannot be moved into its reseller's customer
	// (which the distributor may read): refused on the form, nothing sent.
	before := len(e.Sandbox.Requests())
	moved := dist.post(e.URL+"/customers/"+url.PathEscape(n1.AccountID)+"/users/"+url.PathEscape(n1User.ID)+"/move", url.Values{"to": {c1.AccountID}})
	e.waitJobsIdle()
	if moved.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(moved.Body, "Choose one of your own active customers") || tnChanges(e, before) != 0 {
		t.Errorf("moving a user into the reseller's customer: %d, %d changes sent", moved.StatusCode, tnChanges(e, before))
	}
	// The control: the same deactivation with the customer's own user does reach Zoom.
	before = len(e.Sandbox.Requests())
	done := dist.post(e.URL+"/customers/"+url.PathEscape(n1.AccountID)+"/users/"+url.PathEscape(n1User.ID)+"/status", url.Values{"action": {"deactivate"}})
	e.waitJobsIdle()
	if u, _ := sandboxUser(e, n1User.Email); done.StatusCode != http.StatusSeeOther || tnChanges(e, before) == 0 || u.Status != "inactive" {
		t.Errorf("deactivating the customer's own user: %d, %d changes sent, status %s", done.StatusCode, tnChanges(e, before), u.Status)
	}
}

// tnDraftID makes an onboarding draft of a partner, started by its staff member email, and
// returns its id.
func tnDraftID(t *testing.T, e *env, partnerID int64, email string) string {
	t.Helper()
	d, err := e.Store.CreateOnboardingDraft(context.Background(), partnerID, e.staffByEmail(partnerID, email).ID)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// contosoTemplateID makes a settings template of a partner (Contoso's, in the suite) and
// returns its id.
// tnGroupID makes a customer group of partnerID (by tag) and returns its id.
func tnGroupID(t *testing.T, e *env, partnerID int64) string {
	t.Helper()
	g, err := e.Store.SaveGroup(context.Background(), partnerID, store.Group{Name: "VIP customers", Kind: store.GroupByTag, Tag: "vip"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(g.ID, 10)
}

// tnStandardID saves a standard of partnerID over its template and group (ids as the idSet
// holds them).
func tnStandardID(t *testing.T, e *env, partnerID int64, templateID, groupID string) string {
	t.Helper()
	tid, _ := strconv.ParseInt(templateID, 10, 64)
	gid, _ := strconv.ParseInt(groupID, 10, 64)
	st, err := e.Store.SaveStandard(context.Background(), partnerID, store.Standard{Name: "VIP baseline", TemplateID: tid, GroupID: gid,
		Mode: store.StandardReport}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(st.ID, 10)
}

func contosoTemplateID(t *testing.T, e *env, partnerID int64) string {
	t.Helper()
	tpl, err := e.Store.SaveSettingsTemplate(context.Background(), partnerID, store.SettingsTemplate{Name: "Contoso standard",
		Settings: map[string]map[string]any{"in_meeting": {"chat": false}}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(tpl.ID, 10)
}

// tnScopedMember invites Contoso's scoped support member (resSupport is the other one), limits
// them through the owner's form to a tag group holding one of Contoso's customers other than
// outside, and checks that they reach that one and not outside. It returns their browser and
// the id of an audit event about outside (its tags set).
func tnScopedMember(t testing.TB, e *env, owner *browser, contoso store.Partner, outside string) (*browser, string) {
	t.Helper()
	ctx := context.Background()
	page, err := e.Store.Customers(ctx, contoso.ID, store.CustomerFilter{PartnerID: contoso.ID})
	if err != nil {
		t.Fatal(err)
	}
	var in, out store.Customer
	for _, c := range page.Customers {
		if c.ZoomAccountID == outside {
			out = c
		} else if in.ID == 0 {
			in = c
		}
	}
	if in.ID == 0 || out.ID == 0 {
		t.Fatalf("Contoso needs two customers: %+v", page.Customers)
	}
	if _, err := e.Store.SetCustomerTags(ctx, contoso.ID, in.ID, []string{"scoped"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.SetCustomerTags(ctx, contoso.ID, out.ID, []string{"elsewhere"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	g, err := e.Store.SaveGroup(ctx, contoso.ID, store.Group{Name: "Scoped support's", Kind: store.GroupByTag, Tag: "scoped"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	const email = "admin@contoso.example"
	invite(t, e, owner, email, store.RoleSupport)
	st := e.staffByEmail(contoso.ID, email)
	if got := owner.post(e.URL+"/staff/"+itoa(st.ID)+"/scope", url.Values{"group": {itoa(g.ID)}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("limiting %s: %d", email, got.StatusCode)
	}
	b := e.browser()
	b.signIn(e, email)
	if got := b.get(e.URL + "/customers/" + url.PathEscape(in.ZoomAccountID)); got.StatusCode != http.StatusOK {
		t.Fatalf("the scoped member opening the customer in scope: %d", got.StatusCode)
	}
	var event string
	for _, ev := range auditOf(t, e, contoso.ID, string(audit.CustomerTags)) {
		if ev.CustomerID == outside {
			event = itoa(ev.ID)
		}
	}
	if event == "" {
		t.Fatal("no audit event about the customer out of scope")
	}
	return b, event
}

// tnDelegations gives Northwind (dist, its owner's browser) delegations from Contoso: an active
// admin one over a Contoso customer other than outside (checked to work: its page carries the
// banner), and ended, declined and expired admin ones over outside. The expired one's end is
// moved into the past in the database, its status left active, as before the sweep records it.
func tnDelegations(t testing.TB, e *env, dist *browser, nw, contoso store.Partner, outside string) {
	t.Helper()
	ctx := context.Background()
	connectS2S(t, e, contoso)
	list, err := e.Store.Customers(ctx, contoso.ID, store.CustomerFilter{PartnerID: contoso.ID, Status: store.CustomerActive, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	other := ""
	for _, c := range list.Customers {
		if c.ZoomAccountID != outside {
			other = c.ZoomAccountID
		}
	}
	if other == "" {
		t.Fatal("Contoso has no second customer")
	}
	ask := func(account string) store.Delegation {
		t.Helper()
		d, err := e.Store.RequestDelegation(ctx, store.DelegationRequest{Side: store.SideDelegate, OwnerPartnerID: contoso.ID,
			DelegatePartnerID: nw.ID, Email: distOwner, Role: store.RoleAdmin, Duration: 24 * time.Hour, Reason: "isolation suite",
			Accounts: []string{account}}, store.AuditEvent{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	answer := func(d store.Delegation, approve bool) {
		t.Helper()
		if _, err := e.Store.AnswerDelegation(ctx, contoso.ID, d.ID, approve, resOwner, e.clock.Now(), store.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
	}
	answer(ask(other), true)
	ended := ask(outside)
	answer(ended, true)
	if _, err := e.Store.EndDelegation(ctx, contoso.ID, ended.ID, resOwner, e.clock.Now(), store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	answer(ask(outside), false)
	expired := ask(outside)
	answer(expired, true)
	if _, err := e.super().Exec(ctx, "UPDATE delegations SET starts_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = $1", expired.ID); err != nil {
		t.Fatal(err)
	}
	if got := dist.get(e.URL + "/customers/" + url.PathEscape(other)); got.StatusCode != http.StatusOK || got.TestID("delegation-note") == "" {
		t.Fatalf("Northwind's active delegation over %s does not work: %d %q", other, got.StatusCode, got.TestID("delegation-note"))
	}
	if got := dist.get(e.URL + "/customers/" + url.PathEscape(outside)); got.StatusCode != http.StatusOK || got.TestID("delegation-note") != "" {
		t.Fatalf("Northwind reads %s with a banner (%q) or not at all (%d)", outside, got.TestID("delegation-note"), got.StatusCode)
	}
}

// tnPendingDelegation asks, as Northwind (nw), for viewer access to Contoso's customer account,
// and returns the request's id, waiting for Contoso's answer.
func tnPendingDelegation(t testing.TB, e *env, nw, contoso store.Partner, account string) string {
	t.Helper()
	d, err := e.Store.RequestDelegation(context.Background(), store.DelegationRequest{Side: store.SideDelegate, OwnerPartnerID: contoso.ID,
		DelegatePartnerID: nw.ID, Email: distOwner, Role: store.RoleViewer, Duration: 24 * time.Hour, Reason: "isolation suite: pending",
		Accounts: []string{account}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(d.ID, 10)
}
