package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/oauth2"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// signInCookie binds a pending sign-in to the browser that started it.
func (h *Handlers) signInCookie() string {
	if h.cfg.SecureCookies {
		return "__Host-td_signin"
	}
	return "td_signin"
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// signInPage shows the sign-in page (or the dashboard to someone signed in).
func (h *Handlers) signInPage(w http.ResponseWriter, r *http.Request) error {
	if staffFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if customerFrom(r.Context()) != nil {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	p := templates.SignInPage{Sandbox: h.cfg.Sandbox, SignedOut: r.URL.Query().Has("signed_out")}
	if hint := r.URL.Query().Get("login_hint"); validEmail(hint) {
		p.LoginHint = hint
	}
	h.render(w, r, http.StatusOK, templates.SignIn(p))
	return nil
}

func validEmail(s string) bool {
	if s == "" || len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// zoomLogin starts the authorization code flow with PKCE S256: a fresh state, single use and
// valid 10 minutes, bound to this browser by a cookie.
func (h *Handlers) zoomLogin(w http.ResponseWriter, r *http.Request) error {
	state, binding, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	// A second sign-in started in the same browser (another tab, a double click) keeps the
	// binding, so that both callbacks still find this browser's cookie.
	if c, err := r.Cookie(h.signInCookie()); err == nil && len(c.Value) == len(binding) {
		binding = c.Value
	}
	if err := h.store.CreateSignInState(r.Context(), state, binding, verifier); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: h.signInCookie(), Value: binding, Path: "/", MaxAge: int(store.SignInStateTTL / time.Second),
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	hint := r.URL.Query().Get("login_hint")
	if !validEmail(hint) {
		hint = ""
	}
	http.Redirect(w, r, h.cfg.ZoomApp.AuthCodeURL(state, verifier, hint), http.StatusFound)
	return nil
}

var errSignInExpired = &pageError{status: http.StatusBadRequest, title: "Sign-in expired",
	message: "This sign-in was started too long ago, already used, or started in another browser. Start again.",
	action:  "Sign in again", actionURL: "/signin"}

// zoomCallback finishes the sign-in: it checks the state against this browser, exchanges the
// code, asks Zoom who signed in, and either signs a staff member in or offers registration.
func (h *Handlers) zoomCallback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	cookie, cookieErr := r.Cookie(h.signInCookie())
	// The pending sign-in is single use: clear the cookie whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: h.signInCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	if cookieErr != nil || q.Get("state") == "" {
		h.refuseCallback(r, "no_pending_signin", "no pending sign-in cookie or state")
		return errSignInExpired
	}
	verifier, err := h.store.ConsumeSignInState(ctx, q.Get("state"), cookie.Value)
	if errors.Is(err, store.ErrNotFound) {
		h.refuseCallback(r, "bad_state", "unknown, used, expired or foreign state")
		return errSignInExpired
	} else if err != nil {
		return err
	}
	if zerr := q.Get("error"); zerr != "" || q.Get("code") == "" {
		h.failSignIn(r, "zoom returned error "+oauthErrorCode(zerr), nil)
		return &pageError{status: http.StatusBadRequest, title: "Sign-in cancelled",
			message: "Zoom did not authorize Tierdesk. Nothing was changed.", action: "Try again", actionURL: "/signin"}
	}
	tok, err := h.cfg.ZoomApp.Exchange(ctx, q.Get("code"), verifier)
	if err != nil {
		reason := "code exchange failed"
		var te *zoom.TokenError
		if errors.As(err, &te) {
			reason = "code exchange: " + oauthErrorCode(te.ErrorCode) // not Zoom's text, which can quote the code
		}
		h.failSignIn(r, reason, err)
		return &pageError{status: http.StatusBadGateway, title: "Zoom refused the sign-in",
			message: "Zoom did not accept the sign-in: " + explainTokenError(err) + " Start again.",
			action:  "Sign in again", actionURL: "/signin", cause: err}
	}
	// Tokens the portal does not end up keeping are revoked at Zoom, on every path.
	keep := false
	defer func() {
		if !keep {
			h.revokeQuietly(r, tok.AccessToken)
		}
	}()
	zc := h.zoom.TokenClient(tok, "")
	me, _, err := zc.Me(ctx)
	if err != nil {
		h.failSignIn(r, "users/me: "+err.Error(), err)
		return zoomUnavailable(err)
	}
	tokens := store.Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, Scopes: zoom.Scopes(tok)}
	who := store.StaffIdentity{ZoomUserID: me.ID, Email: me.Email, FirstName: me.FirstName, LastName: me.LastName}

	partner, err := h.store.PartnerByZoomAccount(ctx, me.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		keep, err = h.offerRegistration(w, r, zc, me, tokens)
		return err
	} else if err != nil {
		return err
	}
	grant := store.GrantInput{ZoomAccountID: me.AccountID, ZoomUserID: me.ID, ClientID: h.cfg.ZoomApp.ClientID, Tokens: tokens}
	st, grantID, err := h.store.SignIn(ctx, partner.ID, who, grant, h.requestEvent(r))
	if errors.Is(err, store.ErrNotStaff) || errors.Is(err, store.ErrStaffSuspended) {
		h.logSignIn(r, "refused", err.Error(), me.Email)
		ev := h.requestEvent(r)
		ev.PartnerID, ev.Action, ev.Outcome, ev.ZoomUserID = partner.ID, audit.SessionSignIn, store.OutcomeDenied, me.ID
		ev.TargetType, ev.TargetID, ev.TargetLabel = "zoom_user", me.ID, me.Email
		ev.Details = details(map[string]any{"reason": err.Error(), "email": me.Email})
		h.auditAlone(r, ev)
		msg := fmt.Sprintf("%s is not on the staff of %s in Tierdesk. Ask an owner of %s to invite you.", me.Email, partner.Name, partner.Name)
		if errors.Is(err, store.ErrStaffSuspended) {
			msg = fmt.Sprintf("Your access to %s in Tierdesk is suspended. Ask an owner of %s to restore it.", partner.Name, partner.Name)
		}
		return &pageError{status: http.StatusForbidden, title: "You can't sign in here", message: msg}
	} else if err != nil {
		return err
	}
	keep = true // stored in the grant now
	if err := h.startSession(r, st.ID, partner.ID, grantID); err != nil {
		return err
	}
	h.firstSync(r, partner.ID, st)
	h.logSignIn(r, "succeeded", "", me.Email)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// startSession renews the session token (no fixation) and records who signed in, when.
func (h *Handlers) startSession(r *http.Request, staffID, partnerID, grantID int64) error {
	ctx := r.Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		return fmt.Errorf("renew session token: %w", err)
	}
	h.sessions.Remove(ctx, keyRegGrant)
	h.sessions.Remove(ctx, keyRegUser)
	h.forgetCustomer(ctx)
	h.sessions.Put(ctx, keyStaffID, staffID)
	h.sessions.Put(ctx, keyPartnerID, partnerID)
	h.sessions.Put(ctx, keyGrantID, grantID)
	h.sessions.Put(ctx, keySignedInAt, h.cfg.Now().Unix())
	return nil
}

// regUser is the Zoom identity of a sign-in waiting for registration, kept in the session.
type regUser struct {
	AccountID, UserID, Email, FirstName, LastName, RoleName, Company string
}

// offerRegistration handles a Zoom user whose account is not a partner: an owner or admin
// of a primary account may register it; an owner or admin of a customer of a registered
// partner (an account that is not a primary) gets a customer session (customer_portal.go);
// anyone else is told who can. It reports whether the tokens were kept (stored for the
// registration; a customer session keeps none).
func (h *Handlers) offerRegistration(w http.ResponseWriter, r *http.Request, zc *zoom.Client, me *zoom.User, tokens store.Tokens) (bool, error) {
	ctx := r.Context()
	refuse := func(reason, title, message string) (bool, error) {
		h.logSignIn(r, "refused", reason, me.Email)
		ev := h.requestEvent(r)
		ev.PartnerID, ev.Action, ev.Outcome, ev.ZoomUserID = store.SystemChain, audit.SessionSignIn, store.OutcomeDenied, me.ID
		ev.TargetType, ev.TargetID, ev.TargetLabel = "zoom_account", me.AccountID, me.Email
		ev.Details = details(map[string]any{"reason": reason, "email": me.Email, "role": me.RoleName})
		h.auditAlone(r, ev)
		return false, &pageError{status: http.StatusForbidden, title: title, message: message}
	}
	if !me.IsOwnerOrAdmin() {
		if acct, err := h.customerAccount(ctx, me.AccountID); err != nil || acct != nil {
			if err != nil {
				return false, err
			}
			return false, h.refuseCustomerMember(r, me, acct)
		}
		return refuse("account not registered; user is not owner or admin", "Your Zoom account isn't registered",
			"Your Zoom account is not registered with Tierdesk yet. Its owner or an admin can register it by signing in here; then they can invite you.")
	}
	if _, _, err := zc.ListSubAccountsPage(ctx, 1, ""); err != nil {
		if zoom.IsPermission(err) || zoom.IsNotFound(err) {
			if acct, err := h.customerAccount(ctx, me.AccountID); err != nil || acct != nil {
				if err != nil {
					return false, err
				}
				return false, h.startCustomerSession(w, r, me, acct)
			}
			return refuse("not a primary account: "+err.Error(), "Not a primary account",
				"Tierdesk is for Zoom partners: your Zoom account must be a primary (master) account with sub accounts enabled. Zoom says this account cannot list sub accounts. Contact Zoom's partner team to enable it.")
		}
		return false, zoomUnavailable(err)
	}
	grantID, err := h.store.SavePendingGrant(ctx, me.AccountID, me.ID, h.cfg.ZoomApp.ClientID, tokens)
	if err != nil {
		return false, err
	}
	ru, _ := json.Marshal(regUser{AccountID: me.AccountID, UserID: me.ID, Email: me.Email, FirstName: me.FirstName,
		LastName: me.LastName, RoleName: me.RoleName, Company: me.Company})
	if err := h.sessions.RenewToken(ctx); err != nil {
		return true, err
	}
	h.forgetCustomer(ctx)
	h.sessions.Put(ctx, keyRegGrant, grantID)
	h.sessions.Put(ctx, keyRegUser, string(ru))
	h.logSignIn(r, "pending", "registration offered", me.Email)
	http.Redirect(w, r, "/register", http.StatusSeeOther)
	return true, nil
}

// signOut ends the session and revokes the staff member's Zoom grant. POST only.
func (h *Handlers) signOut(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if a := staffFrom(ctx); a != nil {
		ev := h.requestEvent(r)
		ev.Action, ev.Outcome = audit.SessionSignOut, store.OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "staff", itoa(a.Staff.ID), a.Staff.Email
		tokens, err := h.store.RevokeGrant(ctx, a.Partner.ID, a.GrantID, &ev)
		switch {
		case err == nil:
			h.revokeQuietly(r, tokens.AccessToken)
		case errors.Is(err, store.ErrNotFound): // the grant was already gone: still record the sign-out
			h.auditAlone(r, ev)
		default:
			return err
		}
		h.logSignIn(r, "signed out", "", a.Staff.Email)
	} else if c := customerFrom(ctx); c != nil {
		h.auditCustomerSignOut(r, c)
	} else if grantID := h.sessions.GetInt64(ctx, keyRegGrant); grantID != 0 {
		if tokens, err := h.store.RevokeGrant(ctx, 0, grantID, nil); err == nil {
			h.revokeQuietly(r, tokens.AccessToken)
		}
	}
	if err := h.sessions.Destroy(ctx); err != nil {
		return err
	}
	// Nothing of the signed-in pages stays in this browser's cache or storage.
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	http.Redirect(w, r, "/signin?signed_out", http.StatusSeeOther)
	return nil
}

// revokeQuietly revokes an access token at Zoom; a failure is logged, not shown: the
// session ends either way and the token dies within the hour.
func (h *Handlers) revokeQuietly(r *http.Request, accessToken string) {
	if accessToken == "" {
		return
	}
	if err := h.cfg.ZoomApp.Revoke(r.Context(), accessToken); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "revoke at Zoom failed", slog.String("error", err.Error()))
	}
}

// logSignIn logs a sign-in outcome (the audit log records it too once it exists).
func (h *Handlers) logSignIn(r *http.Request, outcome, reason, email string) {
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "sign-in", slog.String("request_id", middleware.GetReqID(r.Context())),
		slog.String("outcome", outcome), slog.String("reason", reason), slog.String("email", email),
		slog.String("remote", h.clientIP(r)))
}

// refuseCallback logs and counts a callback refused before any sign-in was found (anyone can
// send one: it is not written to the audit log).
func (h *Handlers) refuseCallback(r *http.Request, kind, reason string) {
	h.metrics.signInRefused.WithLabelValues(kind).Inc()
	h.logSignIn(r, "refused", reason, "")
}

// oauthErrorCode keeps an OAuth error code as such (lower-case letters and underscores, at
// most 64): the value comes from the caller's query string.
func oauthErrorCode(s string) string {
	b := []byte{}
	for i := 0; i < len(s) && len(b) < 64; i++ {
		if c := s[i]; c == '_' || (c >= 'a' && c <= 'z') {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return "(none)"
	}
	return string(b)
}

// failSignIn logs a sign-in that did not get as far as knowing who signed in, and records it
// on the system chain of the audit log (no partner is known yet), with Zoom's code when Zoom
// refused. It is called only once a pending sign-in of this browser was found and used up,
// so an anonymous caller cannot fill the log. Nothing of the request's query (the code, the
// state) is recorded.
func (h *Handlers) failSignIn(r *http.Request, reason string, err error) {
	h.logSignIn(r, "failed", reason, "")
	ev := h.requestEvent(r)
	ev.PartnerID, ev.Action, ev.Outcome = store.SystemChain, audit.SessionSignIn, store.OutcomeFailed
	ev.TargetType, ev.TargetID, ev.TargetLabel = "session", "", "sign-in"
	if ze, ok := zoom.AsError(err); ok {
		ev.ZoomCode, ev.ZoomMessage = ze.Code, ze.Message
	}
	ev.Details = details(map[string]any{"reason": reason})
	h.auditAlone(r, ev)
}

func explainTokenError(err error) string {
	var te *zoom.TokenError
	if errors.As(err, &te) {
		switch te.ErrorCode {
		case "invalid_grant":
			return "the sign-in code was invalid or expired (" + te.Reason + ")."
		case "invalid_client":
			return "Tierdesk's Zoom app credentials were refused; an administrator must check ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET."
		}
		return te.Error() + "."
	}
	return "Zoom could not be reached."
}

// zoomUnavailable is the page for a Zoom call that failed.
func zoomUnavailable(err error) *pageError {
	msg := "Zoom could not be reached, so nothing was changed. Try again in a moment."
	if ze, ok := zoom.AsError(err); ok {
		msg = fmt.Sprintf("Zoom answered with an error (HTTP %d, code %d: %s), so nothing was changed.", ze.Status, ze.Code, ze.Message)
	}
	return &pageError{status: http.StatusBadGateway, title: "Zoom is not answering", message: msg, cause: err}
}
