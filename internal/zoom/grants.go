package zoom

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Grant is the authority calls are made with: a staff member's user OAuth grant
// (Service.UserClient), a partner's Server-to-Server grant (Service.S2SClient) or a bare
// token (Service.TokenClient). Implementations must be safe for concurrent use.
type Grant interface {
	// Token returns an access token to call Zoom with. refused, when not empty, is a token
	// Zoom has just refused with HTTP 401: the grant must not hand it out again and gets a
	// new one (refresh, or a new Server-to-Server token). An error for which NeedsReauth is
	// true means the grant cannot be used until its owner signs in again (or, for
	// Server-to-Server, an owner fixes the credentials).
	Token(ctx context.Context, refused string) (string, error)
	// Describe names the grant for logs and the audit log: "user:42", "s2s:7", "token".
	Describe() string
	// ZoomAccountID is the Zoom account whose rate budget the grant's calls spend; "" while
	// unknown (a user grant learns it on its first Token).
	ZoomAccountID() string
}

// expirySkew is how long before its expiry an access token is treated as expired. It matches
// the store's "about to expire" test, so a refresh another process made is always reused.
const expirySkew = time.Minute

// userGrant is a staff member's grant stored in Postgres. Its tokens are loaded on first use;
// refreshes go through the store's row lock, and a mutex makes concurrent calls in this
// process share one refresh.
type userGrant struct {
	store     GrantStore
	refresh   func(ctx context.Context, refreshToken string) (Tokens, error)
	partnerID int64
	grantID   int64
	now       func() time.Time

	mu      sync.Mutex
	loaded  bool
	tokens  Tokens
	account string
}

// Describe implements Grant.
func (g *userGrant) Describe() string { return "user:" + strconv.FormatInt(g.grantID, 10) }

// ZoomAccountID implements Grant.
func (g *userGrant) ZoomAccountID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.account
}

// Token implements Grant. A refresh token Zoom refuses (invalid_grant) marks the grant
// expired in the store and returns an error for which NeedsReauth is true.
func (g *userGrant) Token(ctx context.Context, refused string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.loaded {
		acct, t, err := g.store.UserGrant(ctx, g.partnerID, g.grantID)
		if err != nil {
			return "", fmt.Errorf("zoom: load grant %s: %w", g.Describe(), err)
		}
		g.account, g.tokens, g.loaded = acct, t, true
	}
	if g.tokens.AccessToken != "" && g.tokens.AccessToken != refused && g.tokens.Expiry.After(g.now().Add(expirySkew)) {
		return g.tokens.AccessToken, nil
	}
	stale := g.tokens.AccessToken
	var sent string // the refresh token Zoom was asked to honour
	t, err := g.store.RefreshUserGrant(ctx, g.partnerID, g.grantID, stale, func(cur Tokens) (Tokens, error) {
		sent = cur.RefreshToken
		return g.refresh(ctx, cur.RefreshToken)
	})
	var te *TokenError
	if errors.As(err, &te) && te.ErrorCode == "invalid_grant" {
		superseded, merr := g.store.MarkGrantExpired(context.WithoutCancel(ctx), g.partnerID, g.grantID, sent)
		if merr != nil {
			return "", fmt.Errorf("zoom: grant %s refused by Zoom (%w), and marking it expired failed: %w", g.Describe(), te, merr)
		}
		if superseded {
			// The staff member signed in again while this refresh ran (Zoom revoked the old
			// tokens for it): the new tokens are the grant's now.
			acct, nt, lerr := g.store.UserGrant(ctx, g.partnerID, g.grantID)
			if lerr == nil && nt.AccessToken != "" && nt.AccessToken != refused {
				g.account, g.tokens = acct, nt
				return nt.AccessToken, nil
			}
		}
		return "", fmt.Errorf("%w: grant %s: %w", ErrNeedsReauth, g.Describe(), te)
	}
	if err != nil {
		return "", fmt.Errorf("zoom: refresh grant %s: %w", g.Describe(), err)
	}
	if t.AccessToken == "" || t.AccessToken == refused {
		return "", fmt.Errorf("%w: grant %s: Zoom keeps refusing its access token", ErrNeedsReauth, g.Describe())
	}
	g.tokens = t
	return t.AccessToken, nil
}

// S2SCredentials identify a partner's Server-to-Server OAuth app (ZOOM_API §4.1,
// grant_type=account_credentials).
type S2SCredentials struct {
	GrantID      int64  // the grant's id in Tierdesk, for the audit description "s2s:<id>"
	AccountID    string // the Zoom account the app belongs to
	ClientID     string
	ClientSecret string
}

// s2sGrant is a Server-to-Server grant: a new access token is requested when the cached one
// is within a minute of expiry or was refused. Zoom lets several tokens coexist, so processes
// need no coordination.
type s2sGrant struct {
	creds   S2SCredentials
	request func(ctx context.Context, c S2SCredentials) (Tokens, error)
	now     func() time.Time

	mu     sync.Mutex
	tokens Tokens
}

// Describe implements Grant.
func (g *s2sGrant) Describe() string { return "s2s:" + strconv.FormatInt(g.creds.GrantID, 10) }

// ZoomAccountID implements Grant.
func (g *s2sGrant) ZoomAccountID() string { return g.creds.AccountID }

// Token implements Grant. Credentials Zoom refuses (invalid_client, a wrong account id) are
// errors for which NeedsReauth is true.
func (g *s2sGrant) Token(ctx context.Context, refused string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tokens.AccessToken != "" && g.tokens.AccessToken != refused && g.tokens.Expiry.After(g.now().Add(expirySkew)) {
		return g.tokens.AccessToken, nil
	}
	t, err := g.request(ctx, g.creds)
	var te *TokenError
	if errors.As(err, &te) && te.Status >= 400 && te.Status < 500 {
		return "", fmt.Errorf("%w: Server-to-Server grant %s: %w", ErrNeedsReauth, g.Describe(), te)
	}
	if err != nil {
		return "", fmt.Errorf("zoom: Server-to-Server token for grant %s: %w", g.Describe(), err)
	}
	g.tokens = t
	return t.AccessToken, nil
}

// tokenGrant is a bare access token (e.g. during sign-in, before the grant is stored). It
// cannot refresh: a refused token needs a new sign-in.
type tokenGrant struct {
	tok     *oauth2.Token
	account string
}

// Describe implements Grant.
func (g tokenGrant) Describe() string { return "token" }

// ZoomAccountID implements Grant.
func (g tokenGrant) ZoomAccountID() string { return g.account }

// Token implements Grant.
func (g tokenGrant) Token(_ context.Context, refused string) (string, error) {
	if g.tok == nil || g.tok.AccessToken == "" || g.tok.AccessToken == refused {
		return "", fmt.Errorf("%w: the access token was refused and cannot be refreshed", ErrNeedsReauth)
	}
	return g.tok.AccessToken, nil
}
