package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// A user's settings page lists every setting of Zoom's user settings (the meeting_security
// section too); a change is checked against the catalogue (a value Zoom would not take is
// refused on its row, nothing sent), reviewed, then sent as one audited change per PATCH (the
// plain settings, then meeting_security with its option), and each value reads back from
// Zoom. A pending user has no settings, and the page says why.
func TestUserSettingsPageEveryZoomSetting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	owner.get(usersURLOf(e, c))
	var member, pending sandbox.UserInfo
	for _, u := range e.Sandbox.Users() {
		switch {
		case u.AccountID != c.ZoomAccountID || u.Role != "Member":
		case u.Status == "active" && member.ID == "":
			member = u
		case u.Status == "pending" && pending.Email == "":
			pending = u
		}
	}
	if member.ID == "" {
		t.Fatal("no active member in the customer")
	}
	page := usersURLOf(e, c) + "/" + member.ID + "/settings"
	got := owner.get(page)
	rows := got.Doc().Find(`[data-testid="setting-row"]`).Length()
	if got.StatusCode != http.StatusOK || rows < 200 || !strings.Contains(got.TestID("user-settings-of"), member.Email) ||
		got.Doc().Find(`[data-setting-section="meeting_security"]`).Length() != 1 {
		t.Fatalf("the user's settings page: %d, %d rows, %q", got.StatusCode, rows, got.TestID("settings-note"))
	}
	if user := owner.get(usersURLOf(e, c) + "/" + member.ID); user.Doc().Find(`[data-testid="all-user-settings"]`).AttrOr("href", "") == "" {
		t.Error("the user's page does not link to every setting")
	}
	// A value Zoom would not take: refused on its row, the input kept, nothing sent.
	patches := func() []sandbox.RequestRecord {
		return e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+c.ZoomAccountID+"/users/"+member.ID+"/settings")
	}
	bad := owner.post(page+"/review", url.Values{"set.in_meeting.entry_exit_chime": {"sometimes"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-in_meeting.entry_exit_chime") == "" ||
		bad.Doc().Find(`#s-in_meeting\.entry_exit_chime`).Length() != 1 || len(patches()) != 0 {
		t.Fatalf("a value Zoom would not take: %d %q, %d PATCHes", bad.StatusCode, bad.TestID("error-in_meeting.entry_exit_chime"), len(patches()))
	}
	// Two changes in two variants: reviewed, then sent.
	room := got.Doc().Find(`#s-meeting_security\.waiting_room option[selected]`).AttrOr("value", "")
	flip := map[string]string{"true": "false", "false": "true"}[room]
	chime := got.Doc().Find(`#s-in_meeting\.entry_exit_chime option[selected]`).AttrOr("value", "")
	newChime := "none"
	if chime == "none" {
		newChime = "all"
	}
	form := url.Values{"set.meeting_security.waiting_room": {flip}, "set.in_meeting.entry_exit_chime": {newChime}}
	review := owner.post(page+"/review", form)
	if review.StatusCode != http.StatusOK || review.Doc().Find(`[data-testid="review-row"]`).Length() != 2 || len(patches()) != 0 {
		t.Fatalf("the review: %d, %d rows, %d PATCHes", review.StatusCode, review.Doc().Find(`[data-testid="review-row"]`).Length(), len(patches()))
	}
	sent := url.Values{}
	review.Doc().Find(`[data-testid="settings-review"] form input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		sent.Add(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	done := owner.post(page, sent)
	if done.StatusCode != http.StatusSeeOther || !strings.Contains(owner.get(done.location(t)).Body, "2 changes to the settings of "+member.Email+" made in Zoom.") {
		t.Fatalf("send: %d", done.StatusCode)
	}
	if ps := patches(); len(ps) != 2 || ps[0].Query != "" || ps[1].Query != "option=meeting_security" {
		t.Fatalf("PATCHes Zoom received: %+v", ps)
	}
	_, plain := umZoom(t, e, p.ZoomAccountID, http.MethodGet, "/accounts/"+c.ZoomAccountID+"/users/"+member.ID+"/settings", nil)
	_, ms := umZoom(t, e, p.ZoomAccountID, http.MethodGet, "/accounts/"+c.ZoomAccountID+"/users/"+member.ID+"/settings?option=meeting_security", nil)
	if v, _ := jsonAt(plain, "in_meeting.entry_exit_chime"); v != newChime {
		t.Errorf("entry/exit chime in Zoom: %v, want %s", v, newChime)
	}
	if v, _ := jsonAt(ms, "meeting_security.waiting_room"); v != (flip == "true") {
		t.Errorf("waiting room in Zoom: %v, want %s", v, flip)
	}
	evs := auditOf(t, e, p.ID, "user.settings")
	if len(evs) != 2 || evs[0].Outcome != store.OutcomeSucceeded || evs[1].Outcome != store.OutcomeSucceeded || evs[0].TargetLabel != member.Email {
		t.Fatalf("audit: %+v", evs)
	}
	// A pending user.
	if pending.Email != "" {
		if got := owner.get(usersURLOf(e, c) + "/" + url.PathEscape(pending.Email) + "/settings"); got.StatusCode != http.StatusOK ||
			!strings.Contains(got.TestID("settings-note"), "pending user has no settings") {
			t.Errorf("a pending user's settings page: %d %q", got.StatusCode, got.TestID("settings-note"))
		}
		// A change for them is refused, nothing sent, and the refusal audited.
		sent := owner.post(usersURLOf(e, c)+"/"+url.PathEscape(pending.Email)+"/settings", url.Values{"set.in_meeting.chat": {"false"}})
		evs := auditOf(t, e, p.ID, "user.settings")
		if sent.StatusCode != http.StatusConflict || len(evs) != 3 || evs[0].Outcome != store.OutcomeFailed || evs[0].TargetLabel != pending.Email ||
			!strings.Contains(string(evs[0].Details), "pending user has no settings") {
			t.Errorf("a change of a pending user's settings: %d, audit %+v", sent.StatusCode, evs)
		}
	}
}
