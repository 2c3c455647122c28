package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// contosoUserID is the Zoom id of an active member of a customer (for the isolation suite).
func contosoUserID(t testing.TB, e *env, accountID string) string {
	t.Helper()
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == accountID && u.Status == "active" && u.Role == "Member" {
			return u.ID
		}
	}
	t.Fatalf("no active member in %s", accountID)
	return ""
}

// contosoImportID is a checked bulk job of a partner (for the isolation suite).
func contosoImportID(t testing.TB, e *env, partnerID int64) string {
	t.Helper()
	imp, err := e.Store.CreateImport(context.Background(), partnerID, store.NewImport{Kind: store.ImportCreate, Source: "contoso.csv",
		Rows: []store.ImportRow{{Line: 2, Email: "not-an-email", State: store.RowInvalid, Message: "not an email"}}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	return imp.ID
}

// connectS2S connects a partner's Server-to-Server app, as an owner does in Settings: then
// support staff reach Zoom through it.
func connectS2S(t testing.TB, e *env, p store.Partner) {
	t.Helper()
	for _, a := range e.Sandbox.Apps() {
		if a.Type == "s2s" && a.AccountID == p.ZoomAccountID {
			if _, err := e.Store.SaveS2SGrant(context.Background(), p.ID, p.ZoomAccountID, a.ClientID, a.ClientSecret, store.AuditEvent{}); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no Server-to-Server app for %s", p.ZoomAccountID)
}

// contoso registers Contoso (top level, synced) with its app connected and returns its
// owner's browser, the partner, and its customer with the most seats (a paid customer).
func contoso(t testing.TB, e *env) (*browser, store.Partner, store.Customer) {
	t.Helper()
	ctx := context.Background()
	owner := e.browser()
	owner.signIn(e, resOwner)
	syncAndWait(t, e, owner)
	p, err := e.Store.PartnerByZoomAccount(ctx, e.accountOf(resOwner))
	if err != nil {
		t.Fatal(err)
	}
	connectS2S(t, e, p)
	page, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 500})
	if err != nil || len(page.Customers) == 0 {
		t.Fatalf("Contoso's customers: %v", err)
	}
	best := page.Customers[0]
	for _, c := range page.Customers {
		if c.Seats > best.Seats {
			best = c
		}
	}
	return owner, p, best
}

// sandboxUser finds a sandbox user by email.
func sandboxUser(e *env, email string) (sandbox.UserInfo, bool) {
	for _, u := range e.Sandbox.Users() {
		if strings.EqualFold(u.Email, email) {
			return u, true
		}
	}
	return sandbox.UserInfo{}, false
}

// staffBrowser invites email with role to the owner's partner and signs them in.
func staffBrowser(t testing.TB, e *env, owner *browser, email string, role store.Role) *browser {
	t.Helper()
	invite(t, e, owner, email, role)
	b := e.browser()
	b.signIn(e, email)
	return b
}

// auditOf lists a partner's events of an action, newest first.
func auditOf(t testing.TB, e *env, partnerID int64, action string) []store.AuditEvent {
	t.Helper()
	page, err := e.Store.AuditEvents(context.Background(), partnerID, store.AuditFilter{Action: action, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

func TestSupportAddsDeactivatesAndReactivatesUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	support := staffBrowser(t, e, owner, resSupport, store.RoleSupport)
	users := usersURLOf(e, c)

	// The list is the customer's directory, read from Zoom on view.
	list := support.get(users)
	if list.StatusCode != http.StatusOK {
		t.Fatalf("users list: %d %.300s", list.StatusCode, list.Body)
	}
	inZoom := 0
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == c.ZoomAccountID {
			inZoom++
		}
	}
	shown := list.Doc().Find(`[data-testid="user-row"]`).Length()
	if shown != min(inZoom, 50) {
		t.Fatalf("the list shows %d users; Zoom has %d", shown, inZoom)
	}
	if uc, _ := e.Store.CustomerUserCounts(context.Background(), p.ID, c.ZoomAccountID); uc.Total != inZoom || uc.SyncedAt == nil {
		t.Fatalf("directory counts %+v, Zoom has %d", uc, inZoom)
	}

	// Checked as Zoom checks: the input is kept, the fields named.
	bad := support.post(users, url.Values{"action": {"create"}, "email": {"not an email"}, "first_name": {"Ann"}, "type": {"99"}, "password": {"Secret123"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-email") == "" || bad.TestID("error-type") == "" || bad.TestID("error-password") == "" ||
		bad.Doc().Find("#u-first_name").AttrOr("value", "") != "Ann" {
		t.Fatalf("bad input: %d email %q type %q password %q", bad.StatusCode, bad.TestID("error-email"), bad.TestID("error-type"), bad.TestID("error-password"))
	}
	// Zoom's refusals, explained next to the field, with the input kept.
	before := len(e.sandboxRequests("POST", "/v2/accounts/"))
	blocked := support.post(users, url.Values{"action": {"create"}, "email": {"ann@blocked.example"}, "first_name": {"Ann"}, "last_name": {"Lee"}, "type": {"1"}})
	if blocked.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(blocked.TestID("error-email"), "1107") ||
		blocked.Doc().Find("#u-last_name").AttrOr("value", "") != "Lee" {
		t.Fatalf("blocked domain: %d %q", blocked.StatusCode, blocked.TestID("error-email"))
	}
	word := support.post(users, url.Values{"action": {"create"}, "email": {"ann@example.com"}, "first_name": {"badword"}, "last_name": {"Lee"}, "type": {"1"}})
	if word.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(word.TestID("error-first_name"), "300") {
		t.Fatalf("invalid word: %d first %q form %q", word.StatusCode, word.TestID("error-first_name"), word.TestID("form-error"))
	}
	if n := len(e.sandboxRequests("POST", "/v2/accounts/")) - before; n != 2 {
		t.Fatalf("%d creates reached Zoom, want the 2 Zoom refused", n)
	}
	failed := auditOf(t, e, p.ID, "user.create")
	if len(failed) != 2 || failed[0].Outcome != store.OutcomeFailed || failed[0].ZoomCode != 300 || !strings.HasPrefix(failed[0].GrantRef, "s2s:") {
		t.Fatalf("refusals audited: %+v", failed)
	}

	// Added: pending until the person accepts.
	ok := support.post(users, url.Values{"action": {"create"}, "email": {"ann.new@example.com"}, "first_name": {"Ann"}, "last_name": {"New"}, "type": {"1"}})
	userPage := ok.location(t)
	if !strings.HasPrefix(userPage, users+"/") {
		t.Fatalf("created: %d %s %.500s", ok.StatusCode, userPage, ok.Body)
	}
	if u, found := sandboxUser(e, "ann.new@example.com"); !found || u.AccountID != c.ZoomAccountID || u.Status != "pending" {
		t.Fatalf("in Zoom: %+v %v", u, found)
	}
	created := auditOf(t, e, p.ID, "user.create")[0]
	if created.Outcome != store.OutcomeSucceeded || created.CustomerID != c.ZoomAccountID || created.StaffEmail != resSupport || !strings.HasPrefix(created.GrantRef, "s2s:") {
		t.Fatalf("create audited: %+v", created)
	}
	if strings.Contains(string(created.Details), "password") {
		t.Fatalf("a password in the audit log: %s", created.Details)
	}
	if got := support.get(userPage); got.TestID("user-status") != "pending" {
		t.Fatalf("user page: %d status %q", got.StatusCode, got.TestID("user-status"))
	}

	// Deactivate and reactivate a member.
	memberID := contosoUserID(t, e, c.ZoomAccountID)
	member := users + "/" + memberID
	if got := support.post(member+"/status", url.Values{"action": {"deactivate"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d %.500s", got.StatusCode, got.Body)
	}
	if got := support.get(member); got.TestID("user-status") != "inactive" || got.Doc().Find(`[data-testid="activate"]`).Length() != 1 {
		t.Fatalf("after deactivate: %q", got.TestID("user-status"))
	}
	if got := support.post(member+"/status", url.Values{"action": {"activate"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("activate: %d", got.StatusCode)
	}
	for _, u := range e.Sandbox.Users() {
		if u.ID == memberID && u.Status != "active" {
			t.Fatalf("member in Zoom after reactivation: %+v", u)
		}
	}
	acts := auditOf(t, e, p.ID, "user.")
	if acts[0].Action != "user.activate" || acts[1].Action != "user.deactivate" || acts[0].TargetID != memberID {
		t.Fatalf("status changes audited: %s %s", acts[0].Action, acts[1].Action)
	}

	// Zoom refuses to deactivate the owner: explained next to the button.
	var ownerID string
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == c.ZoomAccountID && u.Role == "Owner" {
			ownerID = u.ID
		}
	}
	refused := support.post(users+"/"+ownerID+"/status", url.Values{"action": {"deactivate"}})
	if refused.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(refused.TestID("error-status"), "owner") ||
		!strings.Contains(refused.TestID("error-status"), "Zoom code 200") {
		t.Fatalf("owner deactivation: %d %q", refused.StatusCode, refused.TestID("error-status"))
	}

	// A viewer is refused, and that is audited.
	viewer := staffBrowser(t, e, owner, "viewer@contoso.example", store.RoleViewer)
	if got := viewer.post(member+"/status", url.Values{"action": {"deactivate"}}); got.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer: %d", got.StatusCode)
	}
	if got := viewer.get(users); got.StatusCode != http.StatusOK || got.Doc().Find(`[data-testid="add-user"]`).Length() != 0 {
		t.Fatalf("viewer's list: %d", got.StatusCode)
	}
	denied, _ := e.Store.AuditEvents(context.Background(), p.ID, store.AuditFilter{Outcome: store.OutcomeDenied})
	if len(denied.Events) != 1 || denied.Events[0].Action != "user.manage" {
		t.Fatalf("denied events: %+v", denied.Events)
	}
}

// usersURLOf is the users page of a customer.
func usersURLOf(e *env, c store.Customer) string {
	return e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID) + "/users"
}
