package service

import (
	"context"
	"strings"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// A new customer is created once: its write-ahead record is the pending customer and its
// pending audit event (store.BeginCustomerCreate), written before the call; Zoom's answer
// completes or abandons it, and a lost answer is settled by looking the sub account up by its
// owner's email (ResolvePendingCustomer), now or by the periodic job. An earlier create for
// the same owner that is still pending is settled before anything is sent.

// CreateOutcome is how a create of a customer ended.
type CreateOutcome int

// The outcomes of a create.
const (
	Created        CreateOutcome = iota // Zoom created it now
	CreatedEarlier                      // an earlier attempt whose answer was lost had created it
	StillPending                        // the answer was lost and Zoom cannot be asked: the job settles it
	NotCreated                          // the answer was lost and a look-up shows Zoom did not create it
	CreateRefused                       // Zoom refused (Refusal says why), or an earlier create cannot be settled
)

// CreateResult is the outcome of CreateCustomer.
type CreateResult struct {
	Outcome  CreateOutcome
	Customer store.Customer // Created
	Refusal  *zoom.Error    // CreateRefused by Zoom
	// Blocked is set when an earlier create for the same owner could not be settled: nothing
	// was sent.
	Blocked bool
}

// NewCustomer is what a create asks of Zoom. The password goes to Zoom only.
type NewCustomer struct {
	store.NewCustomer
	Password  string
	AutoRenew bool
}

// CreateCustomer creates a sub account for the actor's partner.
func (s *Service) CreateCustomer(ctx context.Context, a Actor, base store.AuditEvent, nc NewCustomer) (CreateResult, error) {
	zc, err := s.ForChange(ctx, a)
	if err != nil {
		return CreateResult{}, err
	}
	base = a.event(base)
	ev := base
	ev.GrantRef = zc.Grant()
	pendings, err := s.Store.PendingCustomers(ctx, a.PartnerID)
	if err != nil {
		return CreateResult{}, err
	}
	for _, c := range pendings {
		if !strings.EqualFold(c.OwnerEmail, nc.OwnerEmail) {
			continue
		}
		found, err := s.ResolvePendingCustomer(ctx, zc, a.PartnerID, c, base)
		if err != nil {
			denied := ev
			denied.Action, denied.Outcome = audit.CustomerCreate, store.OutcomeDenied
			denied.TargetType, denied.TargetLabel = "customer", nc.AccountName
			denied.Details = mustJSON(map[string]any{"owner_email": nc.OwnerEmail, "pending_customer": c.ZoomAccountID,
				"reason": "an earlier create for this owner is unresolved and Zoom could not be asked about it: nothing was sent"})
			if _, err := s.Store.Audit(ctx, denied); err != nil {
				return CreateResult{}, err
			}
			return CreateResult{Outcome: CreateRefused, Blocked: true}, nil
		}
		if found {
			return CreateResult{Outcome: CreatedEarlier}, nil
		}
	}
	pending, err := s.Store.BeginCustomerCreate(ctx, a.PartnerID, nc.NewCustomer, ev)
	if err != nil {
		return CreateResult{}, err
	}
	opts := &zoom.AccountOptionsUpdate{PayMode: nc.PayMode}
	if nc.AutoRenew {
		opts.BillingAutoRenew = zoom.Bool(true)
	}
	created, _, err := zc.CreateSubAccount(ctx, &zoom.CreateSubAccountRequest{FirstName: nc.FirstName, LastName: nc.LastName,
		Email: nc.OwnerEmail, Password: nc.Password, AccountName: nc.AccountName, Options: opts})
	rctx := context.WithoutCancel(ctx) // the answer is recorded even when the person stopped waiting
	switch {
	case err == nil:
		ev.Details = mustJSON(map[string]any{"after": map[string]any{"zoom_account_id": created.ID, "account_name": nc.AccountName,
			"owner_email": created.OwnerEmail, "owner_id": created.OwnerID, "pay_mode": nc.PayMode}})
		c, err := s.Store.CompleteCustomerCreate(rctx, a.PartnerID, pending.ID, created.ID, created.CreatedAt.Ptr(), ev)
		if err != nil {
			return CreateResult{}, err
		}
		return CreateResult{Outcome: Created, Customer: c}, nil
	case zoom.IsOutcomeUnknown(err):
		found, rerr := s.ResolvePendingCustomer(rctx, zc, a.PartnerID, pending, ev)
		switch {
		case rerr != nil:
			return CreateResult{Outcome: StillPending}, nil
		case found:
			return CreateResult{Outcome: CreatedEarlier}, nil
		}
		return CreateResult{Outcome: NotCreated}, nil
	}
	ze, _ := zoom.AsError(err)
	if ze != nil {
		ev.ZoomCode, ev.ZoomMessage = ze.Code, ze.Message
	}
	ev.Details = mustJSON(map[string]any{"reason": zoom.Explain(err)})
	if aerr := s.Store.AbandonCustomerCreate(rctx, a.PartnerID, pending.ID, ev); aerr != nil {
		return CreateResult{}, aerr
	}
	if ze == nil || zoom.NeedsReauth(err) {
		return CreateResult{}, err
	}
	return CreateResult{Outcome: CreateRefused, Refusal: ze}, nil
}
