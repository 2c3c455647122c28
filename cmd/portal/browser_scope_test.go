package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestBrowserStaffScopeForm: Northwind's owner limits its support member to a group from the
// staff page (its "Change" link, the form, Save), the staff list says so, and the member,
// signed in, lists only that group's customers. Screenshots scope_*.
func TestBrowserStaffScopeForm(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	signInAs(t, ctx, p, "owner@northwind.example")
	syncNow(t, ctx, "")

	bg := context.Background()
	db, err := pgxpool.New(bg, env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var partner int64
	if err := db.QueryRow(bg, "SELECT id FROM partners WHERE name LIKE 'Northwind%' ORDER BY id LIMIT 1").Scan(&partner); err != nil {
		t.Fatal(err)
	}
	// Two of Northwind's own customers tagged emea, and three groups to choose from.
	tagged, err := db.Exec(bg, `UPDATE customers SET tags = ARRAY['emea'] WHERE id IN (SELECT id FROM customers
		WHERE partner_id = $1 AND status = 'active' AND zoom_account_id NOT IN (SELECT zoom_account_id FROM partners) ORDER BY id LIMIT 2)`, partner)
	if err != nil || tagged.RowsAffected() != 2 {
		t.Fatalf("tagging: %v %v", tagged.RowsAffected(), err)
	}
	if _, err := db.Exec(bg, `INSERT INTO customer_groups (partner_id, name, kind, tag) VALUES ($1, 'EMEA customers', 'tag', 'emea'),
		($1, 'Healthcare', 'tag', 'healthcare'), ($1, 'Key accounts in the northern region', 'tag', 'key')`, partner); err != nil {
		t.Fatal(err)
	}
	const member = "support@northwind.example"
	do(t, ctx,
		chromedp.Navigate(p.URL+"/staff"),
		chromedp.WaitVisible(css(`[data-testid="staff-table"]`)),
		chromedp.Click(css(`[data-email="`+member+`"] [data-testid="staff-row-scope"]`)),
		chromedp.WaitVisible(css(`[data-testid="scope-form"]`)),
	)
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="scope-group"]').length`)); n != 3 {
		t.Fatalf("the form offers %d groups, want 3", n)
	}
	do(t, ctx,
		chromedp.Click(css(`[data-testid="scope-group"] input[type="checkbox"]`)), // by name: EMEA customers first
		shots("scope_staff-scope-form"),
		chromedp.Click(css(`[data-testid="save-scope"]`)),
		chromedp.WaitVisible(css(`[data-testid="staff-table"]`)),
	)
	reach := value(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('[data-email="%s"] [data-testid="staff-row-reach"]').innerText`, member)))
	if want := "EMEA customers"; !strings.Contains(reach, want) || !strings.Contains(reach, "Limited") {
		t.Fatalf("the member's reach on the staff list: %q", reach)
	}
	do(t, ctx, shots("scope_staff-list"))

	signOut(t, ctx)
	signInAs(t, ctx, p, member)
	do(t, ctx,
		chromedp.Navigate(p.URL+"/customers"),
		chromedp.WaitVisible(css(`[data-testid="customers-table"]`)),
	)
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="customer-row"]').length`)); n != 2 {
		t.Fatalf("the member lists %d customers, want the 2 of EMEA customers", n)
	}
	if note := value(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="scope-note"]').innerText`)); !strings.Contains(note, "EMEA customers") {
		t.Fatalf("the member's pages say: %q", note)
	}
	do(t, ctx, shots("scope_member-customers"))
}
