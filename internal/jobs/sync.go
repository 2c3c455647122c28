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

// SyncCustomersArgs asks for one partner's customers to be synced from Zoom: the partner's
// sub-account list is walked, every sub account saved, the ones no longer listed marked gone,
// and registered partners among them linked below this one.
type SyncCustomersArgs struct {
	PartnerID int64  `json:"partner_id"`
	JobID     string `json:"job_id"`   // the jobs row that shows progress
	StaffID   int64  `json:"staff_id"` // who asked (0 for the periodic sync); their grant is preferred
}

// Kind names the job for River.
func (SyncCustomersArgs) Kind() string { return "sync_customers" }

// InsertOpts gives a sync three attempts. (One sync per partner at a time is the jobs table's
// unique index: see StartSync.)
func (SyncCustomersArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3}
}

// SyncCustomersWorker runs SyncCustomersArgs.
type SyncCustomersWorker struct {
	river.WorkerDefaults[SyncCustomersArgs]
	Store *store.Store
	Svc   *service.Service
	// River and Log, when set, start the sync of the user directories the customer sync left
	// unread (a new partner's, a new customer's) once it succeeded.
	River func() *river.Client[pgx.Tx]
	Log   *slog.Logger
}

// Timeout bounds one sync.
func (w *SyncCustomersWorker) Timeout(*river.Job[SyncCustomersArgs]) time.Duration {
	return 30 * time.Minute
}

// Work runs service.SyncCustomers, recording progress on the jobs row and the outcome in the
// audit log. A stopped sync (Zoom refused it, no usable grant) ends the job as failed, not
// retried; an unexpected error is returned for River to retry.
func (w *SyncCustomersWorker) Work(ctx context.Context, job *river.Job[SyncCustomersArgs]) (err error) {
	a := job.Args
	if err := w.Store.StartJob(ctx, a.PartnerID, a.JobID); err != nil {
		return err
	}
	var grantRef string
	finish := func(status store.JobStatus, msg string, details map[string]any, zerr *zoom.Error) error {
		ev := store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID), GrantRef: grantRef}
		w.byStaff(ctx, a, &ev)
		if details != nil {
			details["message"] = msg
			ev.Details = mustJSON(details)
		}
		if zerr != nil {
			ev.ZoomCode, ev.ZoomMessage = zerr.Code, zerr.Message
		}
		return finishJob(ctx, w.Store, w.Log, a.PartnerID, a.JobID, status, msg, ev)
	}
	defer func() {
		if err != nil {
			ctx = context.WithoutCancel(ctx) // finish records the failure even after a timeout
		}
		err = lastAttempt(job, err, func(msg string) error { return finish(store.JobFailed, msg, map[string]any{}, nil) })
	}()
	res, err := w.Svc.SyncCustomers(ctx, a.PartnerID, a.StaffID, a.JobID)
	grantRef = res.Grant
	var stopped *service.SyncStopped
	if errors.As(err, &stopped) {
		return finish(store.JobFailed, stopped.Message, stopped.Details, stopped.Zoom)
	} else if err != nil {
		return err
	}
	// The customers are known: the directories never read (a new partner's, a new customer's)
	// follow at once and at full speed, so that search finds their users without anyone asking;
	// the others are the periodic refresh's. The users sync is queued before this job ends, so
	// that some job is queued or running until both are done.
	if w.River != nil {
		_, err := StartStaleUsersSync(ctx, w.Store, w.River(), a.PartnerID, 0, 0, store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)})
		if err != nil && !errors.Is(err, store.ErrNotFound) && w.Log != nil {
			w.Log.LogAttrs(ctx, slog.LevelError, "start the users sync after a customer sync", slog.Int64("partner_id", a.PartnerID), slog.String("error", err.Error()))
		}
	}
	return finish(store.JobSucceeded, res.Message(), map[string]any{"seen": res.Seen, "added": res.Added, "gone": res.Gone}, nil)
}

// byStaff names on ev the staff member who asked for the sync, if one did and still exists.
func (w *SyncCustomersWorker) byStaff(ctx context.Context, a SyncCustomersArgs, ev *store.AuditEvent) {
	if a.StaffID == 0 {
		return
	}
	if st, err := w.Store.StaffByID(ctx, a.PartnerID, a.StaffID); err == nil {
		ev.StaffID, ev.StaffEmail = &st.ID, st.Email
	}
}

// SyncAllArgs is the periodic sync: it starts a customer sync for every partner that has an
// owner or admin grant.
type SyncAllArgs struct{}

// Kind names the job for River.
func (SyncAllArgs) Kind() string { return "sync_all" }

// SyncAllWorker runs SyncAllArgs.
type SyncAllWorker struct {
	river.WorkerDefaults[SyncAllArgs]
	Store *store.Store
	River func() *river.Client[pgx.Tx]
}

// Work starts a sync job per partner, skipping partners whose last sync is still running.
func (w *SyncAllWorker) Work(ctx context.Context, job *river.Job[SyncAllArgs]) error {
	ids, err := w.Store.PartnersWithAdminGrant(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if last, err := w.Store.LatestJob(ctx, id, SyncCustomersArgs{}.Kind()); err == nil && !last.Status.Finished() {
			continue
		}
		if _, err := StartSync(ctx, w.Store, w.River(), id, 0, store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)}); err != nil {
			return err
		}
	}
	return nil
}

// StartSync creates a sync job for partnerID (asked by staffID, 0 for the schedule) and
// enqueues it in the same transaction, with ev as its "job.start" audit event. A partner has
// one customer sync at a time (a unique index says so): when one is already queued or
// running, that one is returned and nothing is started.
func StartSync(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], partnerID, staffID int64, ev store.AuditEvent) (store.Job, error) {
	var by *int64
	if staffID != 0 {
		by = &staffID
	}
	j, err := st.CreateJob(ctx, partnerID, SyncCustomersArgs{}.Kind(), "Sync customers from Zoom", by, ev,
		func(ctx context.Context, tx pgx.Tx, jobID string) (int64, error) {
			return insert(ctx, rc, tx, SyncCustomersArgs{PartnerID: partnerID, JobID: jobID, StaffID: staffID})
		})
	if errors.Is(err, store.ErrConflict) {
		return st.LatestJob(ctx, partnerID, SyncCustomersArgs{}.Kind())
	}
	return j, err
}
