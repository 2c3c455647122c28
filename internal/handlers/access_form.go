package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// delegationFields are the fields of the form asking for a delegation.
var delegationFields = []string{"side", "partner", "q", "kind", "group", "role", "duration", "unit", "reason"}

// noS2SMessage says why a delegation of owner's customers cannot start.
func noS2SMessage(owner string) string {
	return owner + " has no Server-to-Server app, and delegated work goes out under it only. An owner of " + owner + " connects one on Settings first."
}

// newDelegationPage shows the form asking for a delegation (GET /access/new, admins and up):
// ?side=delegate asks a partner below (?partner= chooses it, ?q= filters its customers),
// ?side=owner asks the partner above to help.
func (h *Handlers) newDelegationPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ManageDelegations, target{Type: "delegation"}); err != nil {
		return err
	}
	q := r.URL.Query()
	v := map[string]string{"role": string(store.RoleSupport), "duration": "3", "unit": "days", "kind": "list"}
	for _, f := range delegationFields {
		if q.Get(f) != "" {
			v[f] = q.Get(f)
		}
	}
	p, err := h.delegationForm(r, v, nil, nil)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.DelegationForm(h.chrome(r, "Ask for delegated access", "access"), p))
	return nil
}

// delegationForm builds the form's page for values v (what was typed), the customers chosen
// and the refusals errs.
func (h *Handlers) delegationForm(r *http.Request, v map[string]string, chosen []string, errs map[string]string) (templates.DelegationFormPage, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	below, above, aboveName, err := h.askLinks(r)
	if err != nil {
		return templates.DelegationFormPage{}, err
	}
	if v["side"] != store.SideOwner && v["side"] != store.SideDelegate {
		v["side"] = store.SideDelegate
		if below == "" {
			v["side"] = store.SideOwner
		}
	}
	p := templates.DelegationFormPage{Side: v["side"], BelowURL: below, AboveURL: above, Above: aboveName, Query: v["q"],
		Values: v, Errors: errs}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if below == "" && above == "" && p.Errors["_"] == "" {
		p.Errors["_"] = "Delegations are between a partner and the partner directly above it, and " + a.Partner.Name + " has neither a partner above nor one below."
	}
	for _, role := range []store.Role{store.RoleViewer, store.RoleSupport, store.RoleAdmin} {
		p.Roles = append(p.Roles, templates.RoleChoice{Value: string(role), Label: role.Label(), Help: roleHelp(role), Checked: v["role"] == string(role)})
	}
	for _, u := range []string{"hours", "days"} {
		p.Units = append(p.Units, templates.Option{Value: u, Label: u, Selected: v["unit"] == u})
	}
	// Whose customers are listed: the chosen partner below's, or the partner's own.
	var owner int64
	switch p.Side {
	case store.SideDelegate:
		kids, err := h.partnersBelow(r)
		if err != nil {
			return p, err
		}
		for _, k := range kids {
			id := strconv.FormatInt(k.PartnerID, 10)
			p.Partners = append(p.Partners, templates.Option{Value: id, Label: k.Name, Selected: v["partner"] == id})
			if v["partner"] == id || len(kids) == 1 {
				owner, p.Partner = k.PartnerID, id
			}
		}
		if len(kids) == 1 {
			p.Partners[0].Selected = true
		}
	case store.SideOwner:
		owner = a.Partner.ID
		groups, err := h.store.GroupNames(ctx, a.Partner.ID)
		if err != nil {
			return p, err
		}
		for _, g := range groups {
			id := strconv.FormatInt(g.ID, 10)
			p.Groups = append(p.Groups, templates.Option{Value: id, Label: g.Name, Selected: v["group"] == id})
		}
	}
	if owner != 0 {
		page, err := h.store.Customers(ctx, a.Partner.ID, store.CustomerFilter{PartnerID: owner, Status: store.CustomerActive, Query: v["q"], Limit: 500})
		if err != nil {
			return p, err
		}
		shown := map[string]bool{}
		for _, c := range page.Customers {
			shown[c.ZoomAccountID] = true
			p.Customers = append(p.Customers, templates.CustomerChoice{Account: c.ZoomAccountID, Name: c.AccountName,
				Detail: c.OwnerEmail, Checked: slices.Contains(chosen, c.ZoomAccountID)})
		}
		p.More = page.Next != ""
		for _, acct := range chosen {
			if !shown[acct] {
				p.Hidden = append(p.Hidden, acct)
			}
		}
	}
	return p, nil
}

// requestDelegation asks for a delegation (POST /access, admins and up): the partner asks a
// partner below for access to some of its customers, or asks the partner above to help with
// its own. A refusal shows the form again with what was typed and the field named.
func (h *Handlers) requestDelegation(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ManageDelegations, target{Type: "delegation"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	v := map[string]string{}
	for _, f := range delegationFields {
		v[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	var chosen []string
	for _, acct := range r.PostForm["customers"] {
		if acct = strings.TrimSpace(acct); acct != "" && !slices.Contains(chosen, acct) {
			chosen = append(chosen, acct)
		}
	}
	req := store.DelegationRequest{Side: v["side"], StaffID: a.Staff.ID, Email: a.Staff.Email, Role: store.Role(v["role"]), Reason: v["reason"]}
	errs := map[string]string{}
	if n, err := strconv.Atoi(v["duration"]); err == nil && n > 0 && n <= 90*24 {
		unit := time.Hour
		if v["unit"] == "days" {
			unit = 24 * time.Hour
		}
		req.Duration = time.Duration(n) * unit
	}
	owner := a.Partner.Name
	switch req.Side {
	case store.SideDelegate:
		req.DelegatePartnerID = a.Partner.ID
		kids, err := h.partnersBelow(r)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if strconv.FormatInt(k.PartnerID, 10) == v["partner"] {
				req.OwnerPartnerID, owner = k.PartnerID, k.Name
			}
		}
		if req.OwnerPartnerID == 0 {
			errs["partner"] = "Choose a partner directly below you."
		}
		req.Accounts = chosen
	case store.SideOwner:
		req.OwnerPartnerID = a.Partner.ID
		if a.Partner.ParentID == nil {
			errs["partner"] = "No partner is above you to ask."
		} else {
			req.DelegatePartnerID = *a.Partner.ParentID
		}
		if v["kind"] == "group" {
			if id, err := strconv.ParseInt(v["group"], 10, 64); err == nil && id > 0 {
				req.GroupID = id
			} else {
				errs["customers"] = "Choose one of your customer groups."
			}
		} else {
			req.Accounts = chosen
		}
	default:
		errs["partner"] = "Choose whom to ask."
	}
	if len(errs) > 0 { // the store's own checks, so that every field is named at once
		if req.Role != store.RoleViewer && req.Role != store.RoleSupport && req.Role != store.RoleAdmin {
			errs["role"] = "Choose viewer, support or admin."
		}
		if req.Reason == "" {
			errs["reason"] = "Say why: the other side reads it before answering."
		}
		if len(req.Accounts) == 0 && req.GroupID == 0 && errs["customers"] == "" {
			errs["customers"] = "Choose at least one customer."
		}
	}
	var err error
	if len(errs) == 0 {
		var d store.Delegation
		req.Now = h.cfg.Now()
		d, err = h.store.RequestDelegation(ctx, req, h.requestEvent(r))
		if err == nil {
			h.notifyDelegation(r, d)
			h.flash(ctx, "ok", "Asked "+d.Counterpart(a.Partner.ID)+" for delegated access: it waits for their answer for up to 7 days.")
			http.Redirect(w, r, paths.Delegation(d.ID), http.StatusSeeOther)
			return nil
		}
	}
	var ve *store.ValidationError
	switch {
	case errors.As(err, &ve):
		for k, msg := range ve.Fields {
			errs[k] = msg
		}
	case errors.Is(err, store.ErrNoS2SForDelegation):
		errs["_"] = noS2SMessage(owner)
	case errors.Is(err, store.ErrNotFound):
		errs["customers"] = "One of these customers is not in reach any more, or its group is gone: choose again."
	case err != nil:
		return err
	}
	if req.Duration == 0 || errs["duration"] != "" { // the form's words, with its units
		errs["duration"] = "A whole number of hours or days, between 1 hour and 90 days."
	}
	p, ferr := h.delegationForm(r, v, chosen, errs)
	if ferr != nil {
		return ferr
	}
	h.render(w, r, http.StatusUnprocessableEntity, templates.DelegationForm(h.chrome(r, "Ask for delegated access", "access"), p))
	return nil
}

// approveDelegation approves a request waiting for the partner's answer (POST
// /access/{delegationId}/approve, admins and up).
func (h *Handlers) approveDelegation(w http.ResponseWriter, r *http.Request) error {
	return h.answerDelegation(w, r, true)
}

// declineDelegation declines a request waiting for the partner's answer (POST
// /access/{delegationId}/decline, admins and up).
func (h *Handlers) declineDelegation(w http.ResponseWriter, r *http.Request) error {
	return h.answerDelegation(w, r, false)
}

// answerDelegation records the partner's answer to a request of the other side.
func (h *Handlers) answerDelegation(w http.ResponseWriter, r *http.Request, approve bool) error {
	d, err := h.delegationTarget(r, policy.ManageDelegations)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	now := h.cfg.Now()
	if d.StateAt(now) == store.DelegationPending && d.SideOf(a.Partner.ID) == d.RequestedBy {
		h.deny(r, policy.ManageDelegations, delegationAuditTarget(d), "the side that asked cannot answer")
		return &pageError{status: http.StatusConflict, title: "You asked for this",
			message: d.Counterpart(a.Partner.ID) + " answers this request, not you. You may withdraw it on its page.",
			action:  "Open the request", actionURL: paths.Delegation(d.ID)}
	}
	answered, err := h.store.AnswerDelegation(ctx, a.Partner.ID, d.ID, approve, a.Staff.Email, now, h.requestEvent(r))
	if err != nil {
		return h.delegationError(r, err, d)
	}
	d = answered
	h.notifyDelegation(r, d)
	if approve {
		h.flash(ctx, "ok", "Approved: "+d.DelegateName+" acts for "+d.OwnerName+" as "+string(d.Role)+" until "+stamp(*d.ExpiresAt)+".")
	} else {
		h.flash(ctx, "ok", "Declined: "+d.Counterpart(a.Partner.ID)+" gets no access.")
	}
	http.Redirect(w, r, paths.Access(), http.StatusSeeOther)
	return nil
}

// endDelegation ends an active delegation, or withdraws the partner's own request (POST
// /access/{delegationId}/end, admins and up).
func (h *Handlers) endDelegation(w http.ResponseWriter, r *http.Request) error {
	d, err := h.delegationTarget(r, policy.ManageDelegations)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	pending := d.StateAt(h.cfg.Now()) == store.DelegationPending
	ended, err := h.store.EndDelegation(ctx, a.Partner.ID, d.ID, a.Staff.Email, h.cfg.Now(), h.requestEvent(r))
	if err != nil {
		return h.delegationError(r, err, d)
	}
	h.notifyDelegation(r, ended)
	if pending {
		h.flash(ctx, "ok", "Withdrawn: "+ended.Counterpart(a.Partner.ID)+" can no longer answer the request.")
	} else {
		h.flash(ctx, "ok", "Ended: "+ended.DelegateName+" no longer acts for "+ended.OwnerName+".")
	}
	http.Redirect(w, r, paths.Access(), http.StatusSeeOther)
	return nil
}

// delegationError is the page for a store refusal of a change to delegation d: nothing
// changed, and the way back is the delegation's page. A delegation out of reach at the store
// (the side that asked answering, or a race) is the audited 404 of recordTarget.
func (h *Handlers) delegationError(r *http.Request, err error, d store.Delegation) error {
	back := paths.Delegation(d.ID)
	switch {
	case errors.Is(err, store.ErrNoS2SForDelegation):
		return &pageError{status: http.StatusConflict, title: "Not approved: no Server-to-Server app", message: noS2SMessage(d.OwnerName) + " Nothing was changed.",
			action: "Back to the request", actionURL: back}
	case errors.Is(err, store.ErrDelegationClosed):
		return &pageError{status: http.StatusConflict, title: "No longer open",
			message: "This request was already answered, withdrawn or has lapsed, or the delegation has already ended or expired. Nothing was changed.",
			action:  "Open it", actionURL: back}
	case errors.Is(err, store.ErrNotFound):
		h.deny(r, policy.ManageDelegations, delegationAuditTarget(d), "not found or out of reach")
		return errNotFound
	}
	return err
}

// delegationAuditTarget is d as the audit log names it (as delegationTarget does).
func delegationAuditTarget(d store.Delegation) target {
	return target{Type: "delegation", ID: strconv.FormatInt(d.ID, 10), Label: delegationLabel(d)}
}

// notifyDelegation tells both partners' outgoing webhooks of d's new state (after its change
// committed). A notification that cannot be queued is logged: the change itself is done and
// audited, and the Access pages show it.
func (h *Handlers) notifyDelegation(r *http.Request, d store.Delegation) {
	if err := jobs.NotifyDelegation(r.Context(), h.store, h.river, d); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "notify delegation", slog.Int64("delegation", d.ID), slog.String("error", err.Error()))
	}
}
