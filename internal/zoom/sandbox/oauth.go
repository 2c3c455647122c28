package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"
)

// codeTTL is the lifetime of an authorization code (ZOOM_API.md §4.1).
const codeTTL = 5 * time.Minute

// tokenError is the token endpoint's error body (ZOOM_API.md §4.3).
type tokenError struct {
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error"`
}

// tokenResponse is a successful token answer (ZOOM_API.md §4.2).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	APIURL       string `json:"api_url"`
}

// writeTokenError answers 400 with a token-endpoint error.
func writeTokenError(w http.ResponseWriter, kind, reason string) {
	writeJSON(w, http.StatusBadRequest, tokenError{Reason: reason, Error: kind})
}

// adminLevel reports whether a scope needs an owner or admin (":admin" and ":master"
// granular scopes and the classic *:master macros).
func adminLevel(scope string) bool {
	return strings.HasSuffix(scope, ":admin") || strings.HasSuffix(scope, ":master")
}

// grantedScopes is what an app grants a user: members lose admin-level scopes.
func grantedScopes(a *app, u *user) []string {
	if u.admin() {
		return slices.Clone(a.Scopes)
	}
	var out []string
	for _, s := range a.Scopes {
		if !adminLevel(s) {
			out = append(out, s)
		}
	}
	return out
}

// clientFromRequest authenticates the app with Basic auth (or client_id/client_secret form
// fields) and returns it, or nil.
func (s *Sandbox) clientFromRequest(r *http.Request) (*app, string) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	}
	a := s.st.Apps[id]
	if a == nil || subtle.ConstantTimeCompare([]byte(a.ClientSecret), []byte(secret)) != 1 {
		return nil, id
	}
	return a, id
}

// handleToken is POST /oauth/token: authorization_code (with PKCE), refresh_token (with
// rotation) and account_credentials (Server-to-Server).
func (s *Sandbox) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeTokenError(w, "invalid_request", "Invalid request body")
		return
	}
	s.mu.Lock()
	resp, kind, reason := s.token(r)
	s.mu.Unlock()
	if kind != "" {
		writeTokenError(w, kind, reason)
		return
	}
	s.markDirty()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// token runs a token request with the state locked. It returns the answer, or an OAuth
// error kind and reason.
func (s *Sandbox) token(r *http.Request) (tokenResponse, string, string) {
	a, id := s.clientFromRequest(r)
	if info := infoFrom(r.Context()); info != nil {
		info.grant = id
	}
	if a == nil {
		return tokenResponse{}, "invalid_client", "Invalid client_id or client_secret"
	}
	now := s.now()
	grant := r.Form.Get("grant_type")
	switch {
	case grant == "":
		return tokenResponse{}, "invalid_request", "Missing grant type"
	case grant == "authorization_code" && a.Type == appOAuth:
		return s.exchangeCode(r, a, now)
	case grant == "refresh_token" && a.Type == appOAuth:
		return s.refresh(r, a, now)
	case grant == "account_credentials" && a.Type == appS2S:
		return s.accountCredentials(r, a, now)
	}
	return tokenResponse{}, "unsupported_grant_type", "unsupported grant type"
}

// exchangeCode redeems an authorization code (single use, 5 minutes, PKCE checked).
func (s *Sandbox) exchangeCode(r *http.Request, a *app, now time.Time) (tokenResponse, string, string) {
	code := r.Form.Get("code")
	c := s.st.Codes[code]
	if c == nil || c.ClientID != a.ClientID {
		return tokenResponse{}, "invalid_grant", "Invalid authorization code " + code
	}
	delete(s.st.Codes, code)
	if !now.Before(c.ExpiresAt) {
		return tokenResponse{}, "invalid_grant", "Authorization code has expired"
	}
	if r.Form.Get("redirect_uri") != c.RedirectURI {
		return tokenResponse{}, "invalid_request", "Redirect URI mismatch."
	}
	if c.Challenge != "" && !pkceMatches(c.Method, c.Challenge, r.Form.Get("code_verifier")) {
		return tokenResponse{}, "invalid_grant", "Invalid code_verifier"
	}
	u := s.st.Users[c.UserID]
	if u == nil || u.Status != statusActive {
		return tokenResponse{}, "invalid_grant", "The owner of the token does not exist"
	}
	// Re-authorizing the same user and app invalidates the earlier tokens (ZOOM_API.md §4.2,
	// OAuth error 4741 "The token has been revoked"): only the newest authorization works.
	s.st.revokeUserTokens(a.ClientID, u.ID)
	return s.issue(r, a, u, grantedScopes(a, u), true, now), "", ""
}

// revokeUserTokens deletes every access and refresh token the app holds for the user.
func (st *state) revokeUserTokens(clientID, userID string) {
	for k, t := range st.Access {
		if t.ClientID == clientID && t.UserID == userID {
			delete(st.Access, k)
		}
	}
	for k, t := range st.Refresh {
		if t.ClientID == clientID && t.UserID == userID {
			delete(st.Refresh, k)
		}
	}
}

// pkceMatches checks a code_verifier against the challenge (S256 or plain).
func pkceMatches(method, challenge, verifier string) bool {
	if verifier == "" {
		return false
	}
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// refresh rotates a refresh token: the used one dies, a new pair is issued.
func (s *Sandbox) refresh(r *http.Request, a *app, now time.Time) (tokenResponse, string, string) {
	tok := r.Form.Get("refresh_token")
	rt := s.st.Refresh[tok]
	if rt == nil || rt.ClientID != a.ClientID || !now.Before(rt.ExpiresAt) {
		return tokenResponse{}, "invalid_grant", "Invalid Token!"
	}
	delete(s.st.Refresh, tok)
	u := s.st.Users[rt.UserID]
	if u == nil || u.Status != statusActive {
		return tokenResponse{}, "invalid_grant", "Invalid Token!"
	}
	return s.issue(r, a, u, rt.Scopes, true, now), "", ""
}

// accountCredentials issues a Server-to-Server token for the app's account owner.
func (s *Sandbox) accountCredentials(r *http.Request, a *app, now time.Time) (tokenResponse, string, string) {
	acct := s.st.Accounts[r.Form.Get("account_id")]
	if acct == nil || acct.ID != a.AccountID {
		return tokenResponse{}, "invalid_request", "Invalid account_id"
	}
	owner := s.st.owner(acct)
	if owner == nil {
		return tokenResponse{}, "invalid_request", "Invalid account_id"
	}
	return s.issue(r, a, owner, slices.Clone(a.Scopes), false, now), "", ""
}

// issue mints an access token (and a refresh token when withRefresh).
func (s *Sandbox) issue(r *http.Request, a *app, u *user, scopes []string, withRefresh bool, now time.Time) tokenResponse {
	access := randomToken(32)
	s.st.Access[access] = &accessToken{ClientID: a.ClientID, UserID: u.ID, AccountID: u.AccountID, Scopes: scopes, ExpiresAt: now.Add(s.opts.TokenTTL)}
	resp := tokenResponse{
		AccessToken: access, TokenType: "bearer", ExpiresIn: int(s.opts.TokenTTL / time.Second),
		Scope: strings.Join(scopes, " "), APIURL: s.baseURL(r),
	}
	if withRefresh {
		refresh := randomToken(32)
		s.st.Refresh[refresh] = &refreshToken{ClientID: a.ClientID, UserID: u.ID, Scopes: scopes, ExpiresAt: now.Add(s.opts.RefreshTokenTTL)}
		resp.RefreshToken = refresh
	}
	return resp
}

// handleRevoke is POST /oauth/revoke?token=...: it revokes the app's authorization for the
// token's user (every access and refresh token of that user and app) and answers
// {"status":"success"}.
func (s *Sandbox) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeTokenError(w, "invalid_request", "Invalid request body")
		return
	}
	s.mu.Lock()
	a, id := s.clientFromRequest(r)
	if info := infoFrom(r.Context()); info != nil {
		info.grant = id
	}
	if a == nil {
		s.mu.Unlock()
		writeTokenError(w, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	tok := r.Form.Get("token")
	userID := ""
	if t := s.st.Access[tok]; t != nil && t.ClientID == a.ClientID {
		userID = t.UserID
	} else if t := s.st.Refresh[tok]; t != nil && t.ClientID == a.ClientID {
		userID = t.UserID
	}
	var event map[string]any
	if userID != "" {
		s.st.revokeUserTokens(a.ClientID, userID)
		if u := s.st.Users[userID]; u != nil && a.Type == appOAuth {
			event = map[string]any{
				"account_id": u.AccountID, "user_id": u.ID, "client_id": a.ClientID,
				"deauthorization_time": ts(s.now()), "signature": hmacHex(a.ClientSecret, u.ID),
			}
		}
	}
	s.mu.Unlock()
	if userID != "" {
		s.markDirty()
	}
	if event != nil {
		s.hooks.emit("app_deauthorized", event)
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "success"})
}
