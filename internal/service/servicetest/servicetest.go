// Package servicetest gives tests of the service layer and the jobs the parts they run
// against: a store on a fresh database, the demo sandbox over real HTTP, Zoom's clients for it,
// and partners registered the way the portal's sign-in registers them.
package servicetest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/oauth2"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// Env is a store, the superuser's pool on its database, the demo sandbox and its clients.
type Env struct {
	T     testing.TB
	Store *store.Store
	Super *pgxpool.Pool
	SB    *sandbox.Sandbox
	App   zoom.App
	Zoom  *zoom.Service
	Svc   *service.Service
	Log   *slog.Logger
}

// New starts the parts; they stop when the test ends.
func New(t testing.TB) *Env {
	t.Helper()
	st := storetest.NewStore(t)
	t.Cleanup(st.StartAuditSealer(context.Background(), store.SealerOptions{})) // as portal serve runs it
	sb, err := sandbox.New(sandbox.Options{Seed: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	sb.SetPublicURL(srv.URL)
	app := zoom.App{OAuthURL: srv.URL, ClientID: sandbox.DemoClientID, ClientSecret: sandbox.DemoClientSecret, RedirectURL: "http://127.0.0.1:1/auth/zoom/callback"}
	log := slog.New(slog.DiscardHandler)
	// The Zoom client as `portal serve` wires it: rate budgets shared through PostgreSQL.
	zs, err := zoom.NewService(zoom.Config{APIURL: srv.URL + "/v2", App: app, Grants: service.GrantStore(st),
		Limiter: service.RateLimiter(st), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, Store: st, Super: storetest.Superuser(t, st), SB: sb, App: app, Zoom: zs, Svc: service.New(st, zs, log), Log: log}
}

// User is the sandbox's user that match accepts (the test fails when there is none).
func (e *Env) User(match func(sandbox.UserInfo) bool) sandbox.UserInfo {
	e.T.Helper()
	for _, u := range e.SB.Users() {
		if match(u) {
			return u
		}
	}
	e.T.Fatal("no such sandbox user")
	return sandbox.UserInfo{}
}

// Register signs email in at the sandbox (authorization code with PKCE) and registers its
// account as a partner with email as owner, as the portal's sign-in does. It returns the
// partner, its owner and the owner's grant id.
func (e *Env) Register(email string) (store.Partner, store.Staff, int64) {
	e.T.Helper()
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(e.App.AuthCodeURL("st", verifier, email))
	if err != nil {
		e.T.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		e.T.Fatalf("authorize %s: %d %q", email, res.StatusCode, res.Header.Get("Location"))
	}
	tok, err := e.App.Exchange(ctx, loc.Query().Get("code"), verifier)
	if err != nil {
		e.T.Fatal(err)
	}
	u := e.User(func(u sandbox.UserInfo) bool { return u.Email == email })
	grantID, err := e.Store.SavePendingGrant(ctx, u.AccountID, u.ID, e.App.ClientID,
		store.Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, Scopes: zoom.Scopes(tok)})
	if err != nil {
		e.T.Fatal(err)
	}
	p, owner, err := e.Store.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: u.AccountID, Name: u.AccountName,
		Owner: store.StaffIdentity{ZoomUserID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}, GrantID: grantID}, store.AuditEvent{})
	if err != nil {
		e.T.Fatal(err)
	}
	return p, owner, grantID
}
