package store

import (
	"context"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
)

// AuditRefsQuery lists what a page of audit events names, to look up by AuditRefs.
type AuditRefsQuery struct {
	Accounts []string // Zoom account ids of customers
	Staff    []int64  // staff ids
	Jobs     []string // job ids
}

// AuditRefs are the customers, staff members and jobs that audit events name, as the acting
// partner may see them: row-level security answers, so a customer or job out of its reach,
// or another partner's staff member, is simply absent (the page shows the recorded id).
type AuditRefs struct {
	Customers map[string]Customer // by Zoom account id: customers in reach
	Staff     map[int64]Staff     // by id: the partner's own staff, removed ones included
	Jobs      map[string]Job      // by id: jobs in reach
}

// uuidText is the text form of a job id; anything else names no job (and would make the
// query fail on its cast).
var uuidText = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// AuditRefs looks up, in one round trip acting for partnerID, the customers (in reach), staff
// members (its own) and jobs (in reach) that q names. Ids that name nothing visible are left
// out of the maps; an empty query reads nothing.
func (s *Store) AuditRefs(ctx context.Context, partnerID int64, q AuditRefsQuery) (AuditRefs, error) {
	refs := AuditRefs{Customers: map[string]Customer{}, Staff: map[int64]Staff{}, Jobs: map[string]Job{}}
	var jobs []string
	for _, id := range q.Jobs {
		if uuidText.MatchString(id) {
			jobs = append(jobs, id)
		}
	}
	if len(q.Accounts) == 0 && len(q.Staff) == 0 && len(jobs) == 0 {
		return refs, nil
	}
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		if len(q.Accounts) > 0 {
			b.Queue("SELECT "+customerColumns+customerFrom+" WHERE c.zoom_account_id = ANY($1)", q.Accounts).Query(func(rows pgx.Rows) error {
				cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
				for _, c := range cs {
					refs.Customers[c.ZoomAccountID] = c
				}
				return err
			})
		}
		if len(q.Staff) > 0 {
			b.Queue("SELECT "+staffColumns+" FROM staff WHERE partner_id = $1 AND id = ANY($2)", partnerID, q.Staff).Query(func(rows pgx.Rows) error {
				ss, err := pgx.CollectRows(rows, pgx.RowToStructByName[Staff])
				for _, st := range ss {
					refs.Staff[st.ID] = st
				}
				return err
			})
		}
		if len(jobs) > 0 {
			b.Queue("SELECT "+jobColumns+" FROM jobs WHERE id = ANY($1::uuid[])", jobs).Query(func(rows pgx.Rows) error {
				js, err := pgx.CollectRows(rows, pgx.RowToStructByName[Job])
				for _, j := range js {
					refs.Jobs[j.ID] = j
				}
				return err
			})
		}
	})
	if err != nil {
		return AuditRefs{}, fmt.Errorf("names in the audit log of partner %d: %w", partnerID, err)
	}
	return refs, nil
}

// AuditNeighbours returns the permanent ids of the events just before and just after place
// seq in partnerID's chain (0 where there is none: seq is the first, or the head).
func (s *Store) AuditNeighbours(ctx context.Context, partnerID, seq int64) (prev, next int64, err error) {
	err = s.inChainTx(ctx, partnerID, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce((SELECT event_id FROM audit_seals WHERE partner_id = $1 AND seq = $2 - 1), 0),
			coalesce((SELECT event_id FROM audit_seals WHERE partner_id = $1 AND seq = $2 + 1), 0)`, partnerID, seq).Scan(&prev, &next)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("neighbours of audit event %d of partner %d: %w", seq, partnerID, translate(err))
	}
	return prev, next, nil
}
