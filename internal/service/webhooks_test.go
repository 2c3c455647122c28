package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// whPartner registers a partner for account with an owner signed in through the OAuth app
// "client", as sign-in does.
func whPartner(t *testing.T, st *store.Store, account, email string) store.Partner {
	t.Helper()
	ctx := context.Background()
	grantID, err := st.SavePendingGrant(ctx, account, "zu-"+email, "client", store.Tokens{AccessToken: "at-" + email, RefreshToken: "rt-" + email,
		Expiry: time.Now().Add(time.Hour), Scopes: "account:master"})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: account, Name: "Partner " + account,
		Owner: store.StaffIdentity{ZoomUserID: "zu-" + email, Email: email, FirstName: "Olive", LastName: "Owner"}, GrantID: grantID}, store.AuditEvent{RequestID: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// whEvent is a webhook body as Zoom sends it.
func whEvent(event string, ts int64, payload map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"event": event, "event_ts": ts, "payload": payload})
	if err != nil {
		panic(err)
	}
	return b
}

// Each event Zoom sends converges the partner's own cache and is audited as external, once;
// what the cache already says changes nothing; an echo of Tierdesk's own change is not audited
// again; a late copy does not undo a later change; other partners' customers are never
// touched. The events are Zoom's bodies, recorded and applied as the webhook endpoint and its
// job do.
func TestApplyWebhookEvents(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	su := storetest.Superuser(t, st)
	svc := service.New(st, nil, slog.New(slog.DiscardHandler))
	dist := whPartner(t, st, "acct-dist", "owner@dist.example")
	res := whPartner(t, st, "acct-res", "owner@res.example")
	now := time.Now()
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, []store.SyncedCustomer{{ZoomAccountID: "acct-res", AccountName: "Reseller"}, {ZoomAccountID: "c-d1", AccountName: "D1"}}, now, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveSyncedCustomers(ctx, res.ID, []store.SyncedCustomer{{ZoomAccountID: "c-r1", AccountName: "R1"}}, now, ""); err != nil {
		t.Fatal(err)
	}
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
	record := func(partnerID int64, body []byte) []byte {
		t.Helper()
		d := sha256.Sum256(body)
		if fresh, err := st.RecordWebhook(ctx, partnerID, store.WebhookDelivery{Event: "e", Body: body, Digest: d[:], RequestID: "req-wh"}, nil); err != nil || !fresh {
			t.Fatalf("record %s: %v %v", body, fresh, err)
		}
		return d[:]
	}
	apply := func(partnerID int64, body []byte) string {
		t.Helper()
		res, err := svc.ApplyWebhookEvent(ctx, partnerID, record(partnerID, body))
		if err != nil {
			t.Fatal(err)
		}
		return res.Outcome
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
	grant := func() string {
		var s string
		if err := su.QueryRow(ctx, "SELECT status FROM zoom_grants WHERE zoom_user_id = 'zu-owner@dist.example'").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	obj := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	// Now, in Zoom's milliseconds (rounded up: an event happens after the cache's last write).
	at := func() int64 { return time.Now().Add(time.Millisecond).UnixMilli() }

	for _, tc := range []struct {
		name      string
		partnerID int64
		event     string
		payload   map[string]any
		want      string
		check     func() bool
	}{
		{"user created elsewhere", dist.ID, "user.created", obj("account_id", "c-d1", "creation_type", "create",
			"object", obj("id", "u-2", "email", "bob@d1.example", "first_name", "Bob", "type", 1)),
			service.WebhookApplied, func() bool { s, _ := dir("bob@d1.example"); return s == "pending" && external("user.create") == 1 }},
		{"renamed in Zoom", dist.ID, "user.updated", obj("account_id", "c-d1", "object", obj("id", "u-1", "first_name", "Annie")),
			service.WebhookApplied, func() bool { _, f := dir("ann@d1.example"); return f == "Annie" && external("user.update") == 1 }},
		{"the same name again", dist.ID, "user.updated", obj("account_id", "c-d1", "object", obj("id", "u-1", "first_name", "Annie")),
			service.WebhookKnown, func() bool { return external("user.update") == 1 }},
		{"deleted in Zoom", dist.ID, "user.deleted", obj("account_id", "c-d1", "object", obj("id", "u-2", "email", "bob@d1.example")),
			service.WebhookApplied, func() bool { s, _ := dir("bob@d1.example"); return s == "" && external("user.delete") == 1 }},
		{"another partner's customer", res.ID, "user.deactivated", obj("account_id", "c-d1", "object", obj("id", "u-1", "email", "ann@d1.example")),
			service.WebhookIgnored, func() bool { s, _ := dir("ann@d1.example"); return s == "active" }},
		{"sub account created elsewhere", dist.ID, "account.created", obj("account_id", "acct-dist", "object", obj("id", "c-new", "email", "owner@new.example")),
			service.WebhookSync, func() bool { return external("customer.create") == 1 }},
		{"Tierdesk's own create, told before its answer is recorded", dist.ID, "account.created",
			obj("account_id", "acct-dist", "object", obj("id", "c-being-made", "email", "Onboarded@Owner.example")),
			service.WebhookKnown, func() bool { return external("customer.create") == 1 }},
		{"settings changed elsewhere, nothing cached", dist.ID, "account.settings_updated",
			obj("account_id", "acct-dist", "object", obj("id", "c-d1", "settings", obj("in_meeting", obj("chat", false)))),
			service.WebhookApplied, func() bool { return external("customer.settings") == 1 }},
		{"renamed account, seats as a string", dist.ID, "account.updated", obj("account_id", "acct-dist", "object", obj("id", "c-d1", "account_name", "D1 Renamed", "seats", "12")),
			service.WebhookApplied, func() bool {
				c, err := st.CustomerByAccount(ctx, dist.ID, "c-d1")
				if err != nil {
					t.Fatal(err)
				}
				return c.AccountName == "D1 Renamed" && c.Seats == 12 && external("customer.update") == 1
			}},
		{"the owner removed another app", dist.ID, "app_deauthorized",
			obj("account_id", "acct-dist", "user_id", "zu-owner@dist.example", "client_id", "some-other-app"),
			service.WebhookKnown, func() bool { return grant() == "active" }},
		{"the owner removed Tierdesk's app", dist.ID, "app_deauthorized",
			obj("account_id", "acct-dist", "user_id", "zu-owner@dist.example", "client_id", "client"),
			service.WebhookApplied, func() bool { return grant() == "expired" && external("grant.deauthorized") == 1 }},
		{"an event Tierdesk does not follow", dist.ID, "meeting.started", obj("account_id", "c-d1"),
			service.WebhookIgnored, func() bool { return true }},
	} {
		if got := apply(tc.partnerID, whEvent(tc.event, at(), tc.payload)); got != tc.want || !tc.check() {
			t.Fatalf("%s: outcome %q (want %q), check passed %v", tc.name, got, tc.want, tc.check())
		}
	}

	// A settings change the cache already has (Tierdesk's own, read back) is known.
	if _, err := su.Exec(ctx, `INSERT INTO customer_details (customer_id, partner_id, settings) VALUES ($1, $2, '{"in_meeting":{"chat":true,"polling":false,"n":3}}')
		ON CONFLICT (customer_id) DO UPDATE SET settings = excluded.settings`, d1.ID, dist.ID); err != nil {
		t.Fatal(err)
	}
	if got := apply(dist.ID, whEvent("account.settings_updated", at(), obj("account_id", "acct-dist",
		"object", obj("id", "c-d1", "settings", obj("in_meeting", obj("chat", true, "n", 3)))))); got != service.WebhookKnown || external("customer.settings") != 1 {
		t.Fatalf("settings the cache has: %q, %d external events", got, external("customer.settings"))
	}

	// The same delivery twice (same digest): the second is not recorded, and applying it again
	// changes nothing.
	body := whEvent("user.deactivated", at(), obj("account_id", "c-d1", "object", obj("id", "u-1", "email", "ann@d1.example")))
	d := sha256.Sum256(body)
	for i, want := range []bool{true, false} {
		if fresh, err := st.RecordWebhook(ctx, dist.ID, store.WebhookDelivery{Event: "user.deactivated", Body: body, Digest: d[:]}, nil); err != nil || fresh != want {
			t.Fatalf("delivery %d recorded: %v %v, want %v", i+1, fresh, err, want)
		}
	}
	for i, want := range []string{service.WebhookApplied, service.WebhookDuplicate} {
		if got, err := svc.ApplyWebhookEvent(ctx, dist.ID, d[:]); err != nil || got.Outcome != want {
			t.Fatalf("application %d: %q %v, want %q", i+1, got.Outcome, err, want)
		}
	}

	// Zoom reporting back a change Tierdesk made a moment ago: the cache follows, no second
	// audit event.
	if _, err := st.RecordCustomerChange(ctx, dist.ID, d1.ID, store.CustomerUpdate{}, store.AuditEvent{Action: "customer.options",
		Outcome: store.OutcomeSucceeded, TargetType: "customer", TargetID: "c-d1", CustomerID: "c-d1"}); err != nil {
		t.Fatal(err)
	}
	before := external("customer.update")
	if got := apply(dist.ID, whEvent("account.updated", at(), obj("account_id", "acct-dist",
		"object", obj("id", "c-d1", "pay_mode", "sub")))); got != service.WebhookEcho || external("customer.update") != before {
		t.Fatalf("echo of an own change: %q, external events %d → %d", got, before, external("customer.update"))
	}
	if c, err := st.CustomerByAccount(ctx, dist.ID, "c-d1"); err != nil || c.PayMode != "sub" {
		t.Fatalf("the echo did not converge the cache: pay mode %q (%v)", c.PayMode, err)
	}
	// A late copy of an event (Zoom retries for over an hour) older than the cache's last
	// change of the user is not applied.
	if got := apply(dist.ID, whEvent("user.activated", time.Now().Add(-30*time.Minute).UnixMilli(),
		obj("account_id", "c-d1", "object", obj("id", "u-1", "email", "ann@d1.example")))); got != service.WebhookStale {
		t.Fatalf("a late user.activated: %q", got)
	}
	if s, _ := dir("ann@d1.example"); s != "inactive" {
		t.Fatalf("a late event undid a later change: status %s", s)
	}
	// Moments after that own change, a change of another field made in Zoom is no echo.
	if got := apply(dist.ID, whEvent("account.updated", at(), obj("account_id", "acct-dist",
		"object", obj("id", "c-d1", "owner_email", "new.owner@d1.example")))); got != service.WebhookApplied || external("customer.update") != before+1 {
		t.Fatalf("an owner change in Zoom after an own options change: %q, external events %d → %d", got, before, external("customer.update"))
	}
	if s, _ := dir("ann@d1.example"); s != "inactive" || external("user.deactivate") != 1 {
		t.Fatalf("after a retried deactivation: status %s, %d events", s, external("user.deactivate"))
	}
	// The audit events carry the request that brought the event.
	var reqs int
	if err := su.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE external AND request_id = 'req-wh'").Scan(&reqs); err != nil || reqs == 0 {
		t.Fatalf("external events with the delivery's request id: %d (%v)", reqs, err)
	}
	if v, err := st.VerifyAudit(ctx, dist.ID); err != nil || len(v) == 0 || !v[0].OK {
		t.Fatalf("chain after webhooks: %+v %v", v, err)
	}
}
