package zoom

import (
	"reflect"
	"testing"
)

func TestSettingsByOption(t *testing.T) {
	s := Settings{}.Set("in_meeting", "chat", true).Set("meeting_security", "waiting_room", false).Set("recording", "auto_recording", "cloud")
	got := s.ByOption()
	want := []OptionPart{
		{Settings: Settings{"in_meeting": map[string]any{"chat": true}, "recording": map[string]any{"auto_recording": "cloud"}}},
		{Option: OptionMeetingSecurity, Settings: Settings{"meeting_security": map[string]any{"waiting_room": false}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if got := (Settings{}.Set("meeting_security", "waiting_room", true)).ByOption(); len(got) != 1 || got[0].Option != OptionMeetingSecurity {
		t.Fatalf("only meeting_security: %v", got)
	}
	if got := (Settings{}).ByOption(); len(got) != 0 {
		t.Fatalf("empty update: %v", got)
	}
}
