// Package input is the one judge of outside text. Whatever arrives from outside (a request's
// path, query, form fields and file names, an uploaded file's cells, a webhook's JSON) must be
// valid UTF-8 and hold no NUL before any handler, store or Zoom call sees it: PostgreSQL's text
// can hold neither, and a request that carries them is a probe or a broken client, never a
// person typing. The handlers call it at the edge (middleware, file parsers, the webhook
// endpoint); nothing else decides what text is acceptable.
package input

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reason says in plain words why s cannot be taken as text, or "" when it can.
func Reason(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8 text"
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL character"
	}
	return ""
}

// Values checks every key and value of a query or form. It returns the first field (in key
// order) that holds text Reason refuses, with the reason, or "", "" when all are text. When the
// key itself is refused, field is that key (Reason(field) != "" tells).
func Values(v url.Values) (field, reason string) {
	for _, k := range slices.Sorted(maps.Keys(v)) {
		if r := Reason(k); r != "" {
			return k, r
		}
		for _, s := range v[k] {
			if r := Reason(s); r != "" {
				return k, r
			}
		}
	}
	return "", ""
}

// JSON checks a JSON document's raw bytes and every string in it, keys included, once
// decoded: "\u0000" is valid JSON but no text PostgreSQL can hold. It returns where the first
// problem is (a dotted path such as "payload.object.first_name", or "body") and why, or "", ""
// when the document is text throughout. A document that is not JSON is not judged here: its
// parser refuses it.
func JSON(b []byte) (where, reason string) {
	if r := Reason(string(b)); r != "" {
		return "body", r
	}
	if !bytes.Contains(b, []byte(`\u0000`)) {
		return "", "" // the only way left to spell a NUL is an escape
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", ""
	}
	return walk(v, "")
}

func walk(v any, path string) (string, string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch t := v.(type) {
	case string:
		if r := Reason(t); r != "" {
			if path == "" {
				path = "body"
			}
			return path, r
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if r := Reason(k); r != "" {
				return join(Quote(k)), "(a key) " + r
			}
			if w, r := walk(t[k], join(k)); r != "" {
				return w, r
			}
		}
	case []any:
		for i, e := range t {
			if w, r := walk(e, join(strconv.Itoa(i))); r != "" {
				return w, r
			}
		}
	}
	return "", ""
}

// Safe is s when it is text, else its escaped form (Quote): what may be written to the log,
// the audit log or a page of something that came from outside.
func Safe(s string) string {
	if Reason(s) == "" {
		return s
	}
	return Quote(s)
}

// maxQuoted bounds how much of a refused text Quote keeps.
const maxQuoted = 120

// Quote renders text that may be neither UTF-8 nor free of control characters as a short,
// printable, ASCII-only Go string literal (`"a\x00b"`, `"\xff"`), cut to about 120 bytes: the
// safe form in which a refused value is written to the log and the audit log.
func Quote(s string) string {
	cut := false
	if len(s) > maxQuoted {
		s, cut = s[:maxQuoted], true
	}
	q := strconv.QuoteToASCII(s)
	if cut {
		q += "..."
	}
	return q
}

// Locate finds the first place in a file's content that is not text (the first NUL or byte
// that is not UTF-8, whichever comes first): its line (from 1) and the reason, or 0, "" when
// the whole content is text. A NUL usually means the file was saved
// as UTF-16 ("Unicode text"), which Tierdesk does not read.
func Locate(b []byte) (line int, reason string) {
	off := -1
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			off, reason = i, "is not valid UTF-8 text"
			break
		}
		if r == 0 {
			off, reason = i, "holds a NUL character"
			break
		}
		i += n
	}
	if off < 0 {
		return 0, ""
	}
	return bytes.Count(b[:off], []byte("\n")) + 1, reason
}
