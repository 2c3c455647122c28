package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// portal is a whole portal process (as `portal serve` or `portal dev` runs it) started
// through run on port 0.
type portal struct {
	URL        string
	SandboxURL string
	Output     *syncBuffer
	stop       func()
	done       chan error
}

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// baseEnv is a complete configuration for a test portal on database url (given as its
// owner), with the sandbox: the owner migrates, the portal logs in as its own role.
func baseEnv(t testing.TB, url string) map[string]string {
	return map[string]string{
		"MIGRATE_DATABASE_URL": url,
		"DATABASE_URL":         storetest.AppURL(t, url),
		"PORTAL_ADDR":          "127.0.0.1:0",
		"PORTAL_SANDBOX":       "true",
		"PORTAL_SANDBOX_ADDR":  "127.0.0.1:0",
		"PORTAL_SECRET_KEY":    secret.NewKey("t1"),
		"PORTAL_LOG_LEVEL":     "warn",
	}
}

// startPatience bounds how long a portal may take to start, answer ready or shut down: long
// enough for a busy machine (the time only keeps a broken test from hanging).
const startPatience = 2 * time.Minute

// startPortal runs the portal command cmd with env until the test ends, and waits until
// /readyz answers 200.
func startPortal(t *testing.T, cmd string, env map[string]string) *portal {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	p := &portal{Output: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	stderr := io.Writer(p.Output)
	if os.Getenv("TEST_LOG") != "" {
		stderr = io.MultiWriter(p.Output, os.Stderr)
	}
	go func() {
		err := run(ctx, []string{cmd}, func(k string) string { return env[k] }, pw, stderr)
		pw.CloseWithError(io.EOF)
		p.done <- err
	}()
	urls := make(chan [2]string, 1)
	go func() {
		var u [2]string
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			p.Output.Write([]byte(line + "\n"))
			if v, ok := strings.CutPrefix(line, "Zoom sandbox listening on "); ok {
				u[1] = v
			}
			if v, ok := strings.CutPrefix(line, "portal listening on "); ok && !sent {
				u[0] = v
				urls <- u
				sent = true
			}
		}
		if !sent {
			close(urls)
		}
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("portal exited before listening: %v\n%s", <-p.done, p.Output)
		}
		p.URL, p.SandboxURL = u[0], u[1]
	case <-time.After(startPatience):
		t.Fatalf("portal did not start:\n%s", p.Output)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("portal exited with %v", err)
			}
		case <-time.After(startPatience):
			t.Errorf("portal did not shut down within %s", startPatience)
		}
	})
	waitReady(t, p.URL, http.StatusOK, startPatience)
	return p
}

// waitPortalIdle waits until a portal on the database at url (as its owner) has done the work
// it starts with: River, once the process is its leader (seconds after the start on a busy
// machine), runs the periodic jobs that run at start, among them a customer sync of every
// partner Tierdesk can sync (for `portal dev`, every demo partner: a hundred Zoom calls and
// their rows), and then no job is left to run. A test's first steps then do not compete with
// that work, which on a busy machine made them many times slower.
func waitPortalIdle(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	waitFor(t, startPatience, "the portal's start-up jobs", func() bool {
		var left int
		var started bool
		if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state IN ('available', 'running', 'retryable')
				OR (state = 'scheduled' AND scheduled_at < now() + interval '1 second')), coalesce(bool_or(kind = 'sync_all'), false)
			FROM river_job`).Scan(&left, &started); err != nil {
			t.Fatal(err)
		}
		return started && left == 0
	})
}

// waitReady polls /readyz until it answers want.
func waitReady(t testing.TB, base string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	last := 0
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			last = resp.StatusCode
			resp.Body.Close()
			if last == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("/readyz did not answer %d within %s (last %d)", want, within, last)
}

func newTestDB(t testing.TB) string { return storetest.NewDatabase(t) }
