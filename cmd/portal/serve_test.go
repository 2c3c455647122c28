package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tierdesk/tierdesk/internal/devdb"
	"github.com/tierdesk/tierdesk/internal/store"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the body: %v", url, err)
	}
	return resp, string(b)
}

func TestServeProbesHeadersAssetsAndErrors(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "serve", baseEnv(t, newTestDB(t)))

	if resp, body := get(t, p.URL+"/healthz"); resp.StatusCode != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(t, p.URL+"/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("/: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := get(t, p.URL+"/signin")
	if resp.StatusCode != 200 || !strings.Contains(body, "Sign in with Zoom") {
		t.Fatalf("/signin: %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff header")
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain http")
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(body) || strings.Contains(body, " onclick=") {
		t.Error("page has inline script")
	}
	// Assets are linked under content-hashed names and cached for a year.
	css := regexp.MustCompile(`/static/app\.[0-9a-f]{8}\.css`).FindString(body)
	if css == "" {
		t.Fatal("no hashed stylesheet link on /signin")
	}
	resp, body = get(t, p.URL+css)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || len(body) < 1000 {
		t.Fatalf("stylesheet: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	if resp, _ := get(t, p.URL+"/static/app.00000000.css"); resp.StatusCode != 404 {
		t.Fatalf("stale asset name: %d", resp.StatusCode)
	}
	resp, body = get(t, p.URL+"/no/such/page")
	if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") {
		t.Fatalf("unknown page: %d", resp.StatusCode)
	}
	resp, body = get(t, p.URL+"/metrics")
	if resp.StatusCode != 200 || !strings.Contains(body, `tierdesk_http_requests_total{method="GET",route="/signin",status="200"}`) {
		t.Fatalf("/metrics: %d\n%.2000s", resp.StatusCode, body)
	}
	// Request bodies are limited.
	big := strings.NewReader("name=" + strings.Repeat("x", 2<<20))
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/register", big)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB form: %d, want 413", r2.StatusCode)
	}
}

func TestReadyzFollowsPostgresWithoutRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cluster := newCluster(t)
	if err := cluster.CreateDatabase(ctx, "tierdesk"); err != nil {
		t.Fatal(err)
	}
	web, err := store.EnsureAppLogin(ctx, cluster.URL("tierdesk"), store.AppLogin, "")
	if err != nil {
		t.Fatal(err)
	}
	env := baseEnv(t, cluster.URL("tierdesk"))
	env["DATABASE_URL"] = web
	p := startPortal(t, "serve", env)
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, p.URL, http.StatusServiceUnavailable, startPatience)
	if resp, _ := get(t, p.URL+"/healthz"); resp.StatusCode != 200 {
		t.Fatalf("/healthz while Postgres is down: %d", resp.StatusCode)
	}
	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitReady(t, p.URL, http.StatusOK, startPatience)
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cluster := newCluster(t)
	if err := cluster.CreateDatabase(ctx, "fresh"); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": cluster.URL("fresh")}
	getenv := func(k string) string { return env[k] }
	var out strings.Builder
	if err := run(ctx, []string{"migrate", "status"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "00001_foundation.sql") || !regexp.MustCompile(`(?m)\spending\s*$`).MatchString(out.String()) {
		t.Fatalf("status before: %s", out.String())
	}
	// /readyz's check: Postgres answers, but the schema is behind, so not ready.
	pool, err := pgxpool.New(ctx, cluster.URL("fresh"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ready := readiness(pool)
	if err := ready(ctx); err == nil || !strings.Contains(err.Error(), "migrations") {
		t.Fatalf("readiness before migrating: %v, want migrations pending", err)
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "up"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "applied 00001_foundation.sql") || !strings.Contains(out.String(), "River migration") {
		t.Fatalf("up: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "status"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)\spending\s*$`).MatchString(out.String()) {
		t.Fatalf("status after: %s", out.String())
	}
	if err := ready(ctx); err != nil {
		t.Fatalf("readiness after migrating: %v", err)
	}
}

// newCluster starts a PostgreSQL cluster of the test's own, removed when it ends. It lives
// in a directory of its own under the system's temporary directory, which the server's user
// can reach when the tests run as root.
func newCluster(t *testing.T) *devdb.Cluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "tierdesk-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := devdb.Ensure(context.Background(), filepath.Join(dir, "pg"), devdb.Options{Throwaway: true})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cluster.Running() {
			cluster.Stop()
		}
		os.RemoveAll(dir)
	})
	return cluster
}

func TestServeRefusesAnOwnerLogin(t *testing.T) {
	t.Parallel()
	url := newTestDB(t)
	env := baseEnv(t, url)
	env["DATABASE_URL"] = url // the superuser
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "superuser or owns the schema") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("serve as the superuser: %v", err)
	}
}
