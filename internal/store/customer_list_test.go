package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

func TestCustomerListPagesThroughEveryOrderOnce(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, _ := threeTiers(t, st)
	var batch []store.SyncedCustomer
	for i := 0; i < 130; i++ {
		created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%40) * 24 * time.Hour)
		batch = append(batch, store.SyncedCustomer{ZoomAccountID: fmt.Sprintf("c-%03d", i), AccountName: fmt.Sprintf("Harbor %d", i%17),
			OwnerEmail: fmt.Sprintf("o%d@harbor.example", i), Seats: i % 9, ZoomCreatedAt: &created})
	}
	if _, err := st.SaveSyncedCustomers(ctx, res.ID, batch, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	// The distributor's reach: its 2, the reseller's 2 + 130.
	for _, f := range []store.CustomerFilter{{}, {Sort: store.SortNewest}, {Sort: store.SortSeats}, {Sort: store.SortUpdated}, {Query: "harbr"}} {
		seen := map[string]bool{}
		var prev *store.Customer
		f.Limit = 50
		for pages := 0; ; pages++ {
			page, err := st.Customers(ctx, dist.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			for i := range page.Customers {
				c := page.Customers[i]
				if seen[c.ZoomAccountID] {
					t.Fatalf("%+v: %s on two pages", f, c.ZoomAccountID)
				}
				seen[c.ZoomAccountID] = true
				if prev != nil && f.Sort == store.SortSeats && c.Seats > prev.Seats {
					t.Fatalf("seats out of order: %d after %d", c.Seats, prev.Seats)
				}
				prev = &c
			}
			if page.Next == "" {
				break
			}
			if pages > 10 {
				t.Fatal("the pages do not end")
			}
			f.After = page.Next
		}
		want := 134
		if f.Query != "" {
			want = 130
		}
		if len(seen) != want {
			t.Errorf("%+v: %d customers seen, want %d", f, len(seen), want)
		}
	}
}
