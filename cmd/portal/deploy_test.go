package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// deployDir is the folder of the Prometheus and Grafana files shipped with Tierdesk.
const deployDir = "../../deploy"

// promtool returns Debian's promtool (package prometheus, which `make test` installs).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is needed to check deploy/prometheus: apt-get install prometheus (make test installs it): %v", err)
	}
	return p
}

func runPromtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// The Prometheus configuration and alert rules load in Prometheus, and the rules' unit tests
// pass; every query of the Grafana dashboard is valid PromQL.
func TestDeployRulesAndDashboardLoad(t *testing.T) {
	prom := filepath.Join(deployDir, "prometheus")
	runPromtool(t, prom, "check", "config", "--syntax-only", "prometheus.yml")
	runPromtool(t, prom, "check", "rules", "alerts.yml")
	runPromtool(t, prom, "test", "rules", "alerts_test.yml")

	// The dashboard's queries, checked as recording rules.
	exprs := dashboardExprs(t)
	if len(exprs) < 15 {
		t.Fatalf("the dashboard has %d queries", len(exprs))
	}
	var b strings.Builder
	b.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range exprs {
		q, _ := json.Marshal(e)
		fmt.Fprintf(&b, "      - record: dashboard_query_%d\n        expr: %s\n", i, q)
	}
	f := filepath.Join(t.TempDir(), "dashboard_rules.yml")
	if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, ".", "check", "rules", f)
}

// dashboardExprs lists every query of deploy/grafana/dashboards/tierdesk.json.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "grafana", "dashboards", "tierdesk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	var out []string
	for _, p := range d.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	return out
}

// deployMetricNames lists the tierdesk_ series the dashboard and the alert rules use, by the
// name /metrics shows them under (a histogram's _bucket, _count and _sum by its name).
func deployMetricNames(t *testing.T) []string {
	t.Helper()
	text := strings.Join(dashboardExprs(t), "\n")
	rules, err := os.ReadFile(filepath.Join(deployDir, "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	text += "\n" + string(rules)
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`tierdesk_[a-z_]+`).FindAllString(text, -1) {
		seen[m] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
