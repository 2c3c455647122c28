package templates

import (
	"strconv"
	"strings"
	"time"
)

// when formats a time for tables: date and minutes, UTC.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// PlanLabel names a Zoom plan code for people ("business_annual" → "Business, annual");
// a code it does not know is returned as it is.
func PlanLabel(code string) string {
	names := map[string]string{"pro": "Pro", "business": "Business", "business_plus": "Business Plus", "enterprise": "Enterprise",
		"large500": "Large meetings 500", "large1000": "Large meetings 1,000", "webinar500": "Webinars 500", "webinar1000": "Webinars 1,000",
		"zroom": "Zoom Rooms", "free": "Free"}
	periods := map[string]string{"monthly": "monthly", "annual": "annual", "yearly": "annual"}
	i := strings.LastIndex(code, "_")
	if i < 0 {
		if n, ok := names[code]; ok {
			return n
		}
		return code
	}
	n, okN := names[code[:i]]
	per, okP := periods[code[i+1:]]
	if !okN || !okP {
		return code
	}
	return n + ", " + per
}

// plural is n and noun, made plural unless n is 1 ("3 paid seats").
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
