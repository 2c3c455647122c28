package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// RequestRecord is one request the sandbox received on /oauth/* or /v2/*.
type RequestRecord struct {
	Seq             int64     `json:"seq"`
	Time            time.Time `json:"time"` // when the request arrived
	Done            time.Time `json:"done"` // when its answer was written (or the connection dropped)
	Method          string    `json:"method"`
	Path            string    `json:"path"`              // as received, without query
	Query           string    `json:"query"`             // raw query string
	AccountID       string    `json:"account_id"`        // account of the token used; "" when none
	TargetAccountID string    `json:"target_account_id"` // the {accountId} in the path, resolved from "me"
	Status          int       `json:"status"`            // 0 when the connection was dropped
	Code            int       `json:"code"`              // Zoom code in the body; 0 when none
	Grant           string    `json:"grant"`             // client id of the token or of the token request
	// Body is the JSON body of a change on /v2 (POST, PUT, PATCH) as received, with the value
	// of every "password" key replaced by "…" and cut at 4 KiB; "" for other requests.
	Body string `json:"body,omitempty"`
}

// maxLoggedBody bounds the body a request record keeps.
const maxLoggedBody = 4 << 10

// loggedBody is what the request log keeps of a change's body: passwords redacted, cut at
// maxLoggedBody. A body that is not JSON is kept as it is, cut.
func loggedBody(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) == nil {
		if out, err := json.Marshal(redactPasswords(v)); err == nil {
			b = out
		}
	}
	if len(b) > maxLoggedBody {
		b = b[:maxLoggedBody]
	}
	return string(b)
}

// redactPasswords replaces the value of every key holding "password", at any depth.
func redactPasswords(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.Contains(strings.ToLower(k), "password") {
				t[k] = "…"
			} else {
				t[k] = redactPasswords(x)
			}
		}
	case []any:
		for i, x := range t {
			t[i] = redactPasswords(x)
		}
	}
	return v
}

// maxRequestRecords bounds the request log; older records are dropped first.
const maxRequestRecords = 20000

// requestLog keeps the most recent requests.
type requestLog struct {
	mu   sync.Mutex
	seq  int64
	recs []RequestRecord
}

func newRequestLog() *requestLog { return &requestLog{} }

// add appends a record, assigning its sequence number.
func (l *requestLog) add(rec RequestRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	rec.Seq = l.seq
	if len(l.recs) >= maxRequestRecords {
		l.recs = append(l.recs[:0], l.recs[len(l.recs)-maxRequestRecords/2:]...)
	}
	l.recs = append(l.recs, rec)
}

// since returns the records with Seq > seq.
func (l *requestLog) since(seq int64) []RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]RequestRecord, 0)
	for _, r := range l.recs {
		if r.Seq > seq {
			out = append(out, r)
		}
	}
	return out
}

// clear forgets every record (sequence numbers keep growing).
func (l *requestLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = nil
}

// Requests returns the log of requests received on /oauth/* and /v2/*, oldest first.
func (s *Sandbox) Requests() []RequestRecord { return s.reqs.since(0) }

// ClearRequests empties the request log.
func (s *Sandbox) ClearRequests() { s.reqs.clear() }

// reqInfo travels in the request context so handlers can annotate the request log.
type reqInfo struct {
	accountID   string
	targetID    string
	grant       string
	code        int
	fault       *Fault
	latencyDone bool
}

type infoKey struct{}

// infoFrom returns the request's annotations, or nil outside the logged paths.
func infoFrom(ctx context.Context) *reqInfo {
	info, _ := ctx.Value(infoKey{}).(*reqInfo)
	return info
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader implements http.ResponseWriter.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for dropped-connection faults).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// MostInFlight is the most of recs the sandbox was serving at once (from arrival to answer).
func MostInFlight(recs []RequestRecord) int {
	type edge struct {
		at   time.Time
		step int
	}
	edges := make([]edge, 0, 2*len(recs))
	for _, r := range recs {
		edges = append(edges, edge{r.Time, 1}, edge{r.Done, -1})
	}
	// At equal times, answers before arrivals: touching requests do not overlap.
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.step - b.step
	})
	most, cur := 0, 0
	for _, e := range edges {
		cur += e.step
		most = max(most, cur)
	}
	return most
}

// MostInWindow is the most of recs that arrived within any window of length d (the window
// [t, t+d) starting at any arrival).
func MostInWindow(recs []RequestRecord, d time.Duration) int {
	at := make([]time.Time, len(recs))
	for i, r := range recs {
		at[i] = r.Time
	}
	slices.SortFunc(at, time.Time.Compare)
	most, j := 0, 0
	for i := range at {
		for j < len(at) && at[j].Before(at[i].Add(d)) {
			j++
		}
		most = max(most, j-i)
	}
	return most
}
