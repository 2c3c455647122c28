package jobs

import (
	"context"
	"encoding/json"
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
	Log   *slog.Logger
}

// Timeout bounds one sync.
func (w *SyncCustomersWorker) Timeout(*river.Job[SyncCustomersArgs]) time.Duration {
	return 30 * time.Minute
}

// Work syncs the partner's customers, recording progress on the jobs row and the outcome in
// the audit log. A Zoom refusal ends the job as failed (not retried); an unexpected error is
// returned for River to retry.
func (w *SyncCustomersWorker) Work(ctx context.Context, job *river.Job[SyncCustomersArgs]) (err error) {
	a := job.Args
	if err := w.Store.StartJob(ctx, a.PartnerID, a.JobID); err != nil {
		return err
	}
	var grantRef string
	finish := func(status store.JobStatus, msg string, details map[string]any, zerr *zoom.Error) error {
		ev := store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID), GrantRef: grantRef}
		if a.StaffID != 0 {
			if st, err := w.Store.StaffByID(ctx, a.PartnerID, a.StaffID); err == nil {
				ev.StaffID, ev.StaffEmail = &st.ID, st.Email
			}
		}
		if details != nil {
			details["message"] = msg
			ev.Details = mustJSON(details)
		}
		if zerr != nil {
			ev.ZoomCode, ev.ZoomMessage = zerr.Code, zerr.Message
		}
		return w.Store.FinishJob(ctx, a.PartnerID, a.JobID, status, msg, ev)
	}
	defer func() {
		if err != nil {
			ctx = context.WithoutCancel(ctx) // finish records the failure even after a timeout
		}
		err = lastAttempt(job, err, func(msg string) error { return finish(store.JobFailed, msg, map[string]any{}, nil) })
	}()
	client, err := w.Svc.ForRead(ctx, a.PartnerID, a.StaffID)
	if errors.Is(err, store.ErrNoGrant) {
		return finish(store.JobFailed, service.NoGrantMessage, map[string]any{}, nil)
	} else if err != nil {
		return err
	}
	grantRef = client.Grant()
	// The listing begins now, on the database's clock: a customer changed after this (a change
	// made through Tierdesk while the sync runs) is newer than the listing, which keeps it.
	start, err := w.Store.Now(ctx)
	if err != nil {
		return err
	}
	var batch []store.SyncedCustomer
	seen, added := 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := w.Store.SaveSyncedCustomers(ctx, a.PartnerID, batch, start, a.JobID)
		if err != nil {
			return err
		}
		added += n
		seen += len(batch)
		batch = batch[:0]
		return w.Store.JobProgress(ctx, a.PartnerID, a.JobID, seen, seen, 0)
	}
	for sa, err := range client.SubAccounts(ctx, nil) {
		if err != nil {
			if zerr, ok := zoom.AsError(err); ok {
				return finish(store.JobFailed, "Zoom refused the sync: "+zoom.Explain(err),
					map[string]any{"seen": seen, "added": added}, zerr)
			}
			if zoom.NeedsReauth(err) {
				return finish(store.JobFailed, "The Zoom sign-in used for the sync has expired. Sign in again, then sync.", map[string]any{"seen": seen}, nil)
			}
			return fmt.Errorf("list sub accounts of partner %d: %w", a.PartnerID, err)
		}
		batch = append(batch, syncedCustomer(sa))
		if len(batch) == 300 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	gone, err := w.Store.MarkGoneCustomers(ctx, a.PartnerID, start, a.JobID)
	if err != nil {
		return err
	}
	// Zoom's list lacks the pay mode and options: fetch them once for customers never seen in
	// detail (the list's filters need the pay mode). A failure here is left for the next view.
	if missing, err := w.Store.CustomersWithoutDetails(ctx, a.PartnerID, 5000); err == nil {
		for _, c := range missing {
			acct, _, err := client.GetSubAccount(ctx, c.ZoomAccountID)
			if err != nil {
				w.Log.Debug("sync: account details", "customer", c.ZoomAccountID, "error", err)
				continue
			}
			if err := w.Store.SaveCustomerDetails(ctx, a.PartnerID, c.ID, map[string]json.RawMessage{"account": mustJSON(acct)}, nil); err != nil {
				return err
			}
		}
	}
	msg := fmt.Sprintf("%d customers in Zoom: %d new, %d no longer listed.", seen, added, len(gone))
	return finish(store.JobSucceeded, msg, map[string]any{"seen": seen, "added": added, "gone": len(gone)}, nil)
}

func syncedCustomer(sa zoom.SubAccount) store.SyncedCustomer {
	return store.SyncedCustomer{ZoomAccountID: sa.ID, AccountName: sa.AccountName, OwnerEmail: sa.OwnerEmail,
		AccountType: sa.AccountType, AccountNumber: sa.AccountNumber, Seats: sa.Seats,
		SubscriptionStart: sa.SubscriptionStartTime.Ptr(), SubscriptionEnd: sa.SubscriptionEndTime.Ptr(), ZoomCreatedAt: sa.CreatedAt.Ptr()}
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
