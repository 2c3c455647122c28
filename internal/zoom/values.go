package zoom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Time is a date-time as Zoom sends it: RFC 3339 ("2019-08-26T18:25:23Z"), sometimes without
// a zone or as a bare date; an empty string or null is the zero Time. It encodes as RFC 3339
// (use the omitzero tag option to leave a zero Time out).
type Time struct{ time.Time }

// timeLayouts are the forms Zoom has been seen to use; forms without a zone are UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// UnmarshalJSON implements json.Unmarshaler. It fails on a string in none of the known forms.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("zoom: date-time %s: %w", b, err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			if y := v.UTC().Year(); y < 0 || y > 9999 {
				break // MarshalJSON writes UTC, which could not be read back
			}
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("zoom: unreadable date-time %q", s)
}

// Ptr is the time as a *time.Time, nil when Zoom sent none.
func (t Time) Ptr() *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}

// MarshalJSON implements json.Marshaler: RFC 3339 in UTC, or "" for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

// Bool returns a pointer to v, for the optional fields of update requests.
func Bool(v bool) *bool { return &v }

// Int returns a pointer to v, for the optional fields of update requests.
func Int(v int) *int { return &v }

// String returns a pointer to v, for the optional fields of update requests.
func String(v string) *string { return &v }

// itoa formats an int for a query parameter.
func itoa(n int) string { return strconv.Itoa(n) }

// remarshal converts decoded JSON (maps) into a typed value.
func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("zoom: re-encode: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("zoom: decode %T: %w", out, err)
	}
	return nil
}
