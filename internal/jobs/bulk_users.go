package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// A bulk user job (import of new users, bulk deactivate, bulk remove) keeps the state of each
// row in PostgreSQL (store.ImportRow), so that it survives the portal process:
//
//   - ready → sending is written before the change is sent; sending → succeeded/failed in one
//     transaction with the row's audit event and the directory change;
//   - a row found in sending (the process died between the two, or Zoom's answer was lost) is
//     resolved by looking the user up in Zoom by email before anything is sent again: never a
//     user created twice, never a row forgotten;
//   - one River job works on a bulk job at a time, holding a lease it renews every second; the
//     watchdog (WatchdogArgs) hands a job whose lease ran out to a new worker.
//
// Rows are sent with as many in flight as the account's rate budget and Zoom's latency need
// (zoom.Flow); the Zoom client's throttle paces the calls per account and label.

// BulkUsersKind is the jobs.kind of bulk user jobs.
const BulkUsersKind = "bulk_users"

// FleetKind is the jobs.kind of a change across many customers (store.ImportFleet). Its rows
// are customers; it runs on the same machinery as a bulk user job (BulkUsersArgs, the rows'
// states, the lease and the watchdog), each row sent through the service's customer change
// operations (service.SendFleetRow) and settled by reading Zoom back when the job resumes
// (service.ResolveFleetSending).
const FleetKind = "fleet_change"

// BulkUsersArgs runs one bulk job: of users, or of customers (FleetKind).
type BulkUsersArgs struct {
	PartnerID int64  `json:"partner_id"`
	ImportID  string `json:"import_id"`
	JobID     string `json:"job_id"`
	StaffID   int64  `json:"staff_id"` // who started it; their grant is preferred
}

// Kind names the job for River.
func (BulkUsersArgs) Kind() string { return BulkUsersKind }

// Lease timing: a worker renews its lease every leaseEvery; a lease not renewed for leaseTTL
// means the worker is gone.
const (
	leaseEvery = time.Second
	leaseTTL   = 10 * time.Second
	// claimGrace is how long a job handed to a new River job may wait to be claimed.
	claimGrace = 30 * time.Second
)

// BulkUsersWorker runs BulkUsersArgs.
type BulkUsersWorker struct {
	river.WorkerDefaults[BulkUsersArgs]
	Store *store.Store
	Svc   *service.Service
	Log   *slog.Logger
	// Concurrency bounds the rows in flight at once (0 means zoom.DefaultMaxInFlight); within
	// it, as many go as the rate budget and Zoom's latency need (zoom.Flow), and the Zoom
	// client's throttle sets the pace.
	Concurrency int
}

// Timeout bounds one run (10,000 rows take about 4 minutes at Business+ limits).
func (w *BulkUsersWorker) Timeout(*river.Job[BulkUsersArgs]) time.Duration { return 6 * time.Hour }

// Work claims the bulk job and runs it to the end; a bulk job another worker holds is left
// to it.
func (w *BulkUsersWorker) Work(ctx context.Context, job *river.Job[BulkUsersArgs]) error {
	a := job.Args
	ok, err := w.Store.ClaimImport(ctx, a.PartnerID, a.ImportID, job.ID, leaseTTL)
	if err != nil {
		return err
	}
	if !ok {
		w.Log.LogAttrs(ctx, slog.LevelInfo, "bulk job held by another worker", slog.String("import", a.ImportID), slog.Int64("river_job", job.ID))
		return nil
	}
	defer func() {
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := w.Store.ReleaseImport(bg, a.PartnerID, a.ImportID, job.ID); err != nil {
			w.Log.LogAttrs(ctx, slog.LevelWarn, "release bulk job", slog.String("import", a.ImportID), slog.String("error", err.Error()))
		}
	}()
	j, err := w.Store.JobByID(ctx, a.PartnerID, a.JobID)
	if err != nil {
		return err
	}
	if j.Status.Finished() {
		return nil
	}
	imp, err := w.Store.ImportByID(ctx, a.PartnerID, a.ImportID)
	if err != nil {
		return err
	}
	if err := w.Store.StartJob(ctx, a.PartnerID, a.JobID); err != nil {
		return err
	}
	r := &bulkRun{w: w, args: a, owner: job.ID, imp: imp}
	r.rows = &service.ImportRun{PartnerID: a.PartnerID, Imp: imp, Stop: r.stop,
		Event: store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID), JobID: a.JobID}}
	// Rows are audited as the work of who started the job.
	if a.StaffID != 0 {
		if st, err := w.Store.StaffByID(ctx, a.PartnerID, a.StaffID); err == nil {
			r.rows.Event.StaffID, r.rows.Event.StaffEmail = &st.ID, st.Email
		}
	}
	if len(imp.Options) > 0 {
		if err := json.Unmarshal(imp.Options, &r.rows.Opts); err != nil {
			return fmt.Errorf("options of import %s: %w", imp.ID, err)
		}
	}
	if imp.Kind == store.ImportFleet {
		r.fleet = &service.FleetRun{PartnerID: a.PartnerID, Imp: imp, Actor: service.Actor{PartnerID: a.PartnerID, StaffID: a.StaffID},
			Event: r.rows.Event, Stop: r.stop}
	}
	return r.run(ctx)
}

// bulkRun is one worker's run of a bulk job.
type bulkRun struct {
	w     *BulkUsersWorker
	args  BulkUsersArgs
	owner int64
	imp   store.Import
	rows  *service.ImportRun // the rows' sending, through the service
	fleet *service.FleetRun  // instead, for a change across customers

	mu        sync.Mutex
	stopWhy   string // why no more rows are sent: "cancel", "lost", or a fatal reason for people
	stopState string // what the rows not sent become: cancelled or failed
	stopCode  int
}

// stop ends the sending of new rows (the first reason wins).
func (r *bulkRun) stop(why, state string, code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopWhy == "" {
		r.stopWhy, r.stopState, r.stopCode = why, state, code
	}
}

func (r *bulkRun) stopped() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopWhy
}

const (
	stopCancel = "cancel"
	stopLost   = "lost"
)

func (r *bulkRun) run(ctx context.Context) error {
	st, a := r.w.Store, r.args
	zc, err := r.w.Svc.ForRead(ctx, a.PartnerID, a.StaffID)
	switch {
	case errors.Is(err, store.ErrNoGrant):
		r.stop(service.NoGrantMessage+" Then start the job anew.", store.RowFailed, 0)
	case err != nil:
		return err
	default:
		r.rows.Zoom = zc
		r.rows.Event.GrantRef = zc.Grant()
		if r.fleet != nil {
			r.fleet.Zoom = zc
		}
	}
	// The heartbeat renews the lease, copies the counts to the job, and notices a cancel.
	hbCtx, stopHB := context.WithCancel(ctx)
	var hb sync.WaitGroup
	hb.Add(1)
	go func() {
		defer hb.Done()
		t := time.NewTicker(leaseEvery)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
			}
			ls, err := st.RenewImportLease(hbCtx, a.PartnerID, a.ImportID, r.owner, leaseTTL)
			switch {
			case err != nil:
				if hbCtx.Err() == nil {
					r.w.Log.LogAttrs(ctx, slog.LevelWarn, "renew bulk job lease", slog.String("import", a.ImportID), slog.String("error", err.Error()))
				}
			case !ls.Held:
				r.stop(stopLost, "", 0)
			case ls.CancelRequested:
				r.stop(stopCancel, store.RowCancelled, 0)
			}
		}
	}()
	err = r.work(ctx)
	stopHB()
	hb.Wait()
	if err != nil {
		return err
	}
	return r.finish(ctx)
}

// work resolves rows whose answer was lost, then sends the ready rows until none is left or
// the run stops.
func (r *bulkRun) work(ctx context.Context) error {
	if r.rows.Zoom == nil {
		return nil
	}
	resolve, send, label := r.w.Svc.ResolveSending, r.w.Svc.SendRow, zoom.Light
	if r.fleet != nil {
		// A customer's settings are Medium calls, its options Light ones.
		resolve = func(ctx context.Context, _ *service.ImportRun) error {
			return r.w.Svc.ResolveFleetSending(ctx, r.fleet)
		}
		send = func(ctx context.Context, _ *service.ImportRun, row store.ImportRow) error {
			return r.w.Svc.SendFleetRow(ctx, r.fleet, row)
		}
		label = r.fleet.Label()
	}
	if err := resolve(ctx, r.rows); err != nil {
		return err
	}
	// Rows go with as many in flight as the budget and Zoom's latency need (zoom.Flow: the
	// budget's rate × the time a row takes besides waiting for it), at most Concurrency. One
	// flow for the whole run: what it learnt of Zoom's latency carries over to the next pass.
	flow := r.rows.Zoom.Flow(label, r.w.Concurrency)
	// Each pass sends every ready row once; a row refused for a reason that may pass (a
	// per-second 429) is ready again for the next pass, until its attempts run out.
	for {
		rows, err := r.w.Store.ImportRows(ctx, r.args.PartnerID, r.imp.ID, store.RowFilter{States: []string{store.RowReady}})
		if err != nil || len(rows) == 0 {
			return err
		}
		var firstErr error
		var errMu sync.Mutex
		flow.Run(ctx, len(rows), func(ctx context.Context, i int) bool {
			if r.stopped() != "" {
				return false
			}
			if err := send(ctx, r.rows, rows[i]); err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
				r.stop(stopLost, "", 0)
				return false
			}
			return true
		})
		if firstErr != nil {
			return firstErr
		}
		if err := ctx.Err(); err != nil {
			return err // River stops: the rows not sent stay ready for the next worker
		}
		if r.stopped() != "" {
			return nil
		}
	}
}

// finish closes the rows not sent and the job, with one "job.finish" (or "job.cancel") event.
func (r *bulkRun) finish(ctx context.Context) error {
	st, a := r.w.Store, r.args
	why := r.stopped()
	if why == stopLost {
		return nil // another worker holds the job now
	}
	closed := 0
	if why != "" {
		msg := why
		if why == stopCancel {
			msg = "Not sent: the job was cancelled."
		}
		var err error
		if closed, err = st.CloseReadyRows(ctx, a.PartnerID, r.imp.ID, r.stopState, msg); err != nil {
			return err
		}
	}
	if _, err := st.RenewImportLease(ctx, a.PartnerID, r.imp.ID, r.owner, leaseTTL); err != nil {
		return err
	}
	t, err := st.ImportTally(ctx, a.PartnerID, r.imp.ID)
	if err != nil {
		return err
	}
	if t.Sending > 0 {
		// Answers still unknown (Zoom unreachable for the look-up): leave the job running; the
		// watchdog gives it to a new worker, which looks them up again.
		return fmt.Errorf("%d rows of import %s still wait for a look-up in Zoom", t.Sending, r.imp.ID)
	}
	status := store.JobSucceeded
	var msg string
	if r.fleet != nil {
		msg = fmt.Sprintf("%d customers changed, %d failed", t.Succeeded, t.Failed)
		if t.Invalid > 0 {
			msg += fmt.Sprintf(", %d needed no call or could not take it", t.Invalid)
		}
	} else {
		verb := map[string]string{store.ImportCreate: "created", store.ImportDeactivate: "deactivated", store.ImportRemove: "removed"}[r.imp.Kind]
		msg = fmt.Sprintf("%d users %s, %d failed", t.Succeeded, verb, t.Failed)
		if t.Invalid > 0 {
			msg += fmt.Sprintf(", %d rows skipped by the check", t.Invalid)
		}
	}
	msg += "."
	switch {
	case why == stopCancel:
		status = store.JobCancelled
		msg = fmt.Sprintf("Cancelled: %s %d rows were not sent.", msg, t.Cancelled)
	case why != "":
		status = store.JobFailed
		msg = fmt.Sprintf("Stopped: %s %s %d rows were not sent.", why, msg, closed)
	}
	ev := r.rows.Event
	if r.imp.CancelRequested || why == stopCancel {
		if imp, err := st.ImportByID(ctx, a.PartnerID, r.imp.ID); err == nil {
			r.imp = imp
		}
	}
	ev.ZoomCode = r.stopCode
	ev.Details = mustJSON(map[string]any{"kind": r.imp.Kind, "import": r.imp.ID, "source": r.imp.Source, "status": status,
		"succeeded": t.Succeeded, "failed": t.Failed, "cancelled": t.Cancelled, "invalid": t.Invalid, "message": msg})
	return finishJob(ctx, st, r.w.Log, a.PartnerID, a.JobID, status, msg, ev)
}

// takeOverStalledBulk hands every bulk job whose worker died (its lease ran out) to a new
// River job; the watchdog calls it.
func takeOverStalledBulk(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], log *slog.Logger) error {
	taken, err := st.TakeOverStalledImports(ctx, claimGrace, func(ctx context.Context, tx pgx.Tx, si store.StalledImport) (int64, error) {
		var staff int64
		if si.CreatedBy != nil {
			staff = *si.CreatedBy
		}
		return insert(ctx, rc, tx, BulkUsersArgs{PartnerID: si.PartnerID, ImportID: si.ImportID, JobID: si.JobID, StaffID: staff})
	})
	for _, si := range taken {
		log.LogAttrs(ctx, slog.LevelWarn, "bulk job resumed after its worker stopped", slog.String("import", si.ImportID),
			slog.String("job", si.JobID), slog.Int64("partner_id", si.PartnerID))
	}
	return err
}

// StartBulk starts partnerID's checked bulk job (asked by staffID) with title, enqueuing its
// worker in the same transaction; ev is its "job.start" event. A bulk job already started is
// store.ErrConflict.
func StartBulk(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], partnerID, staffID int64, importID, title string, ev store.AuditEvent) (store.Job, error) {
	return startBulk(ctx, st, rc, BulkUsersKind, partnerID, staffID, importID, title, ev)
}

// StartFleet starts partnerID's previewed change across customers (asked by staffID) as a job
// of FleetKind, as StartBulk does.
func StartFleet(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], partnerID, staffID int64, importID, title string, ev store.AuditEvent) (store.Job, error) {
	return startBulk(ctx, st, rc, FleetKind, partnerID, staffID, importID, title, ev)
}

func startBulk(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], kind string, partnerID, staffID int64, importID, title string, ev store.AuditEvent) (store.Job, error) {
	return st.StartImport(ctx, partnerID, importID, kind, title, &staffID, ev,
		func(ctx context.Context, tx pgx.Tx, jobID string) (int64, error) {
			return insert(ctx, rc, tx, BulkUsersArgs{PartnerID: partnerID, ImportID: importID, JobID: jobID, StaffID: staffID})
		})
}
