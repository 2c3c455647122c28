// Package zoom is Tierdesk's client of Zoom's REST API v2 and OAuth, and the only code that
// knows Zoom's URLs. Its shape follows google/go-github: a Client built from an injected
// *http.Client and a base URL; newRequest → do; a typed *Error for every non-2xx answer;
// one method per endpoint, each linked to its reference.
//
// Around that shape the package adds what Tierdesk's reliability rules ask for (DESIGN §7):
// grants that refresh safely across processes (grants.go), pacing per Zoom account and
// rate-limit label (ratelimit.go), retries of reads only (call.go), "outcome unknown" for
// changes whose answer was lost, a log line and metrics per call, and a timeout on every
// attempt. Service (service.go) holds what calls share; README.md is the guide for portal
// engineers.
//
// Facts (paths, fields, codes, limits) come from Zoom's documentation as summarized in the
// project's ZOOM_API notes; where Zoom's behaviour is uncertain the code says so and
// tolerates both readings.
package zoom

import (
	"bytes"
	"context"
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

// DefaultTimeout bounds every attempt of a call (and every token request) when the caller's
// context has no earlier deadline.
const DefaultTimeout = 30 * time.Second

// Client calls Zoom's REST API with one grant. It is safe for concurrent use. Get one from a
// Service (UserClient, S2SClient, TokenClient, Client) or, without pacing or metrics, from
// NewClient.
type Client struct {
	http    *http.Client
	baseURL *url.URL
	log     *slog.Logger
	grant   Grant // nil: the http.Client authenticates (NewClient)
	rt      *runtime
}

// NewClient returns a Client that sends requests through httpClient (which must add the
// grant's bearer token, as an oauth2 transport does) to apiBaseURL, e.g.
// https://api.zoom.us/v2. log may be nil. Reads are retried as by a Service, but calls are
// not paced (the Zoom account is unknown) and no metrics are registered. It fails on a base
// URL that is not absolute.
func NewClient(httpClient *http.Client, apiBaseURL string, log *slog.Logger) (*Client, error) {
	u, err := parseBaseURL(apiBaseURL)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	return &Client{http: httpClient, baseURL: u, log: log, rt: defaultRuntime()}, nil
}

// parseBaseURL checks an API base URL and gives it a trailing slash.
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/") + "/")
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("zoom: bad API base URL %q", s)
	}
	return u, nil
}

// Grant returns the description of the client's grant ("user:42", "s2s:7", "token"), or ""
// for a client from NewClient.
func (c *Client) Grant() string {
	if c.grant == nil {
		return ""
	}
	return c.grant.Describe()
}

// Response is what the portal logs and audits about a call. Endpoint methods return it even
// when the call failed; the embedded *http.Response (Zoom's last answer, body already read)
// is nil when no answer arrived, so check it before reading StatusCode or Header.
type Response struct {
	*http.Response
	TrackingID    string        // x-zm-trackingid of the last answer
	Grant         string        // the grant the call used, for the audit log: "user:42", "s2s:7"
	ZoomAccountID string        // the Zoom account whose rate budget the call spent ("" if unknown)
	Attempts      int           // HTTP attempts made (retries and the repeat after a token refresh included)
	ThrottleWait  time.Duration // time spent waiting for the rate budget, over all attempts
	Duration      time.Duration // the whole call, waits included
}

// endpoint is one of Zoom's REST endpoints: method, path template relative to the API base
// (placeholders in braces, filled in order) and rate-limit label.
type endpoint struct {
	method string
	route  string
	label  Label
}

// expand fills a route's placeholders with path-escaped args. An empty or missing argument
// is an error: it would address another endpoint.
func expand(route string, args []string) (string, error) {
	var b strings.Builder
	rest, i := route, 0
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("zoom: bad route %q", route)
		}
		name := rest[open+1 : open+end]
		if i >= len(args) || strings.TrimSpace(args[i]) == "" {
			return "", fmt.Errorf("zoom: %s: %s is empty", route, name)
		}
		b.WriteString(rest[:open])
		b.WriteString(url.PathEscape(args[i]))
		rest, i = rest[open+end+1:], i+1
	}
	if i != len(args) {
		return "", fmt.Errorf("zoom: %s: %d arguments for %d placeholders", route, len(args), i)
	}
	return b.String(), nil
}

// newRequest builds a request for path (relative to the base URL), with payload (already
// JSON) as its body when it is not nil.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values, payload []byte) (*http.Request, error) {
	u, err := c.baseURL.Parse(strings.TrimLeft(path, "/"))
	if err != nil {
		return nil, fmt.Errorf("zoom: bad path %q: %w", path, err)
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var r io.Reader
	if payload != nil {
		r = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("zoom: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}
