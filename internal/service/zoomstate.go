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

// RateLimiter returns this process's zoom.RateLimiter over the rate budgets every portal
// process shares in PostgreSQL (RateBudget): all processes draw from one budget per Zoom
// account and label. It books the calls that wait for a budget at the same time in one round
// trip and hands their slots out here, interactive calls first; background calls (River jobs)
// are booked only a short way ahead, so a person's call in any process is never booked behind
// a bulk job's backlog (zoom.NewBudgetLimiter). Call it once per process: each limiter keeps
// its own queue.
func RateLimiter(s *store.Store) zoom.RateLimiter { return zoom.NewBudgetLimiter(RateBudget(s)) }

// RateBudget returns the zoom.Budget kept in PostgreSQL (table zoom_rate_limits): each booking
// is one statement that moves the budget's schedule forward under a row lock, on the database's
// clock (the processes' clocks may disagree), in an UNLOGGED table (no WAL flush).
func RateBudget(s *store.Store) zoom.Budget { return postgresBudget{s} }

// postgresBudget adapts *store.Store to zoom.Budget.
type postgresBudget struct{ s *store.Store }

// Book implements zoom.Budget. A pace with no interval is no limit: nothing is booked.
func (p postgresBudget) Book(ctx context.Context, key zoom.RateKey, pace zoom.Pace, n int, horizon time.Duration) (zoom.Booking, error) {
	if pace.Interval <= 0 {
		return zoom.Booking{Count: n}, nil
	}
	b, err := p.s.BookZoomRate(ctx, key.ZoomAccountID, string(key.Label), pace.Interval, pace.Burst, n, horizon)
	if err != nil {
		return zoom.Booking{}, err
	}
	return zoom.Booking{Count: b.Count, Offset: b.Offset, BlockedUntil: b.BlockedUntil}, nil
}

// Pause implements zoom.Budget.
func (p postgresBudget) Pause(ctx context.Context, key zoom.RateKey, d time.Duration) error {
	return p.s.PauseZoomRate(ctx, key.ZoomAccountID, string(key.Label), d)
}

// Block implements zoom.Budget.
func (p postgresBudget) Block(ctx context.Context, key zoom.RateKey, until time.Time) error {
	return p.s.BlockZoomRate(ctx, key.ZoomAccountID, string(key.Label), until)
}
