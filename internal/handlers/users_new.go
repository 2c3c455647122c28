package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// createActions are Zoom's ways of creating a user (ZOOM_API §2.3), explained.
var createActions = []templates.ChoiceOption{
	{Value: zoom.ActionCreate, Label: "Send an invitation", Help: "Zoom emails the person a link; they stay pending until they accept and set their password. The usual choice."},
	{Value: zoom.ActionAutoCreate, Label: "Create active, with a password", Help: "For a customer with a verified managed domain: no email; the user is active at once with the password you set here."},
	{Value: zoom.ActionCustCreate, Label: "Meeting-only user", Help: "No password: the user cannot sign in and only starts or joins meetings through links. Needs Zoom's approval for the account."},
	{Value: zoom.ActionSSOCreate, Label: "Single sign-on user", Help: "For accounts with single sign-on and \"pre-provisioning SSO users\" on: the user signs in through SSO, no password."},
}

// newUserForm is the add-user form as submitted.
type newUserForm struct {
	Action, Email, FirstName, LastName, Type, Password string
}

// newUserPage shows the form that adds a user (GET /customers/{accountId}/users/new, support
// and up).
func (h *Handlers) newUserPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ManageUsers)
	if err != nil {
		return err
	}
	return h.renderNewUser(w, r, http.StatusOK, c, newUserForm{Action: zoom.ActionCreate, Type: "1"}, nil, "", nil)
}

// renderNewUser renders the add-user form with f's input, errs by field and formErr for the
// form; formErrCause is Zoom's refusal behind formErr, if any.
func (h *Handlers) renderNewUser(w http.ResponseWriter, r *http.Request, status int, c store.Customer, f newUserForm, errs map[string]string, formErr string, formErrCause error) error {
	p := templates.NewUserPage{Head: h.customerHead(r, c, "/users", detailsView{}), Customer: customerRef(c), Action: f.Action, Actions: createActions,
		Type: f.Type, FirstName: f.FirstName, LastName: f.LastName, Email: f.Email, Errors: errs, FormError: formErr, PasswordSet: f.Password != ""}
	for _, t := range userTypes {
		v := strconv.Itoa(t.Value)
		p.TypeOpts = append(p.TypeOpts, templates.Option{Value: v, Label: t.Label, Selected: v == f.Type})
	}
	// The seats, so that a full customer is seen before Zoom refuses (its directory's count).
	su, err := h.store.SeatUseOf(r.Context(), staffFrom(r.Context()).Partner.ID, c.ID)
	if err != nil {
		return err
	}
	if su.DirRead {
		p.Seats = seatBar(c, su)
	}
	if ze, ok := zoom.AsError(formErrCause); ok && ze.Code == 2034 {
		p.FormErrorURL, p.FormErrorAction = p.Seats.PlansURL, "Plans of "+p.Customer.Name
	}
	h.render(w, r, status, templates.NewUser(h.chrome(r, "Add a user to "+p.Customer.Name, "customers"), p))
	return nil
}

// createUser adds a user to a customer in Zoom (POST /customers/{accountId}/users, support and
// up): checked as Zoom checks, then sent; Zoom's refusals are explained next to the field
// they concern, with the input kept (never the password).
func (h *Handlers) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ManageUsers)
	if err != nil {
		return err
	}
	f := newUserForm{Action: r.PostFormValue("action"), Email: strings.TrimSpace(r.PostFormValue("email")),
		FirstName: strings.TrimSpace(r.PostFormValue("first_name")), LastName: strings.TrimSpace(r.PostFormValue("last_name")),
		Type: r.PostFormValue("type"), Password: r.PostFormValue("password")}
	typ, errs := validateNewUser(f)
	if len(errs) > 0 {
		return h.renderNewUser(w, r, http.StatusUnprocessableEntity, c, f, errs, "", nil)
	}
	req := &zoom.CreateUserRequest{Action: f.Action, UserInfo: zoom.CreateUserInfo{Email: f.Email, Type: typ, FirstName: f.FirstName, LastName: f.LastName}}
	if f.Action == zoom.ActionAutoCreate {
		req.UserInfo.Password = f.Password // to Zoom only: never in the audit log, the directory or the page
	}
	res, err := h.svc.CreateUser(r.Context(), serviceActor(r), h.requestEvent(r), c, req)
	if err != nil {
		return err
	}
	if !res.Done {
		errs := map[string]string{}
		form := map[string]string{"email": f.Email, "first_name": f.FirstName, "last_name": f.LastName, "type": f.Type, "password": f.Password, "action": f.Action}
		formErr := res.Message
		if field := fieldFor(service.OpCreate, res.Refusal, form); field != "" && field != "form" {
			errs[field], formErr = res.Message+h.directoryHint(r, field, f.Email), ""
		}
		return h.renderNewUser(w, r, http.StatusUnprocessableEntity, c, f, errs, formErr, res.Refusal)
	}
	key := f.Email
	if res.ID != "" {
		key = res.ID
	}
	msg := f.Email + " was added to " + customerRef(c).Name + "."
	if f.Action == zoom.ActionCreate {
		msg += " Zoom emailed them an invitation: they stay pending until they accept it."
	}
	h.flash(r.Context(), "ok", msg+res.Note)
	http.Redirect(w, r, paths.User(c.ZoomAccountID, key), http.StatusSeeOther)
	return nil
}

// directoryHint says where the directory knows an email from, for an "already used" refusal.
func (h *Handlers) directoryHint(r *http.Request, field, email string) string {
	if field != "email" {
		return ""
	}
	a := staffFrom(r.Context())
	found, err := h.store.UsersByEmail(r.Context(), a.Partner.ID, []string{email})
	if err != nil || len(found) == 0 {
		return ""
	}
	return " Tierdesk's directory has " + email + " in " + found[0].CustomerName + " (" + found[0].Status + ")."
}

// validateNewUser checks the form as Zoom would (ZOOM_API §2.3) and returns the type.
func validateNewUser(f newUserForm) (int, map[string]string) {
	errs := map[string]string{}
	known := false
	for _, a := range createActions {
		known = known || a.Value == f.Action
	}
	if !known {
		errs["action"] = "Choose how Zoom creates the user."
	}
	if msg := checkEmail(f.Email); msg != "" {
		errs["email"] = msg
	}
	if utf8.RuneCountInString(f.FirstName) > 64 {
		errs["first_name"] = "At most 64 characters."
	}
	if utf8.RuneCountInString(f.LastName) > 64 {
		errs["last_name"] = "At most 64 characters."
	}
	typ, msg := checkType(f.Type, f.Action)
	if msg != "" {
		errs["type"] = msg
	}
	switch {
	case f.Action == zoom.ActionAutoCreate && f.Password == "":
		errs["password"] = "autoCreate needs a password: Zoom makes the user active with it."
	case f.Action == zoom.ActionAutoCreate:
		if msg := passwordProblem(f.Password); msg != "" {
			errs["password"] = msg
		}
	case f.Password != "":
		errs["password"] = "Only autoCreate uses a password: clear it, or choose autoCreate. (With create, the person sets their own.)"
	}
	return typ, errs
}

// checkEmail is Zoom's rule for a user's email: a plain address with a dotted domain, at most
// 128 characters.
func checkEmail(email string) string {
	switch {
	case email == "":
		return "Enter the user's email address."
	case utf8.RuneCountInString(email) > 128:
		return "At most 128 characters."
	case !validEmail(email) || !strings.Contains(email[strings.LastIndex(email, "@")+1:], "."):
		return "This is not an email address (like name@example.com)."
	}
	return ""
}

// checkType parses a user type: 1, 2 or 4, and 99 only with ssoCreate.
func checkType(s, action string) (int, string) {
	t, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil || (t != zoom.UserBasic && t != zoom.UserLicensed && t != zoom.UserUnassigned && t != zoom.UserNone):
		return 0, "Choose a type: 1 Basic, 2 Licensed, 4 Unassigned, or 99 None (ssoCreate only)."
	case t == zoom.UserNone && action != zoom.ActionSSOCreate:
		return 0, "Type 99 (None) is only for ssoCreate."
	}
	return t, ""
}
