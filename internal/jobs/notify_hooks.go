package jobs

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/store"
)

// finishJob records a job's end (store.FinishJob) and, when it failed, notifies the
// partner's outgoing webhook (job.failed, notifyJobFailed). The notification follows the
// job's transaction: one lost to an error is logged, and the job stays finished.
func finishJob(ctx context.Context, st *store.Store, log *slog.Logger, partnerID int64, jobID string, status store.JobStatus, msg string, ev store.AuditEvent) error {
	if err := st.FinishJob(ctx, partnerID, jobID, status, msg, ev); err != nil {
		return err
	}
	if status == store.JobFailed {
		notifyJobFailed(ctx, st, log, partnerID, jobID)
	}
	return nil
}

// notifyJobFailed notifies job.failed for partnerID's job, recorded failed just now, with its
// kind, id, title, link and message. A notification lost to an error is logged (log may be
// nil); outside a River job there is no client to queue with, and nothing is sent.
func notifyJobFailed(ctx context.Context, st *store.Store, log *slog.Logger, partnerID int64, jobID string) {
	rc, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return
	}
	j, err := st.JobByID(ctx, partnerID, jobID)
	if err == nil {
		err = Notify(ctx, st, rc, partnerID, NotifyJobFailed, map[string]any{"job": map[string]any{"id": j.ID, "kind": j.Kind, "title": j.Title},
			"path": paths.Job(jobID), "message": j.Message})
	}
	if err != nil && log != nil {
		log.LogAttrs(ctx, slog.LevelError, "notify a failed job", slog.Int64("partner_id", partnerID), slog.String("job", jobID), slog.String("error", err.Error()))
	}
}

// StandardDrift is how many of a standard's customers have drifted from it now.
type StandardDrift struct {
	ID        int64
	Name      string
	Mode      store.StandardMode
	Customers int // in the standard's group
	Drifted   int // with at least one setting or lock that differs
}

// DriftCounter counts the drift of each of partnerID's standards from the cache (the drift
// report's comparison).
type DriftCounter func(ctx context.Context, partnerID int64) ([]StandardDrift, error)

// notifyDrift counts partnerID's drift with count, records the counts, and notifies
// standard.drift for each standard whose number of drifted customers went up since the last
// count (a standard counted the first time: from none).
func notifyDrift(ctx context.Context, st *store.Store, count DriftCounter, partnerID int64) error {
	rc, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	drift, err := count(ctx, partnerID)
	if err != nil {
		return err
	}
	now := make(map[int64]int, len(drift))
	for _, d := range drift {
		now[d.ID] = d.Drifted
	}
	prev, err := st.SwapDriftCounts(ctx, partnerID, now)
	if err != nil {
		return err
	}
	slices.SortFunc(drift, func(a, b StandardDrift) int { return cmp.Compare(a.ID, b.ID) })
	for _, d := range drift {
		before := prev[d.ID]
		if d.Drifted <= before {
			continue
		}
		payload := map[string]any{"standard": map[string]any{"id": d.ID, "name": d.Name, "mode": string(d.Mode)},
			"drifted": d.Drifted, "drifted_before": before, "customers": d.Customers,
			"message": strconv.Itoa(d.Drifted) + " of " + strconv.Itoa(d.Customers) + " customers drifted from " + d.Name + " (" + strconv.Itoa(before) + " before).",
			"path":    paths.StandardDrifted(d.ID)}
		if err := Notify(ctx, st, rc, partnerID, NotifyStandardDrift, payload); err != nil {
			return err
		}
	}
	return nil
}
