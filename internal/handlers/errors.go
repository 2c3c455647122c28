package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// pageError is an error with the page the user should see.
type pageError struct {
	status    int
	title     string
	message   string
	action    string // optional link text and URL
	actionURL string
	cause     error // logged, never shown
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
	var pe *pageError
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, store.ErrNotFound):
		pe = errNotFound
	default:
		pe = errInternal
	}
	reqID := middleware.GetReqID(r.Context())
	level := slog.LevelDebug
	if pe.status >= 500 {
		level = slog.LevelError
	}
	h.log.LogAttrs(r.Context(), level, "request failed", slog.String("request_id", reqID), slog.Int("status", pe.status),
		slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	page := templates.MessagePage{Status: pe.status, Title: pe.title, Message: pe.message, RequestID: reqID,
		SignedIn: staffFrom(r.Context()) != nil, Action: pe.action, ActionURL: pe.actionURL}
	if r.Header.Get("HX-Request") == "true" && staffFrom(r.Context()) != nil {
		// htmx swaps error answers too (see the layout's htmx-config): show the message in
		// place of the page's content rather than nothing at all.
		w.Header().Set("HX-Retarget", "#main")
		w.Header().Set("HX-Reswap", "innerHTML")
		w.Header().Set("HX-Reselect", "#error-panel")
		h.render(w, r, pe.status, templates.MessagePanel(page))
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
