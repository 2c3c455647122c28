package zoom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// ErrThrottled means a call was not sent because its Zoom account's rate budget would make it
// wait past the caller's deadline.
var ErrThrottled = errors.New("zoom: rate budget exhausted for longer than the time left")

// rateLimited handles a 429: it pauses (per-second limit) or blocks (daily limit) the budget
// for every caller, and says how long a read should sleep before its retry (beyond the wait
// the paced budget imposes anyway), or false when it should not retry: a daily limit or a
// Retry-After further away than MaxRetryWait.
func (c *Client) rateLimited(ctx context.Context, key RateKey, zerr *Error) (time.Duration, bool) {
	now := c.rt.now()
	paced := c.rt.limiter != nil && key.ZoomAccountID != ""
	if zerr.DailyLimit {
		until := zerr.RetryAfter
		if until.IsZero() { // Zoom's daily limits reset at 00:00 UTC.
			until = now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
			zerr.RetryAfter = until
		}
		if paced {
			c.limit(ctx, func(l RateLimiter) error { return l.Block(ctx, key, until) })
			// Heavy and Resource-intensive share one daily budget (ZOOM_API §6).
			if other, ok := map[Label]Label{Heavy: ResourceIntensive, ResourceIntensive: Heavy}[key.Label]; ok {
				c.limit(ctx, func(l RateLimiter) error { return l.Block(ctx, RateKey{key.ZoomAccountID, other}, until) })
			}
		}
		wait := until.Sub(now)
		return wait, wait <= c.rt.maxRetryWait
	}
	pause := c.rt.pauseOn429
	if key.Label == ResourceIntensive {
		pause = time.Minute
	}
	if !zerr.RetryAfter.IsZero() {
		pause = max(zerr.RetryAfter.Sub(now), 0)
	}
	if pause > c.rt.maxRetryWait {
		return pause, false
	}
	// "Too many concurrent requests" concerns one user being created or deleted, not the
	// account's budget: wait, but do not hold back everyone else.
	if paced && !strings.Contains(strings.ToLower(zerr.Message), "concurrent") {
		// GCRA lets a burst through as soon as the schedule allows; holding the schedule a
		// burst's worth past the pause makes the first call after it go at the pause's end
		// and the rest at the steady pace.
		pace := c.rt.pace(key)
		hold := pause + time.Duration(max(pace.Burst-1, 0))*pace.Interval
		c.rt.notePause(key)
		c.limit(ctx, func(l RateLimiter) error { return l.Pause(ctx, key, hold) })
		// The paused budget makes the retry wait; add only jitter so retries spread out.
		return backoff(1, c.rt.baseBackoff, c.rt.maxBackoff, c.rt.rand), true
	}
	return pause + backoff(1, c.rt.baseBackoff, c.rt.maxBackoff, c.rt.rand), true
}

// canWait reports whether ctx leaves time to wait d.
func (c *Client) canWait(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// rateKind is the error kind of a 429.
func rateKind(e *Error) string {
	if e.DailyLimit {
		return "daily_limit"
	}
	return "rate_limited"
}

// limit runs op on the limiter, falling back to the in-memory one when it fails.
func (c *Client) limit(ctx context.Context, op func(RateLimiter) error) {
	if err := op(c.rt.limiter); err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "zoom rate limiter failed; pacing in memory", slog.String("error", err.Error()))
		_ = op(c.rt.fallback)
	}
}

// throttle waits for the budget of key. A budget blocked by a daily limit answers the 429
// Zoom gave (without calling Zoom); a wait past the caller's deadline is ErrThrottled. A call
// whose slot was booked before a 429 paused the budget books again after waiting, so calls
// queued at the old pace do not meet the same 429.
func (c *Client) throttle(ctx context.Context, ep endpoint, path string, key RateKey, r *Response) error {
	if c.rt.limiter == nil || key.ZoomAccountID == "" || key.Label == "" {
		return nil
	}
	// The wait counted is all of it: queued for a booking (background work waits while the
	// budget is booked ahead) and then for the slot.
	start := time.Now()
	sent := false
	defer func() {
		waited := time.Since(start)
		r.ThrottleWait += waited
		c.rt.metrics.throttleWait.WithLabelValues(string(key.Label)).Observe(waited.Seconds())
		if sent {
			c.rt.metrics.budgetUsed.WithLabelValues(key.ZoomAccountID, string(key.Label)).Inc()
		}
	}()
	for round := 0; ; round++ {
		booked := time.Now()
		pace := c.rt.pace(key)
		if pace.Interval > 0 {
			c.rt.metrics.budgetRate.WithLabelValues(key.ZoomAccountID, string(key.Label)).Set(float64(time.Second) / float64(pace.Interval))
		}
		res, err := c.rt.limiter.Reserve(ctx, key, pace)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("zoom: %s %s: %w", ep.method, path, ctx.Err())
			}
			c.log.LogAttrs(ctx, slog.LevelWarn, "zoom rate limiter failed; pacing in memory", slog.String("error", err.Error()))
			res, _ = c.rt.fallback.Reserve(ctx, key, pace)
		}
		if !res.BlockedUntil.IsZero() {
			return &Error{Status: http.StatusTooManyRequests, Code: 429, Method: ep.method, Path: path, Grant: r.Grant,
				Message:           "You have reached the maximum daily rate limit for this API (Tierdesk remembers Zoom's answer and did not call Zoom).",
				RateLimitCategory: string(key.Label), RateLimitType: "Daily-limit", RetryAfter: res.BlockedUntil, DailyLimit: true}
		}
		if res.Wait <= 0 {
			sent = true
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < res.Wait {
			return fmt.Errorf("zoom: %s %s: %w (account %s, %s: %v)", ep.method, path, ErrThrottled, key.ZoomAccountID, key.Label, res.Wait.Round(time.Millisecond))
		}
		if err := sleep(ctx, res.Wait); err != nil {
			return fmt.Errorf("zoom: %s %s: waiting for the rate budget: %w", ep.method, path, err)
		}
		if round >= 2 || !c.rt.pausedSince(key, booked) {
			sent = true
			return nil
		}
	}
}
