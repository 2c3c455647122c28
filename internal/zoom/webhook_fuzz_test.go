package zoom

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzWebhookNow is the clock of the webhook fuzz tests: 2026-03-04 10:00:00 UTC.
var fuzzWebhookNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// fuzzWebhookBodies are webhook bodies as Zoom sends them.
var fuzzWebhookBodies = []string{
	`{"event":"user.created","event_ts":1772618400000,"payload":{"account_id":"abc","operator":"o@example.com","operator_id":"u1","creation_type":"create","object":{"id":"u2","email":"z@example.com","first_name":"Zoë","type":1}}}`,
	`{"event":"user.updated","payload":{"account_id":"abc","object":{"id":"u2","first_name":"B"},"old_object":{"id":"u2","first_name":"A"}}}`,
	`{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}`,
	`{"event":"app_deauthorized","payload":{"account_id":"abc","user_id":"u1","client_id":"c","deauthorization_time":"2026-03-04T10:00:00Z"}}`,
	`{"event":"account.updated","payload":{"account_id":"p","object":{"id":"s","account_name":"N","seats":"12","pay_mode":7}}}`,
	`{"event":"account.settings_updated","payload":{"object":{"id":"s","settings":{"in_meeting":{"chat":true,"n":[1,{"x":2.5}]}}},"old_object":{"settings":{}}}}`,
	`{"event":"user.created","payload":"x"}`, `{"event":"user.created","payload":[]}`, `{"event":"user.created","event_ts":1e400}`,
	`{"event":"user.created"} {"event":"x"}`, `{"event":""}`, `{}`, `null`, ``, `[`,
}

// FuzzParseWebhook: ParseWebhook never panics; it accepts only one valid JSON document with an
// event name, and then the event's name is the body's; settings hold no json.Number (they
// compare with a cache decoded by encoding/json).
func FuzzParseWebhook(f *testing.F) {
	for _, s := range fuzzWebhookBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseWebhook(body)
		if err != nil {
			return
		}
		var env struct {
			Event string `json:"event"`
		}
		if !json.Valid(body) || json.Unmarshal(body, &env) != nil || env.Event == "" || env.Event != ev.Name {
			t.Fatalf("ParseWebhook(%q) accepted %+v", body, ev)
		}
		for _, m := range []map[string]any{ev.Settings, ev.OldSettings} {
			if b, err := json.Marshal(m); err != nil || bytes.Contains(b, []byte("json.Number")) {
				t.Fatalf("ParseWebhook(%q): settings %s (%v)", body, b, err)
			}
			var walk func(v any)
			walk = func(v any) {
				switch x := v.(type) {
				case json.Number:
					t.Fatalf("ParseWebhook(%q): a json.Number in the settings", body)
				case map[string]any:
					for _, e := range x {
						walk(e)
					}
				case []any:
					for _, e := range x {
						walk(e)
					}
				}
			}
			walk(m)
		}
	})
}

// tsTime is the instant a x-zm-request-timestamp names, as WebhookFresh reads it.
func tsTime(ts string) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	if n > 1e11 {
		return time.UnixMilli(n), true
	}
	return time.Unix(n, 0), true
}

// FuzzWebhookFresh: a fresh timestamp is a positive whole number of seconds (or
// milliseconds, above 1e11) within WebhookMaxSkew of now, and holds no ':' (so that the
// signed message "v0:<ts>:<body>" can be split only one way); seconds and milliseconds d away
// from now are fresh exactly when |d| is at most 5 minutes.
func FuzzWebhookFresh(f *testing.F) {
	now := strconv.FormatInt(fuzzWebhookNow.Unix(), 10)
	for _, s := range []string{now, now + "000", " " + now + " ", "+" + now, "0" + now, now + ":", "1:" + now, "", "0", "-" + now,
		"9223372036854775807", "99999999999999999999", "1e9", now + ".5", "0x69a8", "\x00", "\xff", now + "\u00a0"} {
		f.Add(s, int64(0))
	}
	f.Add("", int64(300))
	f.Add("", int64(301))
	f.Add("", int64(-300000))
	f.Add("", int64(-300001))
	f.Fuzz(func(t *testing.T, ts string, delta int64) {
		if WebhookFresh(ts, fuzzWebhookNow) {
			at, ok := tsTime(ts)
			if !ok || strings.Contains(ts, ":") {
				t.Fatalf("WebhookFresh(%q) accepted it", ts)
			}
			if d := fuzzWebhookNow.Sub(at); d > WebhookMaxSkew || d < -WebhookMaxSkew {
				t.Fatalf("WebhookFresh(%q): %v is %v from now", ts, at, d)
			}
		}
		d := delta % 1_000_000
		s := strconv.FormatInt(fuzzWebhookNow.Unix()+d, 10)
		if got, want := WebhookFresh(s, fuzzWebhookNow), d >= -300 && d <= 300; got != want {
			t.Fatalf("WebhookFresh(now%+d s) = %v", d, got)
		}
		d = delta % 1_000_000_000
		s = strconv.FormatInt(fuzzWebhookNow.UnixMilli()+d, 10)
		if got, want := WebhookFresh(s, fuzzWebhookNow), d >= -300_000 && d <= 300_000; got != want {
			t.Fatalf("WebhookFresh(now%+d ms) = %v", d, got)
		}
	})
}

// webhookMessage is what Zoom signs (ZOOM_API.md §7.1), written out independently of
// WebhookSigned.
func webhookMessage(ts string, body []byte) string { return "v0:" + ts + ":" + string(body) }

// FuzzWebhookSignature: with timestamps the handler takes as fresh, the signature of one
// (timestamp, body) never verifies another: the signed messages differ whenever the pairs do
// (no ':' can move between timestamp and body), and the HMAC then differs; the signature has
// the form the handler checks before reading the body.
func FuzzWebhookSignature(f *testing.F) {
	now := strconv.FormatInt(fuzzWebhookNow.Unix(), 10)
	for _, s := range fuzzWebhookBodies {
		f.Add("secret-token", now, []byte(s), now, []byte(s+" "))
		f.Add("secret-token", now, []byte(s), " "+now, []byte(s))
		f.Add("secret-token", now, []byte(s), now+"000", []byte(s))
	}
	f.Add("k", now, []byte(":x"), now+":", []byte("x"))
	f.Add("", "+"+now, []byte("{}"), now, []byte("{}"))
	f.Add("k\x00", now, []byte(""), now, []byte(""))
	f.Fuzz(func(t *testing.T, secret, ts1 string, body1 []byte, ts2 string, body2 []byte) {
		at, ok := tsTime(ts1)
		if !ok || !WebhookFresh(ts1, at) || !WebhookFresh(ts2, at) {
			return // refused before the signature is looked at
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(webhookMessage(ts1, body1)))
		sig := "v0=" + hex.EncodeToString(m.Sum(nil))
		if !WebhookSignatureShaped(sig) {
			t.Fatalf("signature %q has not the form the handler wants", sig)
		}
		verifies := func(ts string, body []byte) bool { return WebhookSigned(secret, ts, body, sig) }
		if !verifies(ts1, body1) {
			t.Fatalf("the signature of (%q, %q) does not verify it", ts1, body1)
		}
		if ts1 == ts2 && bytes.Equal(body1, body2) {
			return
		}
		if webhookMessage(ts1, body1) == webhookMessage(ts2, body2) {
			t.Fatalf("(%q, %q) and (%q, %q) sign the same message", ts1, body1, ts2, body2)
		}
		if verifies(ts2, body2) {
			t.Fatalf("the signature of (%q, %q) verifies (%q, %q)", ts1, body1, ts2, body2)
		}
	})
}
