package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// A sync that moves a registered partner below the syncing one, or finds a gone customer
// again, records it (seen from Zoom) with the sync's job.
func TestSyncAuditsMovedPartnersAndReturningCustomers(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, _ := threeTiers(t, st) // the distributor's sync found the reseller's account
	evs, err := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: "partner.parent"})
	if err != nil || len(evs.Events) != 1 || evs.Events[0].TargetLabel != res.Name || !evs.Events[0].External {
		t.Fatalf("partner.parent: %+v %v", evs.Events, err)
	}
	start := time.Now()
	gone, err := st.MarkGoneCustomers(ctx, dist.ID, start.Add(time.Hour), "")
	if err != nil || len(gone) == 0 {
		t.Fatalf("mark gone: %d %v", len(gone), err)
	}
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, []store.SyncedCustomer{{ZoomAccountID: gone[0].ZoomAccountID, AccountName: gone[0].AccountName}}, start, ""); err != nil {
		t.Fatal(err)
	}
	goneEvs, _ := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: "customer.gone"})
	back, _ := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: "customer.back"})
	if len(goneEvs.Events) != len(gone) || len(back.Events) != 1 || back.Events[0].CustomerID != gone[0].ZoomAccountID {
		t.Fatalf("%d gone events for %d gone, back events %+v", len(goneEvs.Events), len(gone), back.Events)
	}
}
