package handlers

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
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
		p.Options = append(p.Options, templates.Option{Value: o.Key, Label: o.Label})
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

// previewFleet works out each customer's change from the cache and records the bulk job, not
// started, with a row per customer.
func (h *Handlers) previewFleet(r *http.Request, fs fleetSpec) (store.Import, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	setPaths, lockPaths := templatePaths(fs.tpl)
	members, err := h.store.FleetMembers(ctx, a.Partner.ID, fs.group.ID, setPaths, lockPaths)
	if err != nil {
		return store.Import{}, err
	}
	in := store.NewImport{Kind: store.ImportFleet, Source: fs.source, CreatedBy: &a.Staff.ID,
		Options: map[string]any{"group": fs.group.ID, "group_name": fs.group.Name, "action": fs.action}}
	for i, m := range members {
		row := store.ImportRow{Line: i + 1, CustomerID: &m.CustomerID, ZoomAccountID: m.ZoomAccountID, State: store.RowReady}
		ch, skip := fleetChangeOf(fs, a.Partner.ID, m)
		switch {
		case skip != "":
			row.State, row.Message = store.RowInvalid, skip
		case ch.Empty() && len(ch.Missing) > 0:
			labels := make([]string, len(ch.Missing))
			for i, k := range ch.Missing {
				labels[i] = fleetKeyLabel(k)
			}
			row.State, row.Message = store.RowInvalid, "Not changed: its plan lacks "+strings.Join(labels, ", ")+"."
		case ch.Empty():
			row.State, row.Message = store.RowInvalid, "Already as wanted: no call needed."
		}
		row.Change = details(ch)
		in.Rows = append(in.Rows, row)
	}
	return h.store.CreateImport(ctx, a.Partner.ID, in, h.requestEvent(r))
}

// fleetChangeOf works out one customer's change from its cached settings and options: what
// differs is sent, what complies is not, what its plan lacks is reported (a setting not read
// yet is sent whole, but not when enforcing, which acts on known drift only). skip says why a
// customer is not changed at all.
func fleetChangeOf(fs fleetSpec, partnerID int64, m store.FleetMember) (service.FleetChange, string) {
	ch := service.FleetChange{Action: fs.action, Before: map[string]any{}, After: map[string]any{}, Extra: fs.extra}
	switch {
	case m.PartnerID != partnerID:
		return ch, "A reseller's customer: read only here, not changed."
	case m.Status != store.CustomerActive:
		return ch, "Not changed: the customer is " + string(m.Status) + " in Tierdesk."
	}
	if fs.options != nil {
		var cur map[string]any
		_ = json.Unmarshal(m.Options, &cur)
		upd := &zoom.AccountOptionsUpdate{}
		for _, o := range fleetOptionKeys {
			want, ok := fs.options[o.Key]
			if !ok {
				continue
			}
			have, known := cur[o.Key].(bool)
			if known && have == want {
				continue
			}
			switch o.Key {
			case "billing_auto_renew":
				upd.BillingAutoRenew = zoom.Bool(want)
			case "share_rc":
				upd.ShareRC = zoom.Bool(want)
			case "share_mc":
				upd.ShareMC = zoom.Bool(want)
			}
			ch.After[o.Key] = want
			if known {
				ch.Before[o.Key] = have
			} else {
				ch.Before[o.Key] = nil
			}
		}
		ch.Options = upd
		return ch, ""
	}
	if m.SettingsError != "" {
		return ch, "Not changed: Zoom keeps no settings for this account (" + m.SettingsError + ")."
	}
	unread := !m.SettingsRead
	if unread && fs.onlyDrifted {
		return ch, "Not read yet: its drift is not known."
	}
	ch.Set, ch.Locks = zoom.Settings{}, zoom.Settings{}
	valueOf := func(path string) (any, bool) { v, ok := m.Settings[path]; return v, ok }
	lockOf := func(path string) (any, bool) { v, ok := m.Locks[path]; return v, ok }
	for _, it := range templateItemsOf(fs.tpl) {
		key := it.Field.Path
		if it.Lock {
			key = "locked." + key
		}
		notRead := unread || it.Lock && !m.LocksRead
		var c templateCheck
		if !notRead {
			c = it.check(valueOf, lockOf)
			switch {
			case !c.Known:
				ch.Missing = append(ch.Missing, key)
				continue
			case !c.Differs:
				continue
			}
		} else if fs.onlyDrifted {
			continue
		}
		if it.Lock {
			setAt(ch.Locks, it.Field.Path, it.Want)
		} else {
			setAt(ch.Set, it.Field.Path, it.Want)
		}
		ch.Before[key], ch.After[key] = c.Cur, it.Want
	}
	return ch, ""
}

// enforceStandard previews bringing a standard's drifted customers back (POST
// /standards/{standardId}/enforce): only the values and locks the cache shows drifted, never a
// setting a customer's plan lacks, nothing for customers not read yet. A standard in report
// mode offers no such thing.
func (h *Handlers) enforceStandard(w http.ResponseWriter, r *http.Request) error {
	st, err := h.standardTarget(r, chi.URLParam(r, "standardId"), policy.RunBulk)
	if err != nil {
		return err
	}
	if st.Mode != store.StandardEnforce {
		return &pageError{status: http.StatusConflict, title: "Report mode",
			message: "This standard is in report mode: it shows drift and changes nothing. Edit it to enforce mode first."}
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	t, err := h.store.SettingsTemplateByID(ctx, a.Partner.ID, st.TemplateID)
	if err != nil {
		return err
	}
	g, err := h.store.Group(ctx, a.Partner.ID, st.GroupID)
	if err != nil {
		return err
	}
	imp, err := h.previewFleet(r, fleetSpec{group: g, tpl: t, action: audit.CustomerSettingsTemplate, onlyDrifted: true,
		extra:  map[string]any{"template": t.Name, "standard": st.Name},
		source: "Standard “" + st.Name + "”: drifted customers of group “" + g.Name + "” back to template “" + t.Name + "”"})
	if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Import(imp.ID), http.StatusSeeOther)
	return nil
}

// fleetKeyLabel names a change's key for people: a setting's name, its lock, an option.
func fleetKeyLabel(key string) string {
	path, lock := strings.CutPrefix(key, "locked.")
	if i, ok := accountCatalogue.byPath[path]; ok {
		if lock {
			return accountCatalogue.fields[i].Label + " (lock)"
		}
		return accountCatalogue.fields[i].Label
	}
	for _, o := range fleetOptionKeys {
		if o.Key == key {
			return o.Label
		}
	}
	return key
}

// fleetValue writes a change's value for people.
func fleetValue(key string, v any) string {
	path, lock := strings.CutPrefix(key, "locked.")
	switch {
	case v == nil:
		return "not read"
	case lock:
		b, _ := v.(bool)
		return lockWord(b)
	}
	if i, ok := accountCatalogue.byPath[path]; ok {
		f := accountCatalogue.fields[i]
		return displayValue(f, formValue(f, v))
	}
	if b, ok := v.(bool); ok {
		return map[bool]string{true: "On", false: "Off"}[b]
	}
	return fmt.Sprint(v)
}

// fleetPreviewShown is how many customers the preview lists (the counts cover all).
const fleetPreviewShown = 500

// fleetPreview shows a change across customers before it starts (GET /imports/{importId} of a
// fleet bulk job): which customers get which calls, which need none and why, and how long it
// takes at the partner's current rate budget.
func (h *Handlers) fleetPreview(w http.ResponseWriter, r *http.Request, imp store.Import) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	rows, err := h.store.ImportRows(ctx, a.Partner.ID, imp.ID, store.RowFilter{})
	if err != nil {
		return err
	}
	p := templates.FleetPreviewPage{Source: imp.Source, StartURL: paths.ImportStart(imp.ID), DiscardURL: paths.ImportDiscard(imp.ID),
		CanStart: imp.PartnerID == a.Partner.ID && h.allowed(r, policy.RunBulk)}
	optionCalls := 0
	for _, row := range rows {
		ch, err := changeOfRow(row)
		if err != nil {
			return err
		}
		v := templates.FleetRowView{Customer: row.CustomerName, URL: paths.CustomerSettings(row.ZoomAccountID), Message: row.Message}
		switch {
		case row.State == store.RowReady:
			p.ToChange++
			v.State, v.Kind = "will change", "info"
			for _, c := range ch.Calls() {
				call := templates.FleetCallView{Call: c.Call.String()}
				if c.Option != "" {
					call.Call += "?option=" + c.Option
				}
				for _, k := range c.Keys {
					call.Changes = append(call.Changes, fleetKeyLabel(k)+": "+fleetValue(k, ch.Before[k])+" → "+fleetValue(k, ch.After[k]))
				}
				v.Calls = append(v.Calls, call)
				p.Calls++
			}
			if len(ch.Missing) > 0 {
				labels := make([]string, len(ch.Missing))
				for i, k := range ch.Missing {
					labels[i] = fleetKeyLabel(k)
				}
				v.Message = "Its plan lacks " + strings.Join(labels, ", ") + ": not sent."
				p.Missing++
			}
		case ch.Empty() && len(ch.Missing) > 0:
			p.Missing++
			v.State, v.Kind = "missing", "warn"
		case strings.HasPrefix(row.Message, "Already"):
			p.Compliant++
			v.State, v.Kind = "compliant", "ok"
		default:
			p.Skipped++
			v.State, v.Kind = "skipped", "muted"
		}
		p.Rows = append(p.Rows, v)
		if ch.Options != nil {
			optionCalls += len(v.Calls)
		}
	}
	// The customers that change first, then the first fleetPreviewShown of them all.
	slices.SortStableFunc(p.Rows, func(a, b templates.FleetRowView) int { return fleetOrder(a.State) - fleetOrder(b.State) })
	p.Rows = p.Rows[:min(len(p.Rows), fleetPreviewShown)]
	p.More = max(len(rows)-len(p.Rows), 0)
	p.Customers = len(rows)
	p.ETA = "—"
	// Settings are Medium calls, options Light ones: each at its budget's rate.
	if zc, err := h.zoomReader(r); err == nil && p.Calls > 0 {
		medium, light := zc.Rate(zoom.Medium), zc.Rate(zoom.Light)
		rate := medium
		if optionCalls > 0 {
			rate = light
		}
		if medium > 0 && light > 0 {
			secs := float64(p.Calls-optionCalls)/medium + float64(optionCalls)/light
			p.Rate = strconv.FormatFloat(rate, 'f', 0, 64) + " calls/s"
			p.ETA = "about " + roughDuration(time.Duration(secs*float64(time.Second)))
		}
	}
	h.render(w, r, http.StatusOK, templates.FleetPreview(h.chrome(r, "Preview: change many customers", "imports"), p))
	return nil
}

// fleetOrder lists the customers that will change first.
func fleetOrder(state string) int {
	return map[string]int{"will change": 0, "missing": 1, "skipped": 2, "compliant": 3}[state]
}

// changeOfRow reads a fleet row's change.
func changeOfRow(row store.ImportRow) (service.FleetChange, error) {
	var ch service.FleetChange
	if err := json.Unmarshal(row.Change, &ch); err != nil {
		return ch, fmt.Errorf("change of row %d: %w", row.Line, err)
	}
	return ch, nil
}

// startFleet starts a previewed change across customers as one durable job (POST
// /imports/{importId}/start of a fleet bulk job).
func (h *Handlers) startFleet(w http.ResponseWriter, r *http.Request, imp store.Import) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	j, err := jobs.StartFleet(ctx, h.store, h.river, a.Partner.ID, a.Staff.ID, imp.ID, imp.Source, h.requestEvent(r))
	if errors.Is(err, store.ErrConflict) {
		h.flash(ctx, "info", "This change was already started or discarded.")
		http.Redirect(w, r, "/imports", http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Job(j.ID), http.StatusSeeOther)
	return nil
}

// fleetResultsHeader are the columns of a change across customers' results file.
var fleetResultsHeader = []string{"line", "customer_account_id", "customer", "result", "message", "wanted", "missing", "zoom_code",
	"zoom_message", "attempts", "sent_at", "finished_at"}

// writeFleetResults writes a change across customers' per-customer results as CSV: what each
// was to get (wanted, as JSON by key), what happened, and Zoom's refusal when it refused.
func writeFleetResults(w http.ResponseWriter, j store.Job, rows []store.ImportRow) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tierdesk-job-`+j.ID+`-results.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	if err := cw.Write(fleetResultsHeader); err != nil {
		return err
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, row := range rows {
		ch, err := changeOfRow(row)
		if err != nil {
			return err
		}
		wanted := ""
		if !ch.Empty() {
			wanted = string(details(ch.After))
		}
		result := resultLabel(row.State)
		if row.State == store.RowInvalid {
			result = "no call"
		}
		rec := []string{strconv.Itoa(row.Line), row.ZoomAccountID, row.CustomerName, result, row.Message, wanted,
			strings.Join(ch.Missing, " "), strconv.Itoa(row.ZoomCode), row.ZoomMessage, strconv.Itoa(row.Attempts), ts(row.SentAt), ts(row.FinishedAt)}
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
