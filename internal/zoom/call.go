package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds the answers read.
const maxBody = 16 << 20

// call runs one endpoint: it fills the route with args, encodes body as JSON, and decodes a
// 2xx answer into out (when not nil). Every attempt gets a token from the grant, waits for
// the rate budget, and is cut after the client's timeout. Reads (GET) are retried on 429,
// 5xx, timeouts and transport errors, at most maxAttempts times, with full-jitter backoff
// and Retry-After honoured; changes are sent once and a lost answer is *OutcomeUnknownError.
// A 401 gets one repeat with a refreshed token, for any method (Zoom acted on nothing).
func (c *Client) call(ctx context.Context, ep endpoint, args []string, query url.Values, body, out any) (_ *Response, err error) {
	start := time.Now()
	r := &Response{Grant: c.Grant()}
	ctx, span := startSpan(ctx, ep)
	defer func() { endSpan(span, r, err) }()
	defer func() { r.Duration = time.Since(start) }()
	defer metered(ctx, r)
	path, perr := expand(ep.route, args)
	if perr != nil {
		return r, perr
	}
	var payload []byte
	if body != nil {
		if payload, err = json.Marshal(body); err != nil {
			return r, fmt.Errorf("zoom: encode %s %s: %w", ep.method, ep.route, err)
		}
	}
	read := ep.method == http.MethodGet
	refused, reauthed := "", false
	for tries := 1; ; tries++ {
		token := ""
		if c.grant != nil {
			if token, err = c.grant.Token(ctx, refused); err != nil {
				kind := "grant"
				if NeedsReauth(err) {
					kind = "reauth"
				}
				return r, c.failed(ctx, ep, r, kind, err)
			}
			r.ZoomAccountID = c.grant.ZoomAccountID()
		}
		key := RateKey{ZoomAccountID: r.ZoomAccountID, Label: ep.label}
		if err := c.throttle(ctx, ep, path, key, r); err != nil {
			return r, c.failed(ctx, ep, r, kindOf(err), err)
		}
		r.Attempts++
		res, data, err := c.attempt(ctx, ep, path, query, payload, token, r)
		retry := read && tries < c.rt.maxAttempts
		if err != nil { // no answer
			var te *TokenError
			switch {
			case errors.As(err, &te): // the http.Client's own token source (NewClient) failed: nothing was sent
				return r, c.failed(ctx, ep, r, kindOf(err), fmt.Errorf("zoom: %s %s: %w", ep.method, path, err))
			case ctx.Err() == nil && retry:
				c.rt.metrics.retries.WithLabelValues(ep.method, ep.route, kindOf(err)).Inc()
				if err := sleep(ctx, backoff(tries, c.rt.baseBackoff, c.rt.maxBackoff, c.rt.rand)); err != nil {
					return r, c.failed(ctx, ep, r, "timeout", fmt.Errorf("zoom: %s %s: %w", ep.method, path, err))
				}
				continue
			case read || notSent(err):
				return r, c.failed(ctx, ep, r, kindOf(err), fmt.Errorf("zoom: %s %s: %w", ep.method, path, err))
			}
			return r, c.failed(ctx, ep, r, "outcome_unknown", &OutcomeUnknownError{Method: ep.method, Path: path, Grant: r.Grant, Err: err})
		}
		if res.StatusCode >= 200 && res.StatusCode <= 299 {
			if out != nil && len(bytes.TrimSpace(data)) > 0 {
				if err := json.Unmarshal(data, out); err != nil {
					err = fmt.Errorf("zoom: decode %s %s: %w", ep.method, ep.route, err)
					if !read {
						return r, c.failed(ctx, ep, r, "outcome_unknown", &OutcomeUnknownError{Method: ep.method, Path: path, Grant: r.Grant, Err: err})
					}
					return r, c.failed(ctx, ep, r, "decode", err)
				}
			}
			return r, nil
		}
		zerr := parseError(res, data)
		zerr.Grant = r.Grant
		switch {
		case res.StatusCode == http.StatusUnauthorized && c.grant != nil && !reauthed:
			// The token was refused (expired early, revoked, rotated elsewhere): get another
			// one and repeat once. Zoom acted on nothing, so this is safe for changes too.
			reauthed, refused = true, token
			tries--
			c.rt.metrics.retries.WithLabelValues(ep.method, ep.route, "reauth").Inc()
			continue
		case res.StatusCode == http.StatusUnauthorized:
			return r, c.failed(ctx, ep, r, "reauth", fmt.Errorf("%w: %w", ErrNeedsReauth, zerr))
		case res.StatusCode == http.StatusTooManyRequests:
			zerr.RetryAfter = retryAfter(res.Header, c.rt.now())
			kind := "per_second"
			if zerr.DailyLimit {
				kind = "daily"
			}
			c.rt.metrics.rateLimited.WithLabelValues(string(ep.label), kind).Inc()
			if zerr.DailyLimit && ep.method == http.MethodPost && strings.HasSuffix(ep.route, "/users") {
				// The daily cap on creating users counts per account created into (ZOOM_API §2.3,
				// §6), not the primary's Light budget: holding that budget back would stop every
				// other call of the partner until midnight. Only this call fails.
				if zerr.RetryAfter.IsZero() {
					zerr.RetryAfter = c.rt.now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
				}
				return r, c.failed(ctx, ep, r, rateKind(zerr), zerr)
			}
			wait, ok := c.rateLimited(ctx, key, zerr)
			if !ok || !retry || !c.canWait(ctx, wait) {
				return r, c.failed(ctx, ep, r, rateKind(zerr), zerr)
			}
			c.rt.metrics.retries.WithLabelValues(ep.method, ep.route, "rate_limited").Inc()
			if err := sleep(ctx, wait); err != nil {
				return r, c.failed(ctx, ep, r, "timeout", fmt.Errorf("%w (while waiting to retry: %w)", zerr, err))
			}
			continue
		case res.StatusCode >= 500 && retry:
			wait := backoff(tries, c.rt.baseBackoff, c.rt.maxBackoff, c.rt.rand)
			if t := retryAfter(res.Header, c.rt.now()); !t.IsZero() {
				zerr.RetryAfter = t
				wait = max(wait, t.Sub(c.rt.now()))
			}
			if wait > c.rt.maxRetryWait || !c.canWait(ctx, wait) {
				return r, c.failed(ctx, ep, r, "server_error", zerr)
			}
			c.rt.metrics.retries.WithLabelValues(ep.method, ep.route, "server_error").Inc()
			if err := sleep(ctx, wait); err != nil {
				return r, c.failed(ctx, ep, r, "timeout", fmt.Errorf("%w (while waiting to retry: %w)", zerr, err))
			}
			continue
		case res.StatusCode >= 500 && !read:
			return r, c.failed(ctx, ep, r, "outcome_unknown", &OutcomeUnknownError{Method: ep.method, Path: path, Status: res.StatusCode, Grant: r.Grant, Err: zerr})
		case res.StatusCode >= 500:
			return r, c.failed(ctx, ep, r, "server_error", zerr)
		}
		return r, c.failed(ctx, ep, r, "client_error", zerr)
	}
}

// attempt sends one request, cut after the client's timeout, reads the whole answer, and
// logs and counts it. err is set only when no complete answer arrived.
func (c *Client) attempt(ctx context.Context, ep endpoint, path string, query url.Values, payload []byte, token string, r *Response) (*http.Response, []byte, error) {
	actx, cancel := context.WithTimeoutCause(ctx, c.rt.timeout, errAttemptTimeout)
	defer cancel()
	req, err := c.newRequest(actx, ep.method, path, query, payload)
	if err != nil {
		return nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := c.http.Do(req)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(res.Body, maxBody))
		res.Body.Close()
		r.Response, r.TrackingID = res, res.Header.Get("x-zm-trackingid")
	}
	if err != nil && errors.Is(context.Cause(actx), errAttemptTimeout) && ctx.Err() == nil {
		err = fmt.Errorf("%w (%v): %w", errAttemptTimeout, c.rt.timeout, err)
	}
	dur := time.Since(start)
	status := 0
	if res != nil && err == nil {
		status = res.StatusCode
		c.learn(RateKey{ZoomAccountID: r.ZoomAccountID, Label: ep.label}, res.Header)
	}
	c.rt.metrics.calls.WithLabelValues(ep.method, ep.route, statusLabel(status), codeLabel(status, data)).Inc()
	c.rt.metrics.latency.WithLabelValues(ep.method, ep.route).Observe(dur.Seconds())
	attrs := []slog.Attr{
		slog.String("method", ep.method), slog.String("route", ep.route), slog.String("grant", r.Grant),
		slog.String("zoom_account", r.ZoomAccountID), slog.Int("status", status), slog.Duration("duration", dur),
		slog.Int("attempt", r.Attempts), slog.Duration("throttle_wait", r.ThrottleWait),
	}
	// A person's calls and every change are logged; a job's reads that succeed (a sync reads
	// hundreds of pages) are routine, logged at debug level, and counted by the metrics.
	level := slog.LevelInfo
	if ep.method == http.MethodGet && PriorityOf(ctx) == Background {
		level = slog.LevelDebug
	}
	switch {
	case err != nil:
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", err.Error()))
	case status < 200 || status > 299:
		level = slog.LevelWarn
		attrs = append(attrs, slog.Int("zoom_code", zoomCode(data)))
	}
	if r.TrackingID != "" && err == nil {
		attrs = append(attrs, slog.String("tracking_id", r.TrackingID))
	}
	if who := OnBehalfOf(ctx); who != "" {
		attrs = append(attrs, slog.String("on_behalf_of", who))
	}
	c.log.LogAttrs(ctx, level, "zoom call", attrs...)
	if err != nil {
		return nil, nil, err
	}
	return res, data, nil
}

// learn records the per-window limit Zoom reported for a budget (X-RateLimit-Type: QPS).
func (c *Client) learn(key RateKey, h http.Header) {
	if key.ZoomAccountID == "" || !strings.EqualFold(h.Get("X-RateLimit-Type"), "QPS") {
		return
	}
	if cat := h.Get("X-RateLimit-Category"); cat != "" && !strings.EqualFold(cat, string(key.Label)) {
		return
	}
	if n, err := strconv.Atoi(h.Get("X-RateLimit-Limit")); err == nil {
		c.rt.learned.observe(key, n)
	}
}

// zoomCode reads the code of an error body (0 when none), for the log.
func zoomCode(body []byte) int {
	var b struct {
		Code int `json:"code"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Code
}

// failed logs and counts a call that failed after any retries, and returns err.
func (c *Client) failed(ctx context.Context, ep endpoint, r *Response, kind string, err error) error {
	c.rt.metrics.errors.WithLabelValues(ep.method, ep.route, kind).Inc()
	c.log.LogAttrs(ctx, slog.LevelWarn, "zoom call failed", slog.String("method", ep.method), slog.String("route", ep.route),
		slog.String("grant", r.Grant), slog.String("zoom_account", r.ZoomAccountID), slog.String("kind", kind),
		slog.Int("attempts", r.Attempts), slog.String("error", err.Error()))
	return err
}

// kindOf classifies an error for metrics.
func kindOf(err error) string {
	switch {
	case NeedsReauth(err):
		return "reauth"
	case errors.Is(err, ErrThrottled):
		return "throttle"
	case IsTimeout(err):
		return "timeout"
	case IsRateLimited(err):
		if e, _ := AsError(err); e.DailyLimit {
			return "daily_limit"
		}
		return "rate_limited"
	}
	return "transport"
}
