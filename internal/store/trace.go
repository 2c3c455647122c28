package store

import (
	"context"
	"runtime"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracer makes the SQL transactions' spans (OpenTelemetry's no-op unless tracing is on:
// internal/obs).
var tracer = otel.Tracer("github.com/tierdesk/tierdesk/internal/store")

// txSpan starts the span of one SQL transaction (an inTx, or a read's one-round-trip
// pipeline), named after the store method that runs it, under the span of ctx (a request, a
// job). Outside a recorded trace it does nothing, and costs nothing.
func txSpan(ctx context.Context, kind string, partnerID int64) (context.Context, func(error)) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, func(error) {}
	}
	attrs := []attribute.KeyValue{attribute.String("db.system.name", "postgresql")}
	if partnerID != 0 {
		attrs = append(attrs, attribute.Int64("tierdesk.partner_id", partnerID))
	}
	ctx, span := tracer.Start(ctx, "sql "+kind+" "+storeCaller(), trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "transaction failed")
		}
		span.End()
	}
}

// storeCaller names the first store method on the stack that is not one of the transaction
// helpers: "Store.SaveCustomer".
func storeCaller() string {
	pcs := make([]uintptr, 12)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		name := f.Function
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		if rest, ok := strings.CutPrefix(name, "store."); ok {
			rest = strings.ReplaceAll(strings.ReplaceAll(rest, "(*", ""), ")", "")
			switch {
			case strings.HasSuffix(rest, ".inTx"), strings.HasSuffix(rest, ".beginTx"), strings.HasSuffix(rest, ".read"),
				strings.Contains(rest, ".func"), strings.HasPrefix(rest, "txSpan"):
			default:
				return rest
			}
		}
		if !more {
			return "transaction"
		}
	}
}
