package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// cockpitMember is an active member of a sub account of the primary whose owner is ownerEmail,
// from the sandbox's own list of users.
func cockpitMember(t *testing.T, sandboxURL, ownerEmail string) string {
	t.Helper()
	resp, err := http.Get(sandboxURL + "/_sandbox/users")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var users []struct {
		Email     string `json:"email"`
		AccountID string `json:"account_id"`
		Role      string `json:"role"`
		Status    string `json:"status"`
		Parent    string `json:"parent_account_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil {
		t.Fatalf("/_sandbox/users: %v", err)
	}
	primary := ""
	for _, u := range users {
		if u.Email == ownerEmail {
			primary = u.AccountID
		}
	}
	for _, u := range users {
		if primary != "" && u.Parent == primary && u.Role == "Member" && u.Status == "active" {
			return u.Email
		}
	}
	t.Fatalf("no active member under %s's account", ownerEmail)
	return ""
}

// noWiderThan fails when the page lays out wider than the viewport (a horizontal scroll).
func noWiderThan(t *testing.T, ctx context.Context, page string, width int) {
	t.Helper()
	if w := value(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > width {
		wide := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > `+
			strconv.Itoa(width)+` + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('; ')`))
		t.Errorf("%s lays out %d px wide at %d px: %s", page, w, width, wide)
	}
}

// TestBrowserSupportCockpit is the support engineer's day at a distributor whose resellers
// registered: nobody syncs anything by hand, yet search finds a user of a reseller's customer;
// an email no directory has is looked up at Zoom; the dashboard says what needs attention and
// the renewals page lists subscriptions; the add-user form shows the customer's seats. At 1440
// and at 390 px, with no page wider than the window.
func TestBrowserSupportCockpit(t *testing.T) {
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	for _, email := range []string{"owner@contoso.example", "owner@northwind.example"} {
		signInAs(t, ctx, p, email) // registers the partner: its first pass reads every directory
		waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
		if email != "owner@northwind.example" {
			signOut(t, ctx)
		}
	}
	member := cockpitMember(t, p.SandboxURL, "owner@contoso.example")

	for _, width := range []int{1440, 390} {
		suffix := "-" + strconv.Itoa(width)
		do(t, ctx, chromedp.EmulateViewport(int64(width), 900))
		do(t, ctx, chromedp.Navigate(p.URL+"/search?q="+url.QueryEscape(member)), chromedp.WaitVisible(css(`[data-testid="search-user"]`)),
			screenshot("cockpit-1-search-reseller-user"+suffix))
		if row := text(t, ctx, `[data-testid="search-user"]`); !strings.Contains(row, "Contoso Reseller") || !strings.Contains(row, "read only") {
			t.Fatalf("the distributor's search for %s: %q", member, row)
		}
		if cov := text(t, ctx, `[data-testid="search-coverage"]`); !strings.Contains(cov, "Contoso Reseller") || strings.Contains(cov, "not read yet") {
			t.Fatalf("coverage: %q", cov)
		}
		noWiderThan(t, ctx, "search", width)

		do(t, ctx, chromedp.Navigate(p.URL+"/search?q="+url.QueryEscape("nobody.here@nowhere-at-all.example")),
			chromedp.WaitVisible(css(`[data-testid="lookup-submit"]`)), screenshot("cockpit-2-search-lookup-offer"+suffix))
		noWiderThan(t, ctx, "search with a look-up offer", width)
		do(t, ctx, chromedp.Click(css(`[data-testid="lookup-submit"]`)), chromedp.WaitVisible(css(`[data-testid="lookup-answer"]`)),
			screenshot("cockpit-3-lookup-answer"+suffix))
		if ans := text(t, ctx, `[data-testid="lookup-answer"]`); !strings.Contains(ans, "Zoom has no user nobody.here@nowhere-at-all.example") {
			t.Fatalf("look-up answer: %q", ans)
		}

		do(t, ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(css(`[data-testid="attention"]`)), screenshot("cockpit-4-dashboard-attention"+suffix))
		noWiderThan(t, ctx, "dashboard", width)
		do(t, ctx, chromedp.Navigate(p.URL+"/renewals"), chromedp.WaitVisible(css(`h1`)), screenshot("cockpit-5-renewals"+suffix))
		noWiderThan(t, ctx, "renewals", width)

		// An own customer's add-user form, with its seats (its directory was read).
		do(t, ctx, chromedp.Navigate(p.URL+"/customers"), chromedp.WaitVisible(css(`[data-testid="customer-row"]`)))
		href := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="customer-row"]')].find(r => !r.querySelector('[data-testid="read-only"]'))?.querySelector('a')?.getAttribute('href') ?? ""`))
		if href == "" {
			t.Fatal("the distributor has no own customer in the list")
		}
		do(t, ctx, chromedp.Navigate(p.URL+href+"/users/new"), chromedp.WaitVisible(css(`[data-testid="seat-notice"]`)), screenshot("cockpit-6-add-user-seats"+suffix))
		noWiderThan(t, ctx, "add-user form", width)
	}
}
