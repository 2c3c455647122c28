package zoom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// App is a Zoom OAuth app (user-managed, authorization code with PKCE): its credentials,
// Zoom's OAuth host, and the portal's redirect URL.
type App struct {
	OAuthURL     string // e.g. https://zoom.us
	ClientID     string
	ClientSecret string
	RedirectURL  string
	HTTPClient   *http.Client // for the token and revoke endpoints; nil means a client with a 30 s timeout
}

func (a App) httpClient() *http.Client {
	if a.HTTPClient != nil {
		return a.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// Config returns the app as an oauth2.Config. Zoom wants client credentials in a Basic
// Authorization header.
func (a App) Config() *oauth2.Config {
	base := strings.TrimRight(a.OAuthURL, "/")
	return &oauth2.Config{
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		RedirectURL:  a.RedirectURL,
		Endpoint: oauth2.Endpoint{
			AuthURL:   base + "/oauth/authorize",
			TokenURL:  base + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
}

// AuthCodeURL returns Zoom's authorize URL for a sign-in with PKCE S256. loginHint, when not
// empty, is passed on as login_hint.
func (a App) AuthCodeURL(state, verifier, loginHint string) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return a.Config().AuthCodeURL(state, opts...)
}

// Exchange trades an authorization code for tokens. Zoom's refusal comes back as *TokenError.
func (a App) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.httpClient())
	tok, err := a.Config().Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, asTokenError(err)
	}
	return tok, nil
}

// TokenSource returns a source that refreshes tok with this app when it expires.
func (a App) TokenSource(ctx context.Context, tok *oauth2.Token) oauth2.TokenSource {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.httpClient())
	return tokenErrorSource{a.Config().TokenSource(ctx, tok)}
}

type tokenErrorSource struct{ src oauth2.TokenSource }

// Token implements oauth2.TokenSource, turning Zoom's refusals into *TokenError.
func (s tokenErrorSource) Token() (*oauth2.Token, error) {
	tok, err := s.src.Token()
	if err != nil {
		return nil, asTokenError(err)
	}
	return tok, nil
}

// asTokenError turns oauth2's RetrieveError into *TokenError.
func asTokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := parseTokenError(re.Response.StatusCode, re.Body)
		if te.ErrorCode == "unknown_error" && re.ErrorCode != "" {
			te.ErrorCode = re.ErrorCode
		}
		return te
	}
	return err
}

// refreshTokens trades a refresh token for new tokens (grant_type=refresh_token). Zoom
// rotates refresh tokens: the answer's refresh token replaces the one sent, which dies.
// Zoom's refusal comes back as *TokenError (invalid_grant: the grant is gone).
func (a App) refreshTokens(ctx context.Context, refreshToken string) (Tokens, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.httpClient())
	tok, err := a.Config().TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return Tokens{}, asTokenError(err)
	}
	return Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, Scopes: Scopes(tok)}, nil
}

// requestS2SToken asks Zoom's token endpoint at oauthURL for a Server-to-Server token:
// POST /oauth/token with grant_type=account_credentials and account_id, the app's
// credentials in a Basic Authorization header (ZOOM_API §4.1). Zoom's refusal comes back as
// *TokenError.
func requestS2SToken(ctx context.Context, hc *http.Client, oauthURL string, now func() time.Time, c S2SCredentials) (Tokens, error) {
	form := url.Values{"grant_type": {"account_credentials"}, "account_id": {c.AccountID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(oauthURL, "/")+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return Tokens{}, fmt.Errorf("zoom oauth: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	resp, err := hc.Do(req)
	if err != nil {
		return Tokens{}, fmt.Errorf("zoom oauth: account_credentials: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return Tokens{}, fmt.Errorf("zoom oauth: account_credentials: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Tokens{}, parseTokenError(resp.StatusCode, body)
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return Tokens{}, fmt.Errorf("zoom oauth: account_credentials: unreadable answer (HTTP %d)", resp.StatusCode)
	}
	if t.ExpiresIn <= 0 {
		t.ExpiresIn = 3600
	}
	return Tokens{AccessToken: t.AccessToken, Expiry: now().Add(time.Duration(t.ExpiresIn) * time.Second), Scopes: t.Scope}, nil
}

// Scopes returns the space-separated scopes Zoom granted with tok.
func Scopes(tok *oauth2.Token) string {
	s, _ := tok.Extra("scope").(string)
	return s
}

// Revoke revokes an access token (and with it the grant) at Zoom:
// POST {oauth}/oauth/revoke?token=... with the app's Basic credentials, answered 200
// {"status":"success"}.
func (a App) Revoke(ctx context.Context, token string) error {
	u := strings.TrimRight(a.OAuthURL, "/") + "/oauth/revoke"
	form := url.Values{"token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(a.ClientID), url.QueryEscape(a.ClientSecret))
	resp, err := a.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("zoom oauth: revoke: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return parseTokenError(resp.StatusCode, body)
	}
	return nil
}
