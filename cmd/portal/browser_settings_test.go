package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
)

// sandboxRequestsOf lists the requests the sandbox received with method whose path starts
// with prefix.
func sandboxRequestsOf(t *testing.T, sandboxURL, method, prefix string) []map[string]any {
	t.Helper()
	resp, err := http.Get(sandboxURL + "/_sandbox/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var all []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatalf("/_sandbox/requests: %v", err)
	}
	var out []map[string]any
	for _, r := range all {
		if r["method"] == method && strings.HasPrefix(r["path"].(string), prefix) {
			out = append(out, r)
		}
	}
	return out
}

// TestBrowserSettingsTabShowsEveryZoomSetting: a Business customer's Settings tab lists every
// section and setting of Zoom's catalogue with its value and lock; typing "waiting room"
// narrows the rows to the waiting room's settings at once; a lock changed goes through the
// review to Zoom (the lock settings' PATCH with ?option=meeting_security) and reads back
// locked. Screenshots 80–83 at 1440 and 390 px.
func TestBrowserSettingsTabShowsEveryZoomSetting(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	signInAs(t, ctx, p, "owner@northwind.example")

	// A paid (Business) customer of Northwind's own.
	db, err := pgx.Connect(context.Background(), env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var account, name string
	if err := db.QueryRow(context.Background(), `SELECT c.zoom_account_id, c.account_name FROM customers c JOIN partners p ON p.id = c.partner_id
		WHERE p.name ILIKE 'Northwind%' AND c.status = 'active' AND c.seats > 0 ORDER BY c.id LIMIT 1`).Scan(&account, &name); err != nil {
		t.Fatalf("a paid customer of Northwind: %v", err)
	}
	tab := p.URL + "/customers/" + account + "/settings"
	do(t, ctx,
		chromedp.Navigate(tab),
		chromedp.WaitVisible(css(`[data-testid="settings-form"]`)),
	)
	do(t, ctx, twoWidths("80-settings-every-section")...)
	sections := count(t, ctx, `[data-testid="setting-section"]`)
	rows := count(t, ctx, `[data-testid="setting-row"]`)
	counted := text(t, ctx, `[data-testid="settings-count"]`)
	if sections < 15 || rows < 400 || !strings.HasPrefix(strings.TrimSpace(counted), strconv.Itoa(rows)+" of "+strconv.Itoa(rows)) {
		t.Fatalf("the tab of %s: %d sections, %d rows; %q", name, sections, rows, counted)
	}
	for _, sec := range []string{"schedule_meeting", "in_meeting", "meeting_security", "recording", "chat", "audio_conferencing", "security"} {
		if count(t, ctx, `[data-setting-section="`+sec+`"]`) != 1 {
			t.Errorf("no section %s on the tab", sec)
		}
	}

	// The search, as one types.
	do(t, ctx,
		chromedp.SendKeys(css(`#set-q`), "waiting room"),
		chromedp.WaitNotVisible(css(`[data-key="in_meeting.chat"]`)),
	)
	visible := value(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="setting-row"]')].filter(r => !r.hidden && r.offsetParent !== null).map(r => r.dataset.key)`))
	if len(visible) < 3 || len(visible) > 40 || !containsString(visible, "meeting_security.waiting_room") {
		t.Fatalf("rows after searching 'waiting room': %v", visible)
	}
	for _, k := range visible {
		if !strings.Contains(k, "waiting_room") {
			t.Errorf("%s is shown for 'waiting room'", k)
		}
	}
	if got := text(t, ctx, `[data-setting-count]`); got != strconv.Itoa(len(visible)) {
		t.Errorf("the count says %s, %d rows are shown", got, len(visible))
	}
	do(t, ctx, twoWidths("81-settings-search-waiting-room")...)

	// Lock the waiting room.
	if value(t, ctx, chromedp.Evaluate[bool](`document.querySelector('input[name="lock.meeting_security.waiting_room"]').checked`)) {
		t.Fatal("the waiting room is locked already in the demo data")
	}
	do(t, ctx,
		chromedp.Click(css(`input[name="lock.meeting_security.waiting_room"]`)),
		chromedp.Click(css(`[data-testid="review-settings"]`)),
		chromedp.WaitVisible(css(`[data-testid="review-row"]`)),
	)
	review := text(t, ctx, `[data-testid="review-table"]`)
	if n := count(t, ctx, `[data-testid="review-row"]`); n != 1 || !strings.Contains(review, "Waiting room") || !strings.Contains(review, "locked") {
		t.Fatalf("the review: %d rows, %q", n, review)
	}
	do(t, ctx, twoWidths("82-settings-review-lock")...)
	do(t, ctx,
		chromedp.Click(css(`[data-testid="send-settings"]`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
	)
	if !value(t, ctx, chromedp.Evaluate[bool](`document.querySelector('input[name="lock.meeting_security.waiting_room"]').checked`)) {
		t.Fatal("the waiting room's lock after sending: not locked")
	}
	do(t, ctx, twoWidths("83-settings-locked")...)
	var sent []string
	for _, r := range sandboxRequestsOf(t, p.SandboxURL, http.MethodPatch, "/v2/accounts/"+account+"/") {
		sent = append(sent, r["path"].(string)+"?"+r["query"].(string)+" "+r["body"].(string))
	}
	if len(sent) != 1 || !strings.Contains(sent[0], "/lock_settings?option=meeting_security") || !strings.Contains(sent[0], `"waiting_room":true`) {
		t.Fatalf("PATCHes Zoom received: %v; want one, the waiting room's lock with ?option=meeting_security", sent)
	}
}

// containsString reports whether list holds s.
func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
