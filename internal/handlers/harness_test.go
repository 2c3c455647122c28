package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tierdesk/tierdesk/internal/handlers"
	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// env is a whole portal (real PostgreSQL, real HTTP) wired to an in-process Zoom sandbox.
type env struct {
	t       testing.TB
	URL     string
	Sandbox *sandbox.Sandbox
	SbURL   string
	Store   *store.Store
	Keys    *secret.Keyring
	Handler http.Handler // the portal's router
	River   *jobs.River  // the portal's River client, started
	clock   *clock

	superPool *pgxpool.Pool
}

// clock is the portal's movable clock.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

func testLogger() *slog.Logger {
	if os.Getenv("TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvLogging(t, testLogger())
}

// newEnvLogging is newEnv with every part (handlers, sessions, Zoom client, River) logging to
// logger, for tests that look at what is logged.
func newEnvLogging(t testing.TB, logger *slog.Logger) *env {
	t.Helper()
	pool := storetest.NewPool(t)
	keys := storetest.Keys(t)
	st := store.New(pool, keys)
	// The audit sequencer, as portal serve runs it.
	t.Cleanup(st.StartAuditSealer(context.Background(), store.SealerOptions{Log: logger}))
	sb, err := sandbox.New(sandbox.Options{Seed: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	sbSrv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { sbSrv.Close(); sb.Close() })
	sb.SetPublicURL(sbSrv.URL)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://" + ln.Addr().String())
	sessions := handlers.NewSessionManager(st.SessionStore(handlers.SessionWriteSlack), false, logger)
	e := &env{t: t, URL: base.String(), Sandbox: sb, SbURL: sbSrv.URL, Store: st, Keys: keys, clock: &clock{}}
	app := zoom.App{OAuthURL: sbSrv.URL, ClientID: sandbox.DemoClientID, ClientSecret: sandbox.DemoClientSecret,
		RedirectURL: base.String() + "/auth/zoom/callback"}
	cfg := handlers.Config{BaseURL: base, Sandbox: true, ZoomApp: app, Now: e.clock.Now, WebhookDelay: 200 * time.Millisecond}
	// The Zoom client as `portal serve` wires it: rate budgets shared through PostgreSQL.
	zsvc, err := zoom.NewService(zoom.Config{APIURL: sbSrv.URL + "/v2", App: app, Grants: service.GrantStore(st),
		Limiter: service.RateLimiter(st), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := jobs.NewClient(st, zsvc, logger, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.River = rc
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rc.Stop(ctx)
	})
	ready := func(ctx context.Context) error { return pool.Ping(ctx) }
	deps := handlers.Deps{Ready: ready, Metrics: prometheus.NewRegistry(), Zoom: zsvc, River: rc}
	e.Handler = handlers.New(logger, st, sessions, cfg, deps)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: e.Handler}}
	srv.Start()
	t.Cleanup(srv.Close)
	return e
}

// awaitSealed waits, 30 seconds at most, until the audit sequencer has sealed every event of
// partnerID's chain committed before the call.
func (e *env) awaitSealed(partnerID int64) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Store.AwaitSealed(ctx, partnerID); err != nil {
		e.t.Fatal(err)
	}
}

// browser is an HTTP client with its own cookie jar that does not follow redirects, so
// tests can look at every step.
type browser struct {
	t testing.TB
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a fetched response with its body read.
type page struct {
	*http.Response
	Body string
}

func (p *page) Doc() *goquery.Document {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(p.Body))
	if err != nil {
		panic(err)
	}
	return doc
}

// TestID returns the trimmed text of the element with data-testid=id.
func (p *page) TestID(id string) string {
	return strings.TrimSpace(p.Doc().Find(`[data-testid="` + id + `"]`).First().Text())
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return &page{Response: resp, Body: string(body)}
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// post sends a same-origin form, as a browser would.
func (b *browser) post(u string, form url.Values) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// postMultipart sends a same-origin multipart/form-data form, as a browser does with a file
// input: fields, and a file part named "file" when fileName is not empty.
func (b *browser) postMultipart(u string, fields url.Values, fileName string, content []byte) *page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			b.t.Fatal(err)
		}
		if _, err := fw.Write(content); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, u, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// location resolves a redirect's Location against the request URL.
func (p *page) location(t testing.TB) string {
	t.Helper()
	if p.StatusCode < 300 || p.StatusCode > 399 {
		t.Fatalf("%s %s: status %d, want a redirect; body: %.300s", p.Request.Method, p.Request.URL, p.StatusCode, p.Body)
	}
	loc, err := p.Request.URL.Parse(p.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.String()
}

// startSignIn goes to /auth/zoom/login (with login_hint) and through the sandbox's authorize
// step, and returns the callback URL the sandbox redirects to, without visiting it.
func (b *browser) startSignIn(e *env, email string) string {
	b.t.Helper()
	login := b.get(e.URL + "/auth/zoom/login?login_hint=" + url.QueryEscape(email))
	authorize := login.location(b.t)
	if !strings.HasPrefix(authorize, e.SbURL+"/oauth/authorize?") {
		b.t.Fatalf("login redirects to %s, want the sandbox's authorize", authorize)
	}
	cb := b.get(authorize).location(b.t)
	if !strings.HasPrefix(cb, e.URL+"/auth/zoom/callback?") {
		b.t.Fatalf("authorize redirects to %s, want the portal's callback", cb)
	}
	return cb
}

// signIn signs in as email through the whole flow, registering the partner when offered.
func (b *browser) signIn(e *env, email string) *page {
	b.t.Helper()
	next := b.get(b.startSignIn(e, email)).location(b.t)
	if strings.HasSuffix(next, "/register") {
		form := b.get(next)
		name := form.Doc().Find("input#name").AttrOr("value", "")
		if name == "" {
			name = "Partner of " + email
		}
		next = b.post(e.URL+"/register", url.Values{"name": {name}}).location(b.t)
	}
	return b.get(next)
}

func (b *browser) cookie(e *env, name string) string {
	u, _ := url.Parse(e.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// sandboxRequests returns the sandbox's request log entries with method and path prefix.
func (e *env) sandboxRequests(method, pathPrefix string) []sandbox.RequestRecord {
	var out []sandbox.RequestRecord
	for _, r := range e.Sandbox.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, r)
		}
	}
	return out
}
