package zoom_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// An expired access token with 50 concurrent calls leads to exactly one refresh at the
// sandbox, and the rotated refresh token is what is stored. Each call gets its own Client (as
// 50 page requests would, possibly in different processes): the store's row lock, not
// process memory, is what makes the refresh single.
func TestExpiredTokenFiftyConcurrentCallsRefreshOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		// knownExpired: the stored expiry is in the past, so the client refreshes before
		// calling; otherwise the client believes the token valid and Zoom refuses it (401).
		knownExpired bool
	}{{"expiry known", true}, {"refused by zoom", false}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{}, zoom.Config{Grants: nil})
			st := storetest.NewStore(t)
			e.cfg.Grants = service.GrantStore(st)
			svc := e.newService(e.cfg)
			expiry := time.Time{}
			if tc.knownExpired {
				expiry = time.Now().Add(-time.Minute)
			}
			g := e.storeGrant(st, "admin@northwind.example", expiry)
			e.sb.Advance(2 * time.Hour) // every access token issued so far is expired at Zoom
			e.clearRequests()

			var wg sync.WaitGroup
			errs := make(chan error, 50)
			grants := make(chan string, 50)
			for range 50 {
				wg.Go(func() {
					c, err := svc.UserClient(g.partnerID, g.grantID)
					if err != nil {
						errs <- err
						return
					}
					me, resp, err := c.Me(context.Background())
					if err == nil && me.Email != "admin@northwind.example" {
						err = errors.New("wrong user " + me.Email)
					}
					if err != nil {
						errs <- err
						return
					}
					grants <- resp.Grant
				})
			}
			wg.Wait()
			close(errs)
			close(grants)
			for err := range errs {
				t.Errorf("call: %v", err)
			}
			for gr := range grants {
				if gr != store.GrantRef(g.grantID) {
					t.Errorf("Response.Grant = %q, want %q", gr, store.GrantRef(g.grantID))
				}
			}
			if n := len(e.requests("POST", "/oauth/token")); n != 1 {
				t.Fatalf("sandbox saw %d token requests, want exactly 1 refresh", n)
			}
			if n := len(e.requests("GET", "/v2/users/me")); tc.knownExpired && n != 50 {
				t.Errorf("sandbox saw %d GET /users/me, want 50 (no 401 when the expiry is known)", n)
			}

			stored, err := st.Grant(context.Background(), g.partnerID, g.grantID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Tokens.RefreshToken == g.tokens.RefreshToken || stored.Tokens.AccessToken == g.tokens.AccessToken {
				t.Fatal("the stored tokens were not rotated")
			}
			if !stored.Tokens.Expiry.After(time.Now().Add(30 * time.Minute)) {
				t.Errorf("stored expiry %v, want about an hour ahead", stored.Tokens.Expiry)
			}
			// The stored refresh token is the live one: the sandbox accepts it and refuses the old.
			if _, err := refreshAt(e, g.tokens.RefreshToken); !zoom.NeedsReauth(err) {
				t.Errorf("old refresh token: err %v, want invalid_grant", err)
			}
			if _, err := refreshAt(e, stored.Tokens.RefreshToken); err != nil {
				t.Errorf("stored refresh token refused: %v", err)
			}
		})
	}
}

// refreshAt posts a refresh_token grant to the sandbox.
func refreshAt(e *env, refreshToken string) (string, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	res, err := e.srv.Client().PostForm(e.srv.URL+"/oauth/token?"+form.Encode(), url.Values{"client_id": {sandbox.DemoClientID}, "client_secret": {sandbox.DemoClientSecret}})
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return "", &zoom.TokenError{Status: res.StatusCode, ErrorCode: "invalid_grant"}
	}
	return "ok", nil
}

// A grant revoked at Zoom surfaces as NeedsReauth: the 401 leads to one refresh attempt,
// Zoom refuses it, the grant is marked expired, and later calls fail without calling Zoom.
func TestRevokedGrantNeedsReauth(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	st := storetest.NewStore(t)
	e.cfg.Grants = service.GrantStore(st)
	svc := e.newService(e.cfg)
	g := e.storeGrant(st, "owner@contoso.example", time.Time{})
	ctx := context.Background()
	if err := e.cfg.App.Revoke(ctx, g.tokens.AccessToken); err != nil { // the user removed the app at Zoom
		t.Fatalf("Revoke: %v", err)
	}
	e.clearRequests()

	c, err := svc.UserClient(g.partnerID, g.grantID)
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := c.Me(ctx)
	if !zoom.NeedsReauth(err) {
		t.Fatalf("Me error = %v, want NeedsReauth", err)
	}
	if resp.Grant != store.GrantRef(g.grantID) {
		t.Errorf("Response.Grant = %q", resp.Grant)
	}
	if !strings.Contains(zoom.Explain(err), "Sign in with Zoom again") {
		t.Errorf("Explain = %q", zoom.Explain(err))
	}
	if got := statuses(e.requests("", "*")); len(got) != 2 || got[0] != 401 || got[1] != 400 {
		t.Errorf("sandbox saw %v, want [401 (the call) 400 (the refused refresh)]", got)
	}
	stored, err := st.Grant(ctx, g.partnerID, g.grantID)
	if err != nil || stored.Status != store.GrantExpired || stored.Tokens.RefreshToken != "" {
		t.Fatalf("stored grant: status %q refresh %q err %v, want expired with tokens erased", stored.Status, stored.Tokens.RefreshToken, err)
	}

	e.clearRequests()
	c2, err := svc.UserClient(g.partnerID, g.grantID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c2.Me(ctx); !zoom.NeedsReauth(err) {
		t.Fatalf("second call error = %v, want NeedsReauth", err)
	}
	if n := len(e.requests("", "*")); n != 0 {
		t.Errorf("sandbox saw %d requests for an expired grant, want none", n)
	}
	if got := e.metric("tierdesk_zoom_errors_total", map[string]string{"kind": "reauth"}); got != 2 {
		t.Errorf("errors_total{reauth} = %v, want 2", got)
	}
}

// A Server-to-Server token is requested once and cached across clients until a minute before
// it expires; wrong credentials are NeedsReauth.
func TestServerToServerGrant(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, sandbox.Options{}, zoom.Config{Now: clock})
	ctx := context.Background()
	for range 3 {
		c := e.s2s(e.svc, "tierdesk-s2s-contoso")
		if _, _, err := c.Me(ctx); err != nil {
			t.Fatalf("Me: %v", err)
		}
	}
	if n := len(e.requests("POST", "/oauth/token")); n != 1 {
		t.Fatalf("token requests = %d, want 1 (cached)", n)
	}
	mu.Lock()
	now = now.Add(59*time.Minute + time.Second) // within a minute of expiry
	mu.Unlock()
	if _, _, err := e.s2s(e.svc, "tierdesk-s2s-contoso").Me(ctx); err != nil {
		t.Fatalf("Me: %v", err)
	}
	if n := len(e.requests("POST", "/oauth/token")); n != 2 {
		t.Fatalf("token requests = %d, want 2 (renewed before expiry)", n)
	}

	a := e.app("tierdesk-s2s-contoso")
	bad, err := e.svc.S2SClient(zoom.S2SCredentials{GrantID: 9, AccountID: a.AccountID, ClientID: a.ClientID, ClientSecret: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := bad.Me(ctx)
	if !zoom.NeedsReauth(err) || resp.Grant != "s2s:9" {
		t.Fatalf("wrong secret: grant %q err %v, want NeedsReauth", resp.Grant, err)
	}
	if !strings.Contains(zoom.Explain(err), "invalid_client") {
		t.Errorf("Explain = %q", zoom.Explain(err))
	}
}
