package zoom

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Zoom's webhooks (ZOOM_API.md §7): the signature Zoom puts on every delivery, the answer to
// its URL validation, and the events Tierdesk follows, parsed into types. What an event means
// for Tierdesk (an echo of its own change, a change made in Zoom) is decided by the service
// layer; this file only reads what Zoom sent.

// Webhook event names Tierdesk follows.
const (
	EventURLValidation       = "endpoint.url_validation"
	EventAppDeauthorized     = "app_deauthorized"
	EventAccountCreated      = "account.created"
	EventAccountUpdated      = "account.updated"
	EventAccountDisassociate = "account.disassociated"
	EventAccountSettings     = "account.settings_updated"
	EventAccountLocks        = "account.lock_settings_updated"
	EventUserCreated         = "user.created"
	EventUserInvitation      = "user.invitation_accepted"
	EventUserActivated       = "user.activated"
	EventUserDeactivated     = "user.deactivated"
	EventUserUpdated         = "user.updated"
	EventUserDeleted         = "user.deleted"
	EventUserDisassociated   = "user.disassociated"
)

// WebhookMaxSkew is how far a delivery's x-zm-request-timestamp may be from the receiver's
// clock: older deliveries are refused as replays.
const WebhookMaxSkew = 5 * time.Minute

// WebhookFresh reports whether x-zm-request-timestamp ts is within WebhookMaxSkew of now.
// UNCERTAIN (ZOOM_API.md §7.1): the unit is not stated; seconds are expected, and a value
// that can only be milliseconds is read as such.
func WebhookFresh(ts string, now time.Time) bool {
	n, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil || n <= 0 {
		return false
	}
	t := time.Unix(n, 0)
	if n > 1e11 {
		t = time.UnixMilli(n)
	}
	return math.Abs(float64(now.Sub(t))) <= float64(WebhookMaxSkew)
}

// WebhookSignatureShaped reports whether an x-zm-signature header has the shape Zoom gives it
// ("v0=" and 64 hex digits), before any secret is tried.
func WebhookSignatureShaped(sig string) bool {
	return strings.HasPrefix(sig, "v0=") && len(sig) == len("v0=")+64
}

// WebhookSigned reports whether sig is the signature of the raw body delivered with the
// timestamp header ts under the app's Secret Token: "v0=" + hex(HMAC-SHA256(secret,
// "v0:" + ts + ":" + body)), compared in constant time.
func WebhookSigned(secret, ts string, body []byte, sig string) bool {
	return hmac.Equal([]byte(sig), []byte(WebhookSignature(secret, ts, body)))
}

// WebhookSignature is Zoom's signature of a webhook request: "v0=" + hex(HMAC-SHA256(secret,
// "v0:" + ts + ":" + body)), ts being the request's timestamp header. Tierdesk signs its own
// outgoing webhooks the same way (jobs.SignNotification).
func WebhookSignature(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// URLValidationAnswer is the body that answers Zoom's endpoint.url_validation: the plain token
// and its HMAC-SHA256 under the Secret Token, in hex.
func URLValidationAnswer(secret, plainToken string) map[string]string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(plainToken))
	return map[string]string{"plainToken": plainToken, "encryptedToken": hex.EncodeToString(m.Sum(nil))}
}

// WebhookEvent is one delivery of Zoom's, read into the fields Tierdesk follows. Fields an
// event does not carry are zero (nil for the changed fields of an update).
type WebhookEvent struct {
	Name       string // the event: one of the Event* constants, or another Zoom event
	TS         int64  // event_ts: when Zoom says it happened, Unix milliseconds; 0 when absent
	AccountID  string // payload.account_id: the account the event happened in
	Operator   string // payload.operator: who did it (an email), when Zoom says
	OperatorID string // payload.operator_id

	PlainToken   string              // endpoint.url_validation
	Account      WebhookAccount      // account.*: payload.object
	User         WebhookUser         // user.*: payload.object
	CreationType string              // user.created: payload.creation_type
	Settings     map[string]any      // account.settings_updated, account.lock_settings_updated: object.settings
	OldSettings  map[string]any      // the same events: old_object.settings, when sent
	Deauthorized WebhookDeauthorized // app_deauthorized
}

// At is when Zoom says the event happened, or the zero time when it did not say.
func (e WebhookEvent) At() time.Time {
	if e.TS <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(e.TS)
}

// WebhookAccount is the object of an account.* event. Of account.updated only the fields Zoom
// sent are set (the changed ones).
type WebhookAccount struct {
	ID         string // the sub account
	OwnerEmail string // account.created's email, account.disassociated's owner_email
	Changed    AccountChanges
}

// AccountChanges are the fields of account.updated that Tierdesk caches, nil when not sent.
// UNCERTAIN (ZOOM_API.md §7.2): Zoom documents account_name among the changed fields; the
// owner, plan, seats and pay mode are read when present (the sandbox sends them), as a string
// or a number alike.
type AccountChanges struct {
	AccountName *string
	OwnerEmail  *string
	AccountType *string
	PayMode     *string
	Seats       *int
}

// Any reports whether any field is set.
func (c AccountChanges) Any() bool {
	return c.AccountName != nil || c.OwnerEmail != nil || c.AccountType != nil || c.PayMode != nil || c.Seats != nil
}

// WebhookUser is the object of a user.* event. Email and names are set when sent (user.updated
// sends the changed fields only).
type WebhookUser struct {
	ID        string
	Email     *string
	FirstName *string
	LastName  *string
	Type      *int
}

// EmailOr is the user's email, or def when the event did not carry one.
func (u WebhookUser) EmailOr(def string) string {
	if u.Email == nil {
		return def
	}
	return *u.Email
}

// WebhookDeauthorized is app_deauthorized's payload: the Zoom user removed the OAuth app
// client_id.
type WebhookDeauthorized struct {
	UserID   string
	ClientID string
}

// ErrNotWebhook is a body that is not a Zoom webhook event.
var ErrNotWebhook = errors.New("not a Zoom webhook event")

// ParseWebhook reads a delivery's body. Values Tierdesk compares as text may come as strings or
// numbers; a field of another shape is left unset rather than failing the event. The caller
// checks that the body is text first (this package refuses nothing for that).
func ParseWebhook(body []byte) (WebhookEvent, error) {
	var env struct {
		Event   string          `json:"event"`
		EventTS json.Number     `json:"event_ts"`
		Payload json.RawMessage `json:"payload"`
	}
	// One JSON document whose numbers all fit a float64 (as every decoder of it expects).
	var whole any
	if json.Unmarshal(body, &whole) != nil {
		return WebhookEvent{}, ErrNotWebhook
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&env); err != nil || env.Event == "" {
		return WebhookEvent{}, ErrNotWebhook
	}
	e := WebhookEvent{Name: env.Event}
	if env.EventTS != "" {
		ts, err := env.EventTS.Int64()
		if err != nil {
			return WebhookEvent{}, ErrNotWebhook // Zoom's event_ts is whole milliseconds
		}
		e.TS = ts
	}
	if len(env.Payload) == 0 || string(env.Payload) == "null" {
		return e, nil
	}
	var p map[string]any
	d = json.NewDecoder(bytes.NewReader(env.Payload))
	d.UseNumber()
	if err := d.Decode(&p); err != nil {
		return e, errors.New("malformed payload")
	}
	e.AccountID, _ = text(p, "account_id")
	e.Operator, _ = text(p, "operator")
	e.OperatorID, _ = text(p, "operator_id")
	e.PlainToken, _ = text(p, "plainToken")
	e.CreationType, _ = text(p, "creation_type")
	obj, _ := p["object"].(map[string]any)
	old, _ := p["old_object"].(map[string]any)
	switch {
	case e.Name == EventAppDeauthorized:
		// Its fields sit in the payload itself.
		e.Deauthorized.UserID, _ = text(p, "user_id")
		e.Deauthorized.ClientID, _ = text(p, "client_id")
	case strings.HasPrefix(e.Name, "account."):
		e.Account.ID, _ = text(obj, "id")
		if e.Name == EventAccountCreated {
			e.Account.OwnerEmail, _ = text(obj, "email")
		} else {
			e.Account.OwnerEmail, _ = text(obj, "owner_email")
		}
		if e.Name == EventAccountUpdated {
			c := &e.Account.Changed
			c.AccountName = textPtr(obj, "account_name")
			c.OwnerEmail = textPtr(obj, "owner_email")
			c.AccountType = textPtr(obj, "account_type")
			c.PayMode = textPtr(obj, "pay_mode")
			c.Seats = intPtr(obj, "seats")
		}
		e.Settings, _ = obj["settings"].(map[string]any)
		e.OldSettings, _ = old["settings"].(map[string]any)
	case strings.HasPrefix(e.Name, "user."):
		e.User.ID, _ = text(obj, "id")
		e.User.Email = textPtr(obj, "email")
		e.User.FirstName = textPtr(obj, "first_name")
		e.User.LastName = textPtr(obj, "last_name")
		e.User.Type = intPtr(obj, "type")
	}
	plain(e.Settings)
	plain(e.OldSettings)
	return e, nil
}

// text returns m[key] as text: a string as it is, a number in its JSON form; false when absent,
// null or of another shape.
func text(m map[string]any, key string) (string, bool) {
	switch v := m[key].(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func textPtr(m map[string]any, key string) *string {
	if s, ok := text(m, key); ok {
		return &s
	}
	return nil
}

// intPtr returns m[key] as an integer (a number, or a string holding one), or nil.
func intPtr(m map[string]any, key string) *int {
	s, ok := text(m, key)
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return nil
	}
	return &n
}

// plain turns the json.Number values of settings into float64, as encoding/json decodes them
// elsewhere, so settings compare equal to a cache read with the standard decoder.
func plain(m map[string]any) {
	for k, v := range m {
		switch t := v.(type) {
		case json.Number:
			if f, err := t.Float64(); err == nil {
				m[k] = f
			}
		case map[string]any:
			plain(t)
		case []any:
			for i, x := range t {
				if n, ok := x.(json.Number); ok {
					if f, err := n.Float64(); err == nil {
						t[i] = f
					}
				} else if sub, ok := x.(map[string]any); ok {
					plain(sub)
				}
			}
		}
	}
}
