package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Every change of a user goes to Zoom through the signed-in staff member's client (zoomFor),
// and is audited with who, which grant, the user, the customer, before and after, and the
// outcome with Zoom's code and message. A change whose answer is lost is recorded pending and
// resolved at once by looking the user up; it is never sent twice blindly.

// userChange is one change of a user to send to Zoom.
type userChange struct {
	c      store.Customer
	email  string
	userID string // "" for a user being created
	action string // audit action: user.create, user.update, ...
	op     string // jobs.OpCreate, ... (for explanations)
	before any
	after  any
	wanted jobs.Wanted
	send   func(ctx context.Context, zc *zoom.Client) (*zoom.Response, error)
	done   func() store.UserChange // the directory change once Zoom did it (its Event is set here)
}

// changeResult is how a change ended, for the page.
type changeResult struct {
	done    bool   // Zoom did it (or a look-up after a lost answer shows it did)
	note    string // for the flash on success
	refusal error  // Zoom refused: place ExplainUserError next to the right field
	message string // why it was not done, in plain words
}

// changeDeadline bounds a change made while the staff member waits.
const changeDeadline = 25 * time.Second

// sendChange sends ch to Zoom and records what happened. It returns an error only for a
// failure that is not Zoom's answer (the page then says so).
func (h *Handlers) sendChange(r *http.Request, ch userChange) (changeResult, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	// A change still waiting for Zoom's confirmation is resolved before another is sent.
	if pc, err := h.store.OpenUserChange(ctx, a.Partner.ID, ch.c.ID, ch.email); err == nil {
		zr, rerr := h.zoomReader(r)
		if rerr == nil {
			_, rerr = jobs.ResolveUserChange(ctx, h.store, zr, a.Partner.ID, pc, h.requestEvent(r))
		}
		if rerr != nil {
			ev := h.userEvent(r, ch)
			ev.Outcome = store.OutcomeDenied
			ev.Details = details(map[string]any{"before": ch.before, "wanted": ch.after,
				"reason": "an earlier " + pc.Action + " of this user is still waiting for Zoom's confirmation, and Zoom could not be asked about it: nothing was sent"})
			h.auditAlone(r, ev)
			return changeResult{message: "An earlier " + pc.Action + " of " + ch.email + " is still waiting for Zoom's confirmation, and Zoom could not be asked just now. " +
				"Tierdesk sends nothing else for this user until Zoom answers: try again in a moment."}, nil
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return changeResult{}, err
	}
	zc, err := h.zoomFor(r)
	if err != nil {
		return changeResult{}, err
	}
	zctx, cancel := context.WithTimeout(ctx, changeDeadline)
	defer cancel()
	resp, err := ch.send(zctx, zc)
	ev := h.userEvent(r, ch)
	ev.GrantRef = zc.Grant()
	if resp != nil && resp.Grant != "" {
		ev.GrantRef = resp.Grant
	}
	switch {
	case err == nil:
		uc := ch.done()
		ev.Outcome = store.OutcomeSucceeded
		if uc.Save != nil && uc.Save.ZoomUserID != "" {
			ev.TargetID = uc.Save.ZoomUserID
		}
		ev.Details = details(map[string]any{"before": ch.before, "after": ch.after})
		uc.Event = ev
		if _, err := h.store.RecordUserChange(ctx, a.Partner.ID, uc); err != nil {
			return changeResult{}, err
		}
		return changeResult{done: true}, nil
	case zoom.IsOutcomeUnknown(err):
		return h.lostAnswer(r, ch, ev, err)
	}
	msg := jobs.ExplainUserError(ch.op, err)
	ev.Outcome = store.OutcomeFailed
	if ze, ok := zoom.AsError(err); ok {
		ev.ZoomCode, ev.ZoomMessage = ze.Code, ze.Message
	}
	ev.Details = details(map[string]any{"before": ch.before, "wanted": ch.after, "explanation": msg})
	h.auditAlone(r, ev)
	if zoom.NeedsReauth(err) {
		return changeResult{}, zoomError(err)
	}
	return changeResult{refusal: err, message: msg}, nil
}

// userEvent is the audit event of change ch, before its outcome.
func (h *Handlers) userEvent(r *http.Request, ch userChange) store.AuditEvent {
	ev := h.requestEvent(r)
	ev.Action, ev.TargetType, ev.TargetLabel, ev.CustomerID = ch.action, "user", ch.email, ch.c.ZoomAccountID
	ev.TargetID = ch.userID
	if ev.TargetID == "" {
		ev.TargetID = ch.email
	}
	return ev
}

// lostAnswer records a change whose answer was lost as pending, then looks the user up in
// Zoom at once and records the resolution.
func (h *Handlers) lostAnswer(r *http.Request, ch userChange, ev store.AuditEvent, cause error) (changeResult, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	ev.Outcome = store.OutcomePending
	ev.Details = details(map[string]any{"before": ch.before, "wanted": ch.after, "explanation": zoom.Explain(cause)})
	wanted := ch.wanted
	if _, err := h.store.RecordUserChange(ctx, a.Partner.ID, store.UserChange{CustomerID: ch.c.ID, Event: ev,
		Pending: &store.PendingChange{Email: ch.email, ZoomUserID: ch.userID, Action: ch.action, Wanted: details(wanted)}}); err != nil {
		return changeResult{}, err
	}
	waiting := changeResult{message: "Zoom did not confirm this change (its answer was lost), and Zoom could not be asked whether it happened. " +
		"Nothing will be repeated: Tierdesk looks the user up in Zoom before anything else is sent for them, and the user list shows it as waiting."}
	pc, err := h.store.OpenUserChange(ctx, a.Partner.ID, ch.c.ID, ch.email)
	if err != nil {
		return waiting, nil
	}
	zr, err := h.zoomReader(r)
	if err != nil {
		return waiting, nil
	}
	rev := h.requestEvent(r)
	outcome, err := jobs.ResolveUserChange(ctx, h.store, zr, a.Partner.ID, pc, rev)
	switch {
	case err != nil:
		h.log.LogAttrs(ctx, slog.LevelWarn, "look-up after a lost answer failed", slog.String("email", ch.email), slog.String("error", err.Error()))
		return waiting, nil
	case outcome == store.OutcomeSucceeded:
		return changeResult{done: true, note: " (Zoom's answer was lost; a look-up in Zoom shows it was done.)"}, nil
	}
	return changeResult{message: "Zoom did not confirm this change (its answer was lost), and a look-up in Zoom shows it was not made. Nothing was repeated: you can send it again."}, nil
}

// mustJSON encodes plain values.
// fieldFor says which form field a refusal of op concerns ("" for the whole form).
func fieldFor(op string, err error, form map[string]string) string {
	ze, ok := zoom.AsError(err)
	if !ok {
		return ""
	}
	switch op {
	case jobs.OpStatus:
		return "status"
	case jobs.OpMove:
		return "to"
	case jobs.OpRemove:
		if te := form["transfer_email"]; te != "" && (ze.Code == 1001 || ze.Code == 1010 || strings.Contains(strings.ToLower(ze.Message), "transfer") ||
			strings.Contains(strings.ToLower(ze.Message), strings.ToLower(te))) {
			return "transfer_email"
		}
		return "form"
	}
	switch ze.Code {
	case 1005, 1009, 1107, 1116:
		return "email"
	case 2033, 2034, 3412, 1108, 1109:
		return "type"
	case 1111, 1123, 1124, 1125, 1126, 1127, 1128, 1129, 1130, 1131, 1136:
		return "password"
	case 300:
		msg := strings.ToLower(ze.Message)
		for _, f := range ze.Fields {
			name := f.Field[strings.LastIndex(f.Field, ".")+1:]
			if _, known := form[name]; known {
				return name
			}
		}
		if strings.Contains(msg, "password") {
			return "password"
		}
		if i := strings.Index(msg, "invalid word:"); i >= 0 {
			word := strings.TrimSpace(ze.Message[i+len("invalid word:"):])
			for _, name := range []string{"first_name", "last_name", "display_name"} {
				if v := form[name]; v != "" && strings.EqualFold(strings.TrimSpace(v), word) {
					return name
				}
			}
			return "first_name"
		}
	}
	return "form"
}
