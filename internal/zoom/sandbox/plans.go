package sandbox

import (
	"strings"

	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
)

// planView is one plan as Zoom shows it.
type planView struct {
	Type                 string `json:"type"`
	Hosts                int    `json:"hosts"`
	ServiceEffectiveDate string `json:"service_effective_date"`
	NextInvoiceDate      string `json:"next_invoice_date"`
	Status               string `json:"status"`
}

func viewPlan(p *planItem) planView {
	return planView{Type: p.Type, Hosts: p.Hosts, ServiceEffectiveDate: ts(p.ServiceEffectiveDate), NextInvoiceDate: ts(p.NextInvoiceDate), Status: p.Status}
}

// addonCategory maps an add-on plan type to the plans field it is shown under: the
// catalogue's field for a plan it holds, else a guess from the code (Zoom's codes are opaque
// to the sandbox, ZOOM_API.md §1.13).
func addonCategory(t string) string {
	if p, ok := catalogue.Lookup(t); ok && !p.Base() {
		return p.Field
	}
	l := strings.ToLower(t)
	switch {
	case strings.Contains(l, "webinar"):
		return "plan_webinar"
	case strings.Contains(l, "room_connector"):
		return "plan_room_connector"
	case strings.Contains(l, "zoom_rooms") || strings.HasPrefix(l, "zr"):
		return "plan_zoom_rooms"
	case strings.Contains(l, "recording") || strings.Contains(l, "cmr"):
		return "plan_recording"
	case strings.Contains(l, "audio"):
		return "plan_audio"
	case strings.Contains(l, "phone"):
		return "plan_phone"
	}
	return "plan_large_meeting"
}

// plansView is GET /accounts/{accountId}/plans (ZOOM_API.md §1.13).
func plansView(a *account) map[string]any {
	out := map[string]any{}
	if a.Plans == nil {
		return out
	}
	if a.Plans.Base != nil {
		out["plan_base"] = viewPlan(a.Plans.Base)
	}
	for _, p := range a.Plans.Addons {
		v := viewPlan(p)
		switch p.Category {
		case "plan_webinar", "plan_large_meeting":
			list, _ := out[p.Category].([]planView)
			out[p.Category] = append(list, v)
		case "plan_recording":
			out["plan_recording"] = p.Type
			out["plan_recording_service_effective_date"] = v.ServiceEffectiveDate
			out["plan_recording_next_invoice_date"] = v.NextInvoiceDate
			out["plan_recording_status"] = map[bool]string{true: "Active", false: "Cancelled"}[p.Status == "active"]
		case "plan_audio":
			out["plan_audio"] = map[string]any{"type": p.Type, "tollfree_countries": "", "premium_countries": "", "callout_countries": "",
				"ddi_numbers": 0, "service_effective_date": v.ServiceEffectiveDate, "next_invoice_date": v.NextInvoiceDate, "status": p.Status}
		case "plan_phone":
			out["plan_phone"] = map[string]any{"plan_base": map[string]any{"type": p.Type, "callout_countries": "",
				"service_effective_date": v.ServiceEffectiveDate, "next_invoice_date": v.NextInvoiceDate, "status": p.Status},
				"plan_calling": []any{}, "plan_number": []any{}}
		default:
			out[p.Category] = v
		}
	}
	return out
}

// hostsRefusal is Zoom's refusal of a base plan order of hosts of plan type t by subscribe
// (POST …/plans) or by a change (PUT …/plans/base), nil when Zoom takes it. The host ranges are
// the catalogue's (ZOOM_API.md §1.13: "Pro 1-9, Business 10-49, Education 20-149, Free trial
// 1-9999"); a code the catalogue does not hold is opaque, and any number of hosts goes.
// ZOOM_API.md gives the words below the minimum; those above the maximum are the sandbox's,
// in the same form.
func hostsRefusal(t string, hosts int, change bool) *apiError {
	p, ok := catalogue.Lookup(t)
	if !ok || !p.Base() {
		return nil
	}
	family := strings.ToLower(p.Family)
	switch {
	case hosts < p.MinHosts && change:
		return zerr(400, 300, "Insufficient number of hosts for %s plan type.", family)
	case hosts < p.MinHosts:
		return zerr(400, 300, "Buy hosts must equal or larger than %d", p.MinHosts)
	case p.MaxHosts > 0 && hosts > p.MaxHosts && change:
		return zerr(400, 300, "Too many hosts for %s plan type.", family)
	case p.MaxHosts > 0 && hosts > p.MaxHosts:
		return zerr(400, 300, "Buy hosts must equal or less than %d", p.MaxHosts)
	}
	return nil
}

// planInput is {type, hosts}.
type planInput struct {
	Type  string `json:"type"`
	Hosts *int   `json:"hosts"`
}

// check validates a plan input; needHosts says hosts is required.
func (p *planInput) check(field string, v *validation, needHosts bool) {
	if p.Type == "" {
		v.add(field+"type", "Invalid field.")
	}
	if needHosts && (p.Hosts == nil || *p.Hosts < 1) {
		v.add(field+"hosts", "Invalid field.")
	}
}

// hosts returns the host count (0 when absent).
func (p *planInput) hosts() int {
	if p.Hosts == nil {
		return 0
	}
	return *p.Hosts
}

// planChanged emits account.updated for a plan change.
func (c *call) planChanged(a *account, oldType string, oldSeats int) {
	c.emit("account.updated", c.caller.ID, map[string]any{"id": a.ID, "account_type": a.accountType(), "seats": a.seats()},
		map[string]any{"old_object": map[string]any{"id": a.ID, "account_type": oldType, "seats": oldSeats}})
}

// getPlans is GET /accounts/{accountId}/plans.
func getPlans(c *call) (any, error) {
	if c.target.Options.PayMode == "sub" {
		return nil, errSelfPay()
	}
	return plansView(c.target), nil
}

// subscribePlans is POST /accounts/{accountId}/plans: subscribe a free sub account paid by
// its primary.
func subscribePlans(c *call) (any, error) {
	a := c.target
	if a.Options.PayMode == "sub" {
		return nil, zerr(400, 2100, "Cannot add plan for sub account which is paid by self")
	}
	var b struct {
		Contact          *contactInput `json:"contact"`
		PlanBase         *planInput    `json:"plan_base"`
		PlanZoomRooms    *planInput    `json:"plan_zoom_rooms"`
		PlanRoomConn     *planInput    `json:"plan_room_connector"`
		PlanLargeMeeting []planInput   `json:"plan_large_meeting"`
		PlanWebinar      []planInput   `json:"plan_webinar"`
		PlanRecording    string        `json:"plan_recording"`
		PlanAudio        *planInput    `json:"plan_audio"`
		PlanPhone        *struct {
			PlanBase *planInput `json:"plan_base"`
		} `json:"plan_phone"`
	}
	if err := decodeObject(c.body, &b); err != nil {
		return nil, err
	}
	var v validation
	if b.PlanBase == nil {
		v.add("plan_base", "Invalid field.")
	} else {
		b.PlanBase.check("plan_base.", &v, true)
	}
	if b.Contact == nil {
		v.add("contact", "Invalid field.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if a.paid() {
		return nil, zerr(400, 200, "This sub account already has a base plan; use PUT /accounts/%s/plans/base to change it.", a.ID)
	}
	if err := hostsRefusal(b.PlanBase.Type, b.PlanBase.hosts(), false); err != nil {
		return nil, err
	}
	contact := billingContact{}
	if err := b.Contact.apply(&contact, true); err != nil {
		return nil, err
	}
	oldType, oldSeats := a.accountType(), a.seats()
	item := func(category string, p planInput) *planItem {
		return &planItem{Category: category, Type: p.Type, Hosts: p.hosts(), ServiceEffectiveDate: c.now, NextInvoiceDate: c.now.AddDate(1, 0, 0), Status: "active"}
	}
	pl := &plans{Base: item("", *b.PlanBase)}
	for cat, p := range map[string]*planInput{"plan_zoom_rooms": b.PlanZoomRooms, "plan_room_connector": b.PlanRoomConn, "plan_audio": b.PlanAudio} {
		if p != nil && p.Type != "" {
			pl.Addons = append(pl.Addons, item(cat, *p))
		}
	}
	for _, p := range b.PlanLargeMeeting {
		pl.Addons = append(pl.Addons, item("plan_large_meeting", p))
	}
	for _, p := range b.PlanWebinar {
		pl.Addons = append(pl.Addons, item("plan_webinar", p))
	}
	if b.PlanRecording != "" {
		pl.Addons = append(pl.Addons, item("plan_recording", planInput{Type: b.PlanRecording}))
	}
	if b.PlanPhone != nil && b.PlanPhone.PlanBase != nil {
		pl.Addons = append(pl.Addons, item("plan_phone", *b.PlanPhone.PlanBase))
	}
	a.Plans, a.Billing = pl, &contact
	a.NoBillingAccount, a.NoSubscription = false, false // subscribing opens both records anew
	c.planChanged(a, oldType, oldSeats)
	return plansView(a), nil
}

// updateBasePlan is PUT /accounts/{accountId}/plans/base.
func updateBasePlan(c *call) (any, error) {
	a := c.target
	if a.Options.PayMode == "sub" {
		return nil, errSelfPay()
	}
	var p planInput
	if err := decodeObject(c.body, &p); err != nil {
		return nil, err
	}
	var v validation
	p.check("", &v, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	if !a.paid() {
		return nil, zerr(400, 200, "You do not have a subscription yet.")
	}
	if cur, ok := catalogue.Lookup(a.Plans.Base.Type); ok && cur.Fixed {
		return nil, zerr(400, 200, "Free trial and VIP account can't update sub plan.")
	}
	if err := hostsRefusal(p.Type, p.hosts(), true); err != nil {
		return nil, err
	}
	oldType, oldSeats := a.accountType(), a.seats()
	a.Plans.Base.Type, a.Plans.Base.Hosts = p.Type, p.hosts()
	c.planChanged(a, oldType, oldSeats)
	return nil, nil
}

// cancelInput is the body of the plan status endpoints.
type cancelInput struct {
	Action  string `json:"action"`
	Type    string `json:"type"`
	Reason  *int   `json:"reason"`
	Comment string `json:"comment"`
}

// check validates a cancel request.
func (in *cancelInput) check() error {
	var v validation
	if in.Action != "cancel" {
		v.add("action", "Invalid field.")
	}
	if in.Reason != nil && (*in.Reason < 1 || *in.Reason > 6) {
		v.add("reason", "Invalid field.")
	}
	return v.err()
}

// cancelBasePlan is PATCH /accounts/{accountId}/plans/base/status.
func cancelBasePlan(c *call) (any, error) {
	a := c.target
	if a.Options.PayMode == "sub" {
		return nil, errSelfPay()
	}
	var in cancelInput
	if err := decodeObject(c.body, &in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if !a.paid() {
		return nil, zerr(400, 200, "You do not have a subscription yet.")
	}
	oldType, oldSeats := a.accountType(), a.seats()
	a.Plans.Base.Status = "cancel"
	for _, p := range a.Plans.Addons {
		p.Status = "cancel"
	}
	c.planChanged(a, oldType, oldSeats)
	return nil, nil
}

// cancelAddons is PATCH /accounts/{accountId}/plans/addons/status.
func cancelAddons(c *call) (any, error) {
	a := c.target
	if a.Options.PayMode == "sub" {
		return nil, errSelfPay()
	}
	var in cancelInput
	if err := decodeObject(c.body, &in); err != nil {
		return nil, err
	}
	if in.Type == "" {
		return nil, zerr(400, 300, "Plan type is required.")
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	addon := findAddon(a, in.Type)
	if addon == nil {
		return nil, zerr(400, 3261, "Failed to change sub plan of account")
	}
	addon.Status = "cancel"
	c.planChanged(a, a.accountType(), a.seats())
	return nil, nil
}

// planUsage is GET /accounts/{accountId}/plans/usage.
func planUsage(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for paid account.")
	}
	licensed := 0
	for _, u := range c.st.usersOf(a.ID) {
		if u.Type == 2 && u.Status != statusPending {
			licensed++
		}
	}
	type usage struct {
		Type  string `json:"type"`
		Hosts int    `json:"hosts"`
		Usage int    `json:"usage"`
	}
	out := map[string]any{"plan_base": []usage{{a.Plans.Base.Type, a.Plans.Base.Hosts, licensed}}}
	for _, p := range a.Plans.Addons {
		if p.Status != "active" {
			continue
		}
		switch p.Category {
		case "plan_webinar", "plan_large_meeting", "plan_zoom_rooms":
			list, _ := out[p.Category].([]usage)
			out[p.Category] = append(list, usage{p.Type, p.Hosts, 0})
		case "plan_recording":
			out["plan_recording"] = map[string]string{"type": p.Type, "free_storage": "5 GB", "free_storage_usage": "0 GB",
				"plan_storage": "100 GB", "plan_storage_usage": "0 GB", "plan_storage_exceed": "0 GB"}
		}
	}
	return out, nil
}
