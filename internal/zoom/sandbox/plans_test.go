package sandbox

import (
	"slices"
	"strings"
	"testing"
)

func TestBilling(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	paidMaster := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() && a.Options.PayMode == "master" })
	self := e.customerOf("Contoso Reseller", func(a *account) bool { return a.Options.PayMode == "sub" })
	freeMaster := e.customerOf("Contoso Reseller", func(a *account) bool { return !a.paid() && a.Options.PayMode == "master" })

	r := e.do("GET", "/v2/accounts/"+paidMaster+"/billing", tok, nil)
	wantTypes(t, r.body, map[string]string{"first_name": "string", "last_name": "string", "email": "string", "phone_number": "string",
		"address": "string", "city": "string", "state": "string", "zip": "string", "country": "string"})
	wantError(t, e.do("GET", "/v2/accounts/"+self+"/billing", tok, nil), 400, 2100, "This sub account is on self pay mode.")
	// No plan was ever subscribed, so Zoom holds no billing account for it.
	wantError(t, e.do("GET", "/v2/accounts/"+freeMaster+"/billing", tok, nil), 404, 3201, "Cannot find a billing account for this: "+freeMaster)
	wantError(t, e.do("PATCH", "/v2/accounts/"+paidMaster+"/billing", tok, map[string]any{"country": "XX"}), 400, 2100, "Invalid country parameter: XX")
	wantError(t, e.do("PATCH", "/v2/accounts/"+paidMaster+"/billing", tok, map[string]any{"country": "US", "state": "ZZ"}), 400, 2100, "Invalid state parameter: ZZ")
	wantError(t, e.do("PATCH", "/v2/accounts/"+freeMaster+"/billing", tok, map[string]any{"city": "Reno"}), 400, 200, "Please subscribe a plan for this sub account first.")
	if r := e.do("PATCH", "/v2/accounts/"+paidMaster+"/billing", tok, map[string]any{"city": "Reno", "state": "NV", "zip": "89501"}); r.status != 204 {
		t.Fatalf("patch billing: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/accounts/"+paidMaster+"/billing", tok, nil); r.body["city"] != "Reno" {
		t.Errorf("billing after patch %s", r.raw)
	}
	wantError(t, e.do("GET", "/v2/accounts/me/billing", tok, nil), 404, 2001, "Account does not exist: me.")
}

func TestPlansLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	free := e.customerOf("Contoso Reseller", func(a *account) bool { return !a.paid() && a.Options.PayMode == "master" })
	self := e.customerOf("Contoso Reseller", func(a *account) bool { return a.Options.PayMode == "sub" })
	p := "/v2/accounts/" + free + "/plans"

	if r := e.do("GET", p, tok, nil); r.status != 200 || len(r.body) != 0 {
		t.Fatalf("free plans: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", "/v2/accounts/"+self+"/plans", tok, nil), 400, 2100, "This sub account is on self pay mode.")
	wantError(t, e.do("POST", "/v2/accounts/"+self+"/plans", tok, map[string]any{}), 400, 2100, "Cannot add plan for sub account which is paid by self")
	wantError(t, e.do("GET", "/v2/accounts/"+free+"/plans/usage", tok, nil), 400, 200, "Only available for paid account.")
	wantError(t, e.do("POST", p+"/addons", tok, map[string]any{"type": "webinar500_monthly", "hosts": 1}), 400, 3261, "Must subscribe to a major plan first.")
	wantError(t, e.do("PUT", p+"/base", tok, map[string]any{"type": "business_annual", "hosts": 12}), 400, 200, "You do not have a subscription yet.")

	contact := map[string]any{"first_name": "Ann", "last_name": "Lee", "email": "ann@lee.example", "phone_number": "+1 555 0100",
		"address": "1 Main St", "city": "Austin", "state": "TX", "zip": "73301", "country": "US"}
	wantError(t, e.do("POST", p, tok, map[string]any{"contact": contact}), 400, 300, "Validation Failed.")
	noCity := map[string]any{}
	for k, v := range contact {
		if k != "city" {
			noCity[k] = v
		}
	}
	wantError(t, e.do("POST", p, tok, map[string]any{"contact": noCity, "plan_base": map[string]any{"type": "pro_monthly", "hosts": 2}}), 400, 2100, "Invalid parameter: city")
	wantError(t, e.do("POST", p, tok, map[string]any{"contact": contact, "plan_base": map[string]any{"type": "business_annual", "hosts": 3}}), 400, 300, "Buy hosts must equal or larger than 10")
	r := e.do("POST", p, tok, map[string]any{"contact": contact, "plan_base": map[string]any{"type": "business_annual", "hosts": 12},
		"plan_webinar": []map[string]any{{"type": "webinar500_annual", "hosts": 1}}, "plan_recording": "cmr_monthly_commercial_100gb"})
	if r.status != 201 {
		t.Fatalf("subscribe: %d %s", r.status, r.raw)
	}
	pb := r.body["plan_base"].(map[string]any)
	wantTypes(t, pb, map[string]string{"type": "string", "hosts": "number", "service_effective_date": "string", "next_invoice_date": "string", "status": "string"})
	if pb["status"] != "active" || r.body["plan_recording"] != "cmr_monthly_commercial_100gb" || len(r.body["plan_webinar"].([]any)) != 1 {
		t.Errorf("plans %s", r.raw)
	}
	item := findListed(t, e, tok, free)
	if item["account_type"] != "Business" || item["seats"].(float64) != 12 {
		t.Errorf("list item after subscribe: %v", item)
	}
	wantError(t, e.do("PUT", p+"/base", tok, map[string]any{"type": "business_annual", "hosts": 5}), 400, 300, "Insufficient number of hosts for business plan type.")
	if r := e.do("PUT", p+"/base", tok, map[string]any{"type": "business_annual", "hosts": 20}); r.status != 204 {
		t.Fatalf("update base: %d %s", r.status, r.raw)
	}
	if r := e.do("POST", p+"/addons", tok, map[string]any{"type": "large1000_monthly", "hosts": 2}); r.status != 201 {
		t.Fatalf("add addon: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("POST", p+"/addons", tok, map[string]any{"type": "large1000_monthly", "hosts": 2}), 400, 2100, "This sub account already has the additional plan: large1000_monthly")
	if r := e.do("PUT", p+"/addons", tok, map[string]any{"type": "large1000_monthly", "hosts": 3}); r.status != 204 {
		t.Fatalf("update addon: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("PUT", p+"/addons", tok, map[string]any{"type": "nothing_here", "hosts": 3}), 400, 3261, "Failed to change sub plan of account")
	r = e.do("GET", p+"/usage", tok, nil)
	if r.status != 200 {
		t.Fatalf("usage: %d %s", r.status, r.raw)
	}
	u := r.body["plan_base"].([]any)[0].(map[string]any)
	wantTypes(t, u, map[string]string{"type": "string", "hosts": "number", "usage": "number"})
	if u["hosts"].(float64) != 20 {
		t.Errorf("usage %v", u)
	}
	wantError(t, e.do("PATCH", p+"/addons/status", tok, map[string]any{"action": "cancel"}), 400, 300, "Plan type is required.")
	if r := e.do("PATCH", p+"/addons/status", tok, map[string]any{"action": "cancel", "type": "large1000_monthly", "reason": 2}); r.status != 204 {
		t.Fatalf("cancel addon: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("PATCH", p+"/base/status", tok, map[string]any{"action": "pause"}), 400, 300, "Validation Failed.")
	if r := e.do("PATCH", p+"/base/status", tok, map[string]any{"action": "cancel", "reason": 1, "comment": "moving"}); r.status != 204 {
		t.Fatalf("cancel base: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", p, tok, nil); r.body["plan_base"].(map[string]any)["status"] != "cancel" {
		t.Errorf("after cancel %s", r.raw)
	}
	if r := e.do("GET", "/v2/accounts/me/plans/usage", tok, nil); r.status != 200 {
		t.Errorf("me usage: %d %s", r.status, r.raw)
	}
}

// findListed returns the list item of a sub account.
func findListed(t *testing.T, e *env, tok, id string) map[string]any {
	t.Helper()
	r := e.do("GET", "/v2/accounts?page_size=300", tok, nil)
	for _, a := range r.body["accounts"].([]any) {
		if m := a.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("account %s not listed", id)
	return nil
}

// TestMissingBillingRecords provokes codes 3200, 3201 and 3211 (ZOOM_API.md §1.10, §1.12,
// §1.13, §5) by removing a sub account's billing records, and checks that subscribing a plan
// opens them again.
func TestMissingBillingRecords(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	paid := e.customerOf("Contoso Reseller", func(a *account) bool {
		if !a.paid() || a.Options.PayMode != "master" {
			return false
		}
		for _, u := range e.sb.st.usersOf(a.ID) {
			if u.Role == roleAdmin && u.Status == statusActive {
				return true
			}
		}
		return false
	})
	admin := e.seededUser(paid, func(u *user) bool { return u.Role == roleAdmin && u.Status == statusActive })
	owner := e.seededUser(paid, func(u *user) bool { return u.Role == roleOwner })
	self := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() && a.Options.PayMode == "sub" })
	freeMaster := e.customerOf("Contoso Reseller", func(a *account) bool { return !a.paid() && a.Options.PayMode == "master" })
	acct := "/v2/accounts/" + paid
	remove := func(id, records string) resp {
		q := ""
		if records != "" {
			q = "?records=" + records
		}
		return e.do("DELETE", "/_sandbox/accounts/"+id+"/billing_records"+q, "", nil)
	}
	ownerEmail := func() any { return e.do("GET", acct, tok, nil).body["owner_email"] }

	// The control endpoint refuses what has no billing records to lose.
	for _, c := range []struct{ id, records string }{{freeMaster, ""}, {self, ""}, {"nope", ""}, {paid, "invoices"}} {
		if r := remove(c.id, c.records); r.status != 400 || r.body["error"] == nil {
			t.Errorf("remove %s %q: %d %s", c.id, c.records, r.status, r.raw)
		}
	}

	// A lost billing contact: 3211 on the billing contact and on an owner change.
	if r := remove(paid, "billing_contact"); r.status != 204 {
		t.Fatalf("remove contact: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", acct+"/billing", tok, nil), 404, 3211, "Cannot find a billing contact for this: "+paid)
	wantError(t, e.do("PATCH", acct+"/billing", tok, map[string]any{"city": "Reno"}), 404, 3211, "Cannot find a billing contact for this: "+paid)
	wantError(t, e.do("PUT", acct+"/owner", tok, map[string]any{"email": admin.Email}), 404, 3211, "Cannot find a billing contact for this: "+paid)
	// The billing account too: 3201 comes first.
	if r := remove(paid, "billing_account"); r.status != 204 {
		t.Fatalf("remove billing account: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", acct+"/billing", tok, nil), 404, 3201, "Cannot find a billing account for this: "+paid)
	wantError(t, e.do("PATCH", acct+"/billing", tok, map[string]any{"city": "Reno"}), 404, 3201, "Cannot find a billing account for this: "+paid)
	wantError(t, e.do("PUT", acct+"/owner", tok, map[string]any{"email": admin.Email}), 404, 3201, "Cannot find a billing account for this: "+paid)
	if got := ownerEmail(); got != owner.Email {
		t.Errorf("a refused owner change changed the owner to %v", got)
	}
	// Request checks still come first: a non-admin is refused with code 200 whatever the records.
	member := e.seededUser(paid, func(u *user) bool { return u.Role == roleMember && u.Status == statusActive })
	wantError(t, e.do("PUT", acct+"/owner", tok, map[string]any{"email": member.Email}), 400, 200, "")

	// A lost subscription: 3200 on add-on plans; the plan information stays readable.
	if r := remove(paid, "subscription"); r.status != 204 {
		t.Fatalf("remove subscription: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("POST", acct+"/plans/addons", tok, map[string]any{"type": "webinar500_monthly", "hosts": 1}), 404, 3200, "Cannot find Zuora subscription for account:"+paid)
	wantError(t, e.do("PUT", acct+"/plans/addons", tok, map[string]any{"type": "webinar500_monthly", "hosts": 2}), 404, 3200, "Cannot find Zuora subscription for account:"+paid)
	if r := e.do("GET", acct+"/plans", tok, nil); r.status != 200 || r.body["plan_base"] == nil {
		t.Errorf("plans without a subscription record: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", acct+"/plans", tok, nil); r.body["plan_webinar"] != nil {
		t.Errorf("a refused add-on was added: %s", r.raw)
	}
	// Self pay still answers 2100 before any record check.
	wantError(t, e.do("GET", "/v2/accounts/"+self+"/billing", tok, nil), 400, 2100, "This sub account is on self pay mode.")

	// Cancelling and subscribing again opens the records anew.
	if r := e.do("PATCH", acct+"/plans/base/status", tok, map[string]any{"action": "cancel", "reason": 3}); r.status != 204 {
		t.Fatalf("cancel: %d %s", r.status, r.raw)
	}
	contact := map[string]any{"first_name": "Bo", "last_name": "Ng", "email": "bo@ng.example", "phone_number": "+1 555 0101",
		"address": "2 Side St", "city": "Boise", "state": "ID", "zip": "83702", "country": "US"}
	if r := e.do("POST", acct+"/plans", tok, map[string]any{"contact": contact, "plan_base": map[string]any{"type": "business_annual", "hosts": 40}}); r.status != 201 {
		t.Fatalf("subscribe again: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", acct+"/billing", tok, nil); r.status != 200 || r.body["city"] != "Boise" {
		t.Errorf("billing after subscribing again: %d %s", r.status, r.raw)
	}
	if r := e.do("POST", acct+"/plans/addons", tok, map[string]any{"type": "webinar500_monthly", "hosts": 1}); r.status != 201 {
		t.Errorf("add-on after subscribing again: %d %s", r.status, r.raw)
	}
	if r := e.do("PUT", acct+"/owner", tok, map[string]any{"email": admin.Email}); r.status != 204 {
		t.Errorf("owner change after subscribing again: %d %s", r.status, r.raw)
	}
	if got := ownerEmail(); got != admin.Email {
		t.Errorf("owner %v, want %s", got, admin.Email)
	}
}

// TestPlansFollowTheCatalogue: the host ranges of ZOOM_API.md §1.13, as the catalogue holds
// them, at both ends, for subscribe and change; a Free trial is not changed; a code the
// catalogue does not hold stays opaque; the request log keeps what each change sent.
func TestPlansFollowTheCatalogue(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	contact := map[string]any{"first_name": "Ann", "last_name": "Lee", "email": "ann@lee.example", "phone_number": "+1 555 0100",
		"address": "1 Main St", "city": "Austin", "state": "TX", "zip": "73301", "country": "US"}
	contoso := e.accountNamed("Contoso Reseller")
	var ids []string
	e.sb.mu.RLock()
	for _, a := range e.sb.st.Accounts {
		if a.ParentID == contoso && !a.paid() && a.Options.PayMode == "master" {
			ids = append(ids, a.ID)
		}
	}
	e.sb.mu.RUnlock()
	if len(ids) < 3 {
		t.Fatalf("only %d free customers paid by Contoso", len(ids))
	}
	slices.Sort(ids)
	free := func(n int) string { return ids[n] }
	sub := func(id, typ string, hosts int) resp {
		return e.do("POST", "/v2/accounts/"+id+"/plans", tok, map[string]any{"contact": contact, "plan_base": map[string]any{"type": typ, "hosts": hosts}})
	}
	wantError(t, sub(free(0), "pro_monthly", 10), 400, 300, "Buy hosts must equal or less than 9")
	wantError(t, sub(free(0), "business_annual", 50), 400, 300, "Buy hosts must equal or less than 49")
	wantError(t, sub(free(0), "edu20", 19), 400, 300, "Buy hosts must equal or larger than 20")
	wantError(t, sub(free(0), "edu20", 150), 400, 300, "Buy hosts must equal or less than 149")
	if r := sub(free(0), "business_annual", 49); r.status != 201 {
		t.Fatalf("business with 49 hosts: %d %s", r.status, r.raw)
	}
	p := "/v2/accounts/" + free(0) + "/plans/base"
	wantError(t, e.do("PUT", p, tok, map[string]any{"type": "pro_annual", "hosts": 10}), 400, 300, "Too many hosts for pro plan type.")
	wantError(t, e.do("PUT", p, tok, map[string]any{"type": "edu20", "hosts": 12}), 400, 300, "Insufficient number of hosts for education plan type.")
	if r := e.do("PUT", p, tok, map[string]any{"type": "business_plus_annual", "hosts": 400}); r.status != 204 {
		t.Fatalf("business plus with 400 hosts: %d %s", r.status, r.raw)
	}
	// A code Zoom may know and the catalogue does not: opaque.
	if r := sub(free(1), "business_quarterly_2031", 3); r.status != 201 {
		t.Fatalf("an opaque code: %d %s", r.status, r.raw)
	}
	// A Free trial cannot be changed.
	if r := sub(free(2), "trial", 100); r.status != 201 {
		t.Fatalf("trial: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("PUT", "/v2/accounts/"+free(2)+"/plans/base", tok, map[string]any{"type": "trial", "hosts": 200}), 400, 200,
		"Free trial and VIP account can't update sub plan.")
	// Add-ons of the catalogue are listed under the catalogue's field.
	if r := e.do("POST", "/v2/accounts/"+free(0)+"/plans/addons", tok, map[string]any{"type": "roomconnector_monthly", "hosts": 2}); r.status != 201 ||
		r.body["plan_room_connector"] == nil {
		t.Fatalf("room connector add-on: %d %s", r.status, r.raw)
	}
	// The request log keeps each change's body, passwords left out.
	var subscribes []string
	for _, r := range e.sb.Requests() {
		if r.Method == "POST" && r.Path == "/v2/accounts/"+free(0)+"/plans" {
			subscribes = append(subscribes, r.Body)
		}
		if r.Method == "GET" && r.Body != "" {
			t.Errorf("a read has a body in the log: %+v", r)
		}
	}
	if len(subscribes) != 5 || !strings.Contains(subscribes[4], `"hosts":49`) || !strings.Contains(subscribes[4], `"type":"business_annual"`) {
		t.Fatalf("logged subscribe bodies: %q", subscribes)
	}
	e.do("POST", "/v2/accounts/"+free(1)+"/users", tok, map[string]any{"action": "autoCreate",
		"user_info": map[string]any{"email": "pw@lee.example", "type": 1, "password": "Secret-Pass-9xq"}})
	recs := e.sb.Requests()
	if last := recs[len(recs)-1]; strings.Contains(last.Body, "Secret-Pass") || !strings.Contains(last.Body, `"password":"…"`) {
		t.Fatalf("a password in the log: %q", last.Body)
	}
}
