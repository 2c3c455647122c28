package service

import (
	"context"
	"fmt"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
)

// The plan operations of a customer (they cost money: pages confirm them first).
const (
	PlanSubscribe   = "subscribe"    // subscribe a base plan with a billing contact
	PlanBase        = "base"         // change the base plan
	PlanAddon       = "addon"        // subscribe an add-on
	PlanAddonUpdate = "addon.update" // change the hosts of an add-on the customer has
	PlanCancelBase  = "cancel.base"  // cancel the base plan
	PlanCancelAddon = "cancel.addon" // cancel an add-on
)

// PlanChange is one change of a customer's plans.
type PlanChange struct {
	Op      string // one of the Plan* operations
	Order   zoom.PlanOrder
	Contact zoom.BillingContact    // PlanSubscribe
	Cancel  zoom.CancelPlanRequest // PlanCancelBase, PlanCancelAddon
}

// CheckOrder says why the catalogue of Zoom's plans refuses the order of plan operation op
// (nil: it takes it, or op orders nothing): every door checks its form first, and this check
// keeps an order Zoom would refuse from being sent whatever the door.
func (pc PlanChange) CheckOrder() *catalogue.Problem {
	switch pc.Op {
	case PlanSubscribe, PlanBase:
		return catalogue.Check(pc.Order.Type, pc.Order.Hosts, true)
	case PlanAddon, PlanAddonUpdate:
		return catalogue.Check(pc.Order.Type, pc.Order.Hosts, false)
	}
	return nil
}

// ChangePlan sends a plan change of customer c, audited as action with details (before and
// after), and records upd in the cache once Zoom made it. An order the catalogue of Zoom's
// plans refuses is a *catalogue.Problem, and nothing is sent.
func (s *Service) ChangePlan(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, action audit.Action, pc PlanChange,
	details map[string]any, upd store.CustomerUpdate) (CustomerResult, error) {
	if pr := pc.CheckOrder(); pr != nil {
		return CustomerResult{}, pr
	}
	return s.ChangeCustomer(ctx, a, ev, c, CustomerChange{Action: action, Details: details, Update: upd,
		Send: func(ctx context.Context, zc *zoom.Client) (resp *zoom.Response, err error) {
			id := c.ZoomAccountID
			switch pc.Op {
			case PlanSubscribe:
				_, resp, err = zc.SubscribePlans(ctx, id, &zoom.SubscribePlansRequest{PlanBase: pc.Order, Contact: pc.Contact})
			case PlanBase:
				resp, err = zc.UpdateBasePlan(ctx, id, pc.Order)
			case PlanAddon:
				resp, err = zc.SubscribeAddon(ctx, id, &zoom.AddonRequest{Type: pc.Order.Type, Hosts: pc.Order.Hosts})
			case PlanAddonUpdate:
				resp, err = zc.UpdateAddon(ctx, id, pc.Order)
			case PlanCancelBase:
				resp, err = zc.CancelBasePlan(ctx, id, pc.Cancel)
			case PlanCancelAddon:
				resp, err = zc.CancelAddon(ctx, id, pc.Cancel)
			default:
				return nil, fmt.Errorf("unknown plan operation %q", pc.Op)
			}
			return resp, err
		}})
}
