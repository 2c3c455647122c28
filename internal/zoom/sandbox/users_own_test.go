package sandbox

import (
	"net/url"
	"testing"
)

// TestOwnAccountUsers covers the own-account forms /v2/users/... of create, status, settings
// and delete (ZOOM_API.md §2): they act on the caller's account, not on a sub account.
func TestOwnAccountUsers(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	contoso := e.accountNamed("Contoso Reseller")
	mk := func(action, email string, typ int, extra map[string]any) map[string]any {
		info := map[string]any{"email": email, "type": typ, "first_name": "Own", "last_name": "Staff"}
		for k, v := range extra {
			info[k] = v
		}
		return map[string]any{"action": action, "user_info": info}
	}

	// Create: action=create leaves the user pending in the caller's own account.
	r := e.do("POST", "/v2/users", tok, mk("create", "new.staff@mail.example", 1, nil))
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	wantTypes(t, r.body, map[string]string{"id": "string", "first_name": "string", "last_name": "string", "email": "string", "type": "number"})
	g := e.do("GET", "/v2/users/new.staff@mail.example", tok, nil)
	if g.status != 200 || g.body["status"] != "pending" || g.body["account_id"] != contoso || g.body["role_name"] != "Member" || g.body["id"] != r.body["id"] {
		t.Fatalf("created user: %d %s", g.status, g.raw)
	}
	l := e.do("GET", "/v2/users?status=pending", tok, nil)
	if l.body["total_records"].(float64) != 1 {
		t.Fatalf("own pending users: %s", l.raw)
	}
	if it := l.body["users"].([]any)[0].(map[string]any); it["email"] != "new.staff@mail.example" || it["id"] != nil {
		t.Errorf("pending list item %v", it)
	}
	// autoCreate: active at once, licensed.
	r = e.do("POST", "/v2/users", tok, mk("autoCreate", "helper@mail.example", 2, map[string]any{"password": "Helper2025x"}))
	if r.status != 201 {
		t.Fatalf("autoCreate: %d %s", r.status, r.raw)
	}
	helper := r.body["id"].(string)
	if g := e.do("GET", "/v2/users/"+helper, tok, nil); g.body["status"] != "active" || g.body["type"].(float64) != 2 || g.body["account_id"] != contoso {
		t.Errorf("autoCreated user: %s", g.raw)
	}
	r = e.do("POST", "/v2/users", tok, mk("autoCreate", "ondomain@contoso.example", 1, map[string]any{"password": "Ondomain2025x"}))
	if r.status != 201 {
		t.Fatalf("autoCreate on the managed domain: %d %s", r.status, r.raw)
	}
	onDomain := r.body["id"].(string)
	if r := e.do("GET", "/v2/users?status=active", tok, nil); r.body["total_records"].(float64) != 6 {
		t.Errorf("own active users %v, want 4 staff + 2 new", r.body["total_records"])
	}
	wantError(t, e.do("POST", "/v2/users", tok, mk("create", "helper@mail.example", 1, nil)), 409, 1005, "Email helper@mail.example has already been used.")
	wantError(t, e.do("POST", "/v2/users", tok, mk("create", "owner@northwind.example", 1, nil)), 400, 1009, "The user owner@northwind.example already holds an active account.")
	wantError(t, e.do("POST", "/v2/users", tok, mk("create", "x@blocked.example", 1, nil)), 400, 1107, "Email domain is blocked")
	wantError(t, e.do("POST", "/v2/users", tok, mk("create", "bad", 1, nil)), 400, 300, "Validation Failed.")
	// The new users are in Contoso itself: a customer's path does not reach them.
	cust := e.customerOf("Contoso Reseller", func(*account) bool { return true })
	wantError(t, e.do("GET", "/v2/accounts/"+cust+"/users/"+helper, tok, nil), 404, 1010, "User does not belong to this account.")

	// Status.
	if r := e.do("PUT", "/v2/users/"+helper+"/status", tok, map[string]any{"action": "deactivate"}); r.status != 204 {
		t.Fatalf("deactivate: %d %s", r.status, r.raw)
	}
	if g := e.do("GET", "/v2/users/"+helper, tok, nil); g.body["status"] != "inactive" {
		t.Errorf("after deactivate: %v", g.body["status"])
	}
	if l := e.do("GET", "/v2/users?status=inactive", tok, nil); l.body["total_records"].(float64) != 1 || l.body["users"].([]any)[0].(map[string]any)["id"] != helper {
		t.Errorf("own inactive users: %s", l.raw)
	}
	if r := e.do("PUT", "/v2/users/"+helper+"/status", tok, map[string]any{"action": "activate"}); r.status != 204 {
		t.Fatalf("activate: %d %s", r.status, r.raw)
	}
	if g := e.do("GET", "/v2/users/"+helper, tok, nil); g.body["status"] != "active" {
		t.Errorf("after activate: %v", g.body["status"])
	}
	admin := e.user("admin@contoso.example")
	wantError(t, e.do("PUT", "/v2/users/"+admin.ID+"/status", tok, map[string]any{"action": "deactivate"}), 400, 200, "Zoom Room and Admin users' status cannot be activated or deactivated.")
	wantError(t, e.do("PUT", "/v2/users/new.staff@mail.example/status", tok, map[string]any{"action": "activate"}), 400, 200, "No permission.")
	wantError(t, e.do("PUT", "/v2/users/"+helper+"/status", tok, map[string]any{"action": "pause"}), 400, 300, "Validation Failed.")
	wantError(t, e.do("PUT", "/v2/users/ghost/status", tok, map[string]any{"action": "activate"}), 404, 1001, "User does not exist: ghost.")

	// Settings: an admin reads and changes anyone's; a member only their own.
	if r := e.do("GET", "/v2/users/"+helper+"/settings", tok, nil); r.status != 200 || r.body["in_meeting"].(map[string]any)["chat"] != true {
		t.Fatalf("user settings: %d %s", r.status, r.raw)
	}
	if r := e.do("PATCH", "/v2/users/"+helper+"/settings", tok, map[string]any{"in_meeting": map[string]any{"chat": false}}); r.status != 204 {
		t.Fatalf("patch user settings: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/users/"+helper+"/settings?custom_query_fields=chat", tok, nil); r.body["in_meeting"].(map[string]any)["chat"] != false {
		t.Errorf("settings after patch: %s", r.raw)
	}
	wantError(t, e.do("PATCH", "/v2/users/"+helper+"/settings", tok, map[string]any{"in_meeting": map[string]any{"chat": "off"}}), 400, 300, "Validation Failed.")
	if r := e.do("GET", "/v2/users/me/settings?option=meeting_authentication", tok, nil); r.status != 200 || r.body["authentication_options"] == nil {
		t.Errorf("own settings with option: %d %s", r.status, r.raw)
	}
	support := e.token("support@contoso.example")
	if r := e.do("PATCH", "/v2/users/me/settings", support, map[string]any{"schedule_meeting": map[string]any{"host_video": true}}); r.status != 204 {
		t.Fatalf("member patches own settings: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/users/me/settings", support, nil); r.status != 200 || r.body["schedule_meeting"].(map[string]any)["host_video"] != true {
		t.Errorf("member reads own settings: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", "/v2/users/"+helper+"/settings", support, nil), 400, 4711, "Invalid access token, does not contain scopes:[user:read:settings:admin]")
	wantError(t, e.do("PATCH", "/v2/users/"+helper+"/settings", support, map[string]any{"in_meeting": map[string]any{"chat": true}}), 400, 4711, "Invalid access token, does not contain scopes:[user:update:settings:admin]")
	wantError(t, e.do("POST", "/v2/users", support, mk("create", "m@mail.example", 1, nil)), 400, 4711, "Invalid access token, does not contain scopes:[user:write:user:admin]")
	wantError(t, e.do("PUT", "/v2/users/"+helper+"/status", support, map[string]any{"action": "deactivate"}), 400, 4711, "Invalid access token, does not contain scopes:[user:update:status:admin]")
	wantError(t, e.do("DELETE", "/v2/users/"+helper, support, nil), 400, 4711, "Invalid access token, does not contain scopes:[user:delete:user:admin]")

	// Delete: admins and managed-domain users cannot be disassociated; delete works.
	wantError(t, e.do("DELETE", "/v2/users/"+admin.ID, tok, nil), 400, 1117, "You can not disassociate an Admin user.")
	wantError(t, e.do("DELETE", "/v2/users/"+onDomain, tok, nil), 400, 1107, "You can not disassociate a user with managed domain.")
	if r := e.do("DELETE", "/v2/users/"+onDomain+"?action=delete", tok, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", "/v2/users/"+onDomain, tok, nil), 404, 1001, "User does not exist: "+onDomain+".")
	if r := e.do("DELETE", "/v2/users/"+helper, tok, nil); r.status != 204 {
		t.Fatalf("disassociate: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/users/email?email="+url.QueryEscape("helper@mail.example"), tok, nil); r.body["existed_email"] != false {
		t.Errorf("a disassociated user's email is still taken: %s", r.raw)
	}
	if r := e.do("DELETE", "/v2/users/"+url.PathEscape("new.staff@mail.example")+"?action=disassociate", tok, nil); r.status != 204 {
		t.Fatalf("remove pending: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/users?status=pending", tok, nil); r.body["total_records"].(float64) != 0 {
		t.Errorf("pending users left: %s", r.raw)
	}
	if r := e.do("GET", "/v2/users?status=active", tok, nil); r.body["total_records"].(float64) != 4 {
		t.Errorf("own active users %v, want the 4 staff", r.body["total_records"])
	}
	wantError(t, e.do("DELETE", "/v2/users/ghost", tok, nil), 404, 1001, "User does not exist: ghost.")
}

// TestMoveUserFromMe moves a user of the primary itself (accountId "me") to one of its sub
// accounts (ZOOM_API.md §1.11), and checks the refusals that apply there too.
func TestMoveUserFromMe(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	contoso := e.accountNamed("Contoso Reseller")
	to := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	r := e.do("POST", "/v2/users", tok, map[string]any{"action": "autoCreate",
		"user_info": map[string]any{"email": "floater@mail.example", "type": 1, "first_name": "Flo", "last_name": "Ater", "password": "Floater2025x"}})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	id := r.body["id"].(string)
	move := func(token, user, dest string) resp {
		return e.do("PUT", "/v2/accounts/me/users/"+url.PathEscape(user)+"/account", token, map[string]any{"account_id": dest})
	}

	wantError(t, move(tok, "admin@contoso.example", to), 400, 1117, "Can not disassociate Admin user")
	wantError(t, move(tok, "support@contoso.example", to), 400, 1107, "You can not disassociate a user with managed domain.")
	wantError(t, move(tok, id, e.customerOf("Fabrikam Reseller", func(*account) bool { return true })), 404, 2001, "")
	wantError(t, move(tok, id, contoso), 404, 2001, "Account does not exist: "+contoso+".")
	wantError(t, move(e.token("support@contoso.example"), id, to), 400, 4711, "Invalid access token, does not contain scopes:[user:master]")

	e.sb.ClearRequests()
	if r := move(tok, id, to); r.status != 204 {
		t.Fatalf("move from me: %d %s", r.status, r.raw)
	}
	reqs := e.sb.Requests()
	if len(reqs) != 1 || reqs[0].TargetAccountID != contoso || reqs[0].Status != 204 {
		t.Errorf("request log %+v, want one PUT with me resolved to %s", reqs, contoso)
	}
	if g := e.do("GET", "/v2/accounts/"+to+"/users/"+id, tok, nil); g.status != 200 || g.body["account_id"] != to || g.body["status"] != "active" {
		t.Errorf("moved user in the sub account: %d %s", g.status, g.raw)
	}
	wantError(t, e.do("GET", "/v2/users/"+id, tok, nil), 404, 1010, "User does not belong to this account.")
	if r := e.do("GET", "/v2/users?status=active", tok, nil); r.body["total_records"].(float64) != 4 {
		t.Errorf("Contoso still lists %v active users, want its 4 staff", r.body["total_records"])
	}
	// Once moved, "me" no longer holds the user.
	wantError(t, move(tok, id, to), 404, 1001, "User "+id+" does not exist or does not belong to this account.")
}
