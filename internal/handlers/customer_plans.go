package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
	"github.com/tierdesk/tierdesk/web/templates"
)

// planOptions are the plans a picker offers, from the catalogue: its base plans (base) or its
// add-ons, each "Business, annual: 10–49 hosts (business_annual)".
func planOptions(base bool) []templates.Option {
	list := catalogue.Addons()
	if base {
		list = catalogue.BasePlans()
	}
	out := make([]templates.Option, 0, len(list))
	for _, p := range list {
		out = append(out, templates.Option{Value: p.Code, Label: p.Label()})
	}
	return out
}

// cancelReasons are Zoom's six reasons for cancelling a plan (ZOOM_API §1.13).
var cancelReasons = []templates.Option{{Value: "1", Label: "No longer working remotely"}, {Value: "2", Label: "Support challenges"},
	{Value: "3", Label: "Missing features"}, {Value: "4", Label: "Price"}, {Value: "5", Label: "Switching to another product"}, {Value: "6", Label: "Other"}}

// plansPage builds the plans tab from the cache (refreshed when stale).
func (h *Handlers) plansPage(r *http.Request, c store.Customer) (templates.PlansTabPage, error) {
	d, err := h.customerDetails(r, c, "plans", "plan_usage", "account")
	if err != nil {
		return templates.PlansTabPage{}, err
	}
	head := h.customerHead(r, c, "/plans", d)
	p := templates.PlansTabPage{Head: head, BasePlans: planOptions(true), AddonPlans: planOptions(false)}
	var plans zoom.Plans
	switch {
	case d.Unreliable["plans"] != "":
		p.Note = d.Unreliable["plans"]
	case json.Unmarshal(d.Plans, &plans) == nil:
		row := func(kind string, it zoom.PlanItem, cancelable bool) {
			p.Rows = append(p.Rows, templates.PlanRow{Kind: kind, Type: it.Type, Hosts: strconv.Itoa(it.Hosts), Status: it.Status,
				Next: day(timePtr(it.NextInvoiceDate)), Cancelable: cancelable && it.Status == "active"})
		}
		if plans.PlanBase != nil {
			p.HasBase = true
			row("base", *plans.PlanBase, true)
		}
		if plans.PlanZoomRooms != nil {
			row("zoom rooms", *plans.PlanZoomRooms, true)
		}
		for _, it := range plans.PlanLargeMeeting {
			row("large meeting", it, true)
		}
		for _, it := range plans.PlanWebinar {
			row("webinar", it, true)
		}
		if plans.PlanRecording != "" {
			p.Rows = append(p.Rows, templates.PlanRow{Kind: "recording", Type: plans.PlanRecording, Status: plans.PlanRecordingStatus,
				Next: day(timePtr(plans.PlanRecordingNextInvoiceDate))})
		}
		if len(p.Rows) == 0 {
			p.Note = "No plan is subscribed through you: the customer is on Zoom's free plan."
		}
	default:
		p.Note = "Tierdesk has not seen this customer's plans yet."
	}
	var usage zoom.PlanUsage
	switch {
	case d.Unreliable["plan_usage"] != "":
		p.UsageNote = d.Unreliable["plan_usage"]
	case json.Unmarshal(d.PlanUsage, &usage) == nil:
		// In the plans table's order (a map's would change from view to view).
		for _, k := range []struct {
			kind  string
			items []zoom.UsageItem
		}{{"base", usage.PlanBase}, {"zoom rooms", usage.PlanZoomRooms}, {"large meeting", usage.PlanLargeMeeting}, {"webinar", usage.PlanWebinar}} {
			for _, u := range k.items {
				p.Usage = append(p.Usage, templates.UsageRow{Kind: k.kind, Type: u.Type, Hosts: u.Hosts, Usage: u.Usage})
			}
		}
	default:
		p.UsageNote = "Tierdesk has not seen this customer's usage yet."
	}
	opts := currentOptions(d)
	p.CanEdit = head.CanEdit && opts.PayMode == zoom.PayModeMaster && d.Unreliable["plans"] == ""
	if head.CanEdit && opts.PayMode == zoom.PayModeSub {
		p.Note = strings.TrimSpace(p.Note + " The customer pays Zoom directly (pay mode sub): its plans are its own business.")
	}
	return p, nil
}

// customerPlans shows plans and usage (GET /customers/{accountId}/plans).
func (h *Handlers) customerPlans(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ViewCustomer)
	if err != nil {
		return err
	}
	p, err := h.plansPage(r, c)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, templates.CustomerPlans(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}

// planForm reads a plan order from the form, with field errors; base says whether it orders a
// base plan (subscribe, change the base plan) or an add-on.
func planForm(r *http.Request, base bool) (zoom.PlanOrder, map[string]string, map[string]string) {
	form := map[string]string{"type": strings.TrimSpace(r.PostFormValue("type")), "hosts": strings.TrimSpace(r.PostFormValue("hosts"))}
	order, errs := checkPlanOrder(form["type"], form["hosts"], base)
	return order, form, errs
}

// checkPlanOrder checks a plan order as sent (a plan code and a number of hosts) against the
// catalogue of Zoom's plans, before anything reaches Zoom, and returns it, with errors keyed
// "type" and "hosts" ("Zoom's Business plan needs at least 10 hosts."); base says whether it
// orders a base plan or an add-on. It is the one check of plan orders, for the plans tab, the
// onboarding wizard and the correction of a refused onboarding step.
func checkPlanOrder(typ, hosts string, base bool) (zoom.PlanOrder, map[string]string) {
	errs := map[string]string{}
	typ = strings.TrimSpace(typ)
	n, err := strconv.Atoi(strings.TrimSpace(hosts))
	if err != nil || n < 1 || n > 99999 {
		errs["hosts"] = "Enter the number of hosts (licensed users), at least 1."
	}
	if pr := catalogue.Check(typ, n, base); pr != nil && errs[pr.Field] == "" {
		errs[pr.Field] = pr.Message
	}
	if p, ok := catalogue.Lookup(typ); ok {
		typ = p.Code // as Zoom writes it
	}
	return zoom.PlanOrder{Type: typ, Hosts: n}, errs
}

// checkContact checks a billing contact (keyed by contactFields, Zoom's names) as Zoom needs
// it and returns errors keyed the same way. It is the one check of billing contacts, for the
// plans tab and the onboarding wizard.
func checkContact(ct map[string]string) map[string]string {
	errs := map[string]string{}
	for _, k := range contactFields {
		switch v := strings.TrimSpace(ct[k]); {
		case v == "":
			errs[k] = "Zoom needs this for the billing contact."
		case utf8.RuneCountInString(v) > 128:
			errs[k] = "At most 128 characters."
		case k == "email" && checkEmail(v) != "":
			errs[k] = "This is not an email address, like name@example.com."
		case k == "country" && (len(v) != 2 || strings.IndexFunc(v, func(r rune) bool { return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') }) >= 0):
			errs[k] = "Use the two-letter country code, e.g. US or DE."
		}
	}
	return errs
}

// planLines are the confirmation's lines of a plan change; before is the plan it changes as
// Tierdesk last read it from Zoom (nil when the customer has none).
type planLines func(o zoom.PlanOrder, f map[string]string, before *zoom.PlanItem) []string

// planCall says which plan change the form asks for (the service sends it).
type planCall func(o zoom.PlanOrder, f map[string]string, before *zoom.PlanItem) service.PlanChange

// planChange runs one plan change: validate, confirm (it costs money), call Zoom, audit with
// the plan before (as last read from Zoom, refreshed when stale) and after.
func (h *Handlers) planChange(w http.ResponseWriter, r *http.Request, formName string, action audit.Action, title string, lines planLines, call planCall,
	extra func(*http.Request, map[string]string, map[string]string)) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.editableCustomer(r, policy.EditCustomer)
	if err != nil {
		return err
	}
	ctx := r.Context()
	order, form, errs := planForm(r, formName != "addon")
	if formName == "cancel" {
		errs = map[string]string{}
		form["kind"], form["type"] = r.PostFormValue("kind"), r.PostFormValue("type")
		form["reason"], form["comment"] = r.PostFormValue("reason"), r.PostFormValue("comment")
	}
	if extra != nil {
		extra(r, form, errs)
	}
	showErr := func(status int, fields map[string]string) error {
		p, err := h.plansPage(r, c)
		if err != nil {
			return err
		}
		p.FormName, p.Form, p.Errors = formName, form, fields
		h.render(w, r, status, templates.CustomerPlans(h.chrome(r, c.AccountName, "customers"), p))
		return nil
	}
	if len(errs) > 0 {
		return showErr(http.StatusUnprocessableEntity, errs)
	}
	d, err := h.customerDetails(r, c, "plans")
	if err != nil {
		return err
	}
	var plans *zoom.Plans
	if d.Unreliable["plans"] == "" && d.Plans != nil {
		plans = new(zoom.Plans)
		if json.Unmarshal(d.Plans, plans) != nil {
			plans = nil
		}
	}
	kind, before := planOf(plans, formName, form["kind"], order.Type)
	if formName == "cancel" {
		kind = form["kind"]
	}
	if cur, ok := catalogue.Lookup(planType(before)); ok && cur.Fixed && formName == "base" {
		return showErr(http.StatusUnprocessableEntity, map[string]string{"_": "Zoom does not change a " + cur.Name +
			" plan (\"Free trial and VIP account can't update sub plan\"): nothing was sent. Cancel it, and subscribe a plan once it has ended."})
	}
	if formName == "addon" && before != nil {
		// An add-on the customer already has: its number of hosts changes.
		action, title = audit.CustomerPlanAddonUpdate, "Change an add-on"
	}
	var reasons []templates.Option
	if formName == "cancel" {
		reasons = cancelReasons
	}
	button := "Confirm"
	if formName == "cancel" {
		button = "Cancel the plan"
	}
	if h.confirm(w, r, c, title+" for "+c.AccountName, button, formName == "cancel", lines(order, form, before), reasons...) {
		return nil
	}
	after := map[string]any{"type": order.Type, "hosts": order.Hosts}
	if kind != "" {
		after["kind"] = kind
	}
	if formName == "cancel" {
		reason := cancelReason(form["reason"])
		after = map[string]any{"kind": kind, "type": form["type"], "status": "cancelled", "reason": reason.Value + " " + reason.Label}
		if before != nil {
			after["hosts"] = before.Hosts
		}
		if form["comment"] != "" {
			after["comment"] = form["comment"]
		}
	}
	upd := store.CustomerUpdate{}
	if formName == "base" || formName == "subscribe" {
		upd.Seats = &order.Hosts
	}
	res, err := h.svc.ChangePlan(ctx, serviceActor(r), h.requestEvent(r), c, action, call(order, form, before),
		map[string]any{"before": planAudit(kind, before), "after": after}, upd)
	if err != nil {
		return err
	}
	if !res.Done {
		return h.notDone(w, r, c, res, func(msg string) error {
			return showErr(http.StatusUnprocessableEntity, map[string]string{"_": billingExplain(res.Refusal, msg, formName)})
		})
	}
	h.flash(ctx, "ok", title+" for "+c.AccountName+": done in Zoom.")
	http.Redirect(w, r, paths.CustomerPlans(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}

// planOf finds the plan a change is about among the plans as last read from Zoom: the base
// plan (subscribe, base), the active add-on of type typ (addon), or the plan of kind and typ
// being cancelled (cancel). It returns the plan's kind as the plans tab names it, and nil
// when the customer has no such plan (or its plans are unknown).
func planOf(plans *zoom.Plans, formName, kind, typ string) (string, *zoom.PlanItem) {
	if plans == nil {
		return "", nil
	}
	if formName == "subscribe" || formName == "base" || (formName == "cancel" && kind == "base") {
		return "base", plans.PlanBase
	}
	type addon struct {
		kind string
		it   *zoom.PlanItem
	}
	var addons []addon
	if plans.PlanZoomRooms != nil {
		addons = append(addons, addon{"zoom rooms", plans.PlanZoomRooms})
	}
	if plans.PlanRoomConnector != nil {
		addons = append(addons, addon{"room connector", plans.PlanRoomConnector})
	}
	for i := range plans.PlanLargeMeeting {
		addons = append(addons, addon{"large meeting", &plans.PlanLargeMeeting[i]})
	}
	for i := range plans.PlanWebinar {
		addons = append(addons, addon{"webinar", &plans.PlanWebinar[i]})
	}
	// The active one of the type; a cancel names an inactive one only when there is no other.
	for _, anyStatus := range []bool{false, formName == "cancel"} {
		for _, a := range addons {
			if strings.EqualFold(a.it.Type, typ) && (anyStatus || a.it.Status == "" || a.it.Status == "active") {
				return a.kind, a.it
			}
		}
	}
	return "", nil
}

// planType is the code of plan it, "" for none.
func planType(it *zoom.PlanItem) string {
	if it == nil {
		return ""
	}
	return it.Type
}

// planAudit is a plan as an audit event's before or after records it (nil: none).
func planAudit(kind string, it *zoom.PlanItem) map[string]any {
	if it == nil {
		return nil
	}
	return map[string]any{"kind": kind, "type": it.Type, "hosts": it.Hosts, "status": it.Status}
}

// cancelReason is the cancel reason chosen on the form (Zoom's six, "Other" when none is).
func cancelReason(v string) templates.Option {
	for _, o := range cancelReasons {
		if o.Value == v {
			return o
		}
	}
	return cancelReasons[len(cancelReasons)-1]
}

// billingExplain adds what to do about Zoom's billing refusals of a plan change made with
// form formName (subscribe, base, addon, cancel).
func billingExplain(err error, msg, formName string) string {
	ze, ok := zoom.AsError(err)
	if !ok {
		return msg
	}
	switch ze.Code {
	case 2100:
		return msg + " Plans are only managed here for customers you pay for (pay mode master) and within your billing agreement with Zoom."
	case 3261:
		if formName == "subscribe" {
			return msg + " Check the plan code: it must be a base plan (e.g. business_annual), not an add-on."
		}
		return msg + " Subscribe a base plan first."
	case 3200, 3201, 3211:
		if formName == "subscribe" {
			return msg + " Check the billing contact below and try again; if Zoom still refuses, the customer's billing account must be set up with Zoom first."
		}
		return msg + " Zoom has no billing account or contact for this customer yet: subscribe a plan with a billing contact first."
	}
	return msg
}

// subscribePlan subscribes a base plan with a billing contact (POST /customers/{accountId}/plans).
func (h *Handlers) subscribePlan(w http.ResponseWriter, r *http.Request) error {
	return h.planChange(w, r, "subscribe", audit.CustomerPlanSubscribe, "Subscribe a plan",
		func(o zoom.PlanOrder, f map[string]string, _ *zoom.PlanItem) []string {
			return []string{fmt.Sprintf("Zoom starts billing you for %s with %d hosts.", o.Type, o.Hosts),
				"Billing contact: " + f["first_name"] + " " + f["last_name"] + ", " + f["email"] + "."}
		},
		func(o zoom.PlanOrder, f map[string]string, _ *zoom.PlanItem) service.PlanChange {
			return service.PlanChange{Op: service.PlanSubscribe, Order: o, Contact: zoom.BillingContact{
				FirstName: f["first_name"], LastName: f["last_name"], Email: f["email"], PhoneNumber: f["phone_number"],
				Address: f["address"], City: f["city"], State: f["state"], Zip: f["zip"], Country: strings.ToUpper(f["country"])}}
		},
		func(r *http.Request, form, errs map[string]string) {
			for _, k := range contactFields {
				form[k] = strings.TrimSpace(r.PostFormValue(k))
			}
			for k, msg := range checkContact(form) {
				errs[k] = msg
			}
		})
}

// changeBasePlan changes the base plan (POST /customers/{accountId}/plans/base).
func (h *Handlers) changeBasePlan(w http.ResponseWriter, r *http.Request) error {
	return h.planChange(w, r, "base", audit.CustomerPlanBase, "Change the base plan",
		func(o zoom.PlanOrder, _ map[string]string, before *zoom.PlanItem) []string {
			line := fmt.Sprintf("The base plan becomes %s with %d hosts; Zoom adjusts what it bills you.", o.Type, o.Hosts)
			if before != nil {
				line = fmt.Sprintf("The base plan changes from %s with %d hosts to %s with %d hosts; Zoom adjusts what it bills you.",
					before.Type, before.Hosts, o.Type, o.Hosts)
			}
			return []string{line}
		},
		func(o zoom.PlanOrder, _ map[string]string, _ *zoom.PlanItem) service.PlanChange {
			return service.PlanChange{Op: service.PlanBase, Order: o}
		}, nil)
}

// addAddon subscribes an add-on plan, or changes the hosts of one the customer already has
// (POST /customers/{accountId}/plans/addons).
func (h *Handlers) addAddon(w http.ResponseWriter, r *http.Request) error {
	return h.planChange(w, r, "addon", audit.CustomerPlanAddon, "Add an add-on",
		func(o zoom.PlanOrder, _ map[string]string, before *zoom.PlanItem) []string {
			if before != nil {
				return []string{fmt.Sprintf("The add-on %s changes from %d to %d hosts; Zoom adjusts what it bills you.", o.Type, before.Hosts, o.Hosts)}
			}
			return []string{fmt.Sprintf("Zoom adds %s for %d hosts and bills you for it.", o.Type, o.Hosts)}
		},
		func(o zoom.PlanOrder, _ map[string]string, before *zoom.PlanItem) service.PlanChange {
			if before != nil {
				return service.PlanChange{Op: service.PlanAddonUpdate, Order: o}
			}
			return service.PlanChange{Op: service.PlanAddon, Order: o}
		}, nil)
}

// cancelPlan cancels the base plan or an add-on (POST /customers/{accountId}/plans/cancel).
func (h *Handlers) cancelPlan(w http.ResponseWriter, r *http.Request) error {
	return h.planChange(w, r, "cancel", audit.CustomerPlanCancel, "Cancel a plan",
		func(_ zoom.PlanOrder, f map[string]string, _ *zoom.PlanItem) []string {
			lines := []string{"Zoom cancels the " + f["kind"] + " plan " + f["type"] + " at the end of the billing period."}
			if f["kind"] == "base" {
				lines = append(lines, "Without a base plan the customer's users lose their licences when the period ends.")
			}
			return lines
		},
		func(_ zoom.PlanOrder, f map[string]string, _ *zoom.PlanItem) service.PlanChange {
			reason, _ := strconv.Atoi(cancelReason(f["reason"]).Value)
			if f["kind"] == "base" {
				return service.PlanChange{Op: service.PlanCancelBase, Cancel: zoom.CancelPlanRequest{Reason: reason, Comment: f["comment"]}}
			}
			return service.PlanChange{Op: service.PlanCancelAddon, Cancel: zoom.CancelPlanRequest{Type: f["type"], Reason: reason, Comment: f["comment"]}}
		}, nil)
}
