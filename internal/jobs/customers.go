package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
)

// ResolvePendingArgs settles, for every partner (periodic), the changes whose outcome was not
// recorded: intents left open past their lease (service.ResolveStaleIntents) and pending
// customer creates whose answer was lost while Zoom could not be asked.
type ResolvePendingArgs struct{}

// Kind names the job for River.
func (ResolvePendingArgs) Kind() string { return "resolve_pending_customers" }

// ResolvePendingWorker runs ResolvePendingArgs.
type ResolvePendingWorker struct {
	river.WorkerDefaults[ResolvePendingArgs]
	Store *store.Store
	Svc   *service.Service
	Log   *slog.Logger
}

// Work resolves stale intents, then pending creates older than a minute (younger ones may
// still be in flight).
func (w *ResolvePendingWorker) Work(ctx context.Context, job *river.Job[ResolvePendingArgs]) error {
	ids, err := w.Store.PartnersWithAdminGrant(ctx)
	if err != nil {
		return err
	}
	for _, pid := range ids {
		if n, err := w.Svc.ResolveStaleIntents(ctx, pid); err != nil {
			w.Log.Warn("resolve stale intents", "partner_id", pid, "resolved", n, "error", err)
		} else if n > 0 {
			w.Log.Info("resolved stale intents", "partner_id", pid, "resolved", n)
		}
		pending, err := w.Store.PendingCustomers(ctx, pid)
		if err != nil || len(pending) == 0 {
			continue
		}
		zc, err := w.Svc.ForRead(ctx, pid, 0)
		if err != nil {
			continue
		}
		for _, c := range pending {
			if time.Since(c.CreatedAt) < time.Minute {
				continue
			}
			found, err := w.Svc.ResolvePendingCustomer(ctx, zc, pid, c, store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)})
			if err != nil && !errors.Is(err, store.ErrConflict) {
				w.Log.Warn("resolve pending customer", "customer", c.ID, "error", err)
				continue
			}
			w.Log.Info("resolved pending customer", "customer", c.ID, "created", found)
		}
	}
	return nil
}
