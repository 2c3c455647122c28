package zoom

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
)

// Tokens are a user grant's secrets, in the clear (only in memory).
type Tokens struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time // of the access token
	Scopes       string    // space-separated, as Zoom granted them
}

// GrantStore is where user grants live: the zoom package declares what it needs and
// NewGrantStore adapts *store.Store to it (the store encrypts the tokens and refreshes under
// a row lock). Declaring the interface here keeps the grant logic testable and the store free
// of any knowledge of Zoom's protocol.
type GrantStore interface {
	// UserGrant returns the Zoom account of an active user grant and its tokens. A grant that
	// is missing or no longer active is an error for which NeedsReauth is true.
	UserGrant(ctx context.Context, partnerID, grantID int64) (zoomAccountID string, t Tokens, err error)
	// RefreshUserGrant runs refresh under the grant's row lock unless another process already
	// replaced the stale access token, stores what refresh returns and returns the current
	// tokens. An error from refresh is returned (wrapped) and nothing is stored.
	RefreshUserGrant(ctx context.Context, partnerID, grantID int64, stale string, refresh func(current Tokens) (Tokens, error)) (Tokens, error)
	// MarkGrantExpired records that Zoom refused the grant's refresh token refused. It
	// reports superseded (and changes nothing) when the grant holds another refresh token by
	// now: a newer sign-in replaced it.
	MarkGrantExpired(ctx context.Context, partnerID, grantID int64, refused string) (superseded bool, err error)
}

// storeGrants adapts *store.Store to GrantStore.
type storeGrants struct{ s *store.Store }

// NewGrantStore returns the GrantStore backed by Tierdesk's Postgres store.
func NewGrantStore(s *store.Store) GrantStore { return storeGrants{s} }

// UserGrant implements GrantStore.
func (g storeGrants) UserGrant(ctx context.Context, partnerID, grantID int64) (string, Tokens, error) {
	gr, err := g.s.Grant(ctx, partnerID, grantID)
	if errors.Is(err, store.ErrNotFound) {
		return "", Tokens{}, fmt.Errorf("%w: grant %d of partner %d does not exist", ErrNeedsReauth, grantID, partnerID)
	}
	if err != nil {
		return "", Tokens{}, err
	}
	if gr.Kind != "user" {
		return "", Tokens{}, fmt.Errorf("zoom: grant %d is a %s grant, not a user grant", grantID, gr.Kind)
	}
	if gr.Status != store.GrantActive {
		return "", Tokens{}, fmt.Errorf("%w: grant %d is %s", ErrNeedsReauth, grantID, gr.Status)
	}
	return gr.ZoomAccountID, Tokens(gr.Tokens), nil
}

// RefreshUserGrant implements GrantStore.
func (g storeGrants) RefreshUserGrant(ctx context.Context, partnerID, grantID int64, stale string, refresh func(Tokens) (Tokens, error)) (Tokens, error) {
	t, err := g.s.RefreshUserGrant(ctx, partnerID, grantID, stale, func(cur store.Tokens) (store.Tokens, error) {
		next, err := refresh(Tokens(cur))
		return store.Tokens(next), err
	})
	if errors.Is(err, store.ErrNotFound) {
		return Tokens{}, fmt.Errorf("%w: %w", ErrNeedsReauth, err)
	}
	return Tokens(t), err
}

// MarkGrantExpired implements GrantStore. A grant that is already not active is not an error.
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
