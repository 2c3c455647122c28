package sandbox

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

func TestListSubAccountsAndPagination(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	r := e.do("GET", "/v2/accounts?page_size=10", tok, nil)
	if r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.raw)
	}
	wantTypes(t, r.body, map[string]string{"page_count": "number", "page_number": "number", "page_size": "number",
		"total_records": "number", "next_page_token": "string", "accounts": "array"})
	total := int(r.body["total_records"].(float64))
	if total < 30 || total > 60 || r.body["page_size"].(float64) != 10 || int(r.body["page_count"].(float64)) != (total+9)/10 {
		t.Fatalf("envelope %v", r.body)
	}
	item := r.body["accounts"].([]any)[0].(map[string]any)
	wantTypes(t, item, map[string]string{"id": "string", "account_name": "string", "owner_email": "string", "account_type": "string",
		"seats": "number", "created_at": "string", "account_number": "string"})
	// Paid accounts carry their subscription's start and end as RFC 3339 date-times; free
	// ones (no subscription) leave both out.
	paid := findListed(t, e, tok, e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() }))
	wantTypes(t, paid, map[string]string{"subscription_start_time": "string", "subscription_end_time": "string"})
	start, err1 := time.Parse(time.RFC3339, fmt.Sprint(paid["subscription_start_time"]))
	end, err2 := time.Parse(time.RFC3339, fmt.Sprint(paid["subscription_end_time"]))
	if err1 != nil || err2 != nil || !end.After(start) {
		t.Errorf("subscription times %v .. %v (%v, %v)", paid["subscription_start_time"], paid["subscription_end_time"], err1, err2)
	}
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(paid["created_at"])); err != nil {
		t.Errorf("created_at %v: %v", paid["created_at"], err)
	}
	free := findListed(t, e, tok, e.customerOf("Contoso Reseller", func(a *account) bool { return !a.paid() }))
	for _, f := range []string{"subscription_start_time", "subscription_end_time"} {
		if v, ok := free[f]; ok {
			t.Errorf("free account has %s = %v", f, v)
		}
	}
	seen := map[string]bool{}
	tokenParam := ""
	for page := 1; ; page++ {
		q := url.Values{"page_size": {"10"}}
		if tokenParam != "" {
			q.Set("next_page_token", tokenParam)
		}
		r := e.do("GET", "/v2/accounts?"+q.Encode(), tok, nil)
		if r.status != 200 || int(r.body["page_number"].(float64)) != page {
			t.Fatalf("page %d: %d %s", page, r.status, r.raw)
		}
		for _, a := range r.body["accounts"].([]any) {
			seen[a.(map[string]any)["id"].(string)] = true
		}
		tokenParam = r.body["next_page_token"].(string)
		if tokenParam == "" {
			break
		}
	}
	if len(seen) != total {
		t.Fatalf("walked %d accounts, want %d", len(seen), total)
	}
	// Default page size 30, maximum 300 (clamped).
	if r := e.do("GET", "/v2/accounts", tok, nil); r.body["page_size"].(float64) != 30 {
		t.Errorf("default page_size %v", r.body["page_size"])
	}
	if r := e.do("GET", "/v2/accounts?page_size=5000", tok, nil); r.body["page_size"].(float64) != 300 {
		t.Errorf("clamped page_size %v", r.body["page_size"])
	}
	// Deprecated page_number still works.
	if r := e.do("GET", "/v2/accounts?page_size=10&page_number=2", tok, nil); r.body["page_number"].(float64) != 2 {
		t.Errorf("page_number %v", r.body["page_number"])
	}
	// Tokens expire after 15 minutes and belong to their caller.
	next := e.do("GET", "/v2/accounts?page_size=10", tok, nil).body["next_page_token"].(string)
	other := e.token("owner@fabrikam.example")
	wantError(t, e.do("GET", "/v2/accounts?page_size=10&next_page_token="+url.QueryEscape(next), other, nil), 400, 300, "Invalid parameter: next_page_token")
	e.clock.Add(14 * time.Minute)
	if r := e.do("GET", "/v2/accounts?page_size=10&next_page_token="+url.QueryEscape(next), tok, nil); r.status != 200 {
		t.Fatalf("token at 14 min: %d", r.status)
	}
	e.clock.Add(2 * time.Minute)
	wantError(t, e.do("GET", "/v2/accounts?page_size=10&next_page_token="+url.QueryEscape(next), tok, nil), 400, 300, "Invalid parameter: next_page_token")
	wantError(t, e.do("GET", "/v2/accounts?page_size=abc", tok, nil), 400, 300, "Invalid parameter: page_size")
}

func TestTierRule(t *testing.T) {
	e := newEnv(t, Options{})
	nw := e.token("owner@northwind.example")
	contoso := e.token("admin@contoso.example")
	contosoID, fabrikamID := e.accountNamed("Contoso Reseller"), e.accountNamed("Fabrikam Reseller")
	contosoCustomer := e.customerOf("Contoso Reseller", func(*account) bool { return true })
	fabrikamCustomer := e.customerOf("Fabrikam Reseller", func(*account) bool { return true })
	nwCustomer := e.customerOf("Northwind Distribution", func(*account) bool { return true })

	r := e.do("GET", "/v2/accounts?page_size=300", nw, nil)
	if r.body["total_records"].(float64) != 12 {
		t.Errorf("Northwind sees %v subs, want 12 (10 customers + 2 resellers)", r.body["total_records"])
	}
	cases := []struct {
		name, token, path string
		status, code      int
	}{
		{"distributor reads its reseller", nw, "/v2/accounts/" + contosoID, 200, 0},
		{"distributor reads its customer", nw, "/v2/accounts/" + nwCustomer, 200, 0},
		{"distributor cannot reach its reseller's customer", nw, "/v2/accounts/" + contosoCustomer, 404, 2001},
		{"distributor cannot list its reseller's customer's users", nw, "/v2/accounts/" + contosoCustomer + "/users", 404, 2001},
		{"reseller reads its customer", contoso, "/v2/accounts/" + contosoCustomer, 200, 0},
		{"reseller cannot reach another primary's customer", contoso, "/v2/accounts/" + fabrikamCustomer, 404, 2001},
		{"reseller cannot reach a sibling primary", contoso, "/v2/accounts/" + fabrikamID, 404, 2001},
		{"reseller cannot reach its own primary", contoso, "/v2/accounts/" + e.accountNamed("Northwind Distribution"), 404, 2001},
		{"unknown account", nw, "/v2/accounts/doesnotexist", 404, 2001},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("GET", c.path, c.token, nil)
			if c.code == 0 {
				if r.status != c.status {
					t.Fatalf("status %d: %s", r.status, r.raw)
				}
				return
			}
			id := url.PathEscape(pathSegment(c.path, 3))
			wantError(t, r, c.status, c.code, fmt.Sprintf("Account does not exist: %s.", id))
		})
	}
	// A plain customer is not a primary.
	e.sb.mu.RLock()
	owner := e.sb.st.owner(e.sb.st.Accounts[contosoCustomer]).Email
	e.sb.mu.RUnlock()
	wantError(t, e.do("GET", "/v2/accounts", e.token(owner), nil), 400, 200, "No permission.")
}

// pathSegment returns the i-th segment of a path ("/v2/accounts/X" -> 3 = X).
func pathSegment(p string, i int) string {
	u, _ := url.Parse(p)
	segs := splitPath(u.Path)
	if i < len(segs) {
		return segs[i]
	}
	return ""
}

func splitPath(p string) []string {
	var out []string
	cur := ""
	for _, r := range p {
		if r == '/' {
			out = append(out, cur)
			cur = ""
			continue
		}
		cur += string(r)
	}
	return append(out, cur)
}

func TestCreateGetDisassociateSubAccount(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@fabrikam.example")
	body := map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.example", "password": "Engine1843x",
		"account_name": "Analytical Engines", "options": map[string]any{"pay_mode": "sub", "room_connectors": "10.0.0.1, 10.0.0.2", "share_rc": true}}
	r := e.do("POST", "/v2/accounts", tok, body)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	wantTypes(t, r.body, map[string]string{"id": "string", "owner_id": "string", "owner_email": "string", "created_at": "string"})
	id := r.body["id"].(string)
	if r.body["created_at"] != "2025-03-04T10:00:00Z" {
		t.Errorf("created_at %v", r.body["created_at"])
	}
	wantError(t, e.do("POST", "/v2/accounts", tok, body), 409, 1005, "Email ada@analytical.example has already been used.")

	g := e.do("GET", "/v2/accounts/"+id, tok, nil)
	if g.status != 200 {
		t.Fatalf("get: %d %s", g.status, g.raw)
	}
	wantTypes(t, g.body, map[string]string{"id": "string", "owner_id": "string", "owner_email": "string", "created_at": "string",
		"options": "object", "vanity_url": "string"})
	opts := g.body["options"].(map[string]any)
	if opts["pay_mode"] != "sub" || opts["share_rc"] != true || len(opts["room_connector_list"].([]any)) != 2 {
		t.Errorf("options %v", opts)
	}
	// The owner exists in the new account and the list shows it.
	if u := e.user("ada@analytical.example"); u.AccountID != id || u.Role != "Owner" {
		t.Errorf("owner %+v", u)
	}

	// Disassociate a free sub account: 204, then it is gone for the primary.
	if r := e.do("DELETE", "/v2/accounts/"+id, tok, nil); r.status != 204 {
		t.Fatalf("disassociate: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", "/v2/accounts/"+id, tok, nil), 404, 2001, "Account does not exist: "+id+".")
	// A paid one cannot be disassociated.
	paid := e.customerOf("Fabrikam Reseller", func(a *account) bool { return a.paid() })
	wantError(t, e.do("DELETE", "/v2/accounts/"+paid, tok, nil), 404, 2000, "You cannot disassociate a paid account.")
	if r := e.do("GET", "/v2/accounts/"+paid, tok, nil); r.status != 200 {
		t.Errorf("a refused disassociation unlinked the account: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("DELETE", "/v2/accounts/me", tok, nil), 404, 2001, "Account does not exist: me.")
}

func TestCreateSubAccountValidation(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@northwind.example")
	valid := func() map[string]any {
		return map[string]any{"first_name": "Grace", "last_name": "Hopper", "email": "grace@cobol.example", "password": "Compiler1952"}
	}
	r := e.do("POST", "/v2/accounts", tok, map[string]any{"first_name": "", "email": "not-an-email", "password": "short"})
	wantError(t, r, 400, 300, "Validation Failed.")
	fields := map[string]bool{}
	for _, fe := range r.body["errors"].([]any) {
		m := fe.(map[string]any)
		wantTypes(t, m, map[string]string{"field": "string", "message": "string"})
		fields[m["field"].(string)] = true
	}
	for _, f := range []string{"first_name", "last_name", "email", "password"} {
		if !fields[f] {
			t.Errorf("errors[] lacks %s: %s", f, r.raw)
		}
	}
	long := valid()
	long["first_name"] = string(make([]byte, 65))
	wantError(t, e.do("POST", "/v2/accounts", tok, long), 400, 300, "Validation Failed.")
	wantError(t, e.do("POST", "/v2/accounts", tok, "{not json"), 400, 300, "Request Body should be a valid JSON object.")
	wantError(t, e.do("POST", "/v2/accounts", tok, "[1,2]"), 400, 300, "Request Body should be a valid JSON object.")
	typed := valid()
	typed["first_name"] = 42
	if r := e.do("POST", "/v2/accounts", tok, typed); r.status != 400 || r.body["code"].(float64) != 300 {
		t.Errorf("wrong type: %d %s", r.status, r.raw)
	}
	bad := valid()
	bad["account_name"] = "The Badword Company"
	wantError(t, e.do("POST", "/v2/accounts", tok, bad), 400, 300, "Your request could not be completed because the name contains an invalid word: The Badword Company")
	bad = valid()
	bad["email"] = "x@blocked.example"
	wantError(t, e.do("POST", "/v2/accounts", tok, bad), 400, 1107, "Email domain is blocked.")
	bad = valid()
	bad["password"] = "aaaaaa1Bcd"
	wantError(t, e.do("POST", "/v2/accounts", tok, bad), 400, 1111, "Password should not contain repeated characters such as 'aaaaaa'.")
	bad["password"] = "Xabcdef99"
	wantError(t, e.do("POST", "/v2/accounts", tok, bad), 400, 1111, "Password should not contain consecutive characters such as 'abc','123'.")
	bad = valid()
	bad["options"] = map[string]any{"pay_mode": "nobody"}
	r = e.do("POST", "/v2/accounts", tok, bad)
	wantError(t, r, 400, 300, "Validation Failed.")
	if r.body["errors"].([]any)[0].(map[string]any)["field"] != "options.pay_mode" {
		t.Errorf("field %s", r.raw)
	}
	bad = valid()
	bad["email"] = "owner@contoso.example"
	wantError(t, e.do("POST", "/v2/accounts", tok, bad), 409, 1005, "Email owner@contoso.example has already been used.")
}
