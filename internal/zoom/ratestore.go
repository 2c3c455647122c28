package zoom

import (
	"context"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
)

// postgresLimiter is a RateLimiter whose state lives in Postgres (table zoom_rate_limits),
// so every portal process draws from the same budget of a Zoom account.
type postgresLimiter struct{ s *store.Store }

// NewPostgresLimiter returns a RateLimiter shared by every portal process on the same
// database: each reservation is one statement that moves the budget's schedule forward under
// a row lock, using the database clock. The zoom package reaches Postgres only through this
// adapter and the GrantStore adapter (grantstore.go), so the rest of the package stays
// independent of the store.
func NewPostgresLimiter(s *store.Store) RateLimiter { return postgresLimiter{s} }

// Reserve implements RateLimiter.
func (p postgresLimiter) Reserve(ctx context.Context, key RateKey, pace Pace) (Reservation, error) {
	if pace.Interval <= 0 {
		return Reservation{}, nil
	}
	r, err := p.s.ReserveZoomRate(ctx, key.ZoomAccountID, string(key.Label), pace.Interval, pace.Burst)
	if err != nil {
		return Reservation{}, err
	}
	return Reservation{Wait: r.Wait, BlockedUntil: r.BlockedUntil}, nil
}

// Pause implements RateLimiter.
func (p postgresLimiter) Pause(ctx context.Context, key RateKey, d time.Duration) error {
	return p.s.PauseZoomRate(ctx, key.ZoomAccountID, string(key.Label), d)
}

// Block implements RateLimiter.
func (p postgresLimiter) Block(ctx context.Context, key RateKey, until time.Time) error {
	return p.s.BlockZoomRate(ctx, key.ZoomAccountID, string(key.Label), until)
}
