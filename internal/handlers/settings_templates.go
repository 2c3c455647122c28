package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// templatesList lists the partner's settings templates (GET /settings/templates).
func (h *Handlers) templatesList(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "settings_template"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	list, err := h.store.SettingsTemplates(r.Context(), a.Partner.ID)
	if err != nil {
		return err
	}
	p := templates.SettingsTemplatesPage{CanEdit: h.allowed(r, policy.EditCustomer)}
	for _, t := range list {
		row := templates.TemplateRow{ID: t.ID, Name: t.Name, UpdatedAt: t.UpdatedAt, URL: paths.SettingsTemplate(t.ID)}
		for _, sec := range t.Settings {
			row.Settings += len(sec)
		}
		for _, sec := range t.Locks {
			row.Locks += len(sec)
		}
		p.Rows = append(p.Rows, row)
	}
	h.render(w, r, http.StatusOK, templates.SettingsTemplates(h.chrome(r, "Settings templates", "settings"), p))
	return nil
}

func setIn[V any](m map[string]map[string]V, section, field string, v V) {
	if m[section] == nil {
		m[section] = map[string]V{}
	}
	m[section][field] = v
}

// newTemplatePage shows an empty template form, or one copied from a customer's current
// settings (GET /settings/templates/new?from=<accountId>).
func (h *Handlers) newTemplatePage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.EditCustomer, target{Type: "settings_template"}); err != nil {
		return err
	}
	p := templates.TemplateFormPage{Action: "/settings/templates", Title: "New settings template"}
	t := store.SettingsTemplate{Settings: map[string]map[string]any{}, Locks: map[string]map[string]bool{}}
	if from := r.URL.Query().Get("from"); from != "" {
		c, err := h.customerTarget(r, from, policy.ViewCustomer)
		if err != nil {
			return err
		}
		d, err := h.customerDetails(r, c, "settings", "lock_settings")
		if err != nil {
			return err
		}
		set, lock := decodedSettings(d)
		t = templateOfSettings(set, lock)
		p.From, p.Name = c.AccountName, "Like "+c.AccountName
	}
	p.Sections = templateSections(t, nil, nil)
	h.render(w, r, http.StatusOK, templates.TemplateForm(h.chrome(r, p.Title, "settings"), p))
	return nil
}

// saveTemplate creates (POST /settings/templates) or updates (POST
// /settings/templates/{templateId}) a template.
func (h *Handlers) saveTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	var id int64
	if raw := chi.URLParam(r, "templateId"); raw != "" {
		existing, err := h.templateTarget(r, raw, policy.EditCustomer)
		if err != nil {
			return err
		}
		id = existing.ID
	} else if err := h.authorize(r, policy.EditCustomer, target{Type: "settings_template"}); err != nil {
		return err
	}
	set, locks, errs := templateFromCatalogueForm(r.PostForm)
	t := store.SettingsTemplate{ID: id, CreatedBy: &a.Staff.ID, Name: r.PostFormValue("name"), Settings: set, Locks: locks}
	show := func(errs map[string]string) error {
		p := templates.TemplateFormPage{Action: r.URL.Path, Title: "Settings template", Name: t.Name, Errors: errs,
			Sections: templateSections(t, r.PostForm, errs)}
		if fe := templateFieldErrs(errs); len(fe) > 0 && errs["_"] == "" {
			errs["_"] = templates.Plural(len(fe), "setting has a value", "settings have values") + " Zoom would not take; they are marked below."
		}
		h.render(w, r, http.StatusUnprocessableEntity, templates.TemplateForm(h.chrome(r, p.Title, "settings"), p))
		return nil
	}
	if len(errs) > 0 {
		return show(errs)
	}
	saved, err := h.store.SaveSettingsTemplate(r.Context(), a.Partner.ID, t, h.requestEvent(r))
	var verr *store.ValidationError
	if errors.As(err, &verr) {
		return show(verr.Fields)
	} else if err != nil {
		return err
	}
	h.flash(r.Context(), "ok", "Template “"+saved.Name+"” saved.")
	http.Redirect(w, r, "/settings/templates", http.StatusSeeOther)
	return nil
}

// templateTarget loads the template in the URL for action (recordTarget: unknown ids and other
// partners' are the same audited 404).
func (h *Handlers) templateTarget(r *http.Request, raw string, action policy.Action) (store.SettingsTemplate, error) {
	return recordTarget(h, r, raw, "settings_template", action, h.store.SettingsTemplateByID,
		func(t store.SettingsTemplate) string { return t.Name })
}

// editTemplatePage shows a template's form (GET /settings/templates/{templateId}).
func (h *Handlers) editTemplatePage(w http.ResponseWriter, r *http.Request) error {
	t, err := h.templateTarget(r, chi.URLParam(r, "templateId"), policy.ViewPartner)
	if err != nil {
		return err
	}
	p := templates.TemplateFormPage{Action: paths.SettingsTemplate(t.ID), Title: t.Name, Name: t.Name, Sections: templateSections(t, nil, nil),
		CanDel: h.allowed(r, policy.EditCustomer), DelURL: paths.SettingsTemplateDelete(t.ID)}
	h.render(w, r, http.StatusOK, templates.TemplateForm(h.chrome(r, t.Name, "settings"), p))
	return nil
}

// deleteTemplate removes a template (POST /settings/templates/{templateId}/delete).
func (h *Handlers) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := h.templateTarget(r, chi.URLParam(r, "templateId"), policy.EditCustomer)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	if err := h.store.DeleteSettingsTemplate(r.Context(), a.Partner.ID, t.ID, h.requestEvent(r)); errors.Is(err, store.ErrConflict) {
		return h.refuseInUse(w, r, err, t.ID, 0, audit.SettingsTemplateDelete,
			target{Type: "settings_template", ID: itoa(t.ID), Label: t.Name}, paths.SettingsTemplate(t.ID))
	} else if err != nil {
		return err
	}
	h.flash(r.Context(), "ok", "Template “"+t.Name+"” deleted.")
	http.Redirect(w, r, "/settings/templates", http.StatusSeeOther)
	return nil
}

// templateChanges compares a template with a customer's current settings and locks.
func templateChanges(t store.SettingsTemplate, d detailsView) (changes []templates.DiffRow, same int) {
	set, lock := decodedSettings(d)
	ch := templateChange(t, d)
	for _, f := range accountCatalogue.fields {
		if _, ok := ch.After[f.Path]; ok {
			cur, _ := valueAt(set, f.Path)
			want, _ := valueAt(templateMap(t), f.Path)
			changes = append(changes, templates.DiffRow{Field: f.Label, Before: displayValue(f, formValue(f, cur)), After: displayValue(f, formValue(f, want)), Kind: "changed"})
		} else if _, ok := valueAt(templateMap(t), f.Path); ok && f.Editable {
			same++
		}
		sec, rest, _ := strings.Cut(f.Path, ".")
		if l, ok := t.Locks[sec][rest]; ok && f.Lockable {
			if _, changed := ch.After["locked."+f.Path]; changed {
				cur, _ := valueAt(lock, f.Path)
				locked, _ := cur.(bool)
				changes = append(changes, templates.DiffRow{Field: f.Label + " (lock)", Before: lockWord(locked), After: lockWord(l), Kind: "changed"})
			} else {
				same++
			}
		}
	}
	return changes, same
}

func lockWord(b bool) string {
	if b {
		return "locked"
	}
	return "unlocked"
}

// templatePreview shows what applying a template to a customer changes (GET
// /customers/{accountId}/settings/template?id=).
func (h *Handlers) templatePreview(w http.ResponseWriter, r *http.Request) error {
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	list, err := h.store.SettingsTemplates(r.Context(), a.Partner.ID)
	if err != nil {
		return err
	}
	d, err := h.customerDetails(r, c, "settings", "lock_settings")
	if err != nil {
		return err
	}
	p := templates.TemplatePreviewPage{Head: h.customerHead(r, c, "/settings", d), ApplyURL: paths.CustomerSettingsTemplate(c.ZoomAccountID)}
	want, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	for _, t := range list {
		p.Templates = append(p.Templates, templates.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name, Selected: t.ID == want})
		if t.ID == want {
			p.ID, p.Name = t.ID, t.Name
			p.Changes, p.Same = templateChanges(t, d)
		}
	}
	switch {
	case len(list) == 0:
		p.Note = "There are no settings templates yet: create one under Settings → Templates."
	case d.Unreliable["settings"] != "":
		p.Note = d.Unreliable["settings"]
	}
	h.render(w, r, http.StatusOK, templates.TemplatePreview(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}

// applyTemplate applies a template to a customer (POST /customers/{accountId}/settings/template):
// what differs from Zoom's current values (read now, not from the cache) is sent and recorded
// as changeCustomerSettings does.
func (h *Handlers) applyTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	t, err := h.templateTarget(r, r.PostFormValue("id"), policy.EditCustomer)
	if err != nil {
		return err
	}
	d, err := h.currentSettings(r, c, audit.CustomerSettingsTemplate, map[string]any{"template": t.Name})
	if err != nil {
		return err
	}
	ch := templateChange(t, d)
	if len(ch.Before) == 0 {
		h.flash(ctx, "info", "Nothing to change: "+c.AccountName+" already matches the template “"+t.Name+"”.")
		http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	done, err := h.sendSettings(w, r, c, ch, func(msg string) error {
		h.flash(ctx, "bad", msg)
		http.Redirect(w, r, paths.With(paths.CustomerSettingsTemplate(c.ZoomAccountID), url.Values{"id": {strconv.FormatInt(t.ID, 10)}}), http.StatusSeeOther)
		return nil
	})
	if !done {
		return err
	}
	h.flash(ctx, "ok", "Template “"+t.Name+"” applied to "+c.AccountName+": "+templates.Plural(len(ch.Before), "change", "changes")+".")
	http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

// templateChange is what applying template t changes in Zoom's current settings and locks d:
// the settings whose value differs (or that Zoom did not return) and the locks that differ.
func templateChange(t store.SettingsTemplate, d detailsView) service.SettingsChange {
	set, lock := decodedSettings(d)
	ch := service.SettingsChange{Action: audit.CustomerSettingsTemplate, Set: zoom.Settings{}, Locks: zoom.Settings{}, Before: map[string]any{},
		After: map[string]any{}, Extra: map[string]any{"template": t.Name}}
	for _, it := range templateItemsOf(t) {
		c := it.check(set.At, lock.At)
		switch {
		case !c.Differs:
		case it.Lock:
			locked, _ := c.Cur.(bool)
			setAt(ch.Locks, it.Field.Path, it.Want)
			ch.Before["locked."+it.Field.Path], ch.After["locked."+it.Field.Path] = locked, it.Want
		default:
			setAt(ch.Set, it.Field.Path, it.Want)
			ch.Before[it.Field.Path], ch.After[it.Field.Path] = c.Cur, it.Want
		}
	}
	return ch
}

// templateItem is one thing a template sets: a setting's value (editable in the catalogue)
// or its lock (lockable), in the catalogue's order.
type templateItem struct {
	Field catalogueField
	Lock  bool // the lock, not the value
	Want  any  // the template's value (a bool for a lock)
	want  string
}

// templateItemsOf lists what template t sets, in the catalogue's order (a setting, then its
// lock): the one place that decides what a template holds, for applying it and for drift.
func templateItemsOf(t store.SettingsTemplate) []templateItem {
	tpl := templateMap(t)
	var out []templateItem
	for _, f := range accountCatalogue.fields {
		if v, ok := valueAt(tpl, f.Path); ok && f.Editable {
			out = append(out, templateItem{Field: f, Want: v, want: formValue(f, v)})
		}
		sec, rest, _ := strings.Cut(f.Path, ".")
		if l, ok := t.Locks[sec][rest]; ok && f.Lockable {
			out = append(out, templateItem{Field: f, Lock: true, Want: l})
		}
	}
	return out
}

// templateCheck is how a customer's value (or lock) compares with a template item's.
type templateCheck struct {
	Cur     any  // the customer's value, or lock
	Known   bool // the customer's settings (or lock settings) have the field
	Differs bool // applying the template would change it
}

// check compares the item with a customer's settings and locks, read by path: the one
// comparison of a template with a customer (templateChange, the drift report). A setting the
// customer lacks differs (applying sends it); a lock it lacks counts as unlocked.
func (it templateItem) check(valueOf, lockOf func(string) (any, bool)) templateCheck {
	if it.Lock {
		cur, known := lockOf(it.Field.Path)
		locked, _ := cur.(bool)
		return templateCheck{Cur: cur, Known: known, Differs: locked != it.Want}
	}
	cur, known := valueOf(it.Field.Path)
	return templateCheck{Cur: cur, Known: known, Differs: !known || it.want != formValue(it.Field, cur)}
}
