package handlers

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracer makes the requests' spans (OpenTelemetry's no-op unless tracing is on: see
// internal/obs).
var tracer = otel.Tracer("github.com/tierdesk/tierdesk/internal/handlers")

// traceRequest gives each request a span, the root of its trace: the Zoom calls, SQL
// transactions and jobs it starts are spans beneath it. The span is named by the method and
// the route pattern, like the metrics (never by ids), and carries the request id, so that the
// log line, the error page and the trace meet. A trace context sent by the client is not
// followed: every request starts its own trace.
func (h *Handlers) traceRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := metricMethod(r.Method)
		ctx, span := tracer.Start(r.Context(), method, trace.WithSpanKind(trace.SpanKindServer), trace.WithNewRoot(),
			trace.WithAttributes(attribute.String("http.request.method", method), attribute.String("tierdesk.request_id", middleware.GetReqID(r.Context()))))
		defer span.End()
		if !span.IsRecording() {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r.WithContext(ctx))
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		route := "unmatched"
		if rc := chi.RouteContext(ctx); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		span.SetName(method + " " + route)
		span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, strconv.Itoa(status))
		}
	})
}
