package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// staffScopePage is the form limiting a staff member to customer groups (GET
// /staff/{staffId}/scope, owners).
func (h *Handlers) staffScopePage(w http.ResponseWriter, r *http.Request) error {
	st, err := h.staffTarget(r)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	groups, err := h.store.StaffScope(r.Context(), a.Partner.ID, st.ID)
	if err != nil {
		return err
	}
	var ids []int64
	for _, g := range groups {
		ids = append(ids, g.ID)
	}
	return h.renderStaffScope(w, r, http.StatusOK, st, ids, "")
}

func (h *Handlers) renderStaffScope(w http.ResponseWriter, r *http.Request, status int, st store.Staff, checked []int64, problem string) error {
	a := staffFrom(r.Context())
	groups, err := h.store.Groups(r.Context(), a.Partner.ID)
	if err != nil {
		return err
	}
	p := templates.StaffScopePage{Name: st.Name(), Email: st.Email, Role: st.Role.Label(), URL: paths.StaffScope(st.ID), Error: problem}
	for _, g := range groups {
		p.Groups = append(p.Groups, templates.ScopeGroup{ID: strconv.FormatInt(g.ID, 10), Name: g.Name, Rule: groupRule(g),
			Members: membersCount(g.Members, g.More), Checked: slices.Contains(checked, g.ID)})
	}
	h.render(w, r, status, templates.StaffScopeForm(h.chrome(r, "Customers "+st.Email+" reaches", "staff"), p))
	return nil
}

// changeStaffScope limits a staff member to the groups ticked, or to none: every customer
// (POST /staff/{staffId}/scope, owners). Audited as staff.scope with before and after.
func (h *Handlers) changeStaffScope(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	st, err := h.staffTarget(r)
	if err != nil {
		return err
	}
	var ids []int64
	for _, raw := range r.PostForm["group"] {
		id, perr := strconv.ParseInt(raw, 10, 64)
		if perr != nil || id <= 0 {
			return h.renderStaffScope(w, r, http.StatusUnprocessableEntity, st, ids, "Choose among your groups.")
		}
		ids = append(ids, id)
	}
	a := staffFrom(r.Context())
	err = h.store.SetStaffScope(r.Context(), a.Partner.ID, st.ID, ids, h.requestEvent(r))
	var verr *store.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderStaffScope(w, r, http.StatusUnprocessableEntity, st, ids, verr.Fields["groups"])
	case errors.Is(err, store.ErrLastUnscopedOwner):
		ev := h.requestEvent(r)
		ev.Action, ev.Outcome = audit.StaffScope, store.OutcomeDenied
		ev.TargetType, ev.TargetID, ev.TargetLabel = "staff", strconv.FormatInt(st.ID, 10), st.Email
		ev.Details = details(map[string]any{"reason": store.ErrLastUnscopedOwner.Error(), "wanted_groups": ids})
		h.auditAlone(r, ev)
		return h.renderStaffScope(w, r, http.StatusUnprocessableEntity, st, ids,
			st.Email+" is the last active owner who reaches every customer: nothing was changed. Make another owner first, or leave them unlimited.")
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	}
	if len(ids) == 0 {
		h.flash(r.Context(), "ok", st.Email+" reaches every customer.")
	} else {
		h.flash(r.Context(), "ok", st.Email+" now reaches only the customers of "+templates.Plural(len(ids), "group", "groups")+" from their next page.")
	}
	http.Redirect(w, r, "/staff", http.StatusSeeOther)
	return nil
}
