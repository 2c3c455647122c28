package handlers

import (
	"bytes"
	"crypto/hmac"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// webhookSeeds are webhook bodies as Zoom sends them, and as others might.
var webhookSeeds = []string{
	`{"event":"user.created","event_ts":1772618400000,"payload":{"account_id":"abc","operator":"o@example.com","operator_id":"u1","creation_type":"create","object":{"id":"u2","email":"z@example.com","first_name":"Zoë","type":1}}}`,
	`{"event":"user.updated","payload":{"account_id":"abc","object":{"id":"u2","first_name":"B"},"old_object":{"id":"u2","first_name":"A"}}}`,
	`{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}`,
	`{"event":"app_deauthorized","payload":{"account_id":"abc","user_id":"u1","client_id":"c","deauthorization_time":"2026-03-04T10:00:00Z"}}`,
	`{"event":"user.created","payload":{"object":{"first_name":"a\u0000b"}}}`,
	`{"event":"user.created","payload":{"object":{"a\u0000":"b"}}}`,
	`{"event":"a\u0000"}`,
	`{"event":"user.created","payload":{"object":{"first_name":"\\u0000"}}}`,
	"{\"event\":\"user.created\",\"payload\":{\"object\":{\"first_name\":\"\xff\"}}}",
	"{\"event\":\"user.created\",\"payload\":{\"object\":{\"first_name\":\"a\x00\"}}}",
	`{"event":"user.created","EVENT":"\u0000"}`,
	`{"event":"user.created","payload":{"account_id":"abc","ACCOUNT_ID":"\u0000"}}`,
	`{"event":"user.created","payload":{"object":{"n":[1,{"x":"\u0000"}]}}}`,
	`{"event":"user.created","payload":"\u0000"}`,
	`{"event":"user.created","payload":[]}`,
	`{"event":"user.created","event_ts":1e400}`,
	`{"event":"user.created"} {"event":"\u0000"}`,
	`{"event":"user.created","payload":{"object":{"first_name":"\ud800"}}}`,
	`{"event":""}`, `{}`, `null`, ``, `[`, "\xef\xbb\xbf{\"event\":\"x\"}",
}

// fuzzStrings reports a string of a decoded JSON value (keys too) that is not text, or "".
func fuzzStrings(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		if !fuzzIsText(t) {
			return t, true
		}
	case map[string]any:
		for k, e := range t {
			if !fuzzIsText(k) {
				return k, true
			}
			if s, bad := fuzzStrings(e); bad {
				return s, true
			}
		}
	case []any:
		for _, e := range t {
			if s, bad := fuzzStrings(e); bad {
				return s, true
			}
		}
	}
	return "", false
}

// FuzzParseWebhook: a body that is not text is refused; every error is text (it is the 400's
// body and a log line); an accepted body is one JSON document with an event, every string in
// it (keys too, and so the envelope, the payload fields, object, old_object and the payload
// app_deauthorized records) is text PostgreSQL can hold, and object and old_object encode as
// JSON without an escaped NUL (they are stored as jsonb).
func FuzzParseWebhook(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, p, err := parseWebhook(body)
		if err != nil {
			if !fuzzIsText(err.Error()) {
				t.Fatalf("parseWebhook(%q): the error %q is not text", body, err)
			}
			return
		}
		if !fuzzIsText(string(body)) {
			t.Fatalf("parseWebhook(%q) accepted a body that is not text", body)
		}
		if env.Event == "" || !json.Valid(body) {
			t.Fatalf("parseWebhook(%q) accepted %+v", body, env)
		}
		var all any
		if err := json.Unmarshal(body, &all); err != nil {
			t.Fatalf("parseWebhook(%q) accepted what does not decode: %v", body, err)
		}
		if s, bad := fuzzStrings(all); bad {
			t.Fatalf("parseWebhook(%q) accepted the string %q, not text", body, s)
		}
		for _, s := range []string{env.Event, p.AccountID, p.Operator, p.OperatorID, p.CreationType, p.PlainToken} {
			if !fuzzIsText(s) {
				t.Fatalf("parseWebhook(%q): field %q is not text", body, s)
			}
		}
		for _, m := range []map[string]any{p.Object, p.OldObject} {
			if s, bad := fuzzStrings(m); bad {
				t.Fatalf("parseWebhook(%q): object holds %q", body, s)
			}
			b, err := json.Marshal(m)
			if err != nil || hasNULEscape(b) {
				t.Fatalf("parseWebhook(%q): object encodes as %s (%v)", body, b, err)
			}
		}
		var payload map[string]any
		if json.Unmarshal(env.Payload, &payload) == nil {
			if s, bad := fuzzStrings(payload); bad {
				t.Fatalf("parseWebhook(%q): payload holds %q", body, s)
			}
		}
	})
}

// hasNULEscape reports whether encoded JSON spells a NUL (\u0000, not \\u0000).
func hasNULEscape(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			if b[i+1] == 'u' && bytes.HasPrefix(b[i+2:], []byte("0000")) {
				return true
			}
			i++
		}
	}
	return false
}

// fuzzWebhookNow is the clock of the webhook fuzz tests: 2026-03-04 10:00:00 UTC.
var fuzzWebhookNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// tsTime is the instant a x-zm-request-timestamp names, as webhookFresh reads it.
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
// milliseconds, above 1e11) within webhookMaxSkew of now, and holds no ':' (so that the
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
		if webhookFresh(ts, fuzzWebhookNow) {
			at, ok := tsTime(ts)
			if !ok || strings.Contains(ts, ":") {
				t.Fatalf("webhookFresh(%q) accepted it", ts)
			}
			if d := fuzzWebhookNow.Sub(at); d > webhookMaxSkew || d < -webhookMaxSkew {
				t.Fatalf("webhookFresh(%q): %v is %v from now", ts, at, d)
			}
		}
		d := delta % 1_000_000
		s := strconv.FormatInt(fuzzWebhookNow.Unix()+d, 10)
		if got, want := webhookFresh(s, fuzzWebhookNow), d >= -300 && d <= 300; got != want {
			t.Fatalf("webhookFresh(now%+d s) = %v", d, got)
		}
		d = delta % 1_000_000_000
		s = strconv.FormatInt(fuzzWebhookNow.UnixMilli()+d, 10)
		if got, want := webhookFresh(s, fuzzWebhookNow), d >= -300_000 && d <= 300_000; got != want {
			t.Fatalf("webhookFresh(now%+d ms) = %v", d, got)
		}
	})
}

// webhookMessage is what Zoom signs, as webhookPartner builds it.
// NOTE: a mirror; webhookPartner builds it inline (see the fuzz report).
func webhookMessage(ts string, body []byte) string { return "v0:" + ts + ":" + string(body) }

// FuzzWebhookSignature: with timestamps the handler takes as fresh, the signature of one
// (timestamp, body) never verifies another: the signed messages differ whenever the pairs do
// (no ':' can move between timestamp and body), and the HMAC then differs; the signature has
// the form the handler checks before reading the body.
func FuzzWebhookSignature(f *testing.F) {
	now := strconv.FormatInt(fuzzWebhookNow.Unix(), 10)
	for _, s := range webhookSeeds[:4] {
		f.Add("secret-token", now, []byte(s), now, []byte(s+" "))
		f.Add("secret-token", now, []byte(s), " "+now, []byte(s))
		f.Add("secret-token", now, []byte(s), now+"000", []byte(s))
	}
	f.Add("k", now, []byte(":x"), now+":", []byte("x"))
	f.Add("", "+"+now, []byte("{}"), now, []byte("{}"))
	f.Add("k\x00", now, []byte(""), now, []byte(""))
	f.Fuzz(func(t *testing.T, secret, ts1 string, body1 []byte, ts2 string, body2 []byte) {
		at, ok := tsTime(ts1)
		if !ok || !webhookFresh(ts1, at) || !webhookFresh(ts2, at) {
			return // refused before the signature is looked at
		}
		sig := "v0=" + hmacHex(secret, webhookMessage(ts1, body1))
		if !strings.HasPrefix(sig, "v0=") || len(sig) != len("v0=")+64 {
			t.Fatalf("signature %q has not the form the handler wants", sig)
		}
		verifies := func(ts string, body []byte) bool {
			return hmac.Equal([]byte(sig), []byte("v0="+hmacHex(secret, webhookMessage(ts, body))))
		}
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

// FuzzZoomWebhookRefusals drives the webhook endpoint itself with requests it refuses before
// any partner is looked up (no ?partner= and no account_id, so no database is needed): a
// stale or missing timestamp and a malformed signature are 401 before the body is read, a body
// parseWebhook refuses is 400 with its reason, and any other is 401 as signed by no partner;
// every answer's body is text.
func FuzzZoomWebhookRefusals(f *testing.F) {
	now := strconv.FormatInt(fuzzWebhookNow.Unix(), 10)
	sig := "v0=" + strings.Repeat("ab", 32)
	for _, s := range webhookSeeds {
		f.Add(now, sig, []byte(strings.ReplaceAll(s, `"account_id":"abc",`, "")))
	}
	f.Add("", sig, []byte(webhookSeeds[0]))
	f.Add("1", sig, []byte(webhookSeeds[0]))
	f.Add(now, "v0=short", []byte(webhookSeeds[0]))
	f.Add(now, "v1="+strings.Repeat("ab", 32), []byte(webhookSeeds[0]))
	f.Add(now, sig, []byte(`{"event":"x","payload":{"object":{"a":"\u0000"}}}`))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		if len(body) > webhookMaxBody {
			return
		}
		_, p, perr := parseWebhook(body)
		fresh := webhookFresh(ts, fuzzWebhookNow)
		sigOK := strings.HasPrefix(sig, "v0=") && len(sig) == len("v0=")+64
		if fresh && sigOK && perr == nil && p.AccountID != "" {
			return // would look the account's partners up in the database
		}
		h := &Handlers{log: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: Config{Now: func() time.Time { return fuzzWebhookNow }},
			metrics: newMetrics(prometheus.NewRegistry())}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/zoom", bytes.NewReader(body))
		req.Header["X-Zm-Request-Timestamp"] = []string{ts}
		req.Header["X-Zm-Signature"] = []string{sig}
		rec := httptest.NewRecorder()
		if err := h.zoomWebhook(rec, req); err != nil {
			t.Fatalf("zoomWebhook returned %v", err)
		}
		want, wantBody := http.StatusUnauthorized, "signature matches no partner"
		switch {
		case !fresh:
			wantBody = "timestamp"
		case !sigOK:
			wantBody = "signature"
		case perr != nil:
			want, wantBody = http.StatusBadRequest, perr.Error()
		}
		if rec.Code != want || !strings.Contains(rec.Body.String(), wantBody) {
			t.Fatalf("zoomWebhook(ts %q, sig %q, %q) = %d %q; want %d %q", ts, sig, body, rec.Code, rec.Body, want, wantBody)
		}
		if !fuzzIsText(rec.Body.String()) {
			t.Fatalf("zoomWebhook(%q): the answer %q is not text", body, rec.Body)
		}
	})
}
