package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// dgSetup builds Northwind (distributor) above Contoso (reseller), connects Contoso's
// Server-to-Server app, and signs in a support member of Northwind. It returns Northwind's
// support browser, both partners, one of Contoso's customers and an active member in it.
func dgSetup(t *testing.T, e *env) (support *browser, nw, contoso store.Partner, c store.Customer, userID string) {
	t.Helper()
	ctx := context.Background()
	dist, _ := tree(t, e)
	nw, contoso = e.partnerOf(distOwner), e.partnerOf(resOwner)
	connectS2S(t, e, contoso)
	list, err := e.Store.Customers(ctx, contoso.ID, store.CustomerFilter{PartnerID: contoso.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil || len(list.Customers) < 2 {
		t.Fatalf("Contoso's customers: %d %v", len(list.Customers), err)
	}
	for _, x := range list.Customers {
		for _, u := range e.Sandbox.Users() {
			if u.AccountID == x.ZoomAccountID && u.Status == "active" && u.Role == "Member" {
				c, userID = x, u.ID
			}
		}
		if userID != "" {
			break
		}
	}
	if userID == "" {
		t.Fatal("no Contoso customer with an active member")
	}
	support = staffBrowser(t, e, dist, distSupport, store.RoleSupport)
	return support, nw, contoso, c, userID
}

// dgRequest asks for a delegation of role over customer c by Northwind's owner, and answers it
// as Contoso's owner (approve or not). It returns the delegation.
func dgRequest(t *testing.T, e *env, nw, contoso store.Partner, c store.Customer, role store.Role, d time.Duration, approve bool) store.Delegation {
	t.Helper()
	ctx := context.Background()
	req, err := e.Store.RequestDelegation(ctx, store.DelegationRequest{Side: store.SideDelegate, OwnerPartnerID: contoso.ID,
		DelegatePartnerID: nw.ID, Email: distOwner, Role: role, Duration: d, Reason: "ticket 4711: users cannot sign in",
		Accounts: []string{c.ZoomAccountID}, Now: e.clock.Now()}, store.AuditEvent{StaffEmail: distOwner})
	if err != nil {
		t.Fatal(err)
	}
	if req.Status != store.DelegationPending || len(req.Customers) != 1 || req.Customers[0].Account != c.ZoomAccountID {
		t.Fatalf("requested delegation: %+v", req)
	}
	if !approve {
		return req
	}
	got, err := e.Store.AnswerDelegation(ctx, contoso.ID, req.ID, true, resOwner, e.clock.Now(), store.AuditEvent{StaffEmail: resOwner})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.DelegationActive || got.ExpiresAt == nil {
		t.Fatalf("approved delegation: %+v", got)
	}
	return got
}

// dgRename posts a change of the user's first name as b and returns the page.
func dgRename(e *env, b *browser, c store.Customer, userID, name string) *page {
	return b.post(e.URL+"/customers/"+url.PathEscape(c.ZoomAccountID)+"/users/"+url.PathEscape(userID),
		url.Values{"first_name": {name}, "last_name": {"Person"}, "display_name": {name + " Person"}, "type": {"1"}, "dept": {"Ops"}})
}

// dgPatches counts the user changes the sandbox received for the user.
func dgPatches(e *env, c store.Customer, userID string) int {
	return len(e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+c.ZoomAccountID+"/users/"+userID))
}

// dgDenied counts the denied user.manage events of a partner's log.
func dgDenied(t *testing.T, e *env, partnerID int64) int {
	n := 0
	for _, ev := range auditOf(t, e, partnerID, "user.manage") {
		if ev.Outcome == store.OutcomeDenied {
			n++
		}
	}
	return n
}

// The walk: request → approve → Northwind's support member changes a user of
// Contoso's customer (one call at Zoom, under Contoso's app; one event in each chain, naming
// the delegation, the person and the partner; both chains verify) → end → the same request
// answers 404, with a denied event in Northwind's chain, and nothing more reaches Zoom.
func TestDelegatedSupportChangesAResellersUserUntilItEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	support, nw, contoso, c, userID := dgSetup(t, e)

	// Before any delegation the customer is Northwind's to read, never to change.
	if got := dgRename(e, support, c, userID, "Before"); got.StatusCode != http.StatusNotFound {
		t.Fatalf("change before a delegation: %d, want 404", got.StatusCode)
	}
	deniedBefore := dgDenied(t, e, nw.ID)
	if deniedBefore != 1 || dgPatches(e, c, userID) != 0 {
		t.Fatalf("before: %d denied events, %d PATCHes", deniedBefore, dgPatches(e, c, userID))
	}

	d := dgRequest(t, e, nw, contoso, c, store.RoleSupport, 48*time.Hour, true)
	for _, p := range []int64{nw.ID, contoso.ID} {
		for _, action := range []string{"delegation.request", "delegation.approve"} {
			if evs := auditOf(t, e, p, action); len(evs) != 1 || !strings.Contains(string(evs[0].Details), `"role":"support"`) {
				t.Errorf("partner %d: %s events %d", p, action, len(evs))
			}
		}
	}

	// The user's page says under what the member acts, and offers the change.
	pg := support.get(e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID) + "/users/" + url.PathEscape(userID))
	note := pg.TestID("delegation-note")
	if pg.StatusCode != http.StatusOK || !strings.Contains(note, "You act for "+contoso.Name+" as support until") {
		t.Fatalf("user page under the delegation: %d, note %q", pg.StatusCode, note)
	}
	// The customer list marks the one delegated customer, the others of Contoso stay read only.
	list := support.get(e.URL + "/customers?partner=" + itoa(contoso.ID))
	if n := list.Doc().Find(`[data-testid="delegated"]`).Length(); list.StatusCode != http.StatusOK || n != 1 ||
		!strings.Contains(list.TestID("delegated"), "support") || list.Doc().Find(`[data-testid="read-only"]`).Length() == 0 {
		t.Errorf("customer list under the delegation: %d, %d marked delegated (%q)", list.StatusCode, n, list.TestID("delegated"))
	}
	if got := dgRename(e, support, c, userID, "Delegated"); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("change under the delegation: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	reqs := e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+c.ZoomAccountID+"/users/"+userID)
	if len(reqs) != 1 || reqs[0].AccountID != contoso.ZoomAccountID || reqs[0].Status != http.StatusNoContent {
		t.Fatalf("Zoom received %d PATCHes (%+v), want one with Contoso's token", len(reqs), reqs)
	}
	var s2sClient string
	for _, a := range e.Sandbox.Apps() {
		if a.Type == "s2s" && a.AccountID == contoso.ZoomAccountID {
			s2sClient = a.ClientID
		}
	}
	if reqs[0].Grant != s2sClient {
		t.Errorf("the change went out with client %q, want Contoso's Server-to-Server app %q", reqs[0].Grant, s2sClient)
	}

	theirs, mine := auditOf(t, e, contoso.ID, "user.update"), auditOf(t, e, nw.ID, "user.update")
	if len(theirs) != 1 || len(mine) != 1 {
		t.Fatalf("user.update events: %d in Contoso's log, %d in Northwind's", len(theirs), len(mine))
	}
	type under struct {
		ID         int64  `json:"id"`
		Role       string `json:"role"`
		Delegate   string `json:"delegate"`
		Owner      string `json:"owner"`
		StaffEmail string `json:"staff_email"`
	}
	var td, md struct {
		Under  under `json:"under_delegation"`
		CopyOf struct {
			PartnerID int64 `json:"partner_id"`
			Event     int64 `json:"event"`
		} `json:"copy_of"`
	}
	if err := json.Unmarshal(theirs[0].Details, &td); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mine[0].Details, &md); err != nil {
		t.Fatal(err)
	}
	for who, x := range map[string]under{"Contoso's": td.Under, "Northwind's": md.Under} {
		if x.ID != d.ID || x.Role != "support" || x.Delegate != nw.Name || x.Owner != contoso.Name || x.StaffEmail != distSupport {
			t.Errorf("%s event does not name the delegation, the person and both partners: %+v", who, x)
		}
	}
	if theirs[0].StaffID != nil || theirs[0].StaffEmail != distSupport || theirs[0].Outcome != store.OutcomeSucceeded {
		t.Errorf("Contoso's event: staff id %v, email %q, outcome %s", theirs[0].StaffID, theirs[0].StaffEmail, theirs[0].Outcome)
	}
	if mine[0].StaffID == nil || *mine[0].StaffID != e.staffByEmail(nw.ID, distSupport).ID || md.CopyOf.Event != theirs[0].ID || md.CopyOf.PartnerID != contoso.ID {
		t.Errorf("Northwind's event: staff %v, copy of %+v (Contoso's event %d)", mine[0].StaffID, md.CopyOf, theirs[0].ID)
	}
	for _, p := range []int64{nw.ID, contoso.ID} {
		reports, err := e.Store.VerifyAudit(ctx, p)
		if err != nil || len(reports) != 1 || !reports[0].OK {
			t.Fatalf("verify partner %d: %+v %v", p, reports, err)
		}
	}

	// The customer's own owner sees the change on their transparency page, by whom and for
	// which partner.
	var customerOwner string
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == c.ZoomAccountID && u.Role == "Owner" {
			customerOwner = u.Email
		}
	}
	acct := e.browser().signIn(e, customerOwner)
	row := acct.Doc().Find(`[data-testid="customer-event"][data-event="` + itoa(theirs[0].ID) + `"]`)
	if acct.StatusCode != http.StatusOK || row.Length() != 1 || !strings.Contains(row.Text(), distSupport+" ("+nw.Name+", delegated access)") {
		t.Errorf("the customer's page: %d, the change's row %q", acct.StatusCode, row.Text())
	}

	// A support delegation does not make Northwind's member an admin of the customer.
	if got := support.post(e.URL+"/customers/"+url.PathEscape(c.ZoomAccountID)+"/notes", url.Values{"notes": {"x"}}); got.StatusCode != http.StatusForbidden {
		t.Errorf("an admin's change under a support delegation: %d, want 403", got.StatusCode)
	}

	// Contoso ends it: the same request is out of reach again.
	if _, err := e.Store.EndDelegation(ctx, contoso.ID, d.ID, resOwner, e.clock.Now(), store.AuditEvent{StaffEmail: resOwner}); err != nil {
		t.Fatal(err)
	}
	deniedBefore = dgDenied(t, e, nw.ID)
	if got := dgRename(e, support, c, userID, "After"); got.StatusCode != http.StatusNotFound {
		t.Fatalf("change after the end: %d, want 404", got.StatusCode)
	}
	if got := dgDenied(t, e, nw.ID); got != deniedBefore+1 {
		t.Errorf("denied events in Northwind's log after the end: %d, want %d", got, deniedBefore+1)
	}
	if n := dgPatches(e, c, userID); n != 1 {
		t.Errorf("Zoom received %d PATCHes in all, want 1", n)
	}
	if pg := support.get(e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID)); pg.StatusCode != http.StatusOK || pg.TestID("delegation-note") != "" {
		t.Errorf("after the end the customer is read only again, with no banner: %d %q", pg.StatusCode, pg.TestID("delegation-note"))
	}
	for _, p := range []int64{nw.ID, contoso.ID} {
		if evs := auditOf(t, e, p, "delegation.end"); len(evs) != 1 {
			t.Errorf("partner %d: %d delegation.end events", p, len(evs))
		}
	}
}

// An expired delegation reaches nothing from its end on (by the portal's clock), before and
// after the sweep records it in both logs; a declined or lapsed request never gave anything.
func TestExpiredDeclinedAndLapsedDelegationsGiveNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	support, nw, contoso, c, userID := dgSetup(t, e)

	d := dgRequest(t, e, nw, contoso, c, store.RoleSupport, 2*time.Hour, true)
	if got := dgRename(e, support, c, userID, "InTime"); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("change in time: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	e.clock.Advance(2*time.Hour + time.Minute)
	denied := dgDenied(t, e, nw.ID)
	if got := dgRename(e, support, c, userID, "Late"); got.StatusCode != http.StatusNotFound {
		t.Fatalf("change after expiry: %d, want 404", got.StatusCode)
	}
	if got := dgDenied(t, e, nw.ID); got != denied+1 {
		t.Errorf("denied events after expiry: %d, want %d", got, denied+1)
	}
	swept, err := e.Store.SweepDelegations(ctx, e.clock.Now())
	if err != nil || len(swept) != 1 || swept[0].ID != d.ID || swept[0].Status != store.DelegationExpired {
		t.Fatalf("sweep: %+v %v", swept, err)
	}
	for _, p := range []int64{nw.ID, contoso.ID} {
		if evs := auditOf(t, e, p, "delegation.expire"); len(evs) != 1 {
			t.Errorf("partner %d: %d delegation.expire events", p, len(evs))
		}
	}
	if again, err := e.Store.SweepDelegations(ctx, e.clock.Now()); err != nil || len(again) != 0 {
		t.Errorf("a second sweep recorded %d more (%v)", len(again), err)
	}

	// Declined: nothing.
	declined := dgRequest(t, e, nw, contoso, c, store.RoleSupport, 24*time.Hour, false)
	if _, err := e.Store.AnswerDelegation(ctx, contoso.ID, declined.ID, false, resOwner, e.clock.Now(), store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if got := dgRename(e, support, c, userID, "Declined"); got.StatusCode != http.StatusNotFound {
		t.Errorf("change under a declined request: %d, want 404", got.StatusCode)
	}
	// Nor can a declined request be approved later, nor the asking side answer its own.
	if _, err := e.Store.AnswerDelegation(ctx, contoso.ID, declined.ID, true, resOwner, e.clock.Now(), store.AuditEvent{}); !errors.Is(err, store.ErrDelegationClosed) {
		t.Errorf("approving a declined request: %v", err)
	}

	// Lapsed: a request nobody answered for 7 days cannot be approved, and gives nothing.
	lapsing := dgRequest(t, e, nw, contoso, c, store.RoleSupport, 24*time.Hour, false)
	if _, err := e.Store.AnswerDelegation(ctx, nw.ID, lapsing.ID, true, distOwner, e.clock.Now(), store.AuditEvent{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the asking side approving its own request: %v", err)
	}
	e.clock.Advance(store.DelegationLapseAfter + time.Minute)
	support.signIn(e, distSupport) // a week later: a new session
	if _, err := e.Store.AnswerDelegation(ctx, contoso.ID, lapsing.ID, true, resOwner, e.clock.Now(), store.AuditEvent{}); !errors.Is(err, store.ErrDelegationClosed) {
		t.Errorf("approving a lapsed request: %v", err)
	}
	if got := dgRename(e, support, c, userID, "Lapsed"); got.StatusCode != http.StatusNotFound {
		t.Errorf("change under a lapsed request: %d, want 404", got.StatusCode)
	}
	swept, err = e.Store.SweepDelegations(ctx, e.clock.Now())
	if err != nil || len(swept) != 1 || swept[0].ID != lapsing.ID || swept[0].Status != store.DelegationLapsed {
		t.Fatalf("sweep of the lapsed request: %+v %v", swept, err)
	}
	for _, p := range []int64{nw.ID, contoso.ID} {
		if evs := auditOf(t, e, p, "delegation.lapse"); len(evs) != 1 {
			t.Errorf("partner %d: %d delegation.lapse events", p, len(evs))
		}
	}
	if n := dgPatches(e, c, userID); n != 1 {
		t.Errorf("Zoom received %d PATCHes in all, want the one made in time", n)
	}
}

// A delegation whose role is above the member's own gives them nothing; a viewer delegation
// gives Northwind's support member no change; approval needs the owner's Server-to-Server app.
func TestDelegationRoleIsTheLesserAndNeedsTheOwnersApp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	support, nw, contoso, c, userID := dgSetup(t, e)

	admin := dgRequest(t, e, nw, contoso, c, store.RoleAdmin, 24*time.Hour, true)
	if got := dgRename(e, support, c, userID, "Above"); got.StatusCode != http.StatusNotFound {
		t.Errorf("a support member under an admin delegation: %d, want 404 (their role is less than the delegation's)", got.StatusCode)
	}
	if _, err := e.Store.EndDelegation(ctx, nw.ID, admin.ID, distOwner, e.clock.Now(), store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	dgRequest(t, e, nw, contoso, c, store.RoleViewer, 24*time.Hour, true)
	if got := dgRename(e, support, c, userID, "Viewer"); got.StatusCode != http.StatusForbidden {
		t.Errorf("a change under a viewer delegation: %d, want 403", got.StatusCode)
	}
	if n := dgPatches(e, c, userID); n != 0 {
		t.Errorf("Zoom received %d PATCHes, want none", n)
	}

	// Without Contoso's app, Contoso cannot approve.
	if err := e.Store.RemoveS2SGrant(ctx, contoso.ID, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	req := dgRequest(t, e, nw, contoso, c, store.RoleSupport, 24*time.Hour, false)
	if _, err := e.Store.AnswerDelegation(ctx, contoso.ID, req.ID, true, resOwner, e.clock.Now(), store.AuditEvent{}); !errors.Is(err, store.ErrNoS2SForDelegation) {
		t.Errorf("approval without the owner's app: %v", err)
	}
}

// dgReceiver is a partner's outgoing webhook receiver that checks each request's signature
// and counts the events by kind.
type dgReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	kinds map[string]int
	bad   int
}

func newDGReceiver(t *testing.T, secret string) *dgReceiver {
	rc := &dgReceiver{kinds: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		ts := r.Header.Get(jobs.HeaderNotifyTimestamp)
		var ev struct {
			Event   string         `json:"event"`
			Payload map[string]any `json:"payload"`
		}
		if ts == "" || r.Header.Get(jobs.HeaderNotifySignature) != jobs.SignNotification(secret, ts, body) || json.Unmarshal(body, &ev) != nil {
			rc.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rc.kinds[ev.Event]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *dgReceiver) count(kind string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.kinds[kind]
}

// Both partners' outgoing webhooks hear of a delegation asked for, approved and ended through
// the Access pages, and of one expired by the sweep: each event once, signed.
func TestDelegationEventsReachBothPartnersWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, nw, contoso, c, _ := dgSetup(t, e)
	dist, res := e.browser(), e.browser()
	dist.signIn(e, distOwner)
	res.signIn(e, resOwner)
	receivers := map[int64]*dgReceiver{}
	for _, p := range []store.Partner{nw, contoso} {
		secret := "whsec-" + itoa(p.ID) + "-of-the-test"
		receivers[p.ID] = newDGReceiver(t, secret)
		if err := e.Store.SetOutgoingWebhook(ctx, p.ID, store.OutgoingWebhookChange{URL: receivers[p.ID].URL + "/hook", Secret: secret,
			Enabled: true, Kinds: jobs.NotifyKinds()}, store.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
	}
	asked := dist.post(e.URL+"/access", url.Values{"side": {"delegate"}, "partner": {itoa(contoso.ID)}, "customers": {c.ZoomAccountID},
		"role": {"support"}, "duration": {"2"}, "unit": {"hours"}, "reason": {"Ticket 4711"}})
	if asked.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask: %d %q", asked.StatusCode, asked.TestID("delegation-form-error"))
	}
	loc := asked.location(t)
	if got := res.post(loc+"/approve", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", got.StatusCode)
	}
	if got := res.post(loc+"/end", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("end: %d", got.StatusCode)
	}
	// A second one, left to expire and swept by the portal's periodic job.
	d := dgRequest(t, e, nw, contoso, c, store.RoleViewer, time.Hour, true)
	if _, err := e.super().Exec(ctx, "UPDATE delegations SET expires_at = now() - interval '1 second' WHERE id = $1", d.ID); err != nil {
		t.Fatal(err)
	}
	swept, err := e.Store.SweepDelegations(ctx, time.Now())
	if err != nil || len(swept) != 1 {
		t.Fatalf("sweep: %d %v", len(swept), err)
	}
	if err := jobs.NotifyDelegation(ctx, e.Store, e.River, swept[0]); err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.Partner{nw, contoso} {
		rc := receivers[p.ID]
		for _, kind := range []string{jobs.NotifyDelegationRequested, jobs.NotifyDelegationApproved, jobs.NotifyDelegationEnded, jobs.NotifyDelegationExpired} {
			awaitCond(t, p.Name+" hears of "+kind, func() bool { return rc.count(kind) >= 1 })
		}
		e.waitJobsIdle()
		for _, kind := range []string{jobs.NotifyDelegationRequested, jobs.NotifyDelegationApproved, jobs.NotifyDelegationEnded, jobs.NotifyDelegationExpired} {
			if n := rc.count(kind); n != 1 {
				t.Errorf("%s heard %s %d times, want once", p.Name, kind, n)
			}
		}
		if rc.bad != 0 {
			t.Errorf("%s's receiver refused %d requests", p.Name, rc.bad)
		}
	}
}

// awaitCond polls cond (what a receiver got) until it holds, two minutes at most.
func awaitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited two minutes for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
