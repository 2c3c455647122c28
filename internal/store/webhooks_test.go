package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// Each event kind converges the partner's own cache and is audited as external, once; what
// the cache already says changes nothing; other partners' customers are never touched.
func TestApplyWebhookEvents(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, _ := threeTiers(t, st)
	su := storetest.Superuser(t, st)
	d1, err := st.CustomerByAccount(ctx, dist.ID, "c-d1")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CacheCustomerUser(ctx, dist.ID, d1.ID, store.DirUser{ZoomUserID: "u-1", Email: "ann@d1.example", FirstName: "Ann", Type: 1, Status: "active"}); err != nil {
		t.Fatal(err)
	}
	// A customer being onboarded: a draft under a placeholder id, with its owner's email.
	if _, err := su.Exec(ctx, `INSERT INTO customers (partner_id, zoom_account_id, account_name, owner_email, status)
		VALUES ($1, 'draft:webhook-test', 'Being made', 'onboarded@owner.example', 'draft')`, dist.ID); err != nil {
		t.Fatal(err)
	}
	n := 0
	apply := func(partnerID int64, ev store.WebhookEvent) string {
		t.Helper()
		n++
		d := sha256.Sum256([]byte(ev.Event + string(rune(n))))
		ev.Digest = d[:]
		if fresh, err := st.RecordWebhook(ctx, partnerID, ev, nil); err != nil || !fresh {
			t.Fatalf("record %s: %v %v", ev.Event, fresh, err)
		}
		out, err := st.ApplyWebhook(ctx, partnerID, ev.Digest)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	external := func(action string) int {
		var c int
		if err := su.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE external AND action = $1", action).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	dir := func(email string) (status, first string) {
		t.Helper()
		if err := su.QueryRow(ctx, "SELECT status, first_name FROM customer_users WHERE email = $1", email).Scan(&status, &first); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		return
	}

	for _, tc := range []struct {
		name      string
		partnerID int64
		ev        store.WebhookEvent
		want      string
		check     func() bool
	}{
		{"user created elsewhere", dist.ID, store.WebhookEvent{Event: "user.created", AccountID: "c-d1", CreationType: "create",
			Object: map[string]any{"id": "u-2", "email": "bob@d1.example", "first_name": "Bob", "type": float64(1)}},
			store.WebhookApplied, func() bool { s, _ := dir("bob@d1.example"); return s == "pending" && external("user.create") == 1 }},
		{"renamed in Zoom", dist.ID, store.WebhookEvent{Event: "user.updated", AccountID: "c-d1",
			Object: map[string]any{"id": "u-1", "first_name": "Annie"}},
			store.WebhookApplied, func() bool { _, f := dir("ann@d1.example"); return f == "Annie" && external("user.update") == 1 }},
		{"the same name again", dist.ID, store.WebhookEvent{Event: "user.updated", AccountID: "c-d1",
			Object: map[string]any{"id": "u-1", "first_name": "Annie"}},
			store.WebhookKnown, func() bool { return external("user.update") == 1 }},
		{"deleted in Zoom", dist.ID, store.WebhookEvent{Event: "user.deleted", AccountID: "c-d1",
			Object: map[string]any{"id": "u-2", "email": "bob@d1.example"}},
			store.WebhookApplied, func() bool { s, _ := dir("bob@d1.example"); return s == "" && external("user.delete") == 1 }},
		{"another partner's customer", res.ID, store.WebhookEvent{Event: "user.deactivated", AccountID: "c-d1",
			Object: map[string]any{"id": "u-1", "email": "ann@d1.example"}},
			store.WebhookIgnored, func() bool { s, _ := dir("ann@d1.example"); return s == "active" }},
		{"sub account created elsewhere", dist.ID, store.WebhookEvent{Event: "account.created", AccountID: "acct-dist",
			Object: map[string]any{"id": "c-new", "email": "owner@new.example"}},
			store.WebhookSync, func() bool { return external("customer.create") == 1 }},
		{"Tierdesk's own create, told before its answer is recorded", dist.ID, store.WebhookEvent{Event: "account.created", AccountID: "acct-dist",
			Object: map[string]any{"id": "c-being-made", "email": "Onboarded@Owner.example"}},
			store.WebhookKnown, func() bool { return external("customer.create") == 1 }},
		{"settings changed elsewhere, nothing cached", dist.ID, store.WebhookEvent{Event: "account.settings_updated", AccountID: "acct-dist",
			Object: map[string]any{"id": "c-d1", "settings": map[string]any{"in_meeting": map[string]any{"chat": false}}}},
			store.WebhookApplied, func() bool { return external("customer.settings") == 1 }},
		{"renamed account", dist.ID, store.WebhookEvent{Event: "account.updated", AccountID: "acct-dist",
			Object: map[string]any{"id": "c-d1", "account_name": "D1 Renamed"}},
			store.WebhookApplied, func() bool {
				c, err := st.CustomerByAccount(ctx, dist.ID, "c-d1")
				if err != nil {
					t.Fatal(err)
				}
				return c.AccountName == "D1 Renamed" && external("customer.update") == 1
			}},
		{"the owner removed another app", dist.ID, store.WebhookEvent{Event: "app_deauthorized",
			Object: map[string]any{"account_id": "acct-dist", "user_id": "zu-owner@dist.example", "client_id": "some-other-app"}},
			store.WebhookKnown, func() bool {
				var s string
				if err := su.QueryRow(ctx, "SELECT status FROM zoom_grants WHERE zoom_user_id = 'zu-owner@dist.example'").Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s == "active"
			}},
		{"the owner removed Tierdesk's app", dist.ID, store.WebhookEvent{Event: "app_deauthorized",
			Object: map[string]any{"account_id": "acct-dist", "user_id": "zu-owner@dist.example", "client_id": "client"}},
			store.WebhookApplied, func() bool {
				var s string
				if err := su.QueryRow(ctx, "SELECT status FROM zoom_grants WHERE zoom_user_id = 'zu-owner@dist.example'").Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s == "expired" && external("grant.deauthorized") == 1
			}},
		{"an event Tierdesk does not follow", dist.ID, store.WebhookEvent{Event: "meeting.started", AccountID: "c-d1"},
			store.WebhookIgnored, func() bool { return true }},
	} {
		if got := apply(tc.partnerID, tc.ev); got != tc.want || !tc.check() {
			t.Fatalf("%s: outcome %q (want %q), check passed %v", tc.name, got, tc.want, tc.check())
		}
	}

	// A settings change the cache already has (Tierdesk's own, read back) is known.
	if _, err := su.Exec(ctx, `INSERT INTO customer_details (customer_id, partner_id, settings) VALUES ($1, $2, '{"in_meeting":{"chat":true,"polling":false}}')
		ON CONFLICT (customer_id) DO UPDATE SET settings = excluded.settings`, d1.ID, dist.ID); err != nil {
		t.Fatal(err)
	}
	if got := apply(dist.ID, store.WebhookEvent{Event: "account.settings_updated", AccountID: "acct-dist",
		Object: map[string]any{"id": "c-d1", "settings": map[string]any{"in_meeting": map[string]any{"chat": true}}}}); got != store.WebhookKnown || external("customer.settings") != 1 {
		t.Fatalf("settings the cache has: %q, %d external events", got, external("customer.settings"))
	}

	// The same event twice (same digest): the second is not recorded, and applying it again
	// changes nothing.
	ev := store.WebhookEvent{Event: "user.deactivated", AccountID: "c-d1", Digest: []byte("same-body"),
		Object: map[string]any{"id": "u-1", "email": "ann@d1.example"}}
	for i, want := range []bool{true, false} {
		if fresh, err := st.RecordWebhook(ctx, dist.ID, ev, nil); err != nil || fresh != want {
			t.Fatalf("delivery %d recorded: %v %v, want %v", i+1, fresh, err, want)
		}
	}
	for i, want := range []string{store.WebhookApplied, store.WebhookDuplicate} {
		if got, err := st.ApplyWebhook(ctx, dist.ID, ev.Digest); err != nil || got != want {
			t.Fatalf("application %d: %q %v, want %q", i+1, got, err, want)
		}
	}

	// Zoom reporting back a change Tierdesk made a moment ago: the cache follows, no second
	// audit event.
	if _, err := st.RecordCustomerChange(ctx, dist.ID, d1.ID, store.CustomerUpdate{}, store.AuditEvent{Action: "customer.options",
		Outcome: store.OutcomeSucceeded, TargetType: "customer", TargetID: "c-d1", CustomerID: "c-d1"}); err != nil {
		t.Fatal(err)
	}
	before := external("customer.update")
	if got := apply(dist.ID, store.WebhookEvent{Event: "account.updated", AccountID: "acct-dist",
		Object: map[string]any{"id": "c-d1", "pay_mode": "sub"}}); got != store.WebhookEcho || external("customer.update") != before {
		t.Fatalf("echo of an own change: %q, external events %d → %d", got, before, external("customer.update"))
	}
	if c, err := st.CustomerByAccount(ctx, dist.ID, "c-d1"); err != nil || c.PayMode != "sub" {
		t.Fatalf("the echo did not converge the cache: pay mode %q (%v)", c.PayMode, err)
	}
	// A late copy of an event (Zoom retries for over an hour) older than the cache's last
	// change of the user is not applied.
	if got := apply(dist.ID, store.WebhookEvent{Event: "user.activated", AccountID: "c-d1", EventTS: time.Now().Add(-30 * time.Minute).UnixMilli(),
		Object: map[string]any{"id": "u-1", "email": "ann@d1.example"}}); got != store.WebhookStale {
		t.Fatalf("a late user.activated: %q", got)
	}
	if s, _ := dir("ann@d1.example"); s != "inactive" {
		t.Fatalf("a late event undid a later change: status %s", s)
	}
	// Moments after that own change, a change of another field made in Zoom is no echo.
	if got := apply(dist.ID, store.WebhookEvent{Event: "account.updated", AccountID: "acct-dist",
		Object: map[string]any{"id": "c-d1", "owner_email": "new.owner@d1.example"}}); got != store.WebhookApplied || external("customer.update") != before+1 {
		t.Fatalf("an owner change in Zoom after an own options change: %q, external events %d → %d", got, before, external("customer.update"))
	}
	if s, _ := dir("ann@d1.example"); s != "inactive" || external("user.deactivate") != 1 {
		t.Fatalf("after a retried deactivation: status %s, %d events", s, external("user.deactivate"))
	}
	if v, err := st.VerifyAudit(ctx, dist.ID); err != nil || len(v) == 0 || !v[0].OK {
		t.Fatalf("chain after webhooks: %+v %v", v, err)
	}
}
