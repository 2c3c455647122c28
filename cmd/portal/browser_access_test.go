package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestBrowserAccessBothSides: Northwind's owner asks Contoso, the reseller below, for access
// through the form (partner, filter, customers ticked, role, duration, reason); with an active
// delegation already in force, Northwind's access page shows both, and Contoso's shows the
// request waiting with Approve and Decline. Screenshots access_*, at 1440 and 390 px.
func TestBrowserAccessBothSides(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	for _, email := range []string{"owner@contoso.example", "owner@northwind.example"} {
		signInAs(t, ctx, p, email) // the partner's first sync links the tiers
		waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
		if email != "owner@northwind.example" {
			signOut(t, ctx)
		}
	}

	bg := context.Background()
	db, err := pgxpool.New(bg, env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var nw, contoso int64
	if err := db.QueryRow(bg, `SELECT n.id, c.id FROM partners n JOIN partners c ON c.parent_id = n.id
		WHERE n.name LIKE 'Northwind%' AND c.name LIKE 'Contoso%'`).Scan(&nw, &contoso); err != nil {
		t.Fatal(err)
	}
	// An active delegation, approved yesterday, as the store records one (its events aside).
	if _, err := db.Exec(bg, `WITH d AS (INSERT INTO delegations (owner_partner_id, delegate_partner_id, requested_by, requested_by_email,
			role, duration, reason, customer_kind, status, requested_at, lapses_at, answered_at, answered_by_email, starts_at, expires_at)
		VALUES ($1, $2, 'owner', 'owner@contoso.example', 'admin', interval '5 days', 'Move the Helsinki office to the new plan',
			'list', 'active', now() - interval '26 hours', now() + interval '6 days', now() - interval '1 day', 'owner@northwind.example',
			now() - interval '1 day', now() + interval '4 days 3 hours') RETURNING id)
		INSERT INTO delegation_customers (delegation_id, customer_id, owner_partner_id, delegate_partner_id)
		SELECT d.id, c.id, $1, $2 FROM d, (SELECT id FROM customers WHERE partner_id = $1 AND status = 'active' ORDER BY account_name DESC LIMIT 4) c`,
		contoso, nw); err != nil {
		t.Fatal(err)
	}

	// Northwind asks through the form.
	do(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(p.URL+"/access"),
		chromedp.WaitVisible(css(`[data-testid="ask-below"]`)),
		chromedp.Click(css(`[data-testid="ask-below"]`)),
		chromedp.WaitVisible(css(`[data-testid="delegation-filter"]`)),
	)
	partner := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#f-partner option')].find(o => o.textContent.startsWith('Contoso')).value`))
	do(t, ctx,
		chromedp.SetValue(css(`#f-partner`), partner),
		chromedp.Click(css(`[data-testid="show-customers"]`)),
		chromedp.WaitVisible(css(`[data-testid="delegation-customer-choices"]`)),
	)
	if n := count(t, ctx, `[data-testid="delegation-customer-choices"] input`); n < 3 {
		t.Fatalf("the form offers %d customers", n)
	}
	do(t, ctx,
		chromedp.Click(css(`[data-testid="delegation-customer-choices"] label:nth-child(1) input`)),
		chromedp.Click(css(`[data-testid="delegation-customer-choices"] label:nth-child(2) input`)),
		chromedp.SetValue(css(`#f-reason`), "Their admin is on leave; we reset passwords and move users for two days."),
		shots("access_form"),
		chromedp.Click(css(`[data-testid="ask"]`)),
		chromedp.WaitVisible(css(`[data-testid="delegation-title"]`)),
		shots("access_request"),
		chromedp.Navigate(p.URL+"/access"),
		chromedp.WaitVisible(css(`[data-testid="access-active"]`)),
	)
	if n := count(t, ctx, `[data-testid="access-mine"] [data-testid="delegation-row"]`); n != 1 {
		t.Fatalf("Northwind's requests: %d", n)
	}
	if left := text(t, ctx, `[data-testid="access-active"] [data-testid="delegation-left"]`); !strings.Contains(left, "4 days") {
		t.Fatalf("the active delegation's time left: %q", left)
	}
	do(t, ctx, shots("access_delegate"))

	// Contoso's side: the request waits for its answer.
	signOut(t, ctx)
	signInAs(t, ctx, p, "owner@contoso.example")
	do(t, ctx,
		chromedp.Navigate(p.URL+"/access"),
		chromedp.WaitVisible(css(`[data-testid="access-waiting"] [data-testid="approve"]`)),
		shots("access_owner"),
	)
	if dir := text(t, ctx, `[data-testid="access-waiting"] [data-testid="delegation-direction"]`); !strings.HasPrefix(dir, "Northwind") {
		t.Fatalf("Contoso's waiting request: %q", dir)
	}
	do(t, ctx,
		chromedp.Navigate(p.URL+"/"),
		chromedp.WaitVisible(css(`[data-testid="attention"]`)),
	)
	if att := text(t, ctx, `[data-testid="attention"]`); !strings.Contains(att, "1 request for delegated access waits for your answer") {
		t.Fatalf("Contoso's dashboard: %q", att)
	}
}
