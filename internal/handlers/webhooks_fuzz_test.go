package handlers

import (
	"bytes"
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

	"github.com/tierdesk/tierdesk/internal/zoom"
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
// it (keys too) is text PostgreSQL can hold (the body is stored as jsonb), and so is every
// field the typed event carries; its settings encode as JSON without an escaped NUL.
func FuzzParseWebhook(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parseWebhook(body)
		if err != nil {
			if !fuzzIsText(err.Error()) {
				t.Fatalf("parseWebhook(%q): the error %q is not text", body, err)
			}
			return
		}
		if !fuzzIsText(string(body)) {
			t.Fatalf("parseWebhook(%q) accepted a body that is not text", body)
		}
		if ev.Name == "" || !json.Valid(body) {
			t.Fatalf("parseWebhook(%q) accepted %+v", body, ev)
		}
		var all any
		if err := json.Unmarshal(body, &all); err != nil {
			t.Fatalf("parseWebhook(%q) accepted what does not decode: %v", body, err)
		}
		if s, bad := fuzzStrings(all); bad {
			t.Fatalf("parseWebhook(%q) accepted the string %q, not text", body, s)
		}
		fields := []string{ev.Name, ev.AccountID, ev.Operator, ev.OperatorID, ev.CreationType, ev.PlainToken,
			ev.Account.ID, ev.Account.OwnerEmail, ev.User.ID, ev.User.EmailOr(""), ev.Deauthorized.UserID, ev.Deauthorized.ClientID}
		for _, s := range fields {
			if !fuzzIsText(s) {
				t.Fatalf("parseWebhook(%q): field %q is not text", body, s)
			}
		}
		for _, m := range []map[string]any{ev.Settings, ev.OldSettings} {
			if s, bad := fuzzStrings(m); bad {
				t.Fatalf("parseWebhook(%q): settings hold %q", body, s)
			}
			b, err := json.Marshal(m)
			if err != nil || hasNULEscape(b) {
				t.Fatalf("parseWebhook(%q): settings encode as %s (%v)", body, b, err)
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
		ev, perr := parseWebhook(body)
		fresh := zoom.WebhookFresh(ts, fuzzWebhookNow)
		sigOK := zoom.WebhookSignatureShaped(sig)
		if fresh && sigOK && perr == nil && ev.AccountID != "" {
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
