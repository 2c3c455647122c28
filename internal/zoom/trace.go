package zoom

import (
	"context"
	"errors"
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracer makes the Zoom calls' spans, under whatever tracer provider the process set (none:
// OpenTelemetry's no-op, which costs nothing).
var tracer = otel.Tracer("github.com/tierdesk/tierdesk/internal/zoom")

// startSpan starts the span of one Zoom call (its retries and rate-budget waits included),
// named by the endpoint's template so that spans group like the metrics do.
func startSpan(ctx context.Context, ep endpoint) (context.Context, trace.Span) {
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", ep.method),
		attribute.String("url.template", ep.route),
		attribute.String("zoom.rate_label", string(ep.label)),
	}
	if who := OnBehalfOf(ctx); who != "" {
		attrs = append(attrs, attribute.String("tierdesk.on_behalf_of", who))
	}
	return tracer.Start(ctx, "zoom "+ep.method+" "+ep.route, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// onBehalfKey is the context key of OnBehalf.
type onBehalfKey struct{}

// OnBehalf returns ctx whose Zoom calls are made for someone other than the grant's own
// partner (work under a delegation goes out under the owner's app): who, in words ("support@
// northwind.example of Northwind, delegation 12"), is logged with each call and set on its span.
func OnBehalf(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, onBehalfKey{}, who)
}

// OnBehalfOf is what OnBehalf set on ctx, or "".
func OnBehalfOf(ctx context.Context) string {
	who, _ := ctx.Value(onBehalfKey{}).(string)
	return who
}

// endSpan records the call's outcome on its span and ends it: the last HTTP status, Zoom's
// error code, the retries, the time spent waiting for the rate budget, and the error.
func endSpan(span trace.Span, r *Response, err error) {
	if !span.IsRecording() {
		span.End()
		return
	}
	attrs := []attribute.KeyValue{
		attribute.Int("zoom.attempts", r.Attempts),
		attribute.Int("zoom.retry_count", max(r.Attempts-1, 0)),
		attribute.Float64("zoom.rate_limit_wait_seconds", r.ThrottleWait.Seconds()),
		attribute.String("zoom.grant", r.Grant),
	}
	if r.ZoomAccountID != "" {
		attrs = append(attrs, attribute.String("zoom.account_id", r.ZoomAccountID))
	}
	if r.TrackingID != "" {
		attrs = append(attrs, attribute.String("zoom.tracking_id", r.TrackingID))
	}
	status := 0
	if r.Response != nil {
		status = r.StatusCode
	}
	var zerr *Error
	if errors.As(err, &zerr) {
		status = zerr.Status
		attrs = append(attrs, attribute.Int("zoom.code", zerr.Code))
	}
	if status != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", status))
	}
	span.SetAttributes(attrs...)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
}
