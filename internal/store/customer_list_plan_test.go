package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// planNode is a node of EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	NodeType    string     `json:"Node Type"`
	Relation    string     `json:"Relation Name"`
	Index       string     `json:"Index Name"`
	IndexCond   string     `json:"Index Cond"`
	Filter      string     `json:"Filter"`
	Removed     float64    `json:"Rows Removed by Filter"`
	ActualRows  float64    `json:"Actual Rows"`
	ActualLoops float64    `json:"Actual Loops"`
	Plans       []planNode `json:"Plans"`
}

// planNodes parses a plan and returns its nodes, depth first.
func planNodes(t *testing.T, plan []byte) []planNode {
	t.Helper()
	var doc []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &doc); err != nil || len(doc) != 1 {
		t.Fatalf("plan %s: %v", plan, err)
	}
	var out []planNode
	var walk func(n planNode)
	walk = func(n planNode) {
		out = append(out, n)
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(doc[0].Plan)
	return out
}

// planShape sums up what a plan did with a table: the rows its scans read (returned and
// removed by filter, over every loop), the rows removed by filter in them and in the
// subqueries above them (the store's fenced candidates), and the scans themselves (of the
// table or of one of its indexes).
type planShape struct {
	read, removed float64
	scans         []planNode
}

func shapeOf(nodes []planNode, table string) planShape {
	var s planShape
	for _, n := range nodes {
		loops := max(n.ActualLoops, 1)
		switch {
		case n.Relation == table:
			s.read += (n.ActualRows + n.Removed) * loops
			s.removed += n.Removed * loops
			s.scans = append(s.scans, n)
		case n.Relation == "" && strings.HasPrefix(n.Index, table+"_"):
			s.scans = append(s.scans, n)
		case n.NodeType == "Subquery Scan" && table == "customers":
			s.removed += n.Removed * loops
		}
	}
	return s
}

func (s planShape) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "read %.0f, removed by filter %.0f;", s.read, s.removed)
	for _, n := range s.scans {
		fmt.Fprintf(&b, " [%s %s cond %q filter %q rows %.0f×%.0f removed %.0f]", n.NodeType, n.Index, n.IndexCond, n.Filter, n.ActualRows, n.ActualLoops, n.Removed)
	}
	return b.String()
}

// usesIndex reports whether one of the scans is an index scan of index whose condition
// mentions cond.
func (s planShape) usesIndex(index, cond string) bool {
	for _, n := range s.scans {
		switch n.NodeType {
		case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
			if n.Index == index && strings.Contains(n.IndexCond, cond) {
				return true
			}
		}
	}
	return false
}

// Under row-level security, as the portal's role with the partner set as the store sets it,
// page 101 of a partner's 10,000 customers walks one page of its index in every order (the
// keyset condition is an index condition, not a filter), searches find their candidates
// through customer_trigrams' index and read few customers, and counts stop at the cap. A
// plan that turns one of these conditions back into a filter fails here, whatever the timing.
func TestCustomerListPlansUseTheirIndexesUnderRLS(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, _, _ := threeTiers(t, st)
	su := storetest.Superuser(t, st)
	// The benchmark's customers: "Harbor Clinic 0", owner0@harbor-clinic-0.example, bench0000000...
	if _, err := su.Exec(ctx, `
		WITH w AS (SELECT ARRAY['Harbor','Summit','Maple','Cedar','Granite','Blue','River','North','Lumen','Atlas','Pioneer','Meridian'] AS words,
			ARRAY['Clinic','Bakery','Analytics','Logistics','Academy','Partners','Dental','Realty','Studios','Foods'] AS kinds)
		INSERT INTO customers (partner_id, zoom_account_id, account_name, owner_email, account_type, seats, zoom_created_at)
		SELECT $1, 'bench' || lpad(i::text, 7, '0'), n, 'owner' || i || '@' || lower(replace(n, ' ', '-')) || '.example',
			(ARRAY['Business','Pro','Free','Enterprise'])[1 + i % 4], (i * 7) % 300, now() - (i % 1000) * interval '1 day'
		FROM w, generate_series(0, 9999) i, LATERAL (SELECT words[1 + i * 7 % 12] || ' ' || kinds[1 + i * 13 % 10] || ' ' || i AS n) x`, dist.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := su.Exec(ctx, "VACUUM ANALYZE customers, customer_trigrams"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sort  store.CustomerSort
		index string
		key   string
	}{
		{store.SortName, "customers_partner_name_key_idx", "name_key"},
		{store.SortNewest, "customers_partner_created_key_idx", "created_key"},
		{store.SortSeats, "customers_partner_seats_idx", "seats"},
		{store.SortUpdated, "customers_partner_updated_idx", "updated_at"},
	} {
		f := store.CustomerFilter{Sort: c.sort, Limit: 50}
		for range 100 {
			page, err := st.Customers(ctx, dist.ID, f)
			if err != nil || page.Next == "" {
				t.Fatalf("%s: %v, next %q", c.sort, err, page.Next)
			}
			f.After = page.Next
		}
		plans, err := st.ExplainCustomers(ctx, dist.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		page := shapeOf(planNodes(t, plans.Page), "customers")
		if !page.usesIndex(c.index, c.key) || page.read > 200 || page.removed > 50 {
			t.Errorf("page 101 by %s: want an index scan of %s with %s in its condition, reading about a page: %v", c.sort, c.index, c.key, page)
		}
		t.Logf("page 101 by %s: %v", c.sort, page)
		count := shapeOf(planNodes(t, plans.Count), "customers")
		if count.read > 2*(store.CountCap+1) || !count.usesIndex("customers_partner_status_idx", "partner_id") && !count.usesIndex(c.index, "partner_id") {
			t.Errorf("count by %s: want an index scan stopping at %d: %v", c.sort, store.CountCap+1, count)
		}
	}
	for _, c := range []struct {
		name    string
		f       store.CustomerFilter
		maxRead float64
	}{
		{"an owner's email, in part", store.CustomerFilter{Query: "owner4242@"}, 100},
		{"two words of the name", store.CustomerFilter{Query: "harbor clinic 42"}, 300},
		{"an account id", store.CustomerFilter{Query: "bench0004242"}, 50},
		{"typos, near misses", store.CustomerFilter{Query: "harbr clinc", Fuzzy: true}, 1000},
		{"a typo in an email", store.CustomerFilter{Query: "ownr4242", Fuzzy: true}, 300},
	} {
		plans, err := st.ExplainCustomers(ctx, dist.ID, c.f)
		if err != nil {
			t.Fatal(err)
		}
		page := planNodes(t, plans.Page)
		grams, customers := shapeOf(page, "customer_trigrams"), shapeOf(page, "customers")
		if !grams.usesIndex("customer_trigrams_pkey", "trigram") || customers.read > c.maxRead || customers.removed > c.maxRead {
			t.Errorf("search for %s (%q): want its candidates from customer_trigrams_pkey and at most %.0f customers read:\n trigrams %v\n customers %v",
				c.name, c.f.Query, c.maxRead, grams, customers)
		}
		for _, n := range page {
			if n.NodeType == "Seq Scan" && n.Relation == "customers" {
				t.Errorf("search for %s: a sequential scan of customers", c.name)
			}
		}
		probe := shapeOf(planNodes(t, plans.Probe), "customer_trigrams")
		if !probe.usesIndex("customer_trigrams_pkey", "trigram") {
			t.Errorf("probe of %q: want customer_trigrams_pkey: %v", c.f.Query, probe)
		}
		for _, n := range probe.scans {
			if n.ActualRows > 256 {
				t.Errorf("probe of %q: %.0f rows a trigram, want at most 256: %v", c.f.Query, n.ActualRows, probe)
			}
		}
		t.Logf("%s: trigrams %v; customers %v", c.name, grams, customers)
	}
}
