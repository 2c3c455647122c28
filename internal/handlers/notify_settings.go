package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// notifyKindLabels name the kinds a partner's outgoing webhook may receive, on its form.
var notifyKindLabels = map[string]string{
	jobs.NotifyDelegationRequested: "A delegation is asked for",
	jobs.NotifyDelegationApproved:  "A delegation is approved",
	jobs.NotifyDelegationDeclined:  "A delegation is declined",
	jobs.NotifyDelegationEnded:     "A delegation is ended",
	jobs.NotifyDelegationExpired:   "A delegation expired",
	jobs.NotifyDelegationLapsed:    "A request for a delegation lapsed",
	jobs.NotifyJobFailed:           "A job failed",
	jobs.NotifyStandardDrift:       "More customers drifted from a standard",
}

// notifyLogSize is how many deliveries the settings page lists.
const notifyLogSize = 50

// notifyPanel builds the outgoing webhook's part of the settings page: the saved webhook
// (or, after a refused form, what was typed) and the latest deliveries.
func (h *Handlers) notifyPanel(ctx context.Context, partnerID int64, form *templates.NotifyPanel) (templates.NotifyPanel, error) {
	var n templates.NotifyPanel
	wh, err := h.store.OutgoingWebhookOf(ctx, partnerID)
	switch {
	case err == nil:
		n = templates.NotifyPanel{Saved: true, URL: wh.URL, Origin: store.Origin(wh.URL), Enabled: wh.Enabled, UpdatedAt: wh.UpdatedAt,
			SecretSet: true} // a saved webhook always has a secret
	case !errors.Is(err, store.ErrNotFound):
		return n, err
	}
	kinds := wh.Kinds
	if form != nil {
		n.URL, n.Enabled, n.Typed = form.URL, form.Enabled, true
		kinds = nil
		for _, k := range form.Kinds {
			kinds = append(kinds, k.Value)
		}
	}
	for _, k := range jobs.NotifyKinds() {
		n.Kinds = append(n.Kinds, templates.NotifyKind{Value: k, Label: notifyKindLabels[k], Checked: slices.Contains(kinds, k)})
	}
	log, err := h.store.Notifications(ctx, partnerID, notifyLogSize)
	if err != nil {
		return n, err
	}
	for _, d := range log {
		row := templates.NotifyDelivery{At: d.CreatedAt, Kind: d.Kind, DeliveryID: d.DeliveryID, Status: d.Status, Attempts: d.Attempts,
			Answer: d.LastError, NextAt: d.NextAttemptAt}
		if row.Answer == "" && d.LastStatus != nil {
			row.Answer = "The receiver answered " + strconv.Itoa(*d.LastStatus) + " " + http.StatusText(*d.LastStatus) + "."
		}
		n.Log = append(n.Log, row)
	}
	return n, nil
}

// saveNotifications saves the partner's outgoing webhook: URL, secret (write-only), the kinds
// it receives and whether it is on (POST /settings/notifications, owners).
func (h *Handlers) saveNotifications(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := h.authorize(r, policy.ManageGrants, target{Type: "partner", Label: "Outgoing webhook"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	rawURL := strings.TrimSpace(r.PostFormValue("notify_url"))
	secret := r.PostFormValue("notify_secret")
	enabled := r.PostFormValue("notify_enabled") != ""
	kinds := r.PostForm["notify_kinds"]
	form := &templates.NotifyPanel{URL: rawURL, Enabled: enabled}
	errs := map[string]string{}
	for _, k := range kinds {
		if !slices.Contains(jobs.NotifyKinds(), k) {
			errs["notify_kinds"] = "Choose among the events listed."
			continue
		}
		form.Kinds = append(form.Kinds, templates.NotifyKind{Value: k})
	}
	u, err := jobs.CheckWebhookURL(rawURL)
	switch {
	case rawURL == "":
		errs["notify_url"] = "Enter the URL Tierdesk posts events to."
	case utf8.RuneCountInString(rawURL) > 2000:
		errs["notify_url"] = "That URL is too long (2,000 characters at most)."
	case err != nil:
		errs["notify_url"] = "That URL cannot be used: " + err.Error() + "."
	}
	if n := utf8.RuneCountInString(secret); secret != "" && (n < 16 || n > 200 || strings.TrimSpace(secret) != secret) {
		errs["notify_secret"] = "Use 16 to 200 characters, with no spaces at either end."
	}
	if enabled && len(kinds) == 0 && errs["notify_kinds"] == "" {
		errs["notify_kinds"] = "Choose at least one event, or uncheck \"Send events\"."
	}
	if len(errs) == 0 {
		err = h.store.SetOutgoingWebhook(ctx, a.Partner.ID, store.OutgoingWebhookChange{URL: u, Secret: secret, Enabled: enabled, Kinds: kinds}, h.requestEvent(r))
		var ve *store.ValidationError
		if errors.As(err, &ve) {
			for f, m := range ve.Fields {
				errs["notify_"+f] = m
			}
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		n, err := h.notifyPanel(ctx, a.Partner.ID, form)
		if err != nil {
			return err
		}
		return h.renderSettings(w, r, http.StatusUnprocessableEntity, templates.SettingsPage{Errors: errs, Notify: n})
	}
	if enabled {
		h.flash(ctx, "ok", "Outgoing webhook saved. Send a test event to check that your receiver accepts it.")
	} else {
		h.flash(ctx, "ok", "Outgoing webhook saved, and off: no events are sent until you turn it on.")
	}
	http.Redirect(w, r, "/settings#notify", http.StatusSeeOther)
	return nil
}

// testNotification sends a test event to the partner's outgoing webhook (POST
// /settings/notifications/test, owners); the delivery log shows how it went.
func (h *Handlers) testNotification(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ManageGrants, target{Type: "partner", Label: "Outgoing webhook"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	wh, err := h.store.OutgoingWebhookOf(ctx, a.Partner.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil || !wh.Enabled {
		h.flash(ctx, "bad", "Nothing was sent: save the outgoing webhook with \"Send events\" checked first.")
		http.Redirect(w, r, "/settings#notify", http.StatusSeeOther)
		return nil
	}
	if err := jobs.Notify(ctx, h.store, h.river, a.Partner.ID, jobs.NotifyTest, map[string]any{
		"message": "A test event from Tierdesk, sent by " + a.Staff.Email + ".", "sent_by": a.Staff.Email}); err != nil {
		return err
	}
	ev := h.requestEvent(r)
	ev.Action, ev.Outcome = audit.PartnerNotifyTest, store.OutcomeSucceeded
	ev.TargetType, ev.TargetID, ev.TargetLabel = "partner", strconv.FormatInt(a.Partner.ID, 10), "Outgoing webhook"
	h.auditAlone(r, ev)
	h.flash(ctx, "ok", "Test event queued: its delivery shows below in a moment.")
	http.Redirect(w, r, "/settings#notify-log", http.StatusSeeOther)
	return nil
}
