package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Zoom rate-limit budgets are shared by every portal process through the zoom_rate_limits
// table (migration 00003). They are keyed by Zoom account and rate-limit label, not by
// partner: a Zoom account's budget is the same whoever spends it, so these queries take no
// partner id. Times come from the database clock so that processes with skewed clocks agree.

// ZoomRateReservation is the answer to ReserveZoomRate.
type ZoomRateReservation struct {
	// Wait is how long the caller must wait before sending the call it reserved.
	Wait time.Duration
	// BlockedUntil is set (and nothing was reserved) while Zoom's daily limit for the key is
	// known to be reached.
	BlockedUntil time.Time
}

// ReserveZoomRate books one call for zoomAccountID and label at a pace of one call per
// interval with bursts of up to burst calls (GCRA), and returns how long the caller must
// wait before sending it. Concurrent callers in any process get distinct slots: the row is
// updated under its lock in a single statement. When BlockZoomRate recorded a daily limit
// that has not passed, nothing is reserved and BlockedUntil says until when. It fails only
// on a database error or a non-positive interval.
func (s *Store) ReserveZoomRate(ctx context.Context, zoomAccountID, label string, interval time.Duration, burst int) (ZoomRateReservation, error) {
	if interval <= 0 {
		return ZoomRateReservation{}, fmt.Errorf("reserve zoom rate %s/%s: interval %v must be positive", zoomAccountID, label, interval)
	}
	burst = max(burst, 1)
	var waitUS int64
	err := s.pool.QueryRow(ctx, `INSERT INTO zoom_rate_limits AS r (zoom_account_id, label, tat)
		VALUES ($1, $2, clock_timestamp() + $3 * interval '1 microsecond')
		ON CONFLICT (zoom_account_id, label) DO UPDATE
			SET tat = greatest(r.tat, clock_timestamp()) + $3 * interval '1 microsecond'
			WHERE r.blocked_until IS NULL OR r.blocked_until <= clock_timestamp()
		RETURNING greatest(0, (extract(epoch FROM r.tat - clock_timestamp()) * 1e6)::bigint - $3 * $4)`,
		zoomAccountID, label, interval.Microseconds(), int64(burst)).Scan(&waitUS)
	if err == nil {
		return ZoomRateReservation{Wait: time.Duration(waitUS) * time.Microsecond}, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return ZoomRateReservation{}, fmt.Errorf("reserve zoom rate %s/%s: %w", zoomAccountID, label, err)
	}
	// The update's WHERE refused: the key is blocked.
	var until time.Time
	err = s.pool.QueryRow(ctx, `SELECT blocked_until FROM zoom_rate_limits WHERE zoom_account_id = $1 AND label = $2`,
		zoomAccountID, label).Scan(&until)
	if err != nil {
		return ZoomRateReservation{}, fmt.Errorf("reserve zoom rate %s/%s: read block: %w", zoomAccountID, label, translate(err))
	}
	return ZoomRateReservation{BlockedUntil: until}, nil
}

// PauseZoomRate moves the schedule of zoomAccountID and label to at least d from now (Zoom
// answered 429 for the per-second limit: the whole budget waits, in every process). The
// burst allowance of ReserveZoomRate still applies from there: with burst b and interval i,
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
// until (Zoom's Retry-After): ReserveZoomRate refuses the key until then. A block never
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
