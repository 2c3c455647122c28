package handlers

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// settingsPage shows how the partner reaches Zoom (GET /settings).
func (h *Handlers) settingsPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "partner"}); err != nil {
		return err
	}
	return h.renderSettings(w, r, http.StatusOK, templates.SettingsPage{})
}

func (h *Handlers) renderSettings(w http.ResponseWriter, r *http.Request, status int, p templates.SettingsPage) error {
	a := staffFrom(r.Context())
	p.ZoomAccountID = a.Partner.ZoomAccountID
	p.CanManage = h.allowed(r, policy.ManageGrants)
	g, err := h.store.S2SGrant(r.Context(), a.Partner.ID)
	switch {
	case err == nil:
		p.S2SConfigured, p.S2SClientID, p.S2SUpdatedAt = true, g.ClientID, g.UpdatedAt
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	wh, err := h.store.WebhookStatusOf(r.Context(), a.Partner.ID)
	if err != nil {
		return err
	}
	p.Webhook = templates.WebhookPanel{EndpointURL: h.baseURL(r) + paths.ZoomWebhook(a.Partner.ID), Configured: wh.Configured, UpdatedAt: wh.UpdatedAt,
		LastValidatedAt: wh.LastValidatedAt, LastEventAt: wh.LastEventAt, Events: webhookEvents}
	if p.Notify.Kinds == nil { // a refused form of the outgoing webhook brings its own
		if p.Notify, err = h.notifyPanel(r.Context(), a.Partner.ID, nil); err != nil {
			return err
		}
	}
	h.render(w, r, status, templates.Settings(h.chrome(r, "Settings", "settings"), p))
	return nil
}

// secretTokenPattern is what a Zoom app's Secret Token looks like (22 letters and digits;
// some room either side).
var secretTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)

// webhookEvents are the events Tierdesk follows, for the partner's event subscription.
var webhookEvents = []string{"account.created", "account.updated", "account.disassociated", "account.settings_updated",
	"account.lock_settings_updated", "user.created", "user.updated", "user.activated", "user.deactivated",
	"user.disassociated", "user.deleted", "user.invitation_accepted", "app_deauthorized"}

// saveWebhook stores (or, when empty, removes) the Secret Token of the partner's Zoom app's
// event subscription (POST /settings/webhook, owners).
func (h *Handlers) saveWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := h.authorize(r, policy.ManageGrants, target{Type: "partner", Label: "Zoom webhook"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	secret := strings.TrimSpace(r.PostFormValue("secret_token"))
	if secret != "" && !secretTokenPattern.MatchString(secret) {
		return h.renderSettings(w, r, http.StatusUnprocessableEntity, templates.SettingsPage{Errors: map[string]string{
			"secret_token": "That is not a Zoom Secret Token: copy it whole from your app's Features page (22 letters and digits).",
		}})
	}
	if err := h.store.SetWebhookSecret(ctx, a.Partner.ID, secret, h.requestEvent(r)); err != nil {
		return err
	}
	if secret == "" {
		h.flash(ctx, "ok", "The webhook is off: Tierdesk learns of changes made in Zoom at the next sync.")
	} else {
		h.flash(ctx, "ok", "Secret Token saved. Add the endpoint URL to your Zoom app's event subscription: Zoom validates it at once.")
	}
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
	return nil
}

// saveS2S checks a Server-to-Server app's credentials with Zoom (it must belong to this
// partner's account and list its sub accounts) and stores them (POST /settings/s2s, owners).
func (h *Handlers) saveS2S(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := h.authorize(r, policy.ManageGrants, target{Type: "grant", Label: "server-to-server"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	clientID, secret := strings.TrimSpace(r.PostFormValue("client_id")), strings.TrimSpace(r.PostFormValue("client_secret"))
	p := templates.SettingsPage{ClientID: clientID, Errors: map[string]string{}}
	if clientID == "" {
		p.Errors["client_id"] = "Enter the app's client id (Zoom App Marketplace, your Server-to-Server app, App Credentials)."
	}
	if secret == "" {
		p.Errors["client_secret"] = "Enter the app's client secret."
	}
	if len(p.Errors) > 0 {
		return h.renderSettings(w, r, http.StatusUnprocessableEntity, p)
	}
	zc, err := h.zoom.S2SClient(zoom.S2SCredentials{AccountID: a.Partner.ZoomAccountID, ClientID: clientID, ClientSecret: secret})
	if err != nil {
		return err
	}
	// A refusal is audited without the secret: the client id names the app.
	refused := func(outcome store.Outcome, err error, reason string) {
		ev := h.requestEvent(r)
		ev.Action, ev.Outcome = audit.GrantS2SSave, outcome
		ev.TargetType, ev.TargetLabel = "grant", clientID
		if ze, ok := zoom.AsError(err); ok {
			ev.ZoomCode, ev.ZoomMessage = ze.Code, ze.Message
		}
		ev.Details = details(map[string]any{"client_id": clientID, "zoom_account_id": a.Partner.ZoomAccountID, "reason": reason})
		h.auditAlone(r, ev)
	}
	me, _, err := zc.Me(ctx)
	if err == nil && me.AccountID != a.Partner.ZoomAccountID {
		refused(store.OutcomeDenied, nil, "the app belongs to another Zoom account ("+me.AccountID+")")
		p.Errors["client_id"] = "This app belongs to another Zoom account (" + me.AccountID + "), not to " + a.Partner.Name + "."
		return h.renderSettings(w, r, http.StatusUnprocessableEntity, p)
	}
	if err == nil {
		_, _, err = zc.ListSubAccountsPage(ctx, 1, "")
	}
	if err != nil {
		refused(store.OutcomeFailed, err, zoom.Explain(err))
		if zoom.NeedsReauth(err) {
			p.Errors["client_secret"] = "Zoom refused these credentials for account " + a.Partner.ZoomAccountID + ". Check the client id and secret, and that the app is activated."
		} else {
			p.Errors["client_id"] = "Zoom refused a test call with this app: " + zoom.Explain(err) + " Give the app the scopes listed in the README."
		}
		return h.renderSettings(w, r, http.StatusUnprocessableEntity, p)
	}
	if _, err := h.store.SaveS2SGrant(ctx, a.Partner.ID, a.Partner.ZoomAccountID, clientID, secret, h.requestEvent(r)); err != nil {
		return err
	}
	h.flash(ctx, "ok", "The Server-to-Server app is connected: Tierdesk now reaches Zoom through it.")
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
	return nil
}

// removeS2S removes the partner's Server-to-Server app (POST /settings/s2s/remove, owners).
func (h *Handlers) removeS2S(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ManageGrants, target{Type: "grant", Label: "server-to-server"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	if err := h.store.RemoveS2SGrant(r.Context(), a.Partner.ID, h.requestEvent(r)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	h.flash(r.Context(), "ok", "The Server-to-Server app is removed.")
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
	return nil
}

// baseURL is the portal's public origin: the configured one, or this request's host.
func (h *Handlers) baseURL(r *http.Request) string {
	if h.cfg.BaseURL != nil {
		return strings.TrimSuffix(h.cfg.BaseURL.String(), "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
