package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// The zoom package declares what it needs to keep in a database (zoom.GrantStore,
// zoom.RateLimiter) and knows nothing of the store; the adapters below give it Tierdesk's
// PostgreSQL store. They live here, the one layer that may know both, so that internal/zoom
// stays a client of Zoom that can be built and tested without the store.

// GrantStore returns the zoom.GrantStore backed by Tierdesk's PostgreSQL store: the store
// encrypts the tokens and refreshes under the grant's row lock, so any number of processes
// make one refresh. The store's errors are translated into the zoom package's vocabulary: a
// grant that is missing or no longer active needs a new sign-in (zoom.NeedsReauth).
func GrantStore(s *store.Store) zoom.GrantStore { return storeGrants{s} }

// storeGrants adapts *store.Store to zoom.GrantStore.
type storeGrants struct{ s *store.Store }

// UserGrant implements zoom.GrantStore.
func (g storeGrants) UserGrant(ctx context.Context, partnerID, grantID int64) (string, zoom.Tokens, error) {
	gr, err := g.s.Grant(ctx, partnerID, grantID)
	if errors.Is(err, store.ErrNotFound) {
		return "", zoom.Tokens{}, fmt.Errorf("%w: grant %d of partner %d does not exist", zoom.ErrNeedsReauth, grantID, partnerID)
	}
	if err != nil {
		return "", zoom.Tokens{}, err
	}
	if gr.Kind != "user" {
		return "", zoom.Tokens{}, fmt.Errorf("zoom: grant %d is a %s grant, not a user grant", grantID, gr.Kind)
	}
	if gr.Status != store.GrantActive {
		return "", zoom.Tokens{}, fmt.Errorf("%w: grant %d is %s", zoom.ErrNeedsReauth, grantID, gr.Status)
	}
	return gr.ZoomAccountID, zoom.Tokens(gr.Tokens), nil
}

// RefreshUserGrant implements zoom.GrantStore.
func (g storeGrants) RefreshUserGrant(ctx context.Context, partnerID, grantID int64, stale string, refresh func(zoom.Tokens) (zoom.Tokens, error)) (zoom.Tokens, error) {
	t, err := g.s.RefreshUserGrant(ctx, partnerID, grantID, stale, func(cur store.Tokens) (store.Tokens, error) {
		next, err := refresh(zoom.Tokens(cur))
		return store.Tokens(next), err
	})
	if errors.Is(err, store.ErrNotFound) {
		return zoom.Tokens{}, fmt.Errorf("%w: %w", zoom.ErrNeedsReauth, err)
	}
	return zoom.Tokens(t), err
}

// MarkGrantExpired implements zoom.GrantStore. A grant that is already not active is not an
// error: what the caller wanted (the grant unusable) is already so.
func (g storeGrants) MarkGrantExpired(ctx context.Context, partnerID, grantID int64, refused string) (bool, error) {
	err := g.s.MarkGrantExpired(ctx, partnerID, grantID, refused)
	switch {
	case errors.Is(err, store.ErrGrantSuperseded):
		return true, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return false, err
	}
	return false, nil
}

// RateLimiter returns a zoom.RateLimiter shared by every portal process on the same database
// (table zoom_rate_limits), so that they all draw from one budget per Zoom account and label:
// each reservation is one statement that moves the budget's schedule forward under a row lock,
// on the database's clock (the processes' clocks may disagree).
func RateLimiter(s *store.Store) zoom.RateLimiter { return postgresLimiter{s} }

// postgresLimiter adapts *store.Store to zoom.RateLimiter.
type postgresLimiter struct{ s *store.Store }

// Reserve implements zoom.RateLimiter. A pace with no interval is no limit: nothing is booked.
func (p postgresLimiter) Reserve(ctx context.Context, key zoom.RateKey, pace zoom.Pace) (zoom.Reservation, error) {
	if pace.Interval <= 0 {
		return zoom.Reservation{}, nil
	}
	r, err := p.s.ReserveZoomRate(ctx, key.ZoomAccountID, string(key.Label), pace.Interval, pace.Burst)
	if err != nil {
		return zoom.Reservation{}, err
	}
	return zoom.Reservation{Wait: r.Wait, BlockedUntil: r.BlockedUntil}, nil
}

// Pause implements zoom.RateLimiter.
func (p postgresLimiter) Pause(ctx context.Context, key zoom.RateKey, d time.Duration) error {
	return p.s.PauseZoomRate(ctx, key.ZoomAccountID, string(key.Label), d)
}

// Block implements zoom.RateLimiter.
func (p postgresLimiter) Block(ctx context.Context, key zoom.RateKey, until time.Time) error {
	return p.s.BlockZoomRate(ctx, key.ZoomAccountID, string(key.Label), until)
}
