package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// A step belongs to the River job recorded as its owner: another job for it does nothing. A
// queued step whose job never started (lost, or given up on) and a running step whose worker
// stopped renewing its lease are queued again once the lease runs out, and only then.
func TestOnboardingStepsHaveOneOwnerAndStalledOnesAreQueuedAgain(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, staff := registerPartner(t, st, "acct-onb", "owner@onb.example")
	d, err := st.CreateOnboardingDraft(ctx, p.ID, staff.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := int64(100)
	enqueue := func(context.Context, pgx.Tx, store.OnboardingStep) (int64, error) { next++; return next, nil }
	steps := []store.StepSpec{{Kind: "create_account", Subject: "owner@new.example"}, {Kind: "set_options"}}
	if _, err := st.StartOnboarding(ctx, p.ID, d.ID, staff.ID, steps, store.AuditEvent{}, enqueue); err != nil {
		t.Fatal(err)
	}
	first := next // the River job that owns step 1
	super := storetest.Superuser(t, st)
	expire := func() {
		t.Helper()
		if _, err := super.Exec(ctx, "UPDATE onboarding_steps SET lease_until = now() - interval '1 second' WHERE lease_until IS NOT NULL"); err != nil {
			t.Fatal(err)
		}
	}
	if taken, err := st.TakeOverStalledSteps(ctx, enqueue); err != nil || len(taken) != 0 {
		t.Fatalf("taken over within the claim window: %v %v", taken, err)
	}
	// The queued job is lost: the step is queued again, under a new owner.
	expire()
	taken, err := st.TakeOverStalledSteps(ctx, enqueue)
	if err != nil || len(taken) != 1 || taken[0].Seq != 1 {
		t.Fatalf("a lost queued step: %v %v", taken, err)
	}
	if _, _, err := st.BeginStep(ctx, p.ID, d.ID, 1, first); !errors.Is(err, store.ErrStepDone) {
		t.Fatalf("the old job began the step: %v", err)
	}
	_, s1, err := st.BeginStep(ctx, p.ID, d.ID, 1, next)
	if err != nil || s1.Status != store.StepRunning || s1.Attempts != 1 {
		t.Fatalf("the new owner: %+v %v", s1, err)
	}
	// Its worker dies mid-step: taken over again, and the next attempt counts as a repeat.
	expire()
	if taken, err := st.TakeOverStalledSteps(ctx, enqueue); err != nil || len(taken) != 1 {
		t.Fatalf("a stalled running step: %v %v", taken, err)
	}
	if _, s1, err = st.BeginStep(ctx, p.ID, d.ID, 1, next); err != nil || s1.Attempts != 2 {
		t.Fatalf("the third owner: %+v %v", s1, err)
	}
	// Step 2 is not queued yet: nothing to take over there.
	var leased int
	if err := super.QueryRow(ctx, "SELECT count(*) FROM onboarding_steps WHERE seq = 2 AND lease_until IS NOT NULL").Scan(&leased); err != nil || leased != 0 {
		t.Fatalf("a step not yet due has a lease (%d): %v", leased, err)
	}
	// A malformed id names nothing.
	if _, err := st.OnboardingByID(ctx, p.ID, "not-a-uuid"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("malformed id: %v", err)
	}
}
