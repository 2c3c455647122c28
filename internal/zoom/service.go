package zoom

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2"
)

// Config configures a Service. Zero values mean the documented defaults.
type Config struct {
	// APIURL is Zoom's REST base URL; "" means DefaultAPIURL.
	APIURL string
	// App is the user OAuth app staff sign in with; user grants are refreshed with it. Its
	// OAuthURL ("" means DefaultOAuthURL) also serves Server-to-Server token requests.
	App App
	// HTTPClient sends API calls and Server-to-Server token requests; nil means a client with
	// Go's default transport. Leave its Timeout zero: every attempt gets Timeout.
	HTTPClient *http.Client
	// Logger receives one line per attempt; nil discards.
	Logger *slog.Logger
	// Registry receives the Prometheus series (tierdesk_zoom_*); nil means not registered.
	Registry prometheus.Registerer
	// Grants stores user grants; UserClient needs it (service.GrantStore(store)).
	Grants GrantStore
	// Limiter paces calls; nil means NewBudgetLimiter(NewMemoryBudget(nil)) (one process).
	// Portal processes that share a database use service.RateLimiter(store), one per process.
	Limiter RateLimiter
	// Limits are the rate limits assumed for every account (those of its Zoom plan); nil
	// means LimitsBusinessPlus. A lower limit Zoom reports in X-RateLimit-Limit is used instead.
	Limits Limits
	// Share is the part of the plan's limits Tierdesk allows itself, in (0, 1]; 0 means
	// DefaultShare.
	Share float64
	// Timeout bounds every attempt (and token request); 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the attempts of a read; 0 means DefaultMaxAttempts. Changes are
	// attempted once.
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape the full-jitter backoff between read attempts; 0 means
	// DefaultBaseBackoff and DefaultMaxBackoff.
	BaseBackoff, MaxBackoff time.Duration
	// MaxRetryWait is the longest Retry-After a read waits for before giving up; 0 means
	// DefaultMaxRetryWait.
	MaxRetryWait time.Duration
	// RateLimitPause is how long a budget pauses after a per-second 429 that did not say
	// when to come back; 0 means DefaultRateLimitPause.
	RateLimitPause time.Duration
	// Now is the clock for token expiry; nil means time.Now.
	Now func() time.Time
}

// runtime is what every call of a Service's clients shares.
type runtime struct {
	timeout                  time.Duration
	limiter, fallback        RateLimiter // fallback paces in memory when limiter fails
	limits                   Limits
	share                    float64
	learned                  *learnedLimits
	metrics                  *metrics
	maxAttempts              int
	baseBackoff, maxBackoff  time.Duration
	maxRetryWait, pauseOn429 time.Duration
	now                      func() time.Time
	rand                     func() float64

	pausesMu sync.Mutex
	pauses   map[RateKey]time.Time // when this process last paused a budget after a 429
}

// notePause records that key was paused now.
func (rt *runtime) notePause(key RateKey) {
	rt.pausesMu.Lock()
	defer rt.pausesMu.Unlock()
	if rt.pauses == nil {
		rt.pauses = map[RateKey]time.Time{}
	}
	rt.pauses[key] = time.Now()
}

// pausedSince reports whether key was paused after t.
func (rt *runtime) pausedSince(key RateKey, t time.Time) bool {
	rt.pausesMu.Lock()
	defer rt.pausesMu.Unlock()
	return rt.pauses[key].After(t)
}

// defaultRuntime is the runtime of a client from NewClient: retries, no pacing, no
// registered metrics.
func defaultRuntime() *runtime {
	return &runtime{
		timeout: DefaultTimeout, limits: LimitsBusinessPlus, share: DefaultShare, learned: &learnedLimits{},
		metrics: newMetrics(nil), maxAttempts: DefaultMaxAttempts, baseBackoff: DefaultBaseBackoff,
		maxBackoff: DefaultMaxBackoff, maxRetryWait: DefaultMaxRetryWait, pauseOn429: DefaultRateLimitPause,
		now: time.Now, rand: defaultRand,
	}
}

// pace is the pace of a budget: the plan's limit for its label (or the lower limit Zoom
// reported for it) times the share.
func (rt *runtime) pace(key RateKey) Pace {
	l, ok := rt.limits[key.Label]
	if !ok {
		l = LimitsBusinessPlus[key.Label]
	}
	if n := rt.learned.get(key); n > 0 && n < l.Count {
		l.Count = n
	}
	return paceFor(l, rt.share)
}

// Service builds Clients that share an HTTP client, rate budgets, retry policy, logger and
// metrics. It is safe for concurrent use; create one per process.
type Service struct {
	cfg     Config
	baseURL string
	oauth   string
	http    *http.Client
	log     *slog.Logger
	rt      *runtime

	mu  sync.Mutex
	s2s map[s2sKey]*s2sGrant
}

// s2sKey identifies a cached Server-to-Server grant; the secret is hashed so a changed secret
// gets a fresh token.
type s2sKey struct {
	grantID   int64
	accountID string
	clientID  string
	secret    [32]byte
}

// NewService returns a Service. It fails on a base URL that is not absolute or a Share
// outside (0, 1].
func NewService(cfg Config) (*Service, error) {
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if _, err := parseBaseURL(cfg.APIURL); err != nil {
		return nil, err
	}
	if cfg.App.OAuthURL == "" {
		cfg.App.OAuthURL = DefaultOAuthURL
	}
	if cfg.Share < 0 || cfg.Share > 1 {
		return nil, fmt.Errorf("zoom: rate share %v is not in (0, 1]", cfg.Share)
	}
	rt := defaultRuntime()
	rt.metrics = newMetrics(cfg.Registry)
	setIf(&rt.timeout, cfg.Timeout)
	setIf(&rt.share, cfg.Share)
	setIf(&rt.maxAttempts, cfg.MaxAttempts)
	setIf(&rt.baseBackoff, cfg.BaseBackoff)
	setIf(&rt.maxBackoff, cfg.MaxBackoff)
	setIf(&rt.maxRetryWait, cfg.MaxRetryWait)
	setIf(&rt.pauseOn429, cfg.RateLimitPause)
	if cfg.Limits != nil {
		rt.limits = cfg.Limits
	}
	if cfg.Now != nil {
		rt.now = cfg.Now
	}
	rt.fallback = NewMemoryLimiter(nil)
	rt.limiter = cfg.Limiter
	if rt.limiter == nil {
		rt.limiter = NewBudgetLimiter(NewMemoryBudget(nil))
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	if cfg.App.HTTPClient == nil {
		cfg.App.HTTPClient = &http.Client{Transport: hc.Transport, Timeout: rt.timeout}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, baseURL: cfg.APIURL, oauth: cfg.App.OAuthURL, http: hc, log: log, rt: rt, s2s: map[s2sKey]*s2sGrant{}}, nil
}

// setIf sets *dst to v when v is not the zero value.
func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

// Client returns a Client that calls Zoom with g.
func (s *Service) Client(g Grant) *Client {
	u, _ := parseBaseURL(s.baseURL) // checked by NewService
	return &Client{http: s.http, baseURL: u, log: s.log, grant: g, rt: s.rt}
}

// UserClient returns a Client for staff grant grantID of partnerID (the grant id the session
// holds). The grant is loaded on the first call; an expired access token is refreshed under
// the grant's row lock, so concurrent calls in any number of processes make one refresh and
// the rotated refresh token is stored. Calls on a grant that is gone, expired or revoked, or
// whose refresh token Zoom refuses (the grant is then marked expired), fail with an error for
// which NeedsReauth is true. It fails when the Service has no GrantStore or App.
func (s *Service) UserClient(partnerID, grantID int64) (*Client, error) {
	if s.cfg.Grants == nil || s.cfg.App.ClientID == "" {
		return nil, errors.New("zoom: UserClient needs Config.Grants and Config.App")
	}
	refresh := func(ctx context.Context, refreshToken string) (Tokens, error) {
		ctx, cancel := context.WithTimeout(ctx, s.rt.timeout)
		defer cancel()
		return s.cfg.App.refreshTokens(ctx, refreshToken)
	}
	g := &userGrant{store: s.cfg.Grants, refresh: refresh, partnerID: partnerID, grantID: grantID, now: s.rt.now}
	return s.Client(g), nil
}

// S2SClient returns a Client for a partner's Server-to-Server grant. Its access token is
// cached in this Service until a minute before it expires (or until Zoom refuses it), and
// shared by every Client for the same credentials. Credentials Zoom refuses make calls fail
// with an error for which NeedsReauth is true. It fails on incomplete credentials.
func (s *Service) S2SClient(c S2SCredentials) (*Client, error) {
	if c.AccountID == "" || c.ClientID == "" || c.ClientSecret == "" {
		return nil, errors.New("zoom: Server-to-Server credentials need an account id, a client id and a client secret")
	}
	key := s2sKey{grantID: c.GrantID, accountID: c.AccountID, clientID: c.ClientID, secret: sha256.Sum256([]byte(c.ClientSecret))}
	s.mu.Lock()
	g := s.s2s[key]
	if g == nil {
		tokenHTTP := s.cfg.App.HTTPClient
		oauthURL := strings.TrimRight(s.oauth, "/")
		g = &s2sGrant{creds: c, now: s.rt.now, request: func(ctx context.Context, c S2SCredentials) (Tokens, error) {
			ctx, cancel := context.WithTimeout(ctx, s.rt.timeout)
			defer cancel()
			return requestS2SToken(ctx, tokenHTTP, oauthURL, s.rt.now, c)
		}}
		s.s2s[key] = g
	}
	s.mu.Unlock()
	return s.Client(g), nil
}

// TokenClient returns a Client that calls Zoom with a bare token, e.g. during sign-in before
// the grant is stored. It does not refresh: a refused token is an error for which NeedsReauth
// is true. zoomAccountID, when known, selects the rate budget; "" leaves calls unpaced.
func (s *Service) TokenClient(tok *oauth2.Token, zoomAccountID string) *Client {
	return s.Client(tokenGrant{tok: tok, account: zoomAccountID})
}
