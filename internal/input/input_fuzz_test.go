package input

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// isText is the definition Reason implements: valid UTF-8 and no NUL.
func isText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// FuzzReason: Reason refuses exactly what is not text, with one of its two reasons, and
// accepts the empty string.
func FuzzReason(f *testing.F) {
	for _, s := range []string{"", "plain", "Zoë Ångström", "a\x00b", "\x00", "\xff", "\xef\xbb\xbfbom", "ok\r\n", `\u0000`,
		"\xc3", "\xed\xa0\x80" /* a surrogate, not UTF-8 */, "\U0010ffff", "\xf4\x90\x80\x80" /* beyond U+10FFFF */} {
		f.Add(s)
	}
	if Reason("") != "" {
		f.Fatal(`Reason("") refuses the empty string`)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Reason(s)
		if (r == "") != isText(s) {
			t.Fatalf("Reason(%q) = %q, but text: %v", s, r, isText(s))
		}
		switch {
		case r == "":
		case !utf8.ValidString(s) && r != "is not valid UTF-8 text":
			t.Fatalf("Reason(%q) = %q for invalid UTF-8", s, r)
		case utf8.ValidString(s) && r != "holds a NUL character":
			t.Fatalf("Reason(%q) = %q for a NUL", s, r)
		}
	})
}

// FuzzValues: Values names the first field (in key order) that is not text, key or value, with
// the key's reason (when the key is refused) or its first refused value's, and finds nothing in
// a form that is text throughout. The form is fuzzed both as a raw query
// (percent escapes can spell any byte) and as two raw fields.
func FuzzValues(f *testing.F) {
	f.Add("a=1&b=2", "name", "Zoë")
	f.Add("a=%00&b=2", "x", "y")
	f.Add("a=ok&%FF=1", "x", "y")
	f.Add("z=%C3&a=1", "k", "\x00")
	f.Add("", "\xff", "v")
	f.Add("q=%E2%82%AC", "", "")
	f.Add("a=1&a=%00", "a", "b")
	f.Fuzz(func(t *testing.T, raw, k, v string) {
		vals, _ := url.ParseQuery(raw) // what parses is kept, as net/http does
		if vals == nil {
			vals = url.Values{}
		}
		vals.Add(k, v)
		field, reason := Values(vals)
		var want string // the first key, in order, that is not text
		found := false
		keys := make([]string, 0, len(vals))
		for key := range vals {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			bad := !isText(key)
			for _, s := range vals[key] {
				bad = bad || !isText(s)
			}
			if bad {
				want, found = key, true
				break
			}
		}
		if !found {
			if field != "" || reason != "" {
				t.Fatalf("Values(%q) = %q, %q for a form that is text", vals, field, reason)
			}
			return
		}
		if reason == "" || field != want {
			t.Fatalf("Values(%q) = %q, %q; want the field %q refused", vals, field, reason, want)
		}
		// The key's own reason when the key is refused (Reason(field) tells), else its first
		// refused value's.
		want = Reason(field)
		for _, s := range vals[field] {
			if want == "" {
				want = Reason(s)
			}
		}
		if reason != want {
			t.Fatalf("Values(%q) = %q, %q; want the reason %q", vals, field, reason, want)
		}
	})
}

// anyNotText walks a decoded JSON value: whether some string in it, key or value, is not text.
func anyNotText(v any) bool {
	switch t := v.(type) {
	case string:
		return !isText(t)
	case map[string]any:
		for k, e := range t {
			if !isText(k) || anyNotText(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if anyNotText(e) {
				return true
			}
		}
	}
	return false
}

// FuzzJSON: JSON agrees with decoding the document (its first value, as it reads it) and
// checking every string, keys included, without the shortcut on the raw bytes; it refuses raw
// bytes that are not text as "body"; where it names is itself text (a key that is not text is
// quoted), never empty on a refusal.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"event":"user.created","payload":{"account_id":"abc","object":{"first_name":"Zoë"}}}`,
		`{"event":"user.created","payload":{"object":{"first_name":"a\u0000b"}}}`,
		`{"a\u0000":1}`, `["x","\u0000"]`, `"\u0000"`, `{"a":"\\u0000"}`, `{"a":"\ud800"}`, `{"a":"\u00e9"}`,
		"{\"a\":\"\xff\"}", "{\"a\":\"\x00\"}", `{"a":{"b":[1,2,{"c":"\u0000"}]}}`, `{"a":"x"} {"b":"\u0000"}`,
		`{"a":"\u0000"`, `{"a":1e999999,"b":"\u0000"}`, `{"a.b":{"c":"\u0000"}}`, `{"k":"v","K":"\u0000"}`, ``, `null`,
		"\xef\xbb\xbf{\"a\":\"\\u0000\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		where, reason := JSON(b)
		if !isText(string(b)) {
			if where != "body" || reason != Reason(string(b)) {
				t.Fatalf("JSON(%q) = %q, %q; want body refused: %s", b, where, reason, Reason(string(b)))
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		decoded := dec.Decode(&v) == nil
		want := decoded && anyNotText(v)
		if (reason != "") != want {
			t.Fatalf("JSON(%q) = %q, %q; a string that is not text: %v (decoded: %v)", b, where, reason, want, decoded)
		}
		if reason != "" && (where == "" || !isText(where) || !isText(reason)) {
			t.Fatalf("JSON(%q) = %q, %q: where and why must be non-empty text", b, where, reason)
		}
		if reason == "" && where != "" {
			t.Fatalf("JSON(%q) = %q, %q: a place without a reason", b, where, reason)
		}
	})
}

// FuzzQuote: Quote's output is printable ASCII, at most 4 bytes per input byte kept plus the
// quotes and "...", and unquotes to the input, or when cut (input over maxQuoted bytes, marked
// "...") to the input's first maxQuoted bytes.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "plain", "a\x00b", "\xff\xfe", "Zoë", "\u2028\u202e", strings.Repeat("\x00", 200),
		strings.Repeat("é", 100), strings.Repeat("a", maxQuoted), strings.Repeat("a", maxQuoted+1), `"\`, "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		for i := 0; i < len(q); i++ {
			if q[i] < 0x20 || q[i] > 0x7e {
				t.Fatalf("Quote(%q) = %q holds the byte %#x", s, q, q[i])
			}
		}
		if len(q) > 4*maxQuoted+len(`""...`) {
			t.Fatalf("Quote(%q) is %d bytes long", s, len(q))
		}
		body, cut := q, len(s) > maxQuoted
		if cut {
			if !strings.HasSuffix(q, "...") {
				t.Fatalf("Quote of %d bytes = %q, not marked as cut", len(s), q)
			}
			body = strings.TrimSuffix(q, "...")
		}
		u, err := strconv.Unquote(body)
		if err != nil {
			t.Fatalf("Quote(%q) = %q does not unquote: %v", s, q, err)
		}
		want := s
		if cut {
			want = s[:maxQuoted]
		}
		if u != want {
			t.Fatalf("Quote(%q) = %q unquotes to %q, want %q", s, q, u, want)
		}
	})
}

// FuzzLocate: Locate names a problem exactly when Reason finds one in the whole content, and
// the first line (counted from 1 by "\n") that is not text, with that line's problem: no line
// before it has one. Within the line, the first offending byte decides (a NUL before a byte
// that is not UTF-8 is named as the NUL).
func FuzzLocate(f *testing.F) {
	for _, s := range []string{"", "email\na@example.com\n", "email\r\na\x00b\r\n", "\xff", "a\nb\nc\xc3", "a\n\x00\n\xff",
		"\xef\xbb\xbfemail\n", "e\x00m\x00a\x00i\x00l\x00" /* UTF-16LE */, "\xff\xfee\x00", "ok\n\n\n\xed\xa0\x80", "a\x00\xff", "\xffa\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		line, reason := Locate(b)
		if (reason == "") != (Reason(string(b)) == "") {
			t.Fatalf("Locate(%q) reason %q, Reason says %q", b, reason, Reason(string(b)))
		}
		if reason == "" {
			if line != 0 {
				t.Fatalf("Locate(%q) = line %d without a reason", b, line)
			}
			return
		}
		lines := bytes.Split(b, []byte("\n"))
		if line < 1 || line > len(lines) {
			t.Fatalf("Locate(%q) = line %d of %d", b, line, len(lines))
		}
		for i, l := range lines[:line-1] {
			if Reason(string(l)) != "" {
				t.Fatalf("Locate(%q) = line %d, but line %d already is not text", b, line, i+1)
			}
		}
		l := lines[line-1]
		nul := bytes.IndexByte(l, 0)
		bad := -1
		for i := 0; i < len(l); {
			r, n := utf8.DecodeRune(l[i:])
			if r == utf8.RuneError && n <= 1 {
				bad = i
				break
			}
			i += n
		}
		want := "holds a NUL character"
		if bad >= 0 && (nul < 0 || bad < nul) {
			want = "is not valid UTF-8 text"
		}
		if nul < 0 && bad < 0 || reason != want {
			t.Fatalf("Locate(%q) = line %d %q, want %q", b, line, reason, want)
		}
	})
}
