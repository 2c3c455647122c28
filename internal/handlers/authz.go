package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/input"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
)

// target describes what a request acts on, for the policy and the audit log.
type target struct {
	PartnerID  int64  // owner of the target; 0 means the acting partner
	Type       string // customer, user, staff, job, partner
	ID         string
	Label      string
	CustomerID string
}

// authorize asks the policy whether the signed-in staff member may take action on t. When
// not, it writes a "denied" audit event and returns the page to show: 404 for anything out
// of reach (never revealing that it exists), 403 for a role that may not. Handlers call it
// before touching Zoom or changing anything.
func (h *Handlers) authorize(r *http.Request, action policy.Action, t target) error {
	a := staffFrom(r.Context())
	if a == nil {
		return errNotFound
	}
	d := policy.Decide(a.policyActor(), action, policy.Target{PartnerID: t.PartnerID, CustomerID: t.CustomerID})
	if d == policy.Allow {
		return nil
	}
	h.deny(r, action, t, d.String())
	if d == policy.Limited && a.Delegation != nil {
		return &pageError{status: http.StatusForbidden, title: "Not within your delegation",
			message: fmt.Sprintf("You act for %s on some of its customers only, and this works on all of %s's. Nothing was changed.",
				a.Partner.Name, a.Partner.Name)}
	}
	if d == policy.Limited {
		return &pageError{status: http.StatusForbidden, title: "Not within your customer groups",
			message: fmt.Sprintf("You work on the customers of some groups only, and this works on all of %s's. Nothing was changed. Ask an owner of %s if you need it.",
				a.Partner.Name, a.Partner.Name)}
	}
	if d == policy.Forbidden {
		if a.Delegation != nil {
			return &pageError{status: http.StatusForbidden, title: "Not allowed under your delegation",
				message: fmt.Sprintf("You act for %s as %s, and this needs %s or above. Nothing was changed. Ask %s for a delegation with that role if you need it.",
					a.Partner.Name, a.Delegation.Role.Label(), policy.Least(action).Label(), a.Partner.Name)}
		}
		return &pageError{status: http.StatusForbidden, title: "Not allowed for your role",
			message: fmt.Sprintf("Your role (%s) cannot do this: it needs %s or above. Nothing was changed. Ask an owner of %s if you need it.",
				a.Staff.Role.Label(), policy.Least(action).Label(), a.Partner.Name)}
	}
	return errNotFound
}

// policyActor is the signed-in member as the policy sees them.
func (a *actor) policyActor() policy.Actor {
	return policy.Actor{PartnerID: a.Partner.ID, Role: a.Staff.Role, Reach: a.Reach, Scope: a.Scope, Delegation: a.Delegation}
}

// deny records a refusal in the acting partner's audit log.
func (h *Handlers) deny(r *http.Request, action policy.Action, t target, reason string) {
	ev := h.requestEvent(r)
	if ev.PartnerID == 0 {
		return
	}
	ev.Action, ev.Outcome = audit.Action(action), store.OutcomeDenied
	ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = t.Type, t.ID, t.Label, t.CustomerID
	ev.Details = details(map[string]any{"reason": reason, "method": r.Method, "path": input.Safe(r.URL.Path)})
	h.auditAlone(r, ev)
}

// customerTarget loads a customer the request names by its Zoom account id, for action.
// Unknown ids and ids out of reach are the same 404, with a denied audit event.
func (h *Handlers) customerTarget(r *http.Request, accountID string, action policy.Action) (store.Customer, error) {
	a := staffFrom(r.Context())
	c, err := h.store.CustomerByAccount(r.Context(), a.Partner.ID, accountID)
	return c, h.customerFound(r, accountID, action, c, err)
}

// customerFound decides on a customer read for a request: err is the read's error, and the
// answer is customerTarget's.
func (h *Handlers) customerFound(r *http.Request, accountID string, action policy.Action, c store.Customer, err error) error {
	if err != nil {
		if errorsIsNotFound(err) {
			h.deny(r, action, target{Type: "customer", ID: accountID, CustomerID: accountID}, "not found or out of reach")
			return errNotFound
		}
		return err
	}
	return h.authorize(r, action, target{PartnerID: c.PartnerID, Type: "customer", ID: c.ZoomAccountID, Label: c.AccountName, CustomerID: c.ZoomAccountID})
}

// recordTarget loads a record of the acting partner that a request names by number (a
// template, a group, a standard) for action: load reads it, name labels it. Text that is not
// a positive number, an unknown id and another partner's are the same 404, audited as denied;
// a record in reach is then authorized like any target of its type.
func recordTarget[T any](h *Handlers, r *http.Request, raw, typ string, action policy.Action,
	load func(ctx context.Context, partnerID, id int64) (T, error), name func(T) string) (T, error) {
	var rec T
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		err = store.ErrNotFound // not a number, or out of range: nothing has it
	} else {
		rec, err = load(r.Context(), staffFrom(r.Context()).Partner.ID, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		h.deny(r, action, target{Type: typ, ID: raw}, "not found or out of reach")
		return rec, errNotFound
	} else if err != nil {
		return rec, err
	}
	return rec, h.authorize(r, action, target{Type: typ, ID: raw, Label: name(rec)})
}
