package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sandboxAdmin returns an active admin (not the owner) of a sandbox account.
func sandboxAdmin(t *testing.T, sandboxURL, accountID string) (id, email string) {
	t.Helper()
	resp, err := http.Get(sandboxURL + "/_sandbox/users?status=active&role=Admin&account_id=" + url.QueryEscape(accountID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var users []struct{ ID, Email string }
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil || len(users) == 0 {
		t.Fatalf("active admins of %s: %v", accountID, err)
	}
	return users[0].ID, users[0].Email
}

// shots saves a screenshot of the page at a desktop width (1440 px) and a phone's (390 px).
func shots(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, w := range []struct {
			width, height int64
			suffix        string
		}{{1440, 900, "-1440"}, {390, 844, "-390"}} {
			if _, err := chromedp.EmulateViewport(w.width, w.height)(ctx, tg); err != nil {
				return err
			}
			if _, err := screenshot(name+w.suffix)(ctx, tg); err != nil {
				return err
			}
		}
		_, err := chromedp.EmulateViewport(1280, 860)(ctx, tg)
		return err
	})
}

// TestBrowserAuditLogReadsLikeAProduct: after support staff deactivate and reactivate a user,
// the audit log names the customer, the staff member and the user, with links; the customer
// filter suggests names and filters by one; an event's page links what it names and the
// events around it; an admin's user page shows Deactivate and Remove disabled with Zoom's
// reason; and an htmx request that fails (the portal's answer, or another one) shows the
// error flash, not raw text. Screenshots 60 to 64, at 1440 and 390 px.
func TestBrowserAuditLogReadsLikeAProduct(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	env["PORTAL_METRICS_TOKEN"] = "metrics-only" // /metrics answers others 401 in plain text
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)

	signInAs(t, ctx, p, "admin@contoso.example")
	syncNow(t, ctx, "")
	db, err := pgxpool.New(context.Background(), env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var account, name string
	if err := db.QueryRow(context.Background(), `SELECT c.zoom_account_id, c.account_name FROM customers c JOIN partners p ON p.id = c.partner_id
		WHERE p.name LIKE 'Contoso%' AND c.status = 'active' ORDER BY c.seats DESC, c.id LIMIT 1`).Scan(&account, &name); err != nil {
		t.Fatal(err)
	}
	users := p.URL + "/customers/" + account + "/users"
	signOut(t, ctx)

	// Support staff deactivate and reactivate a member.
	signInAs(t, ctx, p, "support@contoso.example")
	staffName := text(t, ctx, `[data-testid="staff-name"]`)
	memberID, memberEmail := sandboxMember(t, p.SandboxURL, account)
	do(t, ctx,
		chromedp.Navigate(users+"/"+memberID),
		chromedp.WaitVisible(css(`[data-testid="deactivate"]`)),
		acceptConfirms(),
		chromedp.Click(css(`[data-testid="deactivate"]`)),
		chromedp.WaitVisible(css(`[data-testid="activate"]`)),
		chromedp.Click(css(`[data-testid="activate"]`)),
		chromedp.WaitVisible(css(`[data-testid="deactivate"]`)),
	)

	// The log names them, with links.
	do(t, ctx,
		chromedp.Navigate(p.URL+"/audit?action=user."),
		chromedp.WaitVisible(css(`[data-testid="audit-table"]`)),
		shots("60-audit-log"),
	)
	row := `[data-testid="audit-row"]`
	if got := text(t, ctx, row+` [data-testid="audit-customer-link"]`); got != name {
		t.Fatalf("the newest user event names the customer %q, want %q", got, name)
	}
	if got := text(t, ctx, row+` [data-testid="audit-staff-name"]`); got != staffName {
		t.Fatalf("the newest user event names the staff member %q, want %q", got, staffName)
	}
	if got := text(t, ctx, row+` [data-testid="audit-target-link"]`); got != memberEmail {
		t.Fatalf("the newest user event names the user %q, want %q", got, memberEmail)
	}
	if got := text(t, ctx, row+` [data-testid="activity-label"]`); got != "Activated user" {
		t.Fatalf("the newest user event reads %q", got)
	}

	// The customer filter suggests names as they are typed, and filters by the one chosen.
	prefix := strings.Fields(name)[0]
	do(t, ctx,
		chromedp.Navigate(p.URL+"/audit"),
		chromedp.WaitVisible(css(`#f-customer`)),
		chromedp.SendKeys(css(`#f-customer`), prefix),
	)
	value(t, ctx, chromedp.Poll[bool](`[...document.querySelectorAll('#audit-customers option')].some(o => o.value === `+jsString(name)+`)`))
	do(t, ctx,
		chromedp.SetValue(css(`#f-customer`), name),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#f-customer').dispatchEvent(new Event('change', {bubbles: true}))`),
	)
	value(t, ctx, chromedp.Poll[bool](`location.search.includes("customer=")`))
	value(t, ctx, chromedp.Poll[bool](`document.querySelectorAll('[data-testid="audit-row"]').length > 0 && [...document.querySelectorAll('[data-testid="audit-customer"]')].every(c => c.textContent.trim() === `+jsString(name)+`)`))
	do(t, ctx, screenshot("61-audit-filtered-by-customer"))

	// An event's page links what it names, and its neighbours.
	do(t, ctx,
		chromedp.Navigate(p.URL+"/audit?action=user.deactivate"),
		chromedp.WaitVisible(css(`[data-testid="audit-seq"] a`)),
		chromedp.Click(css(`[data-testid="audit-seq"] a`)),
		chromedp.WaitVisible(css(`[data-testid="event-facts"]`)),
		shots("62-audit-event"),
	)
	for id, want := range map[string]string{"fact-customer": "/customers/" + account, "fact-target": "/customers/" + account + "/users/" + memberID,
		"fact-staff": "/staff#staff-"} {
		href := value(t, ctx, chromedp.Evaluate[string](`document.querySelector('a[data-testid="`+id+`"]')?.getAttribute('href') ?? ""`))
		if !strings.HasPrefix(href, want) {
			t.Errorf("event page: %s links to %q, want %q", id, href, want)
		}
	}
	if count(t, ctx, `[data-testid="event-prev"]`) != 1 || count(t, ctx, `[data-testid="event-next"]`) != 1 {
		t.Error("the event page does not link the events before and after it")
	}

	// An admin's page: Deactivate and Remove disabled, with the reason beside.
	adminID, _ := sandboxAdmin(t, p.SandboxURL, account)
	do(t, ctx,
		chromedp.Navigate(users+"/"+adminID),
		chromedp.WaitVisible(css(`[data-testid="status-blocked"]`)),
		shots("63-user-admin"),
	)
	for _, b := range []string{"deactivate", "remove-user"} {
		if !value(t, ctx, chromedp.Evaluate[bool](`document.querySelector('button[data-testid="`+b+`"]').disabled`)) {
			t.Errorf("the admin's %s button is not disabled", b)
		}
	}
	if got := text(t, ctx, `[data-testid="status-blocked"]`); !strings.Contains(got, "Zoom does not let you deactivate an admin") {
		t.Errorf("the reason beside Deactivate: %q", got)
	}

	// htmx errors: the portal's answer (a search that is not text: 400), then another one
	// (/metrics without its token: 401 in plain text). Each is the error flash at the top of
	// the page, the results stay.
	do(t, ctx, chromedp.Navigate(p.URL+"/audit"), chromedp.WaitVisible(css(`[data-testid="audit-table"]`)))
	flash := func(want string) {
		t.Helper()
		value(t, ctx, chromedp.Poll[bool](`document.querySelector('#error-panel') !== null`))
		got := value(t, ctx, chromedp.Evaluate[map[string]string](`(() => { const f = document.querySelector('#error-panel'); const s = getComputedStyle(f);
			return {role: f.getAttribute('role'), cls: f.className, bg: s.backgroundColor, text: f.textContent.trim(), parent: f.parentElement.id,
				results: String(document.querySelectorAll('#audit-results [data-testid="audit-row"]').length > 0), n: String(document.querySelectorAll('#error-panel').length)} })()`))
		if got["role"] != "alert" || !strings.Contains(got["cls"], "flash") || !strings.Contains(got["cls"], "bad") || got["bg"] != "rgb(253, 232, 230)" ||
			got["parent"] != "main" || got["results"] != "true" || got["n"] != "1" || !strings.Contains(got["text"], want) {
			t.Fatalf("the htmx error shows as %+v, want the error flash saying %q above the results", got, want)
		}
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => { const q = document.querySelector('#f-q'); q.value = 'bad\u0000text'; q.dispatchEvent(new Event('input', {bubbles: true})) })()`))
	flash("Tierdesk cannot read this request")
	do(t, ctx, screenshot("64-htmx-error-portal"))
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`htmx.ajax('GET', '/metrics', {target: '#audit-results', swap: 'outerHTML'})`))
	value(t, ctx, chromedp.Poll[bool](`!(document.querySelector('#error-panel')?.textContent ?? '').includes('cannot read')`))
	flash("Your session ended")
	do(t, ctx, shots("64-htmx-error-other"))
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return `""` // a Go string always encodes
	}
	return string(b)
}
