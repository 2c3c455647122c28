package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// firstCustomer returns the link of the first customer of the list whose row is (or is not)
// marked read only: a reseller's customer as the distributor sees it, or an own one.
func firstCustomer(t *testing.T, ctx context.Context, baseURL string, readOnly bool) string {
	t.Helper()
	do(t, ctx, chromedp.Navigate(baseURL+"/customers"), chromedp.WaitVisible(css(`[data-testid="customer-row"]`)))
	not := "!"
	if readOnly {
		not = ""
	}
	href := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="customer-row"]')].find(r => `+not+`r.querySelector('[data-testid="read-only"]'))?.querySelector('a')?.getAttribute('href') ?? ""`))
	if href == "" {
		t.Fatalf("no customer in the list with read only = %v", readOnly)
	}
	return href
}

// firstUser returns the link of the first user in a customer's user list.
func firstUser(t *testing.T, ctx context.Context, baseURL, customer string) string {
	t.Helper()
	do(t, ctx, chromedp.Navigate(baseURL+customer+"/users"), chromedp.WaitVisible(css(`main h1`)))
	user := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('main a[href^="`+customer+`/users/"]')].map(a => a.getAttribute('href')).find(h => !h.endsWith('/new')) ?? ""`))
	if user == "" {
		t.Fatalf("no user of %s to open", customer)
	}
	return user
}

// TestBrowserEveryPageOtherViewpoints runs the sweep's checks (no page wider than the window,
// no text cut off in a card, nothing serious or critical for axe-core, at 1440 and 390 px) on
// what the owner's sweep does not see: a reseller's customer as the distributor sees it (read
// only), the pages of the distributor's viewer and support staff, and the states htmx
// reaches (the search's live look-up answer, the add-user form's seat warning, the error
// flash of a refused action).
func TestBrowserEveryPageOtherViewpoints(t *testing.T) {
	axe, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	axeSrc := string(axe)
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	for _, email := range []string{"owner@contoso.example", "owner@northwind.example"} {
		signInAs(t, ctx, p, email) // the partner's first pass reads every directory
		waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
		if email != "owner@northwind.example" {
			signOut(t, ctx)
		}
	}
	do(t, ctx, chromedp.EmulateViewport(1440, 900))
	h1 := `main h1`

	// (a) A reseller's customer, as the distributor's owner sees it: read only.
	sub := firstCustomer(t, ctx, p.URL, true)
	subUser := firstUser(t, ctx, p.URL, sub)
	for _, pg := range []sweepPage{
		{"", "ro-customer", sub, h1},
		{"", "ro-users", sub + "/users", h1},
		{"", "ro-user", subUser, h1},
		{"", "ro-activity", sub + "/activity", h1},
		{"", "ro-settings", sub + "/settings", h1},
		{"", "ro-plans", sub + "/plans", h1},
	} {
		checkPage(t, ctx, axeSrc, pg, p.URL)
	}

	// (c) The search's live look-up: an email no directory has is offered a look-up at Zoom,
	// whose answer htmx (or the plain form) shows in the page.
	const nobody = "nobody.here@nowhere-at-all.example"
	do(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(p.URL+"/search?q="+url.QueryEscape(nobody)),
		chromedp.WaitVisible(css(`[data-testid="lookup-submit"]`)),
	)
	checkShown(t, ctx, axeSrc, sweepPage{"", "search-lookup-offer", "/search?q=" + nobody, `[data-testid="lookup-submit"]`})
	// By keyboard: Tab reaches the look-up button, Enter asks Zoom.
	do(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(p.URL+"/search?q="+url.QueryEscape(nobody)),
		chromedp.WaitVisible(css(`[data-testid="lookup-submit"]`)))
	tabTo(t, ctx, `[data-testid="lookup-submit"]`, 40)
	do(t, ctx, chromedp.KeyEvent("\r"), chromedp.WaitVisible(css(`[data-testid="lookup-answer"]`)))
	checkShown(t, ctx, axeSrc, sweepPage{"", "search-lookup-answer", "/search/lookup", `[data-testid="lookup-answer"]`})

	// The add-user form of an own customer whose paid seats are all taken (or who has none)
	// warns before Zoom refuses a Licensed user.
	do(t, ctx, chromedp.Navigate(p.URL+"/customers"), chromedp.WaitVisible(css(`[data-testid="customer-row"]`)))
	full := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="customer-row"]')].find(r => !r.querySelector('[data-testid="read-only"]') &&
		r.querySelector('[data-testid="seat-cell"].bad'))?.querySelector('a')?.getAttribute('href') ?? ""`))
	if full == "" {
		t.Error("no own customer of the distributor has every paid seat taken: the demo data no longer shows the add-user form's seat warning")
	} else {
		checkPage(t, ctx, axeSrc, sweepPage{"", "user-new-seat-warning", full + "/users/new", `[data-testid="seat-warning"]`}, p.URL)
	}

	// A job of the distributor's, for its staff to open.
	do(t, ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(css(`[data-testid="sync-now"]`)))
	syncNow(t, ctx, "")
	jobPath := strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL)
	signOut(t, ctx)

	// (b) The distributor's viewer and support staff, on the pages they use.
	for _, who := range []string{"viewer", "support"} {
		signInAs(t, ctx, p, who+"@northwind.example")
		do(t, ctx, chromedp.EmulateViewport(1440, 900))
		own := firstCustomer(t, ctx, p.URL, false)
		user := firstUser(t, ctx, p.URL, own)
		for _, pg := range []sweepPage{
			{"", who + "-dashboard", "/", `[data-testid="tier-table"]`},
			{"", who + "-customers", "/customers", `[data-testid="customers-table"]`},
			{"", who + "-customer", own, h1},
			{"", who + "-users", own + "/users", h1},
			{"", who + "-user", user, h1},
			{"", who + "-search", "/search?q=example", h1},
			{"", who + "-audit", "/audit", `[data-testid="audit-table"]`},
			{"", who + "-job", jobPath, `[data-testid="job-progress"]`},
		} {
			checkPage(t, ctx, axeSrc, pg, p.URL)
		}
		if who == "support" {
			// The owner and the viewer signed out before: that is not a Zoom sign-in that needs
			// anyone's attention.
			do(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(css(`[data-testid="attention"]`)))
			if att := text(t, ctx, `[data-testid="attention"]`); strings.Contains(att, "sign-in") {
				t.Errorf("after staff signed out, the dashboard's Needs attention says: %q", att)
			}
		}
		if who == "viewer" {
			// A refused action: a viewer's change of a customer's notes (the page offers no form;
			// a page left open from before a change of role would) is refused, and htmx shows the
			// portal's error flash at the top of the page.
			do(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(p.URL+own), chromedp.WaitVisible(css(`#customer-notes`)),
				chromedp.Evaluate[chromedp.Void](`htmx.ajax('POST', `+jsString(own+"/notes")+`, {target: '#customer-notes', swap: 'outerHTML', values: {external_ref: 'X-1', tags: ''}})`),
				chromedp.WaitVisible(css(`#error-panel[role="alert"]`)),
			)
			if got := text(t, ctx, `#error-panel`); got == "" {
				t.Error("the refused action's flash says nothing")
			}
			checkShown(t, ctx, axeSrc, sweepPage{"", "viewer-refused-flash", own + " (notes refused)", `#error-panel`})
		}
		signOut(t, ctx)
	}
}
