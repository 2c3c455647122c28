package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/spec"
	"github.com/tierdesk/tierdesk/web/templates"
)

// catalogueField is one setting of Zoom's published settings as the pages offer it: every
// value field of the plain variant and of the sections Zoom keeps behind their own option
// (zoom.OptionSections), read from the GET shape, editable when the PATCH shape takes it and a
// form can hold it, lockable when the lock settings have it.
type catalogueField struct {
	spec.Field        // from the GET catalogue
	Label      string // the field's name in words
	Editable   bool   // the PATCH shape takes it with the same type, and it is not a list of objects
	Lockable   bool   // the lock settings have a boolean at the same path
}

// settingsCatalogue is a catalogue's settings in Zoom's order, with their sections.
type settingsCatalogue struct {
	fields   []catalogueField
	byPath   map[string]int
	sections []string
}

// The catalogues the pages use: a customer's account settings (and their locks) and a user's
// settings (users have no locks of their own).
var (
	accountCatalogue = newSettingsCatalogue(spec.AccountSettings, spec.AccountSettingsUpdate, spec.LockSettings)
	userCatalogue    = newSettingsCatalogue(spec.UserSettings, spec.UserSettingsUpdate, nil)
)

// newSettingsCatalogue lists get's value fields (plain variant, then the option sections),
// marking what update takes and what locks has.
func newSettingsCatalogue(get, update, locks *spec.Catalogue) *settingsCatalogue {
	c := &settingsCatalogue{byPath: map[string]int{}}
	add := func(opt string) {
		for _, f := range get.Fields(opt) {
			if !f.Leaf() || strings.Contains(f.Path, "[]") {
				continue // an object's fields are listed themselves; a list of objects' items with the list
			}
			if _, dup := c.byPath[f.Path]; dup {
				continue
			}
			cf := catalogueField{Field: f, Label: settingLabel(f.Path)}
			if u, ok := update.LookupOption(opt, f.Path); ok && u.Type == f.Type && !(f.Type == spec.Array && f.Elem == spec.Object) && f.Type != spec.Opaque {
				cf.Editable = true
			}
			if locks != nil {
				if l, ok := locks.LookupOption(opt, f.Path); ok && l.Type == spec.Bool {
					cf.Lockable = true
				}
			}
			c.byPath[f.Path] = len(c.fields)
			c.fields = append(c.fields, cf)
			if s := f.Section(); !slices.Contains(c.sections, s) {
				c.sections = append(c.sections, s)
			}
		}
	}
	add("")
	for _, o := range zoom.OptionSections {
		add(o)
	}
	return c
}

// field returns the setting at path.
func (c *settingsCatalogue) field(path string) (catalogueField, bool) {
	i, ok := c.byPath[path]
	if !ok {
		return catalogueField{}, false
	}
	return c.fields[i], true
}

// settingLabel names a setting in words: its field's name, after its parent's when it is
// inside an object of the section ("Waiting room options › Enable").
func settingLabel(path string) string {
	els := strings.Split(path, ".")
	if len(els) <= 2 {
		return words(els[len(els)-1])
	}
	return words(els[len(els)-2]) + " › " + words(els[len(els)-1])
}

// settingAcronyms are the parts of Zoom's field names written in capitals.
var settingAcronyms = map[string]string{"pmi": "PMI", "jbh": "JBH", "e2e": "E2E", "e2ee": "E2EE", "sso": "SSO", "cmr": "CMR",
	"pstn": "PSTN", "url": "URL", "urls": "URLs", "id": "ID", "ids": "IDs", "zr": "ZR", "tsp": "TSP", "api": "API", "sip": "SIP",
	"h323": "H.323", "qa": "Q&A", "sms": "SMS", "ai": "AI", "dscp": "DSCP", "p2p": "P2P", "vb": "VB", "cn": "CN", "hd": "HD",
	"ip": "IP", "im": "IM", "uri": "URI", "pac": "PAC", "cc": "CC", "vip": "VIP", "gif": "GIF", "lti": "LTI", "saml": "SAML",
	"zoom": "Zoom", "google": "Google", "microsoft": "Microsoft", "dropbox": "Dropbox", "onedrive": "OneDrive", "airplay": "AirPlay",
	"youtube": "YouTube", "facebook": "Facebook", "kubi": "Kubi", "box": "Box", "webinar": "webinar", "webinars": "webinars"}

// words writes a field name as words: "join_before_host" → "Join before host",
// "use_pmi_for_instant_meetings" → "Use PMI for instant meetings".
func words(name string) string {
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' })
	for i, p := range parts {
		if a, ok := settingAcronyms[strings.ToLower(p)]; ok {
			parts[i] = a
		} else {
			parts[i] = strings.ToLower(p)
		}
	}
	s := strings.Join(parts, " ")
	if s == "" {
		return name
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// sectionLabels name Zoom's settings sections as its web portal does; any other section is
// named from its key.
var sectionLabels = map[string]string{
	"schedule_meeting": "Schedule meeting", "in_meeting": "In meeting", "email_notification": "Email notifications",
	"zoom_rooms": "Zoom Rooms", "security": "Security (sign-in)", "recording": "Recording", "telephony": "Telephony",
	"integration": "Integrations", "feature": "Features", "tsp": "TSP (third-party audio)", "profile": "Profile",
	"audio_conferencing": "Audio conferencing", "chat": "Team Chat", "other_options": "Other options",
	"meeting_security": "Meeting security", "in_session": "In session (Video SDK)", "session_security": "Session security (Video SDK)",
}

// sectionLabel names a settings section.
func sectionLabel(s string) string {
	if l, ok := sectionLabels[s]; ok {
		return l
	}
	return words(s)
}

// valueAt reads the value at a dotted path of decoded JSON.
func valueAt(m map[string]any, path string) (any, bool) { return zoom.Settings(m).At(path) }

// setAt records value at a dotted path, creating the objects above it.
func setAt(m map[string]any, path string, value any) { zoom.Settings(m).SetAt(path, value) }

// formValue writes a setting's value as its form field holds it: "true"/"false", a number, the
// text, or a list's items separated by commas. A list of objects (not editable) is summarised.
func formValue(f catalogueField, v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case string:
		return t
	case []any:
		if f.Elem == spec.Object {
			return templates.Plural(len(t), "item", "items")
		}
		items := make([]string, 0, len(t))
		for _, x := range t {
			items = append(items, formValue(catalogueField{}, x))
		}
		return strings.Join(items, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// displayValue writes a value for reading: On/Off for a boolean, "(empty)" for nothing.
func displayValue(f catalogueField, v string) string {
	switch {
	case f.Type == spec.Bool && v == "true":
		return "On"
	case f.Type == spec.Bool && v == "false":
		return "Off"
	case v == "":
		return "(empty)"
	}
	return v
}

// parseSetting reads a form value as the setting's JSON value, or says in words what is wrong.
func parseSetting(f catalogueField, raw string) (any, string) {
	raw = strings.TrimSpace(raw)
	scalar := func(t spec.Type, s string) (any, string) {
		switch t {
		case spec.Bool:
			if s != "true" && s != "false" {
				return nil, "Choose on or off."
			}
			return s == "true", ""
		case spec.Number:
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Sprintf("%q is not a number.", s)
			}
			if len(f.Enum) > 0 && !slices.Contains(f.Enum, strconv.FormatFloat(n, 'f', -1, 64)) {
				return nil, "Choose one of " + strings.Join(f.Enum, ", ") + "."
			}
			return n, ""
		default:
			if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
				return nil, "Choose one of " + strings.Join(f.Enum, ", ") + "."
			}
			return s, ""
		}
	}
	if f.Type != spec.Array {
		return scalar(f.Type, raw)
	}
	out := []any{}
	for _, item := range strings.Split(raw, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		v, msg := scalar(f.Elem, item)
		if msg != "" {
			return nil, msg
		}
		out = append(out, v)
	}
	return out, ""
}

// settingChoices are the values an enumerated setting offers, in Zoom's order.
func settingChoices(f catalogueField) []templates.Option {
	if len(f.Enum) == 0 || f.Type == spec.Array {
		return nil
	}
	out := make([]templates.Option, 0, len(f.Enum))
	for _, e := range f.Enum {
		out = append(out, templates.Option{Value: e, Label: words(e)})
	}
	return out
}

// settingKind is how a form edits a setting.
func settingKind(f catalogueField) string {
	switch {
	case !f.Editable:
		return "readonly"
	case f.Type == spec.Bool:
		return "bool"
	case len(f.Enum) > 0 && f.Type != spec.Array:
		return "choice"
	case f.Type == spec.Number:
		return "number"
	case f.Type == spec.Array:
		return "list"
	}
	return "text"
}

// searchWords are the words a setting is found by: its label, its section's and its path.
func searchWords(f catalogueField) string {
	return strings.ToLower(f.Label + " " + sectionLabel(f.Section()) + " " + strings.NewReplacer("_", " ", ".", " ").Replace(f.Path))
}

// matchesQuery reports whether every word of q is in the setting's words.
func matchesQuery(f catalogueField, q string) bool {
	w := searchWords(f)
	for _, part := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(w, part) {
			return false
		}
	}
	return true
}

// catalogueInput is what a settings page is built from.
type catalogueInput struct {
	set, lock zoom.Settings           // Zoom's values and locks
	posted    url.Values              // a form sent back (after an error, or "Change them"): its values are kept
	errs      map[string]string       // by path
	tpl       *store.SettingsTemplate // the template compared with, or nil
	q         string                  // only the settings whose words hold every word of q
	differing bool                    // only the settings that differ from tpl
}

// settingsPage builds a settings page's sections and counts.
func (c *settingsCatalogue) settingsPage(in catalogueInput, p *templates.CatalogueSettingsPage) {
	var tplSet map[string]any
	if in.tpl != nil {
		tplSet = map[string]any{}
		for sec, fields := range in.tpl.Settings {
			tplSet[sec] = map[string]any(fields)
		}
		p.Template, p.TplName = strconv.FormatInt(in.tpl.ID, 10), in.tpl.Name
	}
	p.Query, p.Differing, p.Total = in.q, in.differing && in.tpl != nil, len(c.fields)
	bySection := map[string]*templates.SettingSection{}
	for _, f := range c.fields {
		v, known := valueAt(in.set, f.Path)
		r := templates.CatalogueRow{Key: f.Path, Label: f.Label, Kind: settingKind(f), Known: known, Lockable: f.Lockable,
			PlanOnly: f.PlanOnly(), Words: searchWords(f), Choices: settingChoices(f), Error: in.errs[f.Path]}
		if f.Type == spec.Array {
			r.Enum = f.Enum
		}
		if known {
			r.Value = formValue(f, v)
			p.Known++
		}
		if l, ok := valueAt(in.lock, f.Path); ok && f.Lockable {
			r.Locked, _ = l.(bool)
		}
		if r.Locked {
			p.Locked++
		}
		if in.tpl != nil {
			if tv, ok := valueAt(tplSet, f.Path); ok {
				r.InTemplate, r.Template = true, displayValue(f, formValue(f, tv))
				r.Differs = !known || formValue(f, tv) != r.Value
			}
			sec, rest, _ := strings.Cut(f.Path, ".")
			if tl, ok := in.tpl.Locks[sec][rest]; ok && f.Lockable {
				r.TplLock = &tl
				r.Differs = r.Differs || tl != r.Locked
			}
			if r.Differs {
				p.Differs++
			}
		}
		// A form sent back keeps what the person typed.
		if in.posted != nil {
			if pv, ok := in.posted["set."+f.Path]; ok && len(pv) > 0 {
				r.Value = pv[0]
			}
			if in.posted.Get("lockseen."+f.Path) != "" {
				r.Locked = in.posted.Get("lock."+f.Path) == "1"
			}
		}
		r.Display = displayValue(f, r.Value)
		if !matchesQuery(f, in.q) || p.Differing && !r.Differs {
			if r.Error == "" {
				continue
			}
		}
		s := bySection[f.Section()]
		if s == nil {
			s = &templates.SettingSection{Name: f.Section(), Label: sectionLabel(f.Section())}
			bySection[f.Section()] = s
		}
		s.Rows = append(s.Rows, r)
		if r.Differs {
			s.Differs++
		}
		p.Shown++
	}
	p.Errors = len(in.errs)
	for _, name := range c.sections {
		if s := bySection[name]; s != nil {
			p.Sections = append(p.Sections, *s)
		}
	}
}

// settingsEdit is what a settings form changes, compared with Zoom's values: the update and
// the locks to send, each change before and after (for the audit event), the review's rows,
// and the fields Zoom would not take, by path.
type settingsEdit struct {
	Set, Locks    zoom.Settings
	Before, After map[string]any
	Diffs         []templates.SettingDiff
	Errs          map[string]string
}

// edit reads a posted settings form against Zoom's values and locks. Only fields the form
// holds and that differ are changed; every value is checked against Zoom's catalogue (type,
// enum) before anything is sent.
func (c *settingsCatalogue) edit(form url.Values, set, lock zoom.Settings, update *spec.Catalogue) settingsEdit {
	e := settingsEdit{Set: zoom.Settings{}, Locks: zoom.Settings{}, Before: map[string]any{}, After: map[string]any{}, Errs: map[string]string{}}
	for _, f := range c.fields {
		if raw, ok := form["set."+f.Path]; ok && f.Editable && len(raw) > 0 {
			cur, known := valueAt(set, f.Path)
			if v, msg := parseSetting(f, raw[0]); msg != "" {
				e.Errs[f.Path] = msg
			} else if !known || formValue(f, v) != formValue(f, cur) {
				setAt(e.Set, f.Path, v)
				e.Before[f.Path], e.After[f.Path] = cur, v
				e.Diffs = append(e.Diffs, templates.SettingDiff{Key: f.Path, Label: f.Label, Section: sectionLabel(f.Section()),
					Before: displayValue(f, formValue(f, cur)), After: displayValue(f, formValue(f, v))})
			}
		}
		if f.Lockable && form.Get("lockseen."+f.Path) != "" {
			cur, _ := valueAt(lock, f.Path)
			locked, _ := cur.(bool)
			if want := form.Get("lock."+f.Path) == "1"; want != locked {
				setAt(e.Locks, f.Path, want)
				e.Before["locked."+f.Path], e.After["locked."+f.Path] = locked, want
				e.Diffs = append(e.Diffs, templates.SettingDiff{Key: f.Path, Label: f.Label, Section: sectionLabel(f.Section()), Lock: true,
					Before: lockWord(locked), After: lockWord(want)})
			}
		}
	}
	// Zoom's own check of the whole body, option by option, as the PATCHes will carry it.
	for _, part := range e.Set.ByOption() {
		if err := update.Validate(part.Option, part.Settings); err != nil {
			e.Errs[specErrorPath(err)] = "Zoom would not take this: it " + specProblem(err) + "."
		}
	}
	return e
}

// specErrorPath is the path of the field a catalogue check refused ("" when it names none).
func specErrorPath(err error) string {
	var se *spec.Error
	if errors.As(err, &se) {
		path, _, _ := strings.Cut(se.Path, "[") // a list's item: the list's row
		return path
	}
	return ""
}

// specProblem says what a catalogue check found wrong, without the path.
func specProblem(err error) string {
	var se *spec.Error
	if errors.As(err, &se) {
		return se.Problem
	}
	return err.Error()
}

// hiddenForm carries a settings form's values to the review's confirmation: the values that
// change and the locks seen.
func hiddenForm(form url.Values) []templates.Option {
	var out []templates.Option
	for _, k := range slices.Sorted(maps.Keys(form)) {
		if !strings.HasPrefix(k, "set.") && !strings.HasPrefix(k, "lock.") && !strings.HasPrefix(k, "lockseen.") {
			continue
		}
		for _, v := range form[k] {
			out = append(out, templates.Option{Value: k, Label: v})
		}
	}
	return out
}
