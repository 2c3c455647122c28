package handlers

import (
	"errors"
	"net/http"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// dashboard is the partner's home page: customers per tier and status, seats, recent
// activity and running jobs.
func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "partner"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	d := templates.DashboardPage{PartnerName: a.Partner.Name, ZoomAccountID: a.Partner.ZoomAccountID, SignedInAt: a.SignedInAt,
		CanSync: h.allowed(r, policy.SyncCustomers), LastSync: h.lastSync(r)}
	if a.Partner.ParentID != nil {
		if parent, err := h.store.Partner(ctx, *a.Partner.ParentID); err == nil {
			d.ParentName = parent.Name
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	tiers, err := h.store.CustomerCounts(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, t := range tiers {
		row := templates.TierRow{Name: t.PartnerName, Depth: t.Depth, Active: t.ByStatus[store.CustomerActive], Gone: t.ByStatus[store.CustomerGone],
			Seats: t.Seats, ReadOnly: t.PartnerID != a.Partner.ID, URL: paths.CustomersOfPartner(t.PartnerID)}
		for s, n := range t.ByStatus {
			if s != store.CustomerActive && s != store.CustomerGone {
				row.Other += n
			}
		}
		d.TotalActive += row.Active
		d.TotalSeats += row.Seats
		d.Tiers = append(d.Tiers, row)
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
		d.GrantStatus = string(g.Status)
	}
	events, err := h.store.AuditEvents(ctx, a.Partner.ID, store.AuditFilter{Limit: 8})
	if err != nil {
		return err
	}
	for _, e := range events.Events {
		d.Activity = append(d.Activity, auditRow(e, nil))
	}
	running, err := h.store.ActiveJobs(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, j := range running {
		d.Jobs = append(d.Jobs, jobSummary(j))
	}
	h.render(w, r, http.StatusOK, templates.Dashboard(h.chrome(r, "Dashboard", "dashboard"), d))
	return nil
}
