package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tierdesk/tierdesk/internal/store"
)

// ResolveStaleIntents records the outcome of partnerID's changes whose sender could not (the
// intents still open after their lease, owned by no job): a change of a user is looked up in
// Zoom and audited as done or not done, with the directory updated; a change of a customer is
// audited as pending, and the customer's next view reads Zoom's values back (the rule for a
// lost answer of a customer change). The events keep the request that sent the change. It
// returns how many it recorded and the first error; an intent whose look-up fails stays for
// the next run.
func (s *Service) ResolveStaleIntents(ctx context.Context, partnerID int64) (int, error) {
	stale, err := s.Store.StaleIntents(ctx, partnerID, "")
	if err != nil || len(stale) == 0 {
		return 0, err
	}
	n := 0
	var first error
	for _, in := range stale {
		err := s.resolveIntent(ctx, in)
		switch {
		case errors.Is(err, store.ErrIntentClosed):
		case err != nil:
			if first == nil {
				first = err
			}
			continue
		}
		n++
	}
	return n, first
}

func (s *Service) resolveIntent(ctx context.Context, in store.Intent) error {
	ev := in.Event
	ev.PartnerID, ev.Intent = in.PartnerID, in.ID
	if strings.HasPrefix(string(in.Action), "user.") && in.CustomerID != nil {
		var w pendingWanted
		if err := json.Unmarshal(in.Wanted, &w); err != nil {
			return fmt.Errorf("intent %d: %w", in.ID, err)
		}
		var staffID int64
		if ev.StaffID != nil {
			staffID = *ev.StaffID
		}
		zc, err := s.ForRead(ctx, in.PartnerID, staffID)
		if err != nil {
			return err
		}
		pc := store.PendingChange{CustomerID: *in.CustomerID, ZoomAccountID: w.Account, Email: w.Email, ZoomUserID: w.UserID,
			Action: in.Action, Wanted: mustJSON(w.Wanted)}
		_, err = s.ResolveUserChange(ctx, zc, in.PartnerID, pc, ev)
		return err
	}
	// A change of a customer (or anything else): whether it happened is read back from Zoom
	// by the customer's next view.
	ev.Outcome = store.OutcomePending
	var prepared map[string]any
	_ = json.Unmarshal(ev.Details, &prepared)
	if prepared == nil {
		prepared = map[string]any{}
	}
	prepared["note"] = "Zoom's answer was not recorded when it came (Tierdesk stopped or could not write): whether the change happened is read back from Zoom on the customer's next view"
	ev.Details = mustJSON(prepared)
	if _, err := s.Store.Audit(ctx, ev); err != nil {
		return err
	}
	if in.CustomerID != nil {
		return s.Store.ExpireCustomerDetails(ctx, in.PartnerID, *in.CustomerID)
	}
	return nil
}
