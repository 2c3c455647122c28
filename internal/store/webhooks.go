package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// WebhookStatus is what the settings page says about a partner's Zoom webhook.
type WebhookStatus struct {
	Configured      bool
	UpdatedAt       time.Time
	LastValidatedAt *time.Time
	LastEventAt     *time.Time
}

func adWebhookSecret(partnerID int64) []byte {
	return []byte("webhook-secret:" + strconv.FormatInt(partnerID, 10))
}

// SetWebhookSecret stores partnerID's webhook Secret Token, sealed ("" removes it), and
// appends ev as "partner.webhook" in the same transaction. The token itself is never audited.
func (s *Store) SetWebhookSecret(ctx context.Context, partnerID int64, secret string, ev AuditEvent) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var had bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM webhook_secrets WHERE partner_id = $1)", partnerID).Scan(&had); err != nil {
			return err
		}
		after := "on"
		if secret == "" {
			after = "off"
			if _, err := tx.Exec(ctx, "DELETE FROM webhook_secrets WHERE partner_id = $1", partnerID); err != nil {
				return err
			}
		} else {
			keyID, sealed := s.keys.Encrypt([]byte(secret), adWebhookSecret(partnerID))
			if _, err := tx.Exec(ctx, `INSERT INTO webhook_secrets (partner_id, key_id, secret) VALUES ($1, $2, $3)
				ON CONFLICT (partner_id) DO UPDATE SET key_id = $2, secret = $3, updated_at = now(), last_validated_at = NULL`,
				partnerID, keyID, sealed); err != nil {
				return err
			}
		}
		before := "off"
		if had {
			before = "on"
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.PartnerWebhook, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "partner", strconv.FormatInt(partnerID, 10), "Zoom webhook"
		ev.Details = mustJSON(map[string]any{"before": map[string]any{"webhook": before}, "after": map[string]any{"webhook": after}})
		_, err := s.appendAudit(ctx, tx, ev)
		return err
	})
}

// WebhookStatusOf returns partnerID's webhook status (Configured false when none is set).
func (s *Store) WebhookStatusOf(ctx context.Context, partnerID int64) (WebhookStatus, error) {
	var st WebhookStatus
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT updated_at, last_validated_at, last_event_at FROM webhook_secrets WHERE partner_id = $1", partnerID).
			Scan(&st.UpdatedAt, &st.LastValidatedAt, &st.LastEventAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		st.Configured = err == nil
		return err
	})
	if err != nil {
		return st, fmt.Errorf("webhook of partner %d: %w", partnerID, err)
	}
	return st, nil
}

// WebhookSecret returns partnerID's webhook Secret Token, or ErrNotFound.
func (s *Store) WebhookSecret(ctx context.Context, partnerID int64) (string, error) {
	var secret string
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var keyID string
		var sealed []byte
		if err := tx.QueryRow(ctx, "SELECT key_id, secret FROM webhook_secrets WHERE partner_id = $1", partnerID).Scan(&keyID, &sealed); err != nil {
			return translate(err)
		}
		pt, err := s.keys.Decrypt(keyID, sealed, adWebhookSecret(partnerID))
		secret = string(pt)
		return err
	})
	return secret, err
}

// WebhookValidated records that Zoom validated partnerID's webhook endpoint just now.
func (s *Store) WebhookValidated(ctx context.Context, partnerID int64) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE webhook_secrets SET last_validated_at = now() WHERE partner_id = $1", partnerID)
		return err
	})
}

// PartnersWithZoomAccount returns the partners an event about a Zoom account may come from:
// the partner that is that account, or the one that manages it as a customer. Empty when
// neither is known.
func (s *Store) PartnersWithZoomAccount(ctx context.Context, zoomAccountID string) ([]int64, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM partners WHERE zoom_account_id = $1
		UNION SELECT partner_id FROM account_directory WHERE zoom_account_id = $1`, zoomAccountID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("partners of account %s: %w", zoomAccountID, err)
	}
	return ids, nil
}

// WebhookDelivery is a delivery whose signature was checked against the partner's Secret
// Token, to be recorded as Zoom sent it (ZOOM_API.md §7).
type WebhookDelivery struct {
	Event  string // the event's name, for the row (the body says it too)
	Body   []byte // the raw body, JSON, checked to be text
	Digest []byte // SHA-256 of Body: a retry of the delivery repeats it exactly
	// The request's facts, for the audit event of what the event changes.
	RequestID string
	IP        string
	UserAgent string
}

// WebhookDuplicate is ApplyWebhook's outcome for an event that was applied before (a retry, or
// a second job for it).
const WebhookDuplicate = "duplicate"

// RecordWebhook keeps a verified delivery for partnerID and, in the same transaction, has
// enqueue schedule its application. It reports false for an event already received (Zoom
// retries a delivery it did not hear back about): nothing is recorded or scheduled again.
func (s *Store) RecordWebhook(ctx context.Context, partnerID int64, d WebhookDelivery, enqueue func(ctx context.Context, tx pgx.Tx) error) (bool, error) {
	var fresh bool
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `WITH i AS (INSERT INTO webhook_events (partner_id, digest, event, body, request_id, ip, user_agent)
				VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) = 1 FROM i`,
			partnerID, d.Digest, d.Event, string(d.Body), d.RequestID, d.IP, d.UserAgent).Scan(&fresh); err != nil {
			return err
		}
		if !fresh {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE webhook_secrets SET last_event_at = now() WHERE partner_id = $1", partnerID); err != nil {
			return err
		}
		if enqueue == nil {
			return nil
		}
		return enqueue(ctx, tx)
	})
	if err != nil {
		return false, fmt.Errorf("record webhook %s for partner %d: %w", d.Event, partnerID, err)
	}
	return fresh, nil
}

// RecordedWebhook is a recorded delivery, as ApplyWebhook hands it to its caller.
type RecordedWebhook struct {
	Body      []byte // Zoom's envelope (re-serialised by PostgreSQL: parse it, do not verify it)
	RequestID string
	IP        string
	UserAgent string
}

// ApplyWebhook applies partnerID's recorded event whose body has digest: in one transaction
// with the event's row locked, apply reads the event and converges the partner's cache
// through w's narrow methods (each limited to the partner's own rows), and the outcome it
// returns is recorded with the event. An event applied before is WebhookDuplicate, and apply
// is not called.
func (s *Store) ApplyWebhook(ctx context.Context, partnerID int64, digest []byte, apply func(ctx context.Context, w *WebhookTx, ev RecordedWebhook) (string, error)) (string, error) {
	var outcome, name string
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var ev RecordedWebhook
		err := tx.QueryRow(ctx, `SELECT event, body::text, request_id, ip, user_agent FROM webhook_events
			WHERE partner_id = $1 AND digest = $2 AND outcome = '' FOR UPDATE`, partnerID, digest).
			Scan(&name, &ev.Body, &ev.RequestID, &ev.IP, &ev.UserAgent)
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = WebhookDuplicate
			return nil
		} else if err != nil {
			return err
		}
		if outcome, err = apply(ctx, &WebhookTx{s: s, tx: tx, partnerID: partnerID}, ev); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE webhook_events SET outcome = $3 WHERE partner_id = $1 AND digest = $2", partnerID, digest, outcome)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("apply webhook %s for partner %d: %w", name, partnerID, err)
	}
	return outcome, nil
}

// DeleteOldWebhookEvents forgets handled events older than maxAge (Zoom retries for about
// 85 minutes), for every partner.
func (s *Store) DeleteOldWebhookEvents(ctx context.Context, maxAge time.Duration) error {
	return s.eachPartner(ctx, func(tx pgx.Tx, partnerID int64) error {
		_, err := tx.Exec(ctx, "DELETE FROM webhook_events WHERE partner_id = $1 AND received_at <= now() - make_interval(secs => $2)",
			partnerID, maxAge.Seconds())
		return err
	})
}
