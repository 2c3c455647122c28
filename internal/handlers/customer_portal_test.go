package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// ctEvents reads every event of partnerID's log as the superuser (row-level security aside).
func ctEvents(t testing.TB, e *env, partnerID int64) []store.AuditEvent {
	t.Helper()
	rows, err := e.super().Query(context.Background(), `SELECT id, action, customer_id, outcome, external, details::text FROM audit_events
		WHERE partner_id = $1 ORDER BY id DESC`, partnerID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []store.AuditEvent
	for rows.Next() {
		var ev store.AuditEvent
		var d string
		if err := rows.Scan(&ev.ID, &ev.Action, &ev.CustomerID, &ev.Outcome, &ev.External, &d); err != nil {
			t.Fatal(err)
		}
		ev.Details = json.RawMessage(d)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ctAbout reports whether a customer of account may read ev: a change at Zoom or a change seen
// from Zoom whose customer is account, or a delegation's event that lists account; never a
// refusal. (The rule of the issue, written again here from the events' fields.)
func ctAbout(ev store.AuditEvent, account string) bool {
	if ev.Outcome == store.OutcomeDenied {
		return false
	}
	if strings.HasPrefix(string(ev.Action), "delegation.") {
		var d struct {
			Delegation struct {
				Customers []string `json:"customers"`
			} `json:"delegation"`
		}
		return json.Unmarshal(ev.Details, &d) == nil && slices.Contains(d.Delegation.Customers, account)
	}
	return ev.CustomerID == account && (ev.Action.ChangesZoom() || ev.External)
}

// ctPageEvents returns the event ids a customer's page lists, in order.
func ctPageEvents(t testing.TB, p *page) []int64 {
	t.Helper()
	var ids []int64
	p.Doc().Find(`[data-testid="customer-event"]`).Each(func(_ int, s *goquery.Selection) {
		id, err := strconv.ParseInt(s.AttrOr("data-event", ""), 10, 64)
		if err != nil {
			t.Fatalf("event row without an id: %v", err)
		}
		ids = append(ids, id)
	})
	return ids
}

// TestCustomerAdminSeesOnlyTheirOwnAccount: with Contoso (a reseller below Northwind) managing
// two customers, and in its log events about both, partner-internal records (notes, tags), a
// refusal, a change seen from Zoom and delegations, an owner of one customer signs in with
// Zoom: the page names Contoso and Northwind above it, the staff who reach the customer (a
// member limited to a group holding it, not one limited elsewhere), its delegation, and exactly
// the events a direct query of the log finds about its account (none of the other customer's,
// no note, no tag, no refusal); the CSV holds the same. No Zoom grant is kept.
func TestCustomerAdminSeesOnlyTheirOwnAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, res := tree(t, e)
	contoso, nw := e.partnerOf(resOwner), e.partnerOf(distOwner)
	connectS2S(t, e, contoso)
	own, member := tnCustomerWithMember(t, e, contoso.ZoomAccountID, 0)
	other, otherMember := tnCustomerWithMember(t, e, contoso.ZoomAccountID, 1)
	account := own.AccountID

	// Contoso's staff: a support member limited to a group holding the customer (tag vip), a
	// viewer limited to a group that does not hold it.
	invite(t, e, res, resSupport, store.RoleSupport)
	invite(t, e, res, "viewer@contoso.example", store.RoleViewer)
	e.browser().signIn(e, resSupport)
	e.browser().signIn(e, "viewer@contoso.example")
	if got := res.post(e.URL+paths.Customer(account)+"/tags", url.Values{"tags": {"vip"}}); got.StatusCode >= 400 {
		t.Fatalf("tags: %d %.300s", got.StatusCode, got.Body)
	}
	var vip, elsewhere int64
	if err := e.super().QueryRow(ctx, `INSERT INTO customer_groups (partner_id, name, kind, tag) VALUES ($1, 'VIP', 'tag', 'vip') RETURNING id`, contoso.ID).Scan(&vip); err != nil {
		t.Fatal(err)
	}
	if err := e.super().QueryRow(ctx, `INSERT INTO customer_groups (partner_id, name, kind, tag) VALUES ($1, 'Elsewhere', 'tag', 'nobody-has-this') RETURNING id`, contoso.ID).Scan(&elsewhere); err != nil {
		t.Fatal(err)
	}
	for email, g := range map[string]int64{resSupport: vip, "viewer@contoso.example": elsewhere} {
		if err := e.Store.SetStaffScope(ctx, contoso.ID, e.staffByEmail(contoso.ID, email).ID, []int64{g}, store.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
	}

	// Events: a change at Zoom of each customer, a note (internal), a refusal about the
	// customer, a change seen from Zoom, and delegations: one covering the customer (active),
	// one covering the other customer only (withdrawn).
	for acct, u := range map[string]sandbox.UserInfo{account: member, other.AccountID: otherMember} {
		if got := res.post(e.URL+paths.UserStatus(acct, u.ID), url.Values{"action": {"deactivate"}}); got.StatusCode != http.StatusSeeOther {
			t.Fatalf("deactivate %s: %d %.300s", u.Email, got.StatusCode, got.Body)
		}
	}
	if got := res.post(e.URL+paths.CustomerNotes(account), url.Values{"notes": {"Internal: slow payer, watch closely"}}); got.StatusCode >= 400 {
		t.Fatalf("notes: %d", got.StatusCode)
	}
	for _, ev := range []store.AuditEvent{
		{PartnerID: contoso.ID, Action: audit.UserUpdate, Outcome: store.OutcomeDenied, CustomerID: account, TargetType: "customer", TargetID: account,
			StaffEmail: "viewer@contoso.example", Details: json.RawMessage(`{"reason":"probe"}`)},
		{PartnerID: contoso.ID, Action: audit.CustomerUpdate, Outcome: store.OutcomeSucceeded, CustomerID: account, External: true, TargetType: "customer",
			TargetID: account, Details: json.RawMessage(`{"before":{"account_name":"Old name"},"after":{"account_name":"New name"}}`)},
	} {
		if _, err := e.Store.Audit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	d, err := e.Store.RequestDelegation(ctx, store.DelegationRequest{Side: store.SideOwner, OwnerPartnerID: contoso.ID, DelegatePartnerID: nw.ID,
		Email: resOwner, Role: store.RoleSupport, Duration: 72 * time.Hour, Reason: "Migration help", Accounts: []string{account}}, store.AuditEvent{StaffEmail: resOwner})
	if err != nil {
		t.Fatal(err)
	}
	// Accepted by Northwind. (Set in place: store.AnswerDelegation fails as this is written, on
	// "$3 + duration" with $3 typed text.)
	if _, err := e.super().Exec(ctx, `UPDATE delegations SET status = 'active', answered_at = $2, answered_by_email = $3, starts_at = $2,
		expires_at = $2::timestamptz + duration WHERE id = $1`, d.ID, now, distOwner); err != nil {
		t.Fatal(err)
	}
	d2, err := e.Store.RequestDelegation(ctx, store.DelegationRequest{Side: store.SideOwner, OwnerPartnerID: contoso.ID, DelegatePartnerID: nw.ID,
		Email: resOwner, Role: store.RoleAdmin, Duration: 24 * time.Hour, Reason: "Other customer", Accounts: []string{other.AccountID}}, store.AuditEvent{StaffEmail: resOwner})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.EndDelegation(ctx, contoso.ID, d2.ID, resOwner, now, store.AuditEvent{StaffEmail: resOwner}); err != nil {
		t.Fatal(err)
	}
	e.waitJobsIdle()

	// The customer's owner signs in.
	b := e.browser()
	revokesBefore := len(e.sandboxRequests(http.MethodPost, "/oauth/revoke"))
	p := b.signIn(e, own.Email)
	if p.StatusCode != http.StatusOK || p.Request.URL.Path != "/account" {
		t.Fatalf("the customer's owner landed on %s: %d %.500s", p.Request.URL, p.StatusCode, p.Body)
	}
	if got := p.TestID("customer-manager"); got != contoso.Name {
		t.Errorf("managed by %q, want %q", got, contoso.Name)
	}
	var tiers []string
	p.Doc().Find(`[data-testid="customer-tier"] strong`).Each(func(_ int, s *goquery.Selection) { tiers = append(tiers, s.Text()) })
	if want := []string{nw.Name, contoso.Name, p.TestID("customer-title")}; !slices.Equal(tiers, want) {
		t.Errorf("tiers %q, want %q", tiers, want)
	}
	if got := p.TestID("customer-above"); !strings.Contains(got, nw.Name) || !strings.Contains(got, "can read") {
		t.Errorf("above: %q", got)
	}
	var staff []string
	p.Doc().Find(`[data-testid="customer-staff-row"]`).Each(func(_ int, s *goquery.Selection) { staff = append(staff, s.AttrOr("data-email", "")) })
	if !slices.Equal(staff, []string{resOwner, resSupport}) {
		t.Errorf("staff with access %q, want the owner and the support member limited to VIP", staff)
	}
	if n := p.Doc().Find(`[data-testid="customer-delegation"][data-active="true"]`).Length(); n != 1 ||
		!strings.Contains(p.Doc().Find(`[data-testid="customer-delegation"]`).Text(), nw.Name) {
		t.Errorf("%d active delegations: %q", n, p.Doc().Find(`[data-testid="customer-delegations"]`).Text())
	}
	if n := p.Doc().Find(`[data-testid="customer-delegation"]`).Length(); n != 1 {
		t.Errorf("%d delegations listed, want the one covering the customer", n)
	}

	// The events are exactly those the log holds about the account.
	e.awaitSealed(contoso.ID)
	var want []int64
	kinds := map[audit.Action]bool{}
	for _, ev := range ctEvents(t, e, contoso.ID) {
		if ctAbout(ev, account) {
			want = append(want, ev.ID)
			kinds[ev.Action] = true
		}
	}
	got := ctPageEvents(t, p)
	if !slices.Equal(got, want) {
		t.Fatalf("the page lists events %v, the log holds %v about %s", got, want, account)
	}
	for _, a := range []audit.Action{audit.UserDeactivate, audit.CustomerUpdate, audit.DelegationRequest} {
		if !kinds[a] {
			t.Errorf("no %s among the customer's events: the test's setup is incomplete", a)
		}
	}
	for _, leak := range []string{"slow payer", other.AccountID, otherMember.Email, "Migration help", "probe"} {
		if strings.Contains(p.Body, leak) {
			t.Errorf("the page shows %q", leak)
		}
	}
	if strings.Count(p.Body, "<form") != 1 {
		t.Errorf("the page has %d forms, want sign-out alone", strings.Count(p.Body, "<form"))
	}

	// The CSV holds the same events, the staff and the delegation.
	c := b.get(e.URL + "/account.csv")
	if c.StatusCode != http.StatusOK || !strings.HasPrefix(c.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", c.StatusCode, c.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(c.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var csvEvents []int64
	sections := map[string]int{}
	for _, rec := range recs[1:] {
		sections[rec[0]]++
		if rec[0] == "event" {
			id, _ := strconv.ParseInt(rec[1], 10, 64)
			csvEvents = append(csvEvents, id)
		}
	}
	if !slices.Equal(csvEvents, want) || sections["staff"] != 2 || sections["delegation"] != 1 || sections["partner_above"] != 1 {
		t.Errorf("CSV events %v (want %v), sections %v", csvEvents, want, sections)
	}
	for _, leak := range []string{"slow payer", other.AccountID, otherMember.Email, "Migration help"} {
		if strings.Contains(c.Body, leak) {
			t.Errorf("the CSV holds %q", leak)
		}
	}

	// Signed in, audited in Contoso's log with the account; no grant kept, the tokens revoked.
	var signIns int
	if err := e.super().QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE partner_id = $1 AND action = $2 AND outcome = 'succeeded'
		AND customer_id = $3 AND staff_email = $4`, contoso.ID, audit.SessionCustomerSignIn, account, own.Email).Scan(&signIns); err != nil || signIns != 1 {
		t.Errorf("%d customer sign-ins recorded (%v)", signIns, err)
	}
	var grants int
	if err := e.super().QueryRow(ctx, "SELECT count(*) FROM zoom_grants WHERE zoom_user_id = $1", own.ID).Scan(&grants); err != nil || grants != 0 {
		t.Errorf("%d grants kept for the customer (%v)", grants, err)
	}
	if n := len(e.sandboxRequests(http.MethodPost, "/oauth/revoke")) - revokesBefore; n != 1 {
		t.Errorf("%d revocations at Zoom after the customer's sign-in, want 1", n)
	}
}

// TestCustomerMemberIsRefused: a member (neither owner nor admin) of a customer's account is
// refused with a page naming who may sign in, and the refusal is in the partner's log.
func TestCustomerMemberIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, nw := registerNorthwind(t, e)
	syncAndWait(t, e, b)
	_, member := tnCustomerWithMember(t, e, nw.ZoomAccountID, 0)
	m := e.browser()
	got := m.get(m.startSignIn(e, member.Email))
	if got.StatusCode != http.StatusForbidden || got.TestID("message-title") != "Only your account's owner or admins" ||
		!strings.Contains(got.TestID("message-text"), nw.Name) {
		t.Fatalf("member: %d %q %q", got.StatusCode, got.TestID("message-title"), got.TestID("message-text"))
	}
	if p := m.get(e.URL + "/account"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/signin" {
		t.Errorf("the refused member's /account: %d %s", p.StatusCode, p.Header.Get("Location"))
	}
	var n int
	if err := e.super().QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE partner_id = $1 AND action = $2 AND outcome = 'denied'
		AND customer_id = $3`, nw.ID, audit.SessionCustomerSignIn, member.AccountID).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d refusals recorded (%v)", n, err)
	}
}

// TestCustomerSessionChangesNothing: a customer's admin (an Admin in Zoom) is not staff. Every
// POST of the router answers 403 or 404, reaches Zoom never and records nothing but refusals;
// every GET of a staff page sends them to /account; POST /signout ends the session, and so does
// the 12-hour lifetime.
func TestCustomerSessionChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, nw := registerNorthwind(t, e)
	syncAndWait(t, e, owner)
	own, member := tnCustomerWithMember(t, e, nw.ZoomAccountID, 0)
	admin := own
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == own.AccountID && u.Role == "Admin" && u.Status == "active" {
			admin = u
		}
	}
	b := e.browser()
	if p := b.signIn(e, admin.Email); p.StatusCode != http.StatusOK || p.Request.URL.Path != "/account" {
		t.Fatalf("the customer's %s landed on %s: %d", admin.Role, p.Request.URL, p.StatusCode)
	}
	tnWaitStartupSync(t, e)
	ctx := context.Background()
	changed := func() (events int) {
		if err := e.super().QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE outcome <> 'denied'").Scan(&events); err != nil {
			t.Fatal(err)
		}
		return events
	}
	fill := func(pattern string) string {
		return placeholder.ReplaceAllStringFunc(pattern, func(p string) string {
			switch p {
			case "{accountId}":
				return url.PathEscape(own.AccountID)
			case "{userId}":
				return url.PathEscape(member.ID)
			case "{step}":
				return "customer"
			}
			return "1"
		})
	}
	posts, gets := 0, 0
	err := chi.Walk(e.Handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + pattern
		path := fill(pattern)
		switch {
		case key == "POST /signout":
			return nil // below
		case key == "POST /webhooks/zoom":
			// No session: trusted by Zoom's signature alone (TestIsolationSuite checks a
			// signed-in post to it changes nothing).
			return nil
		case method == http.MethodPost:
			e.waitJobsIdle()
			reqs, events := len(e.Sandbox.Requests()), changed()
			got := b.post(e.URL+path, formFor(pattern))
			if got.StatusCode != http.StatusForbidden && got.StatusCode != http.StatusNotFound {
				t.Errorf("customer: %s %s answered %d, want 403 or 404", method, path, got.StatusCode)
			}
			e.waitJobsIdle()
			if n := len(e.Sandbox.Requests()) - reqs; n != 0 {
				t.Errorf("customer: %s %s made %d requests to Zoom", method, path, n)
			}
			if n := changed() - events; n != 0 {
				t.Errorf("customer: %s %s recorded %d events that are not refusals", method, path, n)
			}
			posts++
		case method == http.MethodGet && routeTable[key] != public:
			got := b.get(e.URL + path)
			if got.StatusCode != http.StatusNotFound && (got.StatusCode != http.StatusSeeOther || got.Header.Get("Location") != "/account") {
				t.Errorf("customer: GET %s answered %d to %q, want /account or 404", path, got.StatusCode, got.Header.Get("Location"))
			}
			gets++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if posts < 50 || gets < 40 {
		t.Errorf("tried %d POSTs and %d GETs", posts, gets)
	}
	if p := b.get(e.URL + "/customers"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/account" {
		t.Errorf("/customers: %d %s", p.StatusCode, p.Header.Get("Location"))
	}
	if p := b.get(e.URL + "/signin"); p.Header.Get("Location") != "/account" {
		t.Errorf("/signin sends a signed-in customer to %q", p.Header.Get("Location"))
	}
	if p := b.get(e.URL + "/account"); p.StatusCode != http.StatusOK {
		t.Fatalf("the customer's page after the walk: %d", p.StatusCode)
	}
	// Staff see their dashboard, not /account.
	if p := owner.get(e.URL + "/account"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/" {
		t.Errorf("staff's /account: %d %s", p.StatusCode, p.Header.Get("Location"))
	}

	// Sign-out ends it (and is recorded).
	if p := b.post(e.URL+"/signout", nil); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", p.StatusCode)
	}
	if p := b.get(e.URL + "/account"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/signin" {
		t.Errorf("/account after sign-out: %d %s", p.StatusCode, p.Header.Get("Location"))
	}
	var outs int
	if err := e.super().QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE partner_id = $1 AND action = $2 AND customer_id = $3",
		nw.ID, audit.SessionCustomerSignOut, own.AccountID).Scan(&outs); err != nil || outs != 1 {
		t.Errorf("%d customer sign-outs recorded (%v)", outs, err)
	}

	// The absolute lifetime: 12 hours after sign-in the session is over, however active.
	b2 := e.browser()
	b2.signIn(e, admin.Email)
	e.clock.Advance(12*time.Hour + time.Minute)
	if p := b2.get(e.URL + "/account"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/signin" {
		t.Errorf("/account after 12 hours: %d %s", p.StatusCode, p.Header.Get("Location"))
	}
}
