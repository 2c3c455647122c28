package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// A create whose answer is lost is never guessed: it is recorded pending, the user is looked
// up by email, and the resolution is audited; nothing is sent twice.
func TestLostAnswerOfAUserChangeIsLookedUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	users := usersURLOf(e, c)
	owner.get(users)
	posts := func() int { return len(e.sandboxRequests("POST", "/v2/accounts/"+c.ZoomAccountID+"/users")) }
	add := func(email string) *page {
		return owner.post(users, url.Values{"action": {"create"}, "email": {email}, "first_name": {"Lou"}, "last_name": {"Lost"}, "type": {"1"}})
	}

	// Zoom made the user, then its answer was lost (504): the look-up finds the user.
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", ApplyThen: "504", Count: 1})
	before := posts()
	got := add("lou.made@example.com")
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("made, answer lost: %d %.500s", got.StatusCode, got.Body)
	}
	if flash := owner.get(got.location(t)).Body; !strings.Contains(flash, "a look-up in Zoom shows it was done") {
		t.Fatal("the page does not say the answer was lost and looked up")
	}
	evs := auditOf(t, e, p.ID, "user.create")
	if len(evs) != 2 || evs[1].Outcome != store.OutcomePending || evs[0].Outcome != store.OutcomeSucceeded ||
		!strings.Contains(string(evs[0].Details), `"resolves_event":`+itoa(evs[1].ID)) {
		t.Fatalf("audit: %+v", evs)
	}
	if n := posts() - before; n != 1 {
		t.Fatalf("%d creates sent, want 1", n)
	}

	// Zoom did not make it (a 502 before acting): the look-up finds nothing; the form says so.
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Status: 502, Count: 1})
	got = add("lou.notmade@example.com")
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("form-error"), "was not made") ||
		got.Doc().Find("#u-email").AttrOr("value", "") != "lou.notmade@example.com" {
		t.Fatalf("not made: %d %q", got.StatusCode, got.TestID("form-error"))
	}
	if _, found := sandboxUser(e, "lou.notmade@example.com"); found {
		t.Fatal("the user exists in Zoom")
	}
	if evs := auditOf(t, e, p.ID, "user.create"); evs[0].Outcome != store.OutcomeFailed || evs[1].Outcome != store.OutcomePending {
		t.Fatalf("audit: %s %s", evs[0].Outcome, evs[1].Outcome)
	}

	// The answer is lost and Zoom cannot be asked either: the change stays pending, nothing
	// else is sent for that user, and the next visit resolves it.
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", ApplyThen: "504", Count: 1})
	lookups := e.Sandbox.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/accounts/*/users/*", Status: 503})
	got = add("lou.waiting@example.com")
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("form-error"), "could not be asked") {
		t.Fatalf("unknown: %d %q", got.StatusCode, got.TestID("form-error"))
	}
	if _, err := e.Store.OpenUserChange(context.Background(), p.ID, c.ID, "lou.waiting@example.com"); err != nil {
		t.Fatalf("no open change: %v", err)
	}
	before = posts()
	again := add("lou.waiting@example.com")
	if !strings.Contains(again.TestID("form-error"), "still waiting") || posts() != before {
		t.Fatalf("a second try while waiting: %q, %d creates sent", again.TestID("form-error"), posts()-before)
	}
	if evs := auditOf(t, e, p.ID, "user.create"); evs[0].Outcome != store.OutcomeDenied || evs[0].TargetLabel != "lou.waiting@example.com" ||
		!strings.Contains(string(evs[0].Details), "still waiting") {
		t.Fatalf("audit of the refused second try: %+v", evs[0])
	}
	_ = lookups
	e.Sandbox.ClearFaults()
	if list := owner.get(users); list.Doc().Find(`[data-testid="open-changes"]`).Length() != 0 {
		t.Fatal("the change still waits after Zoom answers again")
	}
	if _, err := e.Store.OpenUserChange(context.Background(), p.ID, c.ID, "lou.waiting@example.com"); err == nil {
		t.Fatal("the change is still open")
	}
	if evs := auditOf(t, e, p.ID, "user.create"); evs[0].Outcome != store.OutcomeSucceeded || evs[0].TargetLabel != "lou.waiting@example.com" {
		t.Fatalf("resolution: %+v", evs[0])
	}
	n := 0
	for _, u := range e.Sandbox.Users() {
		if strings.HasPrefix(u.Email, "lou.") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d lou.* users in Zoom, want 2 (made, waiting)", n)
	}
}

// The distributor reads its resellers' customers' users, read only, and finds them in search;
// a sibling reseller finds nothing.
func TestDistributorReadsResellerUsersAndSearchFindsThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dist, res := tree(t, e)
	ctx := context.Background()
	contosoP := e.partnerOf(resOwner)
	page, err := e.Store.Customers(ctx, contosoP.ID, store.CustomerFilter{PartnerID: contosoP.ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := page.Customers[0]
	users := usersURLOf(e, c)
	if got := res.get(users); got.StatusCode != http.StatusOK || got.Doc().Find(`[data-testid="user-row"]`).Length() == 0 {
		t.Fatalf("the reseller's own list: %d", got.StatusCode)
	}
	member := contosoUserID(t, e, c.ZoomAccountID)
	var email string
	for _, u := range e.Sandbox.Users() {
		if u.ID == member {
			email = u.Email
		}
	}
	e.waitJobsIdle() // background syncs would call Zoom too
	before := len(e.Sandbox.Requests())
	aboutIt := func() (n int) { // calls about this customer (the distributor's grant cannot reach it)
		for _, r := range e.Sandbox.Requests()[before:] {
			if r.TargetAccountID == c.ZoomAccountID {
				n++
			}
		}
		return n
	}
	got := dist.get(users)
	if got.StatusCode != http.StatusOK || !strings.Contains(got.TestID("users-notice"), "Read only") ||
		got.Doc().Find(`[data-testid="add-user"]`).Length() != 0 || got.Doc().Find(`[data-testid="bulk-deactivate"]`).Length() != 0 {
		t.Fatalf("distributor's view: %d %q", got.StatusCode, got.TestID("users-notice"))
	}
	if u := dist.get(users + "/" + member); u.StatusCode != http.StatusOK || u.TestID("user-email") != email || u.Doc().Find(`[data-testid="deactivate"]`).Length() != 0 {
		t.Fatalf("distributor's user page: %d %q", u.StatusCode, u.TestID("user-email"))
	}
	if n := aboutIt(); n != 0 {
		t.Fatalf("the distributor's reads made %d Zoom calls (its grant cannot reach a reseller's customer)", n)
	}
	if got := dist.post(users+"/"+member+"/status", url.Values{"action": {"deactivate"}}); got.StatusCode != http.StatusNotFound {
		t.Fatalf("distributor deactivating: %d", got.StatusCode)
	}
	// Search answers across the tiers from the directory.
	found := dist.get(e.URL + "/search?q=" + url.QueryEscape(email))
	row := found.Doc().Find(`[data-testid="search-user"]`)
	if row.Length() != 1 || !strings.Contains(row.Text(), c.AccountName) || row.Find(`[data-testid="read-only"]`).Length() != 1 {
		t.Fatalf("distributor's search for %s: %d rows %q", email, row.Length(), row.Text())
	}
	sib := e.browser()
	sib.signIn(e, fabOwner)
	if got := sib.get(e.URL + "/search?q=" + url.QueryEscape(email)); got.Doc().Find(`[data-testid="search-user"]`).Length() != 0 {
		t.Fatal("a sibling reseller finds the user")
	}
	// The header search box is on every page.
	if dist.get(e.URL+"/").Doc().Find(`form[action="/search"] input[name="q"]`).Length() != 1 {
		t.Fatal("no search box in the header")
	}
}
