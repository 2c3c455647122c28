package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/obs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
	"github.com/tierdesk/tierdesk/web/templates"
)

// pageError is an error with the page the user should see.
type pageError struct {
	status    int
	title     string
	message   string
	action    string // optional link text and URL
	actionURL string
	// noStatus hides the big status number: the request did what was asked, and "503" in
	// large type would say it failed.
	noStatus bool
	cause    error // logged, never shown
}

func (e *pageError) Error() string {
	if e.cause != nil {
		return e.title + ": " + e.cause.Error()
	}
	return e.title
}

func (e *pageError) Unwrap() error { return e.cause }

var (
	errNotFound = &pageError{status: http.StatusNotFound, title: "Page not found",
		message: "There is nothing here, or it is not yours to see. Check the address, or start again from the dashboard."}
	errInternal = &pageError{status: http.StatusInternalServerError, title: "Something went wrong",
		message: "Tierdesk could not finish this request. Nothing you entered was lost on our side; try again in a moment."}
)

// appHandler is a handler that returns an error for the adapter to show.
type appHandler func(w http.ResponseWriter, r *http.Request) error

// wrap adapts an appHandler: a returned error becomes a page (404 for store.ErrNotFound,
// the page of a *pageError, else a logged 500 with a plain message).
func (h *Handlers) wrap(fn appHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.renderError(w, r, err)
		}
	}
}

func (h *Handlers) renderError(w http.ResponseWriter, r *http.Request, err error) {
	pe := pageFor(err)
	var nr *service.NotRecordedError
	if errors.As(err, &nr) && pe.actionURL == "" {
		// The way back to what was changed, where Zoom's values show.
		if label, u := backTo(r); u != "" {
			back := *pe
			back.action, back.actionURL = label, u
			pe = &back
		}
	}
	h.showError(w, r, pe, err)
}

// backTo is the link to the page of what the request was about, from its route: the user,
// else the customer; no URL when the route names neither.
func backTo(r *http.Request) (label, url string) {
	account := chi.URLParam(r, "accountId")
	switch user := chi.URLParam(r, "userId"); {
	case account == "":
		return "", ""
	case user != "":
		return "Back to the user", paths.User(account, user)
	}
	return "Back to the customer", paths.Customer(account)
}

// pageFor is the one place an error becomes a page: every sentinel of the store, the service
// and the Zoom client that a handler may return maps to its status and plain message here, so
// that no handler needs to remember them and none becomes a bare 500.
func pageFor(err error) *pageError {
	var pe *pageError
	var nr *service.NotRecordedError
	var plan *catalogue.Problem
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.As(err, &nr):
		if nr.Kind == service.Done {
			return &pageError{status: http.StatusServiceUnavailable, title: "Done in Zoom, not yet recorded", noStatus: true, cause: err,
				message: "Zoom made this change. Tierdesk could not write it to its audit log just now; within a few minutes it checks the change in Zoom and records it, so nothing is lost. Do not make it again."}
		}
		return &pageError{status: http.StatusServiceUnavailable, title: "Sent to Zoom, not recorded yet", cause: err,
			message: "Zoom answered, but Tierdesk could not record the answer just now. Nothing is lost: Tierdesk looks the change up in Zoom within a few minutes and records it in the audit log. Check the audit log before repeating it."}
	case errors.Is(err, service.ErrNotRecorded):
		return &pageError{status: http.StatusServiceUnavailable, title: "Sent to Zoom, not recorded yet",
			message: "Tierdesk could not record Zoom's answer just now; it looks the change up in Zoom within a few minutes and records it.", cause: err}
	case zoom.NeedsReauth(err):
		return zoomError(err)
	case errors.Is(err, service.ErrDelegationNeedsApp):
		return &pageError{status: http.StatusServiceUnavailable, title: "No way to reach Zoom for this customer",
			message: "You act for this customer's partner under a delegation, and such work goes out under that partner's Server-to-Server app only. It has none now, so nothing was changed. An owner of that partner connects it on Settings.", cause: err}
	case errors.Is(err, store.ErrNoGrant):
		return &pageError{status: http.StatusServiceUnavailable, title: "No way to reach Zoom",
			message: service.NoGrantMessage + " Nothing was changed.", cause: err}
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrIntentClosed):
		return &pageError{status: http.StatusConflict, title: "Changed meanwhile",
			message: "Someone or something changed this at the same time, so nothing was done. Reload the page to see the current state, then try again.", cause: err}
	case errors.Is(err, store.ErrLastOwner):
		return &pageError{status: http.StatusConflict, title: "The last owner stays",
			message: "The partner must keep at least one active owner, so nothing was changed.", cause: err}
	case errors.Is(err, store.ErrLastUnscopedOwner):
		return &pageError{status: http.StatusConflict, title: "The last unlimited owner stays",
			message: "The partner must keep an active owner who reaches every customer (only such an owner can lift the others' limits), so nothing was changed.", cause: err}
	case errors.Is(err, store.ErrNotStaff), errors.Is(err, store.ErrStaffSuspended):
		return &pageError{status: http.StatusForbidden, title: "Not allowed",
			message: "You are not an active staff member of this partner.", cause: err}
	case errors.As(err, &plan):
		return &pageError{status: http.StatusUnprocessableEntity, title: "Not a plan Zoom takes",
			message: plan.Message + " Nothing was sent to Zoom.", cause: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &pageError{status: http.StatusGatewayTimeout, title: "Took too long",
			message: "This took too long and was stopped. Reload the page to see what happened before trying again.", cause: err}
	}
	if _, ok := zoom.AsError(err); ok || zoom.IsOutcomeUnknown(err) {
		return zoomError(err)
	}
	return &pageError{status: errInternal.status, title: errInternal.title, message: errInternal.message, cause: err}
}

// showError renders pe for err (logged with the request id; 5xx as errors).
func (h *Handlers) showError(w http.ResponseWriter, r *http.Request, pe *pageError, err error) {
	reqID := middleware.GetReqID(r.Context())
	level := slog.LevelDebug
	if pe.status >= 500 {
		level = slog.LevelError
	}
	h.log.LogAttrs(r.Context(), level, "request failed", slog.String("request_id", reqID), slog.Int("status", pe.status),
		slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	status := pe.status
	if pe.noStatus {
		status = 0
	}
	page := templates.MessagePage{Status: status, Title: pe.title, Message: pe.message, RequestID: reqID,
		SignedIn: staffFrom(r.Context()) != nil, Action: pe.action, ActionURL: pe.actionURL}
	if pe.status >= 500 {
		page.TraceID = obs.TraceID(r.Context()) // with tracing on, the operator's way to the request's trace
	}
	if r.Header.Get("HX-Request") == "true" && staffFrom(r.Context()) != nil {
		// htmx swaps error answers too (see the layout's htmx-config): show the message as the
		// portal's other error messages show, at the top of the page (app.js removes the one
		// before it and brings it into view), rather than in whatever the request would have
		// replaced.
		w.Header().Set("HX-Retarget", "#main")
		w.Header().Set("HX-Reswap", "afterbegin")
		w.Header().Set("HX-Reselect", "#error-panel")
		h.render(w, r, pe.status, templates.MessagePanel(page))
		return
	}
	if page.SignedIn && pe.status < 500 {
		// A signed-in person keeps the portal around the message (a 5xx keeps the bare page: it
		// needs nothing that may be what failed).
		h.render(w, r, pe.status, templates.MessageInLayout(h.chrome(r, pe.title, ""), page))
		return
	}
	h.render(w, r, pe.status, templates.Message(page))
}

// render writes a component with status.
func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "render failed", slog.String("request_id", middleware.GetReqID(r.Context())),
			slog.String("error", err.Error()))
	}
}

func (h *Handlers) notFound(w http.ResponseWriter, r *http.Request) error { return errNotFound }

// withStaff reads the session and who is signed in (as the signed-in routes do) before next,
// for the answers to addresses that match no route: they say where to go from there, the
// dashboard or sign-in. It requires nobody to be signed in.
func (h *Handlers) withStaff(next http.Handler) http.HandlerFunc {
	return h.sessions.LoadAndSave(h.loadStaff(next)).ServeHTTP
}

func (h *Handlers) methodNotAllowed(w http.ResponseWriter, r *http.Request) error {
	return &pageError{status: http.StatusMethodNotAllowed, title: "Not allowed",
		message: "This address does not accept that kind of request."}
}

// parseForm parses a submitted form; a body over the limit is a 413 page.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &pageError{status: http.StatusRequestEntityTooLarge, title: "Too much data",
				message: "What you sent is larger than Tierdesk accepts here. Nothing was changed."}
		}
		return &pageError{status: http.StatusBadRequest, title: "Unreadable form",
			message: "Tierdesk could not read what you sent. Nothing was changed; go back and try again.", cause: err}
	}
	return nil
}

func errorsIsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
