package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/store"
)

// routeKind says how the isolation suite treats a route.
type routeKind int

const (
	public      routeKind = iota // no session needed: nothing to isolate
	readOwn                      // a signed-in read of the acting partner's own things (no id)
	mutateOwn                    // a signed-in change with no id in the path: viewers are refused
	withID                       // takes the id of a customer, user, staff member or job
	ownSequence                  // numbers within the acting partner's own log (audit events): no foreign id exists
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
	"GET /":                                readOwn,
	"GET /audit":                           readOwn,
	"GET /audit.csv":                       readOwn,
	"GET /audit.ndjson":                    readOwn,
	"GET /audit/{seq}":                     ownSequence,
	"GET /customers":                       readOwn,
	"POST /customers/sync":                 mutateOwn,
	"GET /customers/{accountId}":           withID,
	"GET /customers.csv":                   readOwn,
	"GET /customers/quick":                 mutateOwn, // the form itself is for admins
	"POST /customers/quick":                mutateOwn,
	"GET /customers/new":                   mutateOwn,
	"POST /customers/new":                  mutateOwn,
	"GET /customers/new/{draftId}":         withID,
	"POST /customers/new/{draftId}/delete": withID,
	"POST /customers/new/{draftId}/start":  withID,
	"GET /customers/new/{draftId}/{step}":  withID,
	"POST /customers/new/{draftId}/{step}": withID,
	"GET /onboardings/{onboardingId}":      withID,
	"POST /onboardings/{onboardingId}/steps/{seq}/retry": withID,
	"POST /onboardings/{onboardingId}/steps/{seq}/skip":  withID,
	"GET /onboardings/{onboardingId}/abandon":            withID,
	"POST /onboardings/{onboardingId}/abandon":           withID,
	"POST /onboardings/{onboardingId}/copy":              withID,
	"GET /customers/{accountId}/activity":                withID,
	"GET /customers/{accountId}/settings":                withID,
	"POST /customers/{accountId}/settings":               withID,
	"GET /customers/{accountId}/plans":                   withID,
	"POST /customers/{accountId}/plans":                  withID,
	"POST /customers/{accountId}/plans/base":             withID,
	"POST /customers/{accountId}/plans/addons":           withID,
	"POST /customers/{accountId}/plans/cancel":           withID,
	"GET /customers/{accountId}/options":                 withID,
	"POST /customers/{accountId}/options":                withID,
	"GET /customers/{accountId}/owner":                   withID,
	"POST /customers/{accountId}/owner":                  withID,
	"GET /customers/{accountId}/disassociate":            withID,
	"POST /customers/{accountId}/disassociate":           withID,
	"POST /customers/{accountId}/notes":                  withID,
	"GET /customers/{accountId}/settings/template":       withID,
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
	"GET /settings":                                      readOwn,
	"POST /settings/s2s":                                 mutateOwn,
	"POST /settings/s2s/remove":                          mutateOwn,

	// Users inside customers, search, bulk user jobs.
	"GET /customers/{accountId}/users":                  withID,
	"POST /customers/{accountId}/users":                 withID,
	"GET /customers/{accountId}/users/new":              withID,
	"POST /customers/{accountId}/users/sync":            withID,
	"POST /customers/{accountId}/users/bulk":            withID,
	"GET /customers/{accountId}/users/{userId}":         withID,
	"POST /customers/{accountId}/users/{userId}":        withID,
	"POST /customers/{accountId}/users/{userId}/status": withID,
	"POST /customers/{accountId}/users/{userId}/remove": withID,
	"POST /customers/{accountId}/users/{userId}/move":   withID,
	"GET /search":                      readOwn,
	"POST /search/sync":                mutateOwn,
	"GET /imports":                     readOwn,
	"POST /imports":                    mutateOwn,
	"GET /imports/template.csv":        readOwn,
	"GET /imports/{importId}":          withID,
	"POST /imports/{importId}/start":   withID,
	"POST /imports/{importId}/discard": withID,
	"GET /jobs/{jobId}/results.csv":    withID,
	"POST /jobs/{jobId}/cancel":        withID,
}

// foreign are ids that belong to Contoso, a reseller below Northwind.
type foreign struct{ accountID, staffID, jobID, userID, importID, templateID, onboardingID string }

func (f foreign) fill(pattern string) string {
	return strings.NewReplacer("{accountId}", url.PathEscape(f.accountID), "{staffId}", f.staffID,
		"{jobId}", f.jobID, "{templateId}", f.templateID, "{userId}", url.PathEscape(f.userID), "{importId}", f.importID,
		"{draftId}", f.onboardingID, "{onboardingId}", f.onboardingID, "{seq}", "1", "{step}", "customer").Replace(pattern)
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

// TestIsolationSuite calls every route of the router as staff of other partners and checks
// that nobody crosses the line: ids of a reseller's customer, staff member or job, used by
// every role of a sibling reseller (and, for changes, of the reseller's own distributor),
// answer 404, reach Zoom never and leave one denied audit event; every change is refused to a
// viewer.
func TestIsolationSuite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dist, res := tree(t, e)
	sib := e.browser()
	sib.signIn(e, fabOwner)
	syncAndWait(t, e, sib) // its first sync starts at sign-in: let it finish
	roles := []store.Role{store.RoleAdmin, store.RoleSupport, store.RoleViewer}
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
	contoso, _ := e.Store.PartnerByZoomAccount(ctx, e.accountOf(resOwner))
	invite(t, e, res, resSupport, store.RoleSupport)
	customers, _ := e.Store.Customers(ctx, contoso.ID, store.CustomerFilter{PartnerID: contoso.ID, Limit: 1})
	job, _ := e.Store.LatestJob(ctx, contoso.ID, "sync_customers")
	ids := foreign{accountID: customers.Customers[0].ZoomAccountID, staffID: itoa(e.staffByEmail(contoso.ID, resSupport).ID),
		jobID: job.ID, userID: contosoUserID(t, e, customers.Customers[0].ZoomAccountID), importID: contosoImportID(t, e, contoso.ID),
		templateID: contosoTemplateID(t, e, contoso.ID), onboardingID: contosoDraftID(t, e, contoso.ID)}
	partnerOf := map[string]store.Partner{}
	for _, n := range []string{"northwind", "fabrikam"} {
		email := map[string]string{"northwind": distOwner, "fabrikam": fabOwner}[n]
		partnerOf[n], _ = e.Store.PartnerByZoomAccount(ctx, e.accountOf(email))
	}
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
	// expectIsolated calls the route as b (staff of partner p) and checks the three walls.
	expectIsolated := func(who string, b *browser, p store.Partner, method, pattern string) {
		t.Helper()
		path := ids.fill(pattern)
		e.waitJobsIdle()
		before, deniedBefore := len(e.Sandbox.Requests()), denied(p)
		got := call(b, method, path, formFor(pattern))
		if got.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s %s answered %d, want 404", who, method, path, got.StatusCode)
		}
		if n := len(e.Sandbox.Requests()) - before; n != 0 {
			t.Errorf("%s: %s %s made %d requests to Zoom", who, method, path, n)
		}
		if n := denied(p) - deniedBefore; n != 1 {
			t.Errorf("%s: %s %s left %d denied audit events, want 1", who, method, path, n)
		}
	}

	covered := 0
	err := chi.Walk(e.Handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + pattern
		kind, ok := routeTable[key]
		if !ok {
			t.Errorf("route %s is not covered by the isolation suite: add it to routeTable", key)
			return nil
		}
		covered++
		switch kind {
		case withID:
			for _, role := range append([]store.Role{store.RoleOwner}, roles...) {
				expectIsolated("fabrikam "+string(role), staffOf["fabrikam"][role], partnerOf["fabrikam"], method, pattern)
				if method != http.MethodGet {
					expectIsolated("northwind "+string(role), staffOf["northwind"][role], partnerOf["northwind"], method, pattern)
				}
			}
		case mutateOwn:
			v := staffOf["northwind"][store.RoleViewer]
			e.waitJobsIdle()
			before, deniedBefore := len(e.Sandbox.Requests()), denied(partnerOf["northwind"])
			got := call(v, method, pattern, formFor(pattern))
			if got.StatusCode != http.StatusForbidden {
				t.Errorf("viewer: %s %s answered %d, want 403", method, pattern, got.StatusCode)
			}
			if len(e.Sandbox.Requests()) != before || denied(partnerOf["northwind"]) != deniedBefore+1 {
				t.Errorf("viewer: %s %s reached Zoom or was not audited as denied", method, pattern)
			}
		case readOwn:
			for _, role := range append([]store.Role{store.RoleOwner}, roles...) {
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
	if covered != len(routeTable) {
		t.Errorf("the router has %d of the %d routes in routeTable: remove routes that no longer exist", covered, len(routeTable))
	}
	// Viewers are refused every change that takes an id too (on their own partner's things).
	nw := partnerOf["northwind"]
	own := foreign{staffID: itoa(e.staffByEmail(nw.ID, "admin@northwind.example").ID)}
	for key, kind := range routeTable {
		method, pattern, _ := strings.Cut(key, " ")
		if kind != withID || method == http.MethodGet || !strings.Contains(pattern, "{staffId}") {
			continue
		}
		got := call(staffOf["northwind"][store.RoleViewer], method, own.fill(pattern), formFor(pattern))
		if got.StatusCode != http.StatusForbidden {
			t.Errorf("viewer changing their own partner's staff: %s %s answered %d, want 403", method, pattern, got.StatusCode)
		}
	}
}

// contosoDraftID makes an onboarding draft of Contoso and returns its id.
func contosoDraftID(t *testing.T, e *env, partnerID int64) string {
	t.Helper()
	d, err := e.Store.CreateOnboardingDraft(context.Background(), partnerID, e.staffByEmail(partnerID, resOwner).ID)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// contosoTemplateID makes a settings template of Contoso and returns its id.
func contosoTemplateID(t *testing.T, e *env, partnerID int64) string {
	t.Helper()
	tpl, err := e.Store.SaveSettingsTemplate(context.Background(), partnerID, store.SettingsTemplate{Name: "Contoso standard",
		Settings: map[string]map[string]any{"in_meeting": {"chat": false}}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(tpl.ID, 10)
}
