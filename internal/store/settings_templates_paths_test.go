package store

import (
	"reflect"
	"testing"
)

// A template saved with the paths of earlier versions of the template form is read with the
// paths Zoom's types give the same settings, and without what Zoom does not have.
func TestTemplateReadWithCurrentPaths(t *testing.T) {
	tpl := SettingsTemplate{
		Settings: map[string]map[string]any{
			"in_meeting":       {"waiting_room": true, "chat": false},
			"schedule_meeting": {"participants_video": true, "mute_upon_entry": true},
		},
		Locks: map[string]map[string]bool{
			"in_meeting":       {"waiting_room": true, "who_can_share_screen": true, "entry_exit_chime": false, "chat": true},
			"schedule_meeting": {"mute_upon_entry": true},
		},
	}
	currentPaths(&tpl)
	wantSettings := map[string]map[string]any{
		"in_meeting":       {"chat": false},
		"meeting_security": {"waiting_room": true},
		"schedule_meeting": {"participant_video": true},
	}
	wantLocks := map[string]map[string]bool{
		"in_meeting":       {"chat": true},
		"meeting_security": {"waiting_room": true},
	}
	if !reflect.DeepEqual(tpl.Settings, wantSettings) || !reflect.DeepEqual(tpl.Locks, wantLocks) {
		t.Fatalf("settings %v\nlocks %v", tpl.Settings, tpl.Locks)
	}
	current := SettingsTemplate{Settings: map[string]map[string]any{"meeting_security": {"waiting_room": false}, "in_meeting": {"waiting_room": true}}}
	currentPaths(&current)
	if !reflect.DeepEqual(current.Settings, map[string]map[string]any{"meeting_security": {"waiting_room": false}}) {
		t.Fatalf("both paths: %v", current.Settings)
	}
}
