package templates

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
)

// when formats a time for tables: date and minutes, UTC.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// PlanLabel names a Zoom plan code for people ("business_annual" → "Business, annual"), from
// the catalogue of Zoom's plans; a code it cannot name is returned as it is.
func PlanLabel(code string) string { return catalogue.Name(code) }

// pickerOptions are the options of a plan picker with value chosen. A value the list does not
// hold (a code typed by hand before plans were picked, or one Zoom sent) is kept, as the
// first option after the prompt, marked so that the reader sees why it is refused.
func pickerOptions(opts []Option, value string) []Option {
	out := make([]Option, 0, len(opts)+1)
	found := false
	for _, o := range opts {
		o.Selected = value != "" && strings.EqualFold(o.Value, value)
		found = found || o.Selected
		out = append(out, o)
	}
	if value != "" && !found {
		out = append([]Option{{Value: value, Label: value + " (not a plan Tierdesk knows)", Selected: true}}, out...)
	}
	return out
}

// Plural is n with one (when n is 1) or many ("3 paid seats", "2 user directories"): the one
// way pages and handlers count things in words.
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// breakPoints splits s after each '@' and '.', the places a long email, domain or id may wrap
// at (the template puts a <wbr> between the parts) rather than mid-word.
func breakPoints(s string) []string {
	var parts []string
	start := 0
	for i, r := range s {
		if (r == '@' || r == '.') && i+1 < len(s) {
			parts = append(parts, s[start:i+1])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// breakable writes s, escaped, with a line-break opportunity (<wbr>) after each '@' and '.'.
func breakable(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for i, p := range breakPoints(s) {
			if i > 0 {
				if _, err := io.WriteString(w, "<wbr>"); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, templ.EscapeString(p)); err != nil {
				return err
			}
		}
		return nil
	})
}
