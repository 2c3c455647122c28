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
	Headers map[string]string `json:"headers,omitempty"`
	// Hold keeps each matching request waiting, unanswered and not yet done, until the fault
	// is released (ReleaseFault, ClearFaults, DELETE /_sandbox/faults/{id}) or the client gives
	// up; then it goes on as if the fault were not there. A test holds work in flight this way
	// for as long as it needs to look at it, instead of guessing how long a latency must be.
	Hold bool `json:"hold,omitempty"`
	// After lets this many matching requests pass untouched (to the next fault, if any)
	// before the fault fires: "hold every create after the 40th".
	After int `json:"after,omitempty"`
	// Held counts the requests the fault holds now (in GET /_sandbox/faults).
	Held int `json:"held,omitempty"`

	remaining int
	passed    int
	release   chan struct{} // closed when a Hold fault is released
	held      *int          // shared count of requests held now, under faultSet.mu
}

// faultSet holds the active faults in the order they were added.
type faultSet struct {
	mu     sync.Mutex
	seq    int
	faults []*Fault
	holds  []*Fault // every Hold fault not released or cleared, fired out (Count) or not
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
	f.release, f.held = make(chan struct{}), new(int)
	fs.faults = append(fs.faults, &f)
	if f.Hold {
		fs.holds = append(fs.holds, &f)
	}
	return f.ID
}

// clear removes every fault and releases every request a fault holds.
func (fs *faultSet) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.holds {
		f.close()
	}
	fs.faults, fs.holds = nil, nil
}

// releaseFault removes the fault id and lets the requests it holds go on. It reports whether the
// fault was known (it may have fired its Count and gone from the active list already).
func (fs *faultSet) releaseFault(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	found := false
	for i, f := range fs.holds {
		if f.ID == id {
			f.close()
			fs.holds = append(fs.holds[:i:i], fs.holds[i+1:]...)
			found = true
			break
		}
	}
	for i, f := range fs.faults {
		if f.ID == id {
			fs.faults = append(fs.faults[:i:i], fs.faults[i+1:]...)
			found = true
			break
		}
	}
	return found
}

// close releases a fault's held requests once.
func (f *Fault) close() {
	select {
	case <-f.release:
	default:
		close(f.release)
	}
}

// hold keeps the request waiting until the fault is released or the request ends.
func (fs *faultSet) hold(ctx context.Context, f *Fault) {
	fs.mu.Lock()
	*f.held++
	fs.mu.Unlock()
	select {
	case <-f.release:
	case <-ctx.Done():
	}
	fs.mu.Lock()
	*f.held--
	fs.mu.Unlock()
}

// list returns copies of the active faults.
func (fs *faultSet) list() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, 0, len(fs.faults))
	for _, f := range fs.faults {
		c := *f
		c.Count = f.remaining
		c.Held = *f.held
		out = append(out, c)
	}
	return out
}

// heldBy is how many requests the fault id holds now.
func (fs *faultSet) heldBy(id string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.holds {
		if f.ID == id {
			return *f.held
		}
	}
	return 0
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
		if f.passed < f.After {
			f.passed++
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

// ClearFaults removes every fault and releases every held request (also DELETE
// /_sandbox/faults).
func (s *Sandbox) ClearFaults() { s.faults.clear() }

// ReleaseFault removes one fault and lets the requests it holds go on (also DELETE
// /_sandbox/faults/{id}). It reports whether the fault existed.
func (s *Sandbox) ReleaseFault(id string) bool { return s.faults.releaseFault(id) }

// Held is how many requests the fault id holds now (a Hold fault).
func (s *Sandbox) Held(id string) int { return s.faults.heldBy(id) }

// serveWithFaults runs the request through the first matching fault, if any.
func (s *Sandbox) serveWithFaults(w *statusWriter, r *http.Request, info *reqInfo, next http.Handler) {
	f := s.faults.match(r.Method, r.URL.Path)
	if f == nil {
		next.ServeHTTP(w, r)
		return
	}
	info.fault = f
	if f.Hold {
		s.faults.hold(r.Context(), f)
		if r.Context().Err() != nil {
			return // the client gave up: nothing was done
		}
		next.ServeHTTP(w, r)
		return
	}
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
