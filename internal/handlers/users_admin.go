package handlers

import (
	"net/http"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// What Zoom refuses to do to an account's owner or admin (ZOOM_API §2.6, §2.7, §1.11): change
// their status (400, code 200 "Zoom Room and Admin users' status cannot be activated or
// deactivated."), remove them (400, code 1117 "You can not disassociate an Admin user.") or
// move them to another account (1117). Tierdesk says so on the user's page, with the buttons
// disabled, and refuses such a request itself, before any call to Zoom.

// adminRefusal says why Zoom would refuse op (service.OpStatus with the status action,
// service.OpRemove, service.OpMove) on u, an owner or admin as the directory last saw them,
// or "" when u is neither.
func adminRefusal(u store.CustomerUser, op, statusAction string) string {
	owner := u.RoleID == service.RoleOwnerID
	if !owner && u.RoleID != service.RoleAdminID {
		return ""
	}
	who, first := "an admin", "change their role to member in Zoom first"
	if owner {
		who, first = "the account owner", "make another user the owner first (Change owner, on the customer's page)"
	}
	switch op {
	case service.OpStatus:
		verb := "deactivate"
		if statusAction == zoom.StatusActivate {
			verb = "activate"
		}
		return "Zoom does not let you " + verb + " " + who + "; " + first + ". (Zoom refuses it with code 200.)"
	case service.OpRemove:
		return "Zoom does not let you remove " + who + " from the account; " + first + ". (Zoom refuses it with code 1117.)"
	case service.OpMove:
		return "Zoom does not let you move " + who + " to another account; " + first + ". (Zoom refuses it with code 1117.)"
	}
	return ""
}

// refuseAdmin refuses act (op on u) before anything is sent, when Zoom would refuse it
// (adminRefusal): the refusal is audited as denied, with the reason, as the service audits a
// change it does not send, and the page says why; nil when it may go to Zoom.
func (h *Handlers) refuseAdmin(r *http.Request, c store.Customer, u store.CustomerUser, op, statusAction string, act audit.Action) error {
	msg := adminRefusal(u, op, statusAction)
	if msg == "" {
		return nil
	}
	ev := h.requestEvent(r)
	ev.Action, ev.Outcome, ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = act, store.OutcomeDenied, "user", u.Key(), u.Email, c.ZoomAccountID
	ev.Details = details(map[string]any{"role": roleLabel(u.RoleID), "reason": msg + " Nothing was sent to Zoom."})
	h.auditAlone(r, ev)
	return &pageError{status: http.StatusConflict, title: "Zoom does not allow this", message: msg + " Nothing was sent to Zoom.",
		action: "Back to " + u.Email, actionURL: paths.User(c.ZoomAccountID, u.Key())}
}
