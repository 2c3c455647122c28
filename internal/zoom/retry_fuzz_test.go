package zoom

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzNow is the clock of the Retry-After fuzz tests.
var fuzzNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// retryAfterSeeds are Retry-After values as Zoom, proxies and broken servers send them.
var retryAfterSeeds = []string{
	"0", "1", "120", "1.5", "+5", "0.000000001", "20", "21", "86400",
	"Wed, 04 Mar 2026 10:00:30 GMT", "Wednesday, 04-Mar-26 10:00:30 GMT", "Wed Mar  4 10:00:30 2026", "Wed, 04 Mar 2026 09:00:00 GMT",
	"2026-03-05T00:00:00Z", "2026-03-05T00:00:00.123456789+01:00", "2026-03-05T00:00:00+0000", "2026-03-05T00:00:00",
	"2026-03-05 00:00:00Z", "2026-03-05 00:00:00", "2026-03-05T00:00Z", "0001-01-01T00:00:00Z",
	"-1", "-0", "NaN", "Inf", "+Inf", "infinity", "1e3", "0x10", "0x1p4", "1_000", "9223372036", "9223372037", "1e10",
	"1e308", "1e400", "99999999999999999999", "", " 5", "5 ", "\x00", "\xff", "12:30", "tomorrow",
}

// FuzzParseRetryAfter: parseRetryAfter never panics; nothing read is the zero time; a number
// of seconds (the only form relative to now) is never before now, is exactly that many seconds
// away when a time.Duration can hold it, and is at least DefaultMaxRetryWait away when it is
// further than a Duration can say (so that it is neither waited for nor taken for "now"); a
// date is returned as written (a date in the past means "now"); and retryAfter reads the
// header the same way.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range retryAfterSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := parseRetryAfter(v, fuzzNow)
		if !ok {
			if !got.IsZero() {
				t.Fatalf("parseRetryAfter(%q) = %v, false: not the zero time", v, got)
			}
		}
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 && !strings.ContainsAny(v, "-:") {
			if !ok {
				t.Fatalf("parseRetryAfter(%q) refused a number of seconds", v)
			}
			if got.Before(fuzzNow) {
				t.Fatalf("parseRetryAfter(%q) = %v, before now (%v): a delay of %g s taken as the past", v, got, fuzzNow, n)
			}
			if ns := n * float64(time.Second); ns < math.MaxInt64/2 {
				if d := got.Sub(fuzzNow); d != time.Duration(ns) {
					t.Fatalf("parseRetryAfter(%q) = now + %v, want now + %v", v, d, time.Duration(ns))
				}
			} else if d := got.Sub(fuzzNow); d < DefaultMaxRetryWait {
				t.Fatalf("parseRetryAfter(%q) = now + %v for %g s", v, d, n)
			}
		} else if ok {
			// A date: it must be one of the documented forms, read as written.
			want, err := http.ParseTime(v)
			for _, layout := range retryAfterLayouts {
				if err == nil {
					break
				}
				want, err = time.Parse(layout, v)
			}
			if err != nil || !got.Equal(want) {
				t.Fatalf("parseRetryAfter(%q) = %v, want %v (%v)", v, got, want, err)
			}
		}
		// The header is trimmed and read the same way (X-RateLimit-Reset absent).
		h := http.Header{}
		h.Set("Retry-After", v)
		if rv := strings.TrimSpace(h.Get("Retry-After")); rv == v {
			if ha := retryAfter(h, fuzzNow); ok && !ha.Equal(got) || !ok && !ha.IsZero() {
				t.Fatalf("retryAfter(Retry-After: %q) = %v, parseRetryAfter = %v, %v", v, ha, got, ok)
			}
		}
	})
}

// FuzzRetryAfterHeaders: with both headers, a readable Retry-After wins; otherwise a positive
// X-RateLimit-Reset is a Unix time (milliseconds above 1e12); otherwise the zero time.
func FuzzRetryAfterHeaders(f *testing.F) {
	f.Add("120", "1772618460")
	f.Add("", "1772618460")
	f.Add("", "1772618460000")
	f.Add("junk", "1772618460")
	f.Add("", "0")
	f.Add("", "-5")
	f.Add("", "9223372036854775807")
	f.Add("Wed, 04 Mar 2026 10:00:30 GMT", "1")
	f.Add(" 7 ", " 8 ")
	f.Fuzz(func(t *testing.T, ra, reset string) {
		h := http.Header{}
		if ra != "" {
			h.Set("Retry-After", ra)
		}
		if reset != "" {
			h.Set("X-RateLimit-Reset", reset)
		}
		got := retryAfter(h, fuzzNow)
		if t1, ok := parseRetryAfter(strings.TrimSpace(h.Get("Retry-After")), fuzzNow); ok && strings.TrimSpace(h.Get("Retry-After")) != "" {
			if !got.Equal(t1) {
				t.Fatalf("retryAfter(%q, %q) = %v, want Retry-After's %v", ra, reset, got, t1)
			}
			return
		}
		n, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64)
		switch {
		case err != nil || n <= 0:
			if !got.IsZero() {
				t.Fatalf("retryAfter(%q, %q) = %v, want the zero time", ra, reset, got)
			}
		case n > 1e12:
			if !got.Equal(time.UnixMilli(n)) {
				t.Fatalf("retryAfter(%q, %q) = %v, want %v", ra, reset, got, time.UnixMilli(n))
			}
		default:
			if !got.Equal(time.Unix(n, 0)) {
				t.Fatalf("retryAfter(%q, %q) = %v, want %v", ra, reset, got, time.Unix(n, 0))
			}
		}
	})
}

// FuzzTimeUnmarshalJSON: a Zoom date-time either fails to decode or decodes to a time that
// encodes and decodes again to the same instant (to the second: it is written as RFC 3339);
// null, "" and the zero instant are the zero Time, whose Ptr is nil.
func FuzzTimeUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`"2019-08-26T18:25:23Z"`, `"2019-08-26T18:25:23.123Z"`, `"2019-08-26T18:25:23+05:30"`, `"2019-08-26T18:25:23+0530"`,
		`"2019-08-26T18:25:23"`, `"2019-08-26 18:25:23"`, `"2019-08-26"`, `""`, `null`, `"0001-01-01T00:00:00Z"`, `"0000-01-01T00:00:00+01:00"`,
		`"9999-12-31T23:59:59-23:59"`, `"\u0000"`, "\"\xff\"", `12`, `"2019-02-30"`, `"2019-08-26T24:00:00Z"`, `nul`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v Time
		if err := v.UnmarshalJSON(b); err != nil {
			if !utf8.ValidString(err.Error()) && utf8.Valid(b) {
				t.Fatalf("UnmarshalJSON(%q): error %q is not UTF-8", b, err)
			}
			return
		}
		if (v.Ptr() == nil) != v.IsZero() {
			t.Fatalf("UnmarshalJSON(%q) = %v: Ptr %v", b, v, v.Ptr())
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("UnmarshalJSON(%q) = %v, which does not encode: %v", b, v, err)
		}
		var back Time
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("UnmarshalJSON(%q) = %v encodes as %s, which does not decode: %v", b, v, out, err)
		}
		if !back.Equal(v.Truncate(time.Second)) {
			t.Fatalf("UnmarshalJSON(%q) = %v encodes as %s, which decodes to %v", b, v, out, back)
		}
	})
}

// FuzzParseError: an error answer of Zoom (or of a proxy before it) gives a message (unless its
// body is empty and its status has no name, such as a CDN's 520; see the fuzz report); a
// message taken from a body that is not Zoom's JSON is cut to at most 200 bytes, and from a
// UTF-8 body is UTF-8 (the cut must not split a character: the message goes to the audit log,
// and PostgreSQL refuses invalid UTF-8); DailyLimit only on a 429.
func FuzzParseError(f *testing.F) {
	f.Add(429, `{"code":429,"message":"You have reached the maximum daily rate limit for this API."}`, "")
	f.Add(429, `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`, "QPS")
	f.Add(400, `{"code":300,"message":"Validation Failed.","errors":[{"field":"email","message":"Invalid field."}]}`, "")
	f.Add(401, `{"reason":"Invalid Token!","error":"invalid_token"}`, "")
	f.Add(404, `{"code":1001,"error_message":"User does not exist."}`, "")
	f.Add(502, "<html>Bad Gateway</html>", "")
	f.Add(503, "", "")
	f.Add(500, strings.Repeat("x", 199)+"é and more", "")
	f.Add(500, strings.Repeat("€", 80), "")
	f.Add(429, "daily", "Daily-limit")
	f.Add(999, "\x00\xff", "")
	f.Fuzz(func(t *testing.T, status int, body, limitType string) {
		if status < 100 || status > 999 {
			status = 500
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		if limitType != "" {
			resp.Header.Set("X-RateLimit-Type", limitType)
		}
		e := parseError(resp, []byte(body))
		if e.Status != status || e.Message == "" && http.StatusText(status) != "" {
			t.Fatalf("parseError(%d, %q) = %+v: no message", status, body, e)
		}
		if e.DailyLimit && status != http.StatusTooManyRequests {
			t.Fatalf("parseError(%d, %q): daily limit on a %d", status, body, status)
		}
		var zb struct {
			Message      string `json:"message"`
			ErrorMessage string `json:"error_message"`
		}
		fromJSON := json.Unmarshal([]byte(body), &zb) == nil && (zb.Message != "" || zb.ErrorMessage != "")
		if fromJSON {
			return
		}
		if len(e.Message) > 200 {
			t.Fatalf("parseError(%d, %q): message of %d bytes", status, body, len(e.Message))
		}
		if utf8.ValidString(body) && !utf8.ValidString(e.Message) {
			t.Fatalf("parseError(%d, %q): the message %q is not UTF-8 (a character was cut)", status, body, e.Message)
		}
	})
}
