package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom/spec"
)

// The shape test (issue 17): every answer the sandbox gives is checked against the type of
// that answer in internal/zoom/spec: Zoom's published types (settings, locks, users, domains,
// a created user, the email check) and, for the primary account's own endpoints (sub
// accounts, billing contact, plans), the error body and the token answer, which Zoom's SDK
// has no types for, the hand-kept ones (spec/testdata/primary). Every route the sandbox serves
// with a body must be among the checks (TestEveryAnswerHasZoomsShape fails on one that is
// not), so that the sandbox cannot drift from Zoom again:
//
//   - no field Zoom's type does not have, and every value of the field's type and enum
//     (spec.CheckShape, which also reports a field the type requires that is missing);
//   - no field missing that Zoom always sends (alwaysSent).
//
// "Always sends" is decided per answer, as far as Zoom documents it:
//
//   - settings (account, lock, user, each option variant): every field of the variant, at
//     every depth, except the fields of array elements (a list may be empty) and the fields
//     Zoom answers for some accounts only (spec.Field.PlanOnly: add-ons, Video SDK, webinar
//     licences). Zoom's web portal shows every setting of a Business account, and its API
//     answers the same object, so an emulated Business account carries them all.
//   - the user object and the list of users: the fields Zoom's type requires (type, and email
//     for list items) plus those every user has (alwaysUser): most of the user object is
//     optional and absent when empty.
//   - sub accounts, billing and plans: what Zoom's documentation lists for every answer
//     (alwaysAccount for list items; the rest in the checks). A free sub account has no
//     subscription dates and no plans.

// alwaysUser are the fields of a user (GET user, and each list item but for a pending user's
// id) that Zoom documents for every user.
var alwaysUser = []string{"id", "first_name", "last_name", "email", "type", "pmi", "timezone", "verified", "created_at", "status", "role_id"}

// alwaysAccount are the fields of every item of the sub-account list.
var alwaysAccount = []string{"id", "account_name", "owner_email", "account_type", "seats", "created_at", "account_number"}

// alwaysSent lists the paths of a variant that the answer must carry.
func alwaysSent(c *spec.Catalogue, option string) []string {
	var out []string
	for _, f := range c.Fields(option) {
		if strings.Contains(f.Path, "[]") || f.PlanOnly() != "" {
			continue
		}
		if option == "security" && f.Section() != "security" {
			continue
		}
		out = append(out, f.Path)
	}
	return out
}

// missing returns the paths of want that v does not carry.
func missing(v map[string]any, want []string) []string {
	var out []string
	for _, p := range want {
		var cur any = v
		for _, el := range strings.Split(p, ".") {
			m, _ := cur.(map[string]any)
			cur = m[el]
			if cur == nil {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// shapeCheck is one answer of the sandbox checked against a catalogue.
type shapeCheck struct {
	route       string // the route it covers: "GET /v2/accounts/{accountId}/settings"
	method      string
	path        string
	body        any // for a POST
	status      int // what it must answer
	kind        *spec.Catalogue
	option      string
	always      []string
	items       string // a list's items, checked against itemsAlways
	itemsAlways []string
}

func TestEveryAnswerHasZoomsShape(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("admin@contoso.example")
	paid := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	acct := "/v2/accounts/" + paid
	const tAcct = "/v2/accounts/{accountId}"
	licensed := e.seededUser(paid, func(u *user) bool { return u.Type == 2 && u.Status == statusActive })
	basic := e.seededUser(paid, func(u *user) bool { return u.Type == 1 && u.Status == statusActive })

	var checks []shapeCheck
	get := func(route, path string, c *spec.Catalogue, always ...string) {
		checks = append(checks, shapeCheck{route: "GET " + route, method: "GET", path: path, status: 200, kind: c, always: always})
	}
	settings := func(route, path string, c *spec.Catalogue) {
		for _, o := range c.Options(true) {
			q := path
			if o != "" {
				q += "?option=" + o
			}
			checks = append(checks, shapeCheck{route: "GET " + route, method: "GET", path: q, status: 200, kind: c, option: o, always: alwaysSent(c, o)})
		}
	}
	settings(tAcct+"/settings", acct+"/settings", spec.AccountSettings)
	settings(tAcct+"/lock_settings", acct+"/lock_settings", spec.LockSettings)
	for _, u := range []*user{licensed, basic} {
		settings(tAcct+"/users/{userId}/settings", acct+"/users/"+u.ID+"/settings", spec.UserSettings)
		get(tAcct+"/users/{userId}", acct+"/users/"+u.ID, spec.User, alwaysUser...)
	}
	// The caller's own account and user, through /accounts/me and /users/...
	settings(tAcct+"/settings", "/v2/accounts/me/settings", spec.AccountSettings)
	settings("/v2/users/{userId}/settings", "/v2/users/me/settings", spec.UserSettings)
	users := func(route, path string, always ...string) {
		checks = append(checks, shapeCheck{route: "GET " + route, method: "GET", path: path, status: 200, kind: spec.UserList,
			always: always, items: "users", itemsAlways: alwaysUser})
	}
	users("/v2/users", "/v2/users?page_size=300", "users")
	get("/v2/users/{userId}", "/v2/users/me", spec.User, alwaysUser...)
	users(tAcct+"/users", acct+"/users?page_size=300", "page_size", "total_records", "next_page_token", "users")
	users(tAcct+"/users", acct+"/users?page_size=300&include_fields=host_key,custom_attributes", "users")
	users(tAcct+"/users", acct+"/users?status=pending", "users")
	users(tAcct+"/users", acct+"/users?status=inactive", "users")
	get(tAcct+"/managed_domains", acct+"/managed_domains", spec.ManagedDomains, "domains", "total_records")
	get(tAcct+"/trusted_domains", acct+"/trusted_domains", spec.TrustedDomains, "trusted_domains")
	get("/v2/users/email", "/v2/users/email?email="+licensed.Email, spec.UserEmail, "existed_email")
	// A user created, in a sub account and in the caller's own account.
	for _, p := range []struct{ route, path, email string }{
		{tAcct + "/users", acct + "/users", "shape.check@contoso-shape.example"},
		{"/v2/users", "/v2/users", "shape.own@contoso.example"},
	} {
		checks = append(checks, shapeCheck{route: "POST " + p.route, method: "POST", path: p.path, status: 201, kind: spec.CreatedUser,
			body:   map[string]any{"action": "create", "user_info": map[string]any{"email": p.email, "type": 1, "first_name": "Shape", "last_name": "Check"}},
			always: []string{"id", "email", "type", "first_name", "last_name"}})
	}
	// The primary account API (hand-kept shapes).
	for _, q := range []string{"?page_size=300", "?page_size=5"} {
		checks = append(checks, shapeCheck{route: "GET /v2/accounts", method: "GET", path: "/v2/accounts" + q, status: 200, kind: spec.SubAccountList,
			always: []string{"page_count", "page_number", "page_size", "total_records", "next_page_token", "accounts"}, items: "accounts", itemsAlways: alwaysAccount})
	}
	get(tAcct, acct, spec.SubAccount, "id", "owner_id", "owner_email", "created_at", "options", "options.pay_mode", "options.billing_auto_renew", "options.share_rc", "options.share_mc")
	get(tAcct+"/billing", acct+"/billing", spec.BillingContact, "first_name", "last_name", "email", "phone_number", "address", "city", "state", "zip", "country")
	get(tAcct+"/plans", acct+"/plans", spec.Plans, "plan_base", "plan_base.type", "plan_base.hosts", "plan_base.status")
	get(tAcct+"/plans/usage", acct+"/plans/usage", spec.PlanUsage, "plan_base")

	// A new sub account paid by the primary, given a plan and an add-on: the answers of the
	// three POSTs, and of GET plans before and after.
	contact := map[string]any{"first_name": "Shape", "last_name": "Check", "email": "billing@shape-check.example", "phone_number": "+1 555 0100",
		"address": "1 Main Street", "city": "Seattle", "state": "WA", "zip": "98101", "country": "US"}
	checks = append(checks, shapeCheck{route: "POST /v2/accounts", method: "POST", path: "/v2/accounts", status: 201, kind: spec.CreatedSubAccount,
		body: map[string]any{"first_name": "Shape", "last_name": "Check", "email": "owner@shape-check.example", "password": "Xy7!kq2Lm",
			"account_name": "Shape Check", "options": map[string]any{"pay_mode": "master"}},
		always: []string{"id", "owner_id", "owner_email", "created_at"}})
	const created = "{created}" // the id POST /accounts answers, filled in when it has
	get(tAcct+"/plans", "/v2/accounts/"+created+"/plans", spec.Plans)
	checks = append(checks,
		shapeCheck{route: "POST " + tAcct + "/plans", method: "POST", path: "/v2/accounts/" + created + "/plans", status: 201, kind: spec.Plans,
			body: map[string]any{"contact": contact, "plan_base": map[string]any{"type": "business_monthly", "hosts": 10}}, always: []string{"plan_base"}},
		shapeCheck{route: "POST " + tAcct + "/plans/addons", method: "POST", path: "/v2/accounts/" + created + "/plans/addons", status: 201, kind: spec.Plans,
			body: map[string]any{"type": "webinar500_monthly", "hosts": 1}, always: []string{"plan_base", "plan_webinar"}})
	get(tAcct+"/plans/usage", "/v2/accounts/"+created+"/plans/usage", spec.PlanUsage, "plan_base", "plan_webinar")

	// Refusals: each error body has Zoom's shape (a route refused is covered by its own
	// success above).
	refusal := func(method, path string, body any, status int, always ...string) {
		checks = append(checks, shapeCheck{method: method, path: path, body: body, status: status, kind: spec.ErrorBody, always: always})
	}
	refusal("GET", "/v2/accounts/nobody-here", nil, 404, "code", "message")
	refusal("GET", "/v2/nothing", nil, 404, "code", "message")
	refusal("PATCH", acct+"/settings", map[string]any{"in_meeting": map[string]any{"no_such_setting": true}}, 400, "code", "message")
	refusal("POST", acct+"/users", map[string]any{"action": "create", "user_info": map[string]any{"email": "not an email", "type": 1}}, 400, "code", "message", "errors")

	run := func(stage string) {
		t.Helper()
		newID := ""
		for _, c := range checks {
			path := c.path
			if strings.Contains(path, created) {
				if newID == "" {
					continue // the stage that creates no sub account
				}
				path = strings.ReplaceAll(path, created, newID)
			}
			if c.method == "POST" && stage != "new account" && c.route != "" {
				continue
			}
			e.clock.Add(time.Second) // Zoom's per-second rate limits: one call a second of the fake clock
			r := e.do(c.method, path, tok, c.body)
			if r.status != c.status {
				t.Errorf("%s: %s %s: %d %s", stage, c.method, path, r.status, r.raw)
				continue
			}
			if c.kind == spec.CreatedSubAccount {
				newID, _ = r.body["id"].(string)
			}
			for _, m := range c.kind.CheckShape(c.option, r.body) {
				t.Errorf("%s: %s %s: %s", stage, c.method, path, m)
			}
			if m := missing(r.body, c.always); len(m) > 0 {
				t.Errorf("%s: %s %s lacks what Zoom always sends: %s", stage, c.method, path, strings.Join(m, ", "))
			}
			if c.items == "" {
				continue
			}
			items, _ := r.body[c.items].([]any)
			if len(items) == 0 {
				t.Errorf("%s: %s %s: no %s to check", stage, c.method, path, c.items)
			}
			for _, it := range items {
				v := it.(map[string]any)
				want := c.itemsAlways
				if c.kind == spec.UserList && v["status"] == statusPending {
					want = want[1:] // a pending user has no id yet
				}
				if c.kind == spec.SubAccountList && v["account_type"] != "Free" {
					want = append(want[:len(want):len(want)], "subscription_start_time", "subscription_end_time")
				}
				if m := missing(v, want); len(m) > 0 {
					t.Errorf("%s: %s %s: %v lacks %s", stage, c.method, path, v["email"], strings.Join(m, ", "))
				}
			}
		}
	}
	run("new account")

	// Every route the sandbox answers with a body is among the checks.
	covered := map[string]bool{}
	for _, c := range checks {
		covered[c.route] = true
	}
	for _, rt := range e.sb.apiRoutes() {
		if rt.ok != 204 && !covered[rt.method+" "+rt.path] {
			t.Errorf("%s %s answers %d with a body, which the shape test does not check: add it", rt.method, rt.path, rt.ok)
		}
	}

	// The token answer of a sign-in (which ends the earlier token, as Zoom's re-authorization
	// does).
	tokAnswer := e.signIn("admin@contoso.example")
	tok, _ = tokAnswer["access_token"].(string)
	for _, m := range spec.Token.CheckShape("", tokAnswer) {
		t.Errorf("POST /oauth/token: %s", m)
	}
	if m := missing(tokAnswer, []string{"access_token", "token_type", "refresh_token", "expires_in", "scope"}); len(m) > 0 {
		t.Errorf("POST /oauth/token lacks %s", strings.Join(m, ", "))
	}

	// Changed settings keep the shape.
	for _, p := range []struct {
		path string
		body map[string]any
	}{
		{acct + "/settings", map[string]any{"in_meeting": map[string]any{"chat": false, "entry_exit_chime": "all"},
			"chat": map[string]any{"allow_delete_message": map[string]any{"enable": true, "time": 30}}}},
		{acct + "/settings?option=meeting_security", map[string]any{"meeting_security": map[string]any{"waiting_room": false, "block_user_domain_list": []string{"spam.example"}}}},
		{acct + "/settings?option=security", map[string]any{"security": map[string]any{"password_requirement": map[string]any{"minimum_password_length": 10}}}},
		{acct + "/lock_settings", map[string]any{"in_meeting": map[string]any{"chat": true}}},
		{acct + "/lock_settings?option=meeting_security", map[string]any{"meeting_security": map[string]any{"waiting_room": true}}},
		{acct + "/users/" + licensed.ID + "/settings", map[string]any{"in_meeting": map[string]any{"waiting_room": false}, "schedule_meeting": map[string]any{"participants_video": true}}},
		{acct + "/users/" + licensed.ID + "/settings?option=meeting_security", map[string]any{"meeting_security": map[string]any{"waiting_room": true}}},
	} {
		e.clock.Add(time.Second)
		if r := e.do("PATCH", p.path, tok, p.body); r.status != 204 {
			t.Fatalf("PATCH %s: %d %s", p.path, r.status, r.raw)
		}
	}
	run("after changes")

}

// TestSettingsDefaultsFollowZoomsTypes checks the defaults data: each variant has Zoom's
// shape and every field of it (array elements aside), so that every field of the plain GET
// has a value of the right type.
func TestSettingsDefaultsFollowZoomsTypes(t *testing.T) {
	for _, k := range []settingsKind{accountSettingsKind, lockSettingsKind, userSettingsKind} {
		for opt, v := range k.defaults {
			if !k.get.HasOption(opt) || opt == "security" {
				t.Errorf("%s: defaults for %q, which no GET answers", k.get.Name(), opt)
				continue
			}
			for _, m := range k.get.CheckShape(opt, v) {
				t.Errorf("%s %q defaults: %s", k.get.Name(), opt, m)
			}
			var all []string
			for _, f := range k.get.Fields(opt) {
				if !strings.Contains(f.Path, "[]") {
					all = append(all, f.Path)
				}
			}
			if m := missing(v.(map[string]any), all); len(m) > 0 {
				t.Errorf("%s %q defaults lack %s", k.get.Name(), opt, strings.Join(m, ", "))
			}
		}
		for _, opt := range k.get.Options(true) {
			if _, ok := k.defaults[baseOption(opt)]; !ok {
				t.Errorf("%s: no defaults for option %q", k.get.Name(), opt)
			}
		}
	}
}
