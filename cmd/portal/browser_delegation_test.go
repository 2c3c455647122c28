package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestBrowserDelegatedSupportActsForTheReseller walks a delegation through the pages, as both
// sides and the member who uses it: Contoso connects its Server-to-Server app; Northwind's owner
// asks Contoso for support access to one customer; Contoso's owner approves it; Northwind's
// support member finds the customer marked in the list, opens it (the banner says for whom and
// until when), renames a user, and the change is in both partners' logs, which `portal audit
// verify` verifies. Screenshots delegation_*, at 1440 and 390 px.
func TestBrowserDelegatedSupportActsForTheReseller(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)

	// Contoso: its first sync, and its Server-to-Server app, without which it cannot approve.
	signInAs(t, ctx, p, "owner@contoso.example")
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	do(t, ctx,
		chromedp.Navigate(p.URL+"/settings"),
		chromedp.WaitVisible(css(`#s2s-client-id`)),
		chromedp.SendKeys(css(`#s2s-client-id`), "tierdesk-s2s-contoso"),
		chromedp.SendKeys(css(`#s2s-client-secret`), "tierdesk-s2s-contoso-secret"),
		chromedp.Click(css(`[data-testid="save-s2s"]`)),
		chromedp.WaitVisible(css(`[data-testid="s2s-status"].ok`)),
	)
	signOut(t, ctx)

	// Northwind's owner asks for support access to Contoso's first customer.
	signInAs(t, ctx, p, "owner@northwind.example")
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	do(t, ctx,
		chromedp.Navigate(p.URL+"/access/new"),
		chromedp.WaitVisible(css(`[data-testid="delegation-filter"]`)),
	)
	partner := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#f-partner option')].find(o => o.textContent.startsWith('Contoso')).value`))
	do(t, ctx,
		chromedp.SetValue(css(`#f-partner`), partner),
		chromedp.Click(css(`[data-testid="show-customers"]`)),
		chromedp.WaitVisible(css(`[data-testid="delegation-customer-choices"]`)),
		chromedp.Click(css(`[data-testid="delegation-customer-choices"] label:nth-child(1) input`)),
		chromedp.Click(css(`input[name="role"][value="support"]`)),
		chromedp.SetValue(css(`#f-duration`), "3"),
		chromedp.SetValue(css(`#f-reason`), "Ticket 4711: their users cannot sign in; we fix names and licences."),
		chromedp.Click(css(`[data-testid="ask"]`)),
		chromedp.WaitVisible(css(`[data-testid="delegation-title"]`)),
	)
	signOut(t, ctx)

	// Contoso's owner approves it.
	signInAs(t, ctx, p, "owner@contoso.example")
	do(t, ctx,
		chromedp.Navigate(p.URL+"/access"),
		chromedp.WaitVisible(css(`[data-testid="access-waiting"] [data-testid="approve"]`)),
		chromedp.Click(css(`[data-testid="access-waiting"] [data-testid="approve"]`)),
		chromedp.WaitVisible(css(`[data-testid="access-active"] [data-testid="delegation-row"]`)),
		shots("delegation_owner-active"),
	)
	if active := text(t, ctx, `[data-testid="access-active"]`); !strings.Contains(active, "Northwind") || !strings.Contains(active, "left") {
		t.Fatalf("Contoso's active delegations: %q", active)
	}
	signOut(t, ctx)

	// Northwind's support member uses it.
	signInAs(t, ctx, p, "support@northwind.example")
	do(t, ctx,
		chromedp.Navigate(p.URL+"/customers?partner="+partner),
		chromedp.WaitVisible(css(`[data-testid="delegated"]`)),
		shots("delegation_customer-list"),
	)
	if n := count(t, ctx, `[data-testid="delegated"]`); n != 1 {
		t.Fatalf("%d customers marked delegated, want 1", n)
	}
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="delegated"]').closest('tr').querySelector('a').click()`),
		chromedp.WaitVisible(css(`[data-testid="delegation-note"]`)),
		shots("delegation_customer"),
	)
	note := text(t, ctx, `[data-testid="delegation-note"]`)
	if !strings.Contains(note, "You act for Contoso Reseller as support until") {
		t.Fatalf("the banner: %q", note)
	}
	account := value(t, ctx, chromedp.Evaluate[string](`location.pathname.split('/')[2]`))
	do(t, ctx,
		chromedp.Navigate(p.URL+"/customers/"+account+"/users"),
		chromedp.WaitVisible(css(`[data-testid="user-link"]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="user-row"][data-status="active"] [data-testid="user-link"]').click()`),
		chromedp.WaitVisible(css(`[data-testid="save-user"]`)),
		chromedp.SetValue(css(`#u-first_name`), "Delegated"),
		chromedp.Click(css(`[data-testid="save-user"]`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
		shots("delegation_user-changed"),
	)
	if note := text(t, ctx, `[data-testid="delegation-note"]`); !strings.Contains(note, "Contoso Reseller") {
		t.Fatalf("the user's page after the change: %q", note)
	}

	// The change is in both logs, and both chains verify.
	bg := context.Background()
	db, err := pgxpool.New(bg, env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var inContoso, inNorthwind int
	if err := db.QueryRow(bg, `SELECT count(*) FILTER (WHERE p.name LIKE 'Contoso%' AND e.details::jsonb ? 'under_delegation' AND e.staff_email = 'support@northwind.example'),
			count(*) FILTER (WHERE p.name LIKE 'Northwind%' AND e.details::jsonb ? 'copy_of' AND e.staff_email = 'support@northwind.example')
		FROM audit_events e JOIN partners p ON p.id = e.partner_id WHERE e.action = 'user.update' AND e.outcome = 'succeeded'`).Scan(&inContoso, &inNorthwind); err != nil {
		t.Fatal(err)
	}
	if inContoso != 1 || inNorthwind != 1 {
		t.Fatalf("user.update under the delegation: %d in Contoso's log, %d in Northwind's", inContoso, inNorthwind)
	}
	var out strings.Builder
	if err := run(bg, []string{"audit", "verify"}, func(k string) string { return env[k] }, &out, io.Discard); err != nil {
		t.Fatalf("portal audit verify: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "verified") {
		t.Fatalf("portal audit verify said: %s", out.String())
	}
}
