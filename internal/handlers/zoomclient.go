package handlers

import (
	"context"
	"net/http"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// serviceActor is the signed-in staff member as the service layer knows them.
func serviceActor(r *http.Request) service.Actor {
	a := staffFrom(r.Context())
	return service.Actor{PartnerID: a.Partner.ID, StaffID: a.Staff.ID, GrantID: a.GrantID}
}

// zoomReader returns the Zoom client that reads the acting partner's customers
// (service.ForRead): the same for every role, and for pages and background work alike.
//
// When the request started it early (withReader), this waits for that one.
func (h *Handlers) zoomReader(r *http.Request) (*zoom.Client, error) {
	if f, ok := r.Context().Value(readerKey{}).(*readerFuture); ok {
		<-f.done
		return f.client, f.err
	}
	a := staffFrom(r.Context())
	return h.svc.ForRead(r.Context(), a.Partner.ID, a.Staff.ID)
}

// readerKey keys a request's readerFuture in its context.
type readerKey struct{}

// readerFuture is a Zoom reader being built.
type readerFuture struct {
	done   chan struct{}
	client *zoom.Client
	err    error
}

// withReader starts building the request's Zoom reader (which reads the partner's grant) while
// the page reads its own rows; zoomReader waits for it. Nothing is sent to Zoom: a page that
// turns out not to call Zoom (refused, read only) wastes one grant read.
func (h *Handlers) withReader(r *http.Request) *http.Request {
	a := staffFrom(r.Context())
	f := &readerFuture{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.client, f.err = h.svc.ForRead(r.Context(), a.Partner.ID, a.Staff.ID)
	}()
	return r.WithContext(context.WithValue(r.Context(), readerKey{}, f))
}

// zoomError is the page for a Zoom call that failed, in plain words with Zoom's code, and
// sending the staff member to sign in again when their grant is gone.
func zoomError(err error) *pageError {
	if zoom.NeedsReauth(err) {
		return &pageError{status: http.StatusUnauthorized, title: "Sign in to Zoom again",
			message: "Zoom no longer accepts Tierdesk's sign-in for you, so nothing was changed. Sign out and in again, then repeat what you were doing.",
			action:  "Sign in again", actionURL: "/signin", cause: err}
	}
	if _, ok := zoom.AsError(err); ok {
		return &pageError{status: http.StatusBadGateway, title: "Zoom refused", message: zoom.Explain(err), cause: err}
	}
	return zoomUnavailable(err)
}
