package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DemoClientID is the client id of the demo OAuth app (user authorization code + PKCE) that
// every seed registers. It accepts any redirect URI on loopback: http://127.0.0.1:<port>/...,
// http://localhost:<port>/... and http://[::1]:<port>/....
const DemoClientID = "tierdesk-demo"

// DemoClientSecret is the client secret of the demo OAuth app.
const DemoClientSecret = "tierdesk-demo-secret"

// Seeds accepted by Options.Seed.
const (
	SeedDemo  = "demo"
	SeedEmpty = "empty"
)

// Options configures a Sandbox. Zero values mean the documented default.
type Options struct {
	// Seed is "demo" (default) or "empty"; used when there is no state file yet.
	Seed string
	// StateFile keeps the state across restarts: loaded at New, saved atomically after every
	// change and at Close. "" keeps state in memory only.
	StateFile string
	// Clock is the time source of every expiry (codes, tokens, page tokens, rate windows).
	// nil means time.Now.
	Clock func() time.Time
	// TokenTTL is the access-token lifetime; 0 means 3600s.
	TokenTTL time.Duration
	// RefreshTokenTTL is the refresh-token lifetime; 0 means 15 years (ZOOM_API.md §4.2).
	RefreshTokenTTL time.Duration
	// LimitsMultiplier scales every rate limit (per second and per day); 0 means 1.
	LimitsMultiplier float64
	// PublicURL is the sandbox's own base URL as browsers and clients see it, e.g.
	// http://127.0.0.1:9090 (used for api_url and absolute links); may be set after New with
	// SetPublicURL. "" means derived from each request's Host.
	PublicURL string
	// WebhookRetry is the delay before each retry of a failed webhook delivery; nil means
	// Zoom's 5m, 20m, 60m.
	WebhookRetry []time.Duration
	// WebhookURL and WebhookSecret configure the webhook endpoint at start (also settable
	// with SetWebhook or POST /_sandbox/webhook). The URL is validated before the first event.
	WebhookURL    string
	WebhookSecret string
	// Apps registers extra OAuth or Server-to-Server apps besides the seeded ones.
	Apps []AppInfo
	// Logger receives the sandbox's logs; nil means discard.
	Logger *slog.Logger
}

// Sandbox is an in-process emulator of Zoom. All methods are safe for concurrent use.
type Sandbox struct {
	opts    Options
	log     *slog.Logger
	handler http.Handler

	mu sync.RWMutex // guards st
	st *state

	publicURL atomic.Pointer[string]
	offset    atomic.Int64 // nanoseconds added to the clock by Advance
	trackSeq  atomic.Uint64

	limits *limiter
	busy   *busyUsers
	faults *faultSet
	reqs   *requestLog
	hooks  *webhooks

	saveCh    chan struct{}
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New builds a Sandbox: it loads Options.StateFile when it exists, or seeds a fresh state.
// It fails on an unknown seed name, an unreadable or corrupt state file, or an invalid app
// in Options.Apps.
func New(opts Options) (*Sandbox, error) {
	if opts.Seed == "" {
		opts.Seed = SeedDemo
	}
	if opts.Seed != SeedDemo && opts.Seed != SeedEmpty {
		return nil, fmt.Errorf("sandbox: unknown seed %q (want %q or %q)", opts.Seed, SeedDemo, SeedEmpty)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 3600 * time.Second
	}
	if opts.RefreshTokenTTL <= 0 {
		opts.RefreshTokenTTL = 15 * 365 * 24 * time.Hour
	}
	if opts.LimitsMultiplier <= 0 {
		opts.LimitsMultiplier = 1
	}
	if opts.WebhookRetry == nil {
		opts.WebhookRetry = []time.Duration{5 * time.Minute, 20 * time.Minute, 60 * time.Minute}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sandbox{
		opts:   opts,
		log:    log,
		limits: newLimiter(opts.LimitsMultiplier),
		busy:   newBusyUsers(),
		faults: newFaultSet(),
		reqs:   newRequestLog(),
		saveCh: make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
	s.SetPublicURL(opts.PublicURL)

	fresh := false
	if opts.StateFile != "" {
		st, err := loadState(opts.StateFile)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		s.st = st
	}
	if s.st == nil {
		s.st = buildSeed(opts.Seed, s.now())
		fresh = true
	}
	if err := s.addOptionApps(); err != nil {
		return nil, err
	}
	if opts.WebhookURL != "" {
		s.st.Webhook = webhookConfig{URL: opts.WebhookURL, Secret: opts.WebhookSecret}
	}
	s.hooks = newWebhooks(s)
	s.handler = s.routes()

	if opts.StateFile != "" {
		if fresh {
			if err := s.save(); err != nil {
				return nil, fmt.Errorf("sandbox: %w", err)
			}
		}
		s.wg.Add(1)
		go s.saveLoop()
	}
	s.hooks.start()
	log.Info("zoom sandbox ready", "seed", s.st.Seed, "accounts", len(s.st.Accounts), "users", len(s.st.Users), "state_file", opts.StateFile)
	return s, nil
}

// addOptionApps registers Options.Apps into the state (again after a Reset).
func (s *Sandbox) addOptionApps() error {
	for _, ai := range s.opts.Apps {
		a, err := appFromInfo(s.st, ai)
		if err != nil {
			return fmt.Errorf("sandbox: app %q: %w", ai.ClientID, err)
		}
		s.st.Apps[a.ClientID] = a
	}
	return nil
}

// Handler serves /oauth/*, /v2/*, /_sandbox/* and / (a small index page).
func (s *Sandbox) Handler() http.Handler { return s.handler }

// SetPublicURL sets the base URL browsers and clients use to reach the sandbox, e.g.
// http://127.0.0.1:9090. It is used for api_url and absolute links.
func (s *Sandbox) SetPublicURL(u string) {
	u = strings.TrimRight(u, "/")
	s.publicURL.Store(&u)
}

// baseURL is the public URL, or one derived from the request.
func (s *Sandbox) baseURL(r *http.Request) string {
	if u := *s.publicURL.Load(); u != "" {
		return u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// now is the sandbox clock: Options.Clock plus everything Advance added.
func (s *Sandbox) now() time.Time {
	return s.opts.Clock().Add(time.Duration(s.offset.Load())).UTC()
}

// Advance moves the sandbox clock forward by d (codes, tokens, page tokens and rate windows
// expire accordingly). A negative d is ignored.
func (s *Sandbox) Advance(d time.Duration) {
	if d > 0 {
		s.offset.Add(int64(d))
	}
}

// Reset puts the sandbox back to its seed: accounts, users, tokens and apps as seeded (plus
// Options.Apps), rate-limit counters and faults cleared. The webhook configuration and the
// request log are kept. It fails only if Options.Apps became invalid.
func (s *Sandbox) Reset() error {
	s.mu.Lock()
	hook := s.st.Webhook
	s.st = buildSeed(s.opts.Seed, s.now())
	s.st.Webhook = hook
	err := s.addOptionApps()
	s.mu.Unlock()
	s.limits.reset()
	s.faults.clear()
	s.markDirty()
	return err
}

// Close stops webhook delivery and saves the state file. It is safe to call twice.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.hooks.wait()
		s.wg.Wait()
		if s.opts.StateFile != "" {
			s.closeErr = s.save()
		}
	})
	return s.closeErr
}

// markDirty asks the saver to write the state file.
func (s *Sandbox) markDirty() {
	if s.opts.StateFile == "" {
		return
	}
	select {
	case s.saveCh <- struct{}{}:
	default:
	}
}

// saveInterval is the least time between two saves: changes made meanwhile are written
// together by the next save (and Close always saves).
const saveInterval = 200 * time.Millisecond

// saveLoop writes the state file whenever something changed, coalescing bursts.
func (s *Sandbox) saveLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		case <-s.saveCh:
			if err := s.save(); err != nil {
				s.log.Error("save sandbox state", "err", err)
			}
		}
		t := time.NewTimer(saveInterval)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// save writes the state file atomically. Readers go on while it encodes.
func (s *Sandbox) save() error {
	s.mu.Lock()
	s.st.prune(s.now())
	s.mu.Unlock()
	s.mu.RLock()
	data, err := json.Marshal(s.st)
	s.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := writeFileAtomic(s.opts.StateFile, data); err != nil {
		return fmt.Errorf("save state %s: %w", s.opts.StateFile, err)
	}
	return nil
}

// discardBody drains and closes a body so the connection can be reused.
func discardBody(r io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<20))
	_ = r.Close()
}
