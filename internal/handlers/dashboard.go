package handlers

import (
	"errors"
	"net/http"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// dashboard is the partner's home page.
func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	d := templates.DashboardPage{PartnerName: a.Partner.Name, ZoomAccountID: a.Partner.ZoomAccountID, SignedInAt: a.SignedInAt}
	if a.Partner.ParentID != nil {
		if parent, err := h.store.Partner(ctx, *a.Partner.ParentID); err == nil {
			d.ParentName = parent.Name
		}
	}
	children, err := h.store.ChildPartners(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, c := range children {
		d.Children = append(d.Children, c.Name)
	}
	counts, err := h.store.CountStaff(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	d.StaffActive, d.StaffInvited = counts[store.StaffActive], counts[store.StaffInvited]
	g, err := h.store.StaffGrant(ctx, a.Partner.ID, a.Staff.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.GrantStatus = "none"
	case err != nil:
		return err
	default:
		d.GrantStatus, d.GrantScopes, d.GrantExpiry = string(g.Status), g.Tokens.Scopes, g.Tokens.Expiry
	}
	h.render(w, r, http.StatusOK, templates.Dashboard(h.chrome(r, "Dashboard", "dashboard"), d))
	return nil
}
