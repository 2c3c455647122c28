package service

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// A bulk user job's rows (an import of new users, a bulk deactivate or remove) go to Zoom
// through the change protocol (Send) one by one: the row is marked sending, the intent
// written, the call made, and the row's result, audit event, directory change and the
// intent's close are recorded in one transaction. A row found sending when its job resumes
// (the process died between the call and the record, or the answer was lost) is looked up in
// Zoom before anything is sent again (ResolveRow).

// ImportOptions are the options of a bulk remove (kept with the bulk job).
type ImportOptions struct {
	RemoveAction      string `json:"remove_action,omitempty"` // zoom.DeleteDisassociate or zoom.DeletePermanently
	TransferEmail     string `json:"transfer_email,omitempty"`
	TransferMeeting   bool   `json:"transfer_meeting,omitempty"`
	TransferWebinar   bool   `json:"transfer_webinar,omitempty"`
	TransferRecording bool   `json:"transfer_recording,omitempty"`
}

// MaxRowAttempts is how often a row is sent at most (a per-second 429, or a look-up after a
// lost answer that found nothing, make it ready again).
const MaxRowAttempts = 3

// rowLease is how long a row's sender owns its intent; its call has rowDeadline.
const (
	rowLease    = 15 * time.Minute
	rowDeadline = 5 * time.Minute
)

// ImportRun is one run of a bulk job's rows.
type ImportRun struct {
	PartnerID int64
	Imp       store.Import
	Opts      ImportOptions
	Event     store.AuditEvent // who and which job, for every row's event
	Zoom      *zoom.Client
	// Stop ends the sending of new rows for a reason the whole job shares (Zoom refused the
	// grant, a daily limit): why for people, state for the rows not sent, Zoom's code.
	Stop func(why, state string, code int)

	intents map[int]int64 // open intents of rows a previous run sent, by line
}

// owner is who resolves the intents of this job's rows: the job itself, when it resumes.
func (r *ImportRun) owner() string { return "import:" + r.Imp.ID }

// rowAction is the audit action of a bulk job's rows.
func (r *ImportRun) rowAction() audit.Action {
	switch r.Imp.Kind {
	case store.ImportDeactivate:
		return audit.UserDeactivate
	case store.ImportRemove:
		if r.Opts.RemoveAction == zoom.DeletePermanently {
			return audit.UserDelete
		}
		return audit.UserDisassociate
	}
	return audit.UserCreate
}

// rowOp is the operation of a bulk job's rows, for explanations.
func (r *ImportRun) rowOp() string {
	switch r.Imp.Kind {
	case store.ImportDeactivate:
		return OpStatus
	case store.ImportRemove:
		return OpRemove
	}
	return OpCreate
}

// key is how a row's user is named to Zoom: its id when known, else its email.
func key(row store.ImportRow) string {
	if row.ZoomUserID != "" {
		return row.ZoomUserID
	}
	return row.Email
}

// rowEvent is the audit event of a row.
func (r *ImportRun) rowEvent(row store.ImportRow, outcome store.Outcome, grant string, details map[string]any) store.AuditEvent {
	ev := r.Event
	ev.Action, ev.Outcome, ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = r.rowAction(), outcome, "user", key(row), row.Email, row.ZoomAccountID
	if grant != "" {
		ev.GrantRef = grant
	}
	details["line"], details["import"] = row.Line, r.Imp.ID
	ev.Details = mustJSON(details)
	return ev
}

// before and after are a row's change, for its audit event.
func (r *ImportRun) beforeAfter(row store.ImportRow) (before, after any) {
	switch r.Imp.Kind {
	case store.ImportDeactivate:
		return map[string]any{"status": zoom.UserActive}, map[string]any{"status": zoom.UserInactive}
	case store.ImportRemove:
		return map[string]any{"email": row.Email, "customer": row.ZoomAccountID}, nil
	}
	return nil, map[string]any{"email": row.Email, "first_name": row.FirstName, "last_name": row.LastName, "type": row.Type, "action": row.CreateAction}
}

// SendRow sends one ready row to Zoom through the change protocol and records the answer. It
// returns an error only when the database fails (the row then stays sending, and its intent
// open, for the job's next run to look up).
func (s *Service) SendRow(ctx context.Context, r *ImportRun, row store.ImportRow) error {
	ok, err := s.Store.MarkRowSending(ctx, r.PartnerID, r.Imp.ID, row.Line)
	if err != nil || !ok {
		return err
	}
	row.Attempts++
	// Once the row is marked sending, a stop (River's shutdown) cuts neither the call nor the
	// recording of its answer.
	ctx = context.WithoutCancel(ctx)
	before, after := r.beforeAfter(row)
	var created *zoom.CreatedUser
	ch := Change{PartnerID: r.PartnerID, CustomerID: *row.CustomerID, Action: r.rowAction(), TargetType: "user", TargetID: key(row),
		TargetLabel: row.Email, Event: r.rowEvent(row, "", "", map[string]any{"before": before, "wanted": after}),
		Wanted: rowWanted{Line: row.Line}, Owner: r.owner(), Lease: rowLease}
	_, err = s.Send(ctx, r.Zoom, ch, func(ctx context.Context) (resp *zoom.Response, err error) {
		ctx, cancel := context.WithTimeout(ctx, rowDeadline)
		defer cancel()
		switch r.Imp.Kind {
		case store.ImportCreate:
			created, resp, err = r.Zoom.CreateUser(ctx, row.ZoomAccountID, &zoom.CreateUserRequest{Action: row.CreateAction,
				UserInfo: zoom.CreateUserInfo{Email: row.Email, Type: row.Type, FirstName: row.FirstName, LastName: row.LastName}})
		case store.ImportDeactivate:
			resp, err = r.Zoom.UpdateUserStatus(ctx, row.ZoomAccountID, key(row), zoom.StatusDeactivate)
		case store.ImportRemove:
			resp, err = r.Zoom.DeleteUser(ctx, row.ZoomAccountID, key(row), &zoom.DeleteUserOptions{Action: r.Opts.RemoveAction,
				TransferEmail: r.Opts.TransferEmail, TransferMeeting: r.Opts.TransferMeeting, TransferWebinar: r.Opts.TransferWebinar,
				TransferRecording: r.Opts.TransferRecording})
		}
		return resp, err
	}, func(ans Answer) (bool, error) {
		return s.recordRow(ctx, r, row, ans, created, before, after)
	})
	var nr *NotRecordedError
	if errors.As(err, &nr) {
		return nr.Err
	}
	return err
}

// rowWanted is what a row's intent keeps: the line, which finds it when its job resumes.
type rowWanted struct {
	Line int `json:"line"`
}

// recordRow records Zoom's answer to a row; it reports whether it audited the answer.
func (s *Service) recordRow(ctx context.Context, r *ImportRun, row store.ImportRow, ans Answer, created *zoom.CreatedUser, before, after any) (bool, error) {
	st, grant, err := s.Store, ans.Grant, ans.Err
	finish := func(res store.RowResult, change *store.UserChange) (bool, error) {
		if change != nil && change.Event.Action != "" {
			change.Event.Intent = ans.Intent
		}
		return change != nil && change.Event.Action != "", st.FinishImportRow(ctx, r.PartnerID, r.Imp.ID, row.Line, res, change)
	}
	ze := ans.Zoom
	switch {
	case ans.Kind == Done:
		res := store.RowResult{State: store.RowSucceeded, Message: "Done."}
		change := &store.UserChange{CustomerID: *row.CustomerID}
		switch r.Imp.Kind {
		case store.ImportCreate:
			status := zoom.UserActive
			res.Message = "Created."
			if row.CreateAction == zoom.ActionCreate {
				status, res.Message = zoom.UserPending, "Created; Zoom emailed an invitation (pending until accepted)."
			}
			res.ZoomUserID, row.ZoomUserID = created.ID, created.ID
			now := time.Now()
			change.Save = &store.DirUser{ZoomUserID: created.ID, Email: row.Email, FirstName: row.FirstName, LastName: row.LastName,
				DisplayName: strings.TrimSpace(row.FirstName + " " + row.LastName), Type: row.Type, Status: status, RoleID: RoleMemberID,
				ZoomCreatedAt: &now}
		case store.ImportDeactivate:
			change.StatusOf, change.Status, res.Message = row.Email, zoom.UserInactive, "Deactivated."
		case store.ImportRemove:
			change.Remove, res.Message = row.Email, "Removed."
		}
		change.Event = r.rowEvent(row, store.OutcomeSucceeded, grant, map[string]any{"before": before, "after": after})
		return finish(res, change)
	case ans.Kind == Unknown:
		msg := zoom.Explain(err)
		details := map[string]any{"before": before, "wanted": after, "explanation": msg}
		var oe *zoom.OutcomeUnknownError
		if errors.As(err, &oe) && oe.Status != 0 {
			details["http_status"] = oe.Status
		}
		ev := r.rowEvent(row, store.OutcomePending, grant, details)
		audited, ferr := finish(store.RowResult{State: store.RowSending, Message: msg}, &store.UserChange{CustomerID: *row.CustomerID, Event: ev})
		if ferr != nil {
			return audited, ferr
		}
		return audited, s.ResolveRow(ctx, r, row, true)
	case zoom.NeedsReauth(err):
		// The token was refused: Zoom did nothing. The row waits for the next run.
		r.Stop("Zoom no longer accepts the Zoom sign-in or app the job used: "+zoom.Explain(err), store.RowFailed, 0)
		return finish(store.RowResult{State: store.RowReady}, nil)
	case ze != nil && ze.Status == 429 && !ze.DailyLimit && row.Attempts < MaxRowAttempts:
		// Refused before acting (a burst, or another change of this user in flight): send it
		// again in the next pass.
		return finish(store.RowResult{State: store.RowReady, ZoomCode: ze.Code, ZoomMessage: ze.Message}, nil)
	case ze != nil:
		msg := ExplainUserError(r.rowOp(), err)
		if ze.DailyLimit {
			r.Stop("Zoom's daily limit for this is used up: "+msg, store.RowFailed, ze.Code)
		}
		res := store.RowResult{State: store.RowFailed, Message: msg, ZoomCode: ze.Code, ZoomMessage: ze.Message}
		ev := r.rowEvent(row, store.OutcomeFailed, grant, map[string]any{"before": before, "wanted": after, "explanation": msg})
		ev.ZoomCode, ev.ZoomMessage = ze.Code, ze.Message
		return finish(res, &store.UserChange{CustomerID: *row.CustomerID, Event: ev})
	case row.Attempts < MaxRowAttempts:
		// Not sent (the connection failed before the request left): send it again later.
		return finish(store.RowResult{State: store.RowReady}, nil)
	}
	msg := zoom.Explain(err)
	ev := r.rowEvent(row, store.OutcomeFailed, grant, map[string]any{"before": before, "wanted": after, "explanation": msg})
	return finish(store.RowResult{State: store.RowFailed, Message: msg}, &store.UserChange{CustomerID: *row.CustomerID, Event: ev})
}

// ResolveSending resolves the rows a previous run sent without recording Zoom's answer.
func (s *Service) ResolveSending(ctx context.Context, r *ImportRun) error {
	rows, err := s.Store.ImportRows(ctx, r.PartnerID, r.Imp.ID, store.RowFilter{States: []string{store.RowSending}})
	if err != nil || len(rows) == 0 {
		return err
	}
	open, err := s.Store.OpenIntentsOf(ctx, r.PartnerID, r.owner())
	if err != nil {
		return err
	}
	r.intents = map[int]int64{}
	for _, in := range open {
		var w rowWanted
		if err := json.Unmarshal(in.Wanted, &w); err == nil {
			r.intents[w.Line] = in.ID
		}
	}
	// Each row is looked up on its own; they go with as many in flight as the budget needs.
	var stop firstError
	r.Zoom.Flow(zoom.Light, 0).Run(ctx, len(rows), func(ctx context.Context, i int) bool {
		if err := s.ResolveRow(ctx, r, rows[i], false); err != nil {
			return stop.set(err)
		}
		return true
	})
	return cmp.Or(stop.get(), ctx.Err())
}

// ResolveRow looks up in Zoom the user of a row whose answer was lost and records what Zoom
// shows: done (succeeded), or not done (ready to send again, or failed when its attempts are
// used up). A look-up that fails leaves the row sending: the next run looks again. pending
// says whether a pending event was recorded for the row (its resolution is then audited too);
// otherwise the row's open intent, left by the run that sent it, is closed by what is recorded.
func (s *Service) ResolveRow(ctx context.Context, r *ImportRun, row store.ImportRow, pending bool) error {
	st := s.Store
	lookup := row.Email
	if r.Imp.Kind != store.ImportCreate {
		lookup = key(row)
	}
	u, resp, found, err := LookUpUser(ctx, r.Zoom, row.ZoomAccountID, lookup, row.Email)
	if err != nil {
		s.Log.LogAttrs(ctx, slog.LevelWarn, "look-up after a lost answer failed; trying again later", slog.String("import", r.Imp.ID),
			slog.Int("line", row.Line), slog.String("error", err.Error()))
		return nil
	}
	intent := int64(0)
	if !pending {
		intent = r.intents[row.Line]
	}
	done := false
	change := &store.UserChange{CustomerID: *row.CustomerID}
	switch r.Imp.Kind {
	case store.ImportCreate:
		done = found
	case store.ImportDeactivate:
		done = found && u.Status == zoom.UserInactive
	case store.ImportRemove:
		done = !found
		change.Remove = row.Email
	}
	if found {
		du := DirUserOf(*u)
		change.Save, change.Remove = &du, ""
	}
	grant := ""
	if resp != nil {
		grant = resp.Grant
	}
	before, after := r.beforeAfter(row)
	if done {
		res := store.RowResult{State: store.RowSucceeded, Message: "Done (Zoom's answer was lost; a look-up in Zoom shows it was done)."}
		if found {
			res.ZoomUserID = u.ID
			if u.ID != "" {
				row.ZoomUserID = u.ID
			}
		}
		how := "Zoom shows the change was made"
		if !pending {
			how = "the previous run stopped after sending; Zoom shows the change was made"
		}
		change.Event = r.rowEvent(row, store.OutcomeSucceeded, grant, map[string]any{"before": before, "after": after, "resolution": how})
		change.Event.Intent = intent
		return st.FinishImportRow(ctx, r.PartnerID, r.Imp.ID, row.Line, res, change)
	}
	// Not done: Zoom did not act on it.
	state, msg := store.RowReady, ""
	if row.Attempts >= MaxRowAttempts {
		state, msg = store.RowFailed, "Not done: Zoom's answers were lost and look-ups show nothing changed; not sent again. Try this row again later."
	}
	if !pending && state == store.RowReady {
		// Nothing was recorded for that attempt: the row is simply sent again.
		if err := st.FinishImportRow(ctx, r.PartnerID, r.Imp.ID, row.Line, store.RowResult{State: state}, nil); err != nil {
			return err
		}
		if intent != 0 {
			return st.CloseIntent(ctx, r.PartnerID, intent, "not done")
		}
		return nil
	}
	change.Event = r.rowEvent(row, store.OutcomeFailed, grant, map[string]any{"before": before, "wanted": after,
		"resolution": "Zoom shows the change was not made"})
	change.Event.Intent = intent
	return st.FinishImportRow(ctx, r.PartnerID, r.Imp.ID, row.Line, store.RowResult{State: state, Message: msg}, change)
}
