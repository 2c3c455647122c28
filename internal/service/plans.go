package service

import (
	"context"
	"fmt"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
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

// ChangePlan sends a plan change of customer c, audited as action with details (before and
// after), and records upd in the cache once Zoom made it.
func (s *Service) ChangePlan(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, action audit.Action, pc PlanChange,
	details map[string]any, upd store.CustomerUpdate) (CustomerResult, error) {
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
