package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// OnboardingKind is the jobs.kind of onboarding sagas.
const OnboardingKind = "onboarding"

// OnboardingStepArgs runs one step of an onboarding saga. Key is the step's idempotency key;
// a step runs only from pending (or, after an interruption, running) in the database, so a
// job queued twice does it once.
type OnboardingStepArgs struct {
	PartnerID    int64  `json:"partner_id"`
	OnboardingID string `json:"onboarding_id"`
	Seq          int    `json:"seq"`
	Key          string `json:"key"`
}

// Kind names the job for River.
func (OnboardingStepArgs) Kind() string { return "onboarding_step" }

// InsertOpts retries a step a few times on transient trouble (Zoom unreachable); a refusal
// by Zoom stops the saga instead, for a person to decide.
func (OnboardingStepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5}
}

// StepEnqueuer queues onboarding steps with River client rc (the transaction is the one
// that made the step due).
func StepEnqueuer(rc *river.Client[pgx.Tx]) store.StepEnqueuer {
	return func(ctx context.Context, tx pgx.Tx, st store.OnboardingStep) (int64, error) {
		return insert(ctx, rc, tx, OnboardingStepArgs{PartnerID: st.PartnerID, OnboardingID: st.OnboardingID, Seq: st.Seq, Key: st.IdempotencyKey})
	}
}

// takeOverStalledSteps hands every onboarding step whose worker died (its lease ran out) to
// a new River job; the watchdog calls it.
func takeOverStalledSteps(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], log *slog.Logger) error {
	taken, err := st.TakeOverStalledSteps(ctx, StepEnqueuer(rc))
	for _, s := range taken {
		log.LogAttrs(ctx, slog.LevelWarn, "onboarding step resumed after its worker stopped", slog.String("onboarding", s.OnboardingID),
			slog.Int("step", s.Seq), slog.Int64("partner_id", s.PartnerID))
	}
	return err
}

// OnboardingWorker runs OnboardingStepArgs.
type OnboardingWorker struct {
	river.WorkerDefaults[OnboardingStepArgs]
	Store *store.Store
	Svc   *service.Service
	River func() *river.Client[pgx.Tx]
	Log   *slog.Logger
}

// NextRetry spaces River's attempts of a step that met transient trouble (Zoom unreachable,
// busy or failing): 1, 2, 4 and 8 seconds, so that a blip heals by itself and an outage stops
// the saga within a quarter of a minute, for a person to retry.
func (w *OnboardingWorker) NextRetry(job *river.Job[OnboardingStepArgs]) time.Time {
	return time.Now().Add(time.Second << min(job.Attempt-1, 4))
}

// Timeout bounds one step.
func (w *OnboardingWorker) Timeout(*river.Job[OnboardingStepArgs]) time.Duration {
	return 2 * time.Minute
}

// Work runs the step: it finds out first whether an earlier, interrupted attempt already did
// it (so nothing is done twice), does it, and records the outcome, which moves the saga on.
func (w *OnboardingWorker) Work(ctx context.Context, job *river.Job[OnboardingStepArgs]) error {
	a := job.Args
	o, st, err := w.Store.BeginStep(ctx, a.PartnerID, a.OnboardingID, a.Seq, job.ID)
	if errors.Is(err, store.ErrStepDone) || errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	// The lease is renewed while the step runs; losing it (the watchdog gave the step to
	// another job, which only happens when renewals failed) stops this attempt.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(store.StepLease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ok, err := w.Store.HoldStep(ctx, a.PartnerID, a.OnboardingID, a.Seq, job.ID, store.StepLease); err == nil && !ok {
					cancel()
					return
				}
			}
		}
	}()
	ev := store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)}
	if o.JobID != nil {
		ev.JobID = *o.JobID
	}
	var preferred int64
	if o.CreatedBy != nil {
		ev.StaffID, preferred = o.CreatedBy, *o.CreatedBy
		if s, err := w.Store.StaffByID(ctx, a.PartnerID, *o.CreatedBy); err == nil {
			ev.StaffEmail = s.Email
		}
	}
	var out store.StepOutcome
	zc, err := w.Svc.ForRead(ctx, a.PartnerID, preferred)
	if errors.Is(err, store.ErrNoGrant) {
		out, err = store.StepOutcome{Status: store.StepFailed, Error: service.NoGrantMessage + " Then retry the step."}, nil
	} else if err == nil {
		// A step that ran before (a retry, an interrupted or lost attempt) looks before it acts.
		out, err = w.Svc.RunStep(ctx, zc, o, st, ev, st.Attempts > 1)
		out.GrantRef = zc.Grant()
	}
	if err != nil {
		if job.Attempt < job.MaxAttempts {
			// River tries again after its backoff (seconds); the step stays running, held for
			// this job, and the next attempt checks first.
			if _, herr := w.Store.HoldStep(context.WithoutCancel(ctx), a.PartnerID, a.OnboardingID, a.Seq, job.ID, 2*time.Minute); herr != nil {
				return herr
			}
			return err
		}
		// Out of attempts: the saga stops here, for a person to retry, skip or abandon.
		var te *service.TransientError
		if errors.As(err, &te) {
			out = store.StepOutcome{Status: store.StepFailed, Error: "Zoom could not be reached: " + zoom.Explain(te.Err), GrantRef: out.GrantRef, Intent: out.Intent}
		} else {
			w.Log.LogAttrs(ctx, slog.LevelError, "onboarding step failed", slog.String("onboarding", a.OnboardingID), slog.Int("step", a.Seq), slog.String("error", err.Error()))
			out = store.StepOutcome{Status: store.StepFailed, Error: "Tierdesk could not record this step (an internal error, logged for the operators); retry it.", GrantRef: out.GrantRef, Intent: out.Intent}
		}
	}
	err = w.Store.FinishStep(context.WithoutCancel(ctx), a.PartnerID, a.OnboardingID, a.Seq, job.ID, out, ev, StepEnqueuer(w.River()))
	if errors.Is(err, store.ErrStepDone) {
		return nil
	}
	if err == nil && out.Status == store.StepFailed && o.JobID != nil {
		// The saga stopped: its job is recorded failed, for a person to retry, skip or abandon.
		notifyJobFailed(context.WithoutCancel(ctx), w.Store, w.Log, a.PartnerID, *o.JobID)
	}
	return err
}
