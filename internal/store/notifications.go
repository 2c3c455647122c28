package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// OutgoingWebhook is a partner's outgoing webhook (notifications) as the settings page shows
// it: never its secret (a saved webhook always has one: SetOutgoingWebhook requires it first).
type OutgoingWebhook struct {
	URL       string
	Enabled   bool
	Kinds     []string // the event kinds it receives
	UpdatedAt time.Time
}

// OutgoingWebhookChange is what an owner saves. Secret "" keeps the secret already set.
type OutgoingWebhookChange struct {
	URL     string
	Secret  string
	Enabled bool
	Kinds   []string
}

// NotifyTestKind is the kind of the settings page's test event: sent to an enabled webhook
// whatever kinds it receives.
const NotifyTestKind = "test"

func adOutgoingSecret(partnerID int64) []byte {
	return []byte("outgoing-webhook-secret:" + strconv.FormatInt(partnerID, 10))
}

// SetOutgoingWebhook saves partnerID's outgoing webhook (the secret sealed) and appends ev as
// "partner.notifications" in the same transaction, with the receiver's origin, enabled flag
// and kinds before and after; of the secret, and of the URL beyond its origin (a chat tool's incoming webhook
// URL is itself a secret), only whether they changed. A first save without a secret is a
// ValidationError on "secret".
func (s *Store) SetOutgoingWebhook(ctx context.Context, partnerID int64, ch OutgoingWebhookChange, ev AuditEvent) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var before OutgoingWebhook
		err := tx.QueryRow(ctx, "SELECT url, enabled, kinds FROM outgoing_webhooks WHERE partner_id = $1 FOR UPDATE", partnerID).
			Scan(&before.URL, &before.Enabled, &before.Kinds)
		had := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if !had && ch.Secret == "" {
			return &ValidationError{Fields: map[string]string{"secret": "Enter a secret: the receiver checks each request's signature with it."}}
		}
		kinds := slices.Clone(ch.Kinds)
		if kinds == nil {
			kinds = []string{}
		}
		if ch.Secret != "" {
			keyID, sealed := s.keys.Encrypt([]byte(ch.Secret), adOutgoingSecret(partnerID))
			_, err = tx.Exec(ctx, `INSERT INTO outgoing_webhooks (partner_id, url, key_id, secret, enabled, kinds) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (partner_id) DO UPDATE SET url = $2, key_id = $3, secret = $4, enabled = $5, kinds = $6, updated_at = now()`,
				partnerID, ch.URL, keyID, sealed, ch.Enabled, kinds)
		} else {
			_, err = tx.Exec(ctx, "UPDATE outgoing_webhooks SET url = $2, enabled = $3, kinds = $4, updated_at = now() WHERE partner_id = $1",
				partnerID, ch.URL, ch.Enabled, kinds)
		}
		if err != nil {
			return err
		}
		urlChange := "unchanged"
		if !had || before.URL != ch.URL {
			urlChange = "changed"
		}
		secret := "unchanged"
		if ch.Secret != "" {
			secret = "changed"
		}
		b := map[string]any{}
		if had {
			b = map[string]any{"receiver": Origin(before.URL), "enabled": before.Enabled, "kinds": before.Kinds}
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.PartnerNotifications, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "partner", strconv.FormatInt(partnerID, 10), "Outgoing webhook"
		ev.Details = mustJSON(map[string]any{"before": b, "after": map[string]any{"receiver": Origin(ch.URL), "enabled": ch.Enabled, "kinds": kinds},
			"url": urlChange, "signing_key": secret})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return fmt.Errorf("save the outgoing webhook of partner %d: %w", partnerID, err)
	}
	return nil
}

// Origin is rawURL's scheme and host ("https://chat.example.com"): what the audit log and
// people without the right to change the webhook see of it. "" when rawURL is not a URL.
func Origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// OutgoingWebhookOf returns partnerID's outgoing webhook, or ErrNotFound when none is saved.
func (s *Store) OutgoingWebhookOf(ctx context.Context, partnerID int64) (OutgoingWebhook, error) {
	var w OutgoingWebhook
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		return translate(tx.QueryRow(ctx, "SELECT url, enabled, kinds, updated_at FROM outgoing_webhooks WHERE partner_id = $1", partnerID).
			Scan(&w.URL, &w.Enabled, &w.Kinds, &w.UpdatedAt))
	})
	if err != nil {
		return w, fmt.Errorf("outgoing webhook of partner %d: %w", partnerID, err)
	}
	return w, nil
}

// Notification statuses.
const (
	NotificationPending   = "pending"
	NotificationDelivered = "delivered"
	NotificationFailed    = "failed"
)

// Notification is one event for a partner's outgoing webhook and where its delivery stands.
type Notification struct {
	ID            int64      `db:"id"`
	DeliveryID    string     `db:"delivery_id"` // sent to the receiver, which dedupes by it
	Kind          string     `db:"kind"`
	Status        string     `db:"status"`
	Attempts      int        `db:"attempts"`
	LastStatus    *int       `db:"last_status"` // HTTP status of the last answer, if any came
	LastError     string     `db:"last_error"`  // what went wrong last, in words
	LastAttemptAt *time.Time `db:"last_attempt_at"`
	NextAttemptAt *time.Time `db:"next_attempt_at"`
	DeliveredAt   *time.Time `db:"delivered_at"`
	CreatedAt     time.Time  `db:"created_at"`
}

const notificationColumns = "id, delivery_id::text, kind, status, attempts, last_status, last_error, last_attempt_at, next_attempt_at, delivered_at, created_at"

// RecordNotification records an event of kind for partnerID's outgoing webhook when the
// partner has an enabled one that receives kind (the test kind: any enabled one), and in the
// same transaction has enqueue schedule its delivery. body builds the JSON to send from the
// delivery's id and the partner's name. It reports false, and records nothing, when no
// webhook takes the event.
func (s *Store) RecordNotification(ctx context.Context, partnerID int64, kind string, body func(deliveryID, partnerName string) ([]byte, error),
	enqueue func(ctx context.Context, tx pgx.Tx, id int64) error) (Notification, bool, error) {
	var n Notification
	var sent bool
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var deliveryID, name string
		err := tx.QueryRow(ctx, `SELECT gen_random_uuid()::text, p.name FROM outgoing_webhooks w JOIN partners p ON p.id = w.partner_id
			WHERE w.partner_id = $1 AND w.enabled AND ($2 = ANY (w.kinds) OR $2 = $3)`, partnerID, kind, NotifyTestKind).Scan(&deliveryID, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		b, err := body(deliveryID, name)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `INSERT INTO webhook_deliveries (partner_id, delivery_id, kind, body) VALUES ($1, $2::uuid, $3, $4)
			RETURNING `+notificationColumns, partnerID, deliveryID, kind, string(b))
		if n, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Notification]); err != nil {
			return err
		}
		sent = true
		return enqueue(ctx, tx, n.ID)
	})
	if err != nil {
		return n, false, fmt.Errorf("record a %s notification for partner %d: %w", kind, partnerID, err)
	}
	return n, sent, nil
}

// NotificationToSend is a delivery with what sending it takes: the body as recorded and the
// webhook's current URL and secret (a webhook changed since takes the retries).
type NotificationToSend struct {
	Notification
	Body       []byte
	HasWebhook bool // false: the webhook was removed
	Enabled    bool
	URL        string
	Secret     string
}

// NotificationToSend returns partnerID's delivery id with its webhook, or ErrNotFound.
func (s *Store) NotificationToSend(ctx context.Context, partnerID, id int64) (NotificationToSend, error) {
	var n NotificationToSend
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		type withBody struct {
			Notification
			Body []byte `db:"body"`
		}
		rows, _ := tx.Query(ctx, "SELECT "+notificationColumns+", body FROM webhook_deliveries WHERE partner_id = $1 AND id = $2", partnerID, id)
		d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[withBody])
		if err != nil {
			return translate(err)
		}
		n.Notification, n.Body = d.Notification, d.Body
		var keyID string
		var sealed []byte
		err = tx.QueryRow(ctx, "SELECT url, enabled, key_id, secret FROM outgoing_webhooks WHERE partner_id = $1", partnerID).
			Scan(&n.URL, &n.Enabled, &keyID, &sealed)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		n.HasWebhook = true
		pt, err := s.keys.Decrypt(keyID, sealed, adOutgoingSecret(partnerID))
		n.Secret = string(pt)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("notification %d of partner %d: %w", id, partnerID, err)
	}
	return n, nil
}

// NotificationAttempt is the outcome of one attempt to deliver a notification.
type NotificationAttempt struct {
	Status    int    // the answer's HTTP status; 0 when none came
	Error     string // what went wrong, in words ("" when delivered)
	Delivered bool
	Final     bool       // no attempt follows: the delivery failed for good
	Next      *time.Time // when the next attempt is due
}

// RecordNotificationAttempt adds an attempt to partnerID's delivery id: delivered, failed for
// good, or pending with its next try. A delivery already delivered is left as it is.
func (s *Store) RecordNotificationAttempt(ctx context.Context, partnerID, id int64, a NotificationAttempt) error {
	status := NotificationPending
	switch {
	case a.Delivered:
		status = NotificationDelivered
	case a.Final:
		status = NotificationFailed
	}
	var code *int
	if a.Status != 0 {
		code = &a.Status
	}
	next := a.Next
	if a.Delivered || a.Final {
		next = nil
	}
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $3, last_status = $4, last_error = $5,
			last_attempt_at = now(), next_attempt_at = $6, delivered_at = CASE WHEN $3 = 'delivered' THEN now() END
			WHERE partner_id = $1 AND id = $2 AND status <> 'delivered'`, partnerID, id, status, code, a.Error, next)
		if err != nil {
			return fmt.Errorf("record an attempt of notification %d: %w", id, err)
		}
		return nil
	})
}

// Notifications lists partnerID's latest deliveries, newest first (limit at most 200).
func (s *Store) Notifications(ctx context.Context, partnerID int64, limit int) ([]Notification, error) {
	limit = min(max(limit, 1), 200)
	var out []Notification
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+notificationColumns+" FROM webhook_deliveries WHERE partner_id = $1 ORDER BY id DESC LIMIT $2", partnerID, limit).
			Query(func(rows pgx.Rows) error {
				var err error
				out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Notification])
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("notifications of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// SwapDriftCounts records, for partnerID's standards, how many customers have drifted now
// (drifted: by standard id) and returns the counts recorded before (a standard counted for
// the first time is absent).
func (s *Store) SwapDriftCounts(ctx context.Context, partnerID int64, drifted map[int64]int) (map[int64]int, error) {
	prev := map[int64]int{}
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		ids := make([]int64, 0, len(drifted))
		counts := make([]int32, 0, len(drifted))
		for id, n := range drifted {
			ids, counts = append(ids, id), append(counts, int32(n))
		}
		rows, _ := tx.Query(ctx, `SELECT standard_id, drifted FROM standard_drift_counts WHERE partner_id = $1 AND standard_id = ANY ($2) FOR UPDATE`, partnerID, ids)
		var id int64
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { prev[id] = n; return nil }); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO standard_drift_counts (standard_id, partner_id, drifted)
			SELECT s.id, $1, c.n FROM unnest($2::bigint[], $3::int[]) AS c (id, n) JOIN standards s ON s.id = c.id AND s.partner_id = $1
			ON CONFLICT (standard_id) DO UPDATE SET drifted = EXCLUDED.drifted, counted_at = now()`, partnerID, ids, counts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("drift counts of partner %d: %w", partnerID, err)
	}
	return prev, nil
}

// DeleteOldNotifications forgets deliveries older than maxAge that are settled (delivered or
// failed), for every partner: the log shows the latest, and a pending one still has tries.
func (s *Store) DeleteOldNotifications(ctx context.Context, maxAge time.Duration) error {
	return s.eachPartner(ctx, func(tx pgx.Tx, partnerID int64) error {
		_, err := tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE partner_id = $1 AND status <> 'pending'
			AND created_at <= now() - make_interval(secs => $2)`, partnerID, maxAge.Seconds())
		return err
	})
}
