package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// Partner is a Zoom primary account registered in Tierdesk.
type Partner struct {
	ID            int64     `db:"id"`
	ZoomAccountID string    `db:"zoom_account_id"`
	Name          string    `db:"name"`
	ParentID      *int64    `db:"parent_id"`
	CreatedAt     time.Time `db:"created_at"`
}

const partnerColumns = "id, zoom_account_id, name, parent_id, created_at"

// PartnerByZoomAccount returns the partner registered for a Zoom account, or ErrNotFound.
func (s *Store) PartnerByZoomAccount(ctx context.Context, zoomAccountID string) (Partner, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+partnerColumns+" FROM partners WHERE zoom_account_id = $1", zoomAccountID)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Partner])
	if err != nil {
		return Partner{}, fmt.Errorf("partner for Zoom account %s: %w", zoomAccountID, translate(err))
	}
	return p, nil
}

// Partner returns partner id, or ErrNotFound.
func (s *Store) Partner(ctx context.Context, partnerID int64) (Partner, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+partnerColumns+" FROM partners WHERE id = $1", partnerID)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Partner])
	if err != nil {
		return Partner{}, fmt.Errorf("partner %d: %w", partnerID, translate(err))
	}
	return p, nil
}

// RegisterPartnerParams describes a registration: the Zoom account, the partner's display
// name, the signing-in user who becomes its first owner, and that user's pending grant.
type RegisterPartnerParams struct {
	ZoomAccountID string
	Name          string
	ParentID      *int64 // the partner whose customer this account is, if any
	Owner         StaffIdentity
	GrantID       int64 // an unclaimed grant of Owner, made at sign-in
}

// StaffIdentity is who a Zoom user is, as /users/me tells.
type StaffIdentity struct {
	ZoomUserID string
	Email      string
	FirstName  string
	LastName   string
}

// RegisterPartner creates the partner, its first owner and claims the owner's grant, and
// appends ev as the partner's first audit event ("partner.register"), in one transaction. It
// fails with ErrConflict when the account is already registered (someone else registered it
// first) and with ErrNotFound when the grant is gone or already claimed.
func (s *Store) RegisterPartner(ctx context.Context, p RegisterPartnerParams, ev AuditEvent) (Partner, Staff, error) {
	var partner Partner
	var owner Staff
	if p.Name == "" {
		return partner, owner, &ValidationError{Fields: map[string]string{"name": "Enter the partner's name."}}
	}
	err := s.beginTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `INSERT INTO partners (zoom_account_id, name, parent_id) VALUES ($1, $2, $3)
			RETURNING `+partnerColumns, p.ZoomAccountID, p.Name, p.ParentID)
		var err error
		if partner, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Partner]); err != nil {
			return translate(err)
		}
		if err := setActingPartner(ctx, tx, partner.ID); err != nil {
			return err
		}
		if owner, err = insertStaff(ctx, tx, partner.ID, p.Owner, RoleOwner, StaffActive, nil); err != nil {
			return err
		}
		if err := claimGrant(ctx, tx, p.GrantID, partner.ID, owner.ID, p.ZoomAccountID); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partner.ID, audit.PartnerRegister, OutcomeSucceeded
		ev.StaffID, ev.StaffEmail, ev.ZoomUserID, ev.GrantRef = &owner.ID, owner.Email, p.Owner.ZoomUserID, GrantRef(p.GrantID)
		ev.TargetType, ev.TargetID, ev.TargetLabel = "partner", p.ZoomAccountID, partner.Name
		ev.Details, _ = json.Marshal(map[string]any{"after": map[string]any{"name": partner.Name,
			"zoom_account_id": p.ZoomAccountID, "parent_id": p.ParentID, "owner": owner.Email}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Partner{}, Staff{}, fmt.Errorf("register partner for Zoom account %s: %w", p.ZoomAccountID, err)
	}
	return partner, owner, nil
}

// EnsurePartner returns the partner of a Zoom account, creating it (with no staff) when it
// does not exist. It is used by the demo seed of `make run`.
func (s *Store) EnsurePartner(ctx context.Context, zoomAccountID, name string, parentID *int64) (Partner, error) {
	rows, _ := s.pool.Query(ctx, `INSERT INTO partners (zoom_account_id, name, parent_id) VALUES ($1, $2, $3)
		ON CONFLICT (zoom_account_id) DO UPDATE SET zoom_account_id = EXCLUDED.zoom_account_id
		RETURNING `+partnerColumns, zoomAccountID, name, parentID)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Partner])
	if err != nil {
		return Partner{}, fmt.Errorf("ensure partner %s: %w", zoomAccountID, translate(err))
	}
	return p, nil
}

// PartnerPath returns the partners from fromID down to toID (both included, fromID first)
// when toID is fromID or below it, and ErrNotFound otherwise: a reseller's place under its
// distributor, for breadcrumbs.
func (s *Store) PartnerPath(ctx context.Context, fromID, toID int64) ([]Partner, error) {
	var out []Partner
	err := s.read(ctx, fromID, func(b *pgx.Batch) {
		b.Queue(`WITH RECURSIVE up(id, depth) AS (
				SELECT $2::bigint, 0
				UNION ALL
				SELECT p.parent_id, up.depth + 1 FROM partners p JOIN up ON p.id = up.id WHERE p.parent_id IS NOT NULL AND up.id <> $1 AND up.depth < 16)
			SELECT `+partnerColumns+` FROM partners JOIN up USING (id) ORDER BY up.depth DESC`, fromID, toID).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Partner])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("path from partner %d to %d: %w", fromID, toID, err)
	}
	if len(out) == 0 || out[0].ID != fromID {
		return nil, fmt.Errorf("path from partner %d to %d: %w", fromID, toID, ErrNotFound)
	}
	return out, nil
}
