package sandbox

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Rate-limit labels (ZOOM_API.md §6).
const (
	labelLight  = "Light"
	labelMedium = "Medium"
	labelHeavy  = "Heavy"
	labelRI     = "Resource-intensive"
)

// limitSpec is one row of Zoom's rate-limit table for one plan tier.
type limitSpec struct {
	rate      int           // requests per window
	window    time.Duration // time.Second, or time.Minute for Resource-intensive
	daily     int           // 0: no daily limit
	dailyPool string        // labels sharing a daily budget use the same pool
}

// limitTable is ZOOM_API.md §6: Free, Pro and Business+ (Business, Education, Enterprise,
// Partners).
var limitTable = map[string]map[string]limitSpec{
	"free": {
		labelLight:  {4, time.Second, 6000, labelLight},
		labelMedium: {2, time.Second, 2000, labelMedium},
		labelHeavy:  {1, time.Second, 1000, labelHeavy},
		labelRI:     {10, time.Minute, 30000, labelRI},
	},
	"pro": {
		labelLight:  {30, time.Second, 0, ""},
		labelMedium: {20, time.Second, 0, ""},
		labelHeavy:  {10, time.Second, 30000, "heavy"},
		labelRI:     {10, time.Minute, 30000, "heavy"},
	},
	"business": {
		labelLight:  {80, time.Second, 0, ""},
		labelMedium: {60, time.Second, 0, ""},
		labelHeavy:  {40, time.Second, 60000, "heavy"},
		labelRI:     {20, time.Minute, 60000, "heavy"},
	},
}

// Bodies of the two 429 answers.
const (
	msgQPS   = "You have reached the maximum per-second rate limit for this API. Try again later."
	msgDaily = "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."
)

// counter counts requests in the current window of one key.
type counter struct {
	window int64
	count  int
}

// limiter counts requests per account, label and window.
type limiter struct {
	mult float64
	mu   sync.Mutex
	c    map[string]*counter
}

func newLimiter(mult float64) *limiter { return &limiter{mult: mult, c: map[string]*counter{}} }

// reset forgets every counter.
func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c = map[string]*counter{}
}

// scale applies the limits multiplier (never below 1).
func (l *limiter) scale(n int) int {
	return max(1, int(math.Ceil(float64(n)*l.mult)))
}

// get returns the counter of key for the window index, starting it afresh on a new window.
func (l *limiter) get(key string, window int64) *counter {
	c := l.c[key]
	if c == nil {
		c = &counter{window: window}
		l.c[key] = c
	}
	if c.window != window {
		c.window, c.count = window, 0
	}
	return c
}

// take spends one request of account's budget for label. It sets the X-RateLimit-* headers
// on h and returns a 429 error when a per-second (or per-minute) or daily limit is reached.
func (l *limiter) take(h http.Header, accountID, tier, label string, now time.Time) *apiError {
	spec, ok := limitTable[tier][label]
	if !ok {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rate := l.scale(spec.rate)
	q := l.get(accountID+"|q|"+label, now.UnixNano()/int64(spec.window))
	var d *counter
	daily := 0
	if spec.daily > 0 {
		daily = l.scale(spec.daily)
		d = l.get(accountID+"|d|"+spec.dailyPool, now.Unix()/86400)
	}
	h.Set("X-RateLimit-Category", label)
	if d != nil && d.count >= daily {
		h.Set("X-RateLimit-Type", "Daily-limit")
		h.Set("X-RateLimit-Limit", strconv.Itoa(daily))
		h.Set("X-RateLimit-Remaining", "0")
		next := time.Unix((now.Unix()/86400+1)*86400, 0).UTC()
		h.Set("Retry-After", next.Format(time.RFC3339))
		return zerr(http.StatusTooManyRequests, 429, msgDaily)
	}
	if q.count >= rate {
		h.Set("X-RateLimit-Type", "QPS")
		h.Set("X-RateLimit-Limit", strconv.Itoa(rate))
		h.Set("X-RateLimit-Remaining", "0")
		return zerr(http.StatusTooManyRequests, 429, msgQPS)
	}
	q.count++
	if d != nil {
		d.count++
		h.Set("X-RateLimit-Type", "Daily-limit")
		h.Set("X-RateLimit-Limit", strconv.Itoa(daily))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(daily-d.count))
		return nil
	}
	h.Set("X-RateLimit-Type", "QPS")
	h.Set("X-RateLimit-Limit", strconv.Itoa(rate))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rate-q.count))
	return nil
}

// takeDaily spends one unit of a custom daily cap (e.g. users created with action=create);
// it reports false when the cap is reached.
func (l *limiter) takeDaily(key string, limit int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.get(key, now.Unix()/86400)
	if c.count >= l.scale(limit) {
		return false
	}
	c.count++
	return true
}

// busyUsers implements Zoom's one-request-at-a-time rule for a user being created or
// deleted: while it runs, other requests on that user answer 429.
type busyUsers struct {
	mu sync.Mutex
	m  map[string]string // "id:..." or "email:..." -> what is in progress
}

func newBusyUsers() *busyUsers { return &busyUsers{m: map[string]string{}} }

// acquire marks keys busy with what; it returns the conflicting operation ("" on success).
func (b *busyUsers) acquire(keys []string, what string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		if op, ok := b.m[k]; ok {
			return op
		}
	}
	for _, k := range keys {
		b.m[k] = what
	}
	return ""
}

// release clears keys.
func (b *busyUsers) release(keys []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		delete(b.m, k)
	}
}

// check returns the operation in progress on any of keys, or "".
func (b *busyUsers) check(keys []string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		if op, ok := b.m[k]; ok {
			return op
		}
	}
	return ""
}

// errBusy is the 429 for a request on a user that is being created or deleted.
func errBusy(op string) *apiError {
	return zerr(http.StatusTooManyRequests, 429, "Too many concurrent requests. A request to %s this user has already been made.", op)
}
