// Package zoom is Tierdesk's client of Zoom's REST API v2 and OAuth, and the only code that
// knows Zoom's URLs. Its shape follows google/go-github: a Client built from an injected
// *http.Client (which carries the grant's tokens) and a base URL; newRequest → do; a typed
// *Error for every non-2xx answer; one method per endpoint, each linked to its reference.
//
// Facts (paths, fields, codes, limits) come from Zoom's documentation as summarized in the
// project's ZOOM_API notes; where Zoom's behaviour is uncertain the code says so and
// tolerates both readings.
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
	"strings"
	"time"
)

// DefaultAPIURL and DefaultOAuthURL are Zoom's production base URLs.
const (
	DefaultAPIURL   = "https://api.zoom.us/v2"
	DefaultOAuthURL = "https://zoom.us"
)

// DefaultTimeout bounds every call when the caller's context has no earlier deadline.
const DefaultTimeout = 30 * time.Second

// Client calls Zoom's REST API with one grant. It is safe for concurrent use.
type Client struct {
	http    *http.Client
	baseURL *url.URL
	log     *slog.Logger
	timeout time.Duration
}

// NewClient returns a Client that sends requests through httpClient (which must add the
// grant's bearer token, as an oauth2 transport does) to apiBaseURL, e.g.
// https://api.zoom.us/v2. log may be nil.
func NewClient(httpClient *http.Client, apiBaseURL string, log *slog.Logger) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(apiBaseURL, "/") + "/")
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("zoom: bad API base URL %q", apiBaseURL)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{http: httpClient, baseURL: u, log: log, timeout: DefaultTimeout}, nil
}

// Response is Zoom's answer to a successful call, with what the portal logs and audits.
type Response struct {
	*http.Response
	TrackingID string // x-zm-trackingid
}

// newRequest builds a request for path (relative to the base URL, without a leading slash),
// with body encoded as JSON when it is not nil.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	u, err := c.baseURL.Parse(strings.TrimLeft(path, "/"))
	if err != nil {
		return nil, fmt.Errorf("zoom: bad path %q: %w", path, err)
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var r io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("zoom: encode %s %s: %w", method, path, err)
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// do sends req and decodes a 2xx JSON body into v (unless v is nil). A non-2xx answer
// becomes *Error; a transport failure on a change (non-GET) becomes *OutcomeUnknownError,
// because Zoom may have applied it.
func (c *Client) do(req *http.Request, v any) (*Response, error) {
	ctx := req.Context()
	if _, ok := ctx.Deadline(); !ok && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
		req = req.WithContext(ctx)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "zoom call failed", slog.String("method", req.Method),
			slog.String("path", req.URL.Path), slog.Duration("duration", time.Since(start)), slog.String("error", err.Error()))
		var tokErr *TokenError
		if errors.As(err, &tokErr) {
			return nil, err
		}
		if req.Method != http.MethodGet {
			return nil, &OutcomeUnknownError{Method: req.Method, Path: req.URL.Path, Err: err}
		}
		return nil, fmt.Errorf("zoom: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	r := &Response{Response: resp, TrackingID: resp.Header.Get("x-zm-trackingid")}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	c.log.LogAttrs(ctx, slog.LevelDebug, "zoom call", slog.String("method", req.Method),
		slog.String("path", req.URL.Path), slog.Int("status", resp.StatusCode),
		slog.Duration("duration", time.Since(start)), slog.String("tracking_id", r.TrackingID))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		zerr := parseError(resp, body)
		if req.Method != http.MethodGet && resp.StatusCode >= 500 {
			return r, &OutcomeUnknownError{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Err: zerr}
		}
		return r, zerr
	}
	if readErr != nil {
		if req.Method != http.MethodGet {
			return r, &OutcomeUnknownError{Method: req.Method, Path: req.URL.Path, Err: readErr}
		}
		return r, fmt.Errorf("zoom: read %s %s: %w", req.Method, req.URL.Path, readErr)
	}
	if v != nil && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, v); err != nil {
			return r, fmt.Errorf("zoom: decode %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	return r, nil
}

// OutcomeUnknownError means a change was sent but its answer was lost (timeout, dropped
// connection, 5xx): Zoom may or may not have applied it. The caller must look the object
// up before doing anything else; the client never retries a change by itself.
type OutcomeUnknownError struct {
	Method, Path string
	Status       int // the 5xx status when there was one, else 0
	Err          error
}

func (e *OutcomeUnknownError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("zoom: %s %s: outcome unknown (HTTP %d)", e.Method, e.Path, e.Status)
	}
	return fmt.Sprintf("zoom: %s %s: outcome unknown: %v", e.Method, e.Path, e.Err)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// IsOutcomeUnknown reports whether err is an *OutcomeUnknownError.
func IsOutcomeUnknown(err error) bool {
	var e *OutcomeUnknownError
	return errors.As(err, &e)
}
