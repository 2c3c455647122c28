package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tierdesk/tierdesk/internal/input"
)

// metrics are the portal's HTTP metrics.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// signInRefused counts callbacks refused before any sign-in was known (no pending
	// sign-in, an unknown or used state): anyone can send those, so they are counted and
	// logged, not written to the append-only audit log.
	signInRefused *prometheus.CounterVec
	// inputRefused counts requests refused because they carried something that is not text.
	inputRefused *prometheus.CounterVec
	// webhooks counts Zoom's webhook deliveries by what became of them.
	webhooks *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tierdesk_http_requests_total", Help: "HTTP requests served, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tierdesk_http_request_duration_seconds", Help: "Time to serve HTTP requests, by method and route pattern.",
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		signInRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tierdesk_signin_refused_total", Help: "Sign-in callbacks refused before a pending sign-in was found, by reason.",
		}, []string{"reason"}),
		inputRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tierdesk_input_refused_total", Help: "Requests refused because their path, query, form or webhook body was not text (invalid UTF-8 or NUL), by where.",
		}, []string{"where"}),
	}
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tierdesk_webhook_received_total", Help: "Zoom webhook deliveries, by result: recorded (to be applied), repeat (a retry of one recorded before), refused (unsigned, stale, malformed, no partner's secret), not_recorded (the database failed: Zoom retries).",
	}, []string{"result"})
	for _, r := range []string{"recorded", "repeat", "refused", "not_recorded"} {
		m.webhooks.WithLabelValues(r) // exported from the start, at 0
	}
	reg.MustRegister(m.requests, m.duration, m.signInRefused, m.inputRefused, m.webhooks)
	return m
}

// accessLog logs one line per request (without the query string, which can carry OAuth codes
// and states) and records the request metrics by route pattern.
func (h *Handlers) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		elapsed := time.Since(start)
		method := metricMethod(r.Method)
		h.metrics.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		h.metrics.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			return
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		h.log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", middleware.GetReqID(r.Context())),
			slog.String("method", method), slog.String("path", input.Safe(r.URL.Path)), slog.String("route", route),
			slog.Int("status", status), slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("duration", elapsed), slog.String("remote", h.clientIP(r)))
	})
}

// metricMethod is a request's method as a metrics label: the methods of HTTP itself, and
// "OTHER" for any other name, which a client may make up at will (each would be a new series).
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// clientIP is the address the request came from: the peer's, or, when the peer is a trusted
// proxy (PORTAL_TRUSTED_PROXIES), the last address in X-Forwarded-For that is not one.
func (h *Handlers) clientIP(r *http.Request) string {
	addr, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	ip := addr.Addr().Unmap()
	if !h.trusted(ip) {
		return ip.String()
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		ip = hop.Unmap()
		if !h.trusted(ip) {
			break
		}
	}
	return ip.String()
}

func (h *Handlers) trusted(ip netip.Addr) bool {
	for _, p := range h.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// recoverer turns a panic into a logged error with its stack and a plain 500 page.
func (h *Handlers) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.log.LogAttrs(r.Context(), slog.LevelError, "panic",
					slog.String("request_id", middleware.GetReqID(r.Context())),
					slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
				h.renderError(w, r, errInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries: a CSP that allows no inline
// script, no framing, no MIME sniffing, and HSTS when the portal is served over https.
func (h *Handlers) securityHeaders(next http.Handler) http.Handler {
	csp := strings.Join([]string{
		"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
		"connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
	}, "; ")
	hsts := h.cfg.BaseURL != nil && h.cfg.BaseURL.Scheme == "https"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if hsts {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses cross-origin browser requests with unsafe methods (CSRF), using Go's
// http.CrossOriginProtection (Sec-Fetch-Site, then Origin against Host).
func (h *Handlers) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if h.cfg.BaseURL != nil {
		// Behind a proxy that rewrites Host, the public origin is still ours.
		_ = cop.AddTrustedOrigin(h.cfg.BaseURL.Scheme + "://" + h.cfg.BaseURL.Host)
	}
	cop.SetDenyHandler(h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "cross-origin request refused",
			slog.String("request_id", middleware.GetReqID(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("origin", r.Header.Get("Origin")))
		return &pageError{status: http.StatusForbidden, title: "Request refused",
			message: "This form was sent from another site, so Tierdesk refused it. Open Tierdesk directly and try again."}
	}))
	return cop.Handler(next)
}

// limitBody caps request bodies.
func (h *Handlers) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			limit := h.cfg.MaxBodyBytes
			if r.Method == http.MethodPost && r.URL.Path == "/imports" {
				// A bulk user file of 10,000 rows with long names runs past the general limit.
				limit = max(limit, MaxImportBytes)
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// requestIDPattern is what a request id from upstream (a load balancer's X-Request-Id) must
// look like to be kept; anything else is replaced by one of ours.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:/-]{1,64}$`)

// cleanRequestID keeps an incoming X-Request-Id only from a trusted proxy
// (PORTAL_TRUSTED_PROXIES) and only when it is a plain token; any other request gets an id of
// ours, so that no client-chosen text reaches the logs and the audit log through it.
func (h *Handlers) cleanRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(middleware.RequestIDHeader); id != "" && (!h.fromTrustedProxy(r) || !requestIDPattern.MatchString(id)) {
			r.Header.Del(middleware.RequestIDHeader)
		}
		next.ServeHTTP(w, r)
	})
}

// fromTrustedProxy reports whether the request's peer is one of PORTAL_TRUSTED_PROXIES.
func (h *Handlers) fromTrustedProxy(r *http.Request) bool {
	addr, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && h.trusted(addr.Addr().Unmap())
}

// unescapeParams hands the route's parameters to the handlers as they were before
// internal/paths escaped them. chi matches a request on its escaped path whenever that
// differs from Go's own encoding of the decoded one (an id holding "/", ";" or ",": "%2F" must
// not split a segment), and then gives the parameters still escaped; otherwise it matches the
// decoded path and they arrive decoded. It runs after routing (in the route's group), once.
func unescapeParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rc := chi.RouteContext(r.Context()); rc != nil && r.URL.RawPath != "" {
			for i, v := range rc.URLParams.Values {
				if s, err := url.PathUnescape(v); err == nil {
					rc.URLParams.Values[i] = s
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
