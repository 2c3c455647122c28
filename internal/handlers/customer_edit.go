package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// editableCustomer loads the customer in the URL for a change by an admin of its own
// partner; a customer that is not active cannot be changed.
func (h *Handlers) editableCustomer(r *http.Request, action policy.Action) (store.Customer, error) {
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), action)
	if err != nil {
		return c, err
	}
	if c.Status != store.CustomerActive {
		h.deny(r, action, target{PartnerID: c.PartnerID, Type: "customer", ID: c.ZoomAccountID, Label: c.AccountName, CustomerID: c.ZoomAccountID},
			"the customer is "+string(c.Status)+" in Tierdesk")
		return c, &pageError{status: http.StatusConflict, title: "Not possible now",
			message: "This customer is " + string(c.Status) + " in Tierdesk, so it cannot be changed. Nothing was sent to Zoom."}
	}
	return c, nil
}

// payModeLabel names a pay mode for people: who pays Zoom for the customer's plans.
func payModeLabel(mode string) string {
	switch mode {
	case zoom.PayModeMaster:
		return "You pay (master)"
	case zoom.PayModeSub:
		return "The customer pays (sub)"
	}
	return mode
}

// confirm shows the confirmation page of a change that costs money or access, unless the
// form already says confirm=yes. It reports whether the change is confirmed.
func (h *Handlers) confirm(w http.ResponseWriter, r *http.Request, c store.Customer, title, button string, danger bool, lines []string, reasons ...templates.Option) bool {
	if r.PostFormValue("confirm") == "yes" {
		return false
	}
	// The tab the change belongs to stays current, and "go back" returns to it.
	tab := ""
	for _, t := range []string{"/plans", "/settings", "/users"} {
		if strings.Contains(r.URL.Path, t) {
			tab = t
			break
		}
	}
	p := templates.ConfirmPage{Head: h.customerHead(r, c, tab, detailsView{}), Title: title, Lines: lines, Action: r.URL.EscapedPath(),
		Button: button, Danger: danger, CancelURL: paths.CustomerTab(c.ZoomAccountID, strings.TrimPrefix(tab, "/")), Reasons: reasons}
	for k, vs := range r.PostForm {
		if k != "confirm" && k != "reason" && k != "comment" && len(vs) > 0 {
			p.Fields = append(p.Fields, templates.Hidden{Name: k, Value: vs[0]})
		}
	}
	h.render(w, r, http.StatusOK, templates.Confirm(h.chrome(r, title, "customers"), p))
	return true
}

// currentOptions are a customer's options as Zoom last answered.
func currentOptions(d detailsView) zoom.AccountOptions {
	var acct zoom.SubAccountDetail
	_ = json.Unmarshal(d.Account, &acct)
	return acct.Options
}

func optionsForm(o zoom.AccountOptions) map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return ""
	}
	return map[string]string{"pay_mode": o.PayMode, "billing_auto_renew": b(o.BillingAutoRenew), "share_rc": b(o.ShareRC), "share_mc": b(o.ShareMC)}
}

// customerOptionsPage shows the pay mode and options form (GET /customers/{accountId}/options).
func (h *Handlers) customerOptionsPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	d, err := h.customerDetails(r, c, "account")
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.CustomerOptions(h.chrome(r, c.AccountName, "customers"),
		templates.CustomerFormPage{Head: h.customerHead(r, c, "", d), Form: optionsForm(currentOptions(d))}))
	return nil
}

// changeCustomerOptions changes pay mode and options (POST /customers/{accountId}/options):
// a change of pay mode is confirmed first, since it decides who Zoom bills.
func (h *Handlers) changeCustomerOptions(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := h.customerDetails(r, c, "account")
	if err != nil {
		return err
	}
	before := currentOptions(d)
	form := map[string]string{"pay_mode": r.PostFormValue("pay_mode"), "billing_auto_renew": r.PostFormValue("billing_auto_renew"),
		"share_rc": r.PostFormValue("share_rc"), "share_mc": r.PostFormValue("share_mc")}
	page := templates.CustomerFormPage{Head: h.customerHead(r, c, "", d), Form: form, Errors: map[string]string{}}
	if form["pay_mode"] != zoom.PayModeMaster && form["pay_mode"] != zoom.PayModeSub {
		page.Errors["pay_mode"] = "Choose who pays Zoom."
		h.render(w, r, http.StatusUnprocessableEntity, templates.CustomerOptions(h.chrome(r, c.AccountName, "customers"), page))
		return nil
	}
	update := &zoom.AccountOptionsUpdate{}
	changes := map[string][2]any{}
	if form["pay_mode"] != before.PayMode {
		update.PayMode = form["pay_mode"]
		changes["pay_mode"] = [2]any{before.PayMode, form["pay_mode"]}
	}
	for _, o := range []struct {
		key    string
		before bool
		set    **bool
	}{{"billing_auto_renew", before.BillingAutoRenew, &update.BillingAutoRenew}, {"share_rc", before.ShareRC, &update.ShareRC}, {"share_mc", before.ShareMC, &update.ShareMC}} {
		if now := form[o.key] == "1"; now != o.before {
			*o.set = zoom.Bool(now)
			changes[o.key] = [2]any{o.before, now}
		}
	}
	if len(changes) == 0 {
		h.flash(ctx, "info", "Nothing changed.")
		http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	if update.PayMode != "" {
		if h.confirm(w, r, c, "Change who pays for "+c.AccountName, "Change pay mode", false, []string{
			"Pay mode changes from “" + payModeLabel(before.PayMode) + "” to “" + payModeLabel(update.PayMode) + "”: from now on Zoom bills accordingly for this customer's plans.",
			"Zoom refuses this when the customer already has a plan: cancel the plan first if needed.",
		}) {
			return nil
		}
	}
	before2, after2 := map[string]any{}, map[string]any{}
	for k, v := range changes {
		before2[k], after2[k] = v[0], v[1]
	}
	res, err := h.svc.SetCustomerOptions(ctx, serviceActor(r), h.requestEvent(r), c, update, before2, after2)
	if err != nil {
		return err
	}
	if !res.Done {
		return h.notDone(w, r, c, res, func(msg string) error {
			page.Errors["_"] = msg
			h.render(w, r, http.StatusUnprocessableEntity, templates.CustomerOptions(h.chrome(r, c.AccountName, "customers"), page))
			return nil
		})
	}
	h.flash(ctx, "ok", "Options of "+c.AccountName+" are changed.")
	http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

// notDone tells the person why a change of customer c was not made (the service audited it):
// a lost answer sends them to the customer's page, which reads Zoom's values back; Zoom's
// refusal is shown with show; anything else is the error page.
func (h *Handlers) notDone(w http.ResponseWriter, r *http.Request, c store.Customer, res service.CustomerResult, show func(string) error) error {
	if res.Lost {
		h.flash(r.Context(), "warn", "Zoom's answer was lost, so Tierdesk cannot tell whether the change was made. The page below shows Zoom's current values: check them before trying again.")
		http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	if _, ok := zoom.AsError(res.Refusal); !ok || zoom.NeedsReauth(res.Refusal) {
		return zoomError(res.Refusal)
	}
	return show("Zoom refused the change, so nothing was changed: " + zoom.Explain(res.Refusal))
}

// customerOwnerPage shows the change-owner form (GET /customers/{accountId}/owner).
func (h *Handlers) customerOwnerPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.CustomerOwner(h.chrome(r, c.AccountName, "customers"),
		templates.CustomerFormPage{Head: h.customerHead(r, c, "", detailsView{}), Form: map[string]string{}}))
	return nil
}

// changeCustomerOwner makes another user of the account its owner (POST
// /customers/{accountId}/owner), after a confirmation: it changes who controls the account.
func (h *Handlers) changeCustomerOwner(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	page := templates.CustomerFormPage{Head: h.customerHead(r, c, "", detailsView{}), Form: map[string]string{"email": email}, Errors: map[string]string{}}
	show := func(msg string) error {
		page.Errors["email"] = msg
		h.render(w, r, http.StatusUnprocessableEntity, templates.CustomerOwner(h.chrome(r, c.AccountName, "customers"), page))
		return nil
	}
	switch {
	case !validEmail(email):
		return show("Enter the email of a user of this account, like name@example.com.")
	case strings.EqualFold(email, c.OwnerEmail):
		return show(email + " is already the owner.")
	}
	if h.confirm(w, r, c, "Make "+email+" the owner of "+c.AccountName, "Change owner", false, []string{
		email + " becomes the owner: full control of the account, its billing contact and its admins.",
		"The current owner, " + c.OwnerEmail + ", becomes a regular user of the account.",
	}) {
		return nil
	}
	res, err := h.svc.ChangeCustomerOwner(ctx, serviceActor(r), h.requestEvent(r), c, email)
	if err != nil {
		return err
	}
	if !res.Done {
		return h.notDone(w, r, c, res, show)
	}
	h.flash(ctx, "ok", email+" is now the owner of "+c.AccountName+".")
	http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

// customerDisassociatePage explains disassociation (GET /customers/{accountId}/disassociate).
func (h *Handlers) customerDisassociatePage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.editableCustomer(r, policy.DisassociateCustomer)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.CustomerDisassociate(h.chrome(r, c.AccountName, "customers"),
		templates.CustomerFormPage{Head: h.customerHead(r, c, "", detailsView{}), Form: map[string]string{}}))
	return nil
}

// disassociateCustomer unlinks the sub account (POST /customers/{accountId}/disassociate)
// once the account's name is typed; Zoom's refusal of a paid account (code 2000) is explained.
func (h *Handlers) disassociateCustomer(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.editableCustomer(r, policy.DisassociateCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	typed := strings.TrimSpace(r.PostFormValue("confirm_name"))
	page := templates.CustomerFormPage{Head: h.customerHead(r, c, "", detailsView{}), Form: map[string]string{"confirm_name": typed}, Errors: map[string]string{}}
	show := func(msg string) error {
		page.Errors["_"] = msg
		h.render(w, r, http.StatusUnprocessableEntity, templates.CustomerDisassociate(h.chrome(r, c.AccountName, "customers"), page))
		return nil
	}
	if !strings.EqualFold(typed, strings.TrimSpace(c.AccountName)) {
		page.Errors["confirm_name"] = "Type the account's name exactly: " + c.AccountName
		h.render(w, r, http.StatusUnprocessableEntity, templates.CustomerDisassociate(h.chrome(r, c.AccountName, "customers"), page))
		return nil
	}
	res, err := h.svc.DisassociateCustomer(ctx, serviceActor(r), h.requestEvent(r), c)
	if err != nil {
		return err
	}
	if !res.Done {
		if ze, ok := zoom.AsError(res.Refusal); ok && ze.Code == 2000 {
			return show("Zoom refuses to disassociate an account that has a paid plan through you (code 2000). Cancel its plans on the Plans tab, then disassociate it.")
		}
		return h.notDone(w, r, c, res, show)
	}
	h.flash(ctx, "ok", c.AccountName+" is disassociated: it is no longer one of your sub accounts.")
	http.Redirect(w, r, "/customers", http.StatusSeeOther)
	return nil
}

// customerActivity lists the audit events about one customer (GET /customers/{accountId}/activity).
func (h *Handlers) customerActivity(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ViewCustomer)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	if c.PartnerID != a.Partner.ID {
		return &pageError{status: http.StatusNotFound, title: "Not in your log", message: "The activity of a reseller's customer is in that reseller's own audit log."}
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	page, err := h.store.AuditEvents(r.Context(), a.Partner.ID, store.AuditFilter{CustomerID: c.ZoomAccountID, Before: before})
	if err != nil {
		return err
	}
	names, err := h.auditNamesOf(r.Context(), a, page.Events)
	if err != nil {
		return err
	}
	p := templates.ActivityTabPage{Head: h.customerHead(r, c, "/activity", detailsView{}), AllURL: paths.AuditOfCustomer(c.ZoomAccountID)}
	for _, e := range page.Events {
		p.Rows = append(p.Rows, names.row(e, nil))
	}
	if page.Next != 0 {
		p.OlderURL = paths.With(paths.CustomerActivity(c.ZoomAccountID), url.Values{"before": {strconv.FormatInt(page.Next, 10)}})
	}
	h.render(w, r, http.StatusOK, templates.CustomerActivity(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}

func notesPanel(c store.Customer, canEdit bool) templates.NotesPanel {
	return templates.NotesPanel{Action: paths.CustomerNotes(c.ZoomAccountID), CanEdit: canEdit, ExternalRef: c.ExternalRef,
		Notes: c.Notes}
}

// saveCustomerNotes stores the customer's local fields (POST /customers/{accountId}/notes):
// with htmx it answers the panel, without JavaScript it goes back to the page.
func (h *Handlers) saveCustomerNotes(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.EditCustomer)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	// Tags have their own form (saveCustomerTags), their only writer: the notes leave them be.
	n := store.CustomerNotes{ExternalRef: strings.TrimSpace(r.PostFormValue("external_ref")), Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	panel := notesPanel(c, true)
	panel.ExternalRef, panel.Notes = n.ExternalRef, n.Notes
	panel.Errors = map[string]string{}
	switch {
	case len(n.ExternalRef) > 100:
		panel.Errors["external_ref"] = "Use at most 100 characters."
	case len(n.Notes) > 4000:
		panel.Errors["notes"] = "Use at most 4,000 characters."
	}
	if len(panel.Errors) > 0 {
		if r.Header.Get("HX-Request") == "true" {
			h.render(w, r, http.StatusOK, templates.CustomerNotes(panel))
			return nil
		}
		h.flash(r.Context(), "bad", "The notes were not saved: "+firstValue(panel.Errors))
		http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	c, err = h.store.SaveCustomerNotes(r.Context(), a.Partner.ID, c.ID, n, h.requestEvent(r))
	if err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" {
		panel = notesPanel(c, true)
		panel.Saved = true
		h.render(w, r, http.StatusOK, templates.CustomerNotes(panel))
		return nil
	}
	h.flash(r.Context(), "ok", "Notes saved.")
	http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

func firstValue(m map[string]string) string {
	for _, v := range m {
		return v
	}
	return ""
}
