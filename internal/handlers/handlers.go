// Package handlers is the portal's HTTP surface: the chi router (routes.go shows it whole),
// middleware, and one file per area. Handlers return errors; one adapter (errors.go) turns
// them into pages. Handlers hold no SQL (that is internal/store) and no Zoom URLs (that is
// internal/zoom).
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Config is what the handlers need to know about the deployment.
type Config struct {
	BaseURL        *url.URL         // the portal's public URL, e.g. https://portal.example.com
	WebhookDelay   time.Duration    // how long a webhook event waits before it is applied; 0 means jobs.WebhookDelay
	SecureCookies  bool             // false only for plain http on localhost
	Sandbox        bool             // Zoom is the embedded sandbox: say so in the header
	ZoomApp        zoom.App         // the OAuth app staff sign in with
	MaxBodyBytes   int64            // request body limit; 0 means 1 MiB
	Now            func() time.Time // the clock; nil means time.Now (tests move it)
	MetricsToken   string           // when set, /metrics wants "Authorization: Bearer <token>"
	TrustedProxies []netip.Prefix   // proxies whose X-Forwarded-For names the client
	ChangeLease    time.Duration    // how long a change sent from a page owns its intent before the resolver may record it; 0 means service.DefaultChangeLease
}

// ReadyFunc reports whether the portal can serve: Postgres answers and migrations are current.
type ReadyFunc func(ctx context.Context) error

// Deps are the services the handlers call.
type Deps struct {
	Ready   ReadyFunc            // readiness for /readyz
	Metrics *prometheus.Registry // receives the HTTP metrics; served at /metrics
	Zoom    *zoom.Service        // Zoom clients for staff grants
	River   *jobs.River          // enqueues the jobs pages start
}

// Handlers holds the portal's dependencies. Build it with New.
type Handlers struct {
	log      *slog.Logger
	store    *store.Store
	sessions *scs.SessionManager
	cfg      Config
	ready    ReadyFunc
	metrics  *metrics
	zoom     *zoom.Service    // sign-in (OAuth) only: every other Zoom call goes through svc
	svc      *service.Service // the rules: grants, changes at Zoom, look-ups
	river    *jobs.River
	mux      *chi.Mux // the router, for middleware that needs a request's route before routing
}

// New returns the portal's HTTP handler.
func New(log *slog.Logger, st *store.Store, sessions *scs.SessionManager, cfg Config, d Deps) http.Handler {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WebhookDelay == 0 {
		cfg.WebhookDelay = jobs.WebhookDelay
	}
	svc := service.New(st, d.Zoom, log)
	svc.ChangeLease = cfg.ChangeLease
	h := &Handlers{log: log, store: st, sessions: sessions, cfg: cfg, ready: d.Ready, metrics: newMetrics(d.Metrics),
		zoom: d.Zoom, svc: svc, river: d.River}
	return h.routes(d.Metrics)
}
