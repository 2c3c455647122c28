package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// An outgoing webhook's secret is sealed at rest and comes back whole only to the sender; a
// notification is recorded only for an enabled webhook that receives its kind; an attempt
// never changes a delivered row; another partner reads none of it.
func TestOutgoingWebhookRows(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-n", "owner@n.example")
	other, _ := registerPartner(t, st, "acct-o", "owner@o.example")
	const secret = "a-secret-to-sign-with"
	body := func(id, name string) ([]byte, error) {
		return []byte(`{"delivery_id":"` + id + `","name":"` + name + `"}`), nil
	}
	enqueued := 0
	enqueue := func(context.Context, pgx.Tx, int64) error { enqueued++; return nil }

	if _, ok, err := st.RecordNotification(ctx, p.ID, "job.failed", body, enqueue); err != nil || ok || enqueued != 0 {
		t.Fatalf("without a webhook: %v %v, %d enqueued", ok, err, enqueued)
	}
	var ve *store.ValidationError
	if err := st.SetOutgoingWebhook(ctx, p.ID, store.OutgoingWebhookChange{URL: "https://hooks.example/a", Enabled: true}, store.AuditEvent{}); !errors.As(err, &ve) || ve.Fields["secret"] == "" {
		t.Fatalf("first save without a secret: %v", err)
	}
	if err := st.SetOutgoingWebhook(ctx, p.ID, store.OutgoingWebhookChange{URL: "https://hooks.example/a", Secret: secret, Enabled: true,
		Kinds: []string{"job.failed"}}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT secret FROM outgoing_webhooks WHERE partner_id = $1", p.ID).Scan(&sealed); err != nil ||
		bytes.Contains(sealed, []byte(secret)) {
		t.Fatalf("the secret at rest: %v", err)
	}
	if _, ok, err := st.RecordNotification(ctx, p.ID, "standard.drift", body, enqueue); err != nil || ok {
		t.Fatalf("a kind the webhook does not receive: %v %v", ok, err)
	}
	n, ok, err := st.RecordNotification(ctx, p.ID, "job.failed", body, enqueue)
	if err != nil || !ok || enqueued != 1 || n.Status != store.NotificationPending || n.DeliveryID == "" {
		t.Fatalf("recorded: %+v %v %v, %d enqueued", n, ok, err, enqueued)
	}
	send, err := st.NotificationToSend(ctx, p.ID, n.ID)
	if err != nil || send.Secret != secret || send.URL != "https://hooks.example/a" || !bytes.Contains(send.Body, []byte(n.DeliveryID)) ||
		!bytes.Contains(send.Body, []byte(p.Name)) {
		t.Fatalf("to send: %+v %v", send, err)
	}
	if _, err := st.NotificationToSend(ctx, other.ID, n.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another partner's delivery: %v", err)
	}
	if err := st.RecordNotificationAttempt(ctx, p.ID, n.ID, store.NotificationAttempt{Status: 200, Delivered: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordNotificationAttempt(ctx, p.ID, n.ID, store.NotificationAttempt{Status: 500, Error: "late"}); err != nil {
		t.Fatal(err)
	}
	log, err := st.Notifications(ctx, p.ID, 50)
	if err != nil || len(log) != 1 || log[0].Status != store.NotificationDelivered || log[0].Attempts != 1 || log[0].LastError != "" {
		t.Fatalf("log after delivery and a late attempt: %+v %v", log, err)
	}
	if log, err := st.Notifications(ctx, other.ID, 50); err != nil || len(log) != 0 {
		t.Fatalf("another partner's log: %+v %v", log, err)
	}
	// Kept secret: saving without one keeps it.
	if err := st.SetOutgoingWebhook(ctx, p.ID, store.OutgoingWebhookChange{URL: "https://hooks.example/b", Kinds: []string{"job.failed"}}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if send, err := st.NotificationToSend(ctx, p.ID, n.ID); err != nil || send.Secret != secret || send.Enabled || send.URL != "https://hooks.example/b" {
		t.Fatalf("after a save without a secret: %+v %v", send, err)
	}
	// Old settled deliveries are forgotten; recent ones stay.
	if err := st.DeleteOldNotifications(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if log, err := st.Notifications(ctx, p.ID, 50); err != nil || len(log) != 1 {
		t.Fatalf("a recent delivery after the clean-up: %d %v", len(log), err)
	}
	if _, err := storetest.Superuser(t, st).Exec(ctx, "UPDATE webhook_deliveries SET created_at = now() - interval '2 hours'"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteOldNotifications(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if log, err := st.Notifications(ctx, p.ID, 50); err != nil || len(log) != 0 {
		t.Fatalf("an old delivery after the clean-up: %d %v", len(log), err)
	}
}
