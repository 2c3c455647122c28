package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// ResolvePendingCustomer settles a customer whose create was sent to Zoom but whose answer
// was lost: it looks for a sub account with the customer's owner email (the natural key of a
// sub account) and completes the customer when there is one, or abandons it when there is
// not. ev carries who and why for the audit event. It reports whether Zoom had created it. A
// failure to ask Zoom leaves the customer pending (for the next try) and is returned.
func (s *Service) ResolvePendingCustomer(ctx context.Context, zc *zoom.Client, partnerID int64, c store.Customer, ev store.AuditEvent) (bool, error) {
	if c.Status != store.CustomerPending {
		return false, fmt.Errorf("customer %d is %s: %w", c.ID, c.Status, store.ErrConflict)
	}
	ev.GrantRef = zc.Grant()
	sa, err := SubAccountOfOwner(ctx, zc, c.OwnerEmail)
	if err != nil {
		return false, err
	}
	if sa != nil {
		ev.Outcome = store.OutcomeSucceeded
		ev.Details = mustJSON(map[string]any{"after": map[string]any{"zoom_account_id": sa.ID, "status": "active"},
			"resolution": "Zoom's answer to the create was lost; the sub account was found by its owner's email"})
		_, err := s.Store.CompleteCustomerCreate(ctx, partnerID, c.ID, sa.ID, sa.CreatedAt.Ptr(), ev)
		return true, err
	}
	ev.Details = mustJSON(map[string]any{"resolution": "Zoom's answer to the create was lost; no sub account has this owner's email, so Zoom did not create it",
		"owner_email": c.OwnerEmail})
	return false, s.Store.AbandonCustomerCreate(ctx, partnerID, c.ID, ev)
}

// SubAccountOfOwner finds the primary's sub account whose owner has email (the natural key
// of a sub account: Zoom refuses a second account for one email), or nil when there is none.
// Every path that must not create a sub account twice asks it before creating again.
func SubAccountOfOwner(ctx context.Context, zc *zoom.Client, email string) (*zoom.SubAccount, error) {
	for sa, err := range zc.SubAccounts(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("look up the sub account of %s: %w", email, err)
		}
		if strings.EqualFold(sa.OwnerEmail, email) {
			return &sa, nil
		}
	}
	return nil, nil
}
