package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tierdesk/tierdesk/web/static"
)

// routes is the whole HTTP surface of the portal, with the guards of each group beside it.
func (h *Handlers) routes(reg *prometheus.Registry) http.Handler {
	r := chi.NewRouter()
	r.Use(cleanRequestID, middleware.RequestID, h.accessLog, h.recoverer, h.securityHeaders, h.crossOrigin, h.limitBody)
	r.NotFound(h.wrap(h.notFound))
	r.MethodNotAllowed(h.wrap(h.methodNotAllowed))

	// Probes and metrics: no session.
	r.Get("/healthz", h.healthz)
	r.Get("/readyz", h.readyz)
	r.Method(http.MethodGet, "/metrics", h.metricsAuth(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	r.Method(http.MethodGet, static.Prefix+"*", static.Handler())

	// Everything else has a session.
	r.Group(func(r chi.Router) {
		r.Use(h.sessions.LoadAndSave, h.loadStaff)

		// Public: sign-in and registration of a new partner.
		r.Get("/signin", h.wrap(h.signInPage))
		r.Get("/auth/zoom/login", h.wrap(h.zoomLogin))
		r.Get("/auth/zoom/callback", h.wrap(h.zoomCallback))
		r.Post("/signout", h.wrap(h.signOut))
		r.Get("/register", h.wrap(h.registerPage))
		r.Post("/register", h.wrap(h.register))

		// Signed in: any staff member of the acting partner.
		r.Group(func(r chi.Router) {
			r.Use(h.requireStaff)
			r.Get("/", h.wrap(h.dashboard))
			r.Get("/audit", h.wrap(h.auditList))
			r.Get("/audit.csv", h.wrap(h.auditExportCSV))
			r.Get("/audit.ndjson", h.wrap(h.auditExportNDJSON))
			r.Get("/audit/{seq}", h.wrap(h.auditDetail))
			r.Get("/customers", h.wrap(h.customersList))
			r.Post("/customers/sync", h.wrap(h.syncNow))
			r.Get("/customers/{accountId}", h.wrap(h.customerPage))
			r.Get("/jobs/{jobId}", h.wrap(h.jobPage))
			r.Get("/staff", h.wrap(h.staffPage))
			r.Post("/staff", h.wrap(h.inviteStaff))
			r.Post("/staff/{staffId}/role", h.wrap(h.changeStaffRole))
			r.Post("/staff/{staffId}/status", h.wrap(h.changeStaffStatus))
			r.Get("/settings", h.wrap(h.settingsPage))
			r.Post("/settings/s2s", h.wrap(h.saveS2S))
			r.Post("/settings/s2s/remove", h.wrap(h.removeS2S))
		})
	})
	return r
}
