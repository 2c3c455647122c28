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
	// The next sync, whose listing begins after the one above marked it gone, finds it again.
	next, err := st.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, []store.SyncedCustomer{{ZoomAccountID: gone[0].ZoomAccountID, AccountName: gone[0].AccountName}}, next, ""); err != nil {
		t.Fatal(err)
	}
	goneEvs, err := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: "customer.gone"})
	if err != nil {
		t.Fatal(err)
	}
	back, err := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: "customer.back"})
	if err != nil {
		t.Fatal(err)
	}
	if len(goneEvs.Events) != len(gone) || len(back.Events) != 1 || back.Events[0].CustomerID != gone[0].ZoomAccountID {
		t.Fatalf("%d gone events for %d gone, back events %+v", len(goneEvs.Events), len(gone), back.Events)
	}
}

// A sync whose listing began before a change Tierdesk recorded (an owner change Zoom accepted
// while the sync ran) does not put the listing's older values back, nor takes the customer
// for gone: it only marks it seen. The next sync's listing, begun after the change, applies.
func TestSyncKeepsChangesMadeWhileItListed(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, _, _ := threeTiers(t, st)
	c, err := st.CustomerByAccount(ctx, dist.ID, "c-d1")
	if err != nil {
		t.Fatal(err)
	}
	listed, err := st.Now(ctx) // the sync's listing begins, and reads the old owner
	if err != nil {
		t.Fatal(err)
	}
	owner := "new-owner@d1.example"
	if _, err := st.RecordCustomerChange(ctx, dist.ID, c.ID, store.CustomerUpdate{OwnerEmail: &owner},
		store.AuditEvent{Action: "customer.owner"}); err != nil {
		t.Fatal(err)
	}
	old := []store.SyncedCustomer{{ZoomAccountID: "c-d1", AccountName: "D1", OwnerEmail: "old-owner@d1.example"}, {ZoomAccountID: "acct-res", AccountName: "Reseller"}}
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, old, listed, ""); err != nil {
		t.Fatal(err)
	}
	gone, err := st.MarkGoneCustomers(ctx, dist.ID, listed, "")
	if err != nil || len(gone) != 0 {
		t.Fatalf("gone after the sync: %+v %v", gone, err)
	}
	got, err := st.CustomerByAccount(ctx, dist.ID, "c-d1")
	if err != nil {
		t.Fatal(err)
	}
	if got.OwnerEmail != owner || got.Status != store.CustomerActive || got.SyncedAt == nil || got.SyncedAt.Before(listed) {
		t.Fatalf("after a sync that listed before the change: owner %q, status %s, synced %v (listing began %v)", got.OwnerEmail, got.Status, got.SyncedAt, listed)
	}
	// The next sync lists after the change: Zoom's values are the cache's again.
	next, err := st.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, old, next, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := st.CustomerByAccount(ctx, dist.ID, "c-d1"); err != nil || got.OwnerEmail != "old-owner@d1.example" {
		t.Fatalf("after the next sync: owner %q, %v", got.OwnerEmail, err)
	}
}
