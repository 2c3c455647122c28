package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tierdesk/tierdesk/internal/handlers"
	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/obs"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// newLogger returns the process's logger, as configured: a line logged inside a trace
// carries its trace and span ids.
func newLogger(cfg *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(obs.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(obs.LogHandler(slog.NewTextHandler(w, opts)))
}

// started is what a running portal tells the code that started it.
type started struct {
	URL        string           // the portal's base URL
	Sandbox    *sandbox.Sandbox // the embedded sandbox, nil against real Zoom
	SandboxURL string           // its base URL
	Store      *store.Store
}

// onStart runs once the portal listens; what it returns is printed after the listening line,
// last.
type onStart func(context.Context, started) (string, error)

func serveCommand(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, onStart onStart) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	// Traces, when an OTLP endpoint is configured; the spans not yet sent are flushed at the end.
	stopTracing, tracing, err := obs.Setup(ctx, getenv, version)
	if err != nil {
		return &configError{"OTEL_EXPORTER_OTLP_ENDPOINT", "is not usable (" + err.Error() + ")", "set it to your collector's OTLP/HTTP base URL, e.g. http://localhost:4318, or leave it unset"}
	}
	if tracing {
		log.Info("tracing on: spans go to the OTLP endpoint")
	}
	defer func() {
		flush, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := stopTracing(flush); err != nil {
			log.Warn("flush traces", "error", err)
		}
	}()
	return serve(ctx, cfg, log, stdout, onStart)
}

// serve runs the portal until ctx ends, then shuts down gracefully. It prints one line per
// address it listens on (the sandbox's, then the portal's, the line tests wait for).
func serve(ctx context.Context, cfg *config, log *slog.Logger, stdout io.Writer, onStart onStart) error {
	if err := migrateDatabase(ctx, cfg.MigrateDatabaseURL, nil, jobs.Quiet(log)); err != nil {
		return err
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	// SET ROLE is a boundary only if the login itself is weak: any SQL can RESET ROLE.
	if login, super, owns, err := store.LoginPower(ctx, pool); err != nil {
		return fmt.Errorf("check the database login: %w", err)
	} else if super || owns > 0 {
		return &configError{"DATABASE_URL", fmt.Sprintf("logs in as %s, which is a superuser or owns the schema", login),
			"give the portal a login of its own that is a member of " + store.AppRole + " only (README: Database roles), and put the owner in MIGRATE_DATABASE_URL"}
	}
	st := store.New(pool, cfg.Keys)
	// Chain heads anchored outside the database. Stopped (with a last checkpoint) after the
	// HTTP server and the jobs, which write events, and before the pool closes.
	stopCheckpoints, err := startCheckpoints(ctx, st, cfg.AuditCheckpoints, cfg.CheckpointInterval, log.With("component", "audit"))
	if err != nil {
		return err
	}
	defer stopCheckpoints()

	// The Zoom sandbox, when configured, runs in-process on its own address, like Zoom would.
	var sb *sandbox.Sandbox
	if cfg.Sandbox {
		var stopSandbox func()
		if sb, stopSandbox, err = startSandbox(cfg, log); err != nil {
			return err
		}
		defer stopSandbox()
		fmt.Fprintf(stdout, "Zoom sandbox listening on %s\n", cfg.ZoomOAuthURL)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on PORTAL_ADDR %s: %w", cfg.Addr, err)
	}
	baseURL := cfg.BaseURL
	if baseURL == nil {
		baseURL = defaultBaseURL(ln.Addr().(*net.TCPAddr))
	}

	secure := baseURL.Scheme == "https" || !isLoopback(baseURL.Hostname())
	sessions := handlers.NewSessionManager(st.SessionStore(handlers.SessionWriteSlack), secure, log)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), newOpsCollector(st, log))

	// The audit sequencer: seals the events this process records as their transactions
	// commit, and every chain left with unsealed events (another process's that died). Stopped
	// after the HTTP server and the jobs, with a last pass, and before the last checkpoint.
	sealLag := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tierdesk_audit_seal_lag_seconds",
		Help:    "Time from an audit event's recording to its seal's commit.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}})
	reg.MustRegister(sealLag)
	stopSealer := st.StartAuditSealer(context.WithoutCancel(ctx), store.SealerOptions{Log: log.With("component", "audit"),
		Observe: func(lag time.Duration) { sealLag.Observe(lag.Seconds()) }})
	defer stopSealer()
	app := zoom.App{OAuthURL: cfg.ZoomOAuthURL, ClientID: cfg.ZoomClientID, ClientSecret: cfg.ZoomClientSecret,
		RedirectURL: baseURL.String() + "/auth/zoom/callback"}
	zsvc, err := zoom.NewService(zoom.Config{APIURL: cfg.ZoomAPIURL, App: app, Logger: log.With("component", "zoom"),
		Registry: reg, Grants: service.GrantStore(st), Limiter: service.RateLimiter(st),
		Limits: cfg.ZoomLimits, Share: cfg.ZoomRateShare})
	if err != nil {
		return err
	}

	riverClient, err := jobs.NewClient(st, zsvc, log, jobs.Options{ChangeLease: cfg.ChangeLease, Registry: reg, Drift: handlers.DriftCounter(st)})
	if err != nil {
		return err
	}
	// Jobs must not die with the signal: Stop lets running work finish (it is graceful), and
	// only after a timeout does StopAndCancel cut it short.
	if err := riverClient.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := riverClient.Stop(stopCtx); err != nil {
			log.Warn("jobs did not stop in time; cancelling them", "error", err)
			cancelCtx, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel2()
			_ = riverClient.StopAndCancel(cancelCtx)
		}
	}()

	hcfg := handlers.Config{BaseURL: baseURL, SecureCookies: secure, Sandbox: cfg.Sandbox, ZoomApp: app,
		MetricsToken: cfg.MetricsToken, TrustedProxies: cfg.TrustedProxies, ChangeLease: cfg.ChangeLease}
	handler := handlers.New(log, st, sessions, hcfg, handlers.Deps{Ready: readiness(pool), Metrics: reg, Zoom: zsvc, River: riverClient})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	var after string
	if onStart != nil {
		if after, err = onStart(ctx, started{URL: baseURL.String(), Sandbox: sb, SandboxURL: cfg.ZoomOAuthURL, Store: st}); err != nil {
			_ = srv.Close()
			return err
		}
	}
	// Tests wait for this line: everything, including onStart, is ready when it is printed.
	fmt.Fprintf(stdout, "portal listening on %s\n%s", baseURL, after)

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("requests still running after 20 s; closing them", "error", err)
		_ = srv.Close()
	}
	return nil
}

// readiness is ready when Postgres answers and every migration is applied.
func readiness(pool *pgxpool.Pool) handlers.ReadyFunc {
	return func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		st, err := store.Migrations(ctx, pool)
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		if !st.Current() {
			return fmt.Errorf("migrations pending (schema %d of %d, River %d of %d)", st.GooseCurrent, st.GooseTarget, st.RiverCurrent, st.RiverTarget)
		}
		return nil
	}
}

// startSandbox starts the embedded Zoom sandbox on PORTAL_SANDBOX_ADDR and points the
// portal's Zoom settings at it.
func startSandbox(cfg *config, log *slog.Logger) (*sandbox.Sandbox, func(), error) {
	sb, err := sandbox.New(sandbox.Options{Seed: "demo", StateFile: cfg.SandboxState, Logger: log.With("component", "sandbox")})
	if err != nil {
		return nil, nil, fmt.Errorf("start Zoom sandbox: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.SandboxAddr)
	if err != nil {
		sb.Close()
		return nil, nil, fmt.Errorf("listen on PORTAL_SANDBOX_ADDR %s: %w", cfg.SandboxAddr, err)
	}
	base := defaultBaseURL(ln.Addr().(*net.TCPAddr)).String()
	sb.SetPublicURL(base)
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sandbox server", "error", err)
		}
	}()
	cfg.ZoomOAuthURL, cfg.ZoomAPIURL = base, base+"/v2"
	if cfg.ZoomClientID == "" {
		cfg.ZoomClientID, cfg.ZoomClientSecret = sandbox.DemoClientID, sandbox.DemoClientSecret
	}
	return sb, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := sb.Close(); err != nil {
			log.Error("close sandbox", "error", err)
		}
	}, nil
}

// defaultBaseURL is http://<listen address>, with localhost for an unspecified host.
func defaultBaseURL(addr *net.TCPAddr) *url.URL {
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(host, fmt.Sprint(addr.Port))}
}
