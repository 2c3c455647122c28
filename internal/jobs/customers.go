package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// ResolvePendingCustomer settles a customer whose create was sent to Zoom but whose answer
// was lost: it looks for a sub account with the customer's owner email (the natural key of a
// sub account) and completes the customer when there is one, or abandons it when there is
// not. ev carries who and why for the audit event. It reports whether Zoom had created it. A
// failure to ask Zoom leaves the customer pending (for the next try) and is returned.
func ResolvePendingCustomer(ctx context.Context, st *store.Store, zc *zoom.Client, partnerID int64, c store.Customer, ev store.AuditEvent) (bool, error) {
	if c.Status != store.CustomerPending {
		return false, fmt.Errorf("customer %d is %s: %w", c.ID, c.Status, store.ErrConflict)
	}
	ev.GrantRef = zc.Grant()
	sa, err := SubAccountOfOwner(ctx, zc, c.OwnerEmail)
	if err != nil {
		return false, err
	}
	if sa != nil {
		ev.Outcome = store.OutcomeSucceeded
		ev.Details = mustJSON(map[string]any{"after": map[string]any{"zoom_account_id": sa.ID, "status": "active"},
			"resolution": "Zoom's answer to the create was lost; the sub account was found by its owner's email"})
		_, err := st.CompleteCustomerCreate(ctx, partnerID, c.ID, sa.ID, sa.CreatedAt.Ptr(), ev)
		return true, err
	}
	ev.Details = mustJSON(map[string]any{"resolution": "Zoom's answer to the create was lost; no sub account has this owner's email, so Zoom did not create it",
		"owner_email": c.OwnerEmail})
	return false, st.AbandonCustomerCreate(ctx, partnerID, c.ID, ev)
}

// SubAccountOfOwner finds the primary's sub account whose owner has email (the natural key
// of a sub account: Zoom refuses a second account for one email), or nil when there is none.
// Every path that must not create a sub account twice asks it before creating again.
func SubAccountOfOwner(ctx context.Context, zc *zoom.Client, email string) (*zoom.SubAccount, error) {
	for sa, err := range zc.SubAccounts(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("look up the sub account of %s: %w", email, err)
		}
		if strings.EqualFold(sa.OwnerEmail, email) {
			return &sa, nil
		}
	}
	return nil, nil
}

// ResolvePendingArgs settles every pending customer create of every partner (periodic): the
// ones whose answer was lost while Zoom could not be asked.
type ResolvePendingArgs struct{}

// Kind names the job for River.
func (ResolvePendingArgs) Kind() string { return "resolve_pending_customers" }

// ResolvePendingWorker runs ResolvePendingArgs.
type ResolvePendingWorker struct {
	river.WorkerDefaults[ResolvePendingArgs]
	Store *store.Store
	Zoom  ZoomClients
	Log   *slog.Logger
}

// Work resolves pending creates older than a minute (younger ones may still be in flight).
func (w *ResolvePendingWorker) Work(ctx context.Context, job *river.Job[ResolvePendingArgs]) error {
	ids, err := w.Store.PartnersWithAdminGrant(ctx)
	if err != nil {
		return err
	}
	for _, pid := range ids {
		pending, err := w.Store.PendingCustomers(ctx, pid)
		if err != nil || len(pending) == 0 {
			continue
		}
		zc, err := PartnerClient(ctx, w.Store, w.Zoom, pid, 0)
		if err != nil {
			continue
		}
		for _, c := range pending {
			if time.Since(c.CreatedAt) < time.Minute {
				continue
			}
			found, err := ResolvePendingCustomer(ctx, w.Store, zc, pid, c, store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)})
			if err != nil && !errors.Is(err, store.ErrConflict) {
				w.Log.Warn("resolve pending customer", "customer", c.ID, "error", err)
				continue
			}
			w.Log.Info("resolved pending customer", "customer", c.ID, "created", found)
		}
	}
	return nil
}
