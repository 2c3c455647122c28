package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// tnReceiver is a partner's webhook receiver that checks signatures with its secret and
// keeps the events whose signature holds.
type tnReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	events  []map[string]any
	badSigs int
}

func tnNewReceiver(t *testing.T, secret string) *tnReceiver {
	t.Helper()
	rc := &tnReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		ts := r.Header.Get(jobs.HeaderNotifyTimestamp)
		if r.Header.Get(jobs.HeaderNotifySignature) != jobs.SignNotification(secret, ts, body) {
			rc.badSigs++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev map[string]any
		_ = json.Unmarshal(body, &ev)
		rc.events = append(rc.events, ev)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *tnReceiver) got() ([]map[string]any, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.events...), rc.badSigs
}

// tnAwait polls cond until it holds, a minute at most (a broken test must not hang).
func tnAwait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An owner sets up the outgoing webhook on the settings page: a refused form names each field
// and keeps what was typed (not the secret); once saved, the secret is shown as "set" only, the
// test event arrives signed with it and the delivery log shows it delivered.
func TestOwnerSetsUpTheOutgoingWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	const secret = "northwind-signing-secret-1"
	rc := tnNewReceiver(t, secret)

	before := owner.get(e.URL + "/settings")
	if before.TestID("notify-status") != "Not configured" || before.TestID("notify-secret") != "not set" || before.TestID("notify-log-empty") == "" {
		t.Fatalf("before: %q %q", before.TestID("notify-status"), before.TestID("notify-secret"))
	}
	bad := owner.post(e.URL+"/settings/notifications", url.Values{"notify_url": {"http://chat.example.com/hook"}, "notify_secret": {"short"},
		"notify_enabled": {"1"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.TestID("error-notify_url"), "https") ||
		bad.TestID("error-notify_secret") == "" || bad.TestID("error-notify_kinds") == "" ||
		bad.Doc().Find("#notify-url").AttrOr("value", "") != "http://chat.example.com/hook" || bad.Doc().Find("#notify-secret").AttrOr("value", "") != "" {
		t.Fatalf("refused form: %d %q %q %q", bad.StatusCode, bad.TestID("error-notify_url"), bad.TestID("error-notify_secret"), bad.TestID("error-notify_kinds"))
	}
	noSecret := owner.post(e.URL+"/settings/notifications", url.Values{"notify_url": {rc.URL}, "notify_enabled": {"1"}, "notify_kinds": {jobs.NotifyJobFailed}})
	if noSecret.StatusCode != http.StatusUnprocessableEntity || noSecret.TestID("error-notify_secret") == "" ||
		noSecret.Doc().Find(`input[name="notify_kinds"][value="job.failed"]`).AttrOr("checked", "no") == "no" {
		t.Fatalf("first save without a secret: %d %q", noSecret.StatusCode, noSecret.TestID("error-notify_secret"))
	}
	saved := owner.post(e.URL+"/settings/notifications", url.Values{"notify_url": {rc.URL + "/in"}, "notify_secret": {secret},
		"notify_enabled": {"1"}, "notify_kinds": {jobs.NotifyJobFailed, jobs.NotifyDelegationRequested}})
	if saved.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %.500s", saved.StatusCode, saved.Body)
	}
	after := owner.get(e.URL + "/settings")
	if after.TestID("notify-status") != "On" || after.TestID("notify-secret") != "set" || strings.Contains(after.Body, secret) ||
		after.TestID("notify-origin") != strings.TrimSuffix(rc.URL, "/") {
		t.Fatalf("after: %q %q %q", after.TestID("notify-status"), after.TestID("notify-secret"), after.TestID("notify-origin"))
	}
	if got := owner.post(e.URL+"/settings/notifications/test", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("test event: %d", got.StatusCode)
	}
	tnAwait(t, "the test event", func() bool { evs, _ := rc.got(); return len(evs) == 1 })
	evs, badSigs := rc.got()
	if evs[0]["event"] != "test" || badSigs != 0 {
		t.Fatalf("received %v (%d bad signatures)", evs, badSigs)
	}
	tnAwait(t, "the log to show it delivered", func() bool {
		row := owner.get(e.URL + "/settings").Doc().Find(`[data-testid="notify-row"]`)
		return row.Length() == 1 && row.AttrOr("data-status", "") == "delivered" && row.AttrOr("data-delivery", "") == evs[0]["delivery_id"]
	})
	// Saved again without a secret: the secret stays; the audit log has neither it nor the path.
	if got := owner.post(e.URL+"/settings/notifications", url.Values{"notify_url": {rc.URL + "/in"}, "notify_kinds": {jobs.NotifyJobFailed}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("save again: %d", got.StatusCode)
	}
	if got := owner.get(e.URL + "/settings"); got.TestID("notify-status") != "Off" || got.TestID("notify-secret") != "set" {
		t.Fatalf("saved off: %q %q", got.TestID("notify-status"), got.TestID("notify-secret"))
	}
	changes := auditOf(t, e, p.ID, "partner.notifications")
	if len(changes) != 2 || changes[0].Outcome != store.OutcomeSucceeded {
		t.Fatalf("partner.notifications events: %+v", changes)
	}
	var leaks int
	if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE row_to_json(audit_events)::text LIKE '%' || $1 || '%'", secret).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("the secret is in %d audit events (%v)", leaks, err)
	}
	if tests := auditOf(t, e, p.ID, "partner.notifications_test"); len(tests) != 1 {
		t.Fatalf("test events audited: %d", len(tests))
	}
}

// Only owners change the outgoing webhook or send a test event: an admin gets 403 with a
// denied event and nothing changes. Another partner sees none of this partner's webhook or
// deliveries, on its page or in the tables (row-level security).
func TestOutgoingWebhookIsTheOwnersAndThePartnersOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p := registerNorthwind(t, e)
	const secret = "northwind-signing-secret-2"
	rc := tnNewReceiver(t, secret)
	if got := owner.post(e.URL+"/settings/notifications", url.Values{"notify_url": {rc.URL}, "notify_secret": {secret},
		"notify_enabled": {"1"}, "notify_kinds": {jobs.NotifyJobFailed}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", got.StatusCode)
	}
	if got := owner.post(e.URL+"/settings/notifications/test", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("test event: %d", got.StatusCode)
	}
	admin := staffBrowser(t, e, owner, distAdmin, store.RoleAdmin)
	for _, path := range []string{"/settings/notifications", "/settings/notifications/test"} {
		got := admin.post(e.URL+path, url.Values{"notify_url": {"https://evil.example/x"}, "notify_secret": {"admin-chosen-secret-123"},
			"notify_enabled": {"1"}, "notify_kinds": {jobs.NotifyJobFailed}})
		if got.StatusCode != http.StatusForbidden {
			t.Fatalf("admin POST %s: %d", path, got.StatusCode)
		}
	}
	denied := auditOf(t, e, p.ID, "grant.manage")
	if len(denied) != 2 || denied[0].Outcome != store.OutcomeDenied || denied[0].StaffEmail != distAdmin {
		t.Fatalf("denied events: %+v", denied)
	}
	if page := admin.get(e.URL + "/settings"); page.Doc().Find("#notify-url").Length() != 0 || strings.Contains(page.Body, "evil.example") {
		t.Fatal("an admin sees the webhook's form, or the admin's URL was saved")
	}
	tnAwait(t, "the test event", func() bool { evs, _ := rc.got(); return len(evs) == 1 })

	other := e.browser()
	other.signIn(e, resOwner)
	op := e.partnerOf(resOwner)
	if page := other.get(e.URL + "/settings"); page.TestID("notify-status") != "Not configured" || page.Doc().Find(`[data-testid="notify-row"]`).Length() != 0 {
		t.Fatalf("Contoso's settings show Northwind's webhook: %q", page.TestID("notify-status"))
	}
	// Row-level security: acting as Contoso, the tables hold nothing; as Northwind, its rows.
	count := func(partnerID int64) (hooks, deliveries int) {
		t.Helper()
		tx, err := e.Store.Pool().BeginTx(ctx, pgx.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true)", itoa(partnerID)); err != nil {
			t.Fatal(err)
		}
		if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM outgoing_webhooks), (SELECT count(*) FROM webhook_deliveries)").Scan(&hooks, &deliveries); err != nil {
			t.Fatal(err)
		}
		return hooks, deliveries
	}
	if h, d := count(op.ID); h != 0 || d != 0 {
		t.Fatalf("acting as Contoso: %d webhooks, %d deliveries", h, d)
	}
	if h, d := count(p.ID); h != 1 || d != 1 {
		t.Fatalf("acting as Northwind: %d webhooks, %d deliveries", h, d)
	}
	if ns, err := e.Store.Notifications(ctx, op.ID, 50); err != nil || len(ns) != 0 {
		t.Fatalf("Contoso's deliveries: %v %v", ns, err)
	}
}

// An onboarding stopped by a step Zoom refused records its job failed, and the partner's
// outgoing webhook hears of it: job.failed with the job's id, kind, link and message.
func TestAStoppedOnboardingIsNotified(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	const secret = "northwind-signing-secret-3"
	rc := tnNewReceiver(t, secret)
	if err := e.Store.SetOutgoingWebhook(context.Background(), p.ID, store.OutgoingWebhookChange{URL: rc.URL, Secret: secret, Enabled: true,
		Kinds: []string{jobs.NotifyJobFailed}}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	tpl := standardTemplate(t, e, owner, p)
	id := draftWith(t, e, owner, "olga@refused.example", 1, tpl)
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts/*/plans", Status: 400, Code: 300,
		Message: "Buy hosts must equal or larger than 12", Count: 1})
	jobPath := strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", nil).location(t), e.URL)
	waitOnboarding(t, e, owner, jobPath)
	tnAwait(t, "the job.failed event", func() bool { evs, _ := rc.got(); return len(evs) == 1 })
	evs, bad := rc.got()
	pl, _ := evs[0]["payload"].(map[string]any)
	job, _ := pl["job"].(map[string]any)
	if evs[0]["event"] != jobs.NotifyJobFailed || bad != 0 || pl["path"] != jobPath || job["kind"] != "onboarding" ||
		!strings.Contains(pl["message"].(string), "Stopped at step 3") {
		t.Fatalf("received %v (%d bad signatures), job at %s", evs[0], bad, jobPath)
	}
}
