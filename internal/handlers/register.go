package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// pendingRegistration returns the sign-in waiting for registration in this session.
func (h *Handlers) pendingRegistration(r *http.Request) (regUser, int64, bool) {
	var ru regUser
	grantID := h.sessions.GetInt64(r.Context(), keyRegGrant)
	if grantID == 0 || json.Unmarshal([]byte(h.sessions.GetString(r.Context(), keyRegUser)), &ru) != nil {
		return ru, 0, false
	}
	return ru, grantID, true
}

// registerPage shows the registration form to an owner or admin of an unregistered primary.
func (h *Handlers) registerPage(w http.ResponseWriter, r *http.Request) error {
	ru, _, ok := h.pendingRegistration(r)
	if !ok {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil
	}
	_, parentName := h.parentOf(r, ru.AccountID)
	h.render(w, r, http.StatusOK, templates.Register(templates.RegisterPage{
		ZoomAccountID: ru.AccountID, Email: ru.Email, RoleName: ru.RoleName, Name: ru.Company, ParentName: parentName,
	}))
	return nil
}

// parentOf finds the partner whose customer the registering account is (a second-level
// primary registers under its distributor), as the partners' syncs have seen it.
func (h *Handlers) parentOf(r *http.Request, zoomAccountID string) (*int64, string) {
	id, err := h.store.ParentForAccount(r.Context(), zoomAccountID)
	if err != nil {
		return nil, ""
	}
	p, err := h.store.Partner(r.Context(), id)
	if err != nil {
		return nil, ""
	}
	return &id, p.Name
}

// register creates the partner with the signed-in user as its first owner.
func (h *Handlers) register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		return err
	}
	ru, grantID, ok := h.pendingRegistration(r)
	if !ok {
		return errSignInExpired
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	parentID, parentName := h.parentOf(r, ru.AccountID)
	page := templates.RegisterPage{ZoomAccountID: ru.AccountID, Email: ru.Email, RoleName: ru.RoleName, Name: name, ParentName: parentName, Errors: map[string]string{}}
	switch {
	case name == "":
		page.Errors["name"] = "Enter your company's name as your staff should see it."
	case utf8.RuneCountInString(name) > 120:
		page.Errors["name"] = "Use at most 120 characters."
	}
	if len(page.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, templates.Register(page))
		return nil
	}
	partner, owner, err := h.store.RegisterPartner(ctx, store.RegisterPartnerParams{
		ZoomAccountID: ru.AccountID, Name: name, ParentID: parentID,
		Owner:   store.StaffIdentity{ZoomUserID: ru.UserID, Email: ru.Email, FirstName: ru.FirstName, LastName: ru.LastName},
		GrantID: grantID,
	}, h.requestEvent(r))
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		h.sessions.Remove(ctx, keyRegGrant)
		h.sessions.Remove(ctx, keyRegUser)
		return &pageError{status: http.StatusConflict, title: "Already registered",
			message: "Your Zoom account was registered with Tierdesk a moment ago by a colleague. Sign in again to join it.",
			action:  "Sign in", actionURL: "/signin", cause: err}
	} else if err != nil {
		return err
	}
	if err := h.startSession(r, owner.ID, partner.ID, grantID); err != nil {
		return err
	}
	h.firstSync(r, partner.ID, owner)
	h.logSignIn(r, "registered", "partner "+partner.Name, owner.Email)
	h.flash(ctx, "ok", "Welcome to Tierdesk. "+partner.Name+" is registered and you are its owner.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
