package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// TestAUserEditIsAuditedOnceAfterThePortalIsKilled kills the portal process (SIGKILL) while a
// user edit sent from the user's page is at Zoom, unanswered: its intent is written, its
// answer never recorded. Zoom makes the change when its caller goes away, as it does with a
// request whose answer is lost. A new process on the same database resolves the intent as
// production does (the periodic resolver, once the intent's lease ran out): exactly one audit
// event, succeeded, the directory updated, and Zoom asked only once to change the user.
//
// PORTAL_CHANGE_LEASE is 30 s here (2 minutes in production, and the resolver as often), so
// the new process settles the change about a minute after the kill rather than four.
func TestAUserEditIsAuditedOnceAfterThePortalIsKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zoom, env, db := withOutsideSandbox(t)
	env["PORTAL_CHANGE_LEASE"] = "30s"

	first := startChild(t, env)
	w := newWebClient(t)
	customer := signUpPartner(t, w, first.URL, db, "owner@contoso.example", "Contoso Reseller", "tierdesk-s2s-contoso")
	var member sandbox.UserInfo
	for _, u := range zoom.Users() {
		if u.AccountID == customer && u.Role == "Member" && u.Status == "active" {
			member = u
			break
		}
	}
	if member.ID == "" {
		t.Fatalf("no active member in %s", customer)
	}
	users := first.URL + "/customers/" + url.PathEscape(customer) + "/users"
	if resp, _ := w.get(users); resp.StatusCode != http.StatusOK {
		t.Fatalf("users: %d", resp.StatusCode)
	}
	userPath := "/customers/" + url.PathEscape(customer) + "/users/" + url.PathEscape(member.ID)
	resp, body := w.get(first.URL + userPath)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("user page: %d %v", resp.StatusCode, err)
	}
	// The edit form as the page has it, with a new last name.
	form := url.Values{}
	doc.Find(`form[action="` + userPath + `"]`).Find("input[name], select[name]").Each(func(_ int, in *goquery.Selection) {
		name := in.AttrOr("name", "")
		if goquery.NodeName(in) == "select" {
			form.Set(name, in.Find("option[selected]").AttrOr("value", ""))
			return
		}
		form.Set(name, in.AttrOr("value", ""))
	})
	if form.Get("first_name") != member.FirstName || form.Get("type") == "" {
		t.Fatalf("the edit form: %v", form)
	}
	form.Set("last_name", "Survivor")

	// Zoom holds the change until its caller goes away (then makes it).
	patchPath := "/v2/accounts/" + customer + "/users/" + member.ID
	zoom.AddFault(sandbox.Fault{Method: http.MethodPatch, Path: "/v2/accounts/*/users/*", Latency: time.Hour})
	answered := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, first.URL+userPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := w.c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	waitFor(t, 2*time.Minute, "the edit held at Zoom", func() bool { return zoom.heldAt(http.MethodPatch, patchPath) == 1 })
	// The intent was committed before the call.
	intent := func() (id int64, open bool, outcome string, eventID *int64) {
		t.Helper()
		if err := db.QueryRow(ctx, `SELECT id, closed_at IS NULL, outcome, audit_event_id FROM zoom_intents WHERE action = 'user.update' AND target_label = $1`,
			member.Email).Scan(&id, &open, &outcome, &eventID); err != nil {
			t.Fatalf("the edit's intent: %v", err)
		}
		return id, open, outcome, eventID
	}
	if _, open, _, _ := intent(); !open {
		t.Fatal("the intent of the change at Zoom is closed")
	}
	first.kill(t)
	killed := time.Now()
	if err := <-answered; err == nil {
		t.Fatal("the killed portal answered the edit")
	}
	zoom.ClearFaults()
	zoom.nextProcess(t) // the held request ended: Zoom made the change for a caller that went away
	patches := func() (n int) {
		for _, r := range zoom.Requests() {
			if r.Method == http.MethodPatch && r.Path == patchPath {
				n++
			}
		}
		return n
	}
	events := func() (n int) {
		if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'user.update' AND target_label = $1`, member.Email).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	zoomHas := func() string {
		for _, u := range zoom.Users() {
			if u.ID == member.ID {
				return u.LastName
			}
		}
		return ""
	}
	if last, n, evs := zoomHas(), patches(), events(); last != "Survivor" || n != 1 || evs != 0 {
		t.Fatalf("after the kill: Zoom has last name %q after %d PATCH requests; %d events (want Survivor, 1, 0)", last, n, evs)
	}
	if _, open, _, _ := intent(); !open {
		t.Fatal("the intent was closed without an event")
	}

	second := startChild(t, env)
	waitFor(t, 5*time.Minute, "the new process to record the change", func() bool {
		_, open, _, _ := intent()
		return !open
	})
	t.Logf("the new process recorded the change %s after the kill", time.Since(killed).Round(time.Second))
	var eventID int64
	var outcome, details string
	if err := db.QueryRow(ctx, `SELECT id, outcome, details::text FROM audit_events WHERE action = 'user.update' AND target_label = $1`,
		member.Email).Scan(&eventID, &outcome, &details); err != nil {
		t.Fatalf("the change's event: %v", err)
	}
	_, _, closedAs, closedBy := intent()
	if n := events(); n != 1 || outcome != "succeeded" || closedAs != "succeeded" || closedBy == nil || *closedBy != eventID ||
		!strings.Contains(details, "Zoom shows the change was made") || !strings.Contains(details, `"last_name":"Survivor"`) {
		t.Fatalf("%d events; the event id %d %s %s; the intent closed %s by %v", n, eventID, outcome, details, closedAs, closedBy)
	}
	var last string
	if err := db.QueryRow(ctx, `SELECT u.last_name FROM customer_users u JOIN customers c ON c.id = u.customer_id
		WHERE c.zoom_account_id = $1 AND u.email = $2`, customer, member.Email).Scan(&last); err != nil || last != "Survivor" {
		t.Fatalf("the directory has last name %q (%v)", last, err)
	}
	if last, n := zoomHas(), patches(); last != "Survivor" || n != 1 {
		t.Fatalf("Zoom has last name %q after %d PATCH requests", last, n)
	}
	// The new process serves the user as Zoom has them.
	w.moveCookies(first.URL, second.URL)
	if resp, body := w.get(second.URL + userPath); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Survivor") {
		t.Fatalf("the user's page in the new process: %d", resp.StatusCode)
	}
}
