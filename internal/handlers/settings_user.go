package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/spec"
	"github.com/tierdesk/tierdesk/web/templates"
)

// readUserSettings reads a user's settings from Zoom whole: the plain GET and each section Zoom
// answers only under its own option, added under its name. note says why there are none.
func (h *Handlers) readUserSettings(ctx context.Context, r *http.Request, c store.Customer, u store.CustomerUser) (set zoom.Settings, note string, err error) {
	if c.PartnerID != staffFrom(ctx).Partner.ID {
		return nil, "Read only: " + c.PartnerName + " manages this customer, and Zoom gives a user's settings only to the account that manages it.", nil
	}
	if u.Status == store.UserPending {
		return nil, "A pending user has no settings until they accept Zoom's invitation.", nil
	}
	zc, err := h.zoomReader(r)
	if err != nil {
		return nil, "", err
	}
	set, err = zoom.ReadWhole(func(o *zoom.SettingsOptions) (zoom.Settings, error) {
		v, _, err := zc.GetUserSettings(ctx, c.ZoomAccountID, u.Key(), o)
		return v, err
	})
	switch {
	case zoom.IsNotFound(err):
		return nil, "", h.userGone(r, c, u)
	case err != nil:
		return nil, "Zoom did not give this user's settings: " + zoom.Explain(err), nil
	}
	return set, "", nil
}

// userSettingsPage shows every setting Zoom publishes for a user, searchable, with the form
// that changes them (GET /customers/{accountId}/users/{userId}/settings?q=).
func (h *Handlers) userSettingsPage(w http.ResponseWriter, r *http.Request) error {
	c, u, err := h.userTarget(r, policy.ViewCustomer)
	if err != nil {
		return err
	}
	set, note, err := h.readUserSettings(r.Context(), r, c, u)
	if err != nil {
		return err
	}
	return h.renderUserSettings(w, r, c, u, set, note, catalogueInput{q: strings.TrimSpace(r.URL.Query().Get("q"))}, http.StatusOK)
}

// renderUserSettings renders a user's settings page.
func (h *Handlers) renderUserSettings(w http.ResponseWriter, r *http.Request, c store.Customer, u store.CustomerUser, set zoom.Settings, note string, in catalogueInput, status int) error {
	a := staffFrom(r.Context())
	self := paths.UserSettings(c.ZoomAccountID, u.Key())
	p := templates.CatalogueSettingsPage{Head: h.customerHead(r, c, "/users", detailsView{}), Note: note, Self: self, Action: self + "/review",
		User:    &templates.UserHeadRef{Email: u.Email, Path: paths.User(c.ZoomAccountID, u.Key())},
		CanEdit: c.PartnerID == a.Partner.ID && h.allowed(r, policy.ManageUsers)}
	if note == "" {
		in.set, in.lock = set, zoom.Settings{}
		userCatalogue.settingsPage(in, &p)
	}
	h.render(w, r, status, templates.CatalogueSettings(h.chrome(r, u.Email, "customers"), p))
	return nil
}

// userSettingsEdit reads a posted form against the user's settings in Zoom now; ok is false
// when the page (set note) says why nothing can be changed.
func (h *Handlers) userSettingsEdit(r *http.Request, c store.Customer, u store.CustomerUser) (set zoom.Settings, note string, e settingsEdit, err error) {
	if set, note, err = h.readUserSettings(r.Context(), r, c, u); err != nil || note != "" {
		return set, note, e, err
	}
	return set, "", userCatalogue.edit(r.PostForm, set, zoom.Settings{}, spec.UserSettingsUpdate), nil
}

// reviewUserSettings shows what the form would change in the user's settings before anything
// is sent (POST /customers/{accountId}/users/{userId}/settings/review).
func (h *Handlers) reviewUserSettings(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, u, err := h.userTarget(r, policy.ManageUsers)
	if err != nil {
		return err
	}
	set, note, e, err := h.userSettingsEdit(r, c, u)
	if err != nil {
		return err
	}
	self := paths.UserSettings(c.ZoomAccountID, u.Key())
	switch {
	case note != "":
		return h.renderUserSettings(w, r, c, u, nil, note, catalogueInput{}, http.StatusConflict)
	case r.PostFormValue("back") != "" || len(e.Errs) > 0:
		status := http.StatusOK
		if len(e.Errs) > 0 {
			status = http.StatusUnprocessableEntity
		}
		return h.renderUserSettings(w, r, c, u, set, "", catalogueInput{posted: r.PostForm, errs: e.Errs}, status)
	case len(e.Diffs) == 0:
		h.flash(r.Context(), "info", "Nothing changed: every value is already so in Zoom.")
		http.Redirect(w, r, self, http.StatusSeeOther)
		return nil
	}
	p := templates.SettingsReviewPage{Head: h.customerHead(r, c, "/users", detailsView{}), Changes: e.Diffs,
		User:   &templates.UserHeadRef{Email: u.Email, Path: paths.User(c.ZoomAccountID, u.Key())},
		Hidden: hiddenForm(changedOnly(r.PostForm, e)), Action: self, Back: self + "/review", Calls: len(e.Set.ByOption())}
	h.render(w, r, http.StatusOK, templates.SettingsReview(h.chrome(r, u.Email, "customers"), p))
	return nil
}

// changeUserSettings sends the user's settings that differ from Zoom's values now (POST
// /customers/{accountId}/users/{userId}/settings), one audited change per PATCH Zoom takes
// (the plain settings, then each option section); it stops at the first that is not done and
// says what was.
func (h *Handlers) changeUserSettings(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, u, err := h.userTarget(r, policy.ManageUsers)
	if err != nil {
		return err
	}
	ctx := r.Context()
	set, note, e, err := h.userSettingsEdit(r, c, u)
	self := paths.UserSettings(c.ZoomAccountID, u.Key())
	switch {
	case err != nil:
		return err
	case note != "":
		// Nothing can be compared, so nothing is sent: the refusal is audited with its reason.
		ev := h.requestEvent(r)
		ev.Action, ev.Outcome, ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = audit.UserSettings, store.OutcomeFailed,
			"user", u.Key(), u.Email, c.ZoomAccountID
		ev.Details = details(map[string]any{"reason": note, "note": "nothing was sent to Zoom"})
		h.auditAlone(r, ev)
		return h.renderUserSettings(w, r, c, u, nil, note, catalogueInput{}, http.StatusConflict)
	case len(e.Errs) > 0:
		return h.renderUserSettings(w, r, c, u, set, "", catalogueInput{posted: r.PostForm, errs: e.Errs}, http.StatusUnprocessableEntity)
	case len(e.Diffs) == 0:
		h.flash(ctx, "info", "Nothing changed: every value is already so in Zoom.")
		http.Redirect(w, r, self, http.StatusSeeOther)
		return nil
	}
	res, made, err := h.svc.SetUserSettings(ctx, serviceActor(r), h.requestEvent(r), c, u, e.Set, e.Before, e.After)
	if err != nil {
		return err
	}
	if !res.Done {
		msg := res.Message
		if made > 0 {
			msg = templates.Plural(made, "change", "changes") + " to " + u.Email + "'s settings were made in Zoom; the rest were not: " + msg
		}
		h.flash(ctx, "bad", msg)
		http.Redirect(w, r, self, http.StatusSeeOther)
		return nil
	}
	h.flash(ctx, "ok", templates.Plural(made, "change", "changes")+" to the settings of "+u.Email+" made in Zoom.")
	http.Redirect(w, r, self, http.StatusSeeOther)
	return nil
}
