package service

import (
	"context"
	"encoding/json"
	"maps"
	"strings"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// SettingsChange is a change of a customer's settings and locks: what to send, and what the
// audit event records, by key ("section.field" for a setting, "locked.section.field" for a
// lock).
type SettingsChange struct {
	Action        string // customer.settings, customer.settings.template
	Set, Locks    zoom.Settings
	Before, After map[string]any
	Extra         map[string]any // more details for the audit event (a template's name)
}

func (ch SettingsChange) details(locks *bool) map[string]any {
	before, after := ch.Before, ch.After
	if locks != nil {
		before, after = onlyKeys(before, *locks), onlyKeys(after, *locks)
	}
	m := map[string]any{"before": before, "after": after}
	maps.Copy(m, ch.Extra)
	return m
}

// onlyKeys keeps the lock entries (locks true) or the setting entries (locks false).
func onlyKeys(m map[string]any, locks bool) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if strings.HasPrefix(k, "locked.") == locks {
			out[k] = v
		}
	}
	return out
}

// SettingsResult is how a change of settings and locks ended.
type SettingsResult struct {
	CustomerResult
	// Message, when the change was only partly made (the settings went through, the locks
	// did not), says so for the page.
	Message string
}

// SetCustomerSettings sends ch to Zoom under one intent, the settings first and then the
// locks, and records what Zoom did: one succeeded event when everything went through; when
// the settings went through and the locks did not, a succeeded event for the settings and a
// failed (or pending) one for the locks; otherwise the refusal or lost answer as for any
// change of a customer.
func (s *Service) SetCustomerSettings(ctx context.Context, a Actor, base store.AuditEvent, c store.Customer, ch SettingsChange) (SettingsResult, error) {
	zc, err := s.ForChange(ctx, a)
	if err != nil {
		return SettingsResult{}, err
	}
	ev := a.event(base)
	ev.Action, ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = ch.Action, "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID
	ev.Details = mustJSON(ch.details(nil))
	var res SettingsResult
	var settingsDone bool
	var lockErr error
	ans, err := s.Send(ctx, zc, Change{PartnerID: a.PartnerID, CustomerID: c.ID, Action: ch.Action, TargetType: "customer",
		TargetID: c.ZoomAccountID, TargetLabel: c.AccountName, Event: ev, Wanted: ch.details(nil)},
		func(ctx context.Context) (*zoom.Response, error) {
			if len(ch.Set) > 0 {
				if resp, err := zc.UpdateAccountSettings(ctx, c.ZoomAccountID, ch.Set, nil); err != nil {
					return resp, err
				}
				settingsDone = true
			}
			if len(ch.Locks) > 0 {
				resp, err := zc.UpdateLockSettings(ctx, c.ZoomAccountID, ch.Locks, nil)
				if err != nil && settingsDone {
					lockErr = err // the settings went through: the change is done, its locks are not
					return resp, nil
				}
				return resp, err
			}
			return nil, nil
		},
		func(ans Answer) (bool, error) {
			ev := ev
			ev.GrantRef, ev.Intent = ans.Grant, ans.Intent
			res.Grant = ans.Grant
			switch {
			case ans.Kind == Done && lockErr == nil:
				ev.Outcome = store.OutcomeSucceeded
				res.Done = true
				_, err := s.Store.RecordCustomerChange(ctx, a.PartnerID, c.ID, store.CustomerUpdate{}, ev)
				return true, err
			case ans.Kind == Done:
				// The settings went through; only the locks did not: record both truthfully.
				settings, locks := false, true
				ok := ev
				ok.Outcome, ok.Details = store.OutcomeSucceeded, mustJSON(ch.details(&settings))
				if _, err := s.Store.RecordCustomerChange(ctx, a.PartnerID, c.ID, store.CustomerUpdate{}, ok); err != nil {
					return true, err
				}
				failed := ev
				failed.Intent, failed.Outcome, failed.Details = 0, store.OutcomeFailed, mustJSON(ch.details(&locks))
				lost := Classify(nil, lockErr)
				switch {
				case lost.Kind == Unknown:
					failed.Outcome = store.OutcomePending
					failed.Details = mergeDetails(ch.details(&locks), map[string]any{"note": "Zoom's answer was lost: whether the change happened is read back from Zoom on the next view"})
					res.Message = "The settings were changed in Zoom. Zoom's answer about the locks was lost: the page shows Zoom's current locks, check them before trying again."
				case lost.Zoom != nil && !zoom.NeedsReauth(lockErr):
					failed.ZoomCode, failed.ZoomMessage = lost.Zoom.Code, lost.Zoom.Message
					res.Message = "The settings were changed in Zoom, but Zoom refused the locks, so they were not changed: " + zoom.Explain(lockErr)
				default:
					res.Message = "The settings were changed in Zoom, but the locks could not be sent, so they were not changed: " + zoom.Explain(lockErr)
				}
				if _, err := s.Store.Audit(ctx, failed); err != nil {
					return true, err
				}
				if lost.Kind == Unknown {
					return true, s.Store.ExpireCustomerDetails(ctx, a.PartnerID, c.ID)
				}
				return true, nil
			case ans.Kind == Unknown:
				ev.Outcome = store.OutcomePending
				ev.Details = mergeDetails(ch.details(nil), map[string]any{"note": "Zoom's answer was lost: whether the change happened is read back from Zoom on the next view"})
				res.Lost = true
				if _, err := s.Store.Audit(ctx, ev); err != nil {
					return true, err
				}
				return true, s.Store.ExpireCustomerDetails(ctx, a.PartnerID, c.ID)
			}
			ev.Outcome = store.OutcomeFailed
			if ans.Zoom != nil {
				ev.ZoomCode, ev.ZoomMessage = ans.Zoom.Code, ans.Zoom.Message
			}
			res.Refusal = ans.Err
			_, err := s.Store.Audit(ctx, ev)
			return true, err
		})
	if err != nil {
		return SettingsResult{}, err
	}
	if ans.Kind == NotSent && zoom.NeedsReauth(ans.Err) {
		return res, ans.Err
	}
	return res, nil
}

// ApplySettingsTemplate sends a settings template's settings and locks to a Zoom account, for
// a step of the onboarding saga (which audits the step). Sending the same template twice
// changes nothing the second time, so the step may simply be run again.
func ApplySettingsTemplate(ctx context.Context, zc *zoom.Client, accountID string, t store.SettingsTemplate) error {
	if len(t.Settings) > 0 {
		if _, err := zc.UpdateAccountSettings(ctx, accountID, asSettings(t.Settings), nil); err != nil {
			return err
		}
	}
	if len(t.Locks) > 0 {
		if _, err := zc.UpdateLockSettings(ctx, accountID, asSettings(t.Locks), nil); err != nil {
			return err
		}
	}
	return nil
}

// asSettings converts template sections into the client's Settings.
func asSettings(v any) zoom.Settings {
	var s zoom.Settings
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &s)
	return s
}
