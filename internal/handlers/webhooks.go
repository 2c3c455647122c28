package handlers

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/input"
	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// webhookMaxBody bounds a webhook's body: Zoom's lifecycle events are a few KiB.
const webhookMaxBody = 256 << 10

// zoomWebhook receives Zoom's events (POST /webhooks/zoom?partner=ID). There is no session:
// the request is trusted only when its signature matches the Secret Token of the partner the
// URL names (or, without that, of a partner the event's account belongs to), and its timestamp
// is fresh. A verified event is recorded with a River job that
// applies it a moment later (service.ApplyWebhookEvent: the partner's cache converges, and changes
// made in Zoom are audited as seen from Zoom); Zoom is answered within its 3 seconds, and a
// failure to record answers 503 so that Zoom retries (a retry of a recorded event changes
// nothing twice).
func (h *Handlers) zoomWebhook(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reject := func(status int, reason string) error {
		h.metrics.webhooks.WithLabelValues("refused").Inc()
		h.log.LogAttrs(ctx, slog.LevelWarn, "webhook refused", slog.String("request_id", middleware.GetReqID(ctx)),
			slog.String("reason", reason), slog.String("remote", h.clientIP(r)))
		http.Error(w, reason, status)
		return nil
	}
	// The cheap checks first: an unsigned or stale request is not even read.
	ts, sig := r.Header.Get("x-zm-request-timestamp"), r.Header.Get("x-zm-signature")
	if !zoom.WebhookFresh(ts, h.cfg.Now()) {
		return reject(http.StatusUnauthorized, "missing or stale x-zm-request-timestamp")
	}
	if !zoom.WebhookSignatureShaped(sig) {
		return reject(http.StatusUnauthorized, "missing or malformed x-zm-signature")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookMaxBody))
	if err != nil {
		return reject(http.StatusRequestEntityTooLarge, "webhook body too large")
	}
	ev, err := parseWebhook(body)
	var nt *notTextError
	if errors.As(err, &nt) {
		// Signed by the partner the URL names (nothing of the body is looked up), it is
		// recorded in that partner's log: Zoom sent an event Tierdesk cannot keep.
		signedBy, _, serr := h.webhookPartner(r, "", ts, body, sig)
		if serr != nil {
			return serr
		}
		h.noteRefusal(r, signedBy, "webhook", "not text: the event's "+nt.where+" "+nt.reason,
			map[string]any{"event_field": input.Quote(nt.where)})
		return reject(http.StatusBadRequest, err.Error())
	} else if err != nil {
		return reject(http.StatusBadRequest, err.Error())
	}
	partnerID, secret, err := h.webhookPartner(r, ev.AccountID, ts, body, sig)
	if err != nil {
		return err
	}
	if partnerID == 0 {
		return reject(http.StatusUnauthorized, "signature matches no partner's webhook secret token")
	}

	if ev.Name == zoom.EventURLValidation {
		if ev.PlainToken == "" {
			return reject(http.StatusBadRequest, "url validation without plainToken")
		}
		if err := h.store.WebhookValidated(ctx, partnerID); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(zoom.URLValidationAnswer(secret, ev.PlainToken))
	}

	// Recorded as Zoom sent it now, applied a moment later by a River job (jobs.WebhookDelay
	// says why; service.ApplyWebhookEvent what it does).
	digest := sha256.Sum256(body)
	d := store.WebhookDelivery{Event: ev.Name, Body: body, Digest: digest[:],
		RequestID: middleware.GetReqID(ctx), IP: h.clientIP(r), UserAgent: input.Safe(r.UserAgent())}
	fresh, err := h.store.RecordWebhook(ctx, partnerID, d, jobs.EnqueueWebhook(h.river, partnerID, d.Digest, h.cfg.WebhookDelay))
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "webhook not recorded", slog.String("request_id", d.RequestID),
			slog.String("event", ev.Name), slog.Int64("partner_id", partnerID), slog.String("error", err.Error()))
		h.metrics.webhooks.WithLabelValues("not_recorded").Inc()
		http.Error(w, "not recorded, retry later", http.StatusServiceUnavailable)
		return nil
	}
	result := "recorded"
	if !fresh {
		result = "repeat"
	}
	h.metrics.webhooks.WithLabelValues(result).Inc()
	h.log.LogAttrs(ctx, slog.LevelInfo, "webhook", slog.String("request_id", d.RequestID), slog.String("event", ev.Name),
		slog.Int64("partner_id", partnerID), slog.Bool("repeat", !fresh))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseWebhook reads a webhook body (zoom.ParseWebhook). Its errors are the plain reasons
// given to the sender. Text that PostgreSQL cannot hold (invalid UTF-8, a NUL, escaped or not)
// is refused here, before anything is looked up or stored: such an event can never be
// recorded, so a 400 tells the sender not to try again.
func parseWebhook(body []byte) (zoom.WebhookEvent, error) {
	if where, reason := input.JSON(body); reason != "" {
		return zoom.WebhookEvent{}, &notTextError{where: where, reason: reason}
	}
	return zoom.ParseWebhook(body)
}

// notTextError is a webhook body holding something that is not text.
type notTextError struct{ where, reason string }

func (e *notTextError) Error() string { return "the event's " + e.where + " " + e.reason }

// webhookPartner finds the partner whose Secret Token signed the body. The endpoint URL each
// partner gives Zoom names it (?partner=ID, shown on /settings); without that, the partners the
// event's account belongs to are tried. A request that names neither is not verifiable and
// costs nothing more: no secret of every partner is tried for an anonymous caller.
func (h *Handlers) webhookPartner(r *http.Request, accountID, ts string, body []byte, sig string) (int64, string, error) {
	ctx := r.Context()
	var candidates []int64
	if v := r.URL.Query().Get("partner"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return 0, "", nil
		}
		candidates = []int64{id}
	} else if accountID != "" {
		var err error
		if candidates, err = h.store.PartnersWithZoomAccount(ctx, accountID); err != nil {
			return 0, "", err
		}
	}
	for _, pid := range candidates {
		secret, err := h.store.WebhookSecret(ctx, pid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return 0, "", err
		}
		if zoom.WebhookSigned(secret, ts, body, sig) {
			return pid, secret, nil
		}
	}
	return 0, "", nil
}
