package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
)

// TestBrowserStandardDriftReport50 opens a standard's drift report over a group of 50
// customers and a template of 8 settings and 4 locks (seeded in the cache), at a desktop's
// width and a phone's: the matrix scrolls inside its card, the page does not. Screenshots 60.
func TestBrowserStandardDriftReport50(t *testing.T) {
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
	var partner int64
	if err := db.QueryRow(bg, "SELECT id FROM partners WHERE name LIKE 'Contoso%' ORDER BY id LIMIT 1").Scan(&partner); err != nil {
		t.Fatal(err)
	}
	sections := map[string][]string{"in_meeting": {"chat", "private_chat", "file_transfer", "polling", "breakout_room", "co_host"},
		"schedule_meeting": {"host_video", "join_before_host"}}
	tplSet := map[string]map[string]any{}
	for sec, fields := range sections {
		tplSet[sec] = map[string]any{}
		for _, f := range fields {
			tplSet[sec][f] = f != "file_transfer" && f != "join_before_host"
		}
	}
	locks := map[string]map[string]bool{"in_meeting": {"chat": true, "file_transfer": true, "polling": false}, "schedule_meeting": {"host_video": true}}
	// Customers 1 and 5 are read compliant, then changed in Zoom: the next read finds chat off
	// (audited as seen in Zoom); customer 9's chat was turned off through Tierdesk.
	seenInZoom := map[int]bool{1: true, 5: true}
	ids := map[int]int64{}
	for i := range 50 {
		var id int64
		if err := db.QueryRow(bg, `INSERT INTO customers (partner_id, zoom_account_id, account_name, owner_email, account_type, seats, tags)
			VALUES ($1, $2, $3, $4, 'Business', 20, ARRAY['fleet']) RETURNING id`, partner, fmt.Sprintf("fleet%04d", i),
			fmt.Sprintf("Fleet customer %02d of the northern region", i), fmt.Sprintf("owner%d@fleet.example", i)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[i] = id
		if i%11 == 10 {
			continue // never read
		}
		set := map[string]map[string]any{}
		for sec, fields := range tplSet {
			set[sec] = map[string]any{}
			for f, v := range fields {
				set[sec][f] = v
			}
		}
		if i%4 == 1 && !seenInZoom[i] {
			set["in_meeting"]["chat"] = false
		}
		if i%7 == 3 {
			set["schedule_meeting"]["join_before_host"] = true
		}
		if i%9 == 5 {
			delete(set["in_meeting"], "breakout_room")
		}
		lock := map[string]map[string]bool{"in_meeting": {"chat": i%6 != 2, "file_transfer": true, "polling": false}, "schedule_meeting": {"host_video": true}}
		sj, _ := json.Marshal(set)
		lj, _ := json.Marshal(lock)
		if _, err := db.Exec(bg, `INSERT INTO customer_details (customer_id, partner_id, settings, lock_settings, fetched_at, settings_read_at)
			VALUES ($1, $2, $3, $4, now() - make_interval(mins => $5), now() - make_interval(mins => $5))`,
			id, partner, string(sj), string(lj), i*7); err != nil {
			t.Fatal(err)
		}
	}
	sj, _ := json.Marshal(tplSet)
	lj, _ := json.Marshal(locks)
	var standard int64
	if err := db.QueryRow(bg, `WITH t AS (INSERT INTO settings_templates (partner_id, name, settings, locks) VALUES ($1, 'Fleet baseline', $2, $3) RETURNING id),
		g AS (INSERT INTO customer_groups (partner_id, name, kind, tag) VALUES ($1, 'Fleet', 'tag', 'fleet') RETURNING id)
		INSERT INTO standards (partner_id, name, template_id, group_id) SELECT $1, 'Fleet standard', t.id, g.id FROM t, g RETURNING id`,
		partner, string(sj), string(lj)).Scan(&standard); err != nil {
		t.Fatal(err)
	}
	// The reads that find the changes made in Zoom, and the change made through Tierdesk, as the
	// portal records them.
	keys, err := secret.ParseKeyring(env["PORTAL_SECRET_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	pool, err := store.Open(bg, env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := store.New(pool, keys)
	svc := service.New(st, nil, nil)
	for i := range seenInZoom {
		c, err := st.CustomerByID(bg, partner, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]map[string]any{"in_meeting": {"chat": false}, "schedule_meeting": {}}
		for sec, fields := range tplSet {
			for f, v := range fields {
				if _, ok := set[sec][f]; !ok {
					set[sec][f] = v
				}
			}
		}
		sj, _ := json.Marshal(set)
		lj, _ := json.Marshal(map[string]map[string]bool{"in_meeting": {"chat": true, "file_transfer": true, "polling": false}, "schedule_meeting": {"host_video": true}})
		if res, err := svc.RecordSettingsRead(bg, partner, c, store.SettingsRead{Settings: sj, Locks: lj}, service.ReadByRefresh, store.AuditEvent{}); err != nil || !res.Recorded {
			t.Fatalf("read of customer %d: %+v %v", i, res, err)
		}
	}
	if _, err := st.Audit(bg, store.AuditEvent{PartnerID: partner, Action: audit.CustomerSettings, Outcome: store.OutcomeSucceeded,
		StaffEmail: "admin@contoso.example", TargetType: "customer", TargetID: "fleet0009", TargetLabel: "Fleet customer 09 of the northern region",
		CustomerID: "fleet0009", Details: json.RawMessage(`{"before":{"in_meeting.chat":true},"after":{"in_meeting.chat":false}}`)}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.Navigate(fmt.Sprintf("%s/standards/%d", p.URL, standard)),
		chromedp.WaitVisible(css(`[data-testid="drift-table"]`)),
	)
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="drift-row"]').length`)); n != 50 {
		t.Fatalf("drift rows: %d, want 50", n)
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="drift-col"]').length`)); n < 8 {
		t.Fatalf("drift columns: %d, want the template's 8 settings and its locks", n)
	}
	for _, w := range []int64{1440, 390} {
		do(t, ctx, chromedp.EmulateViewport(w, 900))
		wide := value(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if wide {
			t.Errorf("at %d px the page scrolls sideways", w)
		}
	}
	do(t, ctx, shots("60-drift-report"))
	if n := value(t, ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('[data-testid="drift-source"]')].filter(e => e.textContent.includes('seen in Zoom')).length`)); n != 2 {
		t.Fatalf("cells seen in Zoom: %d, want 2", n)
	}
	do(t, ctx, chromedp.EmulateViewport(1440, 900), screenshot("fresh_62-drift-seen-in-zoom-1440"),
		chromedp.ScrollIntoView(css(`[data-testid="drift-history"]`)), screenshot("fresh_63-drift-history-1440"),
		chromedp.EmulateViewport(1280, 860))
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="drift-change"]').length`)); n != 4 {
		t.Fatalf("history rows: %d, want 4 (customer 5's read also found its breakout rooms)", n)
	}
	do(t, ctx,
		chromedp.Navigate(fmt.Sprintf("%s/standards/%d?only=drifted", p.URL, standard)),
		chromedp.WaitVisible(css(`[data-testid="drift-table"]`)),
		shots("61-drift-report-only-drifted"),
	)
}
