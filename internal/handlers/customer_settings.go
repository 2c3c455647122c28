package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// settingDef is one of the common settings the settings tab shows and edits.
type settingDef struct {
	section, field, label, help string
	choices                     []templates.Option // none: an on/off setting
}

// commonSettings are the settings partners change most (ZOOM_API §1.7); Zoom has hundreds.
var commonSettings = []settingDef{
	{section: "schedule_meeting", field: "host_video", label: "Host video on when a meeting starts"},
	{section: "schedule_meeting", field: "participants_video", label: "Participants' video on when they join"},
	{section: "schedule_meeting", field: "join_before_host", label: "Participants may join before the host"},
	{section: "schedule_meeting", field: "mute_upon_entry", label: "Mute participants when they join"},
	{section: "in_meeting", field: "waiting_room", label: "Waiting room", help: "Participants wait until the host admits them."},
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
		row := templates.SettingRow{Key: def.key(), Label: def.label, Help: def.help, Kind: "bool", Choices: def.choices}
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
	a := staffFrom(ctx)
	h.expireDetails(r, c) // compare with Zoom's values now, not the cache's
	d, err := h.customerDetails(r, c, "settings", "lock_settings")
	if err != nil {
		return err
	}
	if d.Notice != "" || d.Settings == nil {
		return &pageError{status: http.StatusBadGateway, title: "Zoom is not answering",
			message: "Tierdesk could not read the customer's current settings from Zoom, so nothing was changed. Try again in a moment."}
	}
	_, set, lock := settingsRows(d)
	update, lockUpdate := zoom.Settings{}, zoom.Settings{}
	before, after := map[string]any{}, map[string]any{}
	errs := map[string]string{}
	for _, def := range commonSettings {
		cur, known := settingValue(set, def)
		if v := r.PostFormValue("set." + def.key()); v != "" && known && v != cur {
			if def.choices == nil {
				if v != "true" && v != "false" {
					errs[def.key()] = "Choose on or off."
					continue
				}
				update = update.Set(def.section, def.field, v == "true")
			} else {
				ok := false
				for _, o := range def.choices {
					ok = ok || o.Value == v
				}
				if !ok {
					errs[def.key()] = "Choose one of the values offered."
					continue
				}
				update = update.Set(def.section, def.field, v)
			}
			before[def.key()], after[def.key()] = cur, v
		}
		if r.PostFormValue("lockseen."+def.key()) != "" {
			locked, _ := lock.Bool(def.section, def.field)
			if want := r.PostFormValue("lock."+def.key()) == "1"; want != locked {
				lockUpdate = lockUpdate.Set(def.section, def.field, want)
				before["locked."+def.key()], after["locked."+def.key()] = locked, want
			}
		}
	}
	if len(errs) > 0 {
		p := templates.SettingsTabPage{Head: h.customerHead(r, c, "/settings", d), CanEdit: true, Errors: errs}
		p.Rows, _, _ = settingsRows(d)
		h.render(w, r, http.StatusUnprocessableEntity, templates.CustomerSettings(h.chrome(r, c.AccountName, "customers"), p))
		return nil
	}
	if len(before) == 0 {
		h.flash(ctx, "info", "Nothing changed.")
		http.Redirect(w, r, customerURL(c, "/settings"), http.StatusSeeOther)
		return nil
	}
	zc, err := h.zoomFor(r)
	if err != nil {
		return err
	}
	ev := h.withGrant(r, zc)
	ev.Action = "customer.settings"
	ev.Details = details(map[string]any{"before": before, "after": after})
	show := func(msg string) error {
		h.flash(ctx, "bad", msg)
		http.Redirect(w, r, customerURL(c, "/settings"), http.StatusSeeOther)
		return nil
	}
	if len(update) > 0 {
		if _, err := zc.UpdateAccountSettings(ctx, c.ZoomAccountID, update, nil); err != nil {
			return h.zoomRefused(w, r, c, ev, err, show)
		}
	}
	if len(lockUpdate) > 0 {
		if _, err := zc.UpdateLockSettings(ctx, c.ZoomAccountID, lockUpdate, nil); err != nil {
			if len(update) > 0 {
				// The settings went through; only the locks did not: record both truthfully.
				ok := ev
				ok.Details = details(map[string]any{"before": onlyKeys(before, false), "after": onlyKeys(after, false)})
				if _, err := h.store.RecordCustomerChange(ctx, a.Partner.ID, c.ID, store.CustomerUpdate{}, ok); err != nil {
					return err
				}
				ev.Details = details(map[string]any{"before": onlyKeys(before, true), "after": onlyKeys(after, true)})
			}
			return h.zoomRefused(w, r, c, ev, err, show)
		}
	}
	if _, err := h.store.RecordCustomerChange(ctx, a.Partner.ID, c.ID, store.CustomerUpdate{}, ev); err != nil {
		return err
	}
	h.expireDetails(r, c)
	h.flash(ctx, "ok", fmt.Sprintf("%d setting(s) of %s changed in Zoom.", len(before), c.AccountName))
	http.Redirect(w, r, customerURL(c, "/settings"), http.StatusSeeOther)
	return nil
}

// onlyKeys keeps the lock entries (locks true) or the setting entries (locks false).
func onlyKeys(m map[string]any, locks bool) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if strings.HasPrefix(k, "locked.") == locks {
			out[k] = v
		}
	}
	return out
}
