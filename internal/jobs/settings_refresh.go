package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
)

// ReadSettingsArgs reads one customer's settings and locks from Zoom again: the follow-up of
// Zoom's account.settings_updated (service.ReadSettingsOf).
type ReadSettingsArgs struct {
	PartnerID  int64 `json:"partner_id"`
	CustomerID int64 `json:"customer_id"`
}

// Kind names the job for River.
func (ReadSettingsArgs) Kind() string { return "read_settings" }

// InsertOpts retries a read Zoom did not answer a few times (River's backoff: seconds, then
// minutes); the steady refresh reads the customer first anyway, as it stays marked stale.
// A read already queued, running or retrying for the customer takes the place of a second
// one (Zoom's events for one customer come in bursts; River requires running and pending among
// the states): a customer marked stale while its read runs stays stale, and the steady
// refresh reads it first.
func (ReadSettingsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 4, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// ReadSettingsWorker runs ReadSettingsArgs.
type ReadSettingsWorker struct {
	river.WorkerDefaults[ReadSettingsArgs]
	Svc *service.Service
	Log *slog.Logger
}

// Work reads the customer's settings. A partner left without a grant for background reads
// has nothing to read with: the customer stays stale.
func (w *ReadSettingsWorker) Work(ctx context.Context, job *river.Job[ReadSettingsArgs]) error {
	res, err := w.Svc.ReadSettingsOf(ctx, job.Args.PartnerID, job.Args.CustomerID, store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)})
	if errors.Is(err, store.ErrNoGrant) {
		w.Log.LogAttrs(ctx, slog.LevelInfo, "settings read skipped: the partner has no grant for background reads",
			slog.Int64("partner_id", job.Args.PartnerID), slog.Int64("customer_id", job.Args.CustomerID))
		return nil
	}
	if err != nil {
		return err
	}
	w.Log.LogAttrs(ctx, slog.LevelDebug, "settings read", slog.Int64("customer_id", job.Args.CustomerID),
		slog.Int("changed", res.Changed), slog.Bool("seen_in_zoom", res.Recorded))
	return nil
}

// RefreshSettingsArgs is one run of the steady refresh of a partner's customers' settings
// (service.RefreshSettings). Share and Every, when 0, are service.SettingsRefreshShare and
// service.SettingsRefreshEvery: the run reads what that share of the Medium budget allows
// over that period.
type RefreshSettingsArgs struct {
	PartnerID int64         `json:"partner_id"`
	Share     float64       `json:"share,omitempty"`
	Every     time.Duration `json:"every,omitempty"`
}

// Kind names the job for River.
func (RefreshSettingsArgs) Kind() string { return "refresh_settings" }

// InsertOpts keeps one run per partner queued or running at a time: a run paced at its
// share lasts about its period, and a second would only double the share.
func (RefreshSettingsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 2, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// RefreshSettingsWorker runs RefreshSettingsArgs.
type RefreshSettingsWorker struct {
	river.WorkerDefaults[RefreshSettingsArgs]
	Svc *service.Service
	Log *slog.Logger
	// Store and Drift, when both set, count each standard's drift after a run and notify
	// standard.drift where it went up (notifyDrift).
	Store *store.Store
	Drift DriftCounter
}

// Timeout bounds a run: at its share it lasts about its period.
func (w *RefreshSettingsWorker) Timeout(*river.Job[RefreshSettingsArgs]) time.Duration {
	return 4 * service.SettingsRefreshEvery
}

// Work reads the next customers' settings. A partner without a grant for background reads is
// skipped.
func (w *RefreshSettingsWorker) Work(ctx context.Context, job *river.Job[RefreshSettingsArgs]) error {
	a := job.Args
	share, every := a.Share, a.Every
	if share <= 0 {
		share = service.SettingsRefreshShare
	}
	if every <= 0 {
		every = service.SettingsRefreshEvery
	}
	res, err := w.Svc.RefreshSettings(ctx, a.PartnerID, share, every, store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)})
	if errors.Is(err, store.ErrNoGrant) {
		w.Log.LogAttrs(ctx, slog.LevelInfo, "settings refresh skipped: the partner has no grant for background reads", slog.Int64("partner_id", a.PartnerID))
		return nil
	}
	if err != nil {
		return err
	}
	if res.Failed > 0 {
		w.Log.LogAttrs(ctx, slog.LevelWarn, "settings refresh: Zoom did not answer for some customers", slog.Int64("partner_id", a.PartnerID),
			slog.Int("failed", res.Failed), slog.Int("customers", res.Customers), slog.String("first_error", res.FirstFailure.Error()))
	}
	w.Log.LogAttrs(ctx, slog.LevelDebug, "settings refresh", slog.Int64("partner_id", a.PartnerID), slog.Int("customers", res.Customers),
		slog.Int("read", res.Read), slog.Int("failed", res.Failed), slog.Int("seen_in_zoom", res.Recorded))
	if w.Store != nil && w.Drift != nil {
		// The run's reads are done; a lost notification must not read them all again.
		if err := notifyDrift(ctx, w.Store, w.Drift, a.PartnerID); err != nil {
			w.Log.LogAttrs(ctx, slog.LevelError, "notify drift after a settings refresh", slog.Int64("partner_id", a.PartnerID), slog.String("error", err.Error()))
		}
	}
	return nil
}

// RefreshAllSettingsArgs is the periodic start of the steady refresh (every
// service.SettingsRefreshEvery): a run for every partner that has a standard and a grant for
// background reads.
type RefreshAllSettingsArgs struct{}

// Kind names the job for River.
func (RefreshAllSettingsArgs) Kind() string { return "refresh_all_settings" }

// RefreshAllSettingsWorker runs RefreshAllSettingsArgs.
type RefreshAllSettingsWorker struct {
	river.WorkerDefaults[RefreshAllSettingsArgs]
	Store *store.Store
	River func() *river.Client[pgx.Tx]
	// Share and Every are the runs' (RefreshSettingsArgs); 0 for the defaults.
	Share float64
	Every time.Duration
}

// Work queues a run per partner with a standard (one already queued or running is kept).
func (w *RefreshAllSettingsWorker) Work(ctx context.Context, job *river.Job[RefreshAllSettingsArgs]) error {
	ids, err := w.Store.PartnersWithAdminGrant(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		has, err := w.Store.HasStandards(ctx, id)
		if err != nil {
			return err
		}
		if !has {
			continue
		}
		if _, err := w.River().Insert(ctx, RefreshSettingsArgs{PartnerID: id, Share: w.Share, Every: w.Every}, nil); err != nil {
			return err
		}
	}
	return nil
}
