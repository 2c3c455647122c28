package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom/spec"
)

// The shape test (issue 17): every answer the sandbox gives that Zoom's published types cover
// (internal/zoom/spec: settings, locks, users, domains, a created user, the email check) is
// checked against the type of that answer, so that the sandbox cannot drift from Zoom again.
// Zoom's SDK publishes no types for the primary account's own endpoints (sub accounts, their
// plans and billing), so those answers are checked by the conformance tests against
// ZOOM_API.md instead:
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
//     for list items) plus those ZOOM_API.md §2.2 and §2.4 say every user has (alwaysUser):
//     most of the user object is optional and absent when empty.

// alwaysUser are the fields of a user (GET user, and each list item but for a pending user's
// id) that ZOOM_API.md §2.2 and §2.4 list for every user.
var alwaysUser = []string{"id", "first_name", "last_name", "email", "type", "pmi", "timezone", "verified", "created_at", "status", "role_id"}

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

func TestEveryAnswerHasZoomsShape(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("admin@contoso.example")
	paid := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	acct := "/v2/accounts/" + paid
	licensed := e.seededUser(paid, func(u *user) bool { return u.Type == 2 && u.Status == statusActive })
	basic := e.seededUser(paid, func(u *user) bool { return u.Type == 1 && u.Status == statusActive })

	type check struct {
		path   string
		kind   *spec.Catalogue
		option string
		always []string
	}
	var checks []check
	settings := func(path string, c *spec.Catalogue) {
		for _, o := range c.Options(true) {
			q := path
			if o != "" {
				q += "?option=" + o
			}
			checks = append(checks, check{q, c, o, alwaysSent(c, o)})
		}
	}
	settings(acct+"/settings", spec.AccountSettings)
	settings(acct+"/lock_settings", spec.LockSettings)
	for _, u := range []*user{licensed, basic} {
		settings(acct+"/users/"+u.ID+"/settings", spec.UserSettings)
		checks = append(checks, check{acct + "/users/" + u.ID, spec.User, "", alwaysUser})
	}
	// The caller's own account and user, through /accounts/me and /users/...
	settings("/v2/accounts/me/settings", spec.AccountSettings)
	settings("/v2/users/me/settings", spec.UserSettings)
	checks = append(checks,
		check{"/v2/users?page_size=300", spec.UserList, "", []string{"users"}},
		check{"/v2/users/me", spec.User, "", alwaysUser},
		check{acct + "/users?page_size=300", spec.UserList, "", []string{"page_size", "total_records", "next_page_token", "users"}},
		check{acct + "/users?page_size=300&include_fields=host_key,custom_attributes", spec.UserList, "", []string{"users"}},
		check{acct + "/users?status=pending", spec.UserList, "", []string{"users"}},
		check{acct + "/users?status=inactive", spec.UserList, "", []string{"users"}},
		check{acct + "/managed_domains", spec.ManagedDomains, "", []string{"domains", "total_records"}},
		check{acct + "/trusted_domains", spec.TrustedDomains, "", []string{"trusted_domains"}},
		check{"/v2/users/email?email=" + licensed.Email, spec.UserEmail, "", []string{"existed_email"}},
	)

	run := func(stage string) {
		t.Helper()
		for _, c := range checks {
			e.clock.Add(time.Second) // Zoom's per-second rate limits: one call a second of the fake clock
			r := e.do("GET", c.path, tok, nil)
			if r.status != 200 {
				t.Errorf("%s: GET %s: %d %s", stage, c.path, r.status, r.raw)
				continue
			}
			for _, m := range c.kind.CheckShape(c.option, r.body) {
				t.Errorf("%s: GET %s: %s", stage, c.path, m)
			}
			if m := missing(r.body, c.always); len(m) > 0 {
				t.Errorf("%s: GET %s lacks what Zoom always sends: %s", stage, c.path, strings.Join(m, ", "))
			}
			if c.kind == spec.UserList {
				items, _ := r.body["users"].([]any)
				for _, it := range items {
					u := it.(map[string]any)
					want := alwaysUser
					if u["status"] == statusPending {
						want = want[1:] // a pending user has no id yet
					}
					if m := missing(u, want); len(m) > 0 {
						t.Errorf("%s: GET %s: user %v lacks %s", stage, c.path, u["email"], strings.Join(m, ", "))
					}
				}
			}
		}
	}
	run("new account")

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

	// A user created: the answer of POST /users has Zoom's shape.
	e.clock.Add(time.Second)
	r := e.do("POST", acct+"/users", tok, map[string]any{"action": "create",
		"user_info": map[string]any{"email": "shape.check@contoso-shape.example", "type": 1, "first_name": "Shape", "last_name": "Check"}})
	if r.status != 201 {
		t.Fatalf("POST %s/users: %d %s", acct, r.status, r.raw)
	}
	for _, m := range spec.CreatedUser.CheckShape("", r.body) {
		t.Errorf("POST %s/users: %s", acct, m)
	}
	if m := missing(r.body, []string{"id", "email", "type", "first_name", "last_name"}); len(m) > 0 {
		t.Errorf("POST %s/users lacks %s", acct, strings.Join(m, ", "))
	}
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
