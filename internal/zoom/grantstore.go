package zoom

import (
	"context"
	"time"
)

// Tokens are a user grant's secrets, in the clear (only in memory).
type Tokens struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time // of the access token
	Scopes       string    // space-separated, as Zoom granted them
}

// GrantStore is where user grants live: the zoom package declares what it needs and
// service.GrantStore adapts Tierdesk's store to it (the store encrypts the tokens and
// refreshes under a row lock). Declaring the interface here keeps the grant logic testable,
// the store free of any knowledge of Zoom's protocol, and this package free of the store.
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
