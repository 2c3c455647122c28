package handlers

import (
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/input"
	"github.com/tierdesk/tierdesk/internal/store"
)

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
}

// refuseBadInput is the one place where text from outside is judged before any handler, store
// or Zoom call sees it (files' contents are judged by their parsers, webhook bodies by
// parseWebhook, both with the same internal/input). A path parameter, query or form field that
// is not valid UTF-8 or holds a NUL is answered 400 with a message naming the field, and the
// refusal is recorded (noteRefusal). A form that cannot be read at all gets parseForm's page
// here: read once, its body cannot be read again by the handler.
func (h *Handlers) refuseBadInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad, pattern, unreadable := h.findBadInput(r)
		if bad == nil && unreadable == nil {
			next.ServeHTTP(w, r)
			return
		}
		if rc := chi.RouteContext(r.Context()); rc != nil && pattern != "" {
			rc.RoutePatterns = append(rc.RoutePatterns, pattern) // for the access log and metrics
		}
		refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if unreadable != nil {
				h.renderError(w, r, unreadable)
				return
			}
			h.noteRefusal(r, 0, bad.where, "not text: "+bad.label+" "+bad.reason,
				map[string]any{"field": input.Quote(bad.field), "value": input.Quote(bad.value)})
			h.renderError(w, r, &pageError{status: http.StatusBadRequest, title: "Tierdesk cannot read this request",
				message: "Nothing was changed: " + bad.label + " " + bad.reason + ". Check what you typed or pasted " +
					"(it may carry invisible characters) and try again."})
		})
		// The session is read only to know whom to audit: no handler runs.
		h.sessions.LoadAndSave(h.loadStaff(refuse)).ServeHTTP(w, r)
	})
}

// findBadInput returns the first piece of r that is not text (or nil), r's route pattern, and
// parseForm's error when the form cannot be read at all.
func (h *Handlers) findBadInput(r *http.Request) (*badInput, string, error) {
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
		return b, pattern, nil
	}
	if field, reason := input.Values(r.URL.Query()); reason != "" {
		return &badInput{where: "query", field: field, label: fieldLabel("query parameter", field),
			value: r.URL.Query().Get(field), reason: reason}, pattern, nil
	}
	var form url.Values
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch:
	case ct == "application/x-www-form-urlencoded":
		if err := parseForm(r); err != nil {
			return nil, pattern, err
		}
		form = r.PostForm
	case ct == "multipart/form-data":
		// An unreadable query makes ParseMultipartForm return its error with the form read all
		// the same: the form is judged whenever it was read (the handler's own call returns it).
		if r.ParseMultipartForm(multipartMemory); r.MultipartForm == nil {
			return nil, pattern, nil
		}
		form = r.MultipartForm.Value
		for _, k := range slices.Sorted(maps.Keys(r.MultipartForm.File)) {
			if reason := input.Reason(k); reason != "" {
				return &badInput{where: "form", field: k, label: "a file field's name", value: k, reason: reason}, pattern, nil
			}
			for _, fh := range r.MultipartForm.File[k] {
				if reason := input.Reason(fh.Filename); reason != "" {
					return &badInput{where: "file name", field: k, label: "the name of the file in “" + k + "”",
						value: fh.Filename, reason: reason}, pattern, nil
				}
			}
		}
	}
	if field, reason := input.Values(form); reason != "" {
		return &badInput{where: "form", field: field, label: fieldLabel("field", field), value: form.Get(field), reason: reason}, pattern, nil
	}
	return nil, pattern, nil
}

// refuseFile records an uploaded file refused because its content is not text (its parser
// found where, with input.Locate); the form says what to do.
func (h *Handlers) refuseFile(r *http.Request, field, filename string, fe *fileError) {
	h.noteRefusal(r, 0, "file", fmt.Sprintf("not text: the file's line %d %s", fe.line, fe.notText),
		map[string]any{"field": input.Quote(field), "file": input.Quote(filename), "line": fe.line})
}

// noteRefusal records a request refused because what it carried is not text: counted by
// where, logged with the refused pieces (escaped by the caller), and a denied request.refused
// event in the log of partnerID (a webhook's signer), or else of the signed-in caller's
// partner. An anonymous refusal is only logged and counted: anyone could send it, and the
// audit log is not theirs to fill.
func (h *Handlers) noteRefusal(r *http.Request, partnerID int64, where, reason string, pieces map[string]any) {
	ctx := r.Context()
	h.metrics.inputRefused.WithLabelValues(where).Inc()
	pattern := ""
	if rc := chi.RouteContext(ctx); rc != nil {
		pattern = rc.RoutePattern()
	}
	d := map[string]any{"reason": reason, "where": where, "method": r.Method, "path": input.Safe(r.URL.Path), "route": pattern}
	attrs := []slog.Attr{slog.String("request_id", middleware.GetReqID(ctx)), slog.String("remote", h.clientIP(r))}
	for k, v := range pieces {
		d[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(d)) {
		attrs = append(attrs, slog.Any(k, d[k]))
	}
	ev := h.requestEvent(r)
	if partnerID != 0 {
		ev.PartnerID, ev.External = partnerID, true
	}
	if ev.PartnerID != 0 {
		ev.Action, ev.Outcome = audit.RequestRefused, store.OutcomeDenied
		ev.TargetType, ev.TargetID = "request", pattern
		ev.Details = details(d)
		h.auditAlone(r, ev)
		attrs = append(attrs, slog.Int64("partner_id", ev.PartnerID))
	}
	h.log.LogAttrs(ctx, slog.LevelWarn, "request refused: not text", attrs...)
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
	case "eventId":
		return "event id"
	case "delegationId":
		return "delegation id"
	case "step":
		return "step"
	}
	return input.Safe(k)
}
