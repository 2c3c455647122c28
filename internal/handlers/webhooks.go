package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/input"
	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// webhookMaxSkew is how far a webhook's timestamp may be from our clock: older deliveries are
// refused as replays.
const webhookMaxSkew = 5 * time.Minute

// webhookMaxBody bounds a webhook's body: Zoom's lifecycle events are a few KiB.
const webhookMaxBody = 256 << 10

// webhookEnvelope is Zoom's webhook body (ZOOM_API.md §7.1).
type webhookEnvelope struct {
	Event   string          `json:"event"`
	EventTS int64           `json:"event_ts"`
	Payload json.RawMessage `json:"payload"`
}

// webhookPayload holds the payload fields Tierdesk reads.
type webhookPayload struct {
	AccountID    string         `json:"account_id"`
	Operator     string         `json:"operator"`
	OperatorID   string         `json:"operator_id"`
	CreationType string         `json:"creation_type"`
	PlainToken   string         `json:"plainToken"`
	Object       map[string]any `json:"object"`
	OldObject    map[string]any `json:"old_object"`
}

// zoomWebhook receives Zoom's events (POST /webhooks/zoom?partner=ID). There is no session:
// the request is trusted only when its signature matches the Secret Token of the partner the
// URL names (or, without that, of a partner the event's account belongs to), and its timestamp
// is fresh. A verified event is recorded with a River job that
// applies it a moment later (store.ApplyWebhook: the partner's cache converges, and changes
// made in Zoom are audited as seen from Zoom); Zoom is answered within its 3 seconds, and a
// failure to record answers 503 so that Zoom retries (a retry of a recorded event changes
// nothing twice).
func (h *Handlers) zoomWebhook(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reject := func(status int, reason string) error {
		h.log.LogAttrs(ctx, slog.LevelWarn, "webhook refused", slog.String("request_id", middleware.GetReqID(ctx)),
			slog.String("reason", reason), slog.String("remote", h.clientIP(r)))
		http.Error(w, reason, status)
		return nil
	}
	// The cheap checks first: an unsigned or stale request is not even read.
	ts, sig := r.Header.Get("x-zm-request-timestamp"), r.Header.Get("x-zm-signature")
	if !webhookFresh(ts, h.cfg.Now()) {
		return reject(http.StatusUnauthorized, "missing or stale x-zm-request-timestamp")
	}
	if !strings.HasPrefix(sig, "v0=") || len(sig) != len("v0=")+64 {
		return reject(http.StatusUnauthorized, "missing or malformed x-zm-signature")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookMaxBody))
	if err != nil {
		return reject(http.StatusRequestEntityTooLarge, "webhook body too large")
	}
	env, p, err := parseWebhook(body)
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
	partnerID, secret, err := h.webhookPartner(r, p.AccountID, ts, body, sig)
	if err != nil {
		return err
	}
	if partnerID == 0 {
		return reject(http.StatusUnauthorized, "signature matches no partner's webhook secret token")
	}

	if env.Event == "endpoint.url_validation" {
		if p.PlainToken == "" {
			return reject(http.StatusBadRequest, "url validation without plainToken")
		}
		if err := h.store.WebhookValidated(ctx, partnerID); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(map[string]string{"plainToken": p.PlainToken, "encryptedToken": hmacHex(secret, p.PlainToken)})
	}

	digest := sha256.Sum256(body)
	ev := store.WebhookEvent{Event: env.Event, EventTS: env.EventTS, Digest: digest[:], AccountID: p.AccountID, Operator: p.Operator, OperatorID: p.OperatorID,
		CreationType: p.CreationType, Object: p.Object, OldObject: p.OldObject,
		RequestID: middleware.GetReqID(ctx), IP: h.clientIP(r), UserAgent: input.Safe(r.UserAgent())}
	if env.Event == "app_deauthorized" {
		// Its fields (user_id, client_id, ...) sit in the payload itself.
		var all map[string]any
		_ = json.Unmarshal(env.Payload, &all)
		ev.Object = all
	}
	// Recorded now, applied a moment later by a River job (jobs.WebhookDelay says why).
	fresh, err := h.store.RecordWebhook(ctx, partnerID, ev, jobs.EnqueueWebhook(h.river, partnerID, ev.Digest, h.cfg.WebhookDelay))
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "webhook not recorded", slog.String("request_id", ev.RequestID),
			slog.String("event", env.Event), slog.Int64("partner_id", partnerID), slog.String("error", err.Error()))
		http.Error(w, "not recorded, retry later", http.StatusServiceUnavailable)
		return nil
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "webhook", slog.String("request_id", ev.RequestID), slog.String("event", env.Event),
		slog.Int64("partner_id", partnerID), slog.Bool("repeat", !fresh))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseWebhook reads a webhook body: Zoom's envelope and the payload fields Tierdesk uses. Its
// errors are the plain reasons given to the sender. Text that PostgreSQL cannot hold (invalid
// UTF-8, a NUL, escaped or not) is refused here, before anything is looked up or stored: such
// an event can never be recorded, so a 400 tells the sender not to try again.
func parseWebhook(body []byte) (webhookEnvelope, webhookPayload, error) {
	var env webhookEnvelope
	var p webhookPayload
	if where, reason := input.JSON(body); reason != "" {
		return env, p, &notTextError{where: where, reason: reason}
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Event == "" {
		return env, p, errors.New("not a Zoom webhook event")
	}
	if len(env.Payload) > 0 {
		if err := json.Unmarshal(env.Payload, &p); err != nil {
			return env, p, errors.New("malformed payload")
		}
	}
	return env, p, nil
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
	message := "v0:" + ts + ":" + string(body)
	for _, pid := range candidates {
		secret, err := h.store.WebhookSecret(ctx, pid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return 0, "", err
		}
		if hmac.Equal([]byte(sig), []byte("v0="+hmacHex(secret, message))) {
			return pid, secret, nil
		}
	}
	return 0, "", nil
}

// webhookFresh reports whether a x-zm-request-timestamp is within webhookMaxSkew of now.
// UNCERTAIN (ZOOM_API.md §7.1): the unit is not stated; seconds are expected, and a value
// that can only be milliseconds is read as such.
func webhookFresh(ts string, now time.Time) bool {
	n, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil || n <= 0 {
		return false
	}
	t := time.Unix(n, 0)
	if n > 1e11 {
		t = time.UnixMilli(n)
	}
	return math.Abs(float64(now.Sub(t))) <= float64(webhookMaxSkew)
}

// hmacHex is hex(HMAC-SHA256(key, msg)), as Zoom signs webhooks.
func hmacHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}
