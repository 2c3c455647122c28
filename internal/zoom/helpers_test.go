package zoom_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"golang.org/x/oauth2"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// env is a sandbox behind a real HTTP server and a Service pointed at it.
type env struct {
	t    *testing.T
	sb   *sandbox.Sandbox
	srv  *httptest.Server
	reg  *prometheus.Registry
	logs *syncBuffer
	cfg  zoom.Config
	svc  *zoom.Service

	mu       sync.Mutex
	idle     *sync.Cond // signalled when inflight changes
	inflight int        // requests inside the sandbox's handler
	arrived  int        // requests that reached the sandbox's handler
}

// track counts requests entering (+1) and leaving (-1) the sandbox's handler.
func (e *env) track(d int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inflight += d
	if d > 0 {
		e.arrived++
	}
	e.idle.Broadcast()
}

// waitArrived waits until n requests in all have reached the sandbox.
func (e *env) waitArrived(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.arrived < n {
		e.idle.Wait()
	}
}

const testRedirect = "http://127.0.0.1:8080/auth/zoom/callback"

// newEnv starts a sandbox with opts and a Service with cfg filled in for it: API and OAuth
// URLs, the demo app, a fresh registry, a JSON log, fast backoff (unless set).
func newEnv(t *testing.T, opts sandbox.Options, cfg zoom.Config) *env {
	t.Helper()
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	e := &env{t: t, sb: sb, reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	e.idle = sync.NewCond(&e.mu)
	h := sb.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.track(1)
		defer e.track(-1)
		h.ServeHTTP(w, r)
	}))
	e.srv = srv
	sb.SetPublicURL(srv.URL)
	t.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("sandbox Close: %v", err)
		}
	})
	cfg.APIURL = srv.URL + "/v2"
	cfg.App = zoom.App{OAuthURL: srv.URL, ClientID: sandbox.DemoClientID, ClientSecret: sandbox.DemoClientSecret, RedirectURL: testRedirect}
	cfg.Registry = e.reg
	cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = 5 * time.Millisecond
	}
	e.cfg = cfg
	e.svc = e.newService(cfg)
	return e
}

// newService builds another Service on the same sandbox (another "process").
func (e *env) newService(cfg zoom.Config) *zoom.Service {
	e.t.Helper()
	svc, err := zoom.NewService(cfg)
	if err != nil {
		e.t.Fatalf("NewService: %v", err)
	}
	return svc
}

// app returns a seeded app by client id.
func (e *env) app(clientID string) sandbox.AppInfo {
	e.t.Helper()
	for _, a := range e.sb.Apps() {
		if a.ClientID == clientID {
			return a
		}
	}
	e.t.Fatalf("no sandbox app %s", clientID)
	return sandbox.AppInfo{}
}

// s2s returns a Client for a seeded Server-to-Server app ("tierdesk-s2s-northwind", ...).
func (e *env) s2s(svc *zoom.Service, clientID string) *zoom.Client {
	e.t.Helper()
	a := e.app(clientID)
	c, err := svc.S2SClient(zoom.S2SCredentials{GrantID: 7, AccountID: a.AccountID, ClientID: a.ClientID, ClientSecret: a.ClientSecret})
	if err != nil {
		e.t.Fatalf("S2SClient: %v", err)
	}
	return c
}

// user finds a seeded user by email.
func (e *env) user(email string) sandbox.UserInfo {
	e.t.Helper()
	for _, u := range e.sb.Users() {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	e.t.Fatalf("no sandbox user %s", email)
	return sandbox.UserInfo{}
}

// signIn runs the authorization code flow with PKCE for a sandbox user (login_hint signs in
// at once) and exchanges the code with zoom.App.
func (e *env) signIn(email string) *oauth2.Token {
	e.t.Helper()
	verifier := oauth2.GenerateVerifier()
	u := e.cfg.App.AuthCodeURL("st", verifier, email)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(u)
	if err != nil {
		e.t.Fatalf("authorize: %v", err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		e.t.Fatalf("authorize %s: status %d, Location %q", email, res.StatusCode, res.Header.Get("Location"))
	}
	tok, err := e.cfg.App.Exchange(context.Background(), loc.Query().Get("code"), verifier)
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return tok
}

// grant is a staff member's grant stored in Postgres.
type grant struct {
	st        *store.Store
	partnerID int64
	grantID   int64
	tokens    store.Tokens
}

// storeGrant signs email in, registers its account as a partner with email as owner, and
// stores the grant, with the access token's expiry overridden when expiry is not zero.
func (e *env) storeGrant(st *store.Store, email string, expiry time.Time) grant {
	e.t.Helper()
	ctx := context.Background()
	tok := e.signIn(email)
	u := e.user(email)
	tokens := store.Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, Scopes: zoom.Scopes(tok)}
	if !expiry.IsZero() {
		tokens.Expiry = expiry
	}
	pending, err := st.SavePendingGrant(ctx, u.AccountID, u.ID, sandbox.DemoClientID, tokens)
	if err != nil {
		e.t.Fatalf("SavePendingGrant: %v", err)
	}
	p, _, err := st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: u.AccountID, Name: u.AccountName,
		Owner: store.StaffIdentity{ZoomUserID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}, GrantID: pending}, store.AuditEvent{})
	if err != nil {
		e.t.Fatalf("RegisterPartner: %v", err)
	}
	return grant{st: st, partnerID: p.ID, grantID: pending, tokens: tokens}
}

// settle waits until the sandbox has finished every request it received (a handler that
// outlived the client's timeout, a dropped connection), so that its request log is complete.
// Call it when no request is being started.
func (e *env) settle() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.inflight > 0 {
		e.idle.Wait()
	}
}

// clearRequests empties the sandbox's request log once every request received is logged.
func (e *env) clearRequests() {
	e.settle()
	e.sb.ClearRequests()
}

// requests returns the sandbox's request log entries matching method ("" any) and path
// (exact, or a prefix when it ends in "*"), once every request received has been handled.
func (e *env) requests(method, path string) []sandbox.RequestRecord {
	e.settle()
	var out []sandbox.RequestRecord
	for _, r := range e.sb.Requests() {
		if method != "" && r.Method != method {
			continue
		}
		if p, ok := strings.CutSuffix(path, "*"); ok {
			if !strings.HasPrefix(r.Path, p) {
				continue
			}
		} else if r.Path != path {
			continue
		}
		out = append(out, r)
	}
	return out
}

// statuses lists the statuses of records.
func statuses(rs []sandbox.RequestRecord) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.Status
	}
	return out
}

// metric returns the value of a counter, the sample count of a histogram, or the sum of a
// histogram (name + "_sum"), summed over the series whose labels include want.
func (e *env) metric(name string, want map[string]string) float64 {
	e.t.Helper()
	families, err := e.reg.Gather()
	if err != nil {
		e.t.Fatalf("gather: %v", err)
	}
	base, sum := strings.CutSuffix(name, "_sum")
	total := 0.0
	for _, f := range families {
		if f.GetName() != base {
			continue
		}
		for _, m := range f.GetMetric() {
			if !hasLabels(m, want) {
				continue
			}
			switch {
			case m.Counter != nil:
				total += m.Counter.GetValue()
			case m.Histogram != nil && sum:
				total += m.Histogram.GetSampleSum()
			case m.Histogram != nil:
				total += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return total
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == k && l.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// maxPerSecond is the largest number of records in one second of the sandbox clock.
func maxPerSecond(rs []sandbox.RequestRecord) int {
	per := map[int64]int{}
	best := 0
	for _, r := range rs {
		s := r.Time.Unix()
		per[s]++
		best = max(best, per[s])
	}
	return best
}
