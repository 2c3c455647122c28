package zoom

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the client's Prometheus series. Labels are bounded: the route is a path
// template (never an id), the label a rate-limit category, the code one of Zoom's error codes;
// the only account named is a rate budget's owner, a partner's own Zoom account (one per
// partner): sub accounts are in the logs, never in labels.
type metrics struct {
	calls        *prometheus.CounterVec   // every attempt, by method, route, status and Zoom code
	errors       *prometheus.CounterVec   // failed calls (after retries), by method, route and kind
	latency      *prometheus.HistogramVec // attempt duration, by method and route
	throttleWait *prometheus.HistogramVec // time spent waiting for the rate budget, by label
	retries      *prometheus.CounterVec   // retries, by method, route and reason
	budgetUsed   *prometheus.CounterVec   // calls sent against each rate budget
	budgetRate   *prometheus.GaugeVec     // each rate budget's pace, calls per second
	rateLimited  *prometheus.CounterVec   // Zoom's 429 answers, by label and type
}

// newMetrics builds the series and registers them on reg (nil: not registered, still counted).
// Series already registered by another Service on the same registry are shared.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tierdesk", Subsystem: "zoom", Name: "calls_total",
			Help: "Zoom API attempts, by method, route template, HTTP status (\"none\" when no answer arrived) and Zoom's error code (\"0\" for none).",
		}, []string{"method", "route", "status", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tierdesk", Subsystem: "zoom", Name: "errors_total",
			Help: "Zoom API calls that failed after any retries, by kind (client_error, rate_limited, daily_limit, server_error, timeout, transport, outcome_unknown, reauth, grant, throttle, decode).",
		}, []string{"method", "route", "kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "tierdesk", Subsystem: "zoom", Name: "call_duration_seconds",
			Help:    "Duration of Zoom API attempts, from sending to the end of the answer.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		throttleWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "tierdesk", Subsystem: "zoom", Name: "throttle_wait_seconds",
			Help:    "Time calls waited for their Zoom account's rate budget, by rate-limit label.",
			Buckets: []float64{0, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"label"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tierdesk", Subsystem: "zoom", Name: "retries_total",
			Help: "Retried Zoom API reads, by reason (rate_limited, server_error, timeout, transport), and repeated calls after a token refresh (reauth).",
		}, []string{"method", "route", "reason"}),
		budgetUsed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tierdesk", Subsystem: "zoom", Name: "rate_budget_used_total",
			Help: "Calls sent against a rate budget: a partner's Zoom account (zoom_account) and a rate-limit label. Its rate, against tierdesk_zoom_rate_budget_calls_per_second, is the budget's use.",
		}, []string{"zoom_account", "label"}),
		budgetRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "tierdesk", Subsystem: "zoom", Name: "rate_budget_calls_per_second",
			Help: "The pace Tierdesk allows itself for a rate budget (ZOOM_PLAN's limit × ZOOM_RATE_SHARE, or less once Zoom said less), in calls per second.",
		}, []string{"zoom_account", "label"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tierdesk", Subsystem: "zoom", Name: "rate_limited_total",
			Help: "Zoom's 429 answers, by rate-limit label and type (per_second, daily).",
		}, []string{"label", "type"}),
	}
	if reg != nil {
		m.calls = register(reg, m.calls)
		m.errors = register(reg, m.errors)
		m.latency = register(reg, m.latency)
		m.throttleWait = register(reg, m.throttleWait)
		m.retries = register(reg, m.retries)
		m.budgetUsed = register(reg, m.budgetUsed)
		m.budgetRate = register(reg, m.budgetRate)
		m.rateLimited = register(reg, m.rateLimited)
	}
	return m
}

// register registers c, or returns the collector already registered under its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("zoom: register metrics: " + err.Error())
	}
	return c
}

// codeLabel is the code label of an attempt: Zoom's error code in the body of an answer that
// is not a success, "0" otherwise.
func codeLabel(status int, data []byte) string {
	if status >= 200 && status <= 299 || status == 0 {
		return "0"
	}
	return strconv.Itoa(zoomCode(data))
}

// statusLabel is the status label of an attempt.
func statusLabel(status int) string {
	if status == 0 {
		return "none"
	}
	return strconv.Itoa(status)
}
