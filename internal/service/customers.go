package service

import (
	"context"
	"encoding/json"
	"maps"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Every change of a customer at Zoom (options, owner, disassociation, settings and locks,
// plans and add-ons) is one call of changeCustomer: through Send (intent, call, record) with
// the grant ForChange picks; audited succeeded with before and after in the transaction that
// updates the cache, failed with Zoom's code, or pending when the answer was lost (the
// customer's cached details are then expired, so its next view reads Zoom's values back).

// CustomerResult is how a change of a customer ended, for the page.
type CustomerResult struct {
	Done    bool  // Zoom made it
	Lost    bool  // Zoom's answer was lost: the next view shows what Zoom has
	Refusal error // why it was not made (Zoom's error, or the call's); nil when Done or Lost
	Grant   string
}

// CustomerChange is one change of a customer to send to Zoom.
type CustomerChange struct {
	Action  audit.Action         // audit action: customer.options, customer.owner, ...
	Details map[string]any       // before and after, and anything else the audit event shows
	Update  store.CustomerUpdate // what the cache records once Zoom made it
	// Send makes the call with the client the protocol picked.
	Send func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error)
	// RecordDone, when set, records a change Zoom made instead of the succeeded event with
	// Update (ev is that event, closing the intent): a change made only in part says so.
	RecordDone func(ctx context.Context, ev store.AuditEvent) error
	// Job, when set, is the row of a bulk job the change is sent for: its intent is the job's
	// to resolve when it resumes (not the periodic resolver's), found by the row's line.
	Job *JobRow
}

// JobRow names the row of a bulk job a change of a customer belongs to.
type JobRow struct {
	Owner string // the job's intents' owner ("fleet:<id>")
	Line  int
}

// SetCustomerOptions changes pay mode and options; before and after name the fields changed.
func (s *Service) SetCustomerOptions(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, upd *zoom.AccountOptionsUpdate,
	before, after map[string]any) (CustomerResult, error) {
	return s.setCustomerOptions(ctx, a, ev, c, upd, before, after, nil)
}

// setCustomerOptions is SetCustomerOptions, for a bulk job's row when job is set.
func (s *Service) setCustomerOptions(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, upd *zoom.AccountOptionsUpdate,
	before, after map[string]any, job *JobRow) (CustomerResult, error) {
	cu := store.CustomerUpdate{}
	if upd.PayMode != "" {
		cu.PayMode = &upd.PayMode
	}
	return s.ChangeCustomer(ctx, a, ev, c, CustomerChange{Action: audit.CustomerOptions, Update: cu, Job: job,
		Details: map[string]any{"before": before, "after": after},
		Send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			return zc.UpdateSubAccountOptions(ctx, c.ZoomAccountID, upd)
		}})
}

// ChangeCustomerOwner makes email the owner of the customer's account.
func (s *Service) ChangeCustomerOwner(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, email string) (CustomerResult, error) {
	return s.ChangeCustomer(ctx, a, ev, c, CustomerChange{Action: audit.CustomerOwner, Update: store.CustomerUpdate{OwnerEmail: &email},
		Details: map[string]any{"before": map[string]any{"owner_email": c.OwnerEmail}, "after": map[string]any{"owner_email": email}},
		Send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			return zc.ChangeOwner(ctx, c.ZoomAccountID, email)
		}})
}

// DisassociateCustomer unlinks the customer's sub account from the partner's primary.
func (s *Service) DisassociateCustomer(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer) (CustomerResult, error) {
	status := store.CustomerDisassociated
	return s.ChangeCustomer(ctx, a, ev, c, CustomerChange{Action: audit.CustomerDisassociate, Update: store.CustomerUpdate{Status: &status},
		Details: map[string]any{"before": map[string]any{"status": string(c.Status)}, "after": map[string]any{"status": "disassociated"}},
		Send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			return zc.DisassociateSubAccount(ctx, c.ZoomAccountID)
		}})
}

// ChangeCustomer sends ch for customer c and records the outcome. Its error is one that is
// not Zoom's answer: the intent could not be written (nothing was sent), no grant, the answer
// could not be recorded (NotRecordedError), or a grant Zoom no longer accepts (after the
// refusal is audited).
func (s *Service) ChangeCustomer(ctx context.Context, a Actor, base store.AuditEvent, c store.Customer, ch CustomerChange) (CustomerResult, error) {
	zc, err := s.ForChange(ctx, a)
	if err != nil {
		return CustomerResult{}, err
	}
	ev := a.event(base)
	ev.Action, ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = ch.Action, "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID
	ev.Details = mustJSON(ch.Details)
	var res CustomerResult
	change := Change{PartnerID: a.PartnerID, CustomerID: c.ID, Action: ch.Action, TargetType: "customer",
		TargetID: c.ZoomAccountID, TargetLabel: c.AccountName, Event: ev, Wanted: ch.Details}
	if ch.Job != nil {
		change.Owner, change.Lease, change.Wanted = ch.Job.Owner, rowLease, rowWanted{Line: ch.Job.Line}
	}
	ans, err := s.Send(ctx, zc, change,
		func(ctx context.Context) (*zoom.Response, error) { return ch.Send(ctx, zc) },
		func(ans Answer) (bool, error) {
			ev := ev
			ev.GrantRef, ev.Intent = ans.Grant, ans.Intent
			res.Grant = ans.Grant
			if ans.Kind != Done {
				lost, err := s.recordNotDone(ctx, a.PartnerID, c, ev, ch.Details, ans)
				res.Lost = lost
				if !lost {
					res.Refusal = ans.Err
				}
				return true, err
			}
			ev.Outcome = store.OutcomeSucceeded
			res.Done = true
			if ch.RecordDone != nil {
				return true, ch.RecordDone(ctx, ev)
			}
			_, err := s.Store.RecordCustomerChange(ctx, a.PartnerID, c.ID, ch.Update, ev)
			return true, err
		})
	if err != nil {
		return CustomerResult{}, err
	}
	if ans.Kind == NotSent && zoom.NeedsReauth(ans.Err) {
		return res, ans.Err
	}
	return res, nil
}

// lostNote is what the audit event of a change whose answer was lost says.
const lostNote = "Zoom's answer was lost: whether the change happened is read back from Zoom on the next view"

// recordNotDone audits a change of customer c that Zoom did not make (failed, with Zoom's
// code) or whose answer was lost (pending, and the customer's cached details expire so that
// its next view reads Zoom's values back). It reports whether the answer was lost.
func (s *Service) recordNotDone(ctx context.Context, partnerID int64, c store.Customer, ev store.AuditEvent, details map[string]any, ans Answer) (bool, error) {
	if ans.Kind == Unknown {
		ev.Outcome, ev.Details = store.OutcomePending, mergeDetails(details, map[string]any{"note": lostNote})
		if _, err := s.Store.Audit(ctx, ev); err != nil {
			return true, err
		}
		return true, s.Store.ExpireCustomerDetails(ctx, partnerID, c.ID)
	}
	ev.Outcome, ev.Details = store.OutcomeFailed, mustJSON(details)
	if ans.Zoom != nil {
		ev.ZoomCode, ev.ZoomMessage = ans.Zoom.Code, ans.Zoom.Message
	}
	_, err := s.Store.Audit(ctx, ev)
	return false, err
}

// mergeDetails is details with extra added.
func mergeDetails(details map[string]any, extra map[string]any) json.RawMessage {
	m := maps.Clone(details)
	if m == nil {
		m = map[string]any{}
	}
	maps.Copy(m, extra)
	return mustJSON(m)
}
