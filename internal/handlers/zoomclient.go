package handlers

import (
	"errors"
	"net/http"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// zoomFor returns a Zoom client that acts for the signed-in staff member's partner: the
// partner's Server-to-Server grant when an owner configured one (any role's work then reaches
// Zoom the same way), else the staff member's own user grant (which only an owner or admin
// of the Zoom account can use for sub accounts). The client's Grant() names the grant for the
// audit log.
func (h *Handlers) zoomFor(r *http.Request) (*zoom.Client, error) {
	a := staffFrom(r.Context())
	s2s, err := h.store.S2SGrant(r.Context(), a.Partner.ID)
	switch {
	case err == nil:
		return h.zoom.S2SClient(zoom.S2SCredentials{GrantID: s2s.ID, AccountID: s2s.ZoomAccountID, ClientID: s2s.ClientID, ClientSecret: s2s.ClientSecret})
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	return h.zoom.UserClient(a.Partner.ID, a.GrantID)
}

// zoomError is the page for a Zoom call that failed, in plain words with Zoom's code, and
// sending the staff member to sign in again when their grant is gone.
func zoomError(err error) error {
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
