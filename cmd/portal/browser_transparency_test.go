package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestBrowserCustomerTransparency: Contoso's owner changes users of one of its customers (and
// writes an internal note); Northwind has had delegated access to it, and has it now. The
// customer's owner then signs in with Zoom and reads its account's page: who manages it
// (Contoso, under Northwind), the staff and delegations with access, and the changes, without
// the note; the page passes the sweep's checks at 1440 and 390 px, the CSV downloads, and
// sign-out ends the session. Screenshots transparency_*.
func TestBrowserCustomerTransparency(t *testing.T) {
	t.Parallel()
	axe, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	bg := context.Background()
	db, err := pgxpool.New(bg, env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	signInAs(t, ctx, p, "owner@contoso.example") // its first pass reads every directory
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	var contoso, northwind, customerID int64
	var account, owner, name string
	if err := db.QueryRow(bg, `SELECT p.id, p.parent_id, c.id, c.zoom_account_id, c.owner_email, c.account_name FROM partners p
		JOIN customers c ON c.partner_id = p.id AND c.status = 'active'
		WHERE p.name LIKE 'Contoso%' ORDER BY c.seats DESC, c.id LIMIT 1`).Scan(&contoso, &northwind, &customerID, &account, &owner, &name); err != nil {
		t.Fatal(err)
	}
	// Two active members of the customer, from the sandbox.
	resp, err := http.Get(p.SandboxURL + "/_sandbox/users?" + url.Values{"account_id": {account}, "role": {"Member"}, "status": {"active"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var members []struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	err = json.NewDecoder(resp.Body).Decode(&members)
	resp.Body.Close()
	if err != nil || len(members) < 2 {
		t.Fatalf("members of %s: %d %v", account, len(members), err)
	}

	// Contoso's owner deactivates one member and activates them again, renames another, and
	// writes an internal note, through the portal's own forms (same-origin posts).
	post := func(path string, form url.Values) {
		t.Helper()
		status := value(t, ctx, chromedp.Evaluate[int](`fetch(`+strconv.Quote(path)+`, {method: "POST", body: new URLSearchParams(`+
			strconv.Quote(form.Encode())+`)}).then(r => r.status)`, chromedp.EvalAwaitPromise))
		if status != http.StatusOK {
			t.Fatalf("POST %s: %d", path, status)
		}
	}
	users := "/customers/" + url.PathEscape(account) + "/users/"
	post(users+url.PathEscape(members[0].ID)+"/status", url.Values{"action": {"deactivate"}})
	post(users+url.PathEscape(members[0].ID)+"/status", url.Values{"action": {"activate"}})
	post(users+url.PathEscape(members[1].ID), url.Values{"first_name": {"Dana"}, "last_name": {"Whitfield-Okafor"}, "type": {"1"}})
	post("/customers/"+url.PathEscape(account)+"/notes", url.Values{"notes": {"Internal: renewal at risk"}})
	// Northwind's delegated access to the customer: one that expired, one in force.
	for _, d := range []struct{ status, role, from, until string }{
		{"expired", "admin", "now() - interval '20 days'", "now() - interval '18 days'"},
		{"active", "support", "now() - interval '2 hours'", "now() + interval '70 hours'"},
	} {
		var id int64
		if err := db.QueryRow(bg, `INSERT INTO delegations (owner_partner_id, delegate_partner_id, requested_by, requested_by_email, role, duration,
				reason, customer_kind, status, requested_at, lapses_at, answered_at, answered_by_email, starts_at, expires_at)
			VALUES ($1, $2, 'owner', 'owner@contoso.example', $3, interval '72 hours', 'Help with the migration', 'list', $4,
				`+d.from+`, `+d.from+` + interval '7 days', `+d.from+`, 'owner@northwind.example', `+d.from+`, `+d.until+`) RETURNING id`,
			contoso, northwind, d.role, d.status).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(bg, `INSERT INTO delegation_customers (delegation_id, customer_id, owner_partner_id, delegate_partner_id) VALUES ($1, $2, $3, $4)`,
			id, customerID, contoso, northwind); err != nil {
			t.Fatal(err)
		}
	}
	signOut(t, ctx)

	// The customer's owner signs in with Zoom and lands on the account's page.
	do(t, ctx, chromedp.Navigate(p.URL+"/auth/zoom/login?login_hint="+url.QueryEscape(owner)), chromedp.WaitVisible(css(`[data-testid="customer-events"]`)))
	if got := text(t, ctx, `[data-testid="customer-title"]`); got != name {
		t.Errorf("the page is about %q, want %q", got, name)
	}
	if got := text(t, ctx, `[data-testid="customer-manager"]`); !strings.HasPrefix(got, "Contoso") {
		t.Errorf("managed by %q", got)
	}
	if n := count(t, ctx, `[data-testid="customer-event"]`); n != 3 {
		t.Errorf("%d events, want the deactivation, the activation and the rename", n)
	}
	if n := count(t, ctx, `[data-testid="customer-delegation"]`); n != 2 {
		t.Errorf("%d delegations, want 2", n)
	}
	body := value(t, ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if strings.Contains(body, "renewal at risk") {
		t.Error("the customer reads Contoso's internal note")
	}
	do(t, ctx, shots("transparency_account"))
	for _, w := range []int{1440, 390} {
		do(t, ctx, chromedp.EmulateViewport(int64(w), 900))
		page := "customer account at " + strconv.Itoa(w)
		noWiderThan(t, ctx, page, w)
		if w == 1440 {
			noClippedText(t, ctx, page)
		}
		runAxe(t, ctx, string(axe), page)
	}
	csv := value(t, ctx, chromedp.Evaluate[string](`fetch("/account.csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(csv, "section,id,time,who") || strings.Count(csv, "\nevent,") != 3 || strings.Contains(csv, "renewal at risk") {
		t.Errorf("the CSV:\n%s", csv)
	}
	// A staff page sends the customer back to their own.
	do(t, ctx, chromedp.Navigate(p.URL+"/customers"), chromedp.WaitVisible(css(`[data-testid="customer-events"]`)))
	do(t, ctx, chromedp.Click(css(`[data-testid="signout"]`)), chromedp.WaitVisible(css(`[data-testid="signin-zoom"]`)))
}
