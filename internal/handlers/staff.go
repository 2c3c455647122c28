package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

var roleOptions = []templates.RoleOption{
	{Value: "viewer", Label: "Viewer", Help: "reads everything, changes nothing"},
	{Value: "support", Label: "Support", Help: "manages the users inside customers (add, edit, activate, deactivate)"},
	{Value: "admin", Label: "Admin", Help: "also creates and changes customers, plans and settings, disassociates, runs bulk jobs"},
	{Value: "owner", Label: "Owner", Help: "also manages staff and the partner's Zoom credentials"},
}

// staffPage lists the partner's staff (GET /staff).
func (h *Handlers) staffPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "staff"}); err != nil {
		return err
	}
	return h.renderStaff(w, r, http.StatusOK, templates.StaffPage{InviteRole: "support"})
}

func (h *Handlers) renderStaff(w http.ResponseWriter, r *http.Request, status int, p templates.StaffPage) error {
	a := staffFrom(r.Context())
	staff, err := h.store.StaffMembers(r.Context(), a.Partner.ID)
	if err != nil {
		return err
	}
	scopes, err := h.store.StaffScopes(r.Context(), a.Partner.ID)
	if err != nil {
		return err
	}
	p.CanManage = h.allowed(r, policy.ManageStaff)
	p.RoleOpts = roleOptions
	for _, s := range staff {
		row := templates.StaffRow{ID: s.ID, Name: s.Name(), Email: s.Email, Role: string(s.Role), RoleLabel: s.Role.Label(),
			Status: string(s.Status), IsYou: s.ID == a.Staff.ID, Reach: "Every customer"}
		if g := scopes[s.ID]; len(g) > 0 {
			row.Limited, row.Reach = true, strings.Join(g, ", ")
		}
		if p.CanManage {
			row.ScopeURL = paths.StaffScope(s.ID)
		}
		if s.LastSignInAt != nil {
			row.LastSignIn = *s.LastSignInAt
		}
		switch s.Status {
		case store.StaffActive:
			row.StatusKind = "ok"
		case store.StaffSuspended:
			row.StatusKind = "bad"
		default:
			row.StatusKind = "info"
		}
		p.Rows = append(p.Rows, row)
	}
	h.render(w, r, status, templates.Staff(h.chrome(r, "Staff", "staff"), p))
	return nil
}

// inviteStaff invites a colleague by email with a role (POST /staff, owners).
func (h *Handlers) inviteStaff(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	email, role := r.PostFormValue("email"), store.Role(r.PostFormValue("role"))
	if err := h.authorize(r, policy.ManageStaff, target{Type: "staff", Label: email}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	st, err := h.store.InviteStaff(r.Context(), a.Partner.ID, email, role, &a.Staff.ID, h.requestEvent(r))
	var verr *store.ValidationError
	switch {
	case errors.As(err, &verr):
		return h.renderStaff(w, r, http.StatusUnprocessableEntity, templates.StaffPage{InviteEmail: email, InviteRole: string(role), Errors: verr.Fields})
	case errors.Is(err, store.ErrConflict):
		return h.renderStaff(w, r, http.StatusUnprocessableEntity, templates.StaffPage{InviteEmail: email, InviteRole: string(role),
			Errors: map[string]string{"email": email + " is already on your staff."}})
	case err != nil:
		return err
	}
	h.flash(r.Context(), "ok", st.Email+" is invited as "+st.Role.Label()+". They can sign in with their Zoom user now.")
	http.Redirect(w, r, "/staff", http.StatusSeeOther)
	return nil
}

// staffTarget loads the staff member named in the URL for a change by an owner. Unknown ids
// and other partners' staff are the same 404.
func (h *Handlers) staffTarget(r *http.Request) (store.Staff, error) {
	a := staffFrom(r.Context())
	raw := chi.URLParam(r, "staffId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		h.deny(r, policy.ManageStaff, target{Type: "staff", ID: raw}, "not found or out of reach")
		return store.Staff{}, errNotFound
	}
	st, err := h.store.StaffByID(r.Context(), a.Partner.ID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && st.Status == store.StaffRemoved) {
		h.deny(r, policy.ManageStaff, target{Type: "staff", ID: raw}, "not found or out of reach")
		return store.Staff{}, errNotFound
	} else if err != nil {
		return store.Staff{}, err
	}
	return st, h.authorize(r, policy.ManageStaff, target{Type: "staff", ID: raw, Label: st.Email})
}

// changeStaffRole changes a staff member's role (POST /staff/{staffId}/role, owners).
func (h *Handlers) changeStaffRole(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	st, err := h.staffTarget(r)
	if err != nil {
		return err
	}
	role := store.Role(r.PostFormValue("role"))
	if !role.Valid() {
		h.flash(r.Context(), "bad", "Choose one of the four roles.")
		http.Redirect(w, r, "/staff", http.StatusSeeOther)
		return nil
	}
	return h.updateStaff(w, r, st, role, "")
}

// changeStaffStatus suspends, reinstates or removes a staff member (POST
// /staff/{staffId}/status, owners).
func (h *Handlers) changeStaffStatus(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	st, err := h.staffTarget(r)
	if err != nil {
		return err
	}
	status := store.StaffStatus(r.PostFormValue("status"))
	switch status {
	case store.StaffActive, store.StaffSuspended, store.StaffRemoved:
	default:
		h.flash(r.Context(), "bad", "Choose suspend, reinstate or remove.")
		http.Redirect(w, r, "/staff", http.StatusSeeOther)
		return nil
	}
	return h.updateStaff(w, r, st, "", status)
}

func (h *Handlers) updateStaff(w http.ResponseWriter, r *http.Request, st store.Staff, role store.Role, status store.StaffStatus) error {
	a := staffFrom(r.Context())
	after, err := h.store.UpdateStaff(r.Context(), a.Partner.ID, st.ID, role, status, h.requestEvent(r))
	switch {
	case errors.Is(err, store.ErrLastOwner), errors.Is(err, store.ErrLastUnscopedOwner):
		wantRole, wantStatus := role, status
		if wantRole == "" {
			wantRole = st.Role
		}
		if wantStatus == "" {
			wantStatus = st.Status
		}
		ev := h.requestEvent(r)
		ev.Action, ev.Outcome = staffAction(st, status), store.OutcomeDenied
		ev.TargetType, ev.TargetID, ev.TargetLabel = "staff", strconv.FormatInt(st.ID, 10), st.Email
		reason, msg := store.ErrLastOwner.Error(), "Nothing was changed: "+st.Email+" is the last active owner. Make someone else an owner first."
		if errors.Is(err, store.ErrLastUnscopedOwner) {
			reason = store.ErrLastUnscopedOwner.Error()
			msg = "Nothing was changed: " + st.Email + " is the last active owner who reaches every customer. Make another owner reach every customer first."
		}
		ev.Details = details(map[string]any{"reason": reason,
			"before": map[string]any{"role": st.Role, "status": st.Status}, "wanted": map[string]any{"role": wantRole, "status": wantStatus}})
		h.auditAlone(r, ev)
		h.flash(r.Context(), "bad", msg)
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	default:
		msg := after.Email + " is now " + after.Role.Label() + "."
		switch after.Status {
		case store.StaffSuspended:
			msg = after.Email + " is suspended and signed out."
		case store.StaffRemoved:
			msg = after.Email + " is removed from your staff."
		}
		h.flash(r.Context(), "ok", msg)
	}
	http.Redirect(w, r, "/staff", http.StatusSeeOther)
	return nil
}

// staffAction is the audit action of a change of st's status (or, with none, of its role),
// as store.UpdateStaff names it.
func staffAction(st store.Staff, status store.StaffStatus) audit.Action {
	switch {
	case status == store.StaffRemoved:
		return audit.StaffRemove
	case status == store.StaffSuspended && st.Status != store.StaffSuspended:
		return audit.StaffSuspend
	case status == store.StaffActive && st.Status == store.StaffSuspended:
		return audit.StaffReinstate
	}
	return audit.StaffRole
}
