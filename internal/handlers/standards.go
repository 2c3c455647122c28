package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// standardTarget loads the standard in the URL for action (recordTarget: unknown ids and other
// partners' are the same audited 404).
func (h *Handlers) standardTarget(r *http.Request, raw string, action policy.Action) (store.Standard, error) {
	return recordTarget(h, r, raw, "standard", action, h.store.Standard, func(st store.Standard) string { return st.Name })
}

func modeLabel(m store.StandardMode) string {
	if m == store.StandardEnforce {
		return "Enforce"
	}
	return "Report"
}

// standardsList lists the partner's standards (GET /standards).
func (h *Handlers) standardsList(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "standard"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	list, err := h.store.Standards(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	p := templates.StandardsPage{CanEdit: h.allowed(r, policy.ManageStandards)}
	if len(list) == 0 {
		// What the empty list suggests doing first depends on what the partner has.
		tpls, groups, err := h.standardChoices(r)
		if err != nil {
			return err
		}
		p.NoTemplates, p.NoGroups = len(tpls) == 0, len(groups) == 0
	}
	for _, st := range list {
		p.Rows = append(p.Rows, templates.StandardRow{Name: st.Name, URL: paths.Standard(st.ID), Template: st.TemplateName,
			TemplateURL: paths.SettingsTemplate(st.TemplateID), Group: st.GroupName, GroupURL: paths.Group(st.GroupID), Mode: modeLabel(st.Mode)})
	}
	h.render(w, r, http.StatusOK, templates.Standards(h.chrome(r, "Settings standards", "standards"), p))
	return nil
}

// standardChoices reads the partner's templates and groups, for the form's menus.
func (h *Handlers) standardChoices(r *http.Request) ([]store.SettingsTemplate, []store.Group, error) {
	a := staffFrom(r.Context())
	tpls, err := h.store.SettingsTemplates(r.Context(), a.Partner.ID)
	if err != nil {
		return nil, nil, err
	}
	groups, err := h.store.GroupNames(r.Context(), a.Partner.ID)
	if err != nil {
		return nil, nil, err
	}
	return tpls, groups, nil
}

// standardForm fills the form's menus, keeping what was chosen.
func (h *Handlers) standardForm(r *http.Request, p templates.StandardFormPage) (templates.StandardFormPage, error) {
	tpls, groups, err := h.standardChoices(r)
	if err != nil {
		return p, err
	}
	for _, t := range tpls {
		id := strconv.FormatInt(t.ID, 10)
		p.Templates = append(p.Templates, templates.Option{Value: id, Label: t.Name, Selected: p.Values["template"] == id})
	}
	for _, g := range groups {
		id := strconv.FormatInt(g.ID, 10)
		p.Groups = append(p.Groups, templates.Option{Value: id, Label: g.Name, Selected: p.Values["group"] == id})
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	return p, nil
}

// newStandardPage shows an empty standard form (GET /standards/new; ?template= and ?group=
// preselect).
func (h *Handlers) newStandardPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ManageStandards, target{Type: "standard"}); err != nil {
		return err
	}
	q := r.URL.Query()
	v := map[string]string{"mode": string(store.StandardReport), "template": q.Get("template"), "group": q.Get("group")}
	return h.standardFormPage(w, r, http.StatusOK, nil, v, nil)
}

// standardFormPage shows the standard form with values v and errs: a new standard's when st
// is nil, else st's (titled with its saved name).
func (h *Handlers) standardFormPage(w http.ResponseWriter, r *http.Request, status int, st *store.Standard, v, errs map[string]string) error {
	p := templates.StandardFormPage{Title: "New settings standard", Action: "/standards", BackURL: "/standards", Values: v, Errors: errs}
	if st != nil {
		p.Title, p.Action, p.BackURL, p.DeleteURL = "Edit “"+st.Name+"”", paths.Standard(st.ID), paths.Standard(st.ID), paths.StandardDelete(st.ID)
	}
	p, err := h.standardForm(r, p)
	if err != nil {
		return err
	}
	h.render(w, r, status, templates.StandardForm(h.chrome(r, p.Title, "standards"), p))
	return nil
}

// editStandardPage shows a standard's form (GET /standards/{standardId}/edit).
func (h *Handlers) editStandardPage(w http.ResponseWriter, r *http.Request) error {
	st, err := h.standardTarget(r, chi.URLParam(r, "standardId"), policy.ManageStandards)
	if err != nil {
		return err
	}
	v := map[string]string{"name": st.Name, "template": strconv.FormatInt(st.TemplateID, 10), "group": strconv.FormatInt(st.GroupID, 10), "mode": string(st.Mode)}
	return h.standardFormPage(w, r, http.StatusOK, &st, v, nil)
}

// saveStandard creates (POST /standards) or changes (POST /standards/{standardId}) a
// standard; a refusal shows the form again with what was chosen and the field named.
func (h *Handlers) saveStandard(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	var id int64
	var existing *store.Standard
	if raw := chi.URLParam(r, "standardId"); raw != "" {
		st, err := h.standardTarget(r, raw, policy.ManageStandards)
		if err != nil {
			return err
		}
		id, existing = st.ID, &st
	} else if err := h.authorize(r, policy.ManageStandards, target{Type: "standard"}); err != nil {
		return err
	}
	v := map[string]string{}
	for _, f := range []string{"name", "template", "group", "mode"} {
		v[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	st := store.Standard{ID: id, Name: v["name"], Mode: store.StandardMode(v["mode"]), CreatedBy: &a.Staff.ID}
	st.TemplateID, _ = strconv.ParseInt(v["template"], 10, 64) // not a number: refused as no template
	st.GroupID, _ = strconv.ParseInt(v["group"], 10, 64)
	saved, err := h.store.SaveStandard(r.Context(), a.Partner.ID, st, h.requestEvent(r))
	var verr *store.ValidationError
	if errors.As(err, &verr) {
		return h.standardFormPage(w, r, http.StatusUnprocessableEntity, existing, v, verr.Fields)
	} else if err != nil {
		return err
	}
	h.flash(r.Context(), "ok", "Standard “"+saved.Name+"” saved.")
	http.Redirect(w, r, paths.Standard(saved.ID), http.StatusSeeOther)
	return nil
}

// deleteStandard deletes a standard (POST /standards/{standardId}/delete); its template,
// group and customers stay as they are.
func (h *Handlers) deleteStandard(w http.ResponseWriter, r *http.Request) error {
	st, err := h.standardTarget(r, chi.URLParam(r, "standardId"), policy.ManageStandards)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	if err := h.store.DeleteStandard(r.Context(), a.Partner.ID, st.ID, h.requestEvent(r)); err != nil {
		return err
	}
	h.flash(r.Context(), "ok", "Standard “"+st.Name+"” deleted. Its template, group and customers are unchanged.")
	http.Redirect(w, r, "/standards", http.StatusSeeOther)
	return nil
}

// refuseInUse answers a delete the database refused (store.ErrConflict) because standards use
// the template or group: the refusal is audited as failed (action, with the standards named) and
// the flash names them. It returns err unchanged when no standard uses it (another conflict).
func (h *Handlers) refuseInUse(w http.ResponseWriter, r *http.Request, err error, templateID, groupID int64, action audit.Action,
	tgt target, back string) error {
	a := staffFrom(r.Context())
	names, lerr := h.store.StandardsUsing(r.Context(), a.Partner.ID, templateID, groupID)
	if lerr != nil {
		return lerr
	}
	if len(names) == 0 {
		return err
	}
	them := "them"
	if len(names) == 1 {
		them = "it"
	}
	ev := h.requestEvent(r)
	ev.Action, ev.Outcome, ev.TargetType, ev.TargetID, ev.TargetLabel = action, store.OutcomeFailed, tgt.Type, tgt.ID, tgt.Label
	ev.Details = details(map[string]any{"reason": "used by standards", "standards": names, "note": "nothing was deleted"})
	h.auditAlone(r, ev)
	h.flash(r.Context(), "bad", fmt.Sprintf("This %s is used by %s: %s. Change or delete %s first.", strings.ToLower(targetKinds[tgt.Type]),
		templates.Plural(len(names), "standard", "standards"), strings.Join(names, ", "), them))
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// driftReport compares each member of a standard's group with its template, from the cache:
// the one comparison is templateItem.check (as templateChange).
func driftReport(t store.SettingsTemplate, members []store.StandardMember, onlyDrifted bool) templates.DriftPage {
	items := templateItemsOf(t)
	var p templates.DriftPage
	p.OnlyDrifted = onlyDrifted
	for _, it := range items {
		col := templates.DriftColumn{Label: it.Field.Label, Section: sectionLabel(it.Field.Section())}
		if it.Lock {
			col.Label += " (lock)"
			col.Want = lockWord(it.Want.(bool))
		} else {
			col.Want = displayValue(it.Field, it.want)
		}
		p.Columns = append(p.Columns, col)
	}
	p.Customers = len(members)
	for _, m := range members {
		row := templates.DriftRow{Name: m.AccountName, URL: paths.CustomerSettings(m.ZoomAccountID), Account: m.ZoomAccountID,
			Cells: make([]templates.DriftCell, len(items))}
		if m.ReadAt != nil {
			row.ReadAt = *m.ReadAt
			if p.OldestRead.IsZero() || row.ReadAt.Before(p.OldestRead) {
				p.OldestRead = row.ReadAt
			}
		}
		// Settings Zoom refused (a free account has none) lack every field; settings never
		// read are not judged.
		unread := !m.SettingsRead && m.SettingsError == ""
		locksUnread := unread || !m.LocksRead && m.SettingsError == "" // a lock is judged only once the locks were read
		valueOf := func(path string) (any, bool) { v, ok := m.Settings[path]; return v, ok }
		lockOf := func(path string) (any, bool) { v, ok := m.Locks[path]; return v, ok }
		for i, it := range items {
			cell := &row.Cells[i]
			c := it.check(valueOf, lockOf)
			switch {
			case unread, it.Lock && locksUnread:
				cell.State = templates.DriftNotRead
			case !c.Known:
				cell.State = templates.DriftMissing
				row.Missing++
				p.Columns[i].Missing++
			case !c.Differs:
				cell.State = templates.DriftCompliant
			case it.Lock:
				locked, _ := c.Cur.(bool)
				cell.State, cell.Value = templates.DriftLock, lockWord(locked)
				row.Drifted++
				p.Columns[i].Drifted++
			default:
				cell.State, cell.Value = templates.DriftDrifted, displayValue(it.Field, formValue(it.Field, c.Cur))
				row.Drifted++
				p.Columns[i].Drifted++
			}
		}
		switch {
		case unread:
			p.NotRead++
		case row.Drifted > 0:
			p.DriftedCustomers++
		case row.Missing == 0:
			p.Compliant++
		}
		if row.Missing > 0 && !unread {
			p.MissingCustomers++
		}
		if onlyDrifted && row.Drifted == 0 {
			continue
		}
		p.Rows = append(p.Rows, row)
	}
	return p
}

// templatePaths are the setting paths and the lock paths a template's items read.
func templatePaths(t store.SettingsTemplate) (settings, locks []string) {
	for _, it := range templateItemsOf(t) {
		if it.Lock {
			locks = append(locks, it.Field.Path)
		} else {
			settings = append(settings, it.Field.Path)
		}
	}
	return settings, locks
}

// standardReport shows a standard's drift report (GET /standards/{standardId}; ?only=drifted
// for the drifted customers, ?format=csv for the report as CSV). It reads the cache only:
// nothing is asked of Zoom.
func (h *Handlers) standardReport(w http.ResponseWriter, r *http.Request) error {
	st, err := h.standardTarget(r, chi.URLParam(r, "standardId"), policy.ViewPartner)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	t, err := h.store.SettingsTemplateByID(ctx, a.Partner.ID, st.TemplateID)
	if err != nil {
		return err
	}
	setPaths, lockPaths := templatePaths(t)
	// The members' values and the group's settings history are read side by side (each
	// works out the group itself): the report waits for the slower of the two, not both.
	var events []store.SettingsEvent
	var herr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		events, herr = h.store.SettingsHistoryOfGroup(ctx, a.Partner.ID, st.GroupID, service.SettingsActions, driftEventsRead)
	}()
	members, err := h.store.StandardMembers(ctx, a.Partner.ID, st.GroupID, setPaths, lockPaths)
	<-done
	if err != nil {
		return err
	}
	if herr != nil {
		return herr
	}
	q := r.URL.Query()
	p := driftReport(t, members, q.Get("only") == "drifted")
	driftHistory(&p, t, members, events)
	if q.Get("format") == "csv" {
		return writeDriftCSV(w, st, p)
	}
	p.Name, p.Template, p.Group, p.Mode = st.Name, st.TemplateName, st.GroupName, modeLabel(st.Mode)
	p.TemplateURL, p.GroupURL = paths.SettingsTemplate(st.TemplateID), paths.Group(st.GroupID)
	p.CSVURL, p.AllURL, p.DriftedURL = paths.StandardCSV(st.ID, p.OnlyDrifted), paths.Standard(st.ID), paths.StandardDrifted(st.ID)
	if h.allowed(r, policy.ManageStandards) {
		p.EditURL = paths.StandardEdit(st.ID)
	}
	if st.Mode == store.StandardEnforce && p.DriftedCustomers > 0 && h.allowed(r, policy.RunBulk) {
		p.EnforceURL = paths.StandardEnforce(st.ID)
	}
	h.render(w, r, http.StatusOK, templates.StandardReport(h.chrome(r, st.Name, "standards"), p))
	return nil
}

// writeDriftCSV writes the report as CSV: a row per customer and setting (or lock), with
// its state, the template's value and Zoom's current one when drifted.
func writeDriftCSV(w http.ResponseWriter, st store.Standard, p templates.DriftPage) error {
	name := fmt.Sprintf("tierdesk-standard-%d-%s.csv", st.ID, time.Now().UTC().Format("20060102-150405"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"account_id", "account_name", "last_read", "setting", "section", "state", "template_value", "current_value",
		"changed_by", "changed_at"}); err != nil {
		return err
	}
	states := map[string]string{templates.DriftCompliant: "compliant", templates.DriftDrifted: "drifted", templates.DriftLock: "lock differs",
		templates.DriftMissing: "missing", templates.DriftNotRead: "not read"}
	for _, r := range p.Rows {
		read := ""
		if !r.ReadAt.IsZero() {
			read = r.ReadAt.UTC().Format(time.RFC3339)
		}
		for i, c := range r.Cells {
			col := p.Columns[i]
			at := ""
			if !c.SourceAt.IsZero() {
				at = c.SourceAt.UTC().Format(time.RFC3339)
			}
			if err := cw.Write([]string{r.Account, csvSafe(r.Name), read, col.Label, col.Section, states[c.State], csvSafe(col.Want), csvSafe(c.Value),
				csvSafe(c.Source), at}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
