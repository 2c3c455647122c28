package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// viaDelegation lets a member of a delegate partner act on a customer of the partner below it
// under an active delegation that covers it. On a route naming a customer ({accountId}), when
// one of the partner's active delegations covers that customer, is active by the portal's
// clock and the member's role is at least its role (policy.Delegated), the request acts as the
// owner partner with the delegation's role, limited to its customers:
//
//   - the actor (what every handler reads) becomes the owner's, with Via the member as they
//     signed in, so the pages work as they do for the owner's own staff;
//   - the context carries the delegation (store.WithDelegation) and its customers as the
//     scope: every transaction acts as the delegate under the delegation, which row-level
//     security checks in the database (migration 00030), and every event is recorded in both
//     partners' logs; the service sends changes under the owner's Server-to-Server app only,
//     and the Zoom client logs each call with who acts on whose behalf (zoom.OnBehalf).
//
// Any other request is left as it is: a customer not covered stays read only for the partner
// above, as before, and a change of it is out of reach.
func (h *Handlers) viaDelegation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := staffFrom(r.Context())
		account := chi.URLParam(r, "accountId")
		if a == nil || account == "" || a.Delegation != nil {
			next.ServeHTTP(w, r)
			return
		}
		d, pa, ok := h.delegationOver(a, account)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		owner, err := h.store.Partner(r.Context(), d.OwnerPartnerID)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		d.StaffID, d.StaffEmail = a.Staff.ID, a.Staff.Email
		na := &actor{Staff: a.Staff, Partner: owner, Reach: pa.Reach, Scope: pa.Scope, SignedInAt: a.SignedInAt, Delegation: &d, Via: a}
		na.Staff.Role = d.Role
		ctx := store.WithDelegation(store.WithScope(context.WithValue(r.Context(), actorKey, na), pa.Scope), &d)
		ctx = zoom.OnBehalf(ctx, fmt.Sprintf("%s of %s, delegation %d", a.Staff.Email, a.Partner.Name, d.ID))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// delegationOver finds the first of a's partner's delegations that covers the customer with
// Zoom account id account and lets a act under it now (policy.Delegated), with the actor a
// becomes under it.
func (h *Handlers) delegationOver(a *actor, account string) (store.ActiveDelegation, policy.Actor, bool) {
	for _, d := range a.Delegations {
		if d.Covers(account) {
			if pa, ok := policy.Delegated(a.policyActor(), d, h.cfg.Now()); ok {
				return d, pa, true
			}
		}
	}
	return store.ActiveDelegation{}, policy.Actor{}, false
}

// delegatedRole is the role, in words, a's request would act with on the customer with Zoom
// account id account under one of the partner's delegations ("" when none would apply now):
// the customer list marks such customers instead of "read only".
func (h *Handlers) delegatedRole(a *actor, account string) string {
	if d, _, ok := h.delegationOver(a, account); ok {
		return strings.ToLower(d.Role.Label())
	}
	return ""
}
