package sandbox

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault makes matching requests misbehave. It applies to /oauth/* and /v2/* (never to
// /_sandbox/*).
type Fault struct {
	ID          string        `json:"id,omitempty"`
	Method      string        `json:"method,omitempty"`      // "" matches any method
	Path        string        `json:"path"`                  // "/v2/accounts/*/users": * matches one segment, a trailing ** any rest
	Status      int           `json:"status,omitempty"`      // answer this status without doing anything (500 if only Code is set)
	Code        int           `json:"code,omitempty"`        // Zoom code in the error body (defaults to Status)
	Message     string        `json:"message,omitempty"`     // message in the error body (defaults to the status text)
	Latency     time.Duration `json:"latency,omitempty"`     // delay before answering (in JSON: nanoseconds, or use latency_ms)
	Drop        bool          `json:"drop,omitempty"`        // close the connection with no answer
	ApplyThen   string        `json:"apply_then,omitempty"`  // "504" or "drop": do the change, then answer 504 or drop the connection
	Probability float64       `json:"probability,omitempty"` // chance to fire, 0 means 1
	Count       int           `json:"count,omitempty"`       // fire this many times then disappear; 0 means unlimited
	LatencyMS   int64         `json:"latency_ms,omitempty"`  // convenience for HTTP clients: Latency in milliseconds
	// Headers are set on the fault's error answer, e.g. Retry-After on a 503 or 429.
	Headers   map[string]string `json:"headers,omitempty"`
	remaining int
}

// faultSet holds the active faults in the order they were added.
type faultSet struct {
	mu     sync.Mutex
	seq    int
	faults []*Fault
}

func newFaultSet() *faultSet { return &faultSet{} }

// add registers a fault and returns its id.
func (fs *faultSet) add(f Fault) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.seq++
	f.ID = "fault-" + strconv.Itoa(fs.seq)
	if f.LatencyMS > 0 && f.Latency == 0 {
		f.Latency = time.Duration(f.LatencyMS) * time.Millisecond
	}
	f.Method = strings.ToUpper(f.Method)
	f.remaining = f.Count
	fs.faults = append(fs.faults, &f)
	return f.ID
}

// clear removes every fault.
func (fs *faultSet) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.faults = nil
}

// list returns copies of the active faults.
func (fs *faultSet) list() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, 0, len(fs.faults))
	for _, f := range fs.faults {
		c := *f
		c.Count = f.remaining
		out = append(out, c)
	}
	return out
}

// match returns the first fault that fires for the request (consuming one of its count),
// or nil.
func (fs *faultSet) match(method, path string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.faults {
		if (f.Method != "" && f.Method != method) || !pathMatches(f.Path, path) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && rand.Float64() >= f.Probability {
			continue
		}
		if f.Count > 0 {
			f.remaining--
			if f.remaining <= 0 {
				fs.faults = append(fs.faults[:i:i], fs.faults[i+1:]...)
			}
		}
		c := *f
		return &c
	}
	return nil
}

// pathMatches matches a path against a fault pattern.
func pathMatches(pattern, path string) bool {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range ps {
		if p == "**" && i == len(ps)-1 {
			return true
		}
		if i >= len(xs) || (p != "*" && p != xs[i]) {
			return false
		}
	}
	return len(xs) == len(ps)
}

// AddFault registers a fault and returns its id (also POST /_sandbox/faults).
func (s *Sandbox) AddFault(f Fault) string { return s.faults.add(f) }

// ClearFaults removes every fault (also DELETE /_sandbox/faults).
func (s *Sandbox) ClearFaults() { s.faults.clear() }

// serveWithFaults runs the request through the first matching fault, if any.
func (s *Sandbox) serveWithFaults(w *statusWriter, r *http.Request, info *reqInfo, next http.Handler) {
	f := s.faults.match(r.Method, r.URL.Path)
	if f == nil {
		next.ServeHTTP(w, r)
		return
	}
	info.fault = f
	api := strings.HasPrefix(r.URL.Path, "/v2/")
	if !api || f.Drop || f.Status != 0 || f.Code != 0 {
		// /v2 handlers sleep themselves, inside the one-request-per-user window.
		sleepCtx(r.Context(), f.Latency)
		info.latencyDone = true
	}
	switch {
	case f.ApplyThen != "":
		next.ServeHTTP(&discardWriter{h: http.Header{}}, r)
		if f.ApplyThen == "drop" {
			dropConnection(w)
			return
		}
		msg := f.Message
		if msg == "" {
			msg = "Gateway Timeout."
		}
		writeError(w, r, zerr(http.StatusGatewayTimeout, http.StatusGatewayTimeout, "%s", msg))
	case f.Drop:
		dropConnection(w)
	case f.Status != 0 || f.Code != 0:
		status, code, msg := f.Status, f.Code, f.Message
		if status == 0 {
			status = 500
		}
		if code == 0 {
			code = status
		}
		if msg == "" {
			msg = http.StatusText(status) + "."
		}
		for k, v := range f.Headers {
			w.Header().Set(k, v)
		}
		writeError(w, r, zerr(status, code, "%s", msg))
	default:
		next.ServeHTTP(w, r)
	}
}

// sleepCtx waits for d or until the request is cancelled.
func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// dropConnection closes the client connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the response, which resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// discardWriter swallows a response ("apply then fail").
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
