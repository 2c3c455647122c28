package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// rowAction is the audit action of a bulk job's rows.
func (r *bulkRun) rowAction() string {
	switch r.imp.Kind {
	case store.ImportDeactivate:
		return "user.deactivate"
	case store.ImportRemove:
		if r.opts.RemoveAction == zoom.DeletePermanently {
			return "user.delete"
		}
		return "user.disassociate"
	}
	return "user.create"
}

// rowOp is the operation of a bulk job's rows, for explanations.
func (r *bulkRun) rowOp() string {
	switch r.imp.Kind {
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
func (r *bulkRun) rowEvent(row store.ImportRow, outcome store.Outcome, grant string, details map[string]any) store.AuditEvent {
	ev := r.ev
	ev.Action, ev.Outcome, ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = r.rowAction(), outcome, "user", key(row), row.Email, row.ZoomAccountID
	if grant != "" {
		ev.GrantRef = grant
	}
	details["line"], details["import"] = row.Line, r.imp.ID
	ev.Details = mustJSON(details)
	return ev
}

// before and after are a row's change, for its audit event.
func (r *bulkRun) beforeAfter(row store.ImportRow) (before, after any) {
	switch r.imp.Kind {
	case store.ImportDeactivate:
		return map[string]any{"status": zoom.UserActive}, map[string]any{"status": zoom.UserInactive}
	case store.ImportRemove:
		return map[string]any{"email": row.Email, "customer": row.ZoomAccountID}, nil
	}
	return nil, map[string]any{"email": row.Email, "first_name": row.FirstName, "last_name": row.LastName, "type": row.Type, "action": row.CreateAction}
}

// send sends one ready row to Zoom and records the answer. It returns an error only when the
// database fails.
func (r *bulkRun) send(ctx context.Context, row store.ImportRow) error {
	st, a := r.w.Store, r.args
	ok, err := st.MarkRowSending(ctx, a.PartnerID, r.imp.ID, row.Line)
	if err != nil || !ok {
		return err
	}
	row.Attempts++
	// Once the row is marked sending, a stop (River's shutdown) cuts neither the call nor the
	// recording of its answer.
	ctx = context.WithoutCancel(ctx)
	var resp *zoom.Response
	var created *zoom.CreatedUser
	switch r.imp.Kind {
	case store.ImportCreate:
		created, resp, err = r.zc.CreateUser(ctx, row.ZoomAccountID, &zoom.CreateUserRequest{Action: row.CreateAction,
			UserInfo: zoom.CreateUserInfo{Email: row.Email, Type: row.Type, FirstName: row.FirstName, LastName: row.LastName}})
	case store.ImportDeactivate:
		resp, err = r.zc.UpdateUserStatus(ctx, row.ZoomAccountID, key(row), zoom.StatusDeactivate)
	case store.ImportRemove:
		resp, err = r.zc.DeleteUser(ctx, row.ZoomAccountID, key(row), &zoom.DeleteUserOptions{Action: r.opts.RemoveAction,
			TransferEmail: r.opts.TransferEmail, TransferMeeting: r.opts.TransferMeeting, TransferWebinar: r.opts.TransferWebinar,
			TransferRecording: r.opts.TransferRecording})
	}
	grant := ""
	if resp != nil {
		grant = resp.Grant
	}
	before, after := r.beforeAfter(row)
	ze, isZoom := zoom.AsError(err)
	switch {
	case err == nil:
		res := store.RowResult{State: store.RowSucceeded, Message: "Done."}
		change := &store.UserChange{CustomerID: *row.CustomerID}
		switch r.imp.Kind {
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
		return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, res, change)
	case zoom.IsOutcomeUnknown(err):
		return r.lost(ctx, row, err, grant, before, after)
	case zoom.NeedsReauth(err):
		// The token was refused: Zoom did nothing. The row waits for the next run.
		r.stop("Zoom no longer accepts the Zoom sign-in or app the job used: "+zoom.Explain(err), store.RowFailed, 0)
		return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, store.RowResult{State: store.RowReady}, nil)
	case isZoom && ze.Status == 429 && !ze.DailyLimit && row.Attempts < maxAttempts:
		// Refused before acting (a burst, or another change of this user in flight): send it
		// again in the next pass.
		return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, store.RowResult{State: store.RowReady, ZoomCode: ze.Code, ZoomMessage: ze.Message}, nil)
	case isZoom:
		msg := ExplainUserError(r.rowOp(), err)
		if ze.DailyLimit {
			r.stop("Zoom's daily limit for this is used up: "+msg, store.RowFailed, ze.Code)
		}
		res := store.RowResult{State: store.RowFailed, Message: msg, ZoomCode: ze.Code, ZoomMessage: ze.Message}
		ev := r.rowEvent(row, store.OutcomeFailed, grant, map[string]any{"before": before, "wanted": after, "explanation": msg})
		ev.ZoomCode, ev.ZoomMessage = ze.Code, ze.Message
		return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, res, &store.UserChange{CustomerID: *row.CustomerID, Event: ev})
	case row.Attempts < maxAttempts:
		// Not sent (the connection failed before the request left): send it again later.
		return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, store.RowResult{State: store.RowReady}, nil)
	}
	msg := zoom.Explain(err)
	ev := r.rowEvent(row, store.OutcomeFailed, grant, map[string]any{"before": before, "wanted": after, "explanation": msg})
	return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, store.RowResult{State: store.RowFailed, Message: msg},
		&store.UserChange{CustomerID: *row.CustomerID, Event: ev})
}

// lost records a row whose answer was lost (timeout, 5xx, dropped connection) as pending,
// then looks the user up before anything else.
func (r *bulkRun) lost(ctx context.Context, row store.ImportRow, err error, grant string, before, after any) error {
	msg := zoom.Explain(err)
	details := map[string]any{"before": before, "wanted": after, "explanation": msg}
	var oe *zoom.OutcomeUnknownError
	if errors.As(err, &oe) && oe.Status != 0 {
		details["http_status"] = oe.Status
	}
	ev := r.rowEvent(row, store.OutcomePending, grant, details)
	if err := r.w.Store.FinishImportRow(ctx, r.args.PartnerID, r.imp.ID, row.Line, store.RowResult{State: store.RowSending, Message: msg},
		&store.UserChange{CustomerID: *row.CustomerID, Event: ev}); err != nil {
		return err
	}
	return r.resolve(ctx, row, true)
}

// resolve looks up in Zoom the user of a row whose answer was lost and records what Zoom
// shows: done (succeeded), or not done (ready to send again, or failed when its attempts are
// used up). A look-up that fails leaves the row sending: the next run looks again. pending
// says whether a pending event was recorded for the row (its resolution is then audited too).
func (r *bulkRun) resolve(ctx context.Context, row store.ImportRow, pending bool) error {
	st, a := r.w.Store, r.args
	lookup := row.Email
	if r.imp.Kind != store.ImportCreate {
		lookup = key(row)
	}
	u, resp, found, err := lookUpUser(ctx, r.zc, row.ZoomAccountID, lookup, row.Email)
	if err != nil {
		r.w.Log.LogAttrs(ctx, slog.LevelWarn, "look-up after a lost answer failed; trying again later", slog.String("import", r.imp.ID),
			slog.Int("line", row.Line), slog.String("error", err.Error()))
		return nil
	}
	done := false
	change := &store.UserChange{CustomerID: *row.CustomerID}
	switch r.imp.Kind {
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
		return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, res, change)
	}
	// Not done: Zoom did not act on it.
	state, msg := store.RowReady, ""
	if row.Attempts >= maxAttempts {
		state, msg = store.RowFailed, "Not done: Zoom's answers were lost and look-ups show nothing changed; not sent again. Try this row again later."
	}
	if !pending && state == store.RowReady {
		// Nothing was recorded for that attempt: the row is simply sent again.
		return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, store.RowResult{State: state}, nil)
	}
	change.Event = r.rowEvent(row, store.OutcomeFailed, grant, map[string]any{"before": before, "wanted": after,
		"resolution": "Zoom shows the change was not made"})
	return st.FinishImportRow(ctx, a.PartnerID, r.imp.ID, row.Line, store.RowResult{State: state, Message: msg}, change)
}
