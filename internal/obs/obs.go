// Package obs is Tierdesk's tracing set-up: OpenTelemetry traces exported over OTLP (HTTP)
// when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, and off
// otherwise; and the trace ids in log lines. The spans themselves are made where the work is:
// a request's (handlers), a Zoom call's (internal/zoom), a River job's (jobs), an SQL
// transaction's (store), all under the tracer provider Setup installs.
package obs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Setup installs the process's tracer provider from the standard OTEL_* variables read with
// getenv: traces are exported over OTLP/HTTP to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or to
// OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces; with neither set (or OTEL_SDK_DISABLED=true, or
// OTEL_TRACES_EXPORTER=none) tracing stays off and costs nothing. The exporter and the SDK
// read the other standard variables themselves (OTEL_EXPORTER_OTLP_HEADERS, …_TIMEOUT,
// OTEL_TRACES_SAMPLER, OTEL_BSP_*, OTEL_RESOURCE_ATTRIBUTES; OTEL_SERVICE_NAME defaults to
// tierdesk). shutdown flushes the spans not yet sent; on returns whether tracing is on.
func Setup(ctx context.Context, getenv func(string) string, version string) (shutdown func(context.Context) error, on bool, err error) {
	off := func(context.Context) error { return nil }
	endpoint := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
	if endpoint == "" {
		if base := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")); base != "" {
			endpoint = strings.TrimSuffix(base, "/") + "/v1/traces"
		}
	}
	if endpoint == "" || strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || strings.EqualFold(getenv("OTEL_TRACES_EXPORTER"), "none") {
		return off, false, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return off, false, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT %q: %w", endpoint, err)
	}
	name := strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	if name == "" {
		name = "tierdesk"
	}
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithHost(),
		resource.WithAttributes(attribute.String("service.name", name), attribute.String("service.version", version)))
	if err != nil {
		return off, false, fmt.Errorf("tracing resource: %w", err)
	}
	var batch []sdktrace.BatchSpanProcessorOption
	if d, err := time.ParseDuration(getenv("OTEL_BSP_SCHEDULE_DELAY") + "ms"); err == nil && d > 0 {
		batch = append(batch, sdktrace.WithBatchTimeout(d))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, batch...), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, true, nil
}

// TraceID is the id of the trace ctx is part of, "" when none is recorded.
func TraceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && sc.IsSampled() {
		return sc.TraceID().String()
	}
	return ""
}

// LogHandler adds trace_id and span_id to every record logged with a context inside a
// sampled span, so that a log line leads to its trace.
func LogHandler(h slog.Handler) slog.Handler { return traceHandler{h} }

type traceHandler struct{ slog.Handler }

func (t traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && sc.IsSampled() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return t.Handler.Handle(ctx, r)
}

func (t traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{t.Handler.WithAttrs(attrs)}
}

func (t traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{t.Handler.WithGroup(name)}
}
