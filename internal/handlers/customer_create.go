package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// newCustomerPage shows the form that creates just a sub account (GET /customers/quick, admins).
func (h *Handlers) newCustomerPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.EditCustomer, target{Type: "customer"}); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.NewCustomer(h.chrome(r, "New customer", "customers"),
		templates.NewCustomerPage{Form: map[string]string{"pay_mode": zoom.PayModeMaster}}))
	return nil
}

// validateNewCustomer checks the form as Zoom will (ZOOM_API §1.3), so that most mistakes are
// named on the form before anything is sent.
func validateNewCustomer(f map[string]string, password string) map[string]string {
	errs := validateOwner(f)
	if msg := passwordProblem(password); msg != "" {
		errs["password"] = msg
	}
	if f["pay_mode"] != zoom.PayModeMaster && f["pay_mode"] != zoom.PayModeSub {
		errs["pay_mode"] = "Choose who pays Zoom."
	}
	return errs
}

// validateOwner checks a new sub account's name and owner as Zoom will (ZOOM_API §1.3).
func validateOwner(f map[string]string) map[string]string {
	errs := map[string]string{}
	for _, n := range []struct{ field, label string }{{"first_name", "first name"}, {"last_name", "last name"}} {
		switch v := f[n.field]; {
		case v == "":
			errs[n.field] = "Enter the owner's " + n.label + "."
		case utf8.RuneCountInString(v) > 64:
			errs[n.field] = "Zoom allows at most 64 characters."
		}
	}
	if utf8.RuneCountInString(f["account_name"]) > 64 {
		errs["account_name"] = "Zoom allows at most 64 characters."
	}
	if msg := checkEmail(f["email"]); msg != "" {
		errs["email"] = msg
	}
	return errs
}

// passwordRun is how long a run of repeated ("aaaaaa") or consecutive ("abcdef", "654321")
// characters Zoom refuses in a password (code 1111, ZOOM_API §1.3 and §2.3).
const passwordRun = 6

// passwordProblem says what is wrong with a password under Zoom's rules, or "": 8 to 32
// characters, upper- and lower-case letters and a digit, no run of passwordRun repeated or
// consecutive characters. It is the one check of every password Tierdesk sends to Zoom: a
// new sub account's owner (quick form and onboarding) and a user created with autoCreate.
// The forms' hint says the same (templates.PasswordHint).
func passwordProblem(p string) string {
	if n := utf8.RuneCountInString(p); n < 8 || n > 32 {
		return "Use 8 to 32 characters."
	}
	var upper, lower, digit bool
	for _, c := range p {
		upper = upper || (c >= 'A' && c <= 'Z')
		lower = lower || (c >= 'a' && c <= 'z')
		digit = digit || (c >= '0' && c <= '9')
	}
	if !upper || !lower || !digit {
		return "Use upper- and lower-case letters and at least one digit."
	}
	rs := []rune(p)
	same, up, down := 1, 1, 1
	step := func(cont bool, n int) int {
		if cont {
			return n + 1
		}
		return 1
	}
	for i := 1; i < len(rs); i++ {
		same, up, down = step(rs[i] == rs[i-1], same), step(rs[i] == rs[i-1]+1, up), step(rs[i] == rs[i-1]-1, down)
		if same >= passwordRun {
			return "Zoom refuses repeated characters such as 'aaaaaa'."
		}
		if up >= passwordRun || down >= passwordRun {
			return "Zoom refuses consecutive characters such as 'abcdef' or '654321'."
		}
	}
	return ""
}

// createCustomer creates a sub account in Zoom (POST /customers/quick, admins). The create is
// recorded as pending before it is sent; Zoom's answer completes it, a refusal abandons it
// (with Zoom's reason next to the right field), and a lost answer is resolved by looking the
// sub account up by its owner's email, never by sending the create again.
func (h *Handlers) createCustomer(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := h.authorize(r, policy.EditCustomer, target{Type: "customer", Label: r.PostFormValue("account_name")}); err != nil {
		return err
	}
	ctx := r.Context()
	form := map[string]string{}
	for _, k := range []string{"account_name", "first_name", "last_name", "email", "pay_mode", "billing_auto_renew"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	password := r.PostFormValue("password")
	page := templates.NewCustomerPage{Form: form, Errors: validateNewCustomer(form, password)}
	show := func(status int) error {
		h.render(w, r, status, templates.NewCustomer(h.chrome(r, "New customer", "customers"), page))
		return nil
	}
	if len(page.Errors) > 0 {
		return show(http.StatusUnprocessableEntity)
	}
	name := form["account_name"]
	if name == "" {
		name = form["first_name"] + " " + form["last_name"]
	}
	res, err := h.svc.CreateCustomer(ctx, serviceActor(r), h.requestEvent(r), service.NewCustomer{NewCustomer: store.NewCustomer{
		AccountName: name, OwnerEmail: form["email"], FirstName: form["first_name"], LastName: form["last_name"], PayMode: form["pay_mode"]},
		Password: password, AutoRenew: form["billing_auto_renew"] == "1"})
	if err != nil {
		return err
	}
	switch res.Outcome {
	case service.Created:
		h.flash(ctx, "ok", name+" is created in Zoom. Zoom emails its owner, "+form["email"]+", to confirm the account.")
		http.Redirect(w, r, paths.Customer(res.Customer.ZoomAccountID), http.StatusSeeOther)
		return nil
	case service.CreatedEarlier:
		h.flash(ctx, "info", "Zoom had already created this customer in an earlier attempt whose answer was lost: here it is. Nothing was created twice.")
		return h.redirectToOwnerCustomer(w, r, form["email"])
	case service.StillPending:
		page.Notice = "Zoom's answer was lost and Zoom cannot be asked right now whether the customer was created. It is marked pending; Tierdesk checks again every few minutes and never creates it twice. Nothing else is needed from you."
		return show(http.StatusAccepted)
	case service.NotCreated:
		page.Errors["_"] = "Zoom's answer was lost, and Zoom has no such customer: it was not created. Check the details and try again."
		return show(http.StatusBadGateway)
	}
	if res.Blocked {
		page.Errors["_"] = "An earlier create for this owner is still unresolved and Zoom cannot be asked about it right now. Nothing was sent; try again in a minute."
		return show(http.StatusServiceUnavailable)
	}
	field, msg := createErrorField(res.Refusal, form)
	page.Errors[field] = msg
	return show(http.StatusUnprocessableEntity)
}

// redirectToOwnerCustomer goes to the customer whose owner is email, or to the list.
func (h *Handlers) redirectToOwnerCustomer(w http.ResponseWriter, r *http.Request, email string) error {
	a := staffFrom(r.Context())
	c, err := h.store.CustomerByOwnerEmail(r.Context(), a.Partner.ID, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Redirect(w, r, "/customers", http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

// createErrorField puts Zoom's refusal of a create next to the field it is about, in plain
// words with Zoom's code; form is the create form as typed.
func createErrorField(ze *zoom.Error, form map[string]string) (field, msg string) {
	said := " (Zoom code " + strconv.Itoa(ze.Code) + ": " + ze.Message + ")"
	switch ze.Code {
	case 1005:
		return "email", "A Zoom user already has this email (Zoom code 1005). The owner of a new sub account must be a brand-new Zoom user: use another address."
	case 1107:
		return "email", "Zoom blocks this email domain (Zoom code 1107). Use an address on another domain."
	case 1111:
		return "password", "Zoom refused this password as too weak for the new account" + said +
			". Choose another one: Zoom refuses runs such as 'aaaaaa' or 'abcdef'/'123456', and the account may require more."
	case 300:
		for _, fe := range ze.Fields {
			f := fe.Field
			if i := strings.LastIndexByte(f, '.'); i >= 0 {
				f = f[i+1:]
			}
			switch f {
			case "first_name", "last_name", "email", "password", "account_name":
				return f, "Zoom refused this field (Zoom code 300: " + fe.Message + "). Correct it and try again."
			}
		}
		if i := strings.Index(strings.ToLower(ze.Message), "invalid word"); i >= 0 {
			// Zoom names the refused name after "invalid word:"; put the message next to it.
			field := "account_name"
			if form["account_name"] == "" {
				field = "first_name"
			}
			if j := strings.IndexByte(ze.Message[i:], ':'); j >= 0 {
				named := strings.TrimSpace(ze.Message[i+j+1:])
				for _, f := range []string{"account_name", "first_name", "last_name"} {
					if v := strings.TrimSpace(form[f]); v != "" && strings.EqualFold(v, named) {
						field = f
						break
					}
				}
			}
			return field, "Zoom refused this name because it contains a word Zoom does not allow" + said + ". Use another name."
		}
		if strings.Contains(strings.ToLower(ze.Message), "password") {
			return "password", "Zoom refused the password" + said + ". Choose another one."
		}
	}
	return "_", zoom.Explain(ze)
}
