package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestBrowserFleetChangePreviewAndJob changes a setting and its lock for a group of 12 of
// Contoso's customers through the pages: the form, the preview of every call per customer,
// then the job's page with its results (free accounts refused by Zoom, in words). Screenshots
// fleet_preview and fleet_job, at 1440 and 390 px.
func TestBrowserFleetChangePreviewAndJob(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	signInAs(t, ctx, p, "admin@contoso.example")
	syncNow(t, ctx, "")

	bg := context.Background()
	db, err := pgxpool.New(bg, env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var partner, group int64
	if err := db.QueryRow(bg, "SELECT id FROM partners WHERE name LIKE 'Contoso%' ORDER BY id LIMIT 1").Scan(&partner); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(bg, `UPDATE customers SET tags = ARRAY['eu'] WHERE id IN (SELECT id FROM customers WHERE partner_id = $1
		AND status = 'active' ORDER BY seats DESC, id LIMIT 12)`, partner); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(bg, `INSERT INTO customer_groups (partner_id, name, kind, tag) VALUES ($1, 'EU customers', 'tag', 'eu') RETURNING id`,
		partner).Scan(&group); err != nil {
		t.Fatal(err)
	}
	// Two of them were read before: one has chat off and locked already (compliant), the
	// other's plan has no chat at all (missing). The rest were never read: sent as wanted.
	for i, set := range []string{`{"in_meeting": {"chat": false}}`, `{"in_meeting": {"polling": true}}`} {
		if _, err := db.Exec(bg, `INSERT INTO customer_details (customer_id, partner_id, settings, lock_settings, fetched_at)
			SELECT id, partner_id, $2, '{"in_meeting": {"chat": true}}', now() FROM customers WHERE partner_id = $1 AND 'eu' = ANY(tags)
			ORDER BY seats DESC, id OFFSET $3 LIMIT 1
			ON CONFLICT (customer_id) DO UPDATE SET settings = excluded.settings, lock_settings = excluded.lock_settings, fetched_at = now()`,
			partner, set, i); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx,
		chromedp.Navigate(p.URL+"/imports"),
		chromedp.Click(css(`[data-testid="fleet-new"]`)),
		chromedp.WaitVisible(css(`[data-testid="fleet-form"]`)),
		chromedp.SetValue(css(`#f-group`), strconv.FormatInt(group, 10)),
		chromedp.Click(css(`[data-testid="kind-settings"]`)),
		chromedp.SetValue(css(`[data-testid="fleet-settings"]`), "in_meeting.chat = off\nlock in_meeting.chat = locked"),
		chromedp.Click(css(`[data-testid="fleet-preview"]`)),
		chromedp.WaitVisible(css(`[data-testid="fleet-table"]`)),
	)
	if n := count(t, ctx, `[data-testid="fleet-row"]`); n != 12 {
		t.Fatalf("preview rows: %d, want 12", n)
	}
	if calls, compliant, missing := text(t, ctx, `[data-testid="fleet-calls"]`), text(t, ctx, `[data-testid="fleet-compliant"]`),
		text(t, ctx, `[data-testid="fleet-missing"]`); calls != "20" || compliant != "1" || missing != "1" {
		t.Fatalf("preview: %s calls, %s compliant, %s missing; want 20, 1, 1", calls, compliant, missing)
	}
	do(t, ctx, shots("fleet_preview"))
	// Zoom refuses one customer's locks: the job goes on, and its page says why, in words.
	var refused string
	if err := db.QueryRow(bg, `SELECT zoom_account_id FROM customers WHERE partner_id = $1 AND 'eu' = ANY(tags)
		ORDER BY seats DESC, id OFFSET 2 LIMIT 1`, partner).Scan(&refused); err != nil {
		t.Fatal(err)
	}
	sandboxPost(t, p.SandboxURL+"/_sandbox/faults", map[string]any{"method": "PATCH", "path": "/v2/accounts/" + refused + "/lock_settings",
		"status": 400, "code": 200, "message": "No permission.", "count": 1})
	do(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Click(css(`[data-testid="start-fleet"]`)),
		chromedp.WaitVisible(css(`[data-testid="job-progress"]`)),
	)
	// The job may still be queued when its page opens: wait for it to have finished.
	do(t, ctx, chromedp.WaitVisible(css(`[data-testid="job-progress"]:is([data-status="succeeded"], [data-status="failed"], [data-status="cancelled"])`)))
	if status := jobStatus(t, ctx); status != "succeeded" || text(t, ctx, `[data-testid="job-done"]`) != "9" || text(t, ctx, `[data-testid="job-failed"]`) != "1" {
		t.Fatalf("job: %s: %s", status, text(t, ctx, `[data-testid="job-message"]`))
	}
	if got := text(t, ctx, `[data-testid="failure-row"]`); !strings.Contains(got, "200") {
		t.Fatalf("the refused customer on the job's page: %q", got)
	}
	do(t, ctx, shots("fleet_job"))
}
