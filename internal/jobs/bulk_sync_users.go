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

// SyncUsersArgs asks for the user directories of a partner's customers to be read from Zoom:
// one customer, or every active customer of the partner when CustomerID is 0.
type SyncUsersArgs struct {
	PartnerID  int64  `json:"partner_id"`
	JobID      string `json:"job_id"`
	StaffID    int64  `json:"staff_id"`    // who asked (0 for the schedule)
	CustomerID int64  `json:"customer_id"` // 0: every active customer
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
	Log   *slog.Logger
}

// Timeout bounds one sync.
func (w *SyncUsersWorker) Timeout(*river.Job[SyncUsersArgs]) time.Duration { return time.Hour }

// Work reads each customer's directory from Zoom, recording progress (customers done and
// failed) on the jobs row. A customer Zoom refuses is counted as failed and the sync goes on.
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
		return w.Store.FinishJob(ctx, a.PartnerID, a.JobID, status, msg, fe)
	}
	defer func() {
		if err != nil {
			ctx = context.WithoutCancel(ctx) // finish records the failure even after a timeout
		}
		err = lastAttempt(job, err, func(msg string) error { return finish(store.JobFailed, msg, map[string]any{}) })
	}()
	client, err := w.Svc.ForRead(ctx, a.PartnerID, a.StaffID)
	if errors.Is(err, store.ErrNoGrant) {
		return finish(store.JobFailed, service.NoGrantMessage, map[string]any{})
	} else if err != nil {
		return err
	}
	ev.GrantRef = client.Grant()
	customers, err := w.customers(ctx, a)
	if err != nil {
		return err
	}
	done, failed, users := 0, 0, 0
	var lastErr string
	for _, c := range customers {
		if _, _, err := w.Svc.RefreshUserDirectory(ctx, client, a.PartnerID, c, ev); err != nil {
			if ctx.Err() != nil {
				return err
			}
			failed++
			lastErr = c.AccountName + ": " + zoom.Explain(err)
			w.Log.LogAttrs(ctx, slog.LevelWarn, "user directory sync failed", slog.String("customer", c.ZoomAccountID), slog.String("error", err.Error()))
		} else {
			done++
			if uc, err := w.Store.CustomerUserCounts(ctx, a.PartnerID, c.ZoomAccountID); err == nil {
				users += uc.Total
			}
		}
		if err := w.Store.JobProgress(ctx, a.PartnerID, a.JobID, len(customers), done, failed); err != nil {
			return err
		}
	}
	msg := fmt.Sprintf("%d users in %d customers read from Zoom.", users, done)
	details := map[string]any{"customers": len(customers), "synced": done, "failed": failed, "users": users}
	if failed > 0 {
		msg += fmt.Sprintf(" %d customers could not be read; the last: %s", failed, lastErr)
		if done == 0 {
			return finish(store.JobFailed, msg, details)
		}
	}
	return finish(store.JobSucceeded, msg, details)
}

// customers lists the customers the sync covers.
func (w *SyncUsersWorker) customers(ctx context.Context, a SyncUsersArgs) ([]store.Customer, error) {
	if a.CustomerID != 0 {
		c, err := w.Store.CustomerByID(ctx, a.PartnerID, a.CustomerID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (c.Status != store.CustomerActive || c.PartnerID != a.PartnerID)) {
			return nil, nil // gone meanwhile: nothing to sync
		}
		return []store.Customer{c}, err
	}
	var out []store.Customer
	f := store.CustomerFilter{PartnerID: a.PartnerID, Status: store.CustomerActive, Limit: 500}
	for {
		page, err := w.Store.Customers(ctx, a.PartnerID, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Customers...)
		if page.Next == "" {
			return out, nil
		}
		f.After = page.Next
	}
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

// SyncAllUsersArgs is the periodic directory sync: every partner with a usable grant gets a
// users sync of all its customers, unless one is still running. It runs every SyncInterval,
// not at start (a process that starts does not walk every directory at once).
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
		if last, err := w.Store.LatestJob(ctx, id, SyncUsersArgs{}.Kind()); err == nil && !last.Status.Finished() {
			continue
		}
		if _, err := StartUsersSync(ctx, w.Store, w.River(), id, 0, nil, store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)}); err != nil {
			return err
		}
	}
	return nil
}
