package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// The database itself checks a delegation: a transaction acting as the delegate under an active
// delegation reaches the owner's covered customers (reads and writes) and nothing else of
// theirs; once the delegation ends or its time is up (by the database's clock, whatever the
// status says), or when another partner names it, the same transaction reaches nothing. Events
// recorded under it are in both partners' logs.
func TestDelegationIsCheckedByRowLevelSecurity(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, other := threeTiers(t, st)
	r1, r2 := customerNamed(t, st, res.ID, "c-r1"), customerNamed(t, st, res.ID, "c-r2")

	ask := store.DelegationRequest{Side: store.SideDelegate, OwnerPartnerID: res.ID, DelegatePartnerID: dist.ID, Email: "owner@dist.example",
		Role: store.RoleSupport, Duration: 24 * time.Hour, Reason: "help", Accounts: []string{"c-r1"}}
	// Only the partner directly above may be the delegate, and only the owner's customers.
	bad := ask
	bad.DelegatePartnerID = other.ID
	var ve *store.ValidationError
	if _, err := st.RequestDelegation(ctx, bad, store.AuditEvent{}); !errors.As(err, &ve) || ve.Fields["partner"] == "" {
		t.Errorf("a delegation to a partner not above: %v", err)
	}
	bad = ask
	bad.Accounts = []string{"c-o1"}
	if _, err := st.RequestDelegation(ctx, bad, store.AuditEvent{}); !errors.As(err, &ve) || ve.Fields["customers"] == "" {
		t.Errorf("a delegation over another partner's customer: %v", err)
	}

	d, err := st.RequestDelegation(ctx, ask, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AnswerDelegation(ctx, res.ID, d.ID, true, "owner@res.example", time.Now(), store.AuditEvent{}); !errors.Is(err, store.ErrNoS2SForDelegation) {
		t.Fatalf("approval without the owner's app: %v", err)
	}
	if _, err := st.SaveS2SGrant(ctx, res.ID, "acct-res", "cid", "secret", store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if d, err = st.AnswerDelegation(ctx, res.ID, d.ID, true, "owner@res.example", time.Now(), store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	under := func(delegate int64) context.Context {
		return store.WithDelegation(ctx, &store.ActiveDelegation{ID: d.ID, OwnerPartnerID: res.ID, DelegatePartnerID: delegate,
			Role: store.RoleSupport, ExpiresAt: *d.ExpiresAt, CustomerIDs: []int64{r1.ID}, Accounts: []string{"c-r1"}, StaffEmail: "support@dist.example"})
	}
	reaches := func(ctx context.Context, c store.Customer) bool {
		t.Helper()
		_, err := st.CustomerByAccount(ctx, res.ID, c.ZoomAccountID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	dctx := under(dist.ID)
	if !reaches(dctx, r1) || reaches(dctx, r2) {
		t.Errorf("under the active delegation: reaches r1 %v (want true), r2 %v (want false)", reaches(dctx, r1), reaches(dctx, r2))
	}
	if _, err := st.SetCustomerTags(dctx, res.ID, r1.ID, []string{"helped"}, store.AuditEvent{Action: "customer.tags", StaffEmail: "support@dist.example"}); err != nil {
		t.Errorf("a write of a covered customer under the delegation: %v", err)
	}
	if _, err := st.SetCustomerTags(dctx, res.ID, r2.ID, []string{"helped"}, store.AuditEvent{}); err == nil {
		t.Error("a write of a customer the delegation does not cover succeeded")
	}
	for _, p := range []int64{res.ID, dist.ID} {
		page, err := st.AuditEvents(ctx, p, store.AuditFilter{Action: "customer.tags", Limit: 10})
		if err != nil || len(page.Events) != 1 {
			t.Errorf("partner %d: %d customer.tags events (%v), want 1 in each log", p, len(page.Events), err)
		}
	}
	// Another partner naming the delegation reaches nothing.
	if reaches(under(other.ID), r1) {
		t.Error("another partner reached the owner's customer by naming the delegation")
	}

	// The database's clock: an active delegation past its end reaches nothing.
	super := storetest.Superuser(t, st)
	if _, err := super.Exec(ctx, "UPDATE delegations SET expires_at = now() - interval '1 second' WHERE id = $1", d.ID); err != nil {
		t.Fatal(err)
	}
	if reaches(dctx, r1) {
		t.Error("a delegation past its end (status still active) reached the customer")
	}
	if _, err := super.Exec(ctx, "UPDATE delegations SET expires_at = now() + interval '1 hour' WHERE id = $1", d.ID); err != nil {
		t.Fatal(err)
	}
	if !reaches(dctx, r1) {
		t.Fatal("the delegation given back its time does not reach the customer")
	}
	if _, err := st.EndDelegation(ctx, dist.ID, d.ID, "owner@dist.example", time.Now(), store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if reaches(dctx, r1) {
		t.Error("an ended delegation reached the customer")
	}
	// Raw: the app role, acting as the delegate under the ended delegation, sees no customer.
	var n int
	err = pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), set_config('tierdesk.delegation', $2, true)",
			strconv.FormatInt(dist.ID, 10), strconv.FormatInt(d.ID, 10)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT count(*) FROM customers").Scan(&n)
	})
	if err != nil || n != 0 {
		t.Errorf("customers seen under an ended delegation: %d (%v)", n, err)
	}
	for _, p := range []int64{res.ID, dist.ID} {
		for _, action := range []string{"delegation.request", "delegation.approve", "delegation.end"} {
			page, err := st.AuditEvents(ctx, p, store.AuditFilter{Action: action, Limit: 10})
			if err != nil || len(page.Events) != 1 {
				t.Errorf("partner %d: %d %s events (%v), want 1", p, len(page.Events), action, err)
			}
		}
	}
}
