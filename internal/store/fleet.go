package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A change across many customers (a settings template, a settings change or an option change
// applied to a customer group) is a bulk job of kind ImportFleet: one row per customer of the
// group, its change (the PATCHes the preview showed) in ImportRow.Change. The rows, their
// states, the lease and the watchdog are the bulk user jobs' (imports.go, imports_run.go).

// FleetMember is a customer of a group as a change across customers sees it: the drift
// report's view of its cached settings and locks, its partner and status (only the partner's
// own active customers are changed), and its cached options.
type FleetMember struct {
	StandardMember
	PartnerID int64
	Status    CustomerStatus
	// Options are the account's options as Zoom last answered them (nil: never read).
	Options json.RawMessage
}

// FleetMembers reads the customers of partnerID's group now (membership as the customer list
// evaluates it), each with its cached values at settingPaths and lockPaths, as StandardMembers
// does, and its cached options.
func (s *Store) FleetMembers(ctx context.Context, partnerID, groupID int64, settingPaths, lockPaths []string) ([]FleetMember, error) {
	var out []FleetMember
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		q, args, err := groupMembersQuery(ctx, tx, partnerID, groupID)
		if err != nil {
			return err
		}
		var sets, locks string
		sets, args = pickSQL("j.s", settingPaths, args)
		locks, args = pickSQL("j.l", lockPaths, args)
		rows, _ := tx.Query(ctx, `SELECT u.id, u.zoom_account_id, u.account_name, u.partner_id, u.status, d.settings_read_at,
				d.settings IS NOT NULL, d.lock_settings IS NOT NULL, coalesce(d.errors->>'settings', ''), (d.account->'options')::text, `+sets+`, `+locks+`
			FROM (`+q+`) u LEFT JOIN customer_details d ON d.customer_id = u.id
			LEFT JOIN LATERAL (SELECT d.settings_b || '{}' AS s, d.lock_settings_b || '{}' AS l OFFSET 0) j ON true
			ORDER BY u.sort_key, u.id`, args...)
		defer rows.Close()
		for rows.Next() {
			var m FleetMember
			var set, lock []byte
			var opts *string
			if err := rows.Scan(&m.CustomerID, &m.ZoomAccountID, &m.AccountName, &m.PartnerID, &m.Status, &m.ReadAt, &m.SettingsRead,
				&m.LocksRead, &m.SettingsError, &opts, &set, &lock); err != nil {
				return err
			}
			if opts != nil && *opts != "null" {
				m.Options = json.RawMessage(*opts)
			}
			if m.Settings, err = pickValues(set, settingPaths); err != nil {
				return err
			}
			if m.Locks, err = pickValues(lock, lockPaths); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("fleet members of group %d: %w", groupID, err)
	}
	return out, nil
}

// OwnedIntent is an intent a job owns, open or closed, for the job's look-ups when it resumes.
type OwnedIntent struct {
	Intent
	Closed  bool
	Outcome string // the outcome it was closed with (succeeded, failed, pending, not done, ...)
}

// IntentsOfOwner returns every intent of partnerID that owner resolves, open or closed, oldest
// first: a resuming bulk job learns from them which of its rows' changes were recorded.
func (s *Store) IntentsOfOwner(ctx context.Context, partnerID int64, owner string) ([]OwnedIntent, error) {
	var out []OwnedIntent
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT i.id, i.partner_id, i.customer_id, coalesce(c.zoom_account_id, ''), i.action, i.target_type,
				i.target_id, i.target_label, i.event::text, i.wanted::text, i.owner, i.lease_until, i.created_at, i.closed_at IS NOT NULL, i.outcome
			FROM zoom_intents i LEFT JOIN customers c ON c.id = i.customer_id
			WHERE i.partner_id = $1 AND i.owner = $2 ORDER BY i.id`, partnerID, owner)
		var err error
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (OwnedIntent, error) {
			var in OwnedIntent
			var event, wanted string
			if err := row.Scan(&in.ID, &in.PartnerID, &in.CustomerID, &in.ZoomAccountID, &in.Action, &in.TargetType, &in.TargetID,
				&in.TargetLabel, &event, &wanted, &in.Owner, &in.LeaseUntil, &in.CreatedAt, &in.Closed, &in.Outcome); err != nil {
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
		return nil, fmt.Errorf("intents of %s: %w", owner, err)
	}
	return out, nil
}
