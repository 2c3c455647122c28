package store

import (
	"context"
	"fmt"
	"time"
)

// Zoom rate-limit budgets are shared by every portal process through the zoom_rate_limits
// table (migrations 00003, 00021). They are keyed by Zoom account and rate-limit label, not by
// partner: a Zoom account's budget is the same whoever spends it, so these queries take no
// partner id. Times come from the database clock so that processes with skewed clocks agree.
// The table is UNLOGGED: a booking writes no WAL for its row, so its commit is not flushed.

// ZoomRateBooking is the answer to BookZoomRate.
type ZoomRateBooking struct {
	// Count calls were booked; the i-th (from 0) may be sent Offset + i × interval after the
	// database's now (a negative time is the burst allowance: at once).
	Count int
	// Offset is the first booked call's slot from now; with Count 0 (the horizon was full),
	// where the next slot lies.
	Offset time.Duration
	// BlockedUntil is set (and nothing was booked) while Zoom's daily limit for the key is
	// known to be reached.
	BlockedUntil time.Time
}

// BookZoomRate books up to n calls for zoomAccountID and label at a pace of one call per
// interval with bursts of up to burst calls (GCRA), in one round trip: n calls booked at once
// get the slots n single bookings would. With horizon > 0 only the calls whose slots fall
// within horizon of now are booked (possibly none), so background work never books far ahead
// of the calls of people. Concurrent callers in any process get distinct slots: the row is
// updated under its lock. While a daily limit recorded by BlockZoomRate has not passed,
// nothing is booked and BlockedUntil says until when. It fails only on a database error, a
// non-positive interval or n.
func (s *Store) BookZoomRate(ctx context.Context, zoomAccountID, label string, interval time.Duration, burst, n int, horizon time.Duration) (ZoomRateBooking, error) {
	if interval < time.Microsecond || n <= 0 {
		return ZoomRateBooking{}, fmt.Errorf("book zoom rate %s/%s: interval %v and count %d must be positive", zoomAccountID, label, interval, n)
	}
	var (
		count    int
		offsetUS int64
		blocked  *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT booked, offset_us, blocked FROM zoom_rate_book($1, $2, $3, $4, $5, $6)`,
		zoomAccountID, label, interval.Microseconds(), max(burst, 1), n, max(horizon, 0).Microseconds()).Scan(&count, &offsetUS, &blocked)
	if err != nil {
		return ZoomRateBooking{}, fmt.Errorf("book zoom rate %s/%s: %w", zoomAccountID, label, err)
	}
	if blocked != nil {
		return ZoomRateBooking{BlockedUntil: *blocked}, nil
	}
	return ZoomRateBooking{Count: count, Offset: time.Duration(offsetUS) * time.Microsecond}, nil
}

// PauseZoomRate moves the schedule of zoomAccountID and label to at least d from now (Zoom
// answered 429 for the per-second limit: the whole budget waits, in every process). The
// burst allowance of BookZoomRate still applies from there: with burst b and interval i,
// the next call waits d − (b−1)·i. A pause never shortens an existing one. It fails only on a
// database error.
func (s *Store) PauseZoomRate(ctx context.Context, zoomAccountID, label string, d time.Duration) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO zoom_rate_limits AS r (zoom_account_id, label, tat)
		VALUES ($1, $2, clock_timestamp() + $3 * interval '1 microsecond')
		ON CONFLICT (zoom_account_id, label) DO UPDATE
			SET tat = greatest(r.tat, clock_timestamp() + $3 * interval '1 microsecond')`,
		zoomAccountID, label, max(d, 0).Microseconds())
	if err != nil {
		return fmt.Errorf("pause zoom rate %s/%s: %w", zoomAccountID, label, err)
	}
	return nil
}

// BlockZoomRate records that Zoom's daily limit for zoomAccountID and label is reached until
// until (Zoom's Retry-After): BookZoomRate refuses the key until then. A block never
// shortens an existing one. It fails only on a database error.
func (s *Store) BlockZoomRate(ctx context.Context, zoomAccountID, label string, until time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO zoom_rate_limits AS r (zoom_account_id, label, tat, blocked_until)
		VALUES ($1, $2, clock_timestamp(), $3)
		ON CONFLICT (zoom_account_id, label) DO UPDATE
			SET blocked_until = greatest(r.blocked_until, EXCLUDED.blocked_until)`,
		zoomAccountID, label, until)
	if err != nil {
		return fmt.Errorf("block zoom rate %s/%s: %w", zoomAccountID, label, err)
	}
	return nil
}
