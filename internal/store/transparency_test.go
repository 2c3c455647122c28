package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// TestCustomerEventsAreTheCustomersOnly: the reseller's log holds events about its two
// customers, its own records and a refusal; a customer's read finds the account (directory,
// then the reseller's row, with the distributor above), returns only its own changes, changes
// seen from Zoom and delegation events naming it, and the scope it reads under is a wall of its
// own: asked (as by a bug) for the other customer's account under this customer's scope, the
// database returns nothing.
func TestCustomerEventsAreTheCustomersOnly(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, _ := threeTiers(t, st)
	acct, err := st.CustomerOfAccount(ctx, "c-r1")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Partner().ID != res.ID || len(acct.Chain) != 2 || acct.Chain[1].ID != dist.ID || acct.Customer.ZoomAccountID != "c-r1" {
		t.Fatalf("the account: %+v", acct)
	}
	if _, err := st.CustomerOfAccount(ctx, "acct-nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an account no partner has: %v", err)
	}
	r1, r2 := acct.Customer, customerNamed(t, st, res.ID, "c-r2")
	add := func(ev store.AuditEvent) int64 {
		t.Helper()
		ev.PartnerID = res.ID
		if ev.Outcome == "" {
			ev.Outcome = store.OutcomeSucceeded
		}
		out, err := st.Audit(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return out.ID
	}
	deleg := func(accounts ...string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"delegation": map[string]any{"customers": accounts, "delegate": "Dist", "role": "support"}})
		return b
	}
	want := []int64{
		add(store.AuditEvent{Action: audit.UserUpdate, CustomerID: "c-r1", TargetType: "user", TargetLabel: "a@r1.example"}),
		add(store.AuditEvent{Action: audit.CustomerUpdate, CustomerID: "c-r1", External: true}),
		add(store.AuditEvent{Action: audit.CustomerSettings, CustomerID: "c-r1", Outcome: store.OutcomeFailed, ZoomCode: 300}),
		add(store.AuditEvent{Action: audit.DelegationApprove, Details: deleg("c-r2", "c-r1")}),
	}
	for _, ev := range []store.AuditEvent{
		{Action: audit.UserUpdate, CustomerID: "c-r2"},                                    // the other customer
		{Action: audit.CustomerNotes, CustomerID: "c-r1"},                                 // the partner's own record
		{Action: audit.CustomerTags, CustomerID: "c-r1"},                                  // the partner's own record
		{Action: audit.UserUpdate, CustomerID: "c-r1", Outcome: store.OutcomeDenied},      // a refusal
		{Action: audit.PermManageUsers, CustomerID: "c-r1", Outcome: store.OutcomeDenied}, // a refusal
		{Action: audit.DelegationRequest, Details: deleg("c-r2")},                         // another customer's delegation
		{Action: audit.StaffInvite},                                                       // about no customer
	} {
		add(ev)
	}
	slices.Reverse(want)
	ids := func(evs []store.AuditEvent) []int64 {
		var out []int64
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	got, err := st.CustomerEvents(ctx, res.ID, r1, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got), want) {
		t.Fatalf("events of c-r1: %v, want %v", ids(got), want)
	}
	// Paged by id.
	if got, err := st.CustomerEvents(ctx, res.ID, r1, want[1], 100); err != nil || !slices.Equal(ids(got), want[2:]) {
		t.Errorf("older than %d: %v %v", want[1], ids(got), err)
	}
	// The second wall: under r1's scope, asked for r2's account, the database lets through no
	// event about r2 (only those about no customer, the delegations' events, reach the query).
	mixed := r1
	mixed.ZoomAccountID = r2.ZoomAccountID
	got, err = st.CustomerEvents(ctx, res.ID, mixed, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got {
		if e.CustomerID != "" {
			t.Errorf("under r1's scope the database let through event %d about %s", e.ID, e.CustomerID)
		}
	}
	if len(got) != 2 {
		t.Errorf("under r1's scope, asked for r2: %d events, want the 2 delegation events naming r2", len(got))
	}
	// Another partner's log holds nothing of it.
	if got, err := st.CustomerEvents(ctx, dist.ID, r1, 0, 100); err != nil || len(got) != 0 {
		t.Errorf("r1's events in the distributor's log: %v %v", ids(got), err)
	}
}
