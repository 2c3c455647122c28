package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// When Zoom no longer honours a staff member's grant (the app was removed, the tokens revoked),
// the change they try is refused with a page that sends them to sign in again, nothing is
// changed, the grant is marked expired, and the dashboard says so.
func TestRevokedGrantAsksToSignInAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	e.waitJobsIdle()
	ctx := context.Background()
	p := e.partnerOf(distOwner)
	owner := e.staffByEmail(p.ID, distOwner)
	g, err := e.Store.StaffGrant(ctx, p.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Revoked at Zoom, as when the user removes the app from their Zoom account.
	form := url.Values{"token": {g.Tokens.RefreshToken}}
	req, _ := http.NewRequest(http.MethodPost, e.SbURL+"/oauth/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sandbox.DemoClientID, sandbox.DemoClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke at the sandbox: %v %v", err, resp)
	}
	resp.Body.Close()

	var sub, name string
	for _, u := range e.Sandbox.Users() {
		if u.Role == "Owner" && !u.Primary && u.ParentAccountID == e.accountOf(distOwner) {
			sub, name = u.AccountID, u.AccountName
			break
		}
	}
	done := func() int { // disassociations Zoom carried out
		n := 0
		for _, r := range e.sandboxRequests(http.MethodDelete, "/v2/accounts/") {
			if r.Status < 300 {
				n++
			}
		}
		return n
	}
	before := done()
	got := b.post(e.URL+"/customers/"+sub+"/disassociate", url.Values{"confirm_name": {name}})
	if got.StatusCode != http.StatusUnauthorized || got.TestID("message-title") != "Sign in to Zoom again" {
		t.Fatalf("change with a revoked grant: %d %q", got.StatusCode, got.TestID("message-title"))
	}
	if link := got.Doc().Find(`a[href="/signin"]`).Length(); link == 0 {
		t.Fatal("the page offers no way to sign in again")
	}
	if n := done(); n != before {
		t.Fatalf("Zoom carried out %d disassociations with a revoked grant", n-before)
	}
	if g, err = e.Store.StaffGrant(ctx, p.ID, owner.ID); err != nil || g.Status != "expired" {
		t.Fatalf("grant after Zoom refused it: %v %s", err, g.Status)
	}
	if badge := b.get(e.URL + "/").TestID("grant-status"); badge != "Expired: sign in again" {
		t.Fatalf("dashboard grant status %q", badge)
	}
	// Signing in again restores it.
	b.signIn(e, distOwner)
	if g, err = e.Store.StaffGrant(ctx, p.ID, owner.ID); err != nil || g.Status != "active" {
		t.Fatalf("grant after signing in again: %v %s", err, g.Status)
	}
}
