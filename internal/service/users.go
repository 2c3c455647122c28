package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Every change of a user made while a person waits (create, update, status, remove, move) is
// one call of changeUser: an open change of the same user is resolved first, then the
// change goes through Send (intent, call, record) with the grant ForChange picks, and is
// audited with who, which grant, the user, the customer, before and after, and the outcome.
// A lost answer is recorded pending and resolved at once by looking the user up; nothing is
// sent twice blindly.

// userDeadline bounds a change made while the staff member waits.
const userDeadline = 25 * time.Second

// UserResult is how a change of a user ended, for the page.
type UserResult struct {
	Done    bool   // Zoom did it (or a look-up after a lost answer shows it did)
	Note    string // to add to the flash on success
	Refusal error  // Zoom refused: FieldFor places Message next to the right field
	Message string // why it was not done, in plain words
	ID      string // a created user's id in Zoom ("" when Zoom gave none)
}

// userChange is one change of a user to send to Zoom.
type userChange struct {
	c      store.Customer
	email  string
	userID string       // "" for a user being created
	action audit.Action // audit action: user.create, user.update, ...
	op     string       // OpCreate, ... (for explanations)
	before any
	after  any
	wanted Wanted
	send   func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error)
	done   func() store.UserChange // the directory change once Zoom did it
}

// UpdateUser sends the fields of upd that differ (before and after name them, as JSON fields)
// and saves the user as save once Zoom made the change.
func (s *Service) UpdateUser(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, u store.CustomerUser,
	upd *zoom.UserUpdate, before, after map[string]any, save store.DirUser) (UserResult, error) {
	return s.changeUser(ctx, a, ev, userChange{c: c, email: u.Email, userID: u.ZoomUserID, action: audit.UserUpdate, op: OpUpdate,
		before: before, after: after, wanted: Wanted{Fields: after},
		send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			return zc.UpdateUser(ctx, c.ZoomAccountID, u.Key(), upd, nil)
		},
		done: func() store.UserChange { return store.UserChange{CustomerID: c.ID, Save: &save} }})
}

// SetUserSettings sends a change of a user's settings (update, and before and after by dotted
// path) as the PATCHes Zoom takes (zoom.Settings.ByOption: plain, then each option section),
// each its own audited change, so that what reached Zoom is recorded as done even when a later
// part is refused; it stops at the first part not done. made counts the values changed in the
// parts done. A lost answer is resolved by reading the settings back.
func (s *Service) SetUserSettings(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, u store.CustomerUser,
	update zoom.Settings, before, after map[string]any) (res UserResult, made int, err error) {
	for _, part := range update.ByOption() {
		var opts *zoom.SettingsOptions
		if part.Option != "" {
			opts = &zoom.SettingsOptions{Option: part.Option}
		}
		was, now := map[string]any{}, map[string]any{}
		for k, v := range after {
			if zoom.OptionOf(k) == part.Option {
				was[k], now[k] = before[k], v
			}
		}
		res, err = s.changeUser(ctx, a, ev, userChange{c: c, email: u.Email, userID: u.ZoomUserID, action: audit.UserSettings, op: OpUpdate,
			before: was, after: now, wanted: Wanted{Settings: now},
			send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
				return zc.UpdateUserSettings(ctx, c.ZoomAccountID, u.Key(), part.Settings, opts)
			},
			done: func() store.UserChange { return store.UserChange{CustomerID: c.ID} }})
		if err != nil || !res.Done {
			return res, made, err
		}
		made += len(now)
	}
	return res, made, nil
}

// SetUserStatus activates or deactivates a user (action zoom.StatusActivate or
// zoom.StatusDeactivate).
func (s *Service) SetUserStatus(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, u store.CustomerUser, action string) (UserResult, error) {
	want, act := store.UserInactive, audit.UserDeactivate
	if action == zoom.StatusActivate {
		want, act = store.UserActive, audit.UserActivate
	}
	return s.changeUser(ctx, a, ev, userChange{c: c, email: u.Email, userID: u.ZoomUserID, action: act, op: OpStatus,
		before: map[string]any{"status": u.Status}, after: map[string]any{"status": want}, wanted: Wanted{Status: want},
		send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			return zc.UpdateUserStatus(ctx, c.ZoomAccountID, u.Key(), action)
		},
		done: func() store.UserChange { return store.UserChange{CustomerID: c.ID, StatusOf: u.Email, Status: want} }})
}

// RemoveUser disassociates or deletes a user (opts.Action), with the transfers Zoom offers for
// a delete; after describes them for the audit log.
func (s *Service) RemoveUser(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, u store.CustomerUser,
	opts *zoom.DeleteUserOptions, after map[string]any) (UserResult, error) {
	act := audit.UserDisassociate
	if opts.Action == zoom.DeletePermanently {
		act = audit.UserDelete
	}
	return s.changeUser(ctx, a, ev, userChange{c: c, email: u.Email, userID: u.ZoomUserID, action: act, op: OpRemove,
		before: map[string]any{"email": u.Email, "status": u.Status, "customer": c.ZoomAccountID}, after: after,
		send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			return zc.DeleteUser(ctx, c.ZoomAccountID, u.Key(), opts)
		},
		done: func() store.UserChange { return store.UserChange{CustomerID: c.ID, Remove: u.Email} }})
}

// MoveUser moves a user to another customer of the same partner.
func (s *Service) MoveUser(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, u store.CustomerUser, dest store.Customer) (UserResult, error) {
	return s.changeUser(ctx, a, ev, userChange{c: c, email: u.Email, userID: u.ZoomUserID, action: audit.UserMove, op: OpMove,
		before: map[string]any{"customer": c.ZoomAccountID}, after: map[string]any{"customer": dest.ZoomAccountID},
		wanted: Wanted{ToAccount: dest.ZoomAccountID, ToCustomerID: dest.ID},
		send: func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error) {
			return zc.MoveUser(ctx, c.ZoomAccountID, u.Key(), dest.ZoomAccountID)
		},
		done: func() store.UserChange {
			du := dirUserOfCustomerUser(u)
			return store.UserChange{CustomerID: c.ID, Remove: u.Email, MoveTo: dest.ID, Save: &du}
		}})
}

// CreateUser adds a user to customer c. A password in req (autoCreate) goes to Zoom only:
// never to the audit log, the intent, the directory or the page.
func (s *Service) CreateUser(ctx context.Context, a Actor, ev store.AuditEvent, c store.Customer, req *zoom.CreateUserRequest) (UserResult, error) {
	in := req.UserInfo
	after := map[string]any{"email": in.Email, "first_name": in.FirstName, "last_name": in.LastName, "type": in.Type, "action": req.Action}
	var created *zoom.CreatedUser
	res, err := s.changeUser(ctx, a, ev, userChange{c: c, email: in.Email, action: audit.UserCreate, op: OpCreate, after: after,
		wanted: Wanted{User: after},
		send: func(ctx context.Context, zc *zoom.Client) (resp *zoom.Response, err error) {
			created, resp, err = zc.CreateUser(ctx, c.ZoomAccountID, req)
			return resp, err
		},
		done: func() store.UserChange {
			status := zoom.UserActive
			if req.Action == zoom.ActionCreate {
				status = zoom.UserPending
			}
			now := time.Now()
			return store.UserChange{CustomerID: c.ID, Save: &store.DirUser{ZoomUserID: created.ID, Email: in.Email, FirstName: in.FirstName,
				LastName: in.LastName, DisplayName: strings.TrimSpace(in.FirstName + " " + in.LastName), Type: in.Type, Status: status,
				RoleID: RoleMemberID, ZoomCreatedAt: &now}}
		}})
	if created != nil {
		res.ID = created.ID
	}
	return res, err
}

// dirUserOfCustomerUser is a directory row as the directory keeps it.
func dirUserOfCustomerUser(u store.CustomerUser) store.DirUser {
	return store.DirUser{ZoomUserID: u.ZoomUserID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
		Type: u.Type, Status: u.Status, RoleID: u.RoleID, Dept: u.Dept, Timezone: u.Timezone, ZoomCreatedAt: u.ZoomCreatedAt, LastLoginAt: u.LastLoginAt}
}

// changeUser sends ch to Zoom and records what happened. It returns an error only for a
// failure that is not Zoom's answer (the page then says so); a grant Zoom no longer accepts
// is such an error (zoom.NeedsReauth), after the refusal is audited.
func (s *Service) changeUser(ctx context.Context, a Actor, base store.AuditEvent, ch userChange) (UserResult, error) {
	base = a.event(base)
	ev := base
	ev.Action, ev.TargetType, ev.TargetLabel, ev.CustomerID = ch.action, "user", ch.email, ch.c.ZoomAccountID
	ev.TargetID = ch.userID
	if ev.TargetID == "" {
		ev.TargetID = ch.email
	}
	// A change still waiting for Zoom's confirmation is resolved before another is sent.
	if pc, err := s.Store.OpenUserChange(ctx, a.PartnerID, ch.c.ID, ch.email); err == nil {
		zr, rerr := s.ForRead(ctx, a.PartnerID, a.StaffID)
		if rerr == nil {
			_, rerr = s.ResolveUserChange(ctx, zr, a.PartnerID, pc, base)
		}
		if rerr != nil {
			denied := ev
			denied.Outcome = store.OutcomeDenied
			denied.Details = mustJSON(map[string]any{"before": ch.before, "wanted": ch.after,
				"reason": "an earlier " + string(pc.Action) + " of this user is still waiting for Zoom's confirmation, and Zoom could not be asked about it: nothing was sent"})
			if _, err := s.Store.Audit(ctx, denied); err != nil {
				return UserResult{}, err
			}
			return UserResult{Message: "An earlier " + string(pc.Action) + " of " + ch.email + " is still waiting for Zoom's confirmation, and Zoom could not be asked just now. " +
				"Tierdesk sends nothing else for this user until Zoom answers: try again in a moment."}, nil
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return UserResult{}, err
	}
	zc, err := s.ForChange(ctx, a)
	if err != nil {
		return UserResult{}, err
	}
	var res UserResult
	change := Change{PartnerID: a.PartnerID, CustomerID: ch.c.ID, Action: ch.action, TargetType: "user", TargetID: ev.TargetID,
		TargetLabel: ch.email, Event: withDetails(ev, map[string]any{"before": ch.before, "wanted": ch.after}),
		Wanted: pendingWanted{Wanted: ch.wanted, Email: ch.email, UserID: ch.userID, Account: ch.c.ZoomAccountID}}
	ans, err := s.Send(ctx, zc, change, func(ctx context.Context) (*zoom.Response, error) {
		zctx, cancel := context.WithTimeout(ctx, userDeadline)
		defer cancel()
		return ch.send(zctx, zc)
	}, func(ans Answer) (bool, error) {
		ev := ev
		ev.GrantRef, ev.Intent = ans.Grant, ans.Intent
		switch ans.Kind {
		case Done:
			uc := ch.done()
			ev.Outcome = store.OutcomeSucceeded
			if uc.Save != nil && uc.Save.ZoomUserID != "" {
				ev.TargetID = uc.Save.ZoomUserID
			}
			ev.Details = mustJSON(map[string]any{"before": ch.before, "after": ch.after})
			uc.Event = ev
			res = UserResult{Done: true}
			_, err := s.Store.RecordUserChange(ctx, a.PartnerID, uc)
			return true, err
		case Unknown:
			ev.Outcome = store.OutcomePending
			ev.Details = mustJSON(map[string]any{"before": ch.before, "wanted": ch.after, "explanation": zoom.Explain(ans.Err)})
			_, err := s.Store.RecordUserChange(ctx, a.PartnerID, store.UserChange{CustomerID: ch.c.ID, Event: ev,
				Pending: &store.PendingChange{Email: ch.email, ZoomUserID: ch.userID, Action: ch.action, Wanted: mustJSON(ch.wanted)}})
			return true, err
		}
		msg := ExplainUserError(ch.op, ans.Err)
		ev.Outcome = store.OutcomeFailed
		if ans.Zoom != nil {
			ev.ZoomCode, ev.ZoomMessage = ans.Zoom.Code, ans.Zoom.Message
		}
		ev.Details = mustJSON(map[string]any{"before": ch.before, "wanted": ch.after, "explanation": msg})
		res = UserResult{Refusal: ans.Err, Message: msg}
		_, err := s.Store.Audit(ctx, ev)
		return true, err
	})
	if err != nil {
		return UserResult{}, err
	}
	switch {
	case ans.Kind == Unknown:
		return s.lostAnswer(ctx, a, base, ch), nil
	case zoom.NeedsReauth(ans.Err):
		return UserResult{}, ans.Err
	}
	return res, nil
}

// pendingWanted is what a user change's intent keeps for the look-up that resolves it.
type pendingWanted struct {
	Wanted
	Email   string `json:"email"`
	UserID  string `json:"user_id,omitempty"`
	Account string `json:"account"`
}

// withDetails is ev with details.
func withDetails(ev store.AuditEvent, details map[string]any) store.AuditEvent {
	ev.Details = mustJSON(details)
	return ev
}

// lostAnswer looks the user of a change whose answer was lost (and which is recorded as an
// open change) up in Zoom at once and records the resolution.
func (s *Service) lostAnswer(ctx context.Context, a Actor, ev store.AuditEvent, ch userChange) UserResult {
	waiting := UserResult{Message: "Zoom did not confirm this change (its answer was lost), and Zoom could not be asked whether it happened. " +
		"Nothing will be repeated: Tierdesk looks the user up in Zoom before anything else is sent for them, and the user list shows it as waiting."}
	pc, err := s.Store.OpenUserChange(ctx, a.PartnerID, ch.c.ID, ch.email)
	if err != nil {
		return waiting
	}
	zr, err := s.ForRead(ctx, a.PartnerID, a.StaffID)
	if err != nil {
		return waiting
	}
	outcome, err := s.ResolveUserChange(ctx, zr, a.PartnerID, pc, ev)
	switch {
	case err != nil:
		s.Log.Warn("look-up after a lost answer failed", "email", ch.email, "error", err)
		return waiting
	case outcome == store.OutcomeSucceeded:
		return UserResult{Done: true, Note: " (Zoom's answer was lost; a look-up in Zoom shows it was done.)"}
	}
	return UserResult{Message: "Zoom did not confirm this change (its answer was lost), and a look-up in Zoom shows it was not made. Nothing was repeated: you can send it again."}
}
