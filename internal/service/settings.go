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
	// Job, when set, is the bulk job's row the change is sent for (ChangeCustomer).
	Job *JobRow
}

// details is the audit details of the whole change.
func (ch SettingsChange) details() map[string]any {
	m := map[string]any{"before": ch.Before, "after": ch.After}
	maps.Copy(m, ch.Extra)
	return m
}

// SettingsResult is how a change of settings and locks ended.
type SettingsResult struct {
	CustomerResult
	// Message, when the change was only partly made (a first PATCH went through, a later one
	// did not), says so for the page.
	Message string
	// PartError is why the rest of a partly made change was not made (Zoom's refusal, or a
	// call that failed), nil otherwise.
	PartError error
}

// settingsCall is one PATCH of a settings change: the settings or the locks of one option
// variant, and the audit keys it carries.
type settingsCall struct {
	locks  bool
	option string
	body   zoom.Settings
	keys   map[string]bool
}

// calls splits ch into the PATCHes Zoom takes, in the order they are sent: the settings (plain,
// then each option section), then the locks the same way.
func (ch SettingsChange) calls() []settingsCall {
	var out []settingsCall
	for _, locks := range []bool{false, true} {
		src := ch.Set
		if locks {
			src = ch.Locks
		}
		for _, part := range src.ByOption() {
			c := settingsCall{locks: locks, option: part.Option, body: part.Settings, keys: map[string]bool{}}
			for k := range ch.After {
				if strings.HasPrefix(k, "locked.") == locks && zoom.OptionOf(k) == part.Option {
					c.keys[k] = true
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// detailsOf is ch's audit details limited to the keys of some calls.
func (ch SettingsChange) detailsOf(calls []settingsCall) map[string]any {
	keep := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			for _, c := range calls {
				if c.keys[k] {
					out[k] = v
				}
			}
		}
		return out
	}
	m := map[string]any{"before": keep(ch.Before), "after": keep(ch.After)}
	maps.Copy(m, ch.Extra)
	return m
}

// what names what some calls carry, as the page says it: "the settings", "the meeting
// security settings and the locks".
func what(calls []settingsCall) string {
	var names []string
	for _, c := range calls {
		n := "settings"
		if c.locks {
			n = "locks"
		}
		if c.option != "" {
			n = strings.ReplaceAll(c.option, "_", " ") + " " + n
		}
		names = append(names, "the "+n)
	}
	return strings.Join(names, " and ")
}

// SetCustomerSettings sends ch to Zoom under one intent, as the PATCHes Zoom takes (the
// settings, plain then each option section, then the locks the same way), and records what Zoom
// did: one succeeded event when everything went through; when the first PATCH went through and
// a later one did not, a succeeded event for what was sent before it and a failed (or pending)
// one for the rest, which is not sent; otherwise the refusal or lost answer as for any change
// of a customer. Nothing that reached Zoom is left unaudited.
func (s *Service) SetCustomerSettings(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, ch SettingsChange) (SettingsResult, error) {
	var message string
	calls := ch.calls()
	failedAt, callErr := -1, error(nil)
	res, err := s.ChangeCustomer(ctx, a, ev, c, CustomerChange{Action: ch.Action, Details: ch.details(), Job: ch.Job,
		Send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			var resp *zoom.Response
			for i, call := range calls {
				var opts *zoom.SettingsOptions
				if call.option != "" {
					opts = &zoom.SettingsOptions{Option: call.option}
				}
				var err error
				if call.locks {
					resp, err = zc.UpdateLockSettings(ctx, c.ZoomAccountID, call.body, opts)
				} else {
					resp, err = zc.UpdateAccountSettings(ctx, c.ZoomAccountID, call.body, opts)
				}
				if err != nil && i == 0 {
					return resp, err // nothing reached Zoom before: the change as a whole failed
				}
				if err != nil {
					failedAt, callErr = i, err // what came before went through: the change is partly done
					return resp, nil
				}
			}
			return resp, nil
		},
		RecordDone: func(ctx context.Context, ev store.AuditEvent) error {
			if failedAt < 0 {
				_, err := s.Store.RecordCustomerChange(ctx, a.PartnerID, c.ID, store.CustomerUpdate{}, ev)
				return err
			}
			// Part went through, the rest did not: record both truthfully.
			done, rest := calls[:failedAt], calls[failedAt:]
			ev.Details = mustJSON(ch.detailsOf(done))
			if _, err := s.Store.RecordCustomerChange(ctx, a.PartnerID, c.ID, store.CustomerUpdate{}, ev); err != nil {
				return err
			}
			ev.Intent = 0
			ans := Classify(nil, callErr)
			made := capitalize(what(done)) + " were changed in Zoom"
			switch {
			case ans.Kind == Unknown:
				message = made + ". Zoom's answer about " + what(rest) + " was lost: the page shows Zoom's current values, check them before trying again."
			case ans.Zoom != nil:
				message = made + ", but Zoom refused " + what(rest) + ", so they were not changed: " + zoom.Explain(callErr)
			default:
				message = made + ", but " + what(rest) + " could not be sent, so they were not changed: " + zoom.Explain(callErr)
			}
			_, err := s.recordNotDone(ctx, a.PartnerID, c, ev, ch.detailsOf(rest), ans)
			return err
		}})
	return SettingsResult{CustomerResult: res, Message: message, PartError: partError(message, callErr)}, err
}

// partError is callErr when the change was only partly made (message says so), else nil.
func partError(message string, callErr error) error {
	if message == "" {
		return nil
	}
	return callErr
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

// capitalize writes s with a capital first letter.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
