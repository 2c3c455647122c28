package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
)

// SyncUsersArgs asks for the user directories of a partner's customers to be read from Zoom:
// one customer, or every active customer of the partner when CustomerID is 0.
type SyncUsersArgs struct {
	PartnerID  int64  `json:"partner_id"`
	JobID      string `json:"job_id"`
	StaffID    int64  `json:"staff_id"`    // who asked (0 for the schedule)
	CustomerID int64  `json:"customer_id"` // 0: every active customer
	// Stale, with CustomerID 0, limits the sync to the directories never read and, when
	// StaleAfter is above 0, those last read longer ago than that (service.SyncStaleUsers), at
	// Share of the budget (0: all it allows).
	Stale      bool          `json:"stale,omitempty"`
	StaleAfter time.Duration `json:"stale_after,omitempty"`
	Share      float64       `json:"share,omitempty"`
}

// Kind names the job for River.
func (SyncUsersArgs) Kind() string { return "sync_users" }

// InsertOpts tries a failed sync at most 3 times.
func (SyncUsersArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

// SyncUsersWorker runs SyncUsersArgs.
type SyncUsersWorker struct {
	river.WorkerDefaults[SyncUsersArgs]
	Store *store.Store
	Svc   *service.Service
}

// Timeout bounds one sync.
func (w *SyncUsersWorker) Timeout(*river.Job[SyncUsersArgs]) time.Duration { return time.Hour }

// Work runs service.SyncUsers, recording progress (customers done and failed) on the jobs row
// and the outcome in the audit log. A customer Zoom refuses is counted as failed and the sync
// goes on; a sync where no customer could be read fails.
func (w *SyncUsersWorker) Work(ctx context.Context, job *river.Job[SyncUsersArgs]) (err error) {
	a := job.Args
	if err := w.Store.StartJob(ctx, a.PartnerID, a.JobID); err != nil {
		return err
	}
	ev := store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID), JobID: a.JobID}
	if a.StaffID != 0 {
		if st, err := w.Store.StaffByID(ctx, a.PartnerID, a.StaffID); err == nil {
			ev.StaffID, ev.StaffEmail = &st.ID, st.Email
		}
	}
	finish := func(status store.JobStatus, msg string, details map[string]any) error {
		details["message"] = msg
		fe := ev
		fe.Details = mustJSON(details)
		return finishJob(ctx, w.Store, nil, a.PartnerID, a.JobID, status, msg, fe)
	}
	defer func() {
		if err != nil {
			ctx = context.WithoutCancel(ctx) // finish records the failure even after a timeout
		}
		err = lastAttempt(job, err, func(msg string) error { return finish(store.JobFailed, msg, map[string]any{}) })
	}()
	var res service.UsersSync
	if a.CustomerID == 0 && (a.Stale || a.StaleAfter > 0) {
		res, err = w.Svc.SyncStaleUsers(ctx, a.PartnerID, a.StaleAfter, a.Share, a.JobID, ev)
	} else {
		res, err = w.Svc.SyncUsers(ctx, a.PartnerID, a.StaffID, a.CustomerID, a.JobID, ev)
	}
	ev.GrantRef = res.Grant
	var stopped *service.SyncStopped
	if errors.As(err, &stopped) {
		return finish(store.JobFailed, stopped.Message, stopped.Details)
	} else if err != nil {
		return err
	}
	details := map[string]any{"customers": res.Customers, "synced": res.Synced, "failed": res.Failed, "users": res.Users}
	if res.Failed > 0 && res.Synced == 0 {
		return finish(store.JobFailed, res.Message(), details)
	}
	// The directories are fresh: today's seat snapshot of the partner's customers (the chart of
	// seats over time) is taken, or brought up to date.
	if _, err := w.Store.SnapshotSeats(ctx, a.PartnerID, time.Now()); err != nil {
		return err
	}
	return finish(store.JobSucceeded, res.Message(), details)
}

// StartUsersSync creates a users sync job for partnerID (asked by staffID, 0 for the
// schedule) of one customer, or of all its active customers when c is nil, and enqueues it in
// the same transaction, with ev as its "job.start" audit event.
func StartUsersSync(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], partnerID, staffID int64, c *store.Customer, ev store.AuditEvent) (store.Job, error) {
	var by *int64
	if staffID != 0 {
		by = &staffID
	}
	title, args := "Sync the users of every customer from Zoom", SyncUsersArgs{PartnerID: partnerID, StaffID: staffID}
	if c != nil {
		title, args.CustomerID = "Sync the users of "+c.AccountName+" from Zoom", c.ID
		ev.CustomerID = c.ZoomAccountID
	}
	return st.CreateJob(ctx, partnerID, SyncUsersArgs{}.Kind(), title, by, ev,
		func(ctx context.Context, tx pgx.Tx, jobID string) (int64, error) {
			args.JobID = jobID
			return insert(ctx, rc, tx, args)
		})
}

// StartStaleUsersSync starts a sync of partnerID's user directories that were never read
// (staleAfter 0: the first fill) or, when staleAfter is above 0, that were read and last read
// more than staleAfter ago (the refresh), at share of the Medium budget (0: all it allows),
// unless a users sync of the partner that would overlap it is queued or running or no
// directory needs one (then it returns ErrNotFound and starts nothing): see usersSyncBusy.
// ev is the base of its "job.start" audit event.
func StartStaleUsersSync(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], partnerID int64, staleAfter time.Duration, share float64, ev store.AuditEvent) (store.Job, error) {
	if busy, err := usersSyncBusy(ctx, st, rc, partnerID, staleAfter == 0); err != nil || busy {
		return store.Job{}, cmp.Or(err, store.ErrNotFound)
	}
	var before time.Time // the zero time: only the directories never read
	if staleAfter > 0 {
		before = time.Now().Add(-staleAfter)
	}
	stale, err := st.StaleUserDirs(ctx, partnerID, before)
	if err != nil || len(stale) == 0 {
		return store.Job{}, cmp.Or(err, store.ErrNotFound)
	}
	title := fmt.Sprintf("Read the %s never read from Zoom", plural(len(stale), "user directory", "user directories"))
	if staleAfter > 0 {
		title = fmt.Sprintf("Refresh %s older than %s from Zoom", plural(len(stale), "user directory", "user directories"), staleAfter.Round(time.Minute))
	}
	args := SyncUsersArgs{PartnerID: partnerID, Stale: true, StaleAfter: staleAfter, Share: share}
	return st.CreateJob(ctx, partnerID, SyncUsersArgs{}.Kind(), title, nil, ev,
		func(ctx context.Context, tx pgx.Tx, jobID string) (int64, error) {
			args.JobID = jobID
			return insert(ctx, rc, tx, args)
		})
}

// usersSyncBusy reports whether a queued or running users sync of partnerID keeps a new one
// from starting. A refresh waits for any. A first fill (fill) waits only for another fill or a
// sync of every directory, which would read the same directories; it runs beside a refresh
// (which reads only directories read before) and beside one customer's sync, so that a new
// customer's users are found at once rather than after the next refresh round.
func usersSyncBusy(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], partnerID int64, fill bool) (bool, error) {
	active, err := st.ActiveJobs(ctx, partnerID)
	if err != nil {
		return false, err
	}
	for _, j := range active {
		if j.Kind != (SyncUsersArgs{}).Kind() {
			continue
		}
		if !fill || j.RiverJobID == nil {
			return true, nil
		}
		rj, err := rc.JobGet(ctx, *j.RiverJobID)
		if errors.Is(err, river.ErrNotFound) {
			return true, nil // River has finished with it and our row lags: wait, as before
		} else if err != nil {
			return false, fmt.Errorf("users sync %s: %w", j.ID, err)
		}
		var a SyncUsersArgs
		if err := json.Unmarshal(rj.EncodedArgs, &a); err != nil {
			return false, fmt.Errorf("users sync %s: its arguments: %w", j.ID, err)
		}
		refresh, oneCustomer := a.CustomerID == 0 && a.StaleAfter > 0, a.CustomerID != 0
		if !refresh && !oneCustomer {
			return true, nil
		}
	}
	return false, nil
}

// SyncAllUsersArgs is the periodic directory refresh: every partner with a usable grant gets a
// sync of its user directories read before and older than SyncInterval, at a small share of
// the budget (service.RefreshShare), unless one is still running. It runs at start too: a
// directory already fresh is not read again. Directories never read are not its work: the
// first fill reads them at full speed after a customer sync (a refresh at a tenth of the
// budget would make a new partner wait minutes for search).
type SyncAllUsersArgs struct{}

// Kind names the job for River.
func (SyncAllUsersArgs) Kind() string { return "sync_all_users" }

// SyncAllUsersWorker runs SyncAllUsersArgs.
type SyncAllUsersWorker struct {
	river.WorkerDefaults[SyncAllUsersArgs]
	Store *store.Store
	River func() *river.Client[pgx.Tx]
}

// Work starts a users sync per partner.
func (w *SyncAllUsersWorker) Work(ctx context.Context, job *river.Job[SyncAllUsersArgs]) error {
	ids, err := w.Store.PartnersWithAdminGrant(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := StartStaleUsersSync(ctx, w.Store, w.River(), id, SyncInterval, service.RefreshShare, store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)}); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// plural is n with the singular or the plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
