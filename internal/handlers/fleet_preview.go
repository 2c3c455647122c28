package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	"github.com/tierdesk/tierdesk/web/templates"
)

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
			row.State, row.Message = store.RowInvalid, "Not changed: its plan lacks "+fleetMissingLabels(ch)+"."
		case ch.Empty():
			row.State, row.Message = store.RowInvalid, fleetCompliantMessage
		}
		row.Change = details(ch)
		in.Rows = append(in.Rows, row)
	}
	return h.store.CreateImport(ctx, a.Partner.ID, in, h.requestEvent(r))
}

// fleetCompliantMessage is the message of a customer already as wanted; the preview counts
// the rows carrying it as compliant.
const fleetCompliantMessage = "Already as wanted: no call needed."

// fleetMissingLabels names the settings a customer's plan lacks, for people.
func fleetMissingLabels(ch service.FleetChange) string {
	labels := make([]string, len(ch.Missing))
	for i, k := range ch.Missing {
		labels[i] = fleetKeyLabel(k)
	}
	return strings.Join(labels, ", ")
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
	for _, row := range rows {
		ch, err := service.FleetChangeOf(row)
		if err != nil {
			return err
		}
		v := templates.FleetRowView{Customer: row.CustomerName, URL: paths.CustomerSettings(row.ZoomAccountID), Message: row.Message}
		switch {
		case row.State == store.RowReady:
			p.ToChange++
			v.State, v.Kind = "will change", "info"
			for _, c := range ch.Calls() {
				call := templates.FleetCallView{Call: c.Call.WithOption(c.Option)}
				for _, k := range c.Keys {
					call.Changes = append(call.Changes, fleetKeyLabel(k)+": "+fleetValue(k, ch.Before[k])+" → "+fleetValue(k, ch.After[k]))
				}
				v.Calls = append(v.Calls, call)
				p.Calls++
			}
			if len(ch.Missing) > 0 {
				v.Message = "Its plan lacks " + fleetMissingLabels(ch) + ": not sent."
				p.Missing++
			}
		case ch.Empty() && len(ch.Missing) > 0:
			p.Missing++
			v.State, v.Kind = "missing", "warn"
		case row.Message == fleetCompliantMessage:
			p.Compliant++
			v.State, v.Kind = "compliant", "ok"
		default:
			p.Skipped++
			v.State, v.Kind = "skipped", "muted"
		}
		p.Rows = append(p.Rows, v)
	}
	// The customers that change first, then the first fleetPreviewShown of them all.
	slices.SortStableFunc(p.Rows, func(a, b templates.FleetRowView) int { return fleetOrder(a.State) - fleetOrder(b.State) })
	p.Rows = p.Rows[:min(len(p.Rows), fleetPreviewShown)]
	p.More = max(len(rows)-len(p.Rows), 0)
	p.Customers = len(rows)
	p.ETA = "—"
	// At the rate of the budget the job paces its calls by.
	if zc, err := h.zoomReader(r); err == nil && p.Calls > 0 {
		if rate := zc.Rate(service.FleetLabel(imp)); rate > 0 {
			p.Rate = strconv.FormatFloat(rate, 'f', 0, 64) + " calls/s"
			p.ETA = "about " + roughDuration(time.Duration(float64(p.Calls)/rate*float64(time.Second)))
		}
	}
	h.render(w, r, http.StatusOK, templates.FleetPreview(h.chrome(r, "Preview: change many customers", "imports"), p))
	return nil
}

// fleetOrder lists the customers that will change first.
func fleetOrder(state string) int {
	return map[string]int{"will change": 0, "missing": 1, "skipped": 2, "compliant": 3}[state]
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
