package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The sign-in path of an account that is not a partner yet keeps the owner's grant pending
// (no partner), which row-level security shows to that path only (migration 00013): signing
// out before registering still finds it, revokes it at Zoom and erases its tokens, and the
// registration it was kept for is then refused. Registering instead claims it.
func TestTnPendingGrantSignOutAndRegistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	pending := func(account string) (status string, tokens bool, n int) {
		t.Helper()
		if err := e.super().QueryRow(ctx, `SELECT count(*), coalesce(max(status), ''), coalesce(bool_or(access_token IS NOT NULL OR refresh_token IS NOT NULL), false)
			FROM zoom_grants WHERE partner_id IS NULL AND zoom_account_id = $1`, account).Scan(&n, &status, &tokens); err != nil {
			t.Fatal(err)
		}
		return status, tokens, n
	}
	fab := e.accountOf(fabOwner)
	b := e.browser()
	if next := b.get(b.startSignIn(e, fabOwner)).location(t); !strings.HasSuffix(next, "/register") {
		t.Fatalf("an unregistered owner's sign-in goes to %s", next)
	}
	if status, tokens, n := pending(fab); n != 1 || status != "active" || !tokens {
		t.Fatalf("pending grant after the sign-in: %d %s, tokens %v", n, status, tokens)
	}
	revokes := len(e.sandboxRequests(http.MethodPost, "/oauth/revoke"))
	if loc := b.post(e.URL+"/signout", nil).location(t); !strings.HasPrefix(loc, e.URL+"/signin") {
		t.Fatalf("sign-out redirects to %s", loc)
	}
	if got := e.sandboxRequests(http.MethodPost, "/oauth/revoke"); len(got) != revokes+1 || got[len(got)-1].Status != http.StatusOK {
		t.Errorf("revoke calls at the sandbox: %d, want %d", len(got), revokes+1)
	}
	if status, tokens, n := pending(fab); n != 1 || status != "revoked" || tokens {
		t.Errorf("pending grant after sign-out: %d %s, tokens %v", n, status, tokens)
	}
	if got := b.post(e.URL+"/register", url.Values{"name": {"Fabrikam"}}); got.StatusCode != http.StatusBadRequest || e.countPartners() != 0 {
		t.Errorf("registering after signing out: %d, %d partners", got.StatusCode, e.countPartners())
	}
	// Signed in again and registered: the new pending grant becomes the owner's.
	b.signIn(e, fabOwner)
	p, err := e.Store.PartnerByZoomAccount(ctx, fab)
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.Store.StaffGrant(ctx, p.ID, e.staffByEmail(p.ID, fabOwner).ID)
	if err != nil || g.Status != "active" || g.Tokens.RefreshToken == "" {
		t.Fatalf("the owner's grant after registering: %+v %v", g, err)
	}
	if _, _, n := pending(fab); n != 1 {
		t.Errorf("%d pending grants left, want the revoked one", n)
	}
}
