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
	a := staffFrom(ctx)
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
	zc, err := h.zoomFor(r)
	if err != nil {
		return err
	}
	_, err = zc.UpdateSubAccountOptions(ctx, c.ZoomAccountID, update)
	ev := h.withGrant(r, zc)
	ev.Action = "customer.options"
	before2, after2 := map[string]any{}, map[string]any{}
	for k, v := range changes {
		before2[k], after2[k] = v[0], v[1]
	}
	ev.Details = details(map[string]any{"before": before2, "after": after2})
	if err != nil {
		return h.zoomRefused(w, r, c, ev, err, func(msg string) error {
			page.Errors["_"] = msg
			h.render(w, r, http.StatusUnprocessableEntity, templates.CustomerOptions(h.chrome(r, c.AccountName, "customers"), page))
			return nil
		})
	}
	upd := store.CustomerUpdate{}
	if update.PayMode != "" {
		upd.PayMode = &update.PayMode
	}
	if _, err := h.store.RecordCustomerChange(ctx, a.Partner.ID, c.ID, upd, ev); err != nil {
		return err
	}
	h.flash(ctx, "ok", "Options of "+c.AccountName+" are changed.")
	http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

// zoomRefused records a change Zoom did not make and tells the person why: a refusal is
// audited as failed with Zoom's code and shown with show; a lost answer is audited as
// pending and explained (the next view refreshes from Zoom, which tells whether it happened).
func (h *Handlers) zoomRefused(w http.ResponseWriter, r *http.Request, c store.Customer, ev store.AuditEvent, err error, show func(string) error) error {
	if h.auditZoomFailure(r, c, ev, err) {
		h.flash(r.Context(), "warn", "Zoom's answer was lost, so Tierdesk cannot tell whether the change was made. The page below shows Zoom's current values: check them before trying again.")
		http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	}
	if _, ok := zoom.AsError(err); !ok || zoom.NeedsReauth(err) {
		return zoomError(err)
	}
	return show("Zoom refused the change, so nothing was changed: " + zoom.Explain(err))
}

// auditZoomFailure records a change of customer c that Zoom did not make: failed with Zoom's
// code, or pending when Zoom's answer was lost (it reports true then, and the customer's next
// view reads Zoom again, which tells whether it happened).
func (h *Handlers) auditZoomFailure(r *http.Request, c store.Customer, ev store.AuditEvent, err error) (lost bool) {
	ev.CustomerID, ev.TargetType, ev.TargetID, ev.TargetLabel = c.ZoomAccountID, "customer", c.ZoomAccountID, c.AccountName
	ev.Outcome = store.OutcomeFailed
	if zoom.IsOutcomeUnknown(err) {
		ev.Outcome = store.OutcomePending
		ev.Details = mergeDetails(ev.Details, map[string]any{"note": "Zoom's answer was lost: whether the change happened is read back from Zoom on the next view"})
	} else if ze, ok := zoom.AsError(err); ok {
		ev.ZoomCode, ev.ZoomMessage = ze.Code, ze.Message
	}
	h.auditAlone(r, ev)
	if ev.Outcome == store.OutcomePending {
		h.expireDetails(r, c)
	}
	return ev.Outcome == store.OutcomePending
}

func mergeDetails(raw json.RawMessage, extra map[string]any) json.RawMessage {
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	for k, v := range extra {
		m[k] = v
	}
	return details(m)
}

// expireDetails makes the next view of the customer ask Zoom again.
func (h *Handlers) expireDetails(r *http.Request, c store.Customer) {
	a := staffFrom(r.Context())
	_ = h.store.ExpireCustomerDetails(r.Context(), a.Partner.ID, c.ID)
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
	a := staffFrom(ctx)
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
	zc, err := h.zoomFor(r)
	if err != nil {
		return err
	}
	_, err = zc.ChangeOwner(ctx, c.ZoomAccountID, email)
	ev := h.withGrant(r, zc)
	ev.Action = "customer.owner"
	ev.Details = details(map[string]any{"before": map[string]any{"owner_email": c.OwnerEmail}, "after": map[string]any{"owner_email": email}})
	if err != nil {
		return h.zoomRefused(w, r, c, ev, err, show)
	}
	if _, err := h.store.RecordCustomerChange(ctx, a.Partner.ID, c.ID, store.CustomerUpdate{OwnerEmail: &email}, ev); err != nil {
		return err
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
	a := staffFrom(ctx)
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
	zc, err := h.zoomFor(r)
	if err != nil {
		return err
	}
	_, err = zc.DisassociateSubAccount(ctx, c.ZoomAccountID)
	ev := h.withGrant(r, zc)
	ev.Action = "customer.disassociate"
	ev.Details = details(map[string]any{"before": map[string]any{"status": string(c.Status)}, "after": map[string]any{"status": "disassociated"}})
	if err != nil {
		if ze, ok := zoom.AsError(err); ok && ze.Code == 2000 {
			return h.zoomRefused(w, r, c, ev, err, func(string) error {
				return show("Zoom refuses to disassociate an account that has a paid plan through you (code 2000). Cancel its plans on the Plans tab, then disassociate it.")
			})
		}
		return h.zoomRefused(w, r, c, ev, err, show)
	}
	status := store.CustomerDisassociated
	if _, err := h.store.RecordCustomerChange(ctx, a.Partner.ID, c.ID, store.CustomerUpdate{Status: &status}, ev); err != nil {
		return err
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
	page, err := h.store.AuditEvents(r.Context(), a.Partner.ID, store.AuditFilter{CustomerID: c.ZoomAccountID, BeforeSeq: before})
	if err != nil {
		return err
	}
	p := templates.ActivityTabPage{Head: h.customerHead(r, c, "/activity", detailsView{}), AllURL: paths.AuditOfCustomer(c.ZoomAccountID)}
	for _, e := range page.Events {
		p.Rows = append(p.Rows, auditRow(e, nil))
	}
	if page.NextSeq != 0 {
		p.OlderURL = paths.With(paths.CustomerActivity(c.ZoomAccountID), url.Values{"before": {strconv.FormatInt(page.NextSeq, 10)}})
	}
	h.render(w, r, http.StatusOK, templates.CustomerActivity(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}

func notesPanel(c store.Customer, canEdit bool) templates.NotesPanel {
	return templates.NotesPanel{Action: paths.CustomerNotes(c.ZoomAccountID), CanEdit: canEdit, ExternalRef: c.ExternalRef,
		Tags: strings.Join(c.Tags, ", "), Notes: c.Notes}
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
	n := store.CustomerNotes{ExternalRef: strings.TrimSpace(r.PostFormValue("external_ref")), Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	for _, t := range strings.Split(r.PostFormValue("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			n.Tags = append(n.Tags, t)
		}
	}
	panel := notesPanel(c, true)
	panel.ExternalRef, panel.Tags, panel.Notes = n.ExternalRef, strings.Join(n.Tags, ", "), n.Notes
	panel.Errors = map[string]string{}
	switch {
	case len(n.ExternalRef) > 100:
		panel.Errors["external_ref"] = "Use at most 100 characters."
	case len(n.Notes) > 4000:
		panel.Errors["notes"] = "Use at most 4,000 characters."
	case len(n.Tags) > 20:
		panel.Errors["tags"] = "Use at most 20 tags."
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
