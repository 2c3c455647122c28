package templates

import (
	"strconv"
	"strings"
	"time"

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

// plural is n and noun, made plural unless n is 1 ("3 paid seats").
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
