package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SnapshotSeats records, for day, the seats and licensed users of each of partnerID's active
// customers whose directory was read (a later snapshot of the same day replaces the earlier
// one). It returns how many customers it recorded.
func (s *Store) SnapshotSeats(ctx context.Context, partnerID int64, day time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO seat_snapshots (customer_id, partner_id, day, seats, licensed, pending)
			SELECT c.id, c.partner_id, $2::date, c.seats, u.licensed, u.pending
			FROM customers c JOIN customer_user_dirs d ON d.customer_id = c.id AND d.synced_at IS NOT NULL
			JOIN LATERAL (`+seatCounts+`) u ON true
			WHERE c.partner_id = $1 AND c.status = 'active'
			ON CONFLICT (customer_id, day) DO UPDATE SET seats = EXCLUDED.seats, licensed = EXCLUDED.licensed,
				pending = EXCLUDED.pending, taken_at = now()`, partnerID, day.UTC().Format(time.DateOnly))
		n = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("seat snapshot of partner %d: %w", partnerID, err)
	}
	return n, nil
}

// SeatPoint is one day of seats: bought, used (licensed and invited) and how many customers
// the snapshot counted.
type SeatPoint struct {
	Day       time.Time
	Seats     int
	Used      int
	Customers int
}

// SeatHistory returns the daily seats of partnerID's own customers (customerID 0), or of one
// customer in its reach, over the days since since, oldest first.
func (s *Store) SeatHistory(ctx context.Context, partnerID, customerID int64, since time.Time) ([]SeatPoint, error) {
	var out []SeatPoint
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		q, args := `SELECT day, sum(seats)::int, sum(licensed + pending)::int, count(*)::int FROM seat_snapshots
			WHERE partner_id = $1 AND day >= $2::date GROUP BY day ORDER BY day`, []any{partnerID, since.UTC().Format(time.DateOnly)}
		if customerID != 0 {
			q, args = `SELECT day, seats, licensed + pending, 1 FROM seat_snapshots
				WHERE customer_id = $1 AND day >= $2::date ORDER BY day`, []any{customerID, since.UTC().Format(time.DateOnly)}
		}
		b.Queue(q, args...).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var p SeatPoint
				if err := rows.Scan(&p.Day, &p.Seats, &p.Used, &p.Customers); err != nil {
					return err
				}
				out = append(out, p)
			}
			return rows.Err()
		})
	})
	if err != nil {
		return nil, fmt.Errorf("seat history of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// SeatsUsedByPartner returns, for each partner in partnerID's reach with a seat snapshot, the
// seats its customers' licensed users took in its latest snapshot: the dashboard's roll-up per
// tier, without counting every directory again.
func (s *Store) SeatsUsedByPartner(ctx context.Context, partnerID int64) (map[int64]int, error) {
	out := map[int64]int{}
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT s.partner_id, sum(s.licensed + s.pending)::int FROM seat_snapshots s
			JOIN (SELECT partner_id, max(day) AS day FROM seat_snapshots GROUP BY partner_id) l ON l.partner_id = s.partner_id AND l.day = s.day
			GROUP BY s.partner_id`).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id int64
				var n int
				if err := rows.Scan(&id, &n); err != nil {
					return err
				}
				out[id] = n
			}
			return rows.Err()
		})
	})
	if err != nil {
		return nil, fmt.Errorf("seats used by the partners of %d: %w", partnerID, err)
	}
	return out, nil
}
