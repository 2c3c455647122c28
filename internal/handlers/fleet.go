package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/spec"
	"github.com/tierdesk/tierdesk/web/templates"
)

// A change across many customers: a form (a group, and a template, some settings or some
// options), a preview of every call per customer worked out from Tierdesk's cache (the
// customers that already comply need none; a setting a customer's plan lacks is reported, not
// sent), then one durable bulk job (jobs.StartFleet) whose rows are the customers. A standard
// in enforce mode offers the same preview for its drifted customers (enforceStandard).

// Fleet change kinds, as the form names them.
const (
	fleetTemplate = "template"
	fleetSettings = "settings"
	fleetOptions  = "options"
)

// fleetOptionKeys are the options a change across customers may set (pay mode decides who Zoom
// bills, so it stays a one-customer change with its confirmation), with their labels.
var fleetOptionKeys = []struct{ Key, Label string }{
	{"billing_auto_renew", "Auto-renew"},
	{"share_rc", "Share room connectors"},
	{"share_mc", "Share meeting connectors"},
}

// fleetSpec is what a change across customers asks of each customer of a group.
type fleetSpec struct {
	group       store.Group
	tpl         store.SettingsTemplate // a template, or a settings change held as one
	options     map[string]bool        // an option change: the options set
	action      audit.Action
	extra       map[string]any
	onlyDrifted bool   // a standard's enforcement: only what the cache shows drifted
	source      string // the job's name
}

// fleetFormPage fills the form's menus, keeping what was chosen.
func (h *Handlers) fleetFormPage(r *http.Request, v map[string]string, errs map[string]string) (templates.FleetFormPage, error) {
	tpls, groups, err := h.standardChoices(r)
	if err != nil {
		return templates.FleetFormPage{}, err
	}
	p := templates.FleetFormPage{Values: v, Errors: errs}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	for _, g := range groups {
		id := strconv.FormatInt(g.ID, 10)
		p.Groups = append(p.Groups, templates.Option{Value: id, Label: g.Name, Selected: v["group"] == id})
	}
	for _, t := range tpls {
		id := strconv.FormatInt(t.ID, 10)
		p.Templates = append(p.Templates, templates.Option{Value: id, Label: t.Name, Selected: v["template"] == id})
	}
	for _, o := range fleetOptionKeys {
		f := templates.FleetOptionField{Key: o.Key, Label: o.Label}
		for _, c := range []templates.Option{{Value: "", Label: "Leave as it is"}, {Value: "on", Label: "On"}, {Value: "off", Label: "Off"}} {
			c.Selected = v["opt."+o.Key] == c.Value
			f.Choices = append(f.Choices, c)
		}
		p.Options = append(p.Options, f)
	}
	return p, nil
}

// fleetNewPage shows the form of a change across customers (GET /fleet/new; ?group= and
// ?kind= preselect).
func (h *Handlers) fleetNewPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.RunBulk, target{Type: "import", Label: "change across customers"}); err != nil {
		return err
	}
	q := r.URL.Query()
	v := map[string]string{"group": q.Get("group"), "kind": q.Get("kind"), "template": q.Get("template")}
	if v["kind"] == "" {
		v["kind"] = fleetTemplate
	}
	p, err := h.fleetFormPage(r, v, nil)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.FleetForm(h.chrome(r, "Change many customers", "imports"), p))
	return nil
}

// createFleet checks the form (POST /fleet) and, when it holds, works out each customer's calls
// and shows them as a preview (a bulk job not started yet). A refusal shows the form again with
// what was typed and the field named; a group or template out of reach is 404.
func (h *Handlers) createFleet(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := h.authorize(r, policy.RunBulk, target{Type: "import", Label: "change across customers"}); err != nil {
		return err
	}
	v := map[string]string{}
	for _, f := range []string{"group", "kind", "template", "settings"} {
		v[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	for _, o := range fleetOptionKeys {
		v["opt."+o.Key] = r.PostFormValue("opt." + o.Key)
	}
	errs := map[string]string{}
	fs := fleetSpec{}
	if v["group"] == "" {
		errs["group"] = "Choose the customer group to change."
	} else {
		g, err := h.groupTarget(r, v["group"], policy.RunBulk)
		if err != nil {
			return err
		}
		fs.group = g
	}
	switch v["kind"] {
	case fleetTemplate:
		if v["template"] == "" {
			errs["template"] = "Choose the settings template to apply."
			break
		}
		t, err := h.templateTarget(r, v["template"], policy.RunBulk)
		if err != nil {
			return err
		}
		fs.tpl, fs.action, fs.extra = t, audit.CustomerSettingsTemplate, map[string]any{"template": t.Name}
		fs.source = "Template “" + t.Name + "”"
	case fleetSettings:
		t, msg := settingsChangeOf(v["settings"])
		if msg != "" {
			errs["settings"] = msg
			break
		}
		fs.tpl, fs.action, fs.extra = t, audit.CustomerSettings, map[string]any{}
		fs.source = "Settings change (" + templates.Plural(len(templateItemsOf(t)), "item", "items") + ")"
	case fleetOptions:
		fs.options = map[string]bool{}
		var words []string
		for _, o := range fleetOptionKeys {
			switch v["opt."+o.Key] {
			case "on", "off":
				fs.options[o.Key] = v["opt."+o.Key] == "on"
				words = append(words, o.Label+" "+v["opt."+o.Key])
			case "":
			default:
				errs["options"] = "Choose on, off or leave as it is for " + o.Label + "."
			}
		}
		if len(fs.options) == 0 && errs["options"] == "" {
			errs["options"] = "Choose at least one option to change."
		}
		fs.action, fs.source = audit.CustomerOptions, "Options: "+strings.Join(words, ", ")
	default:
		errs["kind"] = "Choose what to change: a template, settings or options."
	}
	if len(errs) > 0 {
		p, err := h.fleetFormPage(r, v, errs)
		if err != nil {
			return err
		}
		h.render(w, r, http.StatusUnprocessableEntity, templates.FleetForm(h.chrome(r, "Change many customers", "imports"), p))
		return nil
	}
	fs.source += " on group “" + fs.group.Name + "”"
	imp, err := h.previewFleet(r, fs)
	if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Import(imp.ID), http.StatusSeeOther)
	return nil
}

// settingsChangeOf reads the settings change typed in the form, a line each: "path = value"
// for a setting (on/off for a switch), "lock path = locked" (or unlocked) for its lock. The
// values are checked as a template's are (the catalogue's types, then Zoom's own validation of
// the PATCHes); a problem is named with its line.
func settingsChangeOf(text string) (store.SettingsTemplate, string) {
	form := url.Values{}
	lineOf := map[string]int{}
	n := 0
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		key, val, ok := strings.Cut(line, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		lock := false
		if rest, isLock := strings.CutPrefix(key, "lock "); isLock {
			lock, key = true, strings.TrimSpace(rest)
		}
		if !ok || key == "" || val == "" {
			return store.SettingsTemplate{}, fmt.Sprintf("Line %d: write “path = value”, or “lock path = locked”.", i+1)
		}
		idx, known := accountCatalogue.byPath[key]
		if !known || !accountCatalogue.fields[idx].Editable && !lock {
			return store.SettingsTemplate{}, fmt.Sprintf("Line %d: Zoom's account settings have no %s that can be changed.", i+1, key)
		}
		f := accountCatalogue.fields[idx]
		name := "set." + key
		if lock {
			if !f.Lockable {
				return store.SettingsTemplate{}, fmt.Sprintf("Line %d: Zoom has no lock for %s.", i+1, key)
			}
			if val != "locked" && val != "unlocked" {
				return store.SettingsTemplate{}, fmt.Sprintf("Line %d: a lock is “locked” or “unlocked”.", i+1)
			}
			name = "lock." + key
		} else if b, isSwitch := map[string]string{"on": "true", "off": "false"}[strings.ToLower(val)]; isSwitch && f.Type == spec.Bool {
			val = b
		}
		if _, dup := form[name]; dup {
			return store.SettingsTemplate{}, fmt.Sprintf("Line %d: %s is set twice.", i+1, key)
		}
		form.Set(name, val)
		lineOf[key] = i + 1
	}
	if n == 0 {
		return store.SettingsTemplate{}, "Write at least one setting, a line each: “in_meeting.chat = off”."
	}
	set, locks, errs := templateFromCatalogueForm(form)
	for _, f := range accountCatalogue.fields {
		if msg := errs[f.Path]; msg != "" {
			return store.SettingsTemplate{}, fmt.Sprintf("Line %d (%s): %s", lineOf[f.Path], f.Path, msg)
		}
	}
	for path, msg := range errs { // a path the catalogue's order did not reach
		return store.SettingsTemplate{}, fmt.Sprintf("Line %d (%s): %s", lineOf[path], path, msg)
	}
	return store.SettingsTemplate{Name: "Settings change", Settings: set, Locks: locks}, ""
}
