package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Attention is what needs someone at one partner: work that stopped or failed, credentials
// Zoom no longer accepts, customers at their seat limit, invitations nobody accepted and user
// directories gone stale. Each list is short (the dashboard links to the full view).
type Attention struct {
	StoppedOnboardings []AttentionOnboarding
	FailedJobs         []Job // failed in the last 7 days, newest first
	StuckJobs          []Job // queued or running without progress for 30 minutes
	Grants             []AttentionGrant
	Seats              []SeatUse // customers over or within 10 % of their seats, fullest first
	OldInvitations     int       // pending users first seen more than 7 days ago
	OldInvitationsAt   *Customer // the customer with the most of them
	StaleDirectories   int       // active customers whose directory was last read over a day ago
	StaleDirectoryAt   *Customer // the stalest
	// Ending counts the active customers whose subscription ends within 30, 60 and 90 days
	// (each count includes the shorter windows).
	Ending [3]int
}

// AttentionOnboarding is an onboarding that stopped at a step Zoom refused.
type AttentionOnboarding struct {
	ID          string
	AccountName string
	UpdatedAt   time.Time
}

// AttentionGrant is a Zoom grant of the partner that Zoom no longer accepts.
type AttentionGrant struct {
	Kind       string // "user" or "s2s"
	StaffEmail string // whose, for a user grant
	Status     string // expired or revoked
	UpdatedAt  time.Time
}

// SeatUse is a customer's seats: bought (Zoom's seats of the sub account) and used by licensed
// users in its directory, active or invited.
type SeatUse struct {
	Customer Customer
	Seats    int
	Licensed int  // licensed users, active (a deactivated user holds no seat)
	Pending  int  // licensed users invited and not yet accepted (they hold a seat)
	DirRead  bool // the customer's directory was read whole at least once: the counts mean something
}

// Used is how many seats the customer's licensed users take, invitations included.
func (s SeatUse) Used() int { return s.Licensed + s.Pending }

// NeedsAttention reads what needs someone at partnerID (its own customers and work only).
func (s *Store) NeedsAttention(ctx context.Context, partnerID int64) (Attention, error) {
	var a Attention
	scanJobs := func(into *[]Job) func(pgx.Rows) error {
		return func(rows pgx.Rows) (err error) {
			*into, err = pgx.CollectRows(rows, pgx.RowToStructByName[Job])
			return err
		}
	}
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT id::text, coalesce(form->>'account_name', ''), updated_at FROM onboardings
			WHERE partner_id = $1 AND status = 'stopped' ORDER BY updated_at DESC LIMIT 5`, partnerID).Query(func(rows pgx.Rows) error {
			var err error
			a.StoppedOnboardings, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AttentionOnboarding, error) {
				var o AttentionOnboarding
				return o, r.Scan(&o.ID, &o.AccountName, &o.UpdatedAt)
			})
			return err
		})
		// An onboarding's job is the onboarding's item (stopped), not a failed job of its own.
		b.Queue("SELECT "+jobColumns+` FROM jobs WHERE partner_id = $1 AND status = 'failed' AND finished_at > now() - interval '7 days'
			AND NOT EXISTS (SELECT 1 FROM onboardings o WHERE o.job_id = jobs.id)
			ORDER BY finished_at DESC LIMIT 5`, partnerID).Query(scanJobs(&a.FailedJobs))
		b.Queue("SELECT "+jobColumns+` FROM jobs WHERE partner_id = $1 AND status IN ('queued', 'running') AND updated_at < now() - interval '30 minutes'
			ORDER BY updated_at LIMIT 5`, partnerID).Query(scanJobs(&a.StuckJobs))
		b.Queue(`SELECT g.kind, coalesce(st.email, ''), g.status, g.updated_at FROM zoom_grants g LEFT JOIN staff st ON st.id = g.staff_id
			WHERE g.partner_id = $1 AND g.status <> 'active' AND (g.kind = 's2s' OR st.status = 'active')
			ORDER BY g.updated_at DESC LIMIT 5`, partnerID).Query(func(rows pgx.Rows) error {
			var err error
			a.Grants, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AttentionGrant, error) {
				var g AttentionGrant
				return g, r.Scan(&g.Kind, &g.StaffEmail, &g.Status, &g.UpdatedAt)
			})
			return err
		})
		b.Queue(`SELECT `+customerColumns+`, u.licensed, u.pending, u.dir_read`+customerFrom+`
			JOIN LATERAL (`+seatCounts+`) u ON true
			WHERE c.partner_id = $1 AND c.status = 'active' AND c.seats > 0 AND u.dir_read AND (u.licensed + u.pending) * 10 >= c.seats * 9
			ORDER BY (u.licensed + u.pending)::float / c.seats DESC, c.id LIMIT 10`, partnerID).Query(func(rows pgx.Rows) error {
			var err error
			a.Seats, err = pgx.CollectRows(rows, scanSeatUse)
			return err
		})
		// Each count with the customer it points at, by name (the customer's row in the same
		// batch: no further round trip).
		oldInvitations := `SELECT customer_id, count(*) AS n FROM customer_users
			WHERE partner_id = $1 AND status = 'pending' AND first_seen_at < now() - interval '7 days' GROUP BY customer_id`
		staleDirs := `SELECT c.id, d.synced_at FROM customers c JOIN customer_user_dirs d ON d.customer_id = c.id
			WHERE c.partner_id = $1 AND c.status = 'active' AND d.synced_at < now() - interval '1 day'`
		b.Queue(`SELECT (SELECT coalesce(sum(n), 0)::int FROM (`+oldInvitations+`) i), (SELECT count(*)::int FROM (`+staleDirs+`) d)`, partnerID).
			QueryRow(func(row pgx.Row) error { return row.Scan(&a.OldInvitations, &a.StaleDirectories) })
		pointAt := func(into **Customer) func(pgx.Rows) error {
			return func(rows pgx.Rows) error {
				cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
				if len(cs) == 1 {
					*into = &cs[0]
				}
				return err
			}
		}
		b.Queue(`SELECT `+customerColumns+customerFrom+` WHERE c.id = (SELECT customer_id FROM (`+oldInvitations+`) i ORDER BY n DESC, customer_id LIMIT 1)`,
			partnerID).Query(pointAt(&a.OldInvitationsAt))
		b.Queue(`SELECT `+customerColumns+customerFrom+` WHERE c.id = (SELECT id FROM (`+staleDirs+`) d ORDER BY synced_at, id LIMIT 1)`,
			partnerID).Query(pointAt(&a.StaleDirectoryAt))
		b.Queue(`SELECT count(*) FILTER (WHERE subscription_end <= now() + interval '30 days')::int,
				count(*) FILTER (WHERE subscription_end <= now() + interval '60 days')::int, count(*)::int
			FROM customers WHERE partner_id = $1 AND status = 'active' AND subscription_end > now() AND subscription_end <= now() + interval '90 days'`,
			partnerID).QueryRow(func(row pgx.Row) error { return row.Scan(&a.Ending[0], &a.Ending[1], &a.Ending[2]) })
	})
	if err != nil {
		return Attention{}, fmt.Errorf("what needs attention at partner %d: %w", partnerID, err)
	}
	return a, nil
}

// seatCounts counts a customer c's licensed users as Zoom does against its paid seats: active
// and invited (pending) ones; a deactivated user holds no seat.
const seatCounts = `SELECT count(*) FILTER (WHERE status = 'active')::int AS licensed, count(*) FILTER (WHERE status = 'pending')::int AS pending,
		EXISTS (SELECT 1 FROM customer_user_dirs d WHERE d.customer_id = c.id AND d.synced_at IS NOT NULL) AS dir_read
	FROM customer_users WHERE customer_id = c.id AND user_type = 2`

// SeatUseOf returns the seat use of a customer in partnerID's reach, from its directory.
func (s *Store) SeatUseOf(ctx context.Context, partnerID, customerID int64) (SeatUse, error) {
	var out SeatUse
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT `+customerColumns+`, u.licensed, u.pending, u.dir_read`+customerFrom+` JOIN LATERAL (`+seatCounts+`) u ON true WHERE c.id = $1`,
			customerID).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectExactlyOneRow(rows, scanSeatUse)
			return err
		})
	})
	if err != nil {
		return SeatUse{}, fmt.Errorf("seats of customer %d: %w", customerID, err)
	}
	return out, nil
}

// scanSeatUse reads a customer row followed by its licensed and pending counts.
func scanSeatUse(row pgx.CollectableRow) (SeatUse, error) {
	c, err := pgx.RowToStructByNameLax[seatRow](row)
	if err != nil {
		return SeatUse{}, err
	}
	return SeatUse{Customer: c.Customer, Seats: c.Seats, Licensed: c.Licensed, Pending: c.Pending, DirRead: c.DirRead}, nil
}

// seatRow is a customer row with its seat use.
type seatRow struct {
	Customer
	Licensed int  `db:"licensed"`
	Pending  int  `db:"pending"`
	DirRead  bool `db:"dir_read"`
}

// Renewals lists the active customers in partnerID's reach whose subscription ends before
// until (ended ones of the last week included), soonest first, at most limit.
func (s *Store) Renewals(ctx context.Context, partnerID int64, until time.Time, limit int) ([]Customer, error) {
	var out []Customer
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+customerColumns+customerFrom+` WHERE c.status = 'active' AND c.subscription_end > now() - interval '7 days' AND c.subscription_end <= $1
			ORDER BY c.subscription_end, c.id LIMIT $2`, until, limit).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("renewals of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// SeatUses returns the seat use of the customers ids in partnerID's reach whose directory was
// read, by customer id (the seats and the customer itself are not filled in): for a page of
// the customer list.
func (s *Store) SeatUses(ctx context.Context, partnerID int64, ids []int64) (map[int64]SeatUse, error) {
	out := make(map[int64]SeatUse, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT c.id, u.licensed, u.pending FROM unnest($1::bigint[]) AS c(id)
			JOIN customer_user_dirs d ON d.customer_id = c.id AND d.synced_at IS NOT NULL
			JOIN LATERAL (`+seatCounts+`) u ON true`, ids).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id int64
				var su SeatUse
				if err := rows.Scan(&id, &su.Licensed, &su.Pending); err != nil {
					return err
				}
				su.DirRead = true
				out[id] = su
			}
			return rows.Err()
		})
	})
	if err != nil {
		return nil, fmt.Errorf("seat use of %d customers: %w", len(ids), err)
	}
	return out, nil
}
