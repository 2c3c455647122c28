package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// SettingsRead is one read of a customer's settings and lock settings from Zoom.
type SettingsRead struct {
	// Settings and Locks are Zoom's answers, read whole (nil when Zoom refused them).
	Settings, Locks json.RawMessage
	// Refused says why Zoom refused the settings (a free account has none); "" when read.
	Refused string
	// Started is when the read began, on the database's clock (Store.Now): a change Zoom
	// reported after it (a webhook) keeps the customer stale for the next read. Zero: when it
	// is recorded.
	Started time.Time
}

// CachedSettings is what the cache held of a customer's settings before a read.
type CachedSettings struct {
	Settings, Locks map[string]any // nil when none were cached
}

// SettingsEvent is an audited change of a customer's settings or locks, as the drift report's
// history and a read's judge see it.
type SettingsEvent struct {
	ID         int64
	OccurredAt time.Time
	CustomerID string // the customer's Zoom account id
	Action     audit.Action
	External   bool // seen in Zoom (a webhook, a read), not made through Tierdesk
	Outcome    Outcome
	StaffEmail string
	JobID      string
	Details    json.RawMessage
}

// settingsEventColumns read a SettingsEvent.
const settingsEventColumns = `id, occurred_at, customer_id, action, external, outcome, staff_email, job_id, details::text`

func collectSettingsEvents(rows pgx.Rows) ([]SettingsEvent, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SettingsEvent, error) {
		var e SettingsEvent
		var details string
		err := r.Scan(&e.ID, &e.OccurredAt, &e.CustomerID, &e.Action, &e.External, &e.Outcome, &e.StaffEmail, &e.JobID, &details)
		e.Details = json.RawMessage(details)
		return e, err
	})
}

// SettingsReadTx is what judging a read may look at and record, inside the transaction that
// stores it: nothing here knows what a change of settings means.
type SettingsReadTx struct {
	s         *Store
	tx        pgx.Tx
	partnerID int64
}

// RecentChanges lists the customer's (by Zoom account id) audited changes with one of actions
// in the last within, succeeded or awaiting Zoom's answer, newest first (at most 20): Tierdesk's
// own and those seen in Zoom.
func (w *SettingsReadTx) RecentChanges(ctx context.Context, customerID string, actions []audit.Action, within time.Duration) ([]SettingsEvent, error) {
	rows, _ := w.tx.Query(ctx, `SELECT `+settingsEventColumns+` FROM audit_events
		WHERE partner_id = $1 AND customer_id = $2 AND action = ANY ($3) AND outcome IN ('succeeded', 'pending')
			AND occurred_at > now() - make_interval(secs => $4)
		ORDER BY id DESC LIMIT 20`, w.partnerID, customerID, actionNames(actions), within.Seconds())
	return collectSettingsEvents(rows)
}

// Audit appends ev to the partner's chain as seen in Zoom (External), with the read.
func (w *SettingsReadTx) Audit(ctx context.Context, ev AuditEvent) error {
	ev.PartnerID, ev.External = w.partnerID, true
	_, err := w.s.appendAudit(ctx, w.tx, ev)
	return err
}

func actionNames(actions []audit.Action) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = string(a)
	}
	return out
}

// RecordSettingsRead stores a read of customerID's settings and locks (partnerID's own
// customer) in one transaction: judge is called first with what the cache held (the row
// locked, so that two reads are judged one after the other) and may audit what changed;
// then the cache takes the read, its settings_read_at moves, and a staleness Zoom reported
// before the read began is cleared. A refusal keeps the cached values and records why.
func (s *Store) RecordSettingsRead(ctx context.Context, partnerID, customerID int64, read SettingsRead,
	judge func(ctx context.Context, w *SettingsReadTx, cached CachedSettings) error) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if err := ensureDetails(ctx, tx, partnerID, customerID); err != nil {
			return err
		}
		var set, lock *string
		if err := tx.QueryRow(ctx, `SELECT settings::text, lock_settings::text FROM customer_details WHERE customer_id = $1 AND partner_id = $2 FOR UPDATE`,
			customerID, partnerID).Scan(&set, &lock); err != nil {
			return translate(err)
		}
		var cached CachedSettings
		for _, c := range []struct {
			raw *string
			to  *map[string]any
		}{{set, &cached.Settings}, {lock, &cached.Locks}} {
			if c.raw != nil {
				_ = json.Unmarshal([]byte(*c.raw), c.to) // not an object (null): nothing cached
			}
		}
		if read.Refused == "" {
			if err := judge(ctx, &SettingsReadTx{s: s, tx: tx, partnerID: partnerID}, cached); err != nil {
				return err
			}
		}
		refused := map[string]string{}
		if read.Refused != "" {
			refused["settings"] = read.Refused
		}
		_, err := tx.Exec(ctx, `UPDATE customer_details SET settings = coalesce($2::json, settings), lock_settings = coalesce($3::json, lock_settings),
				errors = ((errors::jsonb - 'settings' - 'lock_settings') || $4::jsonb)::json, settings_read_at = now(),
				settings_stale_at = CASE WHEN settings_stale_at <= coalesce($5, now()) THEN NULL ELSE settings_stale_at END
			WHERE customer_id = $1`, customerID, rawOrNil(read.Settings), rawOrNil(read.Locks), mustJSON(refused), startedOrNil(read.Started))
		return err
	})
	if err != nil {
		return fmt.Errorf("record settings read of customer %d: %w", customerID, err)
	}
	return nil
}

func startedOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func rawOrNil(r json.RawMessage) *string {
	if r == nil {
		return nil
	}
	s := string(r)
	return &s
}

// MarkSettingsStale records that Zoom said the customer's settings changed: the steady refresh
// reads it first (the time kept is the first such report since the last read).
func (w *WebhookTx) MarkSettingsStale(ctx context.Context, customerID int64) error {
	if err := ensureDetails(ctx, w.tx, w.partnerID, customerID); err != nil {
		return err
	}
	_, err := w.tx.Exec(ctx, "UPDATE customer_details SET settings_stale_at = coalesce(settings_stale_at, now()) WHERE customer_id = $1", customerID)
	return err
}

// SettingsToRead lists up to limit of partnerID's own active customers whose settings to read
// next: those Zoom said changed (oldest report first), then those never read, then the least
// recently read.
func (s *Store) SettingsToRead(ctx context.Context, partnerID int64, limit int) ([]Customer, error) {
	var out []Customer
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+customerColumns+customerFrom+` LEFT JOIN customer_details d ON d.customer_id = c.id
			WHERE c.partner_id = $1 AND c.status = 'active'
			ORDER BY d.settings_stale_at NULLS LAST, d.settings_read_at NULLS FIRST, c.id LIMIT $2`, partnerID, limit).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("settings to read of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// HasStandards reports whether partnerID has at least one settings standard.
func (s *Store) HasStandards(ctx context.Context, partnerID int64) (bool, error) {
	var has bool
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT EXISTS (SELECT 1 FROM standards WHERE partner_id = $1)", partnerID).QueryRow(func(row pgx.Row) error {
			return row.Scan(&has)
		})
	})
	if err != nil {
		return false, fmt.Errorf("standards of partner %d: %w", partnerID, err)
	}
	return has, nil
}

// SettingsHistoryOfGroup lists the latest audited changes (at most limit, newest first) with
// one of actions of the customers of partnerID's group now (membership as the customer list
// evaluates it), succeeded: Tierdesk's own and those seen in Zoom. Each action's events are
// read newest first by its index, stopping at limit; the group is worked out in the same
// statement, so a page can read this beside the members themselves. Another partner's group
// is ErrNotFound.
func (s *Store) SettingsHistoryOfGroup(ctx context.Context, partnerID, groupID int64, actions []audit.Action, limit int) ([]SettingsEvent, error) {
	var out []SettingsEvent
	if len(actions) == 0 {
		return nil, nil
	}
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		q, args, err := settingsHistorySQL(ctx, tx, partnerID, groupID, actions, limit)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, q, args...)
		out, err = collectSettingsEvents(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("settings history of partner %d's group %d: %w", partnerID, groupID, translate(err))
	}
	return out, nil
}

// settingsHistorySQL is SettingsHistoryOfGroup's statement, in tx: the group's members as the
// list query selects them (its parameters first), then one branch per action walking
// audit_events_action_idx (partner, action, id) from the newest and stopping at limit, merged,
// so that it never reads the whole log.
func settingsHistorySQL(ctx context.Context, tx pgx.Tx, partnerID, groupID int64, actions []audit.Action, limit int) (string, []any, error) {
	members, args, err := groupMembersQuery(ctx, tx, partnerID, groupID)
	if err != nil {
		return "", nil, err
	}
	args = append(args, partnerID, limit)
	p, l := "$"+strconv.Itoa(len(args)-1), "$"+strconv.Itoa(len(args))
	var branches []string
	for _, a := range actions {
		args = append(args, string(a))
		branches = append(branches, `(SELECT `+settingsEventColumns+` FROM audit_events
			WHERE partner_id = `+p+` AND action = $`+strconv.Itoa(len(args))+` AND customer_id IN (SELECT zoom_account_id FROM m) AND outcome = 'succeeded'
			ORDER BY id DESC LIMIT `+l+`)`)
	}
	return `WITH m AS MATERIALIZED (SELECT zoom_account_id FROM (` + members + `) u) SELECT ` + settingsEventColumns +
		` FROM (` + strings.Join(branches, " UNION ALL ") + `) e ORDER BY id DESC LIMIT ` + l, args, nil
}
