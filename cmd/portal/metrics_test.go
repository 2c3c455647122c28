package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the portal's /metrics as Prometheus would.
func scrape(t *testing.T, base string) map[string][]*model.Sample {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	dec := expfmt.SampleDecoder{Dec: expfmt.NewDecoder(resp.Body, expfmt.NewFormat(expfmt.TypeTextPlain)), Opts: &expfmt.DecodeOptions{Timestamp: model.Now()}}
	out := map[string][]*model.Sample{}
	for {
		var v model.Vector
		if err := dec.Decode(&v); err != nil {
			break
		}
		for _, s := range v {
			name := string(s.Metric[model.MetricNameLabel])
			out[name] = append(out[name], s)
		}
	}
	return out
}

// sum adds the samples of name whose labels include want.
func sum(m map[string][]*model.Sample, name string, want map[string]string) (float64, bool) {
	var total float64
	found := false
	for _, s := range m[name] {
		ok := true
		for k, v := range want {
			if string(s.Metric[model.LabelName(k)]) != v {
				ok = false
			}
		}
		if ok {
			total += float64(s.Value)
			found = true
		}
	}
	return total, found
}

// TestOperatorMetricsMoveWith429s runs the portal as `portal serve` does, signs a partner
// in, and has the sandbox answer the customer list with 429s while a sync runs: the Zoom
// call, rate-limit, retry, rate-budget, job, grant, webhook and audit metrics exist, and the
// 429 series move by what happened.
func TestOperatorMetricsMoveWith429s(t *testing.T) {
	db := newTestDB(t)
	env := baseEnv(t, db)
	p := startPortal(t, "serve", env)
	waitPortalIdle(t, db)
	w := newWebClient(t)
	if resp, _ := w.get(p.URL + "/auth/zoom/login?login_hint=owner@northwind.example"); resp.Request.URL.Path != "/register" {
		t.Fatalf("sign-in ended at %s", resp.Request.URL)
	}
	if resp, _ := w.post(p.URL+"/register", url.Values{"name": {"Northwind Distribution"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	waitPortalIdle(t, db) // the first sync, started by the registration
	before := scrape(t, p.URL)
	if n, _ := sum(before, "tierdesk_zoom_rate_limited_total", nil); n != 0 {
		t.Fatalf("429s before any fault: %v", n)
	}

	// Zoom answers the next two listings of sub accounts with 429 (per-second limit).
	fault, _ := json.Marshal(map[string]any{"method": "GET", "path": "/v2/accounts", "status": 429, "code": 429,
		"message": "You have reached the maximum per-second rate limit for this API. Try again later.", "count": 2})
	resp, err := http.Post(p.SandboxURL+"/_sandbox/faults", "application/json", bytes.NewReader(fault))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add fault: %v %v", err, resp)
	}
	resp.Body.Close()
	if resp, _ := w.post(p.URL+"/customers/sync", url.Values{}); resp.StatusCode != http.StatusOK {
		t.Fatalf("sync now: %d", resp.StatusCode)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	waitFor(t, startPatience, "the second sync", func() bool {
		var done int
		return conn.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE kind = 'sync_customers' AND status = 'succeeded'`).Scan(&done) == nil && done >= 2
	})
	// A customer page whose trusted domains Zoom refuses once (a client error, not retried).
	var customer string
	if err := conn.QueryRow(ctx, `SELECT zoom_account_id FROM customers ORDER BY seats DESC, id LIMIT 1`).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	fault, _ = json.Marshal(map[string]any{"method": "GET", "path": "/v2/accounts/*/trusted_domains", "status": 400, "code": 200, "message": "No permission.", "count": 1})
	if resp, err := http.Post(p.SandboxURL+"/_sandbox/faults", "application/json", bytes.NewReader(fault)); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add fault: %v %v", err, resp)
	}
	if resp, _ := w.get(p.URL + "/customers/" + customer); resp.StatusCode != http.StatusOK {
		t.Fatalf("customer page: %d", resp.StatusCode)
	}
	// An unsigned webhook delivery, refused.
	if resp, err := http.Post(p.URL+"/webhooks/zoom", "application/json", strings.NewReader(`{"event":"account.updated"}`)); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned webhook: %v %v", err, resp)
	}

	after := scrape(t, p.URL)
	moved := []struct {
		name   string
		labels map[string]string
		delta  float64 // at least
	}{
		{"tierdesk_zoom_calls_total", map[string]string{"route": "/accounts", "status": "429", "code": "429"}, 2},
		{"tierdesk_zoom_rate_limited_total", map[string]string{"label": "Medium", "type": "per_second"}, 2},
		{"tierdesk_zoom_retries_total", map[string]string{"route": "/accounts", "reason": "rate_limited"}, 2},
		{"tierdesk_zoom_calls_total", map[string]string{"route": "/accounts", "status": "200", "code": "0"}, 1},
		{"tierdesk_zoom_rate_budget_used_total", map[string]string{"label": "Medium"}, 3},
		{"tierdesk_webhook_received_total", map[string]string{"result": "refused"}, 1},
		{"tierdesk_zoom_calls_total", map[string]string{"route": "/accounts/{accountId}/trusted_domains", "status": "400", "code": "200"}, 1},
		{"tierdesk_zoom_errors_total", map[string]string{"route": "/accounts/{accountId}/trusted_domains", "kind": "client_error"}, 1},
	}
	for _, m := range moved {
		b, _ := sum(before, m.name, m.labels)
		a, found := sum(after, m.name, m.labels)
		if !found || a-b < m.delta {
			t.Errorf("%s%v went from %v to %v, want a rise of at least %v", m.name, m.labels, b, a, m.delta)
		}
	}
	present := []struct {
		name   string
		labels map[string]string
	}{
		{"tierdesk_zoom_call_duration_seconds_count", map[string]string{"route": "/accounts"}},
		{"tierdesk_zoom_throttle_wait_seconds_count", map[string]string{"label": "Medium"}},
		{"tierdesk_zoom_rate_budget_calls_per_second", map[string]string{"label": "Medium"}},
		{"tierdesk_jobs", map[string]string{"kind": "sync_customers", "state": "completed"}},
		{"tierdesk_jobs_oldest_queued_seconds", map[string]string{"kind": "sync_customers"}},
		{"tierdesk_zoom_grants", map[string]string{"kind": "user", "status": "active"}},
		{"tierdesk_zoom_grants_expiring", map[string]string{"kind": "user"}},
		{"tierdesk_ops_stats_up", nil},
		{"tierdesk_audit_seal_lag_seconds_count", nil},
		{"tierdesk_http_requests_total", map[string]string{"route": "/customers/sync"}},
	}
	for _, m := range present {
		if v, found := sum(after, m.name, m.labels); !found {
			t.Errorf("%s%v is missing from /metrics", m.name, m.labels)
		} else if m.name == "tierdesk_ops_stats_up" && v != 1 {
			t.Errorf("tierdesk_ops_stats_up = %v", v)
		}
	}
	if rate, _ := sum(after, "tierdesk_zoom_rate_budget_calls_per_second", map[string]string{"label": "Medium"}); rate <= 0 {
		t.Errorf("the Medium budget's pace is %v calls/s", rate)
	}
	if n, _ := sum(after, "tierdesk_zoom_grants", map[string]string{"kind": "user", "status": "active"}); n < 1 {
		t.Errorf("%v active user grants, want the owner's", n)
	}
	// Every series the shipped dashboard and alert rules use is one the portal exports.
	for _, name := range deployMetricNames(t) {
		if len(after[name]) == 0 && len(after[name+"_bucket"]) == 0 {
			t.Errorf("deploy/ uses %s, which /metrics does not have", name)
		}
	}
}
