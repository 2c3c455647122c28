package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// A partner's seat snapshot counts its own customers whose directory was read (active and
// invited licensed users); the partner above reads it, a sibling does not, and nobody writes
// another partner's.
func TestSeatSnapshotsFollowTheTiers(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, other := threeTiers(t, st)
	c, err := st.CustomerByAccount(ctx, res.ID, "c-r1")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	users := []store.DirUser{{Email: "a@r1.example", Type: 2, Status: "active"}, {Email: "b@r1.example", Type: 2, Status: "pending"},
		{Email: "c@r1.example", Type: 2, Status: "inactive"}, {Email: "d@r1.example", Type: 1, Status: "active"}}
	if _, _, err := st.ReplaceCustomerUsers(ctx, res.ID, c.ID, users, now); err != nil {
		t.Fatal(err)
	}
	if n, err := st.SnapshotSeats(ctx, dist.ID, now); err != nil || n != 0 {
		t.Fatalf("the distributor's snapshot wrote %d rows (%v): its own customers' directories were never read", n, err)
	}
	if n, err := st.SnapshotSeats(ctx, res.ID, now); err != nil || n != 1 {
		t.Fatalf("the reseller's snapshot: %d rows, %v", n, err)
	}
	for _, tc := range []struct {
		who  store.Partner
		want int
	}{{res, 1}, {dist, 1}, {other, 0}} {
		points, err := st.SeatHistory(ctx, tc.who.ID, c.ID, now.AddDate(0, 0, -1))
		if err != nil {
			t.Fatal(err)
		}
		if len(points) != tc.want {
			t.Fatalf("%s reads %d snapshots of the reseller's customer, want %d", tc.who.Name, len(points), tc.want)
		}
		if tc.want == 1 && points[0].Used != 2 {
			t.Fatalf("seats used: %d, want 2 (one active and one invited licensed user)", points[0].Used)
		}
	}
	used, err := st.SeatsUsedByPartner(ctx, dist.ID)
	if err != nil || used[res.ID] != 2 || len(used) != 1 {
		t.Fatalf("the distributor's roll-up: %v %v", used, err)
	}
}
