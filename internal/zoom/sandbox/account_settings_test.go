package sandbox

import (
	"testing"
)

func TestAccountSettings(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("admin@contoso.example")
	paid := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	free := e.customerOf("Contoso Reseller", func(a *account) bool { return !a.paid() })
	base := "/v2/accounts/" + paid + "/settings"

	r := e.do("GET", base, tok, nil)
	if r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	for _, sec := range []string{"schedule_meeting", "in_meeting", "email_notification", "zoom_rooms", "security", "recording", "telephony", "integration", "feature", "tsp", "profile"} {
		if _, ok := r.body[sec].(map[string]any); !ok {
			t.Errorf("section %s missing", sec)
		}
	}
	for _, k := range []string{"meeting_authentication", "meeting_security", "in_session", "session_security"} {
		if _, ok := r.body[k]; ok {
			t.Errorf("%s shown without option", k)
		}
	}
	r = e.do("GET", base+"?option=meeting_authentication", tok, nil)
	wantTypes(t, r.body, map[string]string{"meeting_authentication": "bool", "authentication_options": "array"})
	r = e.do("GET", base+"?option=security", tok, nil)
	wantTypes(t, r.body, map[string]string{"security": "object"})
	r = e.do("GET", base+"?option=meeting_security", tok, nil)
	wantTypes(t, r.body, map[string]string{"meeting_security": "object"})
	wantError(t, e.do("GET", base+"?option=bogus", tok, nil), 400, 300, "Invalid parameter: option")
	r = e.do("GET", base+"?custom_query_fields=host_video,participant_video", tok, nil)
	if len(r.body) != 1 || len(r.body["schedule_meeting"].(map[string]any)) != 2 {
		t.Errorf("custom_query_fields: %s", r.raw)
	}

	// Partial update, then read back.
	patch := map[string]any{"schedule_meeting": map[string]any{"host_video": true, "audio_type": "voip"}, "recording": map[string]any{"auto_recording": "cloud"}}
	if r := e.do("PATCH", base, tok, patch); r.status != 204 {
		t.Fatalf("patch: %d %s", r.status, r.raw)
	}
	r = e.do("GET", base, tok, nil)
	sm := r.body["schedule_meeting"].(map[string]any)
	if sm["host_video"] != true || sm["audio_type"] != "voip" || sm["participant_video"] != false {
		t.Errorf("after patch: %v", sm)
	}
	r = e.do("PATCH", base, tok, map[string]any{"schedule_meeting": map[string]any{"audio_type": "pigeon", "jbh_time": 7}, "in_meeting": map[string]any{"chat": "yes"}})
	wantError(t, r, 400, 300, "Validation Failed.")
	if n := len(r.body["errors"].([]any)); n != 3 {
		t.Errorf("want 3 field errors, got %s", r.raw)
	}
	if r := e.do("GET", base, tok, nil); r.body["schedule_meeting"].(map[string]any)["audio_type"] != "voip" {
		t.Error("a failed PATCH changed settings")
	}
	wantError(t, e.do("PATCH", base+"?option=meeting_security", tok, map[string]any{"meeting_security": map[string]any{"block_user_domain_list": []string{"not a domain"}}}),
		400, 300, "The domains provided are invalid. If you are providing multiple domains, separate each domain with a comma.")
	if r := e.do("PATCH", base+"?option=meeting_authentication", tok, map[string]any{"meeting_authentication": true,
		"authentication_option": map[string]any{"action": "add", "name": "Staff", "type": "enforce_login_with_domains", "domains": "contoso.example"}}); r.status != 204 {
		t.Fatalf("add auth option: %d %s", r.status, r.raw)
	}
	r = e.do("GET", base+"?option=meeting_authentication", tok, nil)
	if r.body["meeting_authentication"] != true || len(r.body["authentication_options"].([]any)) != 2 {
		t.Errorf("auth options: %s", r.raw)
	}
	wantError(t, e.do("PATCH", base, tok, "nope"), 400, 300, "Request Body should be a valid JSON object.")

	// A field Zoom's type does not have is refused with code 300, naming it; so is one of
	// another option's variant sent without the option.
	for _, tc := range []struct {
		query string
		body  map[string]any
		field string
	}{
		{"", map[string]any{"in_meeting": map[string]any{"waiting_room": true}}, "in_meeting.waiting_room"},
		{"", map[string]any{"schedule_meeting": map[string]any{"participants_video": true}}, "schedule_meeting.participants_video"},
		{"", map[string]any{"meeting_security": map[string]any{"waiting_room": true}}, "meeting_security"},
		{"?option=meeting_security", map[string]any{"meeting_security": map[string]any{"waiting_rooms": true}}, "meeting_security.waiting_rooms"},
		{"?option=meeting_security", map[string]any{"meeting_security": map[string]any{"encryption_type": "rot13"}}, "meeting_security.encryption_type"},
	} {
		r := e.do("PATCH", base+tc.query, tok, tc.body)
		wantError(t, r, 400, 300, "Validation Failed.")
		if errs, _ := r.body["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != tc.field {
			t.Errorf("PATCH%s %v: %s, want the field %s named", tc.query, tc.body, r.raw, tc.field)
		}
	}
	if r := e.do("PATCH", base+"?option=meeting_security", tok, map[string]any{"meeting_security": map[string]any{"waiting_room": false}}); r.status != 204 {
		t.Fatalf("meeting_security patch: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", base+"?option=meeting_security", tok, nil); r.body["meeting_security"].(map[string]any)["waiting_room"] != false {
		t.Errorf("meeting_security after patch: %s", r.raw)
	}

	// Free accounts, me, and the tier rule.
	wantError(t, e.do("GET", "/v2/accounts/"+free+"/settings", tok, nil), 400, 200, "Only available for Paid account.")
	if r := e.do("GET", "/v2/accounts/me/settings", tok, nil); r.status != 200 || r.body["in_meeting"] == nil {
		t.Errorf("me settings: %d %s", r.status, r.raw)
	}
	support := e.token("support@contoso.example")
	wantError(t, e.do("GET", "/v2/accounts/me/settings", support, nil), 400, 4711, "")
}

func TestLockSettingsAndDomains(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@northwind.example")
	paid := e.customerOf("Northwind Distribution", func(a *account) bool { return a.paid() })
	free := e.customerOf("Northwind Distribution", func(a *account) bool { return !a.paid() })
	r := e.do("GET", "/v2/accounts/"+paid+"/lock_settings", tok, nil)
	if r.status != 200 || r.body["schedule_meeting"].(map[string]any)["host_video"] != false {
		t.Fatalf("lock settings: %d %s", r.status, r.raw)
	}
	if r := e.do("PATCH", "/v2/accounts/"+paid+"/lock_settings", tok, map[string]any{"schedule_meeting": map[string]any{"host_video": true}}); r.status != 204 {
		t.Fatalf("patch lock: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/accounts/"+paid+"/lock_settings?option=meeting_security", tok, nil); r.body["meeting_security"] == nil {
		t.Errorf("lock meeting_security: %s", r.raw)
	}
	if r := e.do("GET", "/v2/accounts/"+paid+"/lock_settings", tok, nil); r.body["schedule_meeting"].(map[string]any)["host_video"] != true {
		t.Error("lock not saved")
	}
	wantError(t, e.do("PATCH", "/v2/accounts/"+paid+"/lock_settings", tok, map[string]any{"schedule_meeting": map[string]any{"host_video": "locked"}}), 400, 300, "Validation Failed.")
	wantError(t, e.do("GET", "/v2/accounts/"+free+"/lock_settings", tok, nil), 400, 200, "Only available for paid account: "+free)

	r = e.do("GET", "/v2/accounts/"+paid+"/managed_domains", tok, nil)
	wantTypes(t, r.body, map[string]string{"total_records": "number", "domains": "array"})
	d := r.body["domains"].([]any)[0].(map[string]any)
	if d["status"] != "verified" || d["domain"] == "" {
		t.Errorf("domain %v", d)
	}
	wantError(t, e.do("GET", "/v2/accounts/"+free+"/managed_domains", tok, nil), 400, 200, "Only available for paid account")
	r = e.do("GET", "/v2/accounts/"+paid+"/trusted_domains", tok, nil)
	wantTypes(t, r.body, map[string]string{"trusted_domains": "array"})
	if r := e.do("GET", "/v2/accounts/me/managed_domains", tok, nil); r.status != 200 {
		t.Errorf("me managed domains: %d", r.status)
	}
}

func TestOptionsAndOwner(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@fabrikam.example")
	paid := e.customerOf("Fabrikam Reseller", func(a *account) bool { return a.paid() })
	free := e.customerOf("Fabrikam Reseller", func(a *account) bool { return !a.paid() && a.Options.PayMode == "master" })
	wantError(t, e.do("PATCH", "/v2/accounts/"+paid+"/options", tok, map[string]any{"pay_mode": flipPay(e, paid)}), 400, 200,
		"The pay mode cannot be updated for a sub account which already has an existing plan")
	if r := e.do("PATCH", "/v2/accounts/"+free+"/options", tok, map[string]any{"pay_mode": "sub", "share_mc": true, "meeting_connector_list": []string{"10.1.1.1"}}); r.status != 204 {
		t.Fatalf("options: %d %s", r.status, r.raw)
	}
	o := e.do("GET", "/v2/accounts/"+free, tok, nil).body["options"].(map[string]any)
	if o["pay_mode"] != "sub" || o["share_mc"] != true || o["meeting_connector_list"].([]any)[0] != "10.1.1.1" {
		t.Errorf("options after patch %v", o)
	}

	// Owner change: an admin of the account becomes owner; others are refused.
	var admin, member, outsider string
	e.sb.mu.RLock()
	for _, u := range e.sb.st.usersOf(paid) {
		switch {
		case u.Role == roleAdmin && admin == "":
			admin = u.Email
		case u.Role == roleMember && member == "":
			member = u.Email
		}
	}
	outsider = "owner@contoso.example"
	e.sb.mu.RUnlock()
	if admin == "" {
		t.Fatalf("the seed has no admin in paid customer %s: the owner change cannot be tested", paid)
	}
	wantError(t, e.do("PUT", "/v2/accounts/"+paid+"/owner", tok, map[string]any{"email": member}), 400, 200,
		"User is not an admin or is an API user or doesn't belong to this account: "+paid+".")
	wantError(t, e.do("PUT", "/v2/accounts/"+paid+"/owner", tok, map[string]any{"email": outsider}), 400, 200, "Cannot make a user outside of your account an owner.")
	if r := e.do("PUT", "/v2/accounts/"+paid+"/owner", tok, map[string]any{"email": admin}); r.status != 204 {
		t.Fatalf("owner: %d %s", r.status, r.raw)
	}
	if g := e.do("GET", "/v2/accounts/"+paid, tok, nil); g.body["owner_email"] != admin {
		t.Errorf("owner_email %v, want %s", g.body["owner_email"], admin)
	}
	wantError(t, e.do("PUT", "/v2/accounts/"+paid+"/owner", tok, map[string]any{"email": admin}), 400, 200, "Cannot update the role of an account owner.")
}

// flipPay returns the other pay mode of an account.
func flipPay(e *env, id string) string {
	e.sb.mu.RLock()
	defer e.sb.mu.RUnlock()
	if e.sb.st.Accounts[id].Options.PayMode == "master" {
		return "sub"
	}
	return "master"
}
