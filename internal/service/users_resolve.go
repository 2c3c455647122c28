package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// A change of a user whose answer from Zoom was lost is never guessed: it is recorded as
// pending (store.PendingChange) and resolved here, by looking the user up in Zoom, before any
// new change of that user is sent.

// Wanted is what an open change asked for, kept with it to compare with Zoom's look-up.
type Wanted struct {
	Status       string         `json:"status,omitempty"`         // user.activate, user.deactivate: the status asked for
	Fields       map[string]any `json:"fields,omitempty"`         // user.update: the fields sent
	ToAccount    string         `json:"to_account,omitempty"`     // user.move: the customer moved to
	ToCustomerID int64          `json:"to_customer_id,omitempty"` // user.move
	User         map[string]any `json:"user,omitempty"`           // user.create: what was asked for (never a password)
	Settings     map[string]any `json:"settings,omitempty"`       // user.settings: the values sent, by dotted path
}

// ResolveUserChange looks up in Zoom the user of an open change and records whether the
// change happened (audited as the resolution of the pending event, and applied to the
// directory). A look-up that fails leaves the change open and returns the error. A change
// someone else resolved meanwhile is not recorded twice.
func (s *Service) ResolveUserChange(ctx context.Context, zc *zoom.Client, partnerID int64, pc store.PendingChange, ev store.AuditEvent) (store.Outcome, error) {
	var w Wanted
	if len(pc.Wanted) > 0 {
		if err := json.Unmarshal(pc.Wanted, &w); err != nil {
			return "", fmt.Errorf("open change %d: %w", pc.ID, err)
		}
	}
	account, key := pc.ZoomAccountID, pc.ZoomUserID
	if key == "" {
		key = pc.Email
	}
	if pc.Action == audit.UserMove {
		account = w.ToAccount
	}
	u, resp, found, err := LookUpUser(ctx, zc, account, key, pc.Email)
	if err != nil {
		return "", fmt.Errorf("look up %s: %w", pc.Email, err)
	}
	if found && u.ID == "" {
		u.ID = pc.ZoomUserID // an expired invitation's user, known by the change
	}
	c := store.UserChange{CustomerID: pc.CustomerID, Resolves: pc.ID}
	outcome := store.OutcomeFailed
	switch pc.Action {
	case audit.UserCreate:
		if found {
			outcome = store.OutcomeSucceeded
		}
	case audit.UserDisassociate, audit.UserDelete:
		if !found {
			outcome, c.Remove = store.OutcomeSucceeded, pc.Email
		}
	case audit.UserActivate, audit.UserDeactivate:
		if found && u.Status == w.Status {
			outcome = store.OutcomeSucceeded
		}
	case audit.UserUpdate:
		if found && fieldsMatch(u, w.Fields) {
			outcome = store.OutcomeSucceeded
		}
	case audit.UserMove:
		if found {
			outcome, c.Remove, c.MoveTo = store.OutcomeSucceeded, pc.Email, w.ToCustomerID
		}
	case audit.UserSettings:
		if found {
			match, err := userSettingsMatch(ctx, zc, account, u.ID, w.Settings)
			if err != nil {
				return "", fmt.Errorf("look up the settings of %s: %w", pc.Email, err)
			}
			if match {
				outcome = store.OutcomeSucceeded
			}
		}
	}
	if found {
		du := DirUserOf(*u)
		c.Save = &du
	}
	target := pc.ZoomUserID
	if found && u.ID != "" {
		target = u.ID
	}
	if target == "" {
		target = pc.Email
	}
	ev.Action, ev.Outcome, ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = pc.Action, outcome, "user", target, pc.Email, pc.ZoomAccountID
	ev.ZoomCode, ev.ZoomMessage = 0, ""
	if resp != nil && resp.Grant != "" {
		ev.GrantRef = resp.Grant
	}
	how := "Zoom has no such user: the change was not made"
	switch {
	case outcome == store.OutcomeSucceeded:
		how = "Zoom shows the change was made"
	case found:
		how = "Zoom shows the user unchanged: the change was not made"
	}
	details := map[string]any{"resolution": how, "looked_up": key}
	if pc.AuditEventID != 0 {
		details["resolves_event"] = pc.AuditEventID
	}
	if ev.Intent != 0 {
		// A change Zoom answered whose outcome Tierdesk could not record then: the event
		// says what was asked as the sender prepared it.
		var prepared map[string]any
		if err := json.Unmarshal(ev.Details, &prepared); err == nil {
			for _, k := range []string{"before", "wanted"} {
				if v, ok := prepared[k]; ok {
					details[k] = v
				}
			}
		}
		details["note"] = "Zoom's answer was not recorded when it came (Tierdesk stopped or could not write); a look-up in Zoom settled it"
	}
	ev.Details = mustJSON(details)
	c.Event = ev
	if _, err := s.Store.RecordUserChange(ctx, partnerID, c); err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrIntentClosed) {
			return outcome, nil // resolved meanwhile by someone else
		}
		return "", err
	}
	return outcome, nil
}

// ResolveUserChanges resolves the open changes of one customer (every customer when
// customerID is 0) and returns how many it resolved. It goes on past a failed look-up and
// returns the first error.
func (s *Service) ResolveUserChanges(ctx context.Context, zc *zoom.Client, partnerID, customerID int64, ev store.AuditEvent) (int, error) {
	open, err := s.Store.OpenUserChanges(ctx, partnerID, customerID)
	if err != nil {
		return 0, err
	}
	n := 0
	var first error
	for _, pc := range open {
		if _, err := s.ResolveUserChange(ctx, zc, partnerID, pc, ev); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		n++
	}
	return n, first
}

// fieldsMatch reports whether the user has every field value in want (JSON names).
func fieldsMatch(u *zoom.User, want map[string]any) bool {
	var have map[string]any
	b, _ := json.Marshal(u)
	_ = json.Unmarshal(b, &have)
	for k, v := range want {
		h, ok := have[k]
		if !ok {
			h = ""
			if _, isNum := v.(float64); isNum {
				h = float64(0)
			}
		}
		if fmt.Sprint(h) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

// LookUpUser looks a user up in account by key (id or email) to resolve a change whose answer
// was lost, or before sending one again: found says whether the user is there. An expired
// invitation (code 1120) is a pending user. Any other failure is err: nothing is known.
func LookUpUser(ctx context.Context, zc *zoom.Client, account, key, email string) (u *zoom.User, resp *zoom.Response, found bool, err error) {
	u, resp, err = zc.GetUser(ctx, account, key, nil)
	switch {
	case err == nil:
		return u, resp, true, nil
	case zoom.IsExpiredInvitation(err):
		return &zoom.User{Email: email, Status: zoom.UserPending}, resp, true, nil
	case zoom.IsNotFound(err):
		return nil, resp, false, nil
	}
	return nil, resp, false, err
}

// userSettingsMatch reports whether a user's settings in Zoom hold every value of want (dotted
// paths), reading the sections Zoom keeps behind their own option with it.
func userSettingsMatch(ctx context.Context, zc *zoom.Client, account, userID string, want map[string]any) (bool, error) {
	got, err := zoom.ReadWhole(func(o *zoom.SettingsOptions) (zoom.Settings, error) {
		v, _, err := zc.GetUserSettings(ctx, account, userID, o)
		return v, err
	})
	if err != nil {
		return false, err
	}
	return settingsHold(got, want), nil
}

// settingsHold reports whether settings read back from Zoom hold every value of want (dotted
// paths): the look-up that tells whether a settings change whose answer was lost was made, for
// a user's settings and a customer's alike.
func settingsHold(got zoom.Settings, want map[string]any) bool {
	for path, v := range want {
		if cur, ok := got.At(path); !ok || !reflect.DeepEqual(normalJSON(cur), normalJSON(v)) {
			return false
		}
	}
	return true
}

// normalJSON is v as JSON decodes it (numbers float64, lists []any), for comparing a value
// sent with the value Zoom answers.
func normalJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}
