package handlers

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/input"
	"github.com/tierdesk/tierdesk/internal/store"
)

// requestEvent starts an audit event with who is acting (from the session) and the request's
// id, address and user agent. The caller adds the action, target, outcome and details.
func (h *Handlers) requestEvent(r *http.Request) store.AuditEvent {
	e := store.AuditEvent{RequestID: middleware.GetReqID(r.Context()), IP: h.clientIP(r), UserAgent: input.Safe(r.UserAgent())}
	if a := staffFrom(r.Context()); a != nil {
		e.PartnerID = a.Partner.ID
		e.StaffID = &a.Staff.ID
		e.StaffEmail = a.Staff.Email
		if a.Staff.ZoomUserID != nil {
			e.ZoomUserID = *a.Staff.ZoomUserID
		}
		if a.GrantID != 0 {
			e.GrantRef = store.GrantRef(a.GrantID)
		}
	}
	return e
}

// details encodes audit details; it never fails for the plain maps handlers pass.
func details(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}

// auditAlone appends an event that goes with no other local change (a refusal, a denial). A
// failure is logged as an error: the request's outcome does not change.
func (h *Handlers) auditAlone(r *http.Request, e store.AuditEvent) {
	if _, err := h.store.Audit(r.Context(), e); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "audit write failed", slog.String("request_id", e.RequestID),
			slog.String("action", string(e.Action)), slog.Int64("partner_id", e.PartnerID), slog.String("error", err.Error()))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
