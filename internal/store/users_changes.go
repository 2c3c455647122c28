package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// UserChange is what a change of a user made through Tierdesk does locally, in one
// transaction with its audit event: the directory follows Zoom's answer, and a change whose
// answer was lost is recorded as pending until a look-up resolves it.
type UserChange struct {
	CustomerID int64          // the customer the user is (or was) in
	Save       *DirUser       // the user as Zoom now has it: saved in MoveTo when set, else in CustomerID
	MoveTo     int64          // the customer the user moved to
	Remove     string         // the email of a user no longer in CustomerID (removed or moved away)
	Status     string         // with StatusOf: the user's new status (when Zoom's answer carries no user)
	StatusOf   string         // the email of the user in CustomerID whose status changed
	Event      AuditEvent     // the audit event of the change (or of its resolution)
	Pending    *PendingChange // Zoom's answer was lost: keep the change open (Event's outcome is pending)
	Resolves   int64          // the open change this event resolves
}

// PendingChange is a change sent to Zoom whose answer was lost, waiting for a look-up.
type PendingChange struct {
	ID            int64           `db:"id"`
	CustomerID    int64           `db:"customer_id"`
	ZoomAccountID string          `db:"zoom_account_id"`
	Email         string          `db:"email"`
	ZoomUserID    string          `db:"zoom_user_id"`
	Action        audit.Action    `db:"action"`         // user.create, user.update, user.activate, user.deactivate, user.disassociate, user.delete, user.move
	Wanted        json.RawMessage `db:"wanted"`         // what the change asked for; never a password
	AuditEventID  int64           `db:"audit_event_id"` // the "pending" audit event (AuditEvent.ID)
	StaffID       *int64          `db:"staff_id"`
	GrantRef      string          `db:"grant_ref"`
	CreatedAt     time.Time       `db:"created_at"`
}

// RecordUserChange applies c for partnerID's own customer(s) and appends its audit event in
// the same transaction, and returns the event as stored. Resolving a change that is no
// longer open is ErrConflict (someone resolved it first); recording a second open change of
// the same user is ErrConflict.
func (s *Store) RecordUserChange(ctx context.Context, partnerID int64, c UserChange) (AuditEvent, error) {
	var out AuditEvent
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		out, err = s.applyUserChange(ctx, tx, partnerID, c)
		return err
	})
	if err != nil {
		return AuditEvent{}, fmt.Errorf("record %s of %s: %w", c.Event.Action, c.Event.TargetLabel, err)
	}
	return out, nil
}

// applyUserChange is RecordUserChange inside tx.
func (s *Store) applyUserChange(ctx context.Context, tx pgx.Tx, partnerID int64, c UserChange) (AuditEvent, error) {
	if c.Resolves != 0 {
		tag, err := tx.Exec(ctx, `UPDATE user_pending_changes SET resolved_at = now(), resolution = $3
			WHERE id = $1 AND partner_id = $2 AND resolved_at IS NULL`, c.Resolves, partnerID, string(c.Event.Outcome))
		if err != nil {
			return AuditEvent{}, err
		}
		if tag.RowsAffected() == 0 {
			return AuditEvent{}, ErrConflict
		}
	}
	if c.Remove != "" {
		if _, err := tx.Exec(ctx, "DELETE FROM customer_users WHERE customer_id = $1 AND partner_id = $2 AND lower(email) = lower($3)",
			c.CustomerID, partnerID, c.Remove); err != nil {
			return AuditEvent{}, err
		}
	}
	if c.StatusOf != "" {
		if _, err := tx.Exec(ctx, `UPDATE customer_users SET status = $4, seen_at = $5, updated_at = now()
			WHERE customer_id = $1 AND partner_id = $2 AND lower(email) = lower($3)`, c.CustomerID, partnerID, c.StatusOf, c.Status, s.now()); err != nil {
			return AuditEvent{}, err
		}
	}
	if c.Save != nil {
		into := c.CustomerID
		if c.MoveTo != 0 {
			into = c.MoveTo
		}
		if err := ensureUserDir(ctx, tx, partnerID, into); err != nil {
			return AuditEvent{}, err
		}
		if _, err := upsertUsers(ctx, tx, partnerID, into, []DirUser{*c.Save}, s.now()); err != nil {
			return AuditEvent{}, err
		}
	}
	ev := c.Event
	ev.PartnerID = partnerID
	out, err := s.appendAudit(ctx, tx, ev)
	if err != nil {
		return AuditEvent{}, err
	}
	if p := c.Pending; p != nil {
		wanted := p.Wanted
		if len(wanted) == 0 {
			wanted = json.RawMessage("{}")
		}
		if wanted, err = RedactDetails(wanted); err != nil {
			return AuditEvent{}, err
		}
		_, err = tx.Exec(ctx, `INSERT INTO user_pending_changes (partner_id, customer_id, email, zoom_user_id, action, wanted,
				audit_event_id, staff_id, grant_ref)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			partnerID, c.CustomerID, strings.TrimSpace(p.Email), p.ZoomUserID, p.Action, string(wanted), out.ID, ev.StaffID, ev.GrantRef)
		if err != nil {
			return AuditEvent{}, translate(err)
		}
	}
	return out, nil
}

const pendingColumns = `pc.id, pc.customer_id, c.zoom_account_id, pc.email, pc.zoom_user_id, pc.action, pc.wanted, coalesce(pc.audit_event_id, 0) AS audit_event_id,
	pc.staff_id, pc.grant_ref, pc.created_at`

// OpenUserChanges lists partnerID's changes still waiting for a look-up, oldest first: of
// one customer, or of all its customers when customerID is 0.
func (s *Store) OpenUserChanges(ctx context.Context, partnerID, customerID int64) ([]PendingChange, error) {
	var out []PendingChange
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+pendingColumns+` FROM user_pending_changes pc JOIN customers c ON c.id = pc.customer_id
			WHERE pc.partner_id = $1 AND pc.resolved_at IS NULL AND ($2 = 0 OR pc.customer_id = $2) ORDER BY pc.id`, partnerID, customerID)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[PendingChange])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open user changes of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// OpenUserChange returns the open change of a customer's user (by email), or ErrNotFound.
func (s *Store) OpenUserChange(ctx context.Context, partnerID, customerID int64, email string) (PendingChange, error) {
	var p PendingChange
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+pendingColumns+` FROM user_pending_changes pc JOIN customers c ON c.id = pc.customer_id
			WHERE pc.partner_id = $1 AND pc.customer_id = $2 AND lower(pc.email) = lower($3) AND pc.resolved_at IS NULL`,
			partnerID, customerID, strings.TrimSpace(email)).Query(func(rows pgx.Rows) (err error) {
			p, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[PendingChange])
			return err
		})
	})
	if err != nil {
		return PendingChange{}, fmt.Errorf("open change of %s: %w", email, err)
	}
	return p, nil
}
