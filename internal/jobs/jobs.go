// Package jobs holds the portal's durable background work, run by River on the portal's own
// PostgreSQL: the workers, their arguments, and the periodic schedule.
package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// CleanupArgs are the arguments of the periodic clean-up: expired pending sign-ins, expired
// sessions, and grants of sign-ins that never went on to register.
type CleanupArgs struct{}

// Kind names the job for River.
func (CleanupArgs) Kind() string { return "cleanup" }

// CleanupWorker runs CleanupArgs.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	Store *store.Store
	Log   *slog.Logger
}

// Work deletes expired sign-in states and sessions, stale pending grants, the memory of
// webhook events old enough that Zoom no longer retries them, and settled deliveries to
// outgoing webhooks older than NotificationsKept.
func (w *CleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	states, err := w.Store.DeleteExpiredSignInStates(ctx)
	if err != nil {
		return err
	}
	grants, err := w.Store.DeleteStalePendingGrants(ctx, time.Hour)
	if err != nil {
		return err
	}
	sessions, err := w.Store.DeleteExpiredSessions(ctx)
	if err != nil {
		return err
	}
	// Zoom retries an event for about 85 minutes; a day of memory is plenty.
	if err := w.Store.DeleteOldWebhookEvents(ctx, 24*time.Hour); err != nil {
		return err
	}
	// Deliveries to partners' outgoing webhooks: a month of history.
	if err := w.Store.DeleteOldNotifications(ctx, NotificationsKept); err != nil {
		return err
	}
	w.Log.LogAttrs(ctx, slog.LevelDebug, "cleanup", slog.Int64("signin_states", states), slog.Int64("pending_grants", grants), slog.Int64("sessions", sessions))
	return nil
}

// NotificationsKept is how long a delivered or failed notification stays in the log.
const NotificationsKept = 30 * 24 * time.Hour

// WatchdogArgs is the periodic check for long work whose worker died (a killed process):
// bulk user jobs and onboarding steps whose lease ran out are handed to new River jobs.
type WatchdogArgs struct{}

// Kind names the job for River.
func (WatchdogArgs) Kind() string { return "watchdog" }

// WatchdogInterval is how often the watchdog runs (and it runs when a process starts): the
// leases it looks at last 10 seconds.
const WatchdogInterval = 10 * time.Second

// WatchdogWorker runs WatchdogArgs.
type WatchdogWorker struct {
	river.WorkerDefaults[WatchdogArgs]
	Store *store.Store
	River func() *river.Client[pgx.Tx]
	Log   *slog.Logger
}

// Work takes over stalled bulk jobs and onboarding steps.
func (w *WatchdogWorker) Work(ctx context.Context, job *river.Job[WatchdogArgs]) error {
	return errors.Join(takeOverStalledBulk(ctx, w.Store, w.River(), w.Log), takeOverStalledSteps(ctx, w.Store, w.River(), w.Log))
}

// SyncInterval is how often every partner's customers are synced from Zoom.
const SyncInterval = 30 * time.Minute

// River is the portal's River client. Its jobs are inserted in the store's pgx transactions,
// hence pgx.Tx; the alias lets the handlers hold the client and pass it back to this package
// without naming pgx, which they must not import (ARCHITECTURE.md, Layers and allowed imports).
type River = river.Client[pgx.Tx]

// Options tune a client; the zero value is production's.
type Options struct {
	// ChangeLease is the lease of a change made while a person waits
	// (service.Service.ChangeLease, PORTAL_CHANGE_LEASE), and how often the resolver
	// (ResolvePendingArgs) looks for changes whose lease ran out unrecorded; 0 means
	// service.DefaultChangeLease.
	ChangeLease time.Duration
	// Registry, when set, gets the jobs' own metrics (webhook events applied).
	Registry prometheus.Registerer
	// NotifyRetry is the wait before each retry of an outgoing webhook's delivery
	// (NotifyWorker.Retry); nil is production's schedule.
	NotifyRetry []time.Duration
	// Drift, when set, counts each standard's drifted customers after a run of the steady
	// settings refresh, which notifies standard.drift when a count went up
	// (RefreshSettingsWorker.Drift); the handlers hold the comparison (handlers.DriftCounter).
	Drift DriftCounter
}

// webhookMetric is the counter of webhook events applied, registered on reg (nil: none).
func webhookMetric(reg prometheus.Registerer) *prometheus.CounterVec {
	if reg == nil {
		return nil
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tierdesk_webhook_applied_total",
		Help: "Zoom webhook events applied, by outcome: applied (a change made in Zoom, audited), echo (Tierdesk's own change), known (nothing new), stale (late: older than the cache's last change), ignored, sync (an unknown sub account: a sync starts).",
	}, []string{"outcome"})
	// Every outcome is exported from the start (at 0), so that rates and alerts see the first.
	for _, o := range []string{service.WebhookApplied, service.WebhookEcho, service.WebhookKnown, service.WebhookStale, service.WebhookIgnored, service.WebhookSync} {
		c.WithLabelValues(o)
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
		return nil
	}
	return c
}

// NewClient returns a River client with every worker and periodic job of the portal. It is
// not started.
func NewClient(st *store.Store, zc service.ZoomClients, log *slog.Logger, opts Options) (*river.Client[pgx.Tx], error) {
	svc := service.New(st, zc, log)
	svc.ChangeLease = opts.ChangeLease
	workers := river.NewWorkers()
	var client *river.Client[pgx.Tx]
	for _, add := range []func() error{
		func() error { return river.AddWorkerSafely(workers, &CleanupWorker{Store: st, Log: log}) },
		func() error {
			return river.AddWorkerSafely(workers, &SyncCustomersWorker{Store: st, Svc: svc, River: func() *river.Client[pgx.Tx] { return client }, Log: log})
		},
		func() error {
			return river.AddWorkerSafely(workers, &SyncAllWorker{Store: st, River: func() *river.Client[pgx.Tx] { return client }})
		},
		func() error {
			return river.AddWorkerSafely(workers, &ResolvePendingWorker{Store: st, Svc: svc, Log: log})
		},
		func() error { return river.AddWorkerSafely(workers, &SyncUsersWorker{Store: st, Svc: svc}) },
		func() error {
			return river.AddWorkerSafely(workers, &SyncAllUsersWorker{Store: st, River: func() *river.Client[pgx.Tx] { return client }})
		},
		func() error { return river.AddWorkerSafely(workers, &BulkUsersWorker{Store: st, Svc: svc, Log: log}) },
		func() error {
			return river.AddWorkerSafely(workers, &WatchdogWorker{Store: st, River: func() *river.Client[pgx.Tx] { return client }, Log: log})
		},
		func() error {
			return river.AddWorkerSafely(workers, &WebhookWorker{Svc: svc, River: func() *river.Client[pgx.Tx] { return client }, Log: log, Applied: webhookMetric(opts.Registry)})
		},
		func() error { return river.AddWorkerSafely(workers, &ReadSettingsWorker{Svc: svc, Log: log}) },
		func() error {
			return river.AddWorkerSafely(workers, &SweepDelegationsWorker{Store: st, Log: log, Swept: func(ctx context.Context, d store.Delegation) {
				if err := NotifyDelegation(ctx, st, client, d); err != nil {
					log.LogAttrs(ctx, slog.LevelWarn, "notify delegation", slog.Int64("delegation", d.ID), slog.String("error", err.Error()))
				}
			}})
		},
		func() error {
			return river.AddWorkerSafely(workers, &RefreshSettingsWorker{Svc: svc, Log: log, Store: st, Drift: opts.Drift})
		},
		func() error {
			return river.AddWorkerSafely(workers, &NotifyWorker{Store: st, Log: log, Retry: opts.NotifyRetry, Client: NotifyHTTPClient()})
		},
		func() error {
			return river.AddWorkerSafely(workers, &RefreshAllSettingsWorker{Store: st, River: func() *river.Client[pgx.Tx] { return client }})
		},
		func() error {
			return river.AddWorkerSafely(workers, &OnboardingWorker{Store: st, Svc: svc, River: func() *river.Client[pgx.Tx] { return client }, Log: log})
		},
	} {
		if err := add(); err != nil {
			return nil, err
		}
	}
	client, err := river.NewClient(riverpgxv5.New(st.Pool()), &river.Config{
		Logger:     Quiet(log),
		Middleware: []rivertype.Middleware{river.WorkerMiddlewareFunc(background)},
		Queues:     map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:    workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(opts.ChangeLease, service.DefaultChangeLease)),
				func() (river.JobArgs, *river.InsertOpts) { return ResolvePendingArgs{}, nil }, nil),
			river.NewPeriodicJob(river.PeriodicInterval(SyncInterval),
				func() (river.JobArgs, *river.InsertOpts) { return SyncAllArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(SyncInterval),
				func() (river.JobArgs, *river.InsertOpts) { return SyncAllUsersArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(service.SettingsRefreshEvery),
				func() (river.JobArgs, *river.InsertOpts) { return RefreshAllSettingsArgs{}, nil }, nil),
			river.NewPeriodicJob(river.PeriodicInterval(DelegationSweepEvery),
				func() (river.JobArgs, *river.InsertOpts) { return SweepDelegationsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(WatchdogInterval),
				func() (river.JobArgs, *river.InsertOpts) { return WatchdogArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return client, nil
}

// background runs every job's work as background work for Zoom's rate budgets: its calls
// wait behind the calls of people (pages), which share the same budgets (zoom.Background).
// Each run is a span (a trace of its own, with the Zoom calls and SQL transactions beneath),
// named by the job's kind.
func background(ctx context.Context, row *rivertype.JobRow, work func(context.Context) error) error {
	ctx, span := tracer.Start(ctx, "river.job "+row.Kind, trace.WithSpanKind(trace.SpanKindConsumer), trace.WithNewRoot(),
		trace.WithAttributes(attribute.String("river.job.kind", row.Kind), attribute.Int64("river.job.id", row.ID),
			attribute.Int("river.job.attempt", row.Attempt), attribute.String("river.job.queue", row.Queue)))
	defer span.End()
	err := work(zoom.WithPriority(ctx, zoom.Background))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "job failed")
	}
	return err
}

// tracer makes the jobs' spans (OpenTelemetry's no-op unless tracing is on: internal/obs).
var tracer = otel.Tracer("github.com/tierdesk/tierdesk/internal/jobs")

// insert queues args with rc in tx (the transaction that made the work due) and returns the
// River job's id, which the job's row keeps.
func insert(ctx context.Context, rc *river.Client[pgx.Tx], tx pgx.Tx, args river.JobArgs) (int64, error) {
	res, err := rc.InsertTx(ctx, tx, args, nil)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

// lastAttempt turns the error that ends a job's last River attempt into the job's failure
// (finish records it, with its audit event), so that a job row never stays running after River
// gave up on it: pages and "sync now" wait for running jobs. Earlier attempts return err for
// River to retry.
func lastAttempt[T river.JobArgs](job *river.Job[T], err error, finish func(msg string) error) error {
	if err == nil || job.Attempt < job.MaxAttempts {
		return err
	}
	return finish("Stopped after " + strconv.Itoa(job.Attempt) + " attempts: " + zoom.Explain(err))
}

// Quiet returns log without River's routine Info chatter (job counts every few seconds,
// migrations applied): only warnings and errors pass.
func Quiet(log *slog.Logger) *slog.Logger {
	return slog.New(minLevel{log.Handler(), slog.LevelWarn})
}

// minLevel is a slog.Handler that drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(attrs), m.min}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.min}
}

// mustJSON encodes details made of plain values.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
