package handlers

import (
	"encoding/json"
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
	"github.com/tierdesk/tierdesk/internal/zoom/spec"
	"github.com/tierdesk/tierdesk/web/templates"
)

// decodedSettings reads a customer's cached settings and lock settings (each with the
// sections Zoom answers under their own option, see customerDetails).
func decodedSettings(d detailsView) (set, lock zoom.Settings) {
	set, lock = zoom.Settings{}, zoom.Settings{}
	if d.Settings != nil {
		if err := json.Unmarshal(d.Settings, &set); err != nil {
			set = zoom.Settings{}
		}
	}
	if d.LockSettings != nil {
		if err := json.Unmarshal(d.LockSettings, &lock); err != nil {
			lock = zoom.Settings{}
		}
	}
	return set, lock
}

// customerSettings shows every setting of a customer that Zoom publishes, with its lock,
// searchable and compared with a template (GET /customers/{accountId}/settings?q=&template=).
func (h *Handlers) customerSettings(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ViewCustomer)
	if err != nil {
		return err
	}
	d, err := h.customerDetails(r, c, "settings", "lock_settings")
	if err != nil {
		return err
	}
	in := catalogueInput{q: strings.TrimSpace(r.URL.Query().Get("q")), differing: r.URL.Query().Get("differing") == "1"}
	return h.renderSettingsTab(w, r, c, d, in, http.StatusOK, r.URL.Query().Get("template"))
}

// renderSettingsTab renders the tab from details d and in, comparing with the template whose
// id is tplID when it is one of the partner's.
func (h *Handlers) renderSettingsTab(w http.ResponseWriter, r *http.Request, c store.Customer, d detailsView, in catalogueInput, status int, tplID string) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	head := h.customerHead(r, c, "/settings", d)
	p := templates.CatalogueSettingsPage{Head: head, CanEdit: head.CanEdit, Action: paths.CustomerSettings(c.ZoomAccountID) + "/review",
		Self: paths.CustomerSettings(c.ZoomAccountID)}
	switch {
	case d.Unreliable["settings"] != "":
		p.Note = d.Unreliable["settings"]
	case d.Settings == nil:
		p.Note = "Tierdesk has not seen this customer's settings yet."
	}
	if p.Note != "" {
		h.render(w, r, status, templates.CatalogueSettings(h.chrome(r, c.AccountName, "customers"), p))
		return nil
	}
	tpls, err := h.store.SettingsTemplates(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, t := range tpls {
		id := strconv.FormatInt(t.ID, 10)
		p.Templates = append(p.Templates, templates.Option{Value: id, Label: t.Name})
		if id == tplID {
			in.tpl = &t
		}
	}
	in.set, in.lock = decodedSettings(d)
	accountCatalogue.settingsPage(in, &p)
	h.render(w, r, status, templates.CatalogueSettings(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}

// reviewCustomerSettings shows what the settings form would change, compared with Zoom's
// values read now, before anything is sent (POST /customers/{accountId}/settings/review). A
// value Zoom would not take brings the form back with the values kept and the fields named;
// "Change them" (back=1) brings it back as it was sent.
func (h *Handlers) reviewCustomerSettings(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	d, err := h.currentSettings(r, c, audit.CustomerSettings, map[string]any{"step": "review"})
	if err != nil {
		return err
	}
	set, lock := decodedSettings(d)
	e := accountCatalogue.edit(r.PostForm, set, lock, spec.AccountSettingsUpdate)
	if r.PostFormValue("back") != "" || len(e.Errs) > 0 {
		status := http.StatusOK
		if len(e.Errs) > 0 {
			status = http.StatusUnprocessableEntity
		}
		return h.renderSettingsTab(w, r, c, d, catalogueInput{posted: r.PostForm, errs: e.Errs}, status, "")
	}
	if len(e.Diffs) == 0 {
		h.flash(r.Context(), "info", "Nothing changed: every value is already so in Zoom.")
		http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	p := templates.SettingsReviewPage{Head: h.customerHead(r, c, "/settings", d), Changes: e.Diffs, Hidden: hiddenForm(changedOnly(r.PostForm, e)),
		Action: paths.CustomerSettings(c.ZoomAccountID), Back: paths.CustomerSettings(c.ZoomAccountID) + "/review",
		Calls: len(e.Set.ByOption()) + len(e.Locks.ByOption())}
	h.render(w, r, http.StatusOK, templates.SettingsReview(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}

// changedOnly keeps of a settings form the fields of what e changes (the confirmation carries
// nothing else, so a value that changed in Zoom meanwhile is not overwritten by the form's
// stale copy).
func changedOnly(form url.Values, e settingsEdit) url.Values {
	out := url.Values{}
	for k := range e.After {
		if path, ok := strings.CutPrefix(k, "locked."); ok {
			out.Set("lockseen."+path, "1")
			if v := form.Get("lock." + path); v != "" {
				out.Set("lock."+path, v)
			}
			continue
		}
		out.Set("set."+k, form.Get("set."+k))
	}
	return out
}

// changeCustomerSettings sends the settings and locks that changed (POST
// /customers/{accountId}/settings, from the review's confirmation or any form of the same
// fields). Zoom's current values are read first, so only what differs is sent, and the audit
// event holds exactly that before and after; every value is checked against Zoom's catalogue
// first.
func (h *Handlers) changeCustomerSettings(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := h.currentSettings(r, c, audit.CustomerSettings, nil)
	if err != nil {
		return err
	}
	set, lock := decodedSettings(d)
	e := accountCatalogue.edit(r.PostForm, set, lock, spec.AccountSettingsUpdate)
	if len(e.Errs) > 0 {
		return h.renderSettingsTab(w, r, c, d, catalogueInput{posted: r.PostForm, errs: e.Errs}, http.StatusUnprocessableEntity, "")
	}
	if len(e.Diffs) == 0 {
		h.flash(ctx, "info", "Nothing changed: every value is already so in Zoom.")
		http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	ch := service.SettingsChange{Action: audit.CustomerSettings, Set: e.Set, Locks: e.Locks, Before: e.Before, After: e.After}
	done, err := h.sendSettings(w, r, c, ch, func(msg string) error {
		h.flash(ctx, "bad", msg)
		http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	})
	if !done {
		return err
	}
	h.flash(ctx, "ok", templates.Plural(len(e.Diffs), "change", "changes")+" to the settings of "+c.AccountName+" made in Zoom.")
	http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}
