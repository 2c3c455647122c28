package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

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

// settingDef is one of the common settings the settings tab shows and edits.
type settingDef struct {
	section, field, label, help string
	choices                     []templates.Option // none: an on/off setting
}

// commonSettings are the settings partners change most (ZOOM_API §1.7); Zoom has hundreds.
// Each is a field of Zoom's account settings (internal/zoom/spec, checked by
// TestCommonSettingsAreZooms): the waiting room is in the meeting_security section, which Zoom
// answers and changes only with ?option=meeting_security (customerDetails reads it, the
// service sends it so). Zoom's account settings have no "mute upon entry" (it is a setting of
// each meeting), so the tab does not offer it.
var commonSettings = []settingDef{
	{section: "schedule_meeting", field: "host_video", label: "Host video on when a meeting starts"},
	{section: "schedule_meeting", field: "participant_video", label: "Participants' video on when they join"},
	{section: "schedule_meeting", field: "join_before_host", label: "Participants may join before the host"},
	{section: "meeting_security", field: "waiting_room", label: "Waiting room", help: "Participants wait until the host admits them."},
	{section: "in_meeting", field: "chat", label: "In-meeting chat"},
	{section: "in_meeting", field: "screen_sharing", label: "Screen sharing"},
	{section: "in_meeting", field: "who_can_share_screen", label: "Who can share their screen",
		choices: []templates.Option{{Value: "host", Label: "Host only"}, {Value: "all", Label: "All participants"}}},
	{section: "in_meeting", field: "entry_exit_chime", label: "Chime when someone joins or leaves",
		choices: []templates.Option{{Value: "host", Label: "Heard by the host"}, {Value: "all", Label: "Heard by everyone"}, {Value: "none", Label: "Off"}}},
	{section: "recording", field: "local_recording", label: "Local recording"},
	{section: "recording", field: "cloud_recording", label: "Cloud recording"},
	{section: "recording", field: "auto_recording", label: "Record automatically",
		choices: []templates.Option{{Value: "none", Label: "No"}, {Value: "local", Label: "On this computer"}, {Value: "cloud", Label: "In the cloud"}}},
}

func (d settingDef) key() string { return d.section + "." + d.field }

// lockable reports whether Zoom's lock settings have a lock (a boolean) for the setting.
func (d settingDef) lockable() bool {
	f, ok := spec.LockSettings.Lookup(d.key())
	return ok && f.Type == spec.Bool
}

// settingValue reads a setting as the form shows it ("true"/"false" or the choice).
func settingValue(s zoom.Settings, d settingDef) (string, bool) {
	if d.choices == nil {
		b, ok := s.Bool(d.section, d.field)
		return fmt.Sprint(b), ok
	}
	return s.String(d.section, d.field)
}

// settingsRows builds the tab's rows from Zoom's settings and lock settings.
func settingsRows(d detailsView) ([]templates.SettingRow, zoom.Settings, zoom.Settings) {
	var set, lock zoom.Settings
	_ = json.Unmarshal(d.Settings, &set)
	_ = json.Unmarshal(d.LockSettings, &lock)
	var rows []templates.SettingRow
	for _, def := range commonSettings {
		row := templates.SettingRow{Key: def.key(), Label: def.label, Help: def.help, Kind: "bool", Choices: def.choices, Lockable: def.lockable()}
		if def.choices != nil {
			row.Kind = "choice"
		}
		row.Value, row.Known = settingValue(set, def)
		row.Locked, _ = lock.Bool(def.section, def.field)
		rows = append(rows, row)
	}
	return rows, set, lock
}

// customerSettings shows a customer's common settings and lock settings (GET
// /customers/{accountId}/settings).
func (h *Handlers) customerSettings(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ViewCustomer)
	if err != nil {
		return err
	}
	d, err := h.customerDetails(r, c, "settings", "lock_settings")
	if err != nil {
		return err
	}
	head := h.customerHead(r, c, "/settings", d)
	p := templates.SettingsTabPage{Head: head, CanEdit: head.CanEdit}
	p.Rows, _, _ = settingsRows(d)
	switch {
	case d.Unreliable["settings"] != "":
		p.Note = d.Unreliable["settings"]
	case d.Settings == nil:
		p.Note = "Tierdesk has not seen this customer's settings yet."
	}
	h.render(w, r, http.StatusOK, templates.CustomerSettings(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}

// changeCustomerSettings sends the settings and locks that changed (POST
// /customers/{accountId}/settings). Zoom's current values are read first, so only what
// the person changed is sent, and the audit event holds exactly that before and after.
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
	_, set, lock := settingsRows(d)
	ch := service.SettingsChange{Action: audit.CustomerSettings, Set: zoom.Settings{}, Locks: zoom.Settings{}, Before: map[string]any{}, After: map[string]any{}}
	errs := map[string]string{}
	for _, def := range commonSettings {
		cur, known := settingValue(set, def)
		if v := r.PostFormValue("set." + def.key()); v != "" && known && v != cur {
			switch {
			case def.choices == nil && v != "true" && v != "false":
				errs[def.key()] = "Choose on or off."
				continue
			case def.choices == nil:
				ch.Set = ch.Set.Set(def.section, def.field, v == "true")
			case !validChoice(def, v):
				errs[def.key()] = "Choose one of the values offered."
				continue
			default:
				ch.Set = ch.Set.Set(def.section, def.field, v)
			}
			ch.Before[def.key()], ch.After[def.key()] = cur, v
		}
		if def.lockable() && r.PostFormValue("lockseen."+def.key()) != "" {
			locked, _ := lock.Bool(def.section, def.field)
			if want := r.PostFormValue("lock."+def.key()) == "1"; want != locked {
				ch.Locks = ch.Locks.Set(def.section, def.field, want)
				ch.Before["locked."+def.key()], ch.After["locked."+def.key()] = locked, want
			}
		}
	}
	if len(errs) > 0 {
		p := templates.SettingsTabPage{Head: h.customerHead(r, c, "/settings", d), CanEdit: true, Errors: errs}
		p.Rows, _, _ = settingsRows(d)
		h.render(w, r, http.StatusUnprocessableEntity, templates.CustomerSettings(h.chrome(r, c.AccountName, "customers"), p))
		return nil
	}
	if len(ch.Before) == 0 {
		h.flash(ctx, "info", "Nothing changed.")
		http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	done, err := h.sendSettings(w, r, c, ch, func(msg string) error {
		h.flash(ctx, "bad", msg)
		http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	})
	if !done {
		return err
	}
	h.flash(ctx, "ok", countOf(len(ch.Before), "change", "changes")+" to the settings of "+c.AccountName+" made in Zoom.")
	http.Redirect(w, r, paths.CustomerSettings(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

// currentSettings reads customer c's settings and lock settings from Zoom now, not from the
// cache, so that a change (audited as action, with extra details) is compared with Zoom's
// own values. When they cannot be read, nothing is sent: the change is audited as failed
// with the reason, and the returned page says it: Zoom is not answering, or Zoom does not
// give this customer's settings (a free account, for example).
func (h *Handlers) currentSettings(r *http.Request, c store.Customer, action audit.Action, extra map[string]any) (detailsView, error) {
	if err := h.store.ExpireCustomerDetails(r.Context(), staffFrom(r.Context()).Partner.ID, c.ID); err != nil {
		return detailsView{}, err
	}
	d, err := h.customerDetails(r, c, "settings", "lock_settings")
	if err != nil {
		return d, err
	}
	var reason string
	var refusal *pageError
	switch {
	case d.Notice != "" || (d.Settings == nil && d.Unreliable["settings"] == ""):
		reason = "Zoom could not be reached to read the customer's current settings"
		refusal = &pageError{status: http.StatusBadGateway, title: "Zoom is not answering",
			message: "Tierdesk could not read the customer's current settings from Zoom, so nothing was changed. Try again in a moment."}
	case d.Unreliable["settings"] != "":
		reason = d.Unreliable["settings"]
		refusal = &pageError{status: http.StatusConflict, title: "Not possible for this customer",
			message: "Zoom does not give Tierdesk this customer's settings, so nothing was changed: " + reason}
	default:
		return d, nil
	}
	ev := h.requestEvent(r)
	ev.Action, ev.Outcome = action, store.OutcomeFailed
	ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID
	m := map[string]any{"reason": reason, "note": "nothing was sent to Zoom"}
	for k, v := range extra {
		m[k] = v
	}
	ev.Details = details(m)
	h.auditAlone(r, ev)
	return d, refusal
}

// sendSettings sends ch through the service and tells the person what happened: a partial
// change or a refusal with show, a lost answer on the customer's page, anything else as the
// error page. It reports whether everything was done; when not, err is what the handler
// returns.
func (h *Handlers) sendSettings(w http.ResponseWriter, r *http.Request, c store.Customer, ch service.SettingsChange, show func(string) error) (bool, error) {
	res, err := h.svc.SetCustomerSettings(r.Context(), serviceActor(r), h.requestEvent(r), c, ch)
	switch {
	case err != nil:
		return false, err
	case res.Message != "":
		return false, show(res.Message)
	case !res.Done:
		return false, h.notDone(w, r, c, res.CustomerResult, show)
	}
	return true, nil
}

// countOf says how many of something there are: "1 setting", "3 settings".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
