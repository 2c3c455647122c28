package handlers

import (
	"bytes"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// The session codec writes the same session as the same bytes whatever the map's order, reads
// back what it wrote, and reads sessions scs.GobCodec wrote before it (sessions stay signed in
// across the upgrade).
func TestSessionCodecIsDeterministicAndReadsGob(t *testing.T) {
	deadline := time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	values := map[string]any{keyStaffID: int64(7), keyPartnerID: int64(3), keySignedInAt: int64(1796550000), "flash": "Saved.", "a": "x", "z": true}
	first, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := sessionCodec{}.Encode(deadline, maps.Clone(values))
		if err != nil || !bytes.Equal(again, first) {
			t.Fatalf("the same session encoded differently (%v)", err)
		}
	}
	gotDeadline, got, err := sessionCodec{}.Decode(first)
	if err != nil || !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("round trip: %v %v %v", gotDeadline, got, err)
	}
	old, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err = sessionCodec{}.Decode(old)
	if err != nil || !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("a session scs.GobCodec wrote: %v %v %v", gotDeadline, got, err)
	}
}
