package handlers_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
)

// TestStaffScopedToAGroupSeesOnlyItsCustomers limits a support member of Northwind to a tag
// group through the owner's form, and checks what the member sees against the database: the
// list, its CSV export, the search (customers and users), a customer outside (404, denied, no
// Zoom call), a job about it, the dashboard and the audit log and its export; an admin limited
// to the same group changes a customer in scope and nothing partner-wide. Then a customer gets
// the tag, and is the member's on the next request.
func TestStaffScopedToAGroupSeesOnlyItsCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, nw := registerNorthwind(t, e)
	in, _ := tnCustomerWithMember(t, e, nw.ZoomAccountID, 0)
	out, outUser := tnCustomerWithMember(t, e, nw.ZoomAccountID, 1)
	inC, err := e.Store.CustomerByAccount(ctx, nw.ID, in.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	outC, err := e.Store.CustomerByAccount(ctx, nw.ID, out.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.SetCustomerTags(ctx, nw.ID, inC.ID, []string{"emea"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.SetCustomerTags(ctx, nw.ID, outC.ID, []string{"apac"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	group, err := e.Store.SaveGroup(ctx, nw.ID, store.Group{Name: "EMEA", Kind: store.GroupByTag, Tag: "emea"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	const email = "support@northwind.example"
	invite(t, e, owner, email, store.RoleSupport)
	member := e.staffByEmail(nw.ID, email)
	scopeURL := e.URL + "/staff/" + itoa(member.ID) + "/scope"

	// The owner's form: a group that is not a number is refused on the field; then EMEA.
	if form := owner.get(scopeURL); form.StatusCode != http.StatusOK || form.Doc().Find(`[data-testid="scope-group"]`).Length() != 1 {
		t.Fatalf("the scope form: %d %.300s", form.StatusCode, form.TestID("scope-form"))
	}
	if bad := owner.post(scopeURL, url.Values{"group": {"x"}}); bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-groups") == "" {
		t.Fatalf("a group that is not one: %d %q", bad.StatusCode, bad.TestID("error-groups"))
	}
	if got := owner.post(scopeURL, url.Values{"group": {itoa(group.ID)}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("limiting the member: %d %.300s", got.StatusCode, got.TestID("message-text"))
	}
	staff := owner.get(e.URL + "/staff")
	if row := staff.Doc().Find(`[data-email="` + email + `"] [data-testid="staff-row-reach"]`).Text(); !strings.Contains(row, "EMEA") {
		t.Errorf("the staff list's reach of the member: %q", row)
	}
	if evs := auditOf(t, e, nw.ID, string(audit.StaffScope)); len(evs) != 1 ||
		!strings.Contains(string(evs[0].Details), `"before":{"reach":"every customer"}`) || !strings.Contains(string(evs[0].Details), `"name":"EMEA"`) {
		t.Fatalf("the staff.scope event: %+v", evs)
	}

	scoped := e.browser()
	scoped.signIn(e, email)
	acting, err := e.Store.ActingStaff(ctx, nw.ID, member.ID)
	if err != nil || acting.Scope == nil {
		t.Fatalf("the member's scope: %+v %v", acting.Scope, err)
	}
	inScope := acting.Scope.Accounts
	if !slices.Contains(inScope, in.AccountID) || slices.Contains(inScope, out.AccountID) {
		t.Fatalf("in scope: %v", inScope)
	}

	rowsOf := func(b *browser, path string) []string {
		t.Helper()
		var accts []string
		b.get(e.URL + path).Doc().Find(`[data-testid="customer-row"]`).Each(func(_ int, s *goquery.Selection) {
			accts = append(accts, s.Text())
		})
		return accts
	}
	list := rowsOf(scoped, "/customers")
	if len(list) != len(inScope) || !strings.Contains(strings.Join(list, " "), inC.AccountName) {
		t.Errorf("the member's list: %q, want the %d in scope", list, len(inScope))
	}
	// The CSV export holds exactly the customers in scope (checked against the database).
	rows, err := csv.NewReader(strings.NewReader(scoped.get(e.URL + "/customers.csv?status=all").Body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("the member's export: %q %v", rows, err)
	}
	var exported []string
	for _, r := range rows[1:] {
		exported = append(exported, r[0])
	}
	slices.Sort(exported)
	want := slices.Clone(inScope)
	slices.Sort(want)
	if !slices.Equal(exported, want) {
		t.Errorf("the member's export holds %v, want %v", exported, want)
	}
	// The search: the customer outside by name, and its user by email, are not found; the owner finds both.
	for _, q := range []string{outC.AccountName, outUser.Email} {
		s := scoped.get(e.URL + "/search?q=" + url.QueryEscape(q))
		if n := s.Doc().Find(`[data-testid="search-customer"], [data-testid="search-user"]`).Length(); n != 0 || strings.Contains(s.Body, out.AccountID) {
			t.Errorf("the member's search for %q found %d rows", q, n)
		}
		if n := owner.get(e.URL + "/search?q=" + url.QueryEscape(q)).Doc().Find(`[data-testid="search-customer"], [data-testid="search-user"]`).Length(); n == 0 {
			t.Errorf("the owner's search for %q finds nothing: the check above proves nothing", q)
		}
	}
	// A customer outside: 404, one denied event, no call to Zoom.
	e.waitJobsIdle()
	before, denied := len(e.Sandbox.Requests()), len(auditOf(t, e, nw.ID, string(audit.PermViewCustomer)))
	for _, path := range []string{"/customers/" + url.PathEscape(out.AccountID), "/customers/" + url.PathEscape(out.AccountID) + "/users"} {
		if got := scoped.get(e.URL + path); got.StatusCode != http.StatusNotFound {
			t.Errorf("the member opening %s: %d", path, got.StatusCode)
		}
	}
	e.waitJobsIdle()
	if n := len(e.Sandbox.Requests()) - before; n != 0 {
		t.Errorf("the refused pages made %d requests to Zoom", n)
	}
	if n := len(auditOf(t, e, nw.ID, string(audit.PermViewCustomer))) - denied; n != 2 {
		t.Errorf("%d denied events for 2 refused pages", n)
	}
	if got := scoped.get(e.URL + "/customers/" + url.PathEscape(in.AccountID)); got.StatusCode != http.StatusOK {
		t.Errorf("the member opening a customer in scope: %d", got.StatusCode)
	}
	// The dashboard, the audit log and its export name nothing of the customer outside.
	if dash := scoped.get(e.URL + "/"); dash.StatusCode != http.StatusOK || strings.Contains(dash.Body, out.AccountID) || strings.Contains(dash.Body, outC.AccountName) {
		t.Errorf("the member's dashboard names the customer outside (%d)", dash.StatusCode)
	}
	e.awaitSealed(nw.ID)
	if log := scoped.get(e.URL + "/audit"); strings.Contains(log.Body, out.AccountID) || !strings.Contains(log.Body, in.AccountID) {
		t.Errorf("the member's audit log: names the customer outside %v, the one inside %v",
			strings.Contains(log.Body, out.AccountID), strings.Contains(log.Body, in.AccountID))
	}
	if exp := scoped.get(e.URL + "/audit.csv"); exp.StatusCode != http.StatusOK || strings.Contains(exp.Body, out.AccountID) {
		t.Errorf("the member's audit export names the customer outside (%d)", exp.StatusCode)
	}
	if exp := owner.get(e.URL + "/audit.csv"); !strings.Contains(exp.Body, out.AccountID) {
		t.Error("the owner's audit export lacks the customer outside: the check above proves nothing")
	}
	// Partner-wide changes are not for a member limited to groups, whatever the role: 403.
	if got := scoped.post(e.URL+"/search/sync", nil); got.StatusCode != http.StatusForbidden {
		t.Errorf("the member syncing every directory: %d", got.StatusCode)
	}

	// A job about the customer outside, started by the owner, is not the member's.
	jobURL := owner.post(e.URL+"/customers/"+url.PathEscape(out.AccountID)+"/users/sync", nil).location(t)
	if !strings.Contains(jobURL, "/jobs/") {
		t.Fatalf("the owner's users sync went to %s", jobURL)
	}
	e.waitJobsIdle()
	if got := scoped.get(jobURL); got.StatusCode != http.StatusNotFound {
		t.Errorf("the member opening the users sync of the customer outside: %d", got.StatusCode)
	}
	// An admin limited to the same group changes a customer in scope, and nothing partner-wide.
	invite(t, e, owner, "admin@northwind.example", store.RoleAdmin)
	admin := e.staffByEmail(nw.ID, "admin@northwind.example")
	if err := e.Store.SetStaffScope(ctx, nw.ID, admin.ID, []int64{group.ID}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	scopedAdmin := e.browser()
	scopedAdmin.signIn(e, "admin@northwind.example")
	if got := scopedAdmin.post(e.URL+"/customers/"+url.PathEscape(in.AccountID)+"/tags", url.Values{"add": {"vip"}}); got.StatusCode != http.StatusSeeOther {
		t.Errorf("the limited admin tagging a customer in scope: %d", got.StatusCode)
	}
	if c, err := e.Store.CustomerByAccount(ctx, nw.ID, in.AccountID); err != nil || !slices.Contains(c.Tags, "vip") {
		t.Errorf("the tags after the limited admin's change: %v %v", c.Tags, err)
	}
	for _, path := range []string{"/groups", "/customers/sync", "/customers/quick", "/settings/templates"} {
		got := scopedAdmin.post(e.URL+path, url.Values{"name": {"Everyone"}, "kind": {"tag"}, "tag": {"apac"}})
		if got.StatusCode != http.StatusForbidden || !strings.Contains(got.TestID("message-text"), "some groups only") {
			t.Errorf("the limited admin posting %s: %d %q", path, got.StatusCode, got.TestID("message-text"))
		}
	}
	if got := scopedAdmin.get(e.URL + "/customers/new"); got.StatusCode != http.StatusForbidden {
		t.Errorf("the limited admin starting an onboarding: %d", got.StatusCode)
	}

	// The customer outside gets the tag: the member's on the next request.
	if _, err := e.Store.SetCustomerTags(ctx, nw.ID, outC.ID, []string{"apac", "emea"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if list := rowsOf(scoped, "/customers"); len(list) != len(inScope)+1 || !strings.Contains(strings.Join(list, " "), outC.AccountName) {
		t.Errorf("after the tag, the member's list: %q", list)
	}
	if got := scoped.get(e.URL + "/customers/" + url.PathEscape(out.AccountID)); got.StatusCode != http.StatusOK {
		t.Errorf("after the tag, the member opening it: %d", got.StatusCode)
	}
	if got := scoped.get(jobURL); got.StatusCode != http.StatusOK {
		t.Errorf("after the tag, the member opening its users sync: %d", got.StatusCode)
	}
	// The group cannot be deleted while it limits someone.
	if got := owner.post(e.URL+"/groups/"+itoa(group.ID)+"/delete", nil); got.StatusCode != http.StatusSeeOther {
		t.Errorf("deleting the group: %d", got.StatusCode)
	}
	if _, err := e.Store.Group(ctx, nw.ID, group.ID); err != nil {
		t.Errorf("the group limiting a member was deleted: %v", err)
	}
	// Lifted: every customer again.
	if got := owner.post(scopeURL, url.Values{}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("lifting the limit: %d", got.StatusCode)
	}
	all, err := e.Store.Customers(ctx, nw.ID, store.CustomerFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if list := rowsOf(scoped, "/customers"); len(list) != len(all.Customers) {
		t.Errorf("after the limit is lifted, the member's list has %d of %d", len(list), len(all.Customers))
	}
}

// TestTheLastUnscopedOwnerCannotBeLimited keeps an owner who reaches every customer: limiting
// the only one is refused on the form and audited as denied.
func TestTheLastUnscopedOwnerCannotBeLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, nw := registerNorthwind(t, e)
	group, err := e.Store.SaveGroup(ctx, nw.ID, store.Group{Name: "Few", Kind: store.GroupByTag, Tag: "few"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	me := e.staffByEmail(nw.ID, distOwner)
	got := owner.post(e.URL+"/staff/"+itoa(me.ID)+"/scope", url.Values{"group": {itoa(group.ID)}})
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-groups"), "last active owner") {
		t.Fatalf("limiting the only owner: %d %q", got.StatusCode, got.TestID("error-groups"))
	}
	evs := auditOf(t, e, nw.ID, string(audit.StaffScope))
	if len(evs) != 1 || evs[0].Outcome != store.OutcomeDenied {
		t.Fatalf("the refusal's event: %+v", evs)
	}
	if sc, err := e.Store.StaffScope(ctx, nw.ID, me.ID); err != nil || len(sc) != 0 {
		t.Fatalf("the owner's scope after the refusal: %v %v", sc, err)
	}
}
