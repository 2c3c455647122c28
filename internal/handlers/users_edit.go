package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// userForms fills the change forms of a user's page that p does not carry already (a form
// sent back with errors keeps its input).
//
// other answers whether the partner has another active customer to move the user to; it is
// asked (by the caller, while Zoom answers) only when moveAsksOther(p).
func (h *Handlers) userForms(r *http.Request, c store.Customer, u store.CustomerUser, zu *zoom.User, p *templates.UserPage, other bool) error {
	a := staffFrom(r.Context())
	if p.Edit.URL == "" {
		p.Edit = templates.UserEditForm{URL: paths.User(c.ZoomAccountID, u.Key()), FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
			Type: strconv.Itoa(u.Type), Dept: u.Dept}
		if zu != nil {
			p.Edit.JobTitle, p.Edit.Location = zu.JobTitle, zu.Location
		}
	}
	for _, t := range userTypes {
		if t.Value != zoom.UserNone || u.Type == zoom.UserNone {
			p.TypeOpts = append(p.TypeOpts, templates.Option{Value: strconv.Itoa(t.Value), Label: t.Label})
		}
	}
	if u.Status != store.UserPending {
		p.StatusBlocked = adminRefusal(u, service.OpStatus, map[bool]string{true: zoom.StatusActivate, false: zoom.StatusDeactivate}[u.Status == store.UserInactive])
		p.RemoveBlocked = adminRefusal(u, service.OpRemove, "")
		p.MoveBlocked = adminRefusal(u, service.OpMove, "")
		if u.RoleID == service.RoleOwnerID && h.allowedOn(r, policy.EditCustomer, c) {
			p.OwnerURL = paths.CustomerOwner(c.ZoomAccountID)
		}
	}
	if p.StatusForm.URL == "" {
		p.StatusForm = templates.UserStatusForm{URL: paths.UserStatus(c.ZoomAccountID, u.Key()), Action: zoom.StatusDeactivate, Label: "Deactivate"}
		if u.Status == store.UserInactive {
			p.StatusForm.Action, p.StatusForm.Label = zoom.StatusActivate, "Activate"
		}
	}
	if p.Remove.URL == "" {
		p.Remove = templates.UserRemoveForm{URL: paths.UserRemove(c.ZoomAccountID, u.Key()), Action: zoom.DeleteDisassociate}
	}
	if p.Move.URL == "" {
		p.Move.URL = paths.UserMove(c.ZoomAccountID, u.Key())
	}
	if moveAsksOther(p) {
		p.Move.Available = other
		return nil
	}
	p.Move.Load = true
	page, err := h.store.Customers(r.Context(), a.Partner.ID, store.CustomerFilter{PartnerID: a.Partner.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil {
		return err
	}
	for _, o := range page.Customers {
		if o.ID != c.ID {
			p.Move.Available = true
			p.Move.Opts = append(p.Move.Opts, templates.Option{Value: o.ZoomAccountID, Label: customerRef(o).Name})
		}
	}
	return nil
}

// moveUserPage opens the user's page with the form that moves them to another customer
// (GET /customers/{accountId}/users/{userId}/move, support and up); htmx swaps its form into
// the page in place.
func (h *Handlers) moveUserPage(w http.ResponseWriter, r *http.Request) error {
	c, u, err := h.userTarget(r, policy.ManageUsers)
	if err != nil {
		return err
	}
	return h.renderUser(w, r, http.StatusOK, c, u, templates.UserPage{Move: templates.UserMoveForm{Load: true}})
}

// moveAsksOther reports whether the user page's move form needs only to know whether there is
// another customer to move to. The customers to move to are read only when the form is opened
// (or sent back): a page view asks whether there is one, not for up to 500 of them.
func moveAsksOther(p *templates.UserPage) bool {
	return !p.Move.Load && p.Move.To == "" && len(p.Move.Errors) == 0
}

// updateUser changes a user's profile in Zoom (POST /customers/{accountId}/users/{userId},
// PATCH in Zoom, support and up): only the fields that changed are sent.
func (h *Handlers) updateUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, u, err := h.userTarget(r, policy.ManageUsers)
	if err != nil {
		return err
	}
	form := templates.UserEditForm{URL: paths.User(c.ZoomAccountID, u.Key()), Errors: map[string]string{}}
	val := func(name string, max int, dst *string) {
		*dst = strings.TrimSpace(r.PostFormValue(name))
		if utf8.RuneCountInString(*dst) > max {
			form.Errors[name] = "At most " + strconv.Itoa(max) + " characters."
		}
	}
	val("first_name", 64, &form.FirstName)
	val("last_name", 64, &form.LastName)
	val("display_name", 128, &form.DisplayName)
	val("dept", 128, &form.Dept)
	val("job_title", 128, &form.JobTitle)
	val("location", 256, &form.Location)
	form.Type = r.PostFormValue("type")
	typ, msg := checkType(form.Type, zoom.ActionSSOCreate)
	if msg != "" {
		form.Errors["type"] = msg
	}
	if len(form.Errors) > 0 {
		return h.renderUser(w, r, http.StatusUnprocessableEntity, c, u, templates.UserPage{Edit: form})
	}
	// Compare with Zoom's current values; send only what changed.
	current := &zoom.User{FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName, Type: u.Type, Dept: u.Dept}
	if zr, err := h.zoomReader(r); err == nil {
		if zu, _, err := zr.GetUser(r.Context(), c.ZoomAccountID, u.Key(), nil); err == nil {
			current = zu
		}
	}
	upd, before, after := &zoom.UserUpdate{}, map[string]any{}, map[string]any{}
	str := func(name, was, now string, dst **string) {
		if was != now {
			v := now
			*dst, before[name], after[name] = &v, was, now
		}
	}
	str("first_name", current.FirstName, form.FirstName, &upd.FirstName)
	str("last_name", current.LastName, form.LastName, &upd.LastName)
	str("display_name", current.DisplayName, form.DisplayName, &upd.DisplayName)
	str("dept", current.Dept, form.Dept, &upd.Dept)
	str("job_title", current.JobTitle, form.JobTitle, &upd.JobTitle)
	str("location", current.Location, form.Location, &upd.Location)
	if typ != current.Type {
		upd.Type, before["type"], after["type"] = &typ, current.Type, typ
	}
	if len(after) == 0 {
		h.flash(r.Context(), "info", "Nothing changed: Zoom already has these values.")
		http.Redirect(w, r, form.URL, http.StatusSeeOther)
		return nil
	}
	save := store.DirUser{ZoomUserID: u.ZoomUserID, Email: u.Email, FirstName: form.FirstName, LastName: form.LastName,
		DisplayName: form.DisplayName, Type: typ, Status: u.Status, RoleID: u.RoleID, Dept: form.Dept, Timezone: u.Timezone,
		ZoomCreatedAt: u.ZoomCreatedAt, LastLoginAt: u.LastLoginAt}
	res, err := h.svc.UpdateUser(r.Context(), serviceActor(r), h.requestEvent(r), c, u, upd, before, after, save)
	if err != nil {
		return err
	}
	if !res.Done {
		fields := map[string]string{"first_name": form.FirstName, "last_name": form.LastName, "display_name": form.DisplayName,
			"type": form.Type, "dept": form.Dept, "job_title": form.JobTitle, "location": form.Location}
		field := fieldFor(service.OpUpdate, res.Refusal, fields)
		if field == "" || field == "email" || field == "password" {
			field = "form"
		}
		form.Errors[field] = res.Message
		return h.renderUser(w, r, http.StatusUnprocessableEntity, c, u, templates.UserPage{Edit: form})
	}
	h.flash(r.Context(), "ok", u.Email+" is updated in Zoom."+res.Note)
	http.Redirect(w, r, form.URL, http.StatusSeeOther)
	return nil
}

// changeUserStatus activates or deactivates a user (POST
// /customers/{accountId}/users/{userId}/status, support and up).
func (h *Handlers) changeUserStatus(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, u, err := h.userTarget(r, policy.ManageUsers)
	if err != nil {
		return err
	}
	action := r.PostFormValue("action")
	form := templates.UserStatusForm{URL: paths.UserStatus(c.ZoomAccountID, u.Key()), Action: action, Label: "Deactivate"}
	want := store.UserInactive
	switch action {
	case zoom.StatusDeactivate:
	case zoom.StatusActivate:
		form.Label, want = "Activate", store.UserActive
	default:
		form.Action, form.Error = zoom.StatusDeactivate, "Choose activate or deactivate."
		return h.renderUser(w, r, http.StatusUnprocessableEntity, c, u, templates.UserPage{StatusForm: form})
	}
	act := audit.UserDeactivate
	if action == zoom.StatusActivate {
		act = audit.UserActivate
	}
	if err := h.refuseAdmin(r, c, u, service.OpStatus, action, act); err != nil {
		return err
	}
	res, err := h.svc.SetUserStatus(r.Context(), serviceActor(r), h.requestEvent(r), c, u, action)
	if err != nil {
		return err
	}
	if !res.Done {
		form.Error = res.Message
		return h.renderUser(w, r, http.StatusUnprocessableEntity, c, u, templates.UserPage{StatusForm: form})
	}
	h.flash(r.Context(), "ok", u.Email+" is "+map[string]string{store.UserActive: "active again", store.UserInactive: "deactivated: they cannot sign in"}[want]+"."+res.Note)
	http.Redirect(w, r, paths.User(c.ZoomAccountID, u.Key()), http.StatusSeeOther)
	return nil
}

// removeUser disassociates or deletes a user (POST /customers/{accountId}/users/{userId}/remove,
// support and up), with the transfers Zoom offers for a delete.
func (h *Handlers) removeUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, u, err := h.userTarget(r, policy.ManageUsers)
	if err != nil {
		return err
	}
	form := templates.UserRemoveForm{URL: paths.UserRemove(c.ZoomAccountID, u.Key()), Action: r.PostFormValue("action"),
		TransferEmail: strings.TrimSpace(r.PostFormValue("transfer_email")), TransferMeeting: r.PostFormValue("transfer_meeting") == "true",
		TransferWebinar: r.PostFormValue("transfer_webinar") == "true", TransferRecording: r.PostFormValue("transfer_recording") == "true",
		Errors: map[string]string{}}
	switch {
	case form.Action != zoom.DeleteDisassociate && form.Action != zoom.DeletePermanently:
		form.Errors["form"] = "Choose disassociate or delete."
	case form.Action == zoom.DeletePermanently && u.Status == store.UserPending:
		form.Errors["form"] = "A pending user can only be disassociated (that cancels the invitation)."
	case form.Action == zoom.DeletePermanently && form.TransferEmail != "":
		if msg := checkEmail(form.TransferEmail); msg != "" {
			form.Errors["transfer_email"] = msg
		} else if strings.EqualFold(form.TransferEmail, u.Email) {
			form.Errors["transfer_email"] = "Transfer to another user: not to the one being deleted."
		}
	case form.Action == zoom.DeletePermanently && (form.TransferMeeting || form.TransferWebinar || form.TransferRecording):
		form.Errors["transfer_email"] = "Enter who receives the transfers."
	}
	act := audit.UserDisassociate
	if form.Action == zoom.DeletePermanently {
		act = audit.UserDelete
	}
	if err := h.refuseAdmin(r, c, u, service.OpRemove, "", act); err != nil {
		return err
	}
	if len(form.Errors) > 0 {
		return h.renderUser(w, r, http.StatusUnprocessableEntity, c, u, templates.UserPage{Remove: form})
	}
	opts := &zoom.DeleteUserOptions{Action: form.Action}
	after := map[string]any{"action": form.Action}
	if form.Action == zoom.DeletePermanently && form.TransferEmail != "" {
		opts.TransferEmail, opts.TransferMeeting, opts.TransferWebinar, opts.TransferRecording = form.TransferEmail, form.TransferMeeting, form.TransferWebinar, form.TransferRecording
		after["transfer"] = map[string]any{"to": form.TransferEmail, "meetings": form.TransferMeeting, "webinars": form.TransferWebinar, "recordings": form.TransferRecording}
	}
	res, err := h.svc.RemoveUser(r.Context(), serviceActor(r), h.requestEvent(r), c, u, opts, after)
	if err != nil {
		return err
	}
	if !res.Done {
		field := fieldFor(service.OpRemove, res.Refusal, map[string]string{"transfer_email": form.TransferEmail})
		if field == "" {
			field = "form"
		}
		form.Errors[field] = res.Message
		if ze, ok := zoom.AsError(res.Refusal); ok && field == "transfer_email" && (ze.Code == 1001 || ze.Code == 1010) {
			// Zoom's "user does not exist" is about the recipient here, not the user removed.
			form.Errors[field] = "Zoom does not know " + form.TransferEmail + " as a user of " + customerRef(c).Name +
				": transfers go to a user of the same account. Nothing was removed. " + res.Message
		}
		return h.renderUser(w, r, http.StatusUnprocessableEntity, c, u, templates.UserPage{Remove: form})
	}
	verb := map[string]string{zoom.DeleteDisassociate: "disassociated from", zoom.DeletePermanently: "deleted from"}[form.Action]
	h.flash(r.Context(), "ok", u.Email+" is "+verb+" "+customerRef(c).Name+"."+res.Note)
	http.Redirect(w, r, paths.Users(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

// moveUser moves a user to another customer of the same partner (POST
// /customers/{accountId}/users/{userId}/move, support and up).
func (h *Handlers) moveUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, u, err := h.userTarget(r, policy.ManageUsers)
	if err != nil {
		return err
	}
	if err := h.refuseAdmin(r, c, u, service.OpMove, "", audit.UserMove); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	form := templates.UserMoveForm{URL: paths.UserMove(c.ZoomAccountID, u.Key()), To: strings.TrimSpace(r.PostFormValue("to")), Errors: map[string]string{}}
	dest, err := h.store.CustomerByAccount(r.Context(), a.Partner.ID, form.To)
	switch {
	case form.To == "":
		form.Errors["to"] = "Choose the customer to move the user to."
	case err != nil || dest.PartnerID != a.Partner.ID || dest.Status != store.CustomerActive:
		form.Errors["to"] = "Choose one of your own active customers."
	case dest.ID == c.ID:
		form.Errors["to"] = "The user is already in this customer."
	case u.Status == store.UserPending:
		form.Errors["to"] = "A pending user cannot be moved: remove them and add them to the other customer."
	}
	if len(form.Errors) > 0 {
		return h.renderUser(w, r, http.StatusUnprocessableEntity, c, u, templates.UserPage{Move: form})
	}
	res, err := h.svc.MoveUser(r.Context(), serviceActor(r), h.requestEvent(r), c, u, dest)
	if err != nil {
		return err
	}
	if !res.Done {
		form.Errors["to"] = res.Message
		return h.renderUser(w, r, http.StatusUnprocessableEntity, c, u, templates.UserPage{Move: form})
	}
	h.flash(r.Context(), "ok", u.Email+" moved from "+customerRef(c).Name+" to "+customerRef(dest).Name+"."+res.Note)
	http.Redirect(w, r, paths.User(dest.ZoomAccountID, u.Key()), http.StatusSeeOther)
	return nil
}
