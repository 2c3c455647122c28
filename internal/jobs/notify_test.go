package jobs_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tierdesk/tierdesk/internal/handlers"
	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// receiver is a partner's webhook receiver: it checks each request's signature with the
// secret, as a receiver should, and records what arrived. While down it answers 503.
type receiver struct {
	*httptest.Server
	secret string
	down   atomic.Bool

	mu       sync.Mutex
	got      []received
	attempts int // requests answered, down or up
	badSigs  int
}

type received struct {
	Header http.Header
	Body   []byte
	Event  map[string]any
}

func newReceiver(t *testing.T, secret string) *receiver {
	t.Helper()
	rc := &receiver{secret: secret}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.attempts++
		if rc.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		ts := r.Header.Get(jobs.HeaderNotifyTimestamp)
		if ts == "" || r.Header.Get(jobs.HeaderNotifySignature) != jobs.SignNotification(rc.secret, ts, body) {
			rc.badSigs++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "not json", http.StatusBadRequest)
			return
		}
		rc.got = append(rc.got, received{Header: r.Header.Clone(), Body: body, Event: ev})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// byDelivery counts the verified deliveries per x-tierdesk-delivery-id.
func (rc *receiver) byDelivery() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]int{}
	for _, g := range rc.got {
		out[g.Header.Get(jobs.HeaderNotifyDelivery)]++
	}
	return out
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// notifyEnv is the service's test parts with a River client that delivers notifications
// (retries after retry, by default 5 ms apart), syncs customers and runs the settings refresh
// with the drift counter.
type notifyEnv struct {
	*tnSyncEnv
}

func newNotifyEnv(t *testing.T, retry ...time.Duration) *notifyEnv {
	t.Helper()
	e := &notifyEnv{tnSyncEnv: tnNewSyncEnv(t)}
	workers := river.NewWorkers()
	river.AddWorker(workers, &jobs.SyncCustomersWorker{Store: e.st, Svc: e.Svc, Log: e.Log})
	river.AddWorker(workers, &jobs.SyncAllWorker{Store: e.st, River: func() *river.Client[pgx.Tx] { return e.river }})
	if len(retry) == 0 {
		retry = []time.Duration{5 * time.Millisecond}
	}
	river.AddWorker(workers, &jobs.NotifyWorker{Store: e.st, Log: e.Log, Retry: retry})
	river.AddWorker(workers, &jobs.RefreshSettingsWorker{Svc: e.Svc, Log: e.Log, Store: e.st, Drift: handlers.DriftCounter(e.st)})
	var err error
	e.river, err = river.NewClient(riverpgxv5.New(e.st.Pool()), &river.Config{Logger: jobs.Quiet(e.Log),
		FetchCooldown: 20 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond, Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.river.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.river.Stop(ctx)
	})
	return e
}

// webhook saves partnerID's outgoing webhook to rc, receiving kinds.
func (e *notifyEnv) webhook(partnerID int64, rc *receiver, kinds ...string) {
	e.t.Helper()
	if err := e.st.SetOutgoingWebhook(context.Background(), partnerID, store.OutgoingWebhookChange{URL: rc.URL + "/hook?token=t1",
		Secret: rc.secret, Enabled: true, Kinds: kinds}, store.AuditEvent{}); err != nil {
		e.t.Fatal(err)
	}
}

// await polls cond (a row's state, what the receiver got) until it holds, a minute at most.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deliveries reads partnerID's delivery rows (as the superuser), by delivery id.
func (e *notifyEnv) deliveries(partnerID int64) map[string]store.Notification {
	e.t.Helper()
	rows, _ := e.super.Query(context.Background(), `SELECT id, delivery_id::text, kind, status, attempts, last_status, last_error, last_attempt_at,
		next_attempt_at, delivered_at, created_at FROM webhook_deliveries WHERE partner_id = $1`, partnerID)
	ns, err := pgx.CollectRows(rows, pgx.RowToStructByName[store.Notification])
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]store.Notification{}
	for _, n := range ns {
		out[n.DeliveryID] = n
	}
	return out
}

// A test event and a failed job's event arrive signed with the partner's secret (a receiver
// with another secret refuses them), as the documented envelope, once each; the rows say
// delivered after one attempt. The secret is in no audit event.
func TestNotificationsArriveSigned(t *testing.T) {
	t.Parallel()
	e := newNotifyEnv(t)
	ctx := context.Background()
	p, grant := e.register("owner@northwind.example")
	rc := newReceiver(t, "a-shared-secret-of-northwind")
	e.webhook(p.ID, rc, jobs.NotifyJobFailed)

	if err := jobs.Notify(ctx, e.st, e.river, p.ID, jobs.NotifyTest, map[string]any{"message": "hello"}); err != nil {
		t.Fatal(err)
	}
	// A sync with no grant left fails: its job is recorded failed and notified.
	if _, err := e.st.RevokeGrant(ctx, p.ID, grant, nil); err != nil {
		t.Fatal(err)
	}
	job, err := jobs.StartSync(ctx, e.st, e.river, p.ID, 0, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	await(t, "two deliveries", func() bool { return len(rc.received()) >= 2 })
	byKind := map[string]received{}
	for _, g := range rc.received() {
		byKind[g.Event["event"].(string)] = g
		if id := g.Header.Get(jobs.HeaderNotifyDelivery); id == "" || g.Event["delivery_id"] != id {
			t.Errorf("delivery id header %q, body %v", id, g.Event["delivery_id"])
		}
		if partner, _ := g.Event["partner"].(map[string]any); partner["name"] != p.Name {
			t.Errorf("partner in the body: %v, want %s", g.Event["partner"], p.Name)
		}
		if _, ok := g.Event["event_ts"].(float64); !ok {
			t.Errorf("event_ts: %v", g.Event["event_ts"])
		}
		ts := g.Header.Get(jobs.HeaderNotifyTimestamp)
		if g.Header.Get(jobs.HeaderNotifySignature) == jobs.SignNotification("another-secret-entirely", ts, g.Body) {
			t.Error("the signature verifies with another secret")
		}
		if strings.Contains(string(g.Body), rc.secret) {
			t.Error("the body holds the secret")
		}
	}
	if p := byKind[jobs.NotifyTest].Event["payload"].(map[string]any); p["message"] != "hello" {
		t.Errorf("test payload: %v", p)
	}
	failed, ok := byKind[jobs.NotifyJobFailed]
	if !ok {
		t.Fatalf("no job.failed event among %v", byKind)
	}
	fp := failed.Event["payload"].(map[string]any)
	if j := fp["job"].(map[string]any); j["id"] != job.ID || j["kind"] != "sync_customers" || fp["path"] != "/jobs/"+job.ID || fp["message"] == "" {
		t.Errorf("job.failed payload: %v", fp)
	}
	rc.mu.Lock()
	bad := rc.badSigs
	rc.mu.Unlock()
	if bad != 0 {
		t.Errorf("%d requests failed the signature check", bad)
	}
	await(t, "both rows delivered", func() bool {
		n := 0
		for _, d := range e.deliveries(p.ID) {
			if d.Status == store.NotificationDelivered && d.Attempts == 1 && d.DeliveredAt != nil && *d.LastStatus == 204 {
				n++
			}
		}
		return n == 2
	})
	var leaks int
	if err := e.super.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE details::text LIKE '%' || $1 || '%'", rc.secret).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("audit events holding the secret: %d (%v)", leaks, err)
	}
	var saved string
	if err := e.super.QueryRow(ctx, "SELECT details::text FROM audit_events WHERE partner_id = $1 AND action = 'partner.notifications'", p.ID).Scan(&saved); err != nil ||
		!strings.Contains(saved, `"signing_key":"changed"`) || strings.Contains(saved, "token=t1") || strings.Contains(saved, "/hook") {
		t.Fatalf("partner.notifications event: %s (%v)", saved, err)
	}
}

// A receiver down for a while: the delivery log shows the failed attempts (status 503, the
// next try); once it is up, each event arrives exactly once and the rows say delivered. A
// delivered row is never sent again, even by a second job for it.
func TestNotificationsWaitForADownReceiver(t *testing.T) {
	t.Parallel()
	// Two quick retries, then slower ones: the receiver comes back long before the attempts
	// run out, however slow the machine.
	e := newNotifyEnv(t, 5*time.Millisecond, 5*time.Millisecond, 500*time.Millisecond)
	ctx := context.Background()
	p, _ := e.register("owner@northwind.example")
	rc := newReceiver(t, "a-shared-secret-of-northwind")
	rc.down.Store(true)
	e.webhook(p.ID, rc, jobs.NotifyJobFailed, jobs.NotifyStandardDrift)
	if err := jobs.Notify(ctx, e.st, e.river, p.ID, jobs.NotifyJobFailed, map[string]any{"message": "one"}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Notify(ctx, e.st, e.river, p.ID, jobs.NotifyStandardDrift, map[string]any{"message": "two"}); err != nil {
		t.Fatal(err)
	}
	await(t, "two failed attempts of each delivery", func() bool {
		ds := e.deliveries(p.ID)
		for _, d := range ds {
			if d.Attempts < 2 {
				return false
			}
		}
		return len(ds) == 2
	})
	for _, d := range e.deliveries(p.ID) {
		// The row may have moved on since; a failed attempt's facts stay until one succeeds.
		if d.Status == store.NotificationDelivered || d.LastStatus == nil || *d.LastStatus != 503 || !strings.Contains(d.LastError, "503") {
			t.Fatalf("a delivery while the receiver is down: %+v", d)
		}
	}
	rc.down.Store(false)
	await(t, "both delivered", func() bool {
		n := 0
		for _, d := range e.deliveries(p.ID) {
			if d.Status == store.NotificationDelivered {
				n++
			}
		}
		return n == 2
	})
	// Every River job of a delivery has ended: nothing more is on its way.
	await(t, "the delivery jobs to end", func() bool {
		var open int
		if err := e.super.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'notify' AND state NOT IN ('completed', 'discarded', 'cancelled')").Scan(&open); err != nil {
			t.Fatal(err)
		}
		return open == 0
	})
	// A second job for a delivered row sends nothing.
	var one store.Notification
	for _, d := range e.deliveries(p.ID) {
		one = d
	}
	res, err := e.river.Insert(ctx, jobs.NotifyArgs{PartnerID: p.ID, NotificationID: one.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	await(t, "the second job to end", func() bool {
		var state string
		if err := e.super.QueryRow(ctx, "SELECT state FROM river_job WHERE id = $1", res.Job.ID).Scan(&state); err != nil {
			t.Fatal(err)
		}
		return state == "completed"
	})
	got := rc.byDelivery()
	for id, d := range e.deliveries(p.ID) {
		if got[id] != 1 {
			t.Errorf("delivery %s (%s) arrived %d times", id, d.Kind, got[id])
		}
		if d.Attempts < 3 || d.DeliveredAt == nil || d.NextAttemptAt != nil || d.LastError != "" {
			t.Errorf("delivered row: %+v", d)
		}
	}
	if len(got) != 2 {
		t.Errorf("deliveries received: %v", got)
	}
}

// Notify records nothing for a partner without a webhook, with the webhook off, or for a kind
// the webhook does not receive; an unknown kind is an error.
func TestNotifyWithoutAWebhookIsANoOp(t *testing.T) {
	t.Parallel()
	e := newNotifyEnv(t)
	ctx := context.Background()
	p, _ := e.register("owner@northwind.example")
	count := func() (rows, queued int) {
		t.Helper()
		if err := e.super.QueryRow(ctx, `SELECT (SELECT count(*) FROM webhook_deliveries WHERE partner_id = $1),
			(SELECT count(*) FROM river_job WHERE kind = 'notify')`, p.ID).Scan(&rows, &queued); err != nil {
			t.Fatal(err)
		}
		return rows, queued
	}
	if err := jobs.Notify(ctx, e.st, e.river, p.ID, jobs.NotifyJobFailed, nil); err != nil {
		t.Fatal(err)
	}
	if r, q := count(); r != 0 || q != 0 {
		t.Fatalf("no webhook: %d rows, %d jobs", r, q)
	}
	rc := newReceiver(t, "a-shared-secret-of-northwind")
	e.webhook(p.ID, rc, jobs.NotifyStandardDrift)
	if err := jobs.Notify(ctx, e.st, e.river, p.ID, jobs.NotifyJobFailed, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetOutgoingWebhook(ctx, p.ID, store.OutgoingWebhookChange{URL: rc.URL, Kinds: []string{jobs.NotifyJobFailed}}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Notify(ctx, e.st, e.river, p.ID, jobs.NotifyJobFailed, nil); err != nil {
		t.Fatal(err)
	}
	if r, q := count(); r != 0 || q != 0 {
		t.Fatalf("kind not received, then webhook off: %d rows, %d jobs", r, q)
	}
	if err := jobs.Notify(ctx, e.st, e.river, p.ID, "job.exploded", nil); err == nil {
		t.Fatal("an unknown kind was accepted")
	}
}

// After a run of the steady settings refresh, a standard whose drifted customers went up is
// notified (standard.drift, with its name, the counts and the report's link); a second run
// that finds the same drift notifies nothing.
func TestDriftIsNotifiedWhenItGoesUp(t *testing.T) {
	t.Parallel()
	e := newNotifyEnv(t)
	ctx := context.Background()
	p, _ := e.register("owner@northwind.example")
	e.runSyncAll()
	tpl, err := e.st.SaveSettingsTemplate(ctx, p.ID, store.SettingsTemplate{Name: "No chat", Settings: map[string]map[string]any{"in_meeting": {"chat": false}}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.st.SaveGroup(ctx, p.ID, store.Group{Name: "Active", Kind: store.GroupByFilter, Filter: store.GroupFilter{Status: "active"}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := e.st.SaveStandard(ctx, p.ID, store.Standard{Name: "Chat off", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardReport}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, "a-shared-secret-of-northwind")
	e.webhook(p.ID, rc, jobs.NotifyStandardDrift)
	refresh := func() {
		t.Helper()
		res, err := e.river.Insert(ctx, jobs.RefreshSettingsArgs{PartnerID: p.ID, Share: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		await(t, "the refresh run", func() bool {
			var state string
			if err := e.super.QueryRow(ctx, "SELECT state FROM river_job WHERE id = $1", res.Job.ID).Scan(&state); err != nil {
				t.Fatal(err)
			}
			return state == "completed"
		})
	}
	refresh()
	await(t, "the drift notification", func() bool { return len(rc.received()) >= 1 })
	ev := rc.received()[0].Event
	pl := ev["payload"].(map[string]any)
	st := pl["standard"].(map[string]any)
	drifted, _ := pl["drifted"].(float64)
	if ev["event"] != jobs.NotifyStandardDrift || st["name"] != "Chat off" || drifted < 1 || pl["drifted_before"] != float64(0) ||
		pl["path"] != "/standards/"+strconv.FormatInt(sd.ID, 10)+"?only=drifted" {
		t.Fatalf("drift event: %v", ev)
	}
	var counted int
	if err := e.super.QueryRow(ctx, "SELECT drifted FROM standard_drift_counts WHERE standard_id = $1", sd.ID).Scan(&counted); err != nil || counted != int(drifted) {
		t.Fatalf("recorded count %d (%v), notified %v", counted, err, drifted)
	}
	refresh()
	var rows int
	if err := e.super.QueryRow(ctx, "SELECT count(*) FROM webhook_deliveries WHERE partner_id = $1", p.ID).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("after a second run with the same drift: %d deliveries (%v)", rows, err)
	}
}
