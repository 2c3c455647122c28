package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// A read of a customer's settings and locks audits, as seen in Zoom, only the paths whose
// values changed and that nothing Tierdesk knows explains: not a first read, not what
// Tierdesk itself changed moments ago, not what a webhook's event already recorded; secrets
// are redacted; a staleness Zoom reported is cleared by the read that follows it.
func TestRecordSettingsReadAuditsOnlyWhatZoomChanged(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	su := storetest.Superuser(t, st)
	svc := service.New(st, nil, slog.New(slog.DiscardHandler))
	p := whPartner(t, st, "acct-dist", "owner@dist.example")
	if _, err := st.SaveSyncedCustomers(ctx, p.ID, []store.SyncedCustomer{{ZoomAccountID: "c-1", AccountName: "One"}, {ZoomAccountID: "c-2", AccountName: "Two"}}, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	c1, err := st.CustomerByAccount(ctx, p.ID, "c-1")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := st.CustomerByAccount(ctx, p.ID, "c-2")
	if err != nil {
		t.Fatal(err)
	}
	settings := func(chat bool, password string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"in_meeting": map[string]any{"chat": chat, "polling": true},
			"schedule_meeting": map[string]any{"default_password_for_scheduled_meetings": password}})
		return b
	}
	locks := func(chat bool) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"in_meeting": map[string]any{"chat": chat}})
		return b
	}
	read := func(c store.Customer, set, lock json.RawMessage) service.SettingsReadResult {
		t.Helper()
		started, err := st.Now(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.RecordSettingsRead(ctx, p.ID, c, store.SettingsRead{Settings: set, Locks: lock, Started: started}, service.ReadByRefresh,
			store.AuditEvent{RequestID: "river-1"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	external := func(account string) []string {
		t.Helper()
		rows, err := su.Query(ctx, "SELECT details::text FROM audit_events WHERE external AND action = 'customer.settings' AND customer_id = $1 ORDER BY id", account)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
		return out
	}

	// A first read compares with nothing.
	if res := read(c1, settings(true, "abc123"), locks(false)); res.Changed != 0 || res.Recorded || len(external("c-1")) != 0 {
		t.Fatalf("first read: %+v", res)
	}
	var readAt *time.Time
	if err := su.QueryRow(ctx, "SELECT settings_read_at FROM customer_details WHERE customer_id = $1", c1.ID).Scan(&readAt); err != nil || readAt == nil {
		t.Fatalf("settings_read_at after a read: %v %v", readAt, err)
	}

	// Changed in Zoom: the chat, the lock and the password; one event with only those paths,
	// the password redacted.
	if res := read(c1, settings(false, "xyz789"), locks(true)); res.Changed != 3 || !res.Recorded {
		t.Fatalf("read after a change in Zoom: %+v", res)
	}
	evs := external("c-1")
	if len(evs) != 1 {
		t.Fatalf("%d external events", len(evs))
	}
	var d struct {
		ReadBy string         `json:"read_by"`
		Before map[string]any `json:"before"`
		After  map[string]any `json:"after"`
	}
	if err := json.Unmarshal([]byte(evs[0]), &d); err != nil {
		t.Fatal(err)
	}
	pw := "schedule_meeting.default_password_for_scheduled_meetings"
	if d.ReadBy != service.ReadByRefresh || len(d.Before) != 3 || len(d.After) != 3 || d.Before["in_meeting.chat"] != true || d.After["in_meeting.chat"] != false ||
		d.Before["locked.in_meeting.chat"] != false || d.After["locked.in_meeting.chat"] != true || d.After[pw] != store.Redacted || d.Before[pw] != store.Redacted {
		t.Fatalf("the event's details: %s", evs[0])
	}

	// Tierdesk's own change of the customer's settings moments ago explains what the next read
	// finds: no external event.
	if _, err := st.Audit(ctx, store.AuditEvent{PartnerID: p.ID, Action: audit.CustomerSettings, Outcome: store.OutcomeSucceeded,
		StaffEmail: "owner@dist.example", TargetType: "customer", TargetID: "c-1", CustomerID: "c-1",
		Details: json.RawMessage(`{"before":{"in_meeting.chat":false},"after":{"in_meeting.chat":true}}`)}); err != nil {
		t.Fatal(err)
	}
	if res := read(c1, settings(true, "xyz789"), locks(true)); res.Changed != 1 || res.Recorded || len(external("c-1")) != 1 {
		t.Fatalf("read after Tierdesk's own change: %+v, %d external events", res, len(external("c-1")))
	}

	// Zoom's webhook saw the change first: its event is the record, the read that follows adds
	// none and clears the staleness the webhook marked.
	read(c2, settings(true, "abc123"), locks(false))
	digest := func(body []byte) []byte {
		t.Helper()
		return recordWebhook(t, st, p.ID, body)
	}
	res, err := svc.ApplyWebhookEvent(ctx, p.ID, digest(whEvent("account.settings_updated", time.Now().Add(time.Millisecond).UnixMilli(),
		map[string]any{"account_id": "c-2", "operator": "admin@two.example", "object": map[string]any{"id": "c-2", "settings": map[string]any{"in_meeting": map[string]any{"chat": false}}},
			"old_object": map[string]any{"id": "c-2", "settings": map[string]any{"in_meeting": map[string]any{"chat": true}}}})))
	if err != nil || res.Outcome != service.WebhookApplied || res.ReadSettingsOf != c2.ID {
		t.Fatalf("the webhook: %+v %v", res, err)
	}
	var stale *time.Time
	if err := su.QueryRow(ctx, "SELECT settings_stale_at FROM customer_details WHERE customer_id = $1", c2.ID).Scan(&stale); err != nil || stale == nil {
		t.Fatalf("stale after the webhook: %v %v", stale, err)
	}
	if res := read(c2, settings(false, "abc123"), locks(false)); res.Changed != 1 || res.Recorded || len(external("c-2")) != 1 {
		t.Fatalf("read after the webhook: %+v, %d external events", res, len(external("c-2")))
	}
	if err := su.QueryRow(ctx, "SELECT settings_stale_at FROM customer_details WHERE customer_id = $1", c2.ID).Scan(&stale); err != nil || stale != nil {
		t.Fatalf("stale after the read: %v %v", stale, err)
	}
	// Its list of changed paths reads the webhook's nested sections like the flat keys.
	if got := service.ChangedPaths(audit.CustomerLockSettings, json.RawMessage(`{"before":{"in_meeting":{"chat":false}},"after":{"in_meeting":{"chat":true}}}`)); got["locked.in_meeting.chat"].After != true {
		t.Fatalf("ChangedPaths of a lock event: %v", got)
	}
}

// recordWebhook records a webhook body for partnerID as the endpoint does and returns its digest.
func recordWebhook(t *testing.T, st *store.Store, partnerID int64, body []byte) []byte {
	t.Helper()
	d := sha256Sum(body)
	if fresh, err := st.RecordWebhook(context.Background(), partnerID, store.WebhookDelivery{Event: "e", Body: body, Digest: d, RequestID: "req-wh"}, nil); err != nil || !fresh {
		t.Fatalf("record %s: %v %v", body, fresh, err)
	}
	return d
}

// The steady refresh reads, per run, what its share of the Medium budget allows over its
// period, at four calls a customer.
func TestSettingsPerRun(t *testing.T) {
	for _, tc := range []struct {
		rate, share float64
		every       time.Duration
		want        int
	}{
		{30, service.SettingsRefreshShare, service.SettingsRefreshEvery, 112}, // Business+ at Tierdesk's default share
		{0, service.SettingsRefreshShare, service.SettingsRefreshEvery, 112},  // not paced: the same assumption
		{5, 0.05, time.Minute, 3},
		{1, 0.01, time.Second, 1}, // never none
	} {
		if got := service.SettingsPerRun(tc.rate, tc.share, tc.every); got != tc.want {
			t.Errorf("SettingsPerRun(%v, %v, %v) = %d, want %d", tc.rate, tc.share, tc.every, got, tc.want)
		}
	}
}

func sha256Sum(b []byte) []byte {
	d := sha256.Sum256(b)
	return d[:]
}

// A read whose settings Zoom answers but whose locks it refuses records the settings (the
// locks keep what was cached: here none) and no refusal, as a page's read does.
func TestReadCustomerSettingsKeepsSettingsWhenLocksRefused(t *testing.T) {
	t.Parallel()
	e := svNewEnv(t)
	ctx := context.Background()
	zr, err := e.svc.ForRead(ctx, e.partner.ID, e.actor.StaffID)
	if err != nil {
		t.Fatal(err)
	}
	// A paid customer: Zoom answers its settings.
	paid := e.User(func(u sandbox.UserInfo) bool {
		if u.Role != "Owner" || u.Primary || u.ParentAccountID != e.partner.ZoomAccountID {
			return false
		}
		_, _, err := zr.GetAccountSettings(ctx, u.AccountID, nil)
		return err == nil
	})
	if _, err := e.st.SaveSyncedCustomers(ctx, e.partner.ID, []store.SyncedCustomer{{ZoomAccountID: paid.AccountID, AccountName: paid.AccountName}}, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	c, err := e.st.CustomerByAccount(ctx, e.partner.ID, paid.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	e.sb.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts/" + c.ZoomAccountID + "/lock_settings",
		Status: http.StatusBadRequest, Code: 200, Message: "Only available for paid account."})
	res, err := e.svc.ReadCustomerSettings(ctx, zr, e.partner.ID, c, service.ReadByRefresh, store.AuditEvent{RequestID: "river-1"})
	if err != nil || res.Refused != "" {
		t.Fatalf("read with the locks refused: %+v %v", res, err)
	}
	d, err := e.st.CustomerDetailsOf(ctx, e.partner.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var set map[string]any
	if json.Unmarshal(d.Settings, &set) != nil || len(set) == 0 {
		t.Fatalf("settings not kept: %s", d.Settings)
	}
	if d.LockSettings != nil || d.Errors["settings"] != "" || d.Errors["lock_settings"] != "" {
		t.Fatalf("locks %s, errors %v", d.LockSettings, d.Errors)
	}
}
