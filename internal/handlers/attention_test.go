package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// A customer whose paid seats are all taken appears under "Needs attention" on the dashboard
// with a link to its Plans, and its add-user form warns before Zoom refuses; Zoom's refusal
// (2034) is explained as paid seats.
func TestFullCustomerNeedsAttentionAndItsFormWarns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, _ := contoso(t, e)
	e.waitJobsIdle()
	if got := owner.get(e.URL + "/"); got.Doc().Find(`[data-testid="attention"]`).Length() != 1 {
		t.Fatal("the dashboard has no attention panel")
	}
	// The paid customer with the fewest seats left, from its directory (read by the first pass).
	page, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var full store.SeatUse
	for _, c := range page.Customers {
		su, err := e.Store.SeatUseOf(ctx, p.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if su.Seats > 0 && su.Used() < su.Seats && (full.Seats == 0 || su.Seats-su.Used() < full.Seats-full.Used()) {
			full = su
		}
	}
	if full.Seats == 0 {
		t.Fatal("no paid customer with a free seat in the demo seed")
	}
	c := full.Customer
	form := owner.get(e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID) + "/users/new")
	bar := form.Doc().Find(`[data-testid="seat-bar"]`)
	if form.StatusCode != http.StatusOK || bar.AttrOr("data-used", "") != fmt.Sprint(full.Used()) || bar.AttrOr("data-seats", "") != fmt.Sprint(full.Seats) ||
		strings.Contains(form.TestID("seat-warning"), "Every paid seat") {
		t.Fatalf("the form of a customer with free seats: %d used %s of %s, %q", form.StatusCode, bar.AttrOr("data-used", ""), bar.AttrOr("data-seats", ""), form.TestID("seat-warning"))
	}
	// Zoom fills the free seats with invitations of Licensed users made outside Tierdesk.
	for i := range full.Seats - full.Used() {
		st, body := umZoom(t, e, p.ZoomAccountID, http.MethodPost, "/accounts/"+c.ZoomAccountID+"/users",
			map[string]any{"action": "create", "user_info": map[string]any{"email": fmt.Sprintf("seat%02d@full.example", i), "type": 2, "first_name": "Seat", "last_name": fmt.Sprint(i)}})
		if st != http.StatusCreated {
			t.Fatalf("invite a licensed user in Zoom: %d %v", st, body)
		}
	}
	// Support refreshes the customer's directory.
	jobURL := owner.post(e.URL+"/customers/"+url.PathEscape(c.ZoomAccountID)+"/users/sync", nil).location(t)
	if done := waitJob(t, owner, jobURL); done.TestID("job-status") != "succeeded" {
		t.Fatalf("refresh: %q", done.TestID("job-message"))
	}

	dash := owner.get(e.URL + "/")
	var item string
	dash.Doc().Find(`[data-testid="attention-item"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), c.AccountName) {
			item = s.Text()
			if s.AttrOr("data-kind", "") != "bad" || s.Find(`a[href="/customers/`+c.ZoomAccountID+`/plans"]`).Length() != 1 {
				t.Errorf("the item of %s: kind %q, links %q", c.AccountName, s.AttrOr("data-kind", ""), s.Find("a").AttrOr("href", ""))
			}
		}
	})
	if !strings.Contains(item, "at its limit") || !strings.Contains(item, fmt.Sprintf("%d of %d paid seats used", full.Seats, full.Seats)) {
		t.Fatalf("needs attention does not name the full customer: %q (all: %q)", item, dash.TestID("attention"))
	}
	// The customer list shows the seats used of bought, marked full.
	list := owner.get(e.URL + "/customers?q=" + url.QueryEscape(c.AccountName))
	cell := list.Doc().Find(`[data-testid="customer-row"] [data-testid="seat-cell"]`).First()
	if got := strings.Join(strings.Fields(cell.Text()), ""); got != fmt.Sprintf("%d/%d", full.Seats, full.Seats) || !cell.HasClass("bad") {
		t.Fatalf("the list's seats of %s: %q (class %q)", c.AccountName, got, cell.AttrOr("class", ""))
	}
	// "Seats used: at 90 % or more" lists it, and only customers that are.
	near := owner.get(e.URL + "/customers?seats=near")
	var names []string
	near.Doc().Find(`[data-testid="customer-row"]`).Each(func(_ int, s *goquery.Selection) {
		names = append(names, strings.TrimSpace(s.Find("a").First().Text()))
		if !s.Find(`[data-testid="seat-cell"]`).HasClass("bad") && !s.Find(`[data-testid="seat-cell"]`).HasClass("warn") {
			t.Errorf("the near-limit filter lists %q, whose seats are %q", names[len(names)-1], s.Find(`[data-testid="seat-cell"]`).Text())
		}
	})
	if !slices.Contains(names, c.AccountName) {
		t.Fatalf("the near-limit filter does not list %s: %q", c.AccountName, names)
	}
	// "Fullest first" orders by seats used of bought, across pages (the full customer is 100 %).
	var fractions []float64
	seen := map[string]bool{}
	next := e.URL + "/customers?sort=seat_use"
	for pages := 0; next != "" && pages < 10; pages++ {
		pg := owner.get(next)
		pg.Doc().Find(`[data-testid="customer-row"]`).Each(func(_ int, s *goquery.Selection) {
			name := strings.TrimSpace(s.Find("a").First().Text())
			if seen[name] {
				t.Errorf("%s is on two pages of the fullest-first list", name)
			}
			seen[name] = true
			cell := s.Find(`[data-testid="seat-cell"]`)
			if cell.Length() == 0 {
				fractions = append(fractions, -1) // no seats or no snapshot: last
				return
			}
			used, _ := strconv.Atoi(cell.AttrOr("data-used", ""))
			seats, _ := strconv.Atoi(cell.AttrOr("data-seats", ""))
			fractions = append(fractions, float64(used)/float64(seats))
		})
		next = ""
		if href, ok := pg.Doc().Find(`[data-testid="next"]`).Attr("href"); ok {
			next = e.URL + href
		}
	}
	if len(fractions) != len(page.Customers) || !seen[c.AccountName] || fractions[0] < 1 {
		t.Fatalf("fullest first: %d rows of %d customers, first at %.2f, %s seen %v", len(fractions), len(page.Customers), fractions[0], c.AccountName, seen[c.AccountName])
	}
	for i := 1; i < len(fractions); i++ {
		if fractions[i] > fractions[i-1]+1e-6 {
			t.Fatalf("fullest first is not in order at row %d: %.3f after %.3f", i+1, fractions[i], fractions[i-1])
		}
	}
	form = owner.get(e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID) + "/users/new")
	if w := form.TestID("seat-warning"); !strings.Contains(w, "Every paid seat is taken") || !strings.Contains(w, "2034") ||
		form.Doc().Find(`[data-testid="seat-warning"] a[href="/customers/`+c.ZoomAccountID+`/plans"]`).Length() != 1 {
		t.Fatalf("the form does not warn: %q", w)
	}
	// Zoom's refusal, if sent anyway, is in words about paid seats.
	refused := owner.post(e.URL+"/customers/"+url.PathEscape(c.ZoomAccountID)+"/users", url.Values{"action": {"create"}, "email": {"one.more@full.example"}, "type": {"2"}, "first_name": {"One"}})
	msg := refused.TestID("error-type") + refused.TestID("form-error")
	if refused.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, "2034") || !strings.Contains(msg, "paid seat") {
		t.Fatalf("2034: %d %q", refused.StatusCode, msg)
	}

	// The renewals page lists the subscriptions ending within 90 days, soonest first; one made to
	// end in 10 days is there, first, and the dashboard counts it.
	if _, err := e.super().Exec(ctx, "UPDATE customers SET subscription_end = now() + interval '10 days' WHERE id = $1", c.ID); err != nil {
		t.Fatal(err)
	}
	ren := owner.get(e.URL + "/renewals")
	rows := ren.Doc().Find(`[data-testid="renewal-row"]`)
	if ren.StatusCode != http.StatusOK || rows.Length() == 0 || !strings.Contains(rows.First().Text(), c.AccountName) || !strings.Contains(rows.First().Text(), "in 9 days") && !strings.Contains(rows.First().Text(), "in 10 days") {
		t.Fatalf("renewals: %d, %d rows, first %q", ren.StatusCode, rows.Length(), rows.First().Text())
	}
	if dash := owner.get(e.URL + "/"); !regexp.MustCompile(`(^|\D)(1 subscription ends|([02-9]|\d\d+) subscriptions end) within 30 days`).MatchString(dash.TestID("attention")) {
		t.Fatalf("the dashboard does not count the subscription ending: %q", dash.TestID("attention"))
	}
}

// Every users sync of a partner takes the day's seat snapshot of its customers; the dashboard
// and the customer page chart the snapshots (an SVG, and the same figures as a table).
func TestSeatsOverTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c := contoso(t, e)
	e.waitJobsIdle()
	var seats, used, customers int
	if err := e.super().QueryRow(ctx, `SELECT coalesce(sum(c.seats), 0), coalesce(sum((SELECT count(*) FROM customer_users u
			WHERE u.customer_id = c.id AND u.user_type = 2 AND u.status IN ('active', 'pending'))), 0), count(*)
		FROM customers c JOIN customer_user_dirs d ON d.customer_id = c.id AND d.synced_at IS NOT NULL
		WHERE c.partner_id = $1 AND c.status = 'active'`, p.ID).Scan(&seats, &used, &customers); err != nil {
		t.Fatal(err)
	}
	today, err := e.Store.SeatHistory(ctx, p.ID, 0, time.Now().AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	if len(today) != 1 || today[0].Seats != seats || today[0].Used != used || today[0].Customers != customers {
		t.Fatalf("today's snapshot: %+v, want %d seats, %d used, %d customers", today, seats, used, customers)
	}
	dash := owner.get(e.URL + "/")
	if chart := dash.Doc().Find(`[data-testid="seat-chart"]`); chart.AttrOr("data-days", "") != "1" || chart.Find("svg").Length() != 0 ||
		!strings.Contains(chart.Find(`[data-testid="seat-chart-single"]`).Text(), templates.Thousands(used)+" of "+templates.Thousands(seats)+" seats used by the "+templates.Plural(customers, "customer", "customers")) {
		t.Fatalf("the dashboard's chart: %q", chart.Text())
	}
	// The tier table rolls the snapshot up: the seats the partner's customers use.
	if got := strings.TrimSpace(dash.Doc().Find(`[data-testid="tier-row"] [data-testid="tier-used"]`).First().Text()); got != templates.Thousands(used) {
		t.Fatalf("the tier table's seats used: %q, want %d", got, used)
	}
	// Three earlier days, as later days would have left them.
	for i, d := range []int{3, 2, 1} {
		if _, err := e.super().Exec(ctx, `INSERT INTO seat_snapshots (customer_id, partner_id, day, seats, licensed, pending)
			VALUES ($1, $2, $3::date, $4, $5, 0)`, c.ID, p.ID, time.Now().UTC().AddDate(0, 0, -d).Format(time.DateOnly), 10+i, 5+i); err != nil {
			t.Fatal(err)
		}
	}
	dash = owner.get(e.URL + "/")
	chart := dash.Doc().Find(`[data-testid="seat-chart"]`)
	if chart.AttrOr("data-days", "") != "4" || chart.Find("svg polyline").Length() != 3 || len(strings.Fields(chart.Find("polyline.used").AttrOr("points", ""))) != 4 ||
		chart.Find(`[data-testid="seat-chart-table"] tbody tr`).Length() != 4 {
		t.Fatalf("the dashboard's chart after 4 days: %s days, %q", chart.AttrOr("data-days", ""), chart.Find("polyline.used").AttrOr("points", ""))
	}
	// The customers panel has the same four days; three days ago the partner had one customer
	// (only c's snapshots were inserted), today all of them.
	if pts := strings.Fields(chart.Find("polyline.customers").AttrOr("points", "")); len(pts) != 4 {
		t.Fatalf("the customers panel's points: %q", pts)
	}
	if label := chart.Find(`[data-testid="customer-chart"]`).AttrOr("aria-label", ""); customers > 1 &&
		!strings.Contains(label, templates.Thousands(customers-1)+" more than on ") {
		t.Fatalf("the customers panel's caption: %q (%d customers today)", label, customers)
	}
	first := chart.Find(`[data-testid="seat-chart-table"] tbody tr`).First().Text()
	if !strings.Contains(first, time.Now().UTC().AddDate(0, 0, -3).Format("2006-01-02")) || !strings.Contains(first, "10") || !strings.Contains(first, "5") {
		t.Fatalf("the first day of the table: %q", first)
	}
	cp := owner.get(e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID))
	if cc := cp.Doc().Find(`[data-testid="seat-chart"]`); cp.StatusCode != http.StatusOK || cc.AttrOr("data-days", "") != "4" ||
		cc.Find(`[data-testid="customer-chart"]`).Length() != 0 {
		t.Fatalf("the customer's chart: %d, %s days, customers panel %d (a customer's chart has none)", cp.StatusCode, cc.AttrOr("data-days", ""),
			cc.Find(`[data-testid="customer-chart"]`).Length())
	}
}

// Invitations nobody accepted for over 7 days and directories not read for over a day are
// counted on the dashboard, each pointing at the customer with the most (the stalest), by name
// and with a link to its users.
func TestAttentionOldInvitationsAndStaleDirectories(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, _ := contoso(t, e)
	e.waitJobsIdle()
	items := func() map[string]string { // title → link
		out := map[string]string{}
		owner.get(e.URL + "/").Doc().Find(`[data-testid="attention-item"]`).Each(func(_ int, s *goquery.Selection) {
			out[strings.Join(strings.Fields(s.Find(".attention-text strong").Text()), " ")] = s.Find("a").AttrOr("href", "")
		})
		return out
	}
	for title := range items() {
		if strings.Contains(title, "pending over 7 days") || strings.Contains(title, "not read for over a day") {
			t.Fatalf("before anything aged: %q", title)
		}
	}
	// Two customers: one with two invitations 8 days old, one with one; the second's directory
	// read three days ago, the first's two days ago.
	type row struct {
		ID            int64
		ZoomAccountID string
		AccountName   string
	}
	rows, _ := e.super().Query(ctx, `SELECT c.id, c.zoom_account_id, c.account_name FROM customers c JOIN customer_user_dirs d ON d.customer_id = c.id
		WHERE c.partner_id = $1 AND c.status = 'active' AND d.synced_at IS NOT NULL ORDER BY c.id LIMIT 2`, p.ID)
	two, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil || len(two) != 2 {
		t.Fatalf("two customers with a read directory: %v, %v", two, err)
	}
	ids := [2]int64{two[0].ID, two[1].ID}
	accounts := [2]string{two[0].ZoomAccountID, two[1].ZoomAccountID}
	names := [2]string{two[0].AccountName, two[1].AccountName}
	for k, n := range []int{2, 1} {
		for j := range n {
			if _, err := e.super().Exec(ctx, `INSERT INTO customer_users (customer_id, partner_id, email, first_name, last_name, user_type, status, seen_at, first_seen_at)
				VALUES ($1, $2, $3, 'Old', 'Invite', 1, 'pending', now(), now() - interval '8 days')`,
				ids[k], p.ID, fmt.Sprintf("old%d.%d@invites.example", k, j)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.super().Exec(ctx, `UPDATE customer_user_dirs SET synced_at = now() - make_interval(days => $2) WHERE customer_id = $1`, ids[k], 2+k); err != nil {
			t.Fatal(err)
		}
	}
	got := items()
	if link := got["3 invitations pending over 7 days"]; link != "/customers/"+url.PathEscape(accounts[0])+"/users" {
		t.Errorf("old invitations: %v; want a link to %s's users", got, names[0])
	}
	if link := got["2 user directories not read for over a day"]; link != "/customers/"+url.PathEscape(accounts[1])+"/users" {
		t.Errorf("stale directories: %v; want a link to %s's users (the stalest)", got, names[1])
	}
	dash := owner.get(e.URL + "/")
	for _, want := range []string{"Most are at " + names[0], "the stalest is " + names[1] + "'s"} {
		if !strings.Contains(strings.Join(strings.Fields(dash.Doc().Find(`[data-testid="attention"]`).Text()), " "), want) {
			t.Errorf("the attention panel does not say %q", want)
		}
	}
}
