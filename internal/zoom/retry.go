package zoom

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry defaults (DESIGN §7): at most 3 attempts for reads, full-jitter exponential backoff
// capped at 20 s, and a Retry-After further away than 20 s is not waited for.
const (
	DefaultMaxAttempts  = 3
	DefaultBaseBackoff  = 500 * time.Millisecond
	DefaultMaxBackoff   = 20 * time.Second
	DefaultMaxRetryWait = 20 * time.Second
	// DefaultRateLimitPause is how long a budget pauses after a per-second 429 without
	// Retry-After: Zoom's window is one second (one minute for Resource-intensive).
	DefaultRateLimitPause = time.Second
)

// backoff returns the full-jitter delay before retry number n (1 for the first retry):
// a uniformly random duration in [0, min(max, base·2^(n-1))).
func backoff(n int, base, maxDelay time.Duration, rnd func() float64) time.Duration {
	ceiling := maxDelay
	if n-1 < 40 {
		if d := base << (n - 1); d > 0 && d < maxDelay {
			ceiling = d
		}
	}
	return time.Duration(rnd() * float64(ceiling))
}

// defaultRand is the jitter source.
func defaultRand() float64 { return rand.Float64() }

// retryAfter reads when Zoom said the call may be made again: Retry-After as seconds, an HTTP
// date or an ISO 8601 date-time (ZoomNet parses a date, Moodle passes it to strtotime; the
// sandbox sends RFC 3339), else X-RateLimit-Reset as a Unix time (one secondary source only;
// UNCERTAIN, so only used when Retry-After is absent). It returns the zero time when neither
// header can be read.
func retryAfter(h http.Header, now time.Time) time.Time {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if t, ok := parseRetryAfter(v, now); ok {
			return t
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			if n > 1e12 { // milliseconds
				return time.UnixMilli(n)
			}
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}

// retryAfterLayouts are the date-time forms accepted besides HTTP dates; a form without a
// zone is read as UTC (Zoom's daily limits reset at 00:00 UTC).
var retryAfterLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04Z07:00",
}

// parseRetryAfter reads one Retry-After value.
func parseRetryAfter(v string, now time.Time) (time.Time, bool) {
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 && !strings.ContainsAny(v, "-:") {
		d := time.Duration(math.MaxInt64) // more seconds than a Duration holds: as far as it goes
		if ns := n * float64(time.Second); ns < float64(math.MaxInt64) {
			d = time.Duration(ns)
		}
		return now.Add(d), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	for _, layout := range retryAfterLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// notSent reports whether a transport error happened before the request left this machine
// (the connection could not be made), so Zoom cannot have acted on it.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
