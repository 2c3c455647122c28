package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// dirMember is an active member Zoom has in one of primary's sub accounts.
func dirMember(t *testing.T, e *env, primary string) sandbox.UserInfo {
	t.Helper()
	for _, u := range e.Sandbox.Users() {
		if u.ParentAccountID == primary && u.Role == "Member" && u.Status == "active" {
			return u
		}
	}
	t.Fatalf("no active member under %s", primary)
	return sandbox.UserInfo{}
}

// Right after a distributor and its reseller register — nobody syncs anything by hand — the
// first background pass reads every customer's user directory, and the distributor's search
// finds a user of the reseller's customer (read only) and says what it covers.
func TestDirectoryIsCompleteAfterRegistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	dist := e.browser()
	dist.signIn(e, distOwner)
	res := e.browser()
	res.signIn(e, resOwner)
	dp, rp := e.partnerOf(distOwner), e.partnerOf(resOwner)
	target := dirMember(t, e, rp.ZoomAccountID)
	e.waitJobsIdle()

	for _, p := range []store.Partner{dp, rp} {
		stale, err := e.Store.StaleUserDirs(ctx, p.ID, time.Time{}) // never read
		if err != nil {
			t.Fatal(err)
		}
		if len(stale) != 0 {
			t.Fatalf("%s: %d directories never read after the first pass (first: %s)", p.Name, len(stale), stale[0].AccountName)
		}
		j, err := e.Store.LatestJob(ctx, p.ID, jobs.SyncUsersArgs{}.Kind())
		if err != nil || j.Status != store.JobSucceeded || j.CreatedBy != nil {
			t.Fatalf("%s: the background users sync: %+v %v", p.Name, j, err)
		}
		if j.StartedAt != nil && j.FinishedAt != nil {
			t.Logf("%s: first directory fill of %d customers in %s (%s)", p.Name, j.Total, j.FinishedAt.Sub(*j.StartedAt).Round(time.Millisecond), j.Message)
		}
	}
	got := dist.get(e.URL + "/search?q=" + url.QueryEscape(target.Email))
	rows := got.Doc().Find(`[data-testid="search-user"]`)
	if got.StatusCode != http.StatusOK || rows.Length() != 1 || rows.Find(`[data-testid="read-only"]`).Length() != 1 ||
		!strings.Contains(rows.Text(), rp.Name) {
		t.Fatalf("the distributor's search for %s: %d, %d rows %q", target.Email, got.StatusCode, rows.Length(), rows.Text())
	}
	cov := got.Doc().Find(`[data-testid="coverage-item"]`)
	if cov.Length() < 2 || got.Doc().Find(`[data-testid="coverage-partial"]`).Length() != 0 ||
		!strings.Contains(cov.Text(), dp.Name) || !strings.Contains(cov.Text(), rp.Name) || !strings.Contains(cov.Text(), "directories read") {
		t.Fatalf("coverage: %q", cov.Text())
	}
	// The customer's page names its place in the tiers: the distributor, the reseller (its
	// customers' list), the customer.
	cp := dist.get(e.URL + rows.Find(`[data-testid="search-user-customer"]`).AttrOr("href", ""))
	crumbs := cp.Doc().Find(`[data-testid="crumbs"] li`)
	if cp.StatusCode != http.StatusOK || crumbs.Length() != 3 || crumbs.Eq(0).Text() != dp.Name || crumbs.Eq(1).Text() != rp.Name ||
		crumbs.Eq(1).Find("a").AttrOr("href", "") != "/customers?partner="+strconv.FormatInt(rp.ID, 10) || crumbs.Eq(2).AttrOr("aria-current", "") != "page" {
		t.Fatalf("the reseller's customer's breadcrumbs: %d %q", cp.StatusCode, crumbs.Text())
	}
	// No look-up is offered for a user the directories have.
	if got.Doc().Find(`[data-testid="lookup"]`).Length() != 0 {
		t.Fatal("a look-up is offered for a user the directories have")
	}
}

// A customer whose directory was not read yet is named on the search page; an email no
// directory has is looked up live at Zoom, in the customers most likely to hold it, and the
// user found is kept in the directory and shown.
func TestSearchLooksUpAnUnknownEmailAtZoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, _ := contoso(t, e)
	e.waitJobsIdle()
	target := dirMember(t, e, p.ZoomAccountID)
	// The user's directory entry is lost (as if their customer's directory was never read).
	var customerID int64
	if err := e.super().QueryRow(ctx, "SELECT customer_id FROM customer_users WHERE partner_id = $1 AND lower(email) = lower($2)", p.ID, target.Email).Scan(&customerID); err != nil {
		t.Fatalf("the directory lacks %s after the first pass: %v", target.Email, err)
	}
	if _, err := e.super().Exec(ctx, "DELETE FROM customer_users WHERE customer_id = $1", customerID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.super().Exec(ctx, "UPDATE customer_user_dirs SET synced_at = NULL WHERE customer_id = $1", customerID); err != nil {
		t.Fatal(err)
	}
	c, err := e.Store.CustomerByID(ctx, p.ID, customerID)
	if err != nil {
		t.Fatal(err)
	}

	got := owner.get(e.URL + "/search?q=" + url.QueryEscape(target.Email))
	if got.Doc().Find(`[data-testid="search-user"]`).Length() != 0 {
		t.Fatal("the search finds the user whose entry was removed")
	}
	if partial := got.TestID("coverage-partial"); !strings.Contains(partial, "directories read") ||
		!strings.Contains(got.Doc().Find(`[data-testid="coverage-item"]`).Text(), c.AccountName) {
		t.Fatalf("the unread customer is not named: %q / %q", partial, got.Doc().Find(`[data-testid="coverage-item"]`).Text())
	}
	offer := got.Doc().Find(`[data-testid="lookup"] form[action="/search/lookup"]`)
	if offer.Length() != 1 || offer.Find(`input[name="email"]`).AttrOr("value", "") != target.Email {
		t.Fatalf("no look-up offered: %q", got.Doc().Find(`[data-testid="lookup"]`).Text())
	}
	// A name is not an email: no look-up offered.
	if named := owner.get(e.URL + "/search?q=" + url.QueryEscape("nobody at all")); named.Doc().Find(`[data-testid="lookup"]`).Length() != 0 {
		t.Fatal("a look-up is offered for a query that is not an email")
	}

	before := len(e.sandboxRequests(http.MethodGet, "/v2/accounts/"))
	found := owner.post(e.URL+"/search/lookup", url.Values{"email": {target.Email}})
	if found.StatusCode == http.StatusSeeOther {
		found = owner.get(found.location(t))
	}
	if found.StatusCode != http.StatusOK || found.TestID("user-email") != target.Email ||
		!strings.Contains(found.Doc().Find(".flash").Text(), "Found in Zoom") || !strings.Contains(found.Doc().Find(".flash").Text(), c.AccountName) {
		t.Fatalf("look-up of %s: %d %q %q (%q %q)", target.Email, found.StatusCode, found.TestID("user-email"), found.Doc().Find(".flash").Text(),
			found.TestID("lookup-answer"), found.TestID("lookup-error"))
	}
	asked := e.sandboxRequests(http.MethodGet, "/v2/accounts/")[before:]
	var lookups int
	for _, r := range asked {
		if strings.HasSuffix(r.Path, "/users/"+target.Email) {
			lookups++
		}
	}
	if lookups == 0 {
		t.Fatalf("Zoom was not asked for %s: %+v", target.Email, asked)
	}
	if rows := umSearch(owner, e, target.Email); rows.Length() != 1 || !strings.Contains(rows.Text(), c.AccountName) {
		t.Fatalf("search after the look-up: %d rows", rows.Length())
	}

	// An email Zoom does not have anywhere: the answer says how many customers were asked.
	nobody := owner.post(e.URL+"/search/lookup", url.Values{"email": {"nobody.here@nowhere-at-all.example"}})
	if ans := nobody.TestID("lookup-answer"); nobody.StatusCode != http.StatusOK || !strings.Contains(ans, "Zoom has no user nobody.here@nowhere-at-all.example in the") {
		t.Fatalf("look-up of an unknown email: %d %q", nobody.StatusCode, ans)
	}
	// Not an email: a plain message, nothing asked.
	before = len(e.Sandbox.Requests())
	bad := owner.post(e.URL+"/search/lookup", url.Values{"email": {"not-an-email"}})
	if bad.StatusCode != http.StatusOK || !strings.Contains(bad.TestID("lookup-error"), "whole email address") || len(e.Sandbox.Requests()) != before {
		t.Fatalf("look-up of a non-email: %d %q", bad.StatusCode, bad.TestID("lookup-error"))
	}
}
