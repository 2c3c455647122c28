package sandbox

import (
	"net/url"
	"strings"
	"testing"
)

func TestListUsers(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	cust := e.customerOf("Contoso Reseller", func(a *account) bool { return len(e.sb.st.usersOf(a.ID)) >= 40 })
	path := "/v2/accounts/" + cust + "/users"
	r := e.do("GET", path, tok, nil)
	if r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.raw)
	}
	wantTypes(t, r.body, map[string]string{"page_count": "number", "page_number": "number", "page_size": "number",
		"total_records": "number", "next_page_token": "string", "users": "array"})
	it := r.body["users"].([]any)[0].(map[string]any)
	wantTypes(t, it, map[string]string{"id": "string", "email": "string", "first_name": "string", "last_name": "string",
		"display_name": "string", "type": "number", "status": "string", "pmi": "number", "timezone": "string", "dept": "string",
		"role_id": "string", "created_at": "string", "user_created_at": "string", "verified": "number", "group_ids": "array"})
	if _, ok := it["role_name"]; ok {
		t.Error("list items must not have role_name")
	}
	for _, x := range r.body["users"].([]any) {
		if x.(map[string]any)["status"] != "active" {
			t.Fatal("default status filter is not active")
		}
	}
	r = e.do("GET", path+"?status=pending", tok, nil)
	if r.body["total_records"].(float64) == 0 {
		t.Fatal("no pending users in a 40+ user customer")
	}
	for _, x := range r.body["users"].([]any) {
		m := x.(map[string]any)
		if _, ok := m["id"]; ok || m["status"] != "pending" {
			t.Fatalf("pending item %v has an id or wrong status", m)
		}
		if m["created_at"] != "2025-03-04T10:00:00Z" {
			t.Errorf("pending created_at %v, want the call time", m["created_at"])
		}
	}
	if r := e.do("GET", path+"?status=inactive", tok, nil); r.body["total_records"].(float64) == 0 {
		t.Error("no inactive users")
	}
	wantError(t, e.do("GET", path+"?status=everything", tok, nil), 400, 300, "Invalid parameter: status")
	if r := e.do("GET", path+"?page_size=5000", tok, nil); r.body["page_size"].(float64) != 2000 {
		t.Errorf("page_size clamp %v", r.body["page_size"])
	}
	if r := e.do("GET", path+"?include_fields=host_key&page_size=1", tok, nil); r.body["users"].([]any)[0].(map[string]any)["host_key"] == nil {
		t.Error("include_fields=host_key ignored")
	}
	// Paging with a token keeps the filter.
	r = e.do("GET", path+"?page_size=5", tok, nil)
	next := r.body["next_page_token"].(string)
	if next == "" {
		t.Fatal("no next page")
	}
	wantError(t, e.do("GET", path+"?status=inactive&page_size=5&next_page_token="+url.QueryEscape(next), tok, nil), 400, 300, "Invalid parameter: next_page_token")
	if r := e.do("GET", path+"?page_size=5&next_page_token="+url.QueryEscape(next), tok, nil); r.body["page_number"].(float64) != 2 {
		t.Errorf("second page %s", r.raw)
	}
	// Own account.
	if r := e.do("GET", "/v2/users?status=active", tok, nil); r.body["total_records"].(float64) != 4 {
		t.Errorf("Contoso staff %v, want 4", r.body["total_records"])
	}
}

func TestCreateUsers(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	paid := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	free := e.customerOf("Contoso Reseller", func(a *account) bool { return !a.paid() })
	path := "/v2/accounts/" + paid + "/users"
	mk := func(action, email string, typ int, extra map[string]any) map[string]any {
		info := map[string]any{"email": email, "type": typ, "first_name": "New", "last_name": "Person"}
		for k, v := range extra {
			info[k] = v
		}
		return map[string]any{"action": action, "user_info": info}
	}
	r := e.do("POST", path, tok, mk("create", "new.person@contoso-customer.example", 1, nil))
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	wantTypes(t, r.body, map[string]string{"id": "string", "first_name": "string", "last_name": "string", "email": "string", "type": "number"})
	g := e.do("GET", "/v2/accounts/"+paid+"/users/new.person@contoso-customer.example", tok, nil)
	if g.body["status"] != "pending" {
		t.Errorf("create -> %v, want pending", g.body["status"])
	}
	r = e.do("POST", path, tok, mk("autoCreate", "auto@contoso-customer.example", 1, map[string]any{"password": "Sandbox2025x"}))
	if r.status != 201 {
		t.Fatalf("autoCreate: %d %s", r.status, r.raw)
	}
	if g := e.do("GET", "/v2/accounts/"+paid+"/users/"+r.body["id"].(string), tok, nil); g.body["status"] != "active" {
		t.Errorf("autoCreate -> %v, want active", g.body["status"])
	}
	for _, action := range []string{"custCreate", "ssoCreate"} {
		if r := e.do("POST", path, tok, mk(action, strings.ToLower(action)+"@contoso-customer.example", 1, nil)); r.status != 201 {
			t.Errorf("%s: %d %s", action, r.status, r.raw)
		}
	}
	if r := e.do("POST", path, tok, mk("ssoCreate", "none@contoso-customer.example", 99, nil)); r.status != 201 {
		t.Errorf("ssoCreate type 99: %d %s", r.status, r.raw)
	}

	r = e.do("POST", path, tok, map[string]any{"action": "invent", "user_info": map[string]any{"email": "bad", "type": 7, "first_name": strings.Repeat("x", 65)}})
	wantError(t, r, 400, 300, "Validation Failed.")
	got := map[string]bool{}
	for _, fe := range r.body["errors"].([]any) {
		got[fe.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"action", "user_info.email", "user_info.type", "user_info.first_name"} {
		if !got[f] {
			t.Errorf("errors[] lacks %s: %s", f, r.raw)
		}
	}
	wantError(t, e.do("POST", path, tok, mk("create", "x99@contoso-customer.example", 99, nil)), 400, 300, "Validation Failed.")
	wantError(t, e.do("POST", path, tok, mk("autoCreate", "weak@contoso-customer.example", 1, map[string]any{"password": "password"})), 400, 300, "Invalid parameter: password")
	wantError(t, e.do("POST", path, tok, "nonsense"), 400, 300, "Request Body should be a valid JSON object.")
	wantError(t, e.do("POST", path, tok, mk("create", "new.person@contoso-customer.example", 1, nil)), 409, 1005, "Email new.person@contoso-customer.example has already been used.")
	wantError(t, e.do("POST", path, tok, mk("create", "owner@northwind.example", 1, nil)), 400, 1009, "The user owner@northwind.example already holds an active account.")
	wantError(t, e.do("POST", path, tok, mk("create", "someone@blocked.example", 1, nil)), 400, 1107, "Email domain is blocked")
	wantError(t, e.do("POST", path, tok, mk("create", "x@y.example", 1, map[string]any{"last_name": "Badword"})), 400, 300,
		"Your request could not be completed because the name contains an invalid word: Badword")
	r = e.do("POST", "/v2/accounts/"+free+"/users", tok, mk("create", "licensed@free-customer.example", 2, nil))
	wantError(t, r, 400, 2034, "")
	if !strings.Contains(r.body["message"].(string), "maximum number of 0 paid users") {
		t.Errorf("quota message %q", r.body["message"])
	}
}

func TestGetPatchUser(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("admin@fabrikam.example")
	cust := e.customerOf("Fabrikam Reseller", func(a *account) bool { return len(e.sb.st.usersOf(a.ID)) >= 10 })
	other := e.customerOf("Fabrikam Reseller", func(a *account) bool { return a.ID != cust })
	member := e.seededUser(cust, func(u *user) bool { return u.Role == roleMember && u.Status == statusActive })
	base := "/v2/accounts/" + cust + "/users/"

	r := e.do("GET", base+member.ID, tok, nil)
	if r.status != 200 || r.body["email"] != member.Email || r.body["role_name"] != "Member" || r.body["account_id"] != cust {
		t.Fatalf("get by id: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", base+url.PathEscape(strings.ToUpper(member.Email)), tok, nil); r.body["id"] != member.ID {
		t.Errorf("get by email: %s", r.raw)
	}
	wantError(t, e.do("GET", base+"nobody123", tok, nil), 404, 1001, "User does not exist: nobody123.")
	wantError(t, e.do("GET", "/v2/accounts/"+other+"/users/"+member.ID, tok, nil), 404, 1010, "User does not belong to this account.")
	expired := e.account(func(st *state, a *account) bool {
		for _, u := range st.usersOf(a.ID) {
			if u.InviteExpired {
				return a.ParentID == e.accountNamed("Fabrikam Reseller")
			}
		}
		return false
	})
	ex := e.seededUser(expired, func(u *user) bool { return u.InviteExpired })
	wantError(t, e.do("GET", "/v2/accounts/"+expired+"/users/"+ex.Email, tok, nil), 400, 1120, "A valid invitation to join the Zoom account was not found for this user.")

	patch := map[string]any{"first_name": "Renamed", "dept": "Legal", "pmi": 3216549870, "phone_numbers": []map[string]any{{"country": "US", "code": "+1", "number": "5550100", "label": "Mobile"}}}
	if r := e.do("PATCH", base+member.ID, tok, patch); r.status != 204 {
		t.Fatalf("patch: %d %s", r.status, r.raw)
	}
	r = e.do("GET", base+member.ID, tok, nil)
	if r.body["first_name"] != "Renamed" || r.body["dept"] != "Legal" || r.body["pmi"].(float64) != 3216549870 || r.body["display_name"] != "Renamed "+member.LastName {
		t.Errorf("after patch: %s", r.raw)
	}
	r = e.do("PATCH", base+member.ID, tok, map[string]any{"pmi": 12, "type": 5, "host_key": "12"})
	wantError(t, r, 400, 300, "Validation Failed.")
	if len(r.body["errors"].([]any)) != 3 {
		t.Errorf("want 3 errors: %s", r.raw)
	}
	wantError(t, e.do("PATCH", base+member.ID, tok, map[string]any{"group_id": "g1"}), 404, 4130, "Group does not exist: g1")
	wantError(t, e.do("PATCH", base+"ghost", tok, map[string]any{"dept": "x"}), 404, 1001, "User does not exist: ghost.")

	// A member may update only themselves.
	m := e.token("support@fabrikam.example")
	if r := e.do("PATCH", "/v2/users/me", m, map[string]any{"dept": "Support"}); r.status != 204 {
		t.Fatalf("member patches self: %d %s", r.status, r.raw)
	}
	owner := e.user("owner@fabrikam.example")
	wantError(t, e.do("PATCH", "/v2/users/"+owner.ID, m, map[string]any{"dept": "x"}), 400, 4711, "Invalid access token, does not contain scopes:[user:update:user:admin]")
}

func TestDeleteAndStatus(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	cust := e.customerOf("Contoso Reseller", func(a *account) bool { return len(e.sb.st.usersOf(a.ID)) >= 20 })
	base := "/v2/accounts/" + cust + "/users/"
	onDomain := e.seededUser(cust, func(u *user) bool {
		return u.Role == roleMember && u.Status == statusActive && !strings.HasSuffix(u.Email, "@mail.example")
	})
	offDomain := e.seededUser(cust, func(u *user) bool {
		return u.Role == roleMember && u.Status == statusActive && strings.HasSuffix(u.Email, "@mail.example")
	})
	admin := e.seededUser(cust, func(u *user) bool { return u.Role == roleAdmin })

	wantError(t, e.do("DELETE", base+admin.ID, tok, nil), 400, 1117, "You can not disassociate an Admin user.")
	wantError(t, e.do("DELETE", base+onDomain.ID, tok, nil), 400, 1107, "You can not disassociate a user with managed domain.")
	wantError(t, e.do("DELETE", base+onDomain.ID+"?action=delete&transfer_email="+url.QueryEscape(onDomain.Email), tok, nil), 400, 300,
		"The transfer-to email address cannot be the same as the unlinked or deleted user's email address.")
	wantError(t, e.do("DELETE", base+onDomain.ID+"?action=nuke", tok, nil), 400, 300, "Invalid parameter: action")
	if r := e.do("DELETE", base+onDomain.ID+"?action=delete", tok, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", base+onDomain.ID, tok, nil), 404, 1001, "User does not exist: "+onDomain.ID+".")
	if r := e.do("DELETE", base+offDomain.ID, tok, nil); r.status != 204 {
		t.Fatalf("disassociate: %d %s", r.status, r.raw)
	}
	pending := e.seededUser(cust, func(u *user) bool { return u.Status == statusPending })
	if r := e.do("DELETE", base+url.PathEscape(pending.Email)+"?action=disassociate", tok, nil); r.status != 204 {
		t.Fatalf("remove pending: %d %s", r.status, r.raw)
	}

	member := e.seededUser(cust, func(u *user) bool { return u.Role == roleMember && u.Status == statusActive && u.Type == 1 })
	if r := e.do("PUT", base+member.ID+"/status", tok, map[string]any{"action": "deactivate"}); r.status != 204 {
		t.Fatalf("deactivate: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", base+member.ID, tok, nil); r.body["status"] != "inactive" {
		t.Errorf("status after deactivate %v", r.body["status"])
	}
	if r := e.do("PUT", base+member.ID+"/status", tok, map[string]any{"action": "activate"}); r.status != 204 {
		t.Fatalf("activate: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("PUT", base+admin.ID+"/status", tok, map[string]any{"action": "deactivate"}), 400, 200, "Zoom Room and Admin users' status cannot be activated or deactivated.")
	wantError(t, e.do("PUT", base+member.ID+"/status", tok, map[string]any{"action": "pause"}), 400, 300, "Validation Failed.")
}

func TestUserSettingsEmailAndMove(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	from := e.customerOf("Contoso Reseller", func(a *account) bool {
		for _, u := range e.sb.st.usersOf(a.ID) {
			if u.Role == roleMember && u.Status == statusActive && u.Type == 1 && strings.HasSuffix(u.Email, "@mail.example") {
				return true
			}
		}
		return false
	})
	to := e.customerOf("Contoso Reseller", func(a *account) bool { return a.ID != from })
	mover := e.seededUser(from, func(u *user) bool {
		return u.Role == roleMember && u.Status == statusActive && u.Type == 1 && strings.HasSuffix(u.Email, "@mail.example")
	})
	base := "/v2/accounts/" + from + "/users/"

	r := e.do("GET", base+mover.ID+"/settings", tok, nil)
	if r.status != 200 || r.body["schedule_meeting"] == nil || r.body["feature"] == nil {
		t.Fatalf("user settings: %d %s", r.status, r.raw)
	}
	if r := e.do("PATCH", base+mover.ID+"/settings", tok, map[string]any{"in_meeting": map[string]any{"chat": false}}); r.status != 204 {
		t.Fatalf("patch user settings: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", base+mover.ID+"/settings?custom_query_fields=chat", tok, nil); r.body["in_meeting"].(map[string]any)["chat"] != false {
		t.Errorf("user settings after patch: %s", r.raw)
	}
	wantError(t, e.do("GET", base+mover.ID+"/settings?option=security", tok, nil), 400, 300, "Invalid parameter: option")

	if r := e.do("PUT", base+mover.ID+"/password", tok, map[string]any{"password": "NewSecret2025"}); r.status != 204 {
		t.Errorf("password: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("PUT", base+mover.ID+"/password", tok, map[string]any{"password": "weak"}), 400, 300, "Invalid parameter: password")
	wantError(t, e.do("PUT", base+mover.ID+"/email", tok, map[string]any{"email": "owner@contoso.example"}), 409, 1005, "Email owner@contoso.example has already been used.")

	wantError(t, e.do("PUT", base+mover.ID+"/account", tok, map[string]any{"account_id": e.customerOf("Fabrikam Reseller", func(*account) bool { return true })}), 404, 2001, "")
	owner := e.seededUser(from, func(u *user) bool { return u.Role == roleOwner })
	wantError(t, e.do("PUT", base+owner.ID+"/account", tok, map[string]any{"account_id": to}), 400, 1117, "Can not disassociate Admin user")
	// A user on the account's managed domain and a pending user cannot be moved (ZOOM_API.md
	// §1.11); both stay where they were.
	onDomain := e.seededUser(from, func(u *user) bool {
		return u.Role == roleMember && u.Status == statusActive && !strings.HasSuffix(u.Email, "@mail.example")
	})
	wantError(t, e.do("PUT", base+onDomain.ID+"/account", tok, map[string]any{"account_id": to}), 400, 1107, "You can not disassociate a user with managed domain.")
	pending := e.seededUser(from, func(u *user) bool { return u.Status == statusPending && !u.InviteExpired })
	wantError(t, e.do("PUT", base+url.PathEscape(pending.Email)+"/account", tok, map[string]any{"account_id": to}), 400, 1120, "Invite not exist")
	if r := e.do("GET", base+onDomain.ID, tok, nil); r.status != 200 || r.body["account_id"] != from {
		t.Errorf("refused move changed the on-domain user: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", base+url.PathEscape(pending.Email), tok, nil); r.status != 200 || r.body["account_id"] != from || r.body["status"] != "pending" {
		t.Errorf("refused move changed the pending user: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("PUT", base+"nobody-here/account", tok, map[string]any{"account_id": to}), 404, 1001, "User nobody-here does not exist or does not belong to this account.")
	if r := e.do("PUT", base+mover.ID+"/account", tok, map[string]any{"account_id": to}); r.status != 204 {
		t.Fatalf("move: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/accounts/"+to+"/users/"+mover.ID, tok, nil); r.status != 200 || r.body["account_id"] != to {
		t.Errorf("moved user: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/users/email?email="+url.QueryEscape(mover.Email), tok, nil); r.body["existed_email"] != true {
		t.Errorf("users/email: %s", r.raw)
	}
	if r := e.do("GET", "/v2/users/email?email=nobody@nowhere.example", tok, nil); r.body["existed_email"] != false {
		t.Errorf("users/email: %s", r.raw)
	}
}
