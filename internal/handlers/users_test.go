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
	p := e.partnerOf(resOwner)
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
	e.awaitSealed(partnerID) // events with their place in the chain
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
	if uc, err := e.Store.CustomerUserCounts(context.Background(), p.ID, c.ZoomAccountID); err != nil || uc.Total != inZoom || uc.SyncedAt == nil {
		t.Fatalf("directory counts %+v (%v), Zoom has %d", uc, err, inZoom)
	}

	// The form names the types plainly; the password field is for autoCreate only (hidden
	// by CSS while another action is chosen).
	form := support.get(users + "/new")
	if form.Doc().Find(`#u-type option[value="1"]`).Text() != "Basic" || form.Doc().Find(`#u-type option[value="2"]`).Text() != "Licensed" ||
		!form.Doc().Find(`[data-testid="password-field"]`).HasClass("autocreate-only") || form.Doc().Find(`.autocreate-only #u-password`).Length() != 1 {
		t.Fatalf("add-user form: %d %s", form.StatusCode, outerHTML(form.Doc().Find(`form`).Last()))
	}

	// Checked as Zoom checks: the input is kept, the fields named.
	bad := support.post(users, url.Values{"action": {"create"}, "email": {"not an email"}, "first_name": {"Ann"}, "type": {"99"}, "password": {"Secret123"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-email") == "" || bad.TestID("error-type") == "" || bad.TestID("error-password") == "" ||
		bad.Doc().Find("#u-first_name").AttrOr("value", "") != "Ann" {
		t.Fatalf("bad input: %d email %q type %q password %q", bad.StatusCode, bad.TestID("error-email"), bad.TestID("error-type"), bad.TestID("error-password"))
	}
	// A password error stays in view, whatever the action.
	if bad.Doc().Find(`[data-testid="password-field"]`).HasClass("autocreate-only") {
		t.Fatal("the password's error is hidden with its field")
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

	// Zoom refuses to deactivate the owner: Tierdesk says so itself, without asking Zoom.
	var ownerID string
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == c.ZoomAccountID && u.Role == "Owner" {
			ownerID = u.ID
		}
	}
	refused := support.post(users+"/"+ownerID+"/status", url.Values{"action": {"deactivate"}})
	if refused.StatusCode != http.StatusConflict || !strings.Contains(refused.TestID("message-text"), "account owner") ||
		!strings.Contains(refused.TestID("message-text"), "code 200") {
		t.Fatalf("owner deactivation: %d %q", refused.StatusCode, refused.TestID("message-text"))
	}

	// A viewer is refused, and that is audited.
	viewer := staffBrowser(t, e, owner, "viewer@contoso.example", store.RoleViewer)
	if got := viewer.post(member+"/status", url.Values{"action": {"deactivate"}}); got.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer: %d", got.StatusCode)
	}
	if got := viewer.get(users); got.StatusCode != http.StatusOK || got.Doc().Find(`[data-testid="add-user"]`).Length() != 0 {
		t.Fatalf("viewer's list: %d", got.StatusCode)
	}
	denied, err := e.Store.AuditEvents(context.Background(), p.ID, store.AuditFilter{Outcome: store.OutcomeDenied, Action: "user.manage"})
	if err != nil {
		t.Fatal(err)
	}
	if len(denied.Events) != 1 || denied.Events[0].Action != "user.manage" {
		t.Fatalf("denied events: %+v", denied.Events)
	}
}

// usersURLOf is the users page of a customer.
func usersURLOf(e *env, c store.Customer) string {
	return e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID) + "/users"
}

// Zoom's refusals land next to the field they concern, the input kept; moves and removals
// follow Zoom in the directory; a directory Zoom cannot refresh says so.
func TestUserRefusalsMovesRemovalsAndStaleDirectory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	ctx := context.Background()
	users := usersURLOf(e, c)
	owner.get(users)
	var member, memberEmail, ownerID string
	for _, u := range e.Sandbox.Users() {
		switch {
		case u.AccountID != c.ZoomAccountID:
		case u.Role == "Owner":
			ownerID = u.ID
		case u.Role == "Member" && u.Status == "active" && member == "" && !strings.Contains(u.Email, strings.Split(c.OwnerEmail, "@")[1]):
			member, memberEmail = u.ID, u.Email // not on the customer's managed domain: Zoom lets it move
		}
	}
	// 1005: the email is already a user of this customer.
	dup := owner.post(users, url.Values{"action": {"create"}, "email": {memberEmail}, "first_name": {"Dup"}, "type": {"1"}})
	if dup.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(dup.TestID("error-email"), "1005") || !strings.Contains(dup.TestID("error-email"), "directory has") {
		t.Fatalf("1005: %d %q", dup.StatusCode, dup.TestID("error-email"))
	}
	// 2034: a free customer has no paid seat for a licensed user.
	page, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var free store.Customer
	for _, fc := range page.Customers {
		if fc.Seats == 0 {
			free = fc
		}
	}
	if free.ID == 0 {
		t.Fatal("no free customer in the demo seed")
	}
	quota := owner.post(usersURLOf(e, free), url.Values{"action": {"create"}, "email": {"paid@new.example"}, "type": {"2"}})
	if quota.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(quota.TestID("error-type"), "2034") {
		t.Fatalf("2034: %d type %q form %q", quota.StatusCode, quota.TestID("error-type"), quota.TestID("form-error"))
	}
	// 1117: the owner cannot be removed (Tierdesk refuses it before Zoom would).
	rm := owner.post(users+"/"+ownerID+"/remove", url.Values{"action": {"disassociate"}})
	if rm.StatusCode != http.StatusConflict || !strings.Contains(rm.TestID("message-text"), "1117") {
		t.Fatalf("1117: %d %q", rm.StatusCode, rm.TestID("message-text"))
	}
	// Edit sends only what changed, and the directory follows.
	if got := owner.post(users+"/"+member, url.Values{"first_name": {"Renamed"}, "last_name": {"Person"}, "display_name": {"Renamed Person"}, "type": {"1"}, "dept": {"Ops"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d %.400s", got.StatusCode, got.Body)
	}
	if d, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, member); err != nil || d.FirstName != "Renamed" || d.Dept != "Ops" {
		t.Fatalf("directory after edit: %+v (%v)", d, err)
	}
	upd := auditOf(t, e, p.ID, "user.update")
	if len(upd) != 1 || !strings.Contains(string(upd[0].Details), `"before":{`) || !strings.Contains(string(upd[0].Details), `"first_name":"Renamed"`) {
		t.Fatalf("edit audited: %+v", upd)
	}
	// Move to another customer of the same partner.
	if got := owner.post(users+"/"+member+"/move", url.Values{"to": {free.ZoomAccountID}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d %q", got.StatusCode, got.TestID("error-to"))
	}
	if u, _ := sandboxUser(e, memberEmail); u.AccountID != free.ZoomAccountID {
		t.Fatalf("moved in Zoom: %+v", u)
	}
	if _, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, member); err == nil {
		t.Fatal("still in the old customer's directory")
	}
	if d, err := e.Store.CustomerUserByKey(ctx, p.ID, free.ID, member); err != nil || d.ZoomAccountID != free.ZoomAccountID {
		t.Fatalf("not in the new customer's directory: %v", err)
	}
	// Remove (disassociate) through the moved user's new page.
	if got := owner.post(usersURLOf(e, free)+"/"+member+"/remove", url.Values{"action": {"disassociate"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d %q", got.StatusCode, got.TestID("remove-error"))
	}
	if u, _ := sandboxUser(e, memberEmail); u.AccountID == free.ZoomAccountID {
		t.Fatal("still in the customer in Zoom")
	}
	// A customer's directory Zoom cannot refresh: shown from the cache, with a notice.
	e.Sandbox.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/accounts/*/users", Status: 503})
	if _, err := e.super().Exec(ctx, "UPDATE customer_user_dirs SET synced_at = synced_at - interval '5 minutes', attempted_at = NULL"); err != nil {
		t.Fatal(err)
	}
	stale := owner.get(users)
	e.Sandbox.ClearFaults()
	if stale.StatusCode != http.StatusOK || !strings.Contains(stale.TestID("users-notice"), "could not read") || stale.Doc().Find(`[data-testid="user-row"]`).Length() == 0 {
		t.Fatalf("stale directory: %d %q", stale.StatusCode, stale.TestID("users-notice"))
	}
	// The users sync job reads it again.
	job := owner.post(users+"/sync", nil).location(t)
	if done := waitJob(t, owner, job); done.TestID("job-status") != "succeeded" {
		t.Fatalf("users sync: %q %q", done.TestID("job-status"), done.TestID("job-message"))
	}
}
