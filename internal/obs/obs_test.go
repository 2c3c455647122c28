package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Without an endpoint tracing stays off; a line logged inside a sampled span names its trace
// and span, one logged outside names none.
func TestSetupOffAndLogLinesCarryTheTrace(t *testing.T) {
	shutdown, on, err := Setup(context.Background(), func(string) string { return "" }, "test")
	if err != nil || on {
		t.Fatalf("Setup without an endpoint: on=%v, %v", on, err)
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, env := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "true"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "none"},
	} {
		if _, on, err := Setup(context.Background(), func(k string) string { return env[k] }, "test"); err != nil || on {
			t.Errorf("Setup with %v: on=%v, %v", env, on, err)
		}
	}

	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	ctx, span := tp.Tracer("t").Start(context.Background(), "work")
	log.InfoContext(ctx, "inside")
	span.End()
	log.InfoContext(context.Background(), "outside")
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d log lines", len(lines))
	}
	var in, out map[string]any
	if err := json.Unmarshal(lines[0], &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[1], &out); err != nil {
		t.Fatal(err)
	}
	if in["trace_id"] != span.SpanContext().TraceID().String() || in["span_id"] != span.SpanContext().SpanID().String() || in["component"] != "test" {
		t.Errorf("the line logged inside the span: %v", in)
	}
	if TraceID(ctx) != span.SpanContext().TraceID().String() {
		t.Errorf("TraceID = %q", TraceID(ctx))
	}
	if out["trace_id"] != nil || TraceID(context.Background()) != "" {
		t.Errorf("the line logged outside any span: %v", out)
	}
}
