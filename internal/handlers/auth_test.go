package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/handlers"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

const (
	distOwner   = "owner@northwind.example"
	distAdmin   = "admin@northwind.example"
	distSupport = "support@northwind.example"
)

func TestSignedOutVisitorIsSentToSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	if loc := b.get(e.URL + "/").location(t); loc != e.URL+"/signin" {
		t.Fatalf("/ redirects to %s", loc)
	}
	p := b.get(e.URL + "/signin")
	if p.StatusCode != http.StatusOK || p.Doc().Find(`a[data-testid="signin-zoom"]`).AttrOr("href", "") != "/auth/zoom/login" {
		t.Fatalf("sign-in page: %d %.300s", p.StatusCode, p.Body)
	}
}

func TestFirstOwnerRegistersPartnerAndLandsOnDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	cb := b.startSignIn(e, distOwner)
	reg := b.get(cb)
	if loc := reg.location(t); loc != e.URL+"/register" {
		t.Fatalf("callback of an unregistered primary's owner goes to %s", loc)
	}
	pendingToken := b.cookie(e, "td_session")
	form := b.get(e.URL + "/register")
	if form.StatusCode != http.StatusOK || form.TestID("zoom-account-id") == "" {
		t.Fatalf("register page: %d %.400s", form.StatusCode, form.Body)
	}
	// An empty name is refused with a message on the field, and nothing is created.
	bad := b.post(e.URL+"/register", url.Values{"name": {"  "}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-name") == "" {
		t.Fatalf("empty name: %d %.400s", bad.StatusCode, bad.Body)
	}
	if _, err := e.Store.PartnerByZoomAccount(context.Background(), form.TestID("zoom-account-id")); err == nil {
		t.Fatal("a partner was created from an invalid form")
	}
	done := b.post(e.URL+"/register", url.Values{"name": {"Northwind Distribution"}})
	if loc := done.location(t); loc != e.URL+"/" {
		t.Fatalf("register redirects to %s", loc)
	}
	if tok := b.cookie(e, "td_session"); tok == "" || tok == pendingToken {
		t.Fatalf("session token not renewed at sign-in (before %q, after %q)", pendingToken, tok)
	}
	dash := b.get(e.URL + "/")
	if dash.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d", dash.StatusCode)
	}
	if got := dash.TestID("staff-role"); got != "Owner" {
		t.Errorf("role shown = %q, want owner", got)
	}
	if got := dash.TestID("partner-name"); got != "Northwind Distribution" {
		t.Errorf("partner shown = %q", got)
	}
	if got := dash.TestID("staff-name"); got == "" || strings.Contains(got, "@") {
		t.Errorf("staff name shown = %q, want the owner's name from Zoom", got)
	}
	if !strings.Contains(dash.Body, "is registered and you are its owner") {
		t.Error("no welcome flash after registration")
	}
	if got := dash.TestID("grant-status"); got != "Connected" {
		t.Errorf("grant status = %q", got)
	}
}

func TestSessionTokenChangesAtSignInAndOldOneDies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	first := b.cookie(e, "td_session")
	p := e.partnerOf(distOwner)
	if _, err := e.Store.InviteStaff(context.Background(), p.ID, distAdmin, store.RoleAdmin, nil, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	dash := b.signIn(e, distAdmin)
	second := b.cookie(e, "td_session")
	if first == "" || second == "" || first == second {
		t.Fatalf("session token did not change at sign-in: %q → %q", first, second)
	}
	if got := dash.TestID("staff-role"); got != "Admin" {
		t.Fatalf("after the second sign-in role = %q, want admin", got)
	}
	// The old token is dead: someone holding it is sent to sign in.
	thief := e.browser()
	u, _ := url.Parse(e.URL)
	thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: "td_session", Value: first}})
	if loc := thief.get(e.URL + "/").location(t); loc != e.URL+"/signin" {
		t.Fatalf("old session token still works: / → %s", loc)
	}
}

func TestReplayedStateIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	cb := b.startSignIn(e, distOwner)
	// The replay carries everything the first callback had, the pending-sign-in cookie
	// included: only the state's single use can refuse it.
	pending := b.cookie(e, "td_signin")
	if pending == "" {
		t.Fatal("no pending-sign-in cookie after /auth/zoom/login")
	}
	if first := b.get(cb); first.StatusCode != http.StatusSeeOther {
		t.Fatalf("first callback: %d %.300s", first.StatusCode, first.Body)
	}
	exchanges := len(e.sandboxRequests(http.MethodPost, "/oauth/token"))
	u, _ := url.Parse(e.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "td_signin", Value: pending, Path: "/"}})
	replay := b.get(cb)
	if replay.StatusCode != http.StatusBadRequest || replay.TestID("message-title") != "Sign-in expired" {
		t.Fatalf("replayed callback: %d %q", replay.StatusCode, replay.TestID("message-title"))
	}
	if n := len(e.sandboxRequests(http.MethodPost, "/oauth/token")); n != exchanges {
		t.Fatalf("the replay reached Zoom's token endpoint (%d → %d exchanges)", exchanges, n)
	}
	// Anyone can send a callback: a refused one is counted and logged, not written to the
	// append-only audit log.
	if m := b.get(e.URL + "/metrics").Body; !strings.Contains(m, `tierdesk_signin_refused_total{reason="bad_state"} 1`) {
		t.Fatalf("the replay is not counted:\n%s", grepLines(m, "signin_refused"))
	}
	var n int
	if err := storetest.Superuser(t, e.Store).QueryRow(context.Background(), `SELECT count(*) FROM audit_events
		WHERE partner_id = $1 AND action = 'session.sign_in' AND outcome = 'failed'`, store.SystemChain).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d audit events for an anonymous replay, want none", n)
	}
	// A sign-in Zoom refused after this browser's own state was used up is audited, with
	// only the OAuth error code of the query (never its other text).
	cb = b.startSignIn(e, distOwner)
	u2, _ := url.Parse(cb)
	q := u2.Query()
	q.Del("code")
	q.Set("error", "access_denied<script>"+strings.Repeat("x", 500))
	u2.RawQuery = q.Encode()
	if got := b.get(u2.String()); got.StatusCode != http.StatusBadRequest {
		t.Fatalf("a refused authorization: %d", got.StatusCode)
	}
	var reason string
	if err := storetest.Superuser(t, e.Store).QueryRow(context.Background(), `SELECT details->>'reason' FROM audit_events
		WHERE partner_id = $1 AND action = 'session.sign_in' AND outcome = 'failed'`, store.SystemChain).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	if want := "zoom returned error " + ("access_deniedscript" + strings.Repeat("x", 64))[:64]; reason != want {
		t.Fatalf("failed sign-in reason %q", reason)
	}
}

// The login redirect asks Zoom for a PKCE S256 challenge with a fresh state, passes the
// login hint through, and sets the pending-sign-in cookie as HttpOnly and SameSite=Lax.
func TestLoginRedirectCarriesPKCEStateAndHint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	var states []string
	for range 2 {
		login := b.get(e.URL + "/auth/zoom/login?login_hint=" + url.QueryEscape(distAdmin))
		loc, err := url.Parse(login.location(t))
		if err != nil {
			t.Fatal(err)
		}
		q := loc.Query()
		if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
			t.Fatalf("authorize URL without a PKCE S256 challenge: %s", loc)
		}
		if q.Get("login_hint") != distAdmin || q.Get("response_type") != "code" || q.Get("client_id") == "" ||
			q.Get("redirect_uri") != e.URL+"/auth/zoom/callback" {
			t.Fatalf("authorize URL: %s", loc)
		}
		if len(q.Get("state")) < 32 {
			t.Fatalf("state %q too short", q.Get("state"))
		}
		states = append(states, q.Get("state"))
		var cookie *http.Cookie
		for _, c := range login.Cookies() {
			if c.Name == "td_signin" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge <= 0 || cookie.MaxAge > 600 {
			t.Fatalf("pending-sign-in cookie %+v, want HttpOnly, SameSite=Lax, at most 10 minutes", cookie)
		}
	}
	if states[0] == states[1] {
		t.Fatal("two sign-ins got the same state")
	}
}

// The session cookie set at sign-in is HttpOnly and SameSite=Lax; on plain http on this
// machine it is not Secure (the browser would drop it), with https it is Secure and __Host-.
func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	cb := b.startSignIn(e, distOwner)
	resp := b.get(cb)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "td_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" {
		t.Fatalf("session cookie at sign-in: %+v", session)
	}
	sm := handlers.NewSessionManager(e.Store.SessionStore(handlers.SessionWriteSlack), true, nil)
	if sm.Cookie.Name != "__Host-td_session" || !sm.Cookie.Secure || !sm.Cookie.HttpOnly || sm.Cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("secure session cookie settings: %+v", sm.Cookie)
	}
	if sm.IdleTimeout != 30*time.Minute || sm.Lifetime != 12*time.Hour {
		t.Fatalf("idle %s, lifetime %s", sm.IdleTimeout, sm.Lifetime)
	}
}

func TestForeignStateIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	victim, attacker := e.browser(), e.browser()
	// The attacker starts a sign-in of their own (so they hold a pending-sign-in cookie),
	// then lures the victim's state into their browser, or the other way round.
	_ = attacker.startSignIn(e, distAdmin)
	victimCallback := victim.startSignIn(e, distOwner)
	got := attacker.get(victimCallback)
	if got.StatusCode != http.StatusBadRequest || got.TestID("message-title") != "Sign-in expired" {
		t.Fatalf("foreign state: %d %q", got.StatusCode, got.TestID("message-title"))
	}
	if n := e.countPartners(); n != 0 {
		t.Fatalf("%d partners exist after refused sign-ins", n)
	}
}

func TestCallbackWithoutPendingSignInCookieIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cb := e.browser().startSignIn(e, distOwner)
	stranger := e.browser()
	got := stranger.get(cb)
	if got.StatusCode != http.StatusBadRequest || got.TestID("message-title") != "Sign-in expired" {
		t.Fatalf("callback without cookie: %d %q", got.StatusCode, got.TestID("message-title"))
	}
	if stranger.cookie(e, "td_session") != "" {
		t.Fatal("a session was started without the pending-sign-in cookie")
	}
}

func TestSignOutIsPostOnlyAndRevokesAtZoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	if got := b.get(e.URL + "/signout"); got.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /signout: %d, want 405", got.StatusCode)
	}
	if got := b.get(e.URL + "/"); got.StatusCode != http.StatusOK {
		t.Fatalf("GET /signout signed the user out: / → %d", got.StatusCode)
	}
	before := len(e.sandboxRequests(http.MethodPost, "/oauth/revoke"))
	out := b.post(e.URL+"/signout", nil)
	if loc := out.location(t); !strings.HasPrefix(loc, e.URL+"/signin") {
		t.Fatalf("sign-out redirects to %s", loc)
	}
	revokes := e.sandboxRequests(http.MethodPost, "/oauth/revoke")
	if len(revokes) != before+1 || revokes[len(revokes)-1].Status != http.StatusOK {
		t.Fatalf("revoke calls at the sandbox: %+v (before %d)", revokes, before)
	}
	p := e.partnerOf(distOwner)
	staff := e.staffByEmail(p.ID, distOwner)
	g, err := e.Store.StaffGrant(context.Background(), p.ID, staff.ID)
	if err != nil || g.Status != store.GrantRevoked || g.Tokens.RefreshToken != "" {
		t.Fatalf("grant after sign-out: %+v, %v", g, err)
	}
	if loc := b.get(e.URL + "/").location(t); loc != e.URL+"/signin" {
		t.Fatalf("after sign-out / → %s", loc)
	}
}

func TestSessionEndsTwelveHoursAfterSignInHoweverActive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	for i := 0; i < 4; i++ { // active all day
		e.clock.Advance(3*time.Hour - time.Minute)
		if got := b.get(e.URL + "/"); got.StatusCode != http.StatusOK {
			t.Fatalf("after %d active periods: %d", i+1, got.StatusCode)
		}
	}
	e.clock.Advance(5 * time.Minute) // now 12h01m after sign-in
	if loc := b.get(e.URL + "/").location(t); loc != e.URL+"/signin" {
		t.Fatalf("12 h after sign-in / → %s, want sign-in", loc)
	}
}

func TestIdleTimeoutIsThirtyMinutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	var expiry time.Time
	if err := e.Store.Pool().QueryRow(context.Background(), "SELECT max(expiry) FROM sessions").Scan(&expiry); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expiry); d < 29*time.Minute || d > 31*time.Minute {
		t.Fatalf("session expires in %s, want 30 min idle timeout", d)
	}
	if p := b.get(e.URL + "/"); p.StatusCode != http.StatusOK {
		t.Fatalf("active session: / → %d", p.StatusCode)
	}
	// 31 idle minutes later (the stored expiry is what scs reads): sent to sign in.
	if _, err := e.Store.Pool().Exec(context.Background(), "UPDATE sessions SET expiry = now() - interval '1 minute'"); err != nil {
		t.Fatal(err)
	}
	if loc := b.get(e.URL + "/").location(t); loc != e.URL+"/signin" {
		t.Fatalf("after the idle timeout / → %s, want sign-in", loc)
	}
}

func TestZoomUserWhoIsNotStaffIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.browser().signIn(e, distOwner)
	b := e.browser()
	before := len(e.sandboxRequests(http.MethodPost, "/oauth/revoke"))
	got := b.get(b.startSignIn(e, distSupport))
	if got.StatusCode != http.StatusForbidden || !strings.Contains(got.TestID("message-text"), "not on the staff") {
		t.Fatalf("uninvited member: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	if b.cookie(e, "td_session") != "" {
		t.Fatal("uninvited member got a session")
	}
	if n := len(e.sandboxRequests(http.MethodPost, "/oauth/revoke")); n != before+1 {
		t.Fatalf("the refused user's token was not revoked (%d revokes, before %d)", n, before)
	}
}

func TestInvitedStaffLandsWithTheirRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.browser().signIn(e, distOwner)
	p := e.partnerOf(distOwner)
	if _, err := e.Store.InviteStaff(context.Background(), p.ID, distSupport, store.RoleSupport, nil, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	dash := e.browser().signIn(e, distSupport)
	if dash.StatusCode != http.StatusOK || dash.TestID("staff-role") != "Support" {
		t.Fatalf("invited support: %d role %q", dash.StatusCode, dash.TestID("staff-role"))
	}
}

func TestMemberOfUnregisteredAccountIsToldWhoCanRegister(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	got := b.get(b.startSignIn(e, distSupport))
	if got.StatusCode != http.StatusForbidden || got.TestID("message-title") != "Your Zoom account isn't registered" {
		t.Fatalf("member of unregistered account: %d %q", got.StatusCode, got.TestID("message-title"))
	}
}

func TestOwnerOfNonPrimaryAccountIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var email string
	for _, u := range e.Sandbox.Users() {
		if !u.Primary && u.Role == "Owner" && u.Status == "active" {
			email = u.Email
			break
		}
	}
	if email == "" {
		t.Fatal("the demo seed has no owner of a plain sub account")
	}
	b := e.browser()
	got := b.get(b.startSignIn(e, email))
	if got.StatusCode != http.StatusForbidden || got.TestID("message-title") != "Not a primary account" {
		t.Fatalf("owner of a plain sub account: %d %q %.300s", got.StatusCode, got.TestID("message-title"), got.Body)
	}
}

func TestCrossSiteFormIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/signout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	got := b.do(req)
	if got.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d, want 403", got.StatusCode)
	}
	if got := b.get(e.URL + "/"); got.StatusCode != http.StatusOK {
		t.Fatal("a cross-site POST signed the user out")
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
