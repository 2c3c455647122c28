package templates

import (
	"net/url"
	"time"
)

func queryEscape(s string) string { return url.QueryEscape(s) }

// when formats a time for tables: date and minutes, UTC.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
