package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
)

// The page of a customer's owner or admin offers Deactivate, Remove and Move disabled, with
// Zoom's reason beside each (the owner's with the way to change the owner); a member's page
// offers them. Sent anyway, each is refused before anything reaches Zoom: 409 with the reason,
// and the sandbox received nothing for those users.
func TestOwnerAndAdminChangesZoomRefusesAreDisabledAndRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, _, c := contoso(t, e)
	support := staffBrowser(t, e, owner, resSupport, store.RoleSupport)
	users := usersURLOf(e, c)
	var ownerID, adminID, memberID string
	for _, u := range e.Sandbox.Users() {
		if u.AccountID != c.ZoomAccountID || u.Status != "active" {
			continue
		}
		switch u.Role {
		case "Owner":
			ownerID = u.ID
		case "Admin":
			adminID = u.ID
		case "Member":
			memberID = u.ID
		}
	}
	if ownerID == "" || adminID == "" || memberID == "" {
		t.Fatalf("customer %s: owner %q, admin %q, member %q", c.ZoomAccountID, ownerID, adminID, memberID)
	}
	if got := owner.get(users); got.StatusCode != http.StatusOK {
		t.Fatalf("users: %d", got.StatusCode)
	}
	disabled := func(p *page, id string) bool {
		_, ok := p.Doc().Find(`button[data-testid="` + id + `"]`).Attr("disabled")
		return ok
	}

	for _, tc := range []struct {
		who, id, reason string
		ownerLink       bool
	}{
		{"owner", ownerID, "the account owner", true},
		{"admin", adminID, "an admin", false},
	} {
		pg := owner.get(users + "/" + tc.id)
		if pg.StatusCode != http.StatusOK {
			t.Fatalf("%s's page: %d", tc.who, pg.StatusCode)
		}
		for _, b := range []struct{ button, reason, verb string }{
			{"deactivate", "status-blocked", "deactivate"}, {"remove-user", "remove-blocked", "remove"},
		} {
			if !disabled(pg, b.button) {
				t.Errorf("%s's page: %s is not disabled", tc.who, b.button)
			}
			if got := pg.TestID(b.reason); !strings.Contains(got, "Zoom does not let you "+b.verb+" "+tc.reason) {
				t.Errorf("%s's page: %s reads %q", tc.who, b.reason, got)
			}
			link := pg.Doc().Find(`[data-testid="`+b.reason+`-owner"]`).AttrOr("href", "")
			if (link == "/customers/"+c.ZoomAccountID+"/owner") != tc.ownerLink {
				t.Errorf("%s's page: the way to change the owner is %q", tc.who, link)
			}
		}
		if pg.Doc().Find(`form[action$="/status"], form[action$="/remove"] button[type="submit"]`).Length() != 0 {
			t.Errorf("%s's page still has a form that sends the change", tc.who)
		}
		if mv := pg.Doc().Find(`[data-testid="move-open"]`); mv.Length() != 0 && !disabled(pg, "move-open") {
			t.Errorf("%s's page offers to move them", tc.who)
		}
	}
	member := owner.get(users + "/" + memberID)
	if disabled(member, "deactivate") || disabled(member, "remove-user") || member.TestID("status-blocked") != "" {
		t.Errorf("a member's page disables their changes: %q", member.TestID("status-blocked"))
	}

	// Sent anyway (a stale page, a script): refused before Zoom, in words.
	e.waitJobsIdle()
	sentFor := func() int {
		n := 0
		for _, r := range e.Sandbox.Requests() {
			if strings.Contains(r.Path, "/users/"+ownerID) || strings.Contains(r.Path, "/users/"+adminID) {
				n++
			}
		}
		return n
	}
	before := sentFor()
	other := ""
	page, err := e.Store.Customers(t.Context(), c.PartnerID, store.CustomerFilter{PartnerID: c.PartnerID, Status: store.CustomerActive, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range page.Customers {
		if o.ID != c.ID {
			other = o.ZoomAccountID
		}
	}
	for _, tc := range []struct {
		b        *browser
		id, path string
		form     url.Values
		reason   string
	}{
		{support, ownerID, "/status", url.Values{"action": {"deactivate"}}, "Zoom does not let you deactivate the account owner"},
		{support, adminID, "/status", url.Values{"action": {"deactivate"}}, "Zoom does not let you deactivate an admin"},
		{owner, ownerID, "/remove", url.Values{"action": {"delete"}}, "Zoom does not let you remove the account owner"},
		{support, adminID, "/remove", url.Values{"action": {"disassociate"}}, "Zoom does not let you remove an admin"},
		{support, adminID, "/move", url.Values{"to": {other}}, "Zoom does not let you move an admin"},
	} {
		got := tc.b.post(users+"/"+tc.id+tc.path, tc.form)
		if got.StatusCode != http.StatusConflict || !strings.Contains(got.TestID("message-text"), tc.reason) ||
			!strings.Contains(got.TestID("message-text"), "Nothing was sent to Zoom") {
			t.Errorf("POST %s%s: %d %q", tc.id, tc.path, got.StatusCode, got.TestID("message-text"))
		}
		if back := got.Doc().Find(`[data-testid="message-action"]`).AttrOr("href", ""); back != "/customers/"+c.ZoomAccountID+"/users/"+tc.id {
			t.Errorf("POST %s%s: the way back is %q", tc.id, tc.path, back)
		}
	}
	// Each refusal is in the log, denied, with the reason.
	events, err := e.Store.AuditEvents(t.Context(), c.PartnerID, store.AuditFilter{Outcome: store.OutcomeDenied, Action: "user."})
	if err != nil {
		t.Fatal(err)
	}
	var refusals []string
	for _, ev := range events.Events {
		if strings.Contains(string(ev.Details), "Nothing was sent to Zoom") {
			refusals = append(refusals, string(ev.Action)+" "+ev.TargetID)
		}
	}
	wantRefusals := []string{"user.move " + adminID, "user.disassociate " + adminID, "user.delete " + ownerID, "user.deactivate " + adminID, "user.deactivate " + ownerID}
	if strings.Join(refusals, ", ") != strings.Join(wantRefusals, ", ") {
		t.Errorf("refusals audited: %q, want %q", refusals, wantRefusals)
	}
	if after := sentFor(); after != before {
		t.Errorf("the sandbox received %d requests about the owner and the admin", after-before)
	}
	for _, u := range e.Sandbox.Users() {
		if (u.ID == ownerID || u.ID == adminID) && (u.Status != "active" || u.AccountID != c.ZoomAccountID) {
			t.Errorf("in Zoom after the refusals: %+v", u)
		}
	}
}
