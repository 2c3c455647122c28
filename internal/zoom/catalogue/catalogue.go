// Package catalogue holds the Zoom plans Tierdesk offers for sub accounts: each plan code with
// its name and the rules Zoom applies to an order of it (ZOOM_API.md §1.13). It is a leaf of
// Zoom facts, imported by the portal (which checks an order before any call) and by the
// sandbox (which refuses the same orders as Zoom), so that the two cannot disagree.
//
// ZOOM_API.md states the host ranges of four plan families ("Pro 1-9, Business 10-49,
// Education 20-149, Free trial 1-9999"), that a Free trial base plan cannot be changed ("Free
// trial and VIP account can't update sub plan"), and that Zoom's current list of codes is not
// public. The codes here are the ones Tierdesk has always offered (Zoom's monthly and annual
// billing codes) plus the documented edu20 and trial; Zoom may know others, which the sandbox
// treats as opaque, as ZOOM_API.md asks.
package catalogue

import (
	"fmt"
	"strings"
)

// The fields of Zoom's plans object (GET /accounts/{accountId}/plans) a plan is listed under.
const (
	FieldBase          = "plan_base"
	FieldZoomRooms     = "plan_zoom_rooms"
	FieldRoomConnector = "plan_room_connector"
	FieldLargeMeeting  = "plan_large_meeting"
	FieldWebinar       = "plan_webinar"
	FieldRecording     = "plan_recording"
	FieldAudio         = "plan_audio"
	FieldPhone         = "plan_phone"
)

// Plan is one plan code Zoom sells for sub accounts, with its rules.
type Plan struct {
	Code   string // Zoom's plan code: the "type" of a plan order
	Name   string // for people: "Business, annual"
	Family string // the plan Zoom's rules name: "Business"
	Field  string // where Zoom's plans object lists it (FieldBase for a base plan, else an add-on)
	// MinHosts and MaxHosts bound the hosts of an order (MaxHosts 0: no maximum is stated).
	MinHosts, MaxHosts int
	// Fixed says Zoom refuses to change this base plan with PUT …/plans/base ("Free trial and
	// VIP account can't update sub plan").
	Fixed bool
}

// Base reports whether p is a base plan (else an add-on).
func (p Plan) Base() bool { return p.Field == FieldBase }

// Hosts describes the hosts an order of p may have: "10–49 hosts", "10 or more hosts".
func (p Plan) Hosts() string {
	switch {
	case p.MaxHosts == 0:
		return fmt.Sprintf("%d or more hosts", p.MinHosts)
	case p.MinHosts == p.MaxHosts:
		return hostCount(p.MinHosts)
	}
	return fmt.Sprintf("%d–%d hosts", p.MinHosts, p.MaxHosts)
}

// Label is how a picker offers p, what matters first (a narrow picker cuts the end): "Business,
// annual: 10–49 hosts (business_annual)".
func (p Plan) Label() string {
	return p.Name + ": " + p.Hosts() + " (" + p.Code + ")"
}

// CheckHosts says why Zoom refuses an order of p for hosts, "" when it takes it.
func (p Plan) CheckHosts(hosts int) string {
	switch {
	case hosts < p.MinHosts:
		return fmt.Sprintf("Zoom's %s plan needs at least %s.", p.Family, hostCount(p.MinHosts))
	case p.MaxHosts > 0 && hosts > p.MaxHosts:
		msg := fmt.Sprintf("Zoom's %s plan takes at most %s.", p.Family, hostCount(p.MaxHosts))
		if next, ok := nextFamily(p, hosts); ok {
			msg += " For " + hostCount(hosts) + " choose " + next + "."
		}
		return msg
	}
	return ""
}

// hostCount writes n hosts: "1 host", "10 hosts".
func hostCount(n int) string {
	if n == 1 {
		return "1 host"
	}
	return fmt.Sprintf("%d hosts", n)
}

// nextFamily is the base plan family that takes hosts when p's does not.
func nextFamily(p Plan, hosts int) (string, bool) {
	if !p.Base() {
		return "", false
	}
	for _, q := range plans {
		if q.Base() && !q.Fixed && q.Family != p.Family && q.Family != "Education" && hosts >= q.MinHosts && (q.MaxHosts == 0 || hosts <= q.MaxHosts) {
			return q.Family, true
		}
	}
	return "", false
}

// plans is the catalogue, base plans first, in the order pickers offer them.
var plans = []Plan{
	{Code: "pro_monthly", Name: "Pro, monthly", Family: "Pro", Field: FieldBase, MinHosts: 1, MaxHosts: 9},
	{Code: "pro_annual", Name: "Pro, annual", Family: "Pro", Field: FieldBase, MinHosts: 1, MaxHosts: 9},
	{Code: "business_monthly", Name: "Business, monthly", Family: "Business", Field: FieldBase, MinHosts: 10, MaxHosts: 49},
	{Code: "business_annual", Name: "Business, annual", Family: "Business", Field: FieldBase, MinHosts: 10, MaxHosts: 49},
	// ZOOM_API.md states no range for Business Plus; its minimum is Business's, as the sandbox
	// has always enforced for every "business" code, and it has no maximum.
	{Code: "business_plus_monthly", Name: "Business Plus, monthly", Family: "Business Plus", Field: FieldBase, MinHosts: 10},
	{Code: "business_plus_annual", Name: "Business Plus, annual", Family: "Business Plus", Field: FieldBase, MinHosts: 10},
	{Code: "edu20", Name: "Education", Family: "Education", Field: FieldBase, MinHosts: 20, MaxHosts: 149},
	{Code: "trial", Name: "Free trial", Family: "Free trial", Field: FieldBase, MinHosts: 1, MaxHosts: 9999, Fixed: true},
	// Add-ons: ZOOM_API.md states only that an order has hosts.
	{Code: "large500_monthly", Name: "Large meetings 500, monthly", Family: "Large meetings 500", Field: FieldLargeMeeting, MinHosts: 1},
	{Code: "large1000_monthly", Name: "Large meetings 1,000, monthly", Family: "Large meetings 1,000", Field: FieldLargeMeeting, MinHosts: 1},
	{Code: "webinar500_monthly", Name: "Webinars 500, monthly", Family: "Webinars 500", Field: FieldWebinar, MinHosts: 1},
	{Code: "webinar1000_monthly", Name: "Webinars 1,000, monthly", Family: "Webinars 1,000", Field: FieldWebinar, MinHosts: 1},
	{Code: "zroom_monthly", Name: "Zoom Rooms, monthly", Family: "Zoom Rooms", Field: FieldZoomRooms, MinHosts: 1},
	{Code: "roomconnector_monthly", Name: "H.323/SIP room connectors, monthly", Family: "H.323/SIP room connectors", Field: FieldRoomConnector, MinHosts: 1},
}

// All returns every plan of the catalogue, base plans first.
func All() []Plan { return append([]Plan(nil), plans...) }

// BasePlans returns the base plans, in the order pickers offer them.
func BasePlans() []Plan { return filter(true) }

// Addons returns the add-on plans, in the order pickers offer them.
func Addons() []Plan { return filter(false) }

func filter(base bool) []Plan {
	var out []Plan
	for _, p := range plans {
		if p.Base() == base {
			out = append(out, p)
		}
	}
	return out
}

// Lookup returns the plan of code (compared without regard to case); false when the
// catalogue does not hold it.
func Lookup(code string) (Plan, bool) {
	code = strings.TrimSpace(code)
	for _, p := range plans {
		if strings.EqualFold(p.Code, code) {
			return p, true
		}
	}
	return Plan{}, false
}

// Problem is why an order is refused, keyed by the order's field: "type" (the plan code) or
// "hosts".
type Problem struct {
	Field   string
	Message string
}

// Error makes a Problem an error.
func (p *Problem) Error() string { return p.Message }

// Check says why an order of hosts of plan code is refused, nil when the catalogue takes it;
// base says whether it orders a base plan (subscribe, change the base plan) or an add-on.
func Check(code string, hosts int, base bool) *Problem {
	p, ok := Lookup(code)
	switch {
	case strings.TrimSpace(code) == "":
		return &Problem{"type", "Choose a plan."}
	case !ok:
		return &Problem{"type", fmt.Sprintf("%q is not a plan Tierdesk knows: choose one of Zoom's plans from the list.", code)}
	case base && !p.Base():
		return &Problem{"type", p.Name + " is an add-on: choose a base plan."}
	case !base && p.Base():
		return &Problem{"type", p.Name + " is a base plan: choose an add-on."}
	}
	if msg := p.CheckHosts(hosts); msg != "" {
		return &Problem{"hosts", msg}
	}
	return nil
}

// Name names a plan code for people: the catalogue's name ("business_annual" → "Business,
// annual"), else one read from Zoom's way of writing codes ("pro_yearly" → "Pro, annual");
// a code it cannot read is returned as it is.
func Name(code string) string {
	if p, ok := Lookup(code); ok {
		return p.Name
	}
	names := map[string]string{"pro": "Pro", "business": "Business", "business_plus": "Business Plus", "enterprise": "Enterprise",
		"large500": "Large meetings 500", "large1000": "Large meetings 1,000", "webinar500": "Webinars 500", "webinar1000": "Webinars 1,000",
		"zroom": "Zoom Rooms", "free": "Free"}
	periods := map[string]string{"monthly": "monthly", "annual": "annual", "yearly": "annual"}
	i := strings.LastIndex(code, "_")
	if i < 0 {
		if n, ok := names[code]; ok {
			return n
		}
		return code
	}
	n, okN := names[code[:i]]
	per, okP := periods[code[i+1:]]
	if !okN || !okP {
		return code
	}
	return n + ", " + per
}
