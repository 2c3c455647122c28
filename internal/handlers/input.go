package handlers

import (
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"sort"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/input"
	"github.com/tierdesk/tierdesk/internal/store"
)

// ActionRequestRefused is the audit action of a request refused at the edge because what it
// carried is not text (internal/input): invalid UTF-8 or a NUL in its path, query or form.
const ActionRequestRefused = "request.refused"

// multipartMemory is how much of a multipart body is kept in memory while it is read; the rest
// of a large upload goes to a temporary file. The body itself is capped by limitBody.
const multipartMemory = 4 << 20

// badInput is the first piece of a request that is not text.
type badInput struct {
	where  string // path, query, form, file name
	field  string // the route parameter or form field, as the request named it
	label  string // the field in words, for the message
	value  string
	reason string // from input.Reason

	unreadable error // the form could not be read at all (parseForm's page): no text to judge
}

// refuseBadInput is the one place where text from outside is judged before any handler, store
// or Zoom call sees it (files' contents are judged by their parsers, webhook bodies by
// parseWebhook, both with the same internal/input). A path parameter, query or form field that
// is not valid UTF-8 or holds a NUL is answered 400 with a message naming the field. A
// signed-in caller's refusal is audited in their partner's log as request.refused (denied),
// with the refused value escaped; an anonymous one is logged and counted, since anyone could
// send it. A form that cannot be read at all is left to its handler, which says so.
func (h *Handlers) refuseBadInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad, pattern := h.findBadInput(r)
		if bad == nil {
			next.ServeHTTP(w, r)
			return
		}
		if rc := chi.RouteContext(r.Context()); rc != nil && pattern != "" {
			rc.RoutePatterns = append(rc.RoutePatterns, pattern) // for the access log and metrics
		}
		refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if bad.unreadable != nil {
				h.renderError(w, r, bad.unreadable)
				return
			}
			h.refuseInput(w, r, *bad, pattern)
		})
		// The session is read only to know whom to audit: no handler runs.
		h.sessions.LoadAndSave(h.loadStaff(refuse)).ServeHTTP(w, r)
	})
}

// findBadInput returns the first piece of r that is not text, or nil, and r's route pattern.
func (h *Handlers) findBadInput(r *http.Request) (*badInput, string) {
	rc := chi.NewRouteContext()
	pattern := ""
	if h.mux.Match(rc, r.Method, r.URL.Path) {
		pattern = rc.RoutePattern()
	}
	if reason := input.Reason(r.URL.Path); reason != "" {
		b := &badInput{where: "path", label: "the address", value: r.URL.Path, reason: reason}
		for i, k := range rc.URLParams.Keys {
			if v := rc.URLParams.Values[i]; input.Reason(v) != "" {
				b.field, b.label, b.value = k, "the "+paramLabel(k)+" in the address", v
				break
			}
		}
		return b, pattern
	}
	if field, reason := input.Values(r.URL.Query()); reason != "" {
		return &badInput{where: "query", field: field, label: fieldLabel("query parameter", field),
			value: r.URL.Query().Get(field), reason: reason}, pattern
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch:
	case ct == "application/x-www-form-urlencoded":
		if err := parseForm(r); err != nil {
			// Unreadable or too large: parsed once, it cannot be parsed again, so say it here.
			return &badInput{unreadable: err}, pattern
		}
		if field, reason := input.Values(r.PostForm); reason != "" {
			return &badInput{where: "form", field: field, label: fieldLabel("field", field), value: r.PostForm.Get(field), reason: reason}, pattern
		}
	case ct == "multipart/form-data":
		// An unreadable query makes ParseMultipartForm return its error with the form read all
		// the same: the form is judged whenever it was read (the handler's own call returns it).
		if r.ParseMultipartForm(multipartMemory); r.MultipartForm == nil {
			return nil, pattern
		}
		if field, reason := input.Values(r.MultipartForm.Value); reason != "" {
			return &badInput{where: "form", field: field, label: fieldLabel("field", field), value: r.MultipartForm.Value[field][0], reason: reason}, pattern
		}
		fields := make([]string, 0, len(r.MultipartForm.File))
		for k := range r.MultipartForm.File {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		for _, k := range fields {
			if reason := input.Reason(k); reason != "" {
				return &badInput{where: "form", field: k, label: "a file field's name", value: k, reason: reason}, pattern
			}
			for _, fh := range r.MultipartForm.File[k] {
				if reason := input.Reason(fh.Filename); reason != "" {
					return &badInput{where: "file name", field: k, label: "the name of the file in “" + k + "”",
						value: fh.Filename, reason: reason}, pattern
				}
			}
		}
	}
	return nil, pattern
}

// refuseInput answers a request refused by refuseBadInput.
func (h *Handlers) refuseInput(w http.ResponseWriter, r *http.Request, b badInput, pattern string) {
	ctx := r.Context()
	h.metrics.inputRefused.WithLabelValues(b.where).Inc()
	attrs := []slog.Attr{slog.String("request_id", middleware.GetReqID(ctx)), slog.String("method", r.Method),
		slog.String("route", pattern), slog.String("where", b.where), slog.String("field", input.Quote(b.field)),
		slog.String("value", input.Quote(b.value)), slog.String("reason", b.reason), slog.String("remote", h.clientIP(r))}
	if a := staffFrom(ctx); a != nil {
		ev := h.requestEvent(r)
		ev.Action, ev.Outcome = ActionRequestRefused, store.OutcomeDenied
		ev.TargetType, ev.TargetID = "request", pattern
		ev.Details = details(map[string]any{"reason": "not text: " + b.label + " " + b.reason, "where": b.where,
			"field": input.Quote(b.field), "value": input.Quote(b.value), "method": r.Method, "path": input.Quote(r.URL.Path),
			"route": pattern})
		h.auditAlone(r, ev)
		attrs = append(attrs, slog.Int64("partner_id", a.Partner.ID), slog.Int64("staff_id", a.Staff.ID))
	}
	h.log.LogAttrs(ctx, slog.LevelWarn, "request refused: not text", attrs...)
	h.renderError(w, r, &pageError{status: http.StatusBadRequest, title: "Tierdesk cannot read this request",
		message: "Nothing was changed: " + b.label + " " + b.reason + ". Check what you typed or pasted (it may carry " +
			"invisible characters) and try again."})
}

// refuseFile records an uploaded file refused because its content is not text (its parser
// found where, with input.Locate), as refuseInput does for a field: a denied request.refused
// event with the file's name escaped, and a log line. The form says what to do.
func (h *Handlers) refuseFile(r *http.Request, field, filename string, fe *fileError) {
	ctx := r.Context()
	h.metrics.inputRefused.WithLabelValues("file").Inc()
	pattern := ""
	if rc := chi.RouteContext(ctx); rc != nil {
		pattern = rc.RoutePattern()
	}
	if a := staffFrom(ctx); a != nil {
		ev := h.requestEvent(r)
		ev.Action, ev.Outcome = ActionRequestRefused, store.OutcomeDenied
		ev.TargetType, ev.TargetID = "request", pattern
		ev.Details = details(map[string]any{"reason": fmt.Sprintf("not text: the file's line %d %s", fe.line, fe.notText),
			"where": "file", "field": input.Quote(field), "file": input.Quote(filename), "line": fe.line, "method": r.Method,
			"path": logPath(r.URL.Path), "route": pattern})
		h.auditAlone(r, ev)
	}
	h.log.LogAttrs(ctx, slog.LevelWarn, "upload refused: not text", slog.String("request_id", middleware.GetReqID(ctx)),
		slog.String("route", pattern), slog.String("file", input.Quote(filename)), slog.Int("line", fe.line),
		slog.String("reason", fe.notText))
}

// fieldLabel names a query parameter or form field in words: "the field “notes”", or "the
// name of a field" when the name itself is what is not text.
func fieldLabel(kind, name string) string {
	if input.Reason(name) != "" {
		return "the name of a " + kind
	}
	return "the " + kind + " “" + name + "”"
}

// paramLabel names a route parameter in words.
func paramLabel(k string) string {
	switch k {
	case "accountId":
		return "customer id"
	case "userId":
		return "user id"
	case "staffId":
		return "staff id"
	case "jobId":
		return "job id"
	case "importId":
		return "bulk job id"
	case "templateId":
		return "template id"
	case "draftId", "onboardingId":
		return "onboarding id"
	case "seq":
		return "number"
	case "step":
		return "step"
	}
	return printable(k)
}

// printable is text for a message: s itself when it is text, else its escaped form.
func printable(s string) string {
	if input.Reason(s) == "" {
		return s
	}
	return input.Quote(s)
}
