package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
)

// loadCustomers gives the partner n customers (in batches, as a sync would), a third of them
// with account details (pay mode).
func loadCustomers(b *testing.B, e *env, p store.Partner, n int) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"Harbor", "Summit", "Maple", "Cedar", "Granite", "Blue", "River", "North", "Lumen", "Atlas", "Pioneer", "Meridian"}
	kinds := []string{"Clinic", "Bakery", "Analytics", "Logistics", "Academy", "Partners", "Dental", "Realty", "Studios", "Foods"}
	plans := []string{"Business", "Pro", "Free", "Enterprise"}
	now := time.Now()
	for done := 0; done < n; {
		batch := make([]store.SyncedCustomer, 0, 500)
		for i := 0; i < 500 && done < n; i, done = i+1, done+1 {
			name := fmt.Sprintf("%s %s %d", words[rng.IntN(len(words))], kinds[rng.IntN(len(kinds))], done)
			created := now.Add(-time.Duration(rng.IntN(1000)) * 24 * time.Hour)
			batch = append(batch, store.SyncedCustomer{ZoomAccountID: fmt.Sprintf("bench%07d", done), AccountName: name,
				OwnerEmail:  fmt.Sprintf("owner%d@%s.example", done, strings.ToLower(strings.ReplaceAll(name, " ", "-"))),
				AccountType: plans[rng.IntN(len(plans))], Seats: rng.IntN(300), ZoomCreatedAt: &created})
		}
		if _, err := e.Store.SaveSyncedCustomers(ctx, p.ID, batch, now, ""); err != nil {
			b.Fatal(err)
		}
	}
	rows, err := e.super().Query(ctx, "SELECT id FROM customers WHERE partner_id = $1 AND zoom_account_id LIKE 'bench%' AND id % 3 = 0", p.ID)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	for i, id := range ids {
		mode := []string{"master", "sub"}[i%2]
		acct, _ := json.Marshal(map[string]any{"options": map[string]any{"pay_mode": mode}})
		if err := e.Store.SaveCustomerDetails(ctx, p.ID, id, map[string]json.RawMessage{"account": acct}, nil); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.super().Exec(ctx, "ANALYZE customers"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCustomers measures the customer list of a partner with 10,000 customers against
// one with a few: the first page, a typo-tolerant search and a filtered CSV export, each
// server-side over real HTTP (query and render).
func BenchmarkCustomers(b *testing.B) {
	e := newEnv(b)
	br, p := registerNorthwind(b, e)
	get := func(path string, wantRows bool) {
		pg := br.get(e.URL + path)
		if pg.StatusCode != http.StatusOK || (wantRows && !strings.Contains(pg.Body, "customer-row") && !strings.Contains(pg.Body, "account_id")) {
			b.Fatalf("%s: %d", path, pg.StatusCode)
		}
	}
	b.Run("few/first-page", func(b *testing.B) { reportLatency(b, func() { get("/customers", true) }) })
	b.Run("few/search", func(b *testing.B) { reportLatency(b, func() { get("/customers?q=analytcs", false) }) })
	// The partner's syncs mark customers Zoom does not list as gone: let the sign-in's and the
	// start-up's finish before loading customers that only the database has.
	tnWaitStartupSync(b, e)
	t0 := time.Now()
	loadCustomers(b, e, p, 10_000)
	b.Logf("loaded 10,000 customers in %s", time.Since(t0).Round(time.Millisecond))
	b.Run("10k/first-page", func(b *testing.B) { reportLatency(b, func() { get("/customers", true) }) })
	b.Run("10k/first-page-by-seats", func(b *testing.B) { reportLatency(b, func() { get("/customers?sort=seats", true) }) })
	b.Run("10k/search-typo", func(b *testing.B) { reportLatency(b, func() { get("/customers?q=harbr+clinc", true) }) })
	b.Run("10k/search-email", func(b *testing.B) { reportLatency(b, func() { get("/customers?q=owner4242@", true) }) })
	b.Run("10k/export-filtered", func(b *testing.B) {
		reportLatency(b, func() { get("/customers.csv?pay_mode=master&plan=Business", true) })
	})
	var active int
	if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM customers WHERE zoom_account_id LIKE 'bench%' AND status = 'active'").Scan(&active); err != nil || active != 10_000 {
		b.Fatalf("%d of the 10,000 customers still active at the end (%v): the figures are not of 10,000", active, err)
	}
}
