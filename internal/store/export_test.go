package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// SetNow replaces the store's clock (tests only).
func (s *Store) SetNow(now func() time.Time) { s.now = now }

// NecessaryTrigrams exposes necessaryTrigrams to tests.
var NecessaryTrigrams = necessaryTrigrams

// CustomerPlans are the plans (EXPLAIN (ANALYZE, FORMAT JSON)) of the statements Customers
// runs for a filter: the probe of a search's trigrams, the page and the count.
type CustomerPlans struct {
	Probe, Page, Count []byte
}

// ExplainCustomers explains the statements Customers runs for f, acting for partnerID as
// Customers does (the page as the first pass runs it: exact, or fuzzy when f says so).
func (s *Store) ExplainCustomers(ctx context.Context, partnerID int64, f CustomerFilter) (CustomerPlans, error) {
	var plans CustomerPlans
	if f.Limit <= 0 {
		f.Limit = 50
	}
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		explain := func(q string, args ...any) ([]byte, error) {
			var plan []byte
			err := tx.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+q, args...).Scan(&plan)
			return plan, err
		}
		reach, err := f.reachOf(ctx, tx)
		if err != nil {
			return err
		}
		if words := searchWords(f.Query); len(words) > 0 {
			if plans.Probe, err = explain(probeSQL, words, reach, probeCap); err != nil {
				return err
			}
		}
		sp, err := f.searchPlan(ctx, tx, reach)
		if err != nil {
			return err
		}
		q, args, _ := f.listQuery(reach, f.Limit+1, sp)
		if plans.Page, err = explain(q, args...); err != nil {
			return err
		}
		q, args = f.countQuery(reach, sp)
		plans.Count, err = explain(q, args...)
		return err
	})
	return plans, err
}

// RecordInTx records e in its partner's log inside tx, a transaction the test holds, as the
// store's writers do inside theirs (tests only).
func (s *Store) RecordInTx(ctx context.Context, tx pgx.Tx, e AuditEvent) (AuditEvent, error) {
	if err := setActingPartner(ctx, tx, e.PartnerID); err != nil {
		return e, err
	}
	return s.appendAudit(ctx, tx, e)
}

// ExplainSettingsHistory explains SettingsHistoryOfGroup's statement, acting for partnerID as
// it does.
func (s *Store) ExplainSettingsHistory(ctx context.Context, partnerID, groupID int64, actions []audit.Action, limit int) ([]byte, error) {
	var plan []byte
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		q, args, err := settingsHistorySQL(ctx, tx, partnerID, groupID, actions, limit)
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+q, args...).Scan(&plan)
	})
	return plan, err
}
