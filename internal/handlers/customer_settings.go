package handlers

import (
	"net/http"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
)

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
