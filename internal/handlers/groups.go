package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// groupTarget loads the group a request names (in the URL, or a list's ?group=) for action
// (recordTarget: unknown ids and other partners' are the same audited 404).
func (h *Handlers) groupTarget(r *http.Request, raw string, action policy.Action) (store.Group, error) {
	return recordTarget(h, r, raw, "group", action, h.store.Group, func(g store.Group) string { return g.Name })
}

// groupRule says a group's rule in words.
func groupRule(g store.Group) string {
	switch g.Kind {
	case store.GroupByTag:
		return "Customers tagged “" + g.Tag + "”"
	case store.GroupByTier:
		return "Customers of " + g.TierName + " and the resellers below it (read only)"
	case store.GroupByList:
		return templates.Plural(len(g.Accounts), "customer chosen by hand", "customers chosen by hand")
	case store.GroupByFilter:
		f := g.Filter
		var parts []string
		if f.Query != "" {
			parts = append(parts, "matching “"+f.Query+"”")
		}
		if f.Status != "" {
			parts = append(parts, "status "+statusLabel(store.CustomerStatus(f.Status)))
		}
		if f.PayMode != "" {
			parts = append(parts, "pay mode "+payModeLabel(f.PayMode))
		}
		if f.Plan != "" {
			parts = append(parts, "plan "+f.Plan)
		}
		if f.NearSeats {
			parts = append(parts, "seats 90 % used or more")
		}
		if f.PartnerID != 0 {
			parts = append(parts, "of one partner in your tree")
		}
		return "Customers " + strings.Join(parts, ", ")
	}
	return ""
}

// membersCount says how many customers a count is.
func membersCount(n int, more bool) string {
	switch {
	case more:
		return fmt.Sprintf("More than %s customers", templates.Thousands(store.CountCap))
	case n == 1:
		return "1 customer"
	}
	return templates.Thousands(n) + " customers"
}

// groupsList lists the partner's groups with their members counted now, and the tags in use
// (GET /groups).
func (h *Handlers) groupsList(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "group"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	groups, err := h.store.Groups(r.Context(), a.Partner.ID)
	if err != nil {
		return err
	}
	tags, err := h.store.CustomerTags(r.Context(), a.Partner.ID)
	if err != nil {
		return err
	}
	p := templates.GroupsPage{CanEdit: h.allowed(r, policy.ManageGroups)}
	for _, g := range groups {
		p.Rows = append(p.Rows, templates.GroupRow{Name: g.Name, Rule: groupRule(g), Members: membersCount(g.Members, g.More),
			URL: paths.Group(g.ID), ListURL: paths.CustomersOfGroup(g.ID)})
	}
	for _, t := range tags {
		p.Tags = append(p.Tags, templates.TagLink{Name: t.Tag, URL: paths.CustomersWithTag(t.Tag), Count: strconv.Itoa(t.Customers)})
	}
	h.render(w, r, http.StatusOK, templates.Groups(h.chrome(r, "Customer groups", "groups"), p))
	return nil
}

// groupPage shows a group's rule and its members now, a page at a time (GET /groups/{groupId}).
func (h *Handlers) groupPage(w http.ResponseWriter, r *http.Request) error {
	g, err := h.groupTarget(r, chi.URLParam(r, "groupId"), policy.ViewPartner)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	after := r.URL.Query().Get("after")
	page, err := h.store.Customers(r.Context(), a.Partner.ID, store.CustomerFilter{GroupID: g.ID, After: after})
	if err != nil {
		return err
	}
	p := templates.GroupPage{Name: g.Name, Rule: groupRule(g), Count: membersCount(page.Total, page.More),
		ListURL: paths.CustomersOfGroup(g.ID), ExportURL: paths.CustomersCSVOfGroup(g.ID)}
	if h.allowed(r, policy.ManageGroups) {
		p.EditURL = paths.GroupEdit(g.ID)
	}
	for _, c := range page.Customers {
		p.Rows = append(p.Rows, customerRow(c, a.Partner.ID))
	}
	if page.Next != "" {
		p.NextURL = paths.With(paths.Group(g.ID), url.Values{"after": {page.Next}})
	}
	if after != "" {
		p.FirstURL = paths.Group(g.ID)
	}
	h.render(w, r, http.StatusOK, templates.Group(h.chrome(r, g.Name, "groups"), p))
	return nil
}

// groupForm builds the group form's page with its menus, keeping values and errors.
func (h *Handlers) groupForm(r *http.Request, p templates.GroupFormPage) (templates.GroupFormPage, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	tags, err := h.store.CustomerTags(ctx, a.Partner.ID)
	if err != nil {
		return p, err
	}
	for _, t := range tags {
		p.Tags = append(p.Tags, templates.Option{Value: t.Tag, Label: templates.Plural(t.Customers, "customer", "customers")})
	}
	v := p.Values
	m, err := h.filterMenus(ctx, a.Partner.ID, v["partner"], v["status"], v["pay_mode"], v["plan"])
	if err != nil {
		return p, err
	}
	p.PartnerOpts, p.StatusOpts, p.PayModeOpts, p.PlanOpts = m.partners, m.statuses, m.payModes, m.plans
	for _, t := range m.tree {
		if id := strconv.FormatInt(t.PartnerID, 10); t.PartnerID != a.Partner.ID {
			p.Tiers = append(p.Tiers, templates.Option{Value: id, Label: strings.Repeat("— ", t.Depth-1) + t.Name, Selected: v["tier"] == id})
		}
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	return p, nil
}

// groupFields are the form's fields, which a new group's form also takes from its query
// (the customer list's "Save this filter as a group").
var groupFields = []string{"name", "kind", "tag", "tier", "q", "status", "pay_mode", "plan", "seats", "partner", "accounts"}

// groupValues are a group's values as its form holds them.
func groupValues(g store.Group) map[string]string {
	v := map[string]string{"name": g.Name, "kind": string(g.Kind), "tag": g.Tag, "q": g.Filter.Query, "status": g.Filter.Status,
		"pay_mode": g.Filter.PayMode, "plan": g.Filter.Plan, "accounts": strings.Join(g.Accounts, "\n")}
	if g.TierPartnerID != nil {
		v["tier"] = strconv.FormatInt(*g.TierPartnerID, 10)
	}
	if g.Filter.NearSeats {
		v["seats"] = "near"
	}
	if g.Filter.PartnerID != 0 {
		v["partner"] = strconv.FormatInt(g.Filter.PartnerID, 10)
	}
	return v
}

// newGroupPage shows an empty group form, or one filled from its query string (GET
// /groups/new).
func (h *Handlers) newGroupPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ManageGroups, target{Type: "group"}); err != nil {
		return err
	}
	v := map[string]string{"kind": string(store.GroupByTag)}
	q := r.URL.Query()
	for _, f := range groupFields {
		if q.Get(f) != "" {
			v[f] = q.Get(f)
		}
	}
	p, err := h.groupForm(r, groupFormPage(0, "", v, nil))
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.GroupForm(h.chrome(r, p.Title, "groups"), p))
	return nil
}

// groupFormPage is the group form's page: a new group's (id 0), or group id's, titled by
// its saved name; v are the values the form holds, errs its refusals.
func groupFormPage(id int64, name string, v, errs map[string]string) templates.GroupFormPage {
	if id == 0 {
		return templates.GroupFormPage{Title: "New customer group", Action: paths.Groups, BackURL: paths.Groups, Kind: v["kind"], Values: v,
			Errors: errs, MaxTagLength: store.MaxTagLength}
	}
	return templates.GroupFormPage{Title: "Edit “" + name + "”", Action: paths.Group(id), BackURL: paths.Group(id), DeleteURL: paths.GroupDelete(id),
		Kind: v["kind"], Values: v, Errors: errs, MaxTagLength: store.MaxTagLength}
}

// editGroupPage shows a group's form (GET /groups/{groupId}/edit).
func (h *Handlers) editGroupPage(w http.ResponseWriter, r *http.Request) error {
	g, err := h.groupTarget(r, chi.URLParam(r, "groupId"), policy.ManageGroups)
	if err != nil {
		return err
	}
	p, err := h.groupForm(r, groupFormPage(g.ID, g.Name, groupValues(g), nil))
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.GroupForm(h.chrome(r, p.Title, "groups"), p))
	return nil
}

// groupOfForm reads a group from the posted form: the rule of its kind, the other kinds'
// fields ignored. Numbers that are not numbers are left for the store to refuse.
func groupOfForm(r *http.Request, reach []int64) (store.Group, map[string]string) {
	v := map[string]string{}
	for _, f := range groupFields {
		v[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	g := store.Group{Name: v["name"], Kind: store.GroupKind(v["kind"])}
	switch g.Kind {
	case store.GroupByTag:
		g.Tag = v["tag"]
	case store.GroupByTier:
		if id, err := strconv.ParseInt(v["tier"], 10, 64); err == nil {
			g.TierPartnerID = &id
		}
	case store.GroupByFilter:
		// The list's own reading of its filter: values unknown or out of reach are dropped.
		g.Filter = customerFilter(r.PostForm, reach).AsGroupFilter()
		g.Filter.Query, g.Filter.Plan = v["q"], v["plan"] // as typed, trimmed
	case store.GroupByList:
		g.Accounts = strings.FieldsFunc(v["accounts"], func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
	}
	return g, v
}

// saveGroup creates (POST /groups) or changes (POST /groups/{groupId}) a group; a refusal
// shows the form again with what was typed and the field named.
func (h *Handlers) saveGroup(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	var id int64
	var name string
	if raw := chi.URLParam(r, "groupId"); raw != "" {
		existing, err := h.groupTarget(r, raw, policy.ManageGroups)
		if err != nil {
			return err
		}
		id, name = existing.ID, existing.Name
	} else if err := h.authorize(r, policy.ManageGroups, target{Type: "group"}); err != nil {
		return err
	}
	g, v := groupOfForm(r, a.Reach)
	g.ID, g.CreatedBy = id, &a.Staff.ID
	saved, err := h.store.SaveGroup(r.Context(), a.Partner.ID, g, h.requestEvent(r))
	var verr *store.ValidationError
	if errors.As(err, &verr) {
		p, err := h.groupForm(r, groupFormPage(id, name, v, verr.Fields))
		if err != nil {
			return err
		}
		h.render(w, r, http.StatusUnprocessableEntity, templates.GroupForm(h.chrome(r, p.Title, "groups"), p))
		return nil
	} else if err != nil {
		return err
	}
	h.flash(r.Context(), "ok", "Group “"+saved.Name+"” saved.")
	http.Redirect(w, r, paths.Group(saved.ID), http.StatusSeeOther)
	return nil
}

// deleteGroup deletes a group (POST /groups/{groupId}/delete); its customers stay as they are.
func (h *Handlers) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := h.groupTarget(r, chi.URLParam(r, "groupId"), policy.ManageGroups)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	if err := h.store.DeleteGroup(r.Context(), a.Partner.ID, g.ID, h.requestEvent(r)); errors.Is(err, store.ErrConflict) {
		if done, lerr := h.refuseLimiting(w, r, g); done || lerr != nil {
			return lerr
		}
		return h.refuseInUse(w, r, err, 0, g.ID, audit.GroupDelete, target{Type: "group", ID: itoa(g.ID), Label: g.Name}, paths.GroupEdit(g.ID))
	} else if err != nil {
		return err
	}
	h.flash(r.Context(), "ok", "Group “"+g.Name+"” deleted. Its customers are unchanged.")
	http.Redirect(w, r, paths.Groups, http.StatusSeeOther)
	return nil
}

// refuseLimiting answers the delete of a group that limits staff members (the database
// refused it: dropping it would widen their reach): audited as failed with them named, and
// the flash names them. done is false when no one is limited by it (another conflict).
func (h *Handlers) refuseLimiting(w http.ResponseWriter, r *http.Request, g store.Group) (done bool, err error) {
	a := staffFrom(r.Context())
	emails, err := h.store.StaffLimitedBy(r.Context(), a.Partner.ID, g.ID)
	if err != nil || len(emails) == 0 {
		return false, err
	}
	ev := h.requestEvent(r)
	ev.Action, ev.Outcome, ev.TargetType, ev.TargetID, ev.TargetLabel = audit.GroupDelete, store.OutcomeFailed, "group", itoa(g.ID), g.Name
	ev.Details = details(map[string]any{"reason": "limits staff members", "staff": emails, "note": "nothing was deleted"})
	h.auditAlone(r, ev)
	h.flash(r.Context(), "bad", "This group limits the customers "+strings.Join(emails, ", ")+" reach. Change that on the staff page first.")
	http.Redirect(w, r, paths.GroupEdit(g.ID), http.StatusSeeOther)
	return true, nil
}
