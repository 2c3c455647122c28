package service

import (
	"context"
	"encoding/json"
	"maps"
	"strings"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// SettingsChange is a change of a customer's settings and locks: what to send, and what the
// audit event records, by key ("section.field" for a setting, "locked.section.field" for a
// lock).
type SettingsChange struct {
	Action        audit.Action // audit.CustomerSettings or audit.CustomerSettingsTemplate
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
func (s *Service) SetCustomerSettings(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, ch SettingsChange) (SettingsResult, error) {
	var message string
	var settingsDone bool
	var lockErr error
	res, err := s.ChangeCustomer(ctx, a, ev, c, CustomerChange{Action: ch.Action, Details: ch.details(nil),
		Send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			if len(ch.Set) > 0 {
				if resp, err := byOption(ch.Set, func(s zoom.Settings, o *zoom.SettingsOptions) (*zoom.Response, error) {
					return zc.UpdateAccountSettings(ctx, c.ZoomAccountID, s, o)
				}); err != nil {
					return resp, err
				}
				settingsDone = true
			}
			if len(ch.Locks) == 0 {
				return nil, nil
			}
			resp, err := byOption(ch.Locks, func(s zoom.Settings, o *zoom.SettingsOptions) (*zoom.Response, error) {
				return zc.UpdateLockSettings(ctx, c.ZoomAccountID, s, o)
			})
			if err != nil && settingsDone {
				lockErr = err // the settings went through: the change is done, its locks are not
				return resp, nil
			}
			return resp, err
		},
		RecordDone: func(ctx context.Context, ev store.AuditEvent) error {
			if lockErr == nil {
				_, err := s.Store.RecordCustomerChange(ctx, a.PartnerID, c.ID, store.CustomerUpdate{}, ev)
				return err
			}
			// The settings went through; only the locks did not: record both truthfully.
			settings, locks := false, true
			ev.Details = mustJSON(ch.details(&settings))
			if _, err := s.Store.RecordCustomerChange(ctx, a.PartnerID, c.ID, store.CustomerUpdate{}, ev); err != nil {
				return err
			}
			ev.Intent = 0
			ans := Classify(nil, lockErr)
			switch {
			case ans.Kind == Unknown:
				message = "The settings were changed in Zoom. Zoom's answer about the locks was lost: the page shows Zoom's current locks, check them before trying again."
			case ans.Zoom != nil:
				message = "The settings were changed in Zoom, but Zoom refused the locks, so they were not changed: " + zoom.Explain(lockErr)
			default:
				message = "The settings were changed in Zoom, but the locks could not be sent, so they were not changed: " + zoom.Explain(lockErr)
			}
			_, err := s.recordNotDone(ctx, a.PartnerID, c, ev, ch.details(&locks), ans)
			return err
		}})
	return SettingsResult{CustomerResult: res, Message: message}, err
}

// ApplySettingsTemplate sends a settings template's settings and locks to a Zoom account, for
// a step of the onboarding saga (which audits the step). Sending the same template twice
// changes nothing the second time, so the step may simply be run again.
func ApplySettingsTemplate(ctx context.Context, zc *zoom.Client, accountID string, t store.SettingsTemplate) error {
	if _, err := byOption(asSettings(t.Settings), func(s zoom.Settings, o *zoom.SettingsOptions) (*zoom.Response, error) {
		return zc.UpdateAccountSettings(ctx, accountID, s, o)
	}); err != nil {
		return err
	}
	_, err := byOption(asSettings(t.Locks), func(s zoom.Settings, o *zoom.SettingsOptions) (*zoom.Response, error) {
		return zc.UpdateLockSettings(ctx, accountID, s, o)
	})
	return err
}

// byOption sends an update as the PATCHes Zoom takes (zoom.Settings.ByOption: the plain
// sections, then meeting_security with its option), stopping at the first error; it returns
// the last answer.
func byOption(s zoom.Settings, send func(zoom.Settings, *zoom.SettingsOptions) (*zoom.Response, error)) (*zoom.Response, error) {
	var resp *zoom.Response
	for _, part := range s.ByOption() {
		var opts *zoom.SettingsOptions
		if part.Option != "" {
			opts = &zoom.SettingsOptions{Option: part.Option}
		}
		var err error
		if resp, err = send(part.Settings, opts); err != nil {
			return resp, err
		}
	}
	return resp, nil
}

// asSettings converts template sections into the client's Settings.
func asSettings(v any) zoom.Settings {
	var s zoom.Settings
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &s)
	return s
}
