package handlers

import (
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// A customer whose settings were read but whose lock settings were not has its locks "not
// read", not "missing"; its settings are judged as usual.
func TestDriftLocksNotReadAreNotMissing(t *testing.T) {
	tpl := store.SettingsTemplate{Settings: map[string]map[string]any{"in_meeting": {"chat": false}},
		Locks: map[string]map[string]bool{"in_meeting": {"chat": true}}}
	members := []store.StandardMember{
		{AccountName: "Locks unread", SettingsRead: true, Settings: map[string]any{"in_meeting.chat": true}},
		{AccountName: "Both read", SettingsRead: true, LocksRead: true, Settings: map[string]any{"in_meeting.chat": false},
			Locks: map[string]any{"in_meeting.chat": false}},
	}
	p := driftReport(tpl, members, false)
	if len(p.Columns) != 2 || !strings.HasSuffix(p.Columns[1].Label, " (lock)") {
		t.Fatalf("columns: %+v", p.Columns)
	}
	states := func(r templates.DriftRow) []string { return []string{r.Cells[0].State, r.Cells[1].State} }
	if got := states(p.Rows[0]); got[0] != templates.DriftDrifted || got[1] != templates.DriftNotRead {
		t.Errorf("locks unread: %v, want drifted and not read", got)
	}
	if got := states(p.Rows[1]); got[0] != templates.DriftCompliant || got[1] != templates.DriftLock {
		t.Errorf("both read: %v, want compliant and lock differs", got)
	}
	if p.Columns[1].Missing != 0 {
		t.Errorf("%d locks counted missing", p.Columns[1].Missing)
	}
}
