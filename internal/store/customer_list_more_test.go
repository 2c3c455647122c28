package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// cmTiers is threeTiers with 130 "Quokka" customers for the reseller (ids cm-r-NNN, owners
// keeper-NNN@quokka-r.example, every fifth gone) and 70 for the distributor (cm-d-NNN, every
// seventh disassociated), and three of the reseller's changed in Tierdesk since, in the order
// cm-r-011, cm-r-021, cm-r-031.
func cmTiers(t *testing.T) (st *store.Store, dist, res, other store.Partner) {
	t.Helper()
	st = storetest.NewStore(t)
	ctx := context.Background()
	dist, res, other = threeTiers(t, st)
	seed := func(p store.Partner, tag string, n int) {
		var batch []store.SyncedCustomer
		for i := 0; i < n; i++ {
			created := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%40) * 24 * time.Hour)
			name := fmt.Sprintf("Quokka %03d", i)
			if i%2 == 1 {
				name = strings.ToLower(name) // the name order ignores case
			}
			c := store.SyncedCustomer{ZoomAccountID: fmt.Sprintf("cm-%s-%03d", tag, i), AccountName: name,
				OwnerEmail: fmt.Sprintf("keeper-%03d@quokka-%s.example", i, tag), Seats: i % 9}
			if i%11 != 0 { // some without a creation time
				c.ZoomCreatedAt = &created
			}
			batch = append(batch, c)
		}
		if _, err := st.SaveSyncedCustomers(ctx, p.ID, batch, time.Now(), ""); err != nil {
			t.Fatal(err)
		}
	}
	seed(res, "r", 130)
	seed(dist, "d", 70)
	su := storetest.Superuser(t, st)
	if _, err := su.Exec(ctx, `UPDATE customers SET status = CASE WHEN zoom_account_id LIKE 'cm-r-%' THEN 'gone' ELSE 'disassociated' END
		WHERE (zoom_account_id LIKE 'cm-r-%' AND right(zoom_account_id, 3)::int % 5 = 0) OR (zoom_account_id LIKE 'cm-d-%' AND right(zoom_account_id, 3)::int % 7 = 0)`); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cm-r-011", "cm-r-021", "cm-r-031"} {
		c, err := st.CustomerByAccount(ctx, res.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveCustomerNotes(ctx, res.ID, c.ID, store.CustomerNotes{Notes: "touched"}, store.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
	}
	return st, dist, res, other
}

// cmAll pages through a list (page size limit) and returns every customer in order and the
// number of pages.
func cmAll(t *testing.T, st *store.Store, partnerID int64, f store.CustomerFilter, limit int) ([]store.Customer, int) {
	t.Helper()
	f.Limit = limit
	var out []store.Customer
	seen := map[string]bool{}
	for pages := 1; ; pages++ {
		page, err := st.Customers(context.Background(), partnerID, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Customers {
			if seen[c.ZoomAccountID] {
				t.Fatalf("%+v: %s on two pages", f, c.ZoomAccountID)
			}
			seen[c.ZoomAccountID] = true
			out = append(out, c)
		}
		if page.Next == "" {
			return out, pages
		}
		if pages > 50 {
			t.Fatalf("%+v: the pages do not end", f)
		}
		f.After = page.Next
	}
}

func cmIDs(cs []store.Customer) []string {
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ZoomAccountID)
	}
	return ids
}

// cmRange is ids cm-<tag>-from..to, without those skip says to leave out.
func cmRange(tag string, from, to int, skip func(int) bool) []string {
	var ids []string
	for i := from; i <= to; i++ {
		if skip == nil || !skip(i) {
			ids = append(ids, fmt.Sprintf("cm-%s-%03d", tag, i))
		}
	}
	return ids
}

func cmSorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// A search finds customers by account id and by owner email (whole or in part, in any case),
// only in reach, and every word must match.
func TestCmCustomerSearchFindsAccountIDAndOwnerEmail(t *testing.T) {
	t.Parallel()
	st, dist, res, other := cmTiers(t)
	gone := func(i int) bool { return i%5 == 0 }
	for _, c := range []struct {
		who  store.Partner
		f    store.CustomerFilter
		want []string
	}{
		{dist, store.CustomerFilter{Query: "cm-r-042"}, []string{"cm-r-042"}},
		{res, store.CustomerFilter{Query: "CM-R-042"}, []string{"cm-r-042"}},
		{dist, store.CustomerFilter{Query: "keeper-042@quokka-r.example"}, []string{"cm-r-042"}},
		{res, store.CustomerFilter{Query: "Keeper-042@Quokka-R.Example"}, []string{"cm-r-042"}},
		{dist, store.CustomerFilter{Query: "keeper-04"}, append(cmRange("d", 40, 49, func(i int) bool { return i%7 == 0 }), cmRange("r", 40, 49, gone)...)},
		{dist, store.CustomerFilter{Query: "keeper-04", AllStatus: true}, append(cmRange("d", 40, 49, nil), cmRange("r", 40, 49, nil)...)},
		{dist, store.CustomerFilter{Query: "quokka-r.example cm-r-07"}, cmRange("r", 70, 79, gone)},
	} {
		got, _ := cmAll(t, st, c.who.ID, c.f, 50)
		if ids := cmSorted(cmIDs(got)); !slices.Equal(ids, cmSorted(c.want)) {
			t.Errorf("%s searching %+v: %v, want %v", c.who.Name, c.f, ids, cmSorted(c.want))
		}
	}
	// Customers out of reach (or outside the partner filter) are not found: at most near
	// misses among those in reach are offered, marked as such.
	for _, c := range []struct {
		who     store.Partner
		f       store.CustomerFilter
		outside string
	}{
		{dist, store.CustomerFilter{Query: "cm-d-01", PartnerID: res.ID}, "cm-d-"},
		{other, store.CustomerFilter{Query: "cm-r-042"}, "cm-"},
		{res, store.CustomerFilter{Query: "keeper-042@quokka-d.example"}, "cm-d-"},
	} {
		page, err := st.Customers(context.Background(), c.who.ID, c.f)
		if err != nil {
			t.Fatal(err)
		}
		for _, cu := range page.Customers {
			if strings.HasPrefix(cu.ZoomAccountID, c.outside) || !page.Fuzzy {
				t.Errorf("%s searching %+v found %s (near miss: %v)", c.who.Name, c.f, cu.ZoomAccountID, page.Fuzzy)
			}
		}
	}
	// An exact hit is not a near miss.
	page, err := st.Customers(context.Background(), dist.ID, store.CustomerFilter{Query: "cm-r-042"})
	if err != nil || page.Fuzzy {
		t.Fatalf("exact search: %v, fuzzy %v", err, page.Fuzzy)
	}
}

// The status filter selects exactly one status; no status means every status but gone and
// disassociated; AllStatus means every one.
func TestCmCustomerStatusFilter(t *testing.T) {
	t.Parallel()
	st, dist, res, _ := cmTiers(t)
	threeTierIDs := []string{"acct-res", "c-d1", "c-r1", "c-r2"}
	current := append(append(slices.Clone(threeTierIDs), cmRange("r", 0, 129, func(i int) bool { return i%5 == 0 })...), cmRange("d", 0, 69, func(i int) bool { return i%7 == 0 })...)
	every := append(append(slices.Clone(threeTierIDs), cmRange("r", 0, 129, nil)...), cmRange("d", 0, 69, nil)...)
	for _, c := range []struct {
		who  store.Partner
		f    store.CustomerFilter
		want []string
	}{
		{dist, store.CustomerFilter{Status: store.CustomerGone}, cmRange("r", 0, 129, func(i int) bool { return i%5 != 0 })},
		{dist, store.CustomerFilter{Status: store.CustomerDisassociated}, cmRange("d", 0, 69, func(i int) bool { return i%7 != 0 })},
		{dist, store.CustomerFilter{Status: store.CustomerDisassociated, PartnerID: res.ID}, nil},
		{dist, store.CustomerFilter{Status: store.CustomerPending}, nil},
		{dist, store.CustomerFilter{}, current},
		{dist, store.CustomerFilter{AllStatus: true}, every},
		{res, store.CustomerFilter{Status: store.CustomerActive}, append([]string{"c-r1", "c-r2"}, cmRange("r", 0, 129, func(i int) bool { return i%5 == 0 })...)},
		{dist, store.CustomerFilter{Status: store.CustomerGone, Query: "keeper-1"}, cmRange("r", 100, 129, func(i int) bool { return i%5 != 0 })},
	} {
		got, _ := cmAll(t, st, c.who.ID, c.f, 40)
		for _, cu := range got {
			if c.f.Status != "" && cu.Status != c.f.Status {
				t.Fatalf("%+v: %s is %s", c.f, cu.ZoomAccountID, cu.Status)
			}
		}
		if ids := cmSorted(cmIDs(got)); !slices.Equal(ids, cmSorted(c.want)) {
			t.Errorf("%s with %+v: %d customers, want %d: %v", c.who.Name, c.f, len(ids), len(c.want), ids)
		}
	}
}

// Every sort order holds across pages: name A to Z ignoring case, newest in Zoom first (no
// creation time last), most recently changed first, most seats first; ties by id.
func TestCmCustomerSortOrders(t *testing.T) {
	t.Parallel()
	st, dist, _, _ := cmTiers(t)
	epoch := time.Unix(0, 0)
	created := func(c store.Customer) time.Time {
		if c.ZoomCreatedAt == nil {
			return epoch
		}
		return *c.ZoomCreatedAt
	}
	// before reports whether a may come before b in the order (ties broken by id, ascending
	// for name, descending otherwise).
	orders := map[store.CustomerSort]func(a, b store.Customer) bool{
		store.SortName: func(a, b store.Customer) bool {
			x, y := strings.ToLower(a.AccountName), strings.ToLower(b.AccountName)
			return x < y || (x == y && a.ID < b.ID)
		},
		store.SortNewest: func(a, b store.Customer) bool {
			return created(a).After(created(b)) || (created(a).Equal(created(b)) && a.ID > b.ID)
		},
		store.SortUpdated: func(a, b store.Customer) bool {
			return a.UpdatedAt.After(b.UpdatedAt) || (a.UpdatedAt.Equal(b.UpdatedAt) && a.ID > b.ID)
		},
		store.SortSeats: func(a, b store.Customer) bool { return a.Seats > b.Seats || (a.Seats == b.Seats && a.ID > b.ID) },
	}
	for _, sort := range []store.CustomerSort{"", store.SortName, store.SortNewest, store.SortUpdated, store.SortSeats} {
		got, pages := cmAll(t, st, dist.ID, store.CustomerFilter{Sort: sort}, 25)
		if len(got) != 168 || pages != 7 {
			t.Fatalf("sort %q: %d customers on %d pages, want 168 on 7", sort, len(got), pages)
		}
		before := orders[sort]
		if sort == "" {
			before = orders[store.SortName]
		}
		for i := 1; i < len(got); i++ {
			if !before(got[i-1], got[i]) {
				t.Fatalf("sort %q: %s (%q, created %v, updated %v, seats %d) before %s (%q, created %v, updated %v, seats %d)", sort,
					got[i-1].ZoomAccountID, got[i-1].AccountName, got[i-1].ZoomCreatedAt, got[i-1].UpdatedAt, got[i-1].Seats,
					got[i].ZoomAccountID, got[i].AccountName, got[i].ZoomCreatedAt, got[i].UpdatedAt, got[i].Seats)
			}
		}
		switch sort {
		case store.SortUpdated:
			if ids := cmIDs(got[:3]); !slices.Equal(ids, []string{"cm-r-031", "cm-r-021", "cm-r-011"}) {
				t.Errorf("most recently changed first: %v", ids)
			}
		case store.SortNewest:
			if last := got[len(got)-1]; last.ZoomCreatedAt != nil {
				t.Errorf("newest: %s with a creation time is last", last.ZoomAccountID)
			}
		case store.SortName, "":
			if got[0].AccountName != "D1" {
				t.Errorf("by name: %q first", got[0].AccountName)
			}
		}
	}
}

// The export of a filter is exactly the customers its list shows over all its pages, in the
// same order: search, status, partner, sort, and a typo search (near misses, as the list
// then shows them).
func TestCmCustomerExportIsExactlyTheListsPages(t *testing.T) {
	t.Parallel()
	st, dist, res, _ := cmTiers(t)
	ctx := context.Background()
	for _, f := range []store.CustomerFilter{
		{Query: "quokka", Status: store.CustomerGone},
		{Query: "quokka", PartnerID: res.ID},
		{Query: "quokka", PartnerID: dist.ID, Sort: store.SortNewest},
		{Query: "keeper", Sort: store.SortUpdated},
		{Status: store.CustomerActive, Sort: store.SortSeats},
		{Query: "quoka"}, // a typo
		{AllStatus: true, Sort: store.SortNewest, PartnerID: res.ID},
	} {
		first, err := st.Customers(ctx, dist.ID, store.CustomerFilter{Query: f.Query, Status: f.Status, PartnerID: f.PartnerID, AllStatus: f.AllStatus, Sort: f.Sort, Limit: 25})
		if err != nil {
			t.Fatal(err)
		}
		list, pages := cmAll(t, st, dist.ID, f, 25)
		if pages < 2 {
			t.Fatalf("%+v: %d customers on one page; the test wants several", f, len(list))
		}
		// The portal exports a list of near misses as near misses (fuzzy=1 in its export link).
		ef := f
		ef.Fuzzy = first.Fuzzy
		ef.Limit, ef.After = 3, "ignored"
		var exported []string
		err = st.ExportCustomers(ctx, dist.ID, ef, func(c store.Customer) error {
			exported = append(exported, c.ZoomAccountID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if ids := cmIDs(list); !slices.Equal(exported, ids) {
			t.Errorf("%+v: the export (%d) is not the list (%d):\nlist   %v\nexport %v", f, len(exported), len(ids), ids, exported)
		}
	}
}
