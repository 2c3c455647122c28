package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tierdesk/tierdesk/internal/obs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// otlpReceiver is an in-process OTLP/HTTP trace receiver, as a collector would be: it keeps
// every span exported to it and says when new ones arrived.
type otlpReceiver struct {
	mu      sync.Mutex
	spans   []*tracepb.Span
	arrived chan struct{}
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "not an OTLP/HTTP protobuf export", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			o.spans = append(o.spans, ss.Spans...)
		}
	}
	o.mu.Unlock()
	select {
	case o.arrived <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Write(out)
}

// trace returns the spans of the trace whose root is named root, once it has a span that
// satisfies done.
func (o *otlpReceiver) trace(t *testing.T, root string, done func([]*tracepb.Span) bool) []*tracepb.Span {
	t.Helper()
	timeout := time.After(time.Minute) // bounds only a broken exporter: spans come every 50 ms
	for {
		o.mu.Lock()
		var id []byte
		for _, s := range o.spans {
			if s.Name == root && len(s.ParentSpanId) == 0 {
				id = s.TraceId
			}
		}
		var tr []*tracepb.Span
		for _, s := range o.spans {
			if id != nil && string(s.TraceId) == string(id) {
				tr = append(tr, s)
			}
		}
		o.mu.Unlock()
		if id != nil && done(tr) {
			return tr
		}
		select {
		case <-o.arrived:
		case <-timeout:
			o.mu.Lock()
			var seen []string
			for _, s := range o.spans {
				if len(s.ParentSpanId) == 0 {
					seen = append(seen, s.Name)
				}
			}
			o.mu.Unlock()
			t.Fatalf("no complete trace of %q arrived; root spans: %v", root, seen)
		}
	}
}

// attr is a span attribute's value as text ("" when absent).
func attr(s *tracepb.Span, key string) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			switch v := a.Value.Value.(type) {
			case *commonpb.AnyValue_StringValue:
				return v.StringValue
			case *commonpb.AnyValue_IntValue:
				return strconv.FormatInt(v.IntValue, 10)
			}
			return a.Value.String()
		}
	}
	return ""
}

// TestAPageIsOneTraceWithItsZoomCallsAndSQL: with OTEL_EXPORTER_OTLP_ENDPOINT set, a page
// that calls Zoom yields one trace, exported over OTLP: the request's span, a span per Zoom
// call (endpoint template, status), and the SQL transactions, all beneath the request's.
func TestAPageIsOneTraceWithItsZoomCallsAndSQL(t *testing.T) {
	rcv := &otlpReceiver{arrived: make(chan struct{}, 1)}
	col := httptest.NewServer(rcv)
	defer col.Close()
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_BSP_SCHEDULE_DELAY": "50"}
	shutdown, on, err := obs.Setup(context.Background(), func(k string) string { return env[k] }, "test")
	if err != nil || !on {
		t.Fatalf("obs.Setup: on=%v, %v", on, err)
	}
	defer shutdown(context.Background())

	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	list, err := e.Store.Customers(context.Background(), p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 1})
	if err != nil || len(list.Customers) == 0 {
		t.Fatalf("customers: %v", err)
	}
	c := list.Customers[0]
	// The page reads the customer's settings and locks from Zoom (none is cached yet).
	before := len(e.Sandbox.Requests())
	page := b.get(e.URL + "/customers/" + c.ZoomAccountID + "/settings")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("settings tab: %d", page.StatusCode)
	}
	var calls []string
	for _, r := range e.Sandbox.Requests()[before:] {
		if strings.HasPrefix(r.Path, "/v2/") {
			calls = append(calls, r.Method+" "+r.Path)
		}
	}
	if len(calls) < 2 {
		t.Fatalf("the page made %d Zoom calls (%v), want at least two", len(calls), calls)
	}

	const root = "GET /customers/{accountId}/settings"
	zoomSpans := func(tr []*tracepb.Span) []*tracepb.Span {
		var out []*tracepb.Span
		for _, s := range tr {
			if strings.HasPrefix(s.Name, "zoom ") {
				out = append(out, s)
			}
		}
		return out
	}
	tr := rcv.trace(t, root, func(tr []*tracepb.Span) bool { return len(zoomSpans(tr)) >= len(calls) })
	var req *tracepb.Span
	byID := map[string]*tracepb.Span{}
	for _, s := range tr {
		byID[string(s.SpanId)] = s
		if s.Name == root {
			req = s
		}
	}
	if attr(req, "http.route") != "/customers/{accountId}/settings" || attr(req, "http.response.status_code") != "200" || attr(req, "tierdesk.request_id") == "" {
		t.Errorf("request span attributes: %v", req.Attributes)
	}
	under := func(s *tracepb.Span) bool { // s is beneath the request's span
		for p := s; p != nil; p = byID[string(p.ParentSpanId)] {
			if p == req {
				return true
			}
		}
		return false
	}
	zs := zoomSpans(tr)
	if len(zs) != len(calls) {
		t.Errorf("%d Zoom spans for %d calls at the sandbox (%v)", len(zs), len(calls), calls)
	}
	for _, s := range zs {
		if !under(s) {
			t.Errorf("Zoom span %q is not beneath the request", s.Name)
		}
		if attr(s, "http.response.status_code") != "200" || !strings.HasPrefix(attr(s, "url.template"), "/accounts/{accountId}/") ||
			attr(s, "http.request.method") != "GET" || attr(s, "zoom.retry_count") != "0" || attr(s, "zoom.rate_limit_wait_seconds") == "" {
			t.Errorf("Zoom span %q attributes: %v", s.Name, s.Attributes)
		}
		if strings.Contains(s.Name, c.ZoomAccountID) {
			t.Errorf("Zoom span %q is named with an id, not the endpoint's template", s.Name)
		}
	}
	var sql int
	for _, s := range tr {
		if strings.HasPrefix(s.Name, "sql ") {
			sql++
			if !under(s) || attr(s, "db.system.name") != "postgresql" {
				t.Errorf("SQL span %q: beneath the request %v, attributes %v", s.Name, under(s), s.Attributes)
			}
		}
	}
	if sql == 0 {
		t.Errorf("no SQL span in the trace: %v", names(tr))
	}
	t.Logf("trace of %s: %v", root, names(tr))
}

func names(tr []*tracepb.Span) []string {
	out := make([]string, len(tr))
	for i, s := range tr {
		out[i] = s.Name
	}
	return out
}
