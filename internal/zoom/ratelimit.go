package zoom

import (
	"context"
	"math"
	"sync"
	"time"
)

// Label is a Zoom rate-limit category ("Rate Limit Label"). Zoom counts calls per account and
// label, not per endpoint (ZOOM_API §6).
type Label string

// Zoom's rate-limit labels.
const (
	Light             Label = "Light"
	Medium            Label = "Medium"
	Heavy             Label = "Heavy"
	ResourceIntensive Label = "Resource-intensive"
)

// Limit is a number of calls allowed per window.
type Limit struct {
	Count int
	Per   time.Duration
}

// Limits are the per-label rate limits of a Zoom plan.
type Limits map[Label]Limit

// Zoom's published per-account limits (ZOOM_API §6). Daily limits are not paced locally:
// Zoom's daily 429 is remembered instead (see Client).
var (
	LimitsFree = Limits{
		Light: {4, time.Second}, Medium: {2, time.Second}, Heavy: {1, time.Second}, ResourceIntensive: {10, time.Minute},
	}
	LimitsPro = Limits{
		Light: {30, time.Second}, Medium: {20, time.Second}, Heavy: {10, time.Second}, ResourceIntensive: {10, time.Minute},
	}
	LimitsBusinessPlus = Limits{
		Light: {80, time.Second}, Medium: {60, time.Second}, Heavy: {40, time.Second}, ResourceIntensive: {20, time.Minute},
	}
)

// DefaultShare is the part of the plan's limits the portal allows itself by default: the
// rest is left to the partner's other apps, and at 50 % a burst plus a window of steady
// pacing never exceeds Zoom's window, however the two clocks' windows are aligned.
const DefaultShare = 0.5

// RateKey names one rate budget: a Zoom account and a label.
type RateKey struct {
	ZoomAccountID string
	Label         Label
}

// Pace is how fast calls of one budget may go: one per Interval, with bursts of up to Burst
// calls after a quiet spell.
type Pace struct {
	Interval time.Duration
	Burst    int
}

// Reservation is a booked call: wait Wait before sending it. When BlockedUntil is set, no
// call was booked: Zoom's daily limit for the budget is reached until then.
type Reservation struct {
	Wait         time.Duration
	BlockedUntil time.Time
}

// RateLimiter hands out call slots per budget. NewBudgetLimiter over a Budget books them in
// batches with priorities (service.RateLimiter coordinates all portal processes through
// PostgreSQL that way); NewMemoryLimiter books each call on its own. Implementations must be
// safe for concurrent use; their errors are database errors (the client then falls back to
// pacing in memory).
type RateLimiter interface {
	// Reserve books the next call of key at pace and says how long to wait before sending it.
	// It may itself wait (for a booking round trip, or, for a Background call, until the
	// budget is booked less far ahead), until ctx ends.
	Reserve(ctx context.Context, key RateKey, pace Pace) (Reservation, error)
	// Pause moves key's schedule to at least d from now (after a per-second 429). As with
	// any GCRA schedule, a burst's allowance stays usable: with burst B the next call waits
	// d − (B−1)·interval, so the client adds that allowance to d.
	Pause(ctx context.Context, key RateKey, d time.Duration) error
	// Block refuses key until until (after a daily-limit 429).
	Block(ctx context.Context, key RateKey, until time.Time) error
}

// pace turns a plan limit and a share into a GCRA pace. The rate is share × limit per window;
// the burst is what keeps burst + one window of pacing within the limit (at most the rate).
func paceFor(l Limit, share float64) Pace {
	if l.Count <= 0 || l.Per <= 0 {
		return Pace{}
	}
	rate := math.Max(float64(l.Count)*share, 1e-9)
	burst := int(math.Floor(math.Min(rate, float64(l.Count)-rate)))
	return Pace{Interval: time.Duration(float64(l.Per) / rate), Burst: max(burst, 1)}
}

// memoryLimiter is GCRA in process memory.
type memoryLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	tat     map[RateKey]time.Time
	blocked map[RateKey]time.Time
}

// NewMemoryLimiter returns a RateLimiter for a single process that books each call on its
// own, with no priorities (tests, tools, and the fallback when the shared budget cannot be
// reached). now may be nil for time.Now.
func NewMemoryLimiter(now func() time.Time) RateLimiter {
	return newMemory(now)
}

// NewMemoryBudget returns a Budget kept in this process's memory, for a portal running one
// instance: NewBudgetLimiter(NewMemoryBudget(nil)) is a Service's limiter when Config.Limiter
// is nil. now may be nil for time.Now.
func NewMemoryBudget(now func() time.Time) Budget {
	return newMemory(now)
}

func newMemory(now func() time.Time) *memoryLimiter {
	if now == nil {
		now = time.Now
	}
	return &memoryLimiter{now: now, tat: map[RateKey]time.Time{}, blocked: map[RateKey]time.Time{}}
}

// Book implements Budget.
func (m *memoryLimiter) Book(_ context.Context, key RateKey, p Pace, n int, horizon time.Duration) (Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if until, ok := m.blocked[key]; ok {
		if now.Before(until) {
			return Booking{BlockedUntil: until}, nil
		}
		delete(m.blocked, key)
	}
	if p.Interval <= 0 {
		return Booking{Count: n}, nil
	}
	base := m.tat[key]
	if base.Before(now) {
		base = now
	}
	offset := base.Sub(now) + p.Interval - time.Duration(max(p.Burst, 1))*p.Interval
	k := bookedWithin(n, offset, p.Interval, horizon)
	m.tat[key] = base.Add(time.Duration(k) * p.Interval)
	return Booking{Count: k, Offset: offset}, nil
}

// bookedWithin is how many of n calls whose first slot is offset from now, one per interval,
// fall within horizon of now (all n when horizon ≤ 0): what Budget.Book books.
func bookedWithin(n int, offset, interval, horizon time.Duration) int {
	switch {
	case horizon <= 0 || interval <= 0:
		return n
	case offset > horizon:
		return 0
	}
	return min(n, int((horizon-offset)/interval)+1)
}

// Reserve implements RateLimiter.
func (m *memoryLimiter) Reserve(_ context.Context, key RateKey, p Pace) (Reservation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if until, ok := m.blocked[key]; ok {
		if now.Before(until) {
			return Reservation{BlockedUntil: until}, nil
		}
		delete(m.blocked, key)
	}
	if p.Interval <= 0 {
		return Reservation{}, nil
	}
	tat := m.tat[key]
	if tat.Before(now) {
		tat = now
	}
	tat = tat.Add(p.Interval)
	m.tat[key] = tat
	wait := tat.Sub(now) - time.Duration(max(p.Burst, 1))*p.Interval
	return Reservation{Wait: max(wait, 0)}, nil
}

// Pause implements RateLimiter.
func (m *memoryLimiter) Pause(_ context.Context, key RateKey, d time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.now().Add(d); t.After(m.tat[key]) {
		m.tat[key] = t
	}
	return nil
}

// Block implements RateLimiter.
func (m *memoryLimiter) Block(_ context.Context, key RateKey, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if until.After(m.blocked[key]) {
		m.blocked[key] = until
	}
	return nil
}

// learnedLimits remembers the per-window limits Zoom reported (X-RateLimit-Type: QPS with
// X-RateLimit-Limit) when they are lower than the configured plan's, so an account on a
// smaller plan than configured is paced at its real limit after its first answer.
type learnedLimits struct {
	mu sync.Mutex
	m  map[RateKey]int
}

// get returns the learned limit of key, or 0.
func (l *learnedLimits) get(key RateKey) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[key]
}

// observe records a reported limit.
func (l *learnedLimits) observe(key RateKey, limit int) {
	if limit <= 0 || key.ZoomAccountID == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[RateKey]int{}
	}
	l.m[key] = limit
}
