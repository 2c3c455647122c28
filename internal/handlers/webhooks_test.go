package handlers_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/zoom"
)

const whSecret = "wh0Secret1Token2Of3Zoom4"

// whPost posts a webhook body signed with secret, as Zoom does, and returns the status.
func whPost(t *testing.T, e *env, secret string, body []byte, at time.Time) int {
	t.Helper()
	return whPostTo(t, e, "/webhooks/zoom", secret, body, at)
}

// whPostTo is whPost to path: the endpoint URL with a query, such as the one naming the partner.
func whPostTo(t *testing.T, e *env, path, secret string, body []byte, at time.Time) int {
	t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":" + string(body)))
	req, _ := http.NewRequest(http.MethodPost, e.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-zm-request-timestamp", ts)
	req.Header.Set("x-zm-signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// whExternal counts the external audit events of the distributor with an action and target.
func whExternal(t *testing.T, e *env, action, target string) int {
	t.Helper()
	var n int
	if err := e.super().QueryRow(context.Background(), `SELECT count(*) FROM audit_events
		WHERE external AND action = $1 AND target_id = $2`, action, target).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// whWait waits until cond holds (webhooks arrive from the sandbox's delivery worker).
func whWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // only keeps a broken test from hanging
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Zoom's webhook, end to end: an owner saves the Secret Token, Zoom validates the URL, and
// changes made in Zoom outside Tierdesk converge the cache at once and are audited as seen
// from Zoom; Tierdesk's own changes coming back as events add nothing; a retried event changes
// nothing twice; a wrong signature, a stale timestamp or another partner's token is refused.
func TestZoomWebhookConvergesTheCacheAndAuditsExternalChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	e.waitJobsIdle()
	ctx := context.Background()
	primary := e.accountOf(distOwner)

	// Settings: the endpoint URL to give Zoom, then the Secret Token (never echoed or audited).
	page := b.get(e.URL + "/settings")
	p, err := e.Store.PartnerByZoomAccount(ctx, primary)
	if err != nil {
		t.Fatal(err)
	}
	endpoint := page.TestID("webhook-url")
	if endpoint != e.URL+"/webhooks/zoom?partner="+itoa(p.ID) || page.TestID("webhook-status") != "Not configured" {
		t.Fatalf("webhook panel: url %q status %q", endpoint, page.TestID("webhook-status"))
	}
	if bad := b.post(e.URL+"/settings/webhook", url.Values{"secret_token": {"short"}}); bad.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(bad.TestID("error-secret_token"), "Secret Token") {
		t.Fatalf("short token: %d %q", bad.StatusCode, bad.TestID("error-secret_token"))
	}
	if p := b.post(e.URL+"/settings/webhook", url.Values{"secret_token": {whSecret}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("save token: %d %.300s", p.StatusCode, p.Body)
	}
	if strings.Contains(b.get(e.URL+"/settings").Body, whSecret) {
		t.Fatal("the settings page shows the Secret Token")
	}
	var leaked int
	if err := e.super().QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%'`, whSecret).Scan(&leaked); err != nil || leaked != 0 {
		t.Fatalf("Secret Token in %d audit events (%v)", leaked, err)
	}
	if n := func() int {
		var n int
		if err := e.super().QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE action = 'partner.webhook' AND details->'after'->>'webhook' = 'on'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}(); n != 1 {
		t.Fatalf("%d partner.webhook events", n)
	}
	var sealed []byte
	if err := e.super().QueryRow(ctx, "SELECT secret FROM webhook_secrets").Scan(&sealed); err != nil || bytes.Contains(sealed, []byte(whSecret)) {
		t.Fatalf("Secret Token stored in clear (%v)", err)
	}

	// Zoom validates the endpoint (the sandbox checks the encrypted token it gets back).
	// Zoom validates the endpoint URL it was given, which names the partner; without that, a
	// validation (which names no account) is not verifiable.
	if err := e.Sandbox.SetWebhook(e.URL+"/webhooks/zoom", whSecret); err == nil {
		t.Fatal("URL validation passed without the partner in the URL")
	}
	if err := e.Sandbox.SetWebhook(endpoint, whSecret); err != nil {
		t.Fatalf("URL validation: %v", err)
	}
	if got := b.get(e.URL + "/settings").TestID("webhook-status"); !strings.HasPrefix(got, "Validated by Zoom") {
		t.Fatalf("after validation the status says %q", got)
	}

	// A customer whose users Tierdesk has listed, and one of its active members.
	outside := e.outsideClient(primary)
	var sub, member, memberEmail string
	for _, u := range e.Sandbox.Users() {
		if sub == "" && u.Role == "Owner" && !u.Primary && u.ParentAccountID == primary {
			for _, m := range e.Sandbox.Users() {
				if m.AccountID == u.AccountID && m.Role == "Member" && m.Status == "active" {
					sub, member, memberEmail = u.AccountID, m.ID, m.Email
					break
				}
			}
		}
	}
	if sub == "" {
		t.Fatal("no customer with an active member")
	}
	dirStatus := func(email string) string {
		var s string
		if err := e.super().QueryRow(ctx, "SELECT status FROM customer_users WHERE lower(email) = lower($1)", email).Scan(&s); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		return s
	}
	if p := b.get(e.URL + "/customers/" + sub + "/users"); p.StatusCode != http.StatusOK {
		t.Fatalf("users page: %d", p.StatusCode)
	}
	whWait(t, "the customer's users in the directory", func() bool { return dirStatus(memberEmail) == "active" })

	// Deactivated in Zoom: the directory follows and the change is audited as external.
	if _, err := outside.UpdateUserStatus(ctx, sub, member, zoom.StatusDeactivate); err != nil {
		t.Fatal(err)
	}
	whWait(t, "user.deactivated to reach the directory", func() bool { return dirStatus(memberEmail) == "inactive" })
	if n := whExternal(t, e, "user.deactivate", member); n != 1 {
		t.Fatalf("%d external user.deactivate events", n)
	}

	// Reactivated through Tierdesk: Zoom's user.activated comes back but adds no external event.
	if p := b.post(e.URL+"/customers/"+sub+"/users/"+member+"/status", url.Values{"action": {"activate"}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("activate through the portal: %d %.300s", p.StatusCode, p.Body)
	}
	whWait(t, "user.activated to be delivered", func() bool {
		for _, d := range e.Sandbox.WebhookDeliveries() {
			if d.Event == "user.activated" && d.Status == http.StatusNoContent {
				return true
			}
		}
		return false
	})
	e.waitJobsIdle()
	var outcome string
	if err := e.super().QueryRow(ctx, "SELECT outcome FROM webhook_events WHERE event = 'user.activated'").Scan(&outcome); err != nil || (outcome != "echo" && outcome != "known" && outcome != "stale") {
		t.Fatalf("Tierdesk's own activation reported back: outcome %q (%v), want known, echo or stale", outcome, err)
	}
	if n := whExternal(t, e, "user.activate", member); n != 0 {
		t.Fatalf("Tierdesk's own activation came back as %d external events", n)
	}

	// The pay mode changed in Zoom (of the first customer whose plan allows it): the customer
	// row follows.
	payMode := func(acct string) string {
		var s string
		if err := e.super().QueryRow(ctx, "SELECT pay_mode FROM customers WHERE zoom_account_id = $1", acct).Scan(&s); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		return s
	}
	var changed, want string
	for _, u := range e.Sandbox.Users() {
		if u.Role != "Owner" || u.Primary || u.ParentAccountID != primary || payMode(u.AccountID) == "" {
			continue
		}
		want = map[string]string{"master": "sub", "sub": "master"}[payMode(u.AccountID)]
		if _, err := outside.UpdateSubAccountOptions(ctx, u.AccountID, &zoom.AccountOptionsUpdate{PayMode: want}); err == nil {
			changed = u.AccountID
			break
		}
	}
	if changed == "" {
		t.Fatal("no customer's pay mode could change in Zoom")
	}
	whWait(t, "account.updated to change the pay mode", func() bool { return payMode(changed) == want })
	if n := whExternal(t, e, "customer.update", changed); n != 1 {
		t.Fatalf("%d external customer.update events", n)
	}

	// Disassociated in Zoom: the customer is gone.
	gone := e.disassociateInZoom(primary)
	whWait(t, "account.disassociated to mark the customer gone", func() bool {
		var s string
		if err := e.super().QueryRow(ctx, "SELECT status FROM customers WHERE zoom_account_id = $1", gone).Scan(&s); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		return s == "gone"
	})
	if n := whExternal(t, e, "customer.gone", gone); n != 1 {
		t.Fatalf("%d external customer.gone events", n)
	}

	// Zoom retries an event it did not hear back about: the very same body changes nothing.
	body, _ := json.Marshal(map[string]any{"event": "user.deactivated", "event_ts": time.Now().UnixMilli(),
		"payload": map[string]any{"account_id": sub, "operator": "someone@example.com",
			"object": map[string]any{"id": member, "email": memberEmail, "first_name": "A", "last_name": "B", "type": 1}}})
	for i := range 2 {
		if st := whPost(t, e, whSecret, body, time.Now()); st != http.StatusNoContent {
			t.Fatalf("delivery %d: %d", i+1, st)
		}
	}
	whWait(t, "the deactivation to be applied", func() bool { return dirStatus(memberEmail) == "inactive" })
	e.waitJobsIdle()
	if n := whExternal(t, e, "user.deactivate", member); n != 2 {
		t.Fatalf("after a delivery and its retry: %d external deactivations (want 2 in all)", n)
	}

	// Refused: a wrong token, a stale timestamp, an unsigned body. Nothing changes.
	before := whExternal(t, e, "user.activate", member)
	again, _ := json.Marshal(map[string]any{"event": "user.activated", "event_ts": time.Now().UnixMilli(),
		"payload": map[string]any{"account_id": sub, "object": map[string]any{"id": member, "email": memberEmail}}})
	for name, st := range map[string]int{
		"wrong token": whPost(t, e, "another0partner0secret00", again, time.Now()),
		"stale":       whPost(t, e, whSecret, again, time.Now().Add(-10*time.Minute)),
	} {
		if st != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, st)
		}
	}
	resp, err := http.Post(e.URL+"/webhooks/zoom", "application/json", bytes.NewReader(again))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned: %d, want 401", resp.StatusCode)
	}
	huge, _ := json.Marshal(map[string]any{"event": "user.updated", "payload": map[string]any{"account_id": sub, "padding": strings.Repeat("x", 300<<10)}})
	if st := whPost(t, e, whSecret, huge, time.Now()); st != http.StatusRequestEntityTooLarge {
		t.Errorf("a 300 KiB body: %d, want 413", st)
	}
	if whExternal(t, e, "user.activate", member) != before || dirStatus(memberEmail) != "inactive" {
		t.Fatal("a refused webhook changed something")
	}

	// The memory of handled events is cleaned up once Zoom has stopped retrying.
	countEvents := func() int {
		var n int
		if err := e.super().QueryRow(ctx, "SELECT count(*) FROM webhook_events").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := countEvents(); n < 4 {
		t.Fatalf("%d handled events remembered", n)
	}
	if err := e.Store.DeleteOldWebhookEvents(ctx, time.Hour); err != nil || countEvents() == 0 {
		t.Fatalf("an hour's clean-up removed recent events (%v)", err)
	}
	if err := e.Store.DeleteOldWebhookEvents(ctx, 0); err != nil || countEvents() != 0 {
		t.Fatalf("clean-up left %d events (%v)", countEvents(), err)
	}

	// Turned off: the same events are refused.
	if p := b.post(e.URL+"/settings/webhook", url.Values{"secret_token": {""}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove token: %d", p.StatusCode)
	}
	if st := whPost(t, e, whSecret, again, time.Now()); st != http.StatusUnauthorized {
		t.Fatalf("after removing the token: %d, want 401", st)
	}
}
