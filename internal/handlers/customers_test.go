package handlers_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// newCustomerForm is a valid create form.
func newCustomerForm(email string) url.Values {
	return url.Values{"account_name": {"Acme Testing"}, "first_name": {"Ada"}, "last_name": {"Acme"}, "email": {email},
		"password": {"Str0ngPassw9rd"}, "pay_mode": {"master"}}
}

// sandboxAccountsWithOwner counts the sandbox's accounts whose owner has email.
func (e *env) sandboxAccountsWithOwner(email string) int {
	n := 0
	for _, u := range e.Sandbox.Users() {
		if u.Role == "Owner" && strings.EqualFold(u.Email, email) {
			n++
		}
	}
	return n
}

func (e *env) customerRows(partnerID int64, ownerEmail string) []store.Customer {
	e.t.Helper()
	page, err := e.Store.Customers(context.Background(), partnerID, store.CustomerFilter{PartnerID: partnerID, AllStatus: true, Query: ownerEmail, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.Customer
	for _, c := range page.Customers {
		if strings.EqualFold(c.OwnerEmail, ownerEmail) {
			out = append(out, c)
		}
	}
	return out
}

func auditTrail(t *testing.T, e *env, partnerID int64, action string) []string {
	t.Helper()
	page, err := e.Store.AuditEvents(context.Background(), partnerID, store.AuditFilter{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(page.Events) - 1; i >= 0; i-- {
		out = append(out, string(page.Events[i].Outcome))
	}
	return out
}

func TestCreateCustomerValidatesAndExplainsZoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	// Field limits are checked on the form, and the input is kept (never the password).
	bad := newCustomerForm("not-an-email")
	bad.Set("first_name", strings.Repeat("x", 65))
	bad.Set("password", "abcdefgh")
	got := b.post(e.URL+"/customers/quick", bad)
	if got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-email") == "" || got.TestID("error-first_name") == "" ||
		got.TestID("error-password") == "" {
		t.Fatalf("bad form: %d %q %q %q", got.StatusCode, got.TestID("error-email"), got.TestID("error-first_name"), got.TestID("error-password"))
	}
	if got.Doc().Find("#f-email").AttrOr("value", "") != "not-an-email" || got.Doc().Find("#f-password").AttrOr("value", "") != "" {
		t.Fatal("the form did not keep the input, or kept the password")
	}
	// Zoom's 1005: the owner's email is already a Zoom user.
	taken := newCustomerForm(distSupport)
	got = b.post(e.URL+"/customers/quick", taken)
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-email"), "1005") {
		t.Fatalf("duplicate email: %d %q", got.StatusCode, got.TestID("error-email"))
	}
	// Zoom's 1107: a blocked domain.
	got = b.post(e.URL+"/customers/quick", newCustomerForm("owner@blocked.example"))
	if !strings.Contains(got.TestID("error-email"), "1107") {
		t.Fatalf("blocked domain: %d %q", got.StatusCode, got.TestID("error-email"))
	}
	if trail := auditTrail(t, e, p.ID, "customer.create"); strings.Join(trail, ",") != "pending,failed,pending,failed" {
		t.Fatalf("audit trail of refused creates: %v", trail)
	}
	// A good one is created, shown, and searchable.
	got = b.post(e.URL+"/customers/quick", newCustomerForm("ada@acme-testing.example"))
	loc := got.location(t)
	page := b.get(loc)
	if page.TestID("customer-name") != "Acme Testing" || page.TestID("customer-status") != "active" {
		t.Fatalf("new customer page: %q %q", page.TestID("customer-name"), page.TestID("customer-status"))
	}
	if n := e.sandboxAccountsWithOwner("ada@acme-testing.example"); n != 1 {
		t.Fatalf("%d sub accounts in Zoom", n)
	}
	list := b.get(e.URL + "/customers?q=acme+testng") // a typo
	if list.Doc().Find(`[data-testid="customer-row"]`).First().Find("td").First().Text() != "Acme Testing" {
		t.Fatalf("typo search: %q", list.Doc().Find(`[data-testid="customers-table"]`).Text())
	}
	for _, u := range []string{"password", "Str0ngPassw9rd"} {
		var n int
		if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%'", u).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if u == "Str0ngPassw9rd" && n != 0 {
			t.Fatal("the owner's password is in the audit log")
		}
	}
}

func TestCreateCustomerWithLostAnswerIsResolvedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts", ApplyThen: "504", Count: 1})
	got := b.post(e.URL+"/customers/quick", newCustomerForm("lost@answer.example"))
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("create with a lost answer: %d %.500s", got.StatusCode, got.Body)
	}
	if n := e.sandboxAccountsWithOwner("lost@answer.example"); n != 1 {
		t.Fatalf("%d sub accounts in Zoom, want exactly 1", n)
	}
	if n := len(e.sandboxRequests(http.MethodPost, "/v2/accounts")); n != 1 {
		t.Fatalf("the create was sent %d times", n)
	}
	rows := e.customerRows(p.ID, "lost@answer.example")
	if len(rows) != 1 || rows[0].Status != store.CustomerActive || strings.HasPrefix(rows[0].ZoomAccountID, "pending:") {
		t.Fatalf("customer rows: %+v", rows)
	}
	if trail := auditTrail(t, e, p.ID, "customer.create"); strings.Join(trail, ",") != "pending,succeeded" {
		t.Fatalf("audit trail: %v", trail)
	}
}

func TestCreateCustomerWhenZoomIsDownStaysPendingAndIsResolvedLater(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	// Background syncs list accounts too: let them finish, so that the faults meet the create.
	tnWaitStartupSync(t, e)
	// The create is applied, its answer lost, and Zoom then stops answering lists.
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts", ApplyThen: "drop", Count: 1})
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts", Status: 503, Count: 3})
	got := b.post(e.URL+"/customers/quick", newCustomerForm("later@answer.example"))
	if got.StatusCode != http.StatusAccepted || got.TestID("create-notice") == "" {
		t.Fatalf("create while Zoom is down: %d %q", got.StatusCode, got.TestID("create-notice"))
	}
	rows := e.customerRows(p.ID, "later@answer.example")
	if len(rows) != 1 || rows[0].Status != store.CustomerPending {
		t.Fatalf("rows while unresolved: %+v", rows)
	}
	// Trying again while Zoom still cannot be asked sends nothing, says so, and is audited.
	e.Sandbox.ClearFaults()
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts", Status: 503})
	posts := len(e.sandboxRequests(http.MethodPost, "/v2/accounts"))
	got = b.post(e.URL+"/customers/quick", newCustomerForm("later@answer.example"))
	if got.StatusCode != http.StatusServiceUnavailable || !strings.Contains(got.TestID("error-create"), "still unresolved") {
		t.Fatalf("attempt while the earlier one is unresolved: %d %q", got.StatusCode, got.TestID("error-create"))
	}
	if n := len(e.sandboxRequests(http.MethodPost, "/v2/accounts")) - posts; n != 0 {
		t.Fatalf("%d creates sent while the earlier one is unresolved", n)
	}
	if trail := auditTrail(t, e, p.ID, "customer.create"); strings.Join(trail, ",") != "pending,denied" {
		t.Fatalf("audit trail while unresolved: %v", trail)
	}
	e.Sandbox.ClearFaults()
	// Trying again resolves the earlier attempt first and creates nothing twice.
	got = b.post(e.URL+"/customers/quick", newCustomerForm("later@answer.example"))
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("second attempt: %d %.400s", got.StatusCode, got.Body)
	}
	if n := e.sandboxAccountsWithOwner("later@answer.example"); n != 1 {
		t.Fatalf("%d sub accounts in Zoom", n)
	}
	rows = e.customerRows(p.ID, "later@answer.example")
	if len(rows) != 1 || rows[0].Status != store.CustomerActive {
		t.Fatalf("rows after resolution: %+v", rows)
	}
	if trail := auditTrail(t, e, p.ID, "customer.create"); strings.Join(trail, ",") != "pending,denied,succeeded" {
		t.Fatalf("audit trail: %v", trail)
	}
}

func TestCustomerPageShowsCacheWhenZoomIsDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	page, err := e.Store.Customers(context.Background(), p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := page.Customers[0]
	first := b.get(e.URL + "/customers/" + c.ZoomAccountID)
	if first.StatusCode != http.StatusOK || first.TestID("zoom-notice") != "" {
		t.Fatalf("first view: %d %q", first.StatusCode, first.TestID("zoom-notice"))
	}
	e.clock.Advance(2 * 60e9) // the cache is now stale
	e.Sandbox.AddFault(sandbox.Fault{Path: "/v2/accounts/**", Status: 503})
	down := b.get(e.URL + "/customers/" + c.ZoomAccountID)
	if down.StatusCode != http.StatusOK || !strings.Contains(down.TestID("zoom-notice"), "could not be reached") {
		t.Fatalf("view while Zoom is down: %d %q", down.StatusCode, down.TestID("zoom-notice"))
	}
	if down.TestID("customer-name") != c.AccountName || !strings.Contains(down.Doc().Find(`[data-testid="options"]`).Text(), "Pay mode") {
		t.Fatal("the cached data is not shown while Zoom is down")
	}
}

func TestChangePayModePlanSettingsAndDisassociate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	loc := b.post(e.URL+"/customers/quick", newCustomerForm("change@me.example")).location(t)
	id := strings.TrimPrefix(loc, e.URL+"/customers/")
	// Pay mode: a confirmation first, then the change.
	confirm := b.post(e.URL+"/customers/"+id+"/options", url.Values{"pay_mode": {"sub"}})
	if confirm.Doc().Find(`[data-testid="confirm"]`).Length() != 1 {
		t.Fatalf("no confirmation for a pay mode change: %d", confirm.StatusCode)
	}
	if n := len(e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+id+"/options")); n != 0 {
		t.Fatal("the change was sent before it was confirmed")
	}
	b.post(e.URL+"/customers/"+id+"/options", url.Values{"pay_mode": {"sub"}, "confirm": {"yes"}})
	if c, err := e.Store.CustomerByAccount(ctx, p.ID, id); err != nil || c.PayMode != "sub" {
		t.Fatalf("pay mode after the change: %q (%v)", c.PayMode, err)
	}
	b.post(e.URL+"/customers/"+id+"/options", url.Values{"pay_mode": {"master"}, "confirm": {"yes"}})
	// Subscribe a plan (it costs money: confirmed), then Zoom refuses another pay mode change.
	sub := url.Values{"type": {"business_annual"}, "hosts": {"12"}, "first_name": {"Bill"}, "last_name": {"Ing"}, "email": {"bill@me.example"},
		"phone_number": {"+1 555 0100"}, "address": {"1 Main St"}, "city": {"Springfield"}, "state": {"IL"}, "zip": {"62701"}, "country": {"US"}}
	if got := b.post(e.URL+"/customers/"+id+"/plans", sub); got.Doc().Find(`[data-testid="confirm"]`).Length() != 1 {
		t.Fatalf("no confirmation for a subscription: %d %.300s", got.StatusCode, got.Body)
	}
	sub.Set("confirm", "yes")
	if got := b.post(e.URL+"/customers/"+id+"/plans", sub); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("subscribe: %d %q", got.StatusCode, got.TestID("error-subscribe"))
	}
	plans := b.get(e.URL + "/customers/" + id + "/plans")
	if !strings.Contains(plans.Doc().Find(`[data-testid="plans-table"]`).Text(), "business_annual") {
		t.Fatalf("plans after subscribing: %q", plans.TestID("plans-note"))
	}
	refused := b.post(e.URL+"/customers/"+id+"/options", url.Values{"pay_mode": {"sub"}, "confirm": {"yes"}})
	if refused.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(refused.TestID("error-options"), "code 200") {
		t.Fatalf("pay mode change with a plan: %d %q", refused.StatusCode, refused.TestID("error-options"))
	}
	// A setting of the now paid account: only it is sent, and its lock.
	settings := b.get(e.URL + "/customers/" + id + "/settings")
	if settings.Doc().Find(`[data-testid="setting-row"]`).Length() == 0 {
		t.Fatalf("settings tab: %q", settings.TestID("settings-note"))
	}
	form := url.Values{"set.meeting_security.waiting_room": {"false"}, "lockseen.meeting_security.waiting_room": {"1"}, "lock.meeting_security.waiting_room": {"1"}}
	if got := b.post(e.URL+"/customers/"+id+"/settings", form); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d", got.StatusCode)
	}
	after := b.get(e.URL + "/customers/" + id + "/settings")
	if !strings.Contains(after.Body, "2 changes to the settings of Acme Testing made in Zoom.") {
		t.Fatalf("settings flash: %q", after.Doc().Find(".flash").Text())
	}
	if after.Doc().Find(`#s-meeting_security\.waiting_room option[selected]`).AttrOr("value", "") != "false" {
		t.Fatalf("waiting room after the change: %s", after.Doc().Find(`[data-testid="settings-table"]`).Text())
	}
	ev, err := e.Store.AuditEvents(ctx, p.ID, store.AuditFilter{Action: "customer.settings", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Events) != 1 || !strings.Contains(string(ev.Events[0].Details), "locked.meeting_security.waiting_room") || strings.Contains(string(ev.Events[0].Details), "chat") {
		t.Fatalf("settings audit: %+v", ev.Events)
	}
	// Free accounts: Zoom gives no settings, so nothing is sent, the page says why, and the
	// refusal is audited.
	free := strings.TrimPrefix(b.post(e.URL+"/customers/quick", newCustomerForm("free@me.example")).location(t), e.URL+"/customers/")
	patches := len(e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+free))
	got := b.post(e.URL+"/customers/"+free+"/settings", url.Values{"set.in_meeting.chat": {"false"}})
	if got.StatusCode != http.StatusConflict || !strings.Contains(got.Body, "Paid account") || strings.Contains(got.Body, "not answering") {
		t.Fatalf("settings of a free account: %d %.600s", got.StatusCode, got.Body)
	}
	if n := len(e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+free)) - patches; n != 0 {
		t.Fatalf("%d changes sent to a free account", n)
	}
	if evs := auditOf(t, e, p.ID, "customer.settings"); evs[0].Outcome != store.OutcomeFailed || evs[0].CustomerID != free ||
		!strings.Contains(string(evs[0].Details), "Paid account") {
		t.Fatalf("audit of the refused settings change: %+v", evs[0])
	}
	// Disassociate a free customer: the name must be typed.
	wrong := b.post(e.URL+"/customers/"+free+"/disassociate", url.Values{"confirm_name": {"nope"}})
	if wrong.StatusCode != http.StatusUnprocessableEntity || wrong.TestID("error-confirm_name") == "" {
		t.Fatalf("wrong name: %d", wrong.StatusCode)
	}
	if got := b.post(e.URL+"/customers/"+free+"/disassociate", url.Values{"confirm_name": {"Acme Testing"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("disassociate: %d %.400s", got.StatusCode, got.Body)
	}
	if c, err := e.Store.CustomerByAccount(ctx, p.ID, free); err != nil || c.Status != store.CustomerDisassociated {
		t.Fatalf("status after disassociation: %q (%v)", c.Status, err)
	}
	// A customer that is no longer active cannot be changed: refused and audited.
	if got := b.post(e.URL+"/customers/"+free+"/options", url.Values{"pay_mode": {"sub"}, "confirm": {"yes"}}); got.StatusCode != http.StatusConflict {
		t.Fatalf("change of a disassociated customer: %d", got.StatusCode)
	}
	if evs := auditOf(t, e, p.ID, "customer.edit"); len(evs) == 0 || evs[0].Outcome != store.OutcomeDenied || evs[0].CustomerID != free ||
		!strings.Contains(string(evs[0].Details), "disassociated") {
		t.Fatalf("audit of the refused change: %+v", evs)
	}
	if trail := auditTrail(t, e, p.ID, "customer.options"); strings.Join(trail, ",") != "succeeded,succeeded,failed" {
		t.Fatalf("options audit trail: %v", trail)
	}
}

func TestDisassociatingAPaidCustomerIsExplained(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	page, err := e.Store.Customers(context.Background(), p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := page.Customers[0] // the most seats: a paid one
	got := b.post(e.URL+"/customers/"+c.ZoomAccountID+"/disassociate", url.Values{"confirm_name": {c.AccountName}})
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-disassociate"), "2000") {
		t.Fatalf("paid customer: %d %q", got.StatusCode, got.TestID("error-disassociate"))
	}
	ev, err := e.Store.AuditEvents(context.Background(), p.ID, store.AuditFilter{Action: "customer.disassociate", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Events) != 1 || ev.Events[0].Outcome != store.OutcomeFailed || ev.Events[0].ZoomCode != 2000 {
		t.Fatalf("audit of the refusal: %+v", ev.Events)
	}
}

func TestCustomerListFiltersAndExportTheSameRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	list := b.get(e.URL + "/customers?pay_mode=master&plan=Business")
	rows := list.Doc().Find(`[data-testid="customer-row"]`)
	if rows.Length() == 0 {
		t.Fatal("no Business customer you pay for")
	}
	export := b.get(e.URL + "/customers.csv?pay_mode=master&plan=Business")
	records, err := csv.NewReader(strings.NewReader(export.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records)-1 != rows.Length() {
		t.Fatalf("list shows %d, export has %d", rows.Length(), len(records)-1)
	}
	for _, r := range records[1:] {
		if r[3] != "Business" || r[5] != "master" {
			t.Fatalf("exported row outside the filter: %v", r)
		}
	}
	_ = p
}

func TestCustomerNotesInlineAndWithoutJavaScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	page, err := e.Store.Customers(context.Background(), p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := page.Customers[0]
	// htmx: the panel comes back in place.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/customers/"+c.ZoomAccountID+"/notes",
		strings.NewReader(url.Values{"external_ref": {"CRM-42"}, "tags": {"vip, renewal"}, "notes": {"Call before changes."}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	got := b.do(req)
	if got.StatusCode != http.StatusOK || got.Doc().Find(`#customer-notes`).Length() != 1 || !strings.Contains(got.Body, "Saved.") ||
		strings.Contains(got.Body, "<html") {
		t.Fatalf("htmx save: %d %.300s", got.StatusCode, got.Body)
	}
	// A plain form post goes back to the page, which shows the notes.
	if loc := b.post(e.URL+"/customers/"+c.ZoomAccountID+"/notes", url.Values{"external_ref": {"CRM-43"}, "tags": {"vip"}}).location(t); !strings.HasSuffix(loc, c.ZoomAccountID) {
		t.Fatalf("plain save went to %s", loc)
	}
	view := b.get(e.URL + "/customers/" + c.ZoomAccountID)
	if view.Doc().Find("#n-ref").AttrOr("value", "") != "CRM-43" || view.Doc().Find("#n-tags").Length() != 0 {
		t.Fatalf("notes on the page: %q, a tags field in the notes: %d", view.Doc().Find("#n-ref").AttrOr("value", ""), view.Doc().Find("#n-tags").Length())
	}
	// Tags have their own form: the notes' "tags" changed nothing.
	if got, err := e.Store.CustomerByAccount(context.Background(), p.ID, c.ZoomAccountID); err != nil || len(got.Tags) != 0 {
		t.Fatalf("tags after posting notes: %q %v", got.Tags, err)
	}
	if trail := auditTrail(t, e, p.ID, "customer.notes"); len(trail) != 2 {
		t.Fatalf("notes audit: %v", trail)
	}
}
