package handlers

import (
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
func (h *Handlers) zoomReader(r *http.Request) (*zoom.Client, error) {
	a := staffFrom(r.Context())
	return h.svc.ForRead(r.Context(), a.Partner.ID, a.Staff.ID)
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
