package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/store"
)

// DelegationSweepEvery is how often delegations that ended by time are recorded: an expired
// delegation reaches nothing from its end on whatever the sweep (the policy and row-level
// security both check its end), so the sweep only records it, in both partners' logs.
const DelegationSweepEvery = time.Minute

// SweepDelegationsArgs records the delegations that expired and the requests that lapsed.
type SweepDelegationsArgs struct{}

// Kind names the job for River.
func (SweepDelegationsArgs) Kind() string { return "sweep_delegations" }

// InsertOpts keeps one sweep queued or running at a time (a second would find nothing).
func (SweepDelegationsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// SweepDelegationsWorker runs SweepDelegationsArgs.
type SweepDelegationsWorker struct {
	river.WorkerDefaults[SweepDelegationsArgs]
	Store *store.Store
	Log   *slog.Logger
	// Now is the clock the sweep judges ends by (time.Now when nil).
	Now func() time.Time
	// Swept, when set, is told of each delegation the sweep recorded (notifications).
	Swept func(ctx context.Context, d store.Delegation)
}

// delegationKinds are the notifications of a delegation's states.
var delegationKinds = map[string]string{
	store.DelegationPending: NotifyDelegationRequested, store.DelegationActive: NotifyDelegationApproved,
	store.DelegationDeclined: NotifyDelegationDeclined, store.DelegationEnded: NotifyDelegationEnded,
	store.DelegationExpired: NotifyDelegationExpired, store.DelegationLapsed: NotifyDelegationLapsed,
}

// NotifyDelegation tells both partners of d (their outgoing webhooks, each if it takes the
// kind) that d is now in its recorded state: asked for, approved, declined, ended, expired or
// lapsed. Call it after the change committed. Both are tried; the first error is returned.
func NotifyDelegation(ctx context.Context, st *store.Store, rc *River, d store.Delegation) error {
	kind, ok := delegationKinds[d.Status]
	if !ok {
		return fmt.Errorf("notify delegation %d: no notification for status %q", d.ID, d.Status)
	}
	accounts := make([]string, len(d.Customers))
	for i, c := range d.Customers {
		accounts[i] = c.Name
	}
	payload := map[string]any{"delegation_id": d.ID, "owner": d.OwnerName, "delegate": d.DelegateName, "role": string(d.Role),
		"status": d.Status, "customers": accounts, "reason": d.Reason, "path": paths.Delegation(d.ID),
		"asked_by": d.RequestedBy, "duration_hours": int64(d.Duration / time.Hour)}
	if d.ExpiresAt != nil {
		payload["until"] = d.ExpiresAt.UTC().Format(time.RFC3339)
	}
	var first error
	for _, p := range []int64{d.OwnerPartnerID, d.DelegatePartnerID} {
		if err := Notify(ctx, st, rc, p, kind, payload); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Work records, in both partners' logs, each delegation that expired and each request that
// lapsed by now.
func (w *SweepDelegationsWorker) Work(ctx context.Context, _ *river.Job[SweepDelegationsArgs]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	ds, err := w.Store.SweepDelegations(ctx, now)
	for _, d := range ds {
		w.Log.LogAttrs(ctx, slog.LevelInfo, "delegation "+d.Status, slog.Int64("delegation", d.ID),
			slog.Int64("owner", d.OwnerPartnerID), slog.Int64("delegate", d.DelegatePartnerID))
		if w.Swept != nil {
			w.Swept(ctx, d)
		}
	}
	return err
}
