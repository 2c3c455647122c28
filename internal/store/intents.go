package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// A write-ahead intent is a change about to be sent to Zoom, written and committed before the
// call (table zoom_intents). The audit event that records the change's outcome closes it in
// its own transaction (AuditEvent.Intent), so an intent still open after its lease is a change
// whose outcome was never recorded: the service layer looks it up in Zoom and audits it.

// ErrIntentClosed is appending an event for an intent that is closed already: someone else
// (the resolver, after the lease ran out) recorded its outcome first.
var ErrIntentClosed = errors.New("the change's outcome is recorded already")

// Intent is one change Tierdesk is about to make at Zoom, or made without recording it yet.
type Intent struct {
	ID            int64
	PartnerID     int64
	CustomerID    *int64
	ZoomAccountID string // of the customer, when there is one
	Action        audit.Action
	TargetType    string
	TargetID      string
	TargetLabel   string
	// Event is the audit event as the sender prepared it (who, which request and grant, the
	// target, before and after), without an outcome: the resolver audits with it.
	Event AuditEvent
	// Wanted is what the change asks for, for the look-up that tells whether it happened.
	Wanted json.RawMessage
	// Owner names who resolves a stale intent: "" the periodic resolver; "import:<id>" or
	// "onboarding:<id>" the job that sent it, which looks the change up when it resumes.
	Owner      string
	LeaseUntil time.Time
	CreatedAt  time.Time
}

// OpenIntent writes in and commits it before the call to Zoom, leased to the sender for lease.
// It returns the intent's id, which the outcome's audit event carries (AuditEvent.Intent). The
// event's details and wanted are redacted as audit details are.
func (s *Store) OpenIntent(ctx context.Context, partnerID int64, in Intent, lease time.Duration) (int64, error) {
	ev := in.Event
	ev.PartnerID, ev.Intent = partnerID, 0
	details, err := RedactDetails(nonEmpty(ev.Details))
	if err != nil {
		return 0, err
	}
	ev.Details = details
	wanted, err := RedactDetails(nonEmpty(in.Wanted))
	if err != nil {
		return 0, err
	}
	event, err := json.Marshal(ev)
	if err != nil {
		return 0, fmt.Errorf("intent event: %w", err)
	}
	var id int64
	err = s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO zoom_intents (partner_id, staff_id, customer_id, action, target_type, target_id,
				target_label, event, wanted, owner, lease_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + $11 * interval '1 second') RETURNING id`,
			partnerID, ev.StaffID, in.CustomerID, in.Action, in.TargetType, in.TargetID, in.TargetLabel, string(event),
			string(wanted), in.Owner, lease.Seconds()).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("write the intent of %s of %s: %w", in.Action, in.TargetLabel, translate(err))
	}
	return id, nil
}

func nonEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}

// ReleaseIntent ends the sender's lease of an open intent at once: the sender could not
// record Zoom's answer, so the resolver takes the intent on its next run.
func (s *Store) ReleaseIntent(ctx context.Context, partnerID, id int64) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE zoom_intents SET lease_until = least(lease_until, now()) WHERE id = $1 AND partner_id = $2 AND closed_at IS NULL",
			id, partnerID)
		return err
	})
	if err != nil {
		return fmt.Errorf("release intent %d: %w", id, err)
	}
	return nil
}

// CloseIntent closes an intent that needs no audit event of its own (nothing was sent: the
// sender found the change unnecessary or was stopped before the call).
func (s *Store) CloseIntent(ctx context.Context, partnerID, id int64, outcome string) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE zoom_intents SET closed_at = now(), outcome = $3 WHERE id = $1 AND partner_id = $2 AND closed_at IS NULL",
			id, partnerID, outcome)
		return err
	})
	if err != nil {
		return fmt.Errorf("close intent %d: %w", id, err)
	}
	return nil
}

// closeIntent closes the intent e records, in e's transaction.
func closeIntent(ctx context.Context, tx pgx.Tx, e AuditEvent) error {
	if e.Intent == 0 {
		return nil
	}
	tag, err := tx.Exec(ctx, `UPDATE zoom_intents SET closed_at = now(), outcome = $3, audit_event_id = $4
		WHERE id = $1 AND partner_id = $2 AND closed_at IS NULL`, e.Intent, e.PartnerID, string(e.Outcome), e.ID)
	if err != nil {
		return fmt.Errorf("close intent %d: %w", e.Intent, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrIntentClosed
	}
	return nil
}

// StaleIntents returns partnerID's open intents whose lease ran out and that owner resolves
// ("" for the periodic resolver), oldest first.
func (s *Store) StaleIntents(ctx context.Context, partnerID int64, owner string) ([]Intent, error) {
	return s.intents(ctx, partnerID, owner, true)
}

// OpenIntentsOf returns partnerID's open intents that owner resolves, leased or not, oldest
// first: a job that resumes settles what its previous run left.
func (s *Store) OpenIntentsOf(ctx context.Context, partnerID int64, owner string) ([]Intent, error) {
	return s.intents(ctx, partnerID, owner, false)
}

func (s *Store) intents(ctx context.Context, partnerID int64, owner string, staleOnly bool) ([]Intent, error) {
	var out []Intent
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT i.id, i.partner_id, i.customer_id, coalesce(c.zoom_account_id, ''), i.action, i.target_type,
				i.target_id, i.target_label, i.event::text, i.wanted::text, i.owner, i.lease_until, i.created_at
			FROM zoom_intents i LEFT JOIN customers c ON c.id = i.customer_id
			WHERE i.partner_id = $1 AND i.closed_at IS NULL AND (NOT $3 OR i.lease_until <= now()) AND i.owner = $2 ORDER BY i.id`, partnerID, owner, staleOnly)
		var err error
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Intent, error) {
			var in Intent
			var event, wanted string
			if err := row.Scan(&in.ID, &in.PartnerID, &in.CustomerID, &in.ZoomAccountID, &in.Action, &in.TargetType, &in.TargetID,
				&in.TargetLabel, &event, &wanted, &in.Owner, &in.LeaseUntil, &in.CreatedAt); err != nil {
				return in, err
			}
			if err := json.Unmarshal([]byte(event), &in.Event); err != nil {
				return in, fmt.Errorf("intent %d event: %w", in.ID, err)
			}
			in.Wanted = json.RawMessage(wanted)
			return in, nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open intents of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// OpenIntents counts partnerID's open intents (in flight, or waiting for the resolver).
func (s *Store) OpenIntents(ctx context.Context, partnerID int64) (int, error) {
	var n int
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*) FROM zoom_intents WHERE partner_id = $1 AND closed_at IS NULL", partnerID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("open intents of partner %d: %w", partnerID, err)
	}
	return n, nil
}
