package handlers

import (
	"net/url"
	"strings"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/spec"
	"github.com/tierdesk/tierdesk/web/templates"
)

// templateMap is a template's settings as one decoded JSON object (sections of fields, some
// fields objects of their own), for valueAt.
func templateMap(t store.SettingsTemplate) map[string]any {
	m := make(map[string]any, len(t.Settings))
	for sec, fields := range t.Settings {
		m[sec] = map[string]any(fields)
	}
	return m
}

// templateSections builds a template's form: every setting the PATCH takes, section by
// section, with the template's value and lock (or, from a form sent back, what was typed).
func templateSections(t store.SettingsTemplate, posted url.Values, errs map[string]string) []templates.TemplateSection {
	set := templateMap(t)
	var out []templates.TemplateSection
	idx := map[string]int{}
	for _, f := range accountCatalogue.fields {
		if !f.Editable {
			continue
		}
		row := templates.TemplateSetting{Key: f.Path, Label: f.Label, Kind: settingKind(f), Lockable: f.Lockable, Words: searchWords(f),
			PlanOnly: f.PlanOnly(), Error: errs[f.Path]}
		switch row.Kind {
		case "bool":
			row.Choices = []templates.Option{{Value: "", Label: "Leave as it is"}, {Value: "true", Label: "On"}, {Value: "false", Label: "Off"}}
		case "choice":
			row.Choices = append([]templates.Option{{Value: "", Label: "Leave as it is"}}, settingChoices(f)...)
		}
		if v, ok := valueAt(set, f.Path); ok {
			row.Value = formValue(f, v)
		}
		sec, rest, _ := strings.Cut(f.Path, ".")
		if l, ok := t.Locks[sec][rest]; ok && f.Lockable {
			row.Lock = lockWord(l)
		}
		if posted != nil {
			row.Value, row.Lock = posted.Get("set."+f.Path), posted.Get("lock."+f.Path)
		}
		i, ok := idx[f.Section()]
		if !ok {
			i = len(out)
			idx[f.Section()] = i
			out = append(out, templates.TemplateSection{Name: f.Section(), Label: sectionLabel(f.Section())})
		}
		out[i].Rows = append(out[i].Rows, row)
		if row.Value != "" || row.Lock != "" || row.Error != "" {
			out[i].Set++
		}
	}
	return out
}

// templateFromCatalogueForm reads a template's settings and locks from its form: a field
// left empty is left as it is; every value is checked as Zoom's catalogue says (type, enum),
// and the whole as the PATCHes will carry it.
func templateFromCatalogueForm(form url.Values) (settings map[string]map[string]any, locks map[string]map[string]bool, errs map[string]string) {
	settings, locks, errs = map[string]map[string]any{}, map[string]map[string]bool{}, map[string]string{}
	body := zoom.Settings{}
	fail := func(path, msg string) { // the first problem of a row is the one it shows
		if errs[path] == "" {
			errs[path] = msg
		}
	}
	for _, f := range accountCatalogue.fields {
		if !f.Editable {
			continue
		}
		if raw := strings.TrimSpace(form.Get("set." + f.Path)); raw != "" {
			v, msg := parseSetting(f, raw)
			if msg != "" {
				fail(f.Path, msg)
			} else {
				setAt(body, f.Path, v)
			}
		}
		switch l := form.Get("lock." + f.Path); l {
		case "locked", "unlocked":
			if !f.Lockable {
				fail(f.Path, "Zoom has no lock for this setting.")
				continue
			}
			sec, rest, _ := strings.Cut(f.Path, ".")
			setIn(locks, sec, rest, l == "locked")
		case "":
		default:
			fail(f.Path, "Choose locked, unlocked or leave as it is.")
		}
	}
	for _, part := range body.ByOption() {
		if err := spec.AccountSettingsUpdate.Validate(part.Option, part.Settings); err != nil {
			fail(specErrorPath(err), "Zoom would not take this: it "+specProblem(err)+".")
		}
	}
	for sec, v := range body {
		if fields, ok := v.(map[string]any); ok {
			settings[sec] = fields
		}
	}
	return settings, locks, errs
}

// templateOfSettings is a template holding every setting a PATCH takes and every lock, as an
// account has them (a template copied from a customer).
func templateOfSettings(set, lock zoom.Settings) store.SettingsTemplate {
	t := store.SettingsTemplate{Settings: map[string]map[string]any{}, Locks: map[string]map[string]bool{}}
	body := map[string]any{}
	for _, f := range accountCatalogue.fields {
		if v, ok := valueAt(set, f.Path); ok && f.Editable {
			setAt(body, f.Path, v)
		}
		if l, ok := valueAt(lock, f.Path); ok && f.Lockable {
			if b, isBool := l.(bool); isBool {
				sec, rest, _ := strings.Cut(f.Path, ".")
				setIn(t.Locks, sec, rest, b)
			}
		}
	}
	for sec, v := range body {
		if fields, ok := v.(map[string]any); ok {
			t.Settings[sec] = fields
		}
	}
	return t
}

// templateFieldErrs keeps the errors that name a setting (not the form's own, like the name).
func templateFieldErrs(errs map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range errs {
		if _, ok := accountCatalogue.field(k); ok {
			out[k] = v
		}
	}
	return out
}
