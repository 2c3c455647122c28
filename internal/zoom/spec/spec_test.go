package spec

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestZoomNamesTheseFields pins what Zoom's types say about the names the sandbox and the
// portal once disagreed on (issue 17): the account and the user objects differ.
func TestZoomNamesTheseFields(t *testing.T) {
	for _, tc := range []struct {
		c    *Catalogue
		opt  string
		path string
		has  bool
	}{
		{AccountSettings, "", "schedule_meeting.participant_video", true},
		{AccountSettings, "", "schedule_meeting.participants_video", false},
		{AccountSettingsUpdate, "", "schedule_meeting.participant_video", true},
		{AccountSettingsUpdate, "", "schedule_meeting.participants_video", false},
		{AccountSettings, "", "in_meeting.record_play_own_voice", true},
		{AccountSettings, "", "in_meeting.record_play_voice", false},
		{AccountSettingsUpdate, "", "in_meeting.record_play_own_voice", true},
		{UserSettings, "", "schedule_meeting.participants_video", true},
		{UserSettings, "", "schedule_meeting.participant_video", false},
		{UserSettingsUpdate, "", "schedule_meeting.participants_video", true},
		{UserSettings, "", "in_meeting.record_play_voice", true},
		{UserSettings, "", "in_meeting.record_play_own_voice", false},
		{UserSettingsUpdate, "", "in_meeting.record_play_voice", true},
		{LockSettings, "", "schedule_meeting.participant_video", true},
		{AccountSettings, "", "in_meeting.waiting_room", false},
		{AccountSettings, "", "meeting_security", false},
		{AccountSettings, "meeting_security", "meeting_security.waiting_room", true},
		{UserSettings, "", "in_meeting.waiting_room", true},
		{User, "", "host_key", false},
		{UserList, "", "users[].host_key", true},
		{AccountSettings, "security", "security.password_requirement.minimum_password_length", true},
		{AccountSettings, "security", "in_meeting.chat", false},
		{AccountSettings, "", "chat.chat_etiquette_tool.policies[].status", true},
		{AccountSettings, "", "chat.chat_etiquette_tool.policies.status", false},
		{AccountSettings, "", "chat.chat_etiquette_tool[].policies", false},
	} {
		_, got := tc.c.LookupOption(tc.opt, tc.path)
		if got != tc.has {
			t.Errorf("%s option %q has %s: %v, want %v", tc.c.Name(), tc.opt, tc.path, got, tc.has)
		}
	}
}

// TestCatalogueCounts logs the size of each catalogue (the leaves: fields holding a value)
// and checks that each variant is there.
func TestCatalogueCounts(t *testing.T) {
	for _, tc := range []struct {
		c       *Catalogue
		options []string
	}{
		{AccountSettings, []string{"", "meeting_authentication", "recording_authentication", "meeting_security", "videosdk", "security"}},
		{AccountSettingsUpdate, []string{"", "meeting_authentication", "recording_authentication", "meeting_security", "videosdk", "security"}},
		{LockSettings, []string{"", "meeting_security"}},
		{LockSettingsUpdate, []string{"", "meeting_security"}},
		{UserSettings, []string{"", "authentication_options", "meeting_authentication", "recording_authentication", "meeting_security"}},
		{UserSettingsUpdate, []string{"", "meeting_authentication", "recording_authentication", "meeting_security"}},
		{User, []string{""}},
		{UserList, []string{""}},
	} {
		if got := tc.c.Options(false); !slices.Equal(got, tc.options) {
			t.Errorf("%s: options %q, want %q", tc.c.Name(), got, tc.options)
		}
		leaves := 0
		for _, f := range tc.c.All() {
			if f.Leaf() {
				leaves++
			}
			if got, ok := tc.c.LookupOption(f.Option, f.Path); !ok || got.Path != f.Path {
				t.Errorf("%s: %s (%q) cannot be looked up", tc.c.Name(), f.Path, f.Option)
			}
		}
		t.Logf("%s: %d fields, %d holding a value (%d in the plain variant)", tc.c.Name(), len(tc.c.All()), leaves, countLeaves(tc.c.Fields("")))
		if leaves == 0 {
			t.Errorf("%s is empty", tc.c.Name())
		}
	}
	if !AccountSettings.HasOption("security") || AccountSettings.HasOption("videosdk") || LockSettings.HasOption("security") {
		t.Error("selectable options are wrong")
	}
	for _, f := range AccountSettings.Fields("security") {
		if f.Section() != "security" || f.Option != "" {
			t.Errorf("option security lists %s (%q)", f.Path, f.Option)
		}
	}
}

func countLeaves(fs []Field) int {
	n := 0
	for _, f := range fs {
		if f.Leaf() {
			n++
		}
	}
	return n
}

func TestSectionsArePlanOnlyWhereListed(t *testing.T) {
	got := map[string]string{}
	for _, s := range AccountSettings.Sections() {
		got[s.Option+"/"+s.Name] = s.PlanOnly
	}
	for _, s := range []string{"/audio_conferencing", "/zoom_rooms", "/tsp", "videosdk/in_session", "videosdk/session_security"} {
		if got[s] == "" {
			t.Errorf("%s is not marked plan-only", s)
		}
	}
	for _, s := range []string{"/in_meeting", "/schedule_meeting", "/recording", "meeting_security/meeting_security"} {
		if r, ok := got[s]; !ok || r != "" {
			t.Errorf("%s: present %v, plan-only %q", s, ok, r)
		}
	}
	if f, _ := AccountSettings.Lookup("in_meeting.webinar_chat"); f.PlanOnly() == "" {
		t.Error("in_meeting.webinar_chat is not marked plan-only")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		c       *Catalogue
		opt     string
		body    string
		path    string // "" = valid
		unknown bool
	}{
		{AccountSettingsUpdate, "", `{"in_meeting":{"chat":true,"entry_exit_chime":"all"},"schedule_meeting":{"participant_video":false}}`, "", false},
		{AccountSettingsUpdate, "", `{"in_meeting":{"waiting_room":true}}`, "in_meeting.waiting_room", true},
		{AccountSettingsUpdate, "", `{"schedule_meeting":{"participants_video":true}}`, "schedule_meeting.participants_video", true},
		{AccountSettingsUpdate, "", `{"no_such_section":{}}`, "no_such_section", true},
		{AccountSettingsUpdate, "", `{"in_meeting":{"chat":"yes"}}`, "in_meeting.chat", false},
		{AccountSettingsUpdate, "", `{"in_meeting":{"chat":null}}`, "in_meeting.chat", false},
		{AccountSettingsUpdate, "", `{"in_meeting":{"entry_exit_chime":"loud"}}`, "in_meeting.entry_exit_chime", false},
		{AccountSettingsUpdate, "", `{"in_meeting":true}`, "in_meeting", false},
		{AccountSettingsUpdate, "", `{"meeting_security":{"waiting_room":true}}`, "meeting_security", true},
		{AccountSettingsUpdate, "meeting_security", `{"meeting_security":{"waiting_room":true,"encryption_type":"e2ee"}}`, "", false},
		{AccountSettingsUpdate, "meeting_security", `{"meeting_security":{"encryption_type":"rot13"}}`, "meeting_security.encryption_type", false},
		{AccountSettingsUpdate, "meeting_security", `{"meeting_security":{"meeting_password_requirement":{"consecutive_characters_length":3}}}`,
			"meeting_security.meeting_password_requirement.consecutive_characters_length", false},
		{AccountSettingsUpdate, "meeting_security", `{"meeting_security":{"meeting_password_requirement":{"consecutive_characters_length":4}}}`, "", false},
		{AccountSettingsUpdate, "security", `{"security":{"admin_change_name_pic":true}}`, "", false},
		{AccountSettingsUpdate, "security", `{"in_meeting":{"chat":true}}`, "in_meeting", true},
		{AccountSettingsUpdate, "", `{"security":{"user_modifiable_info_by_admin":["name","shoe_size"]}}`, "security.user_modifiable_info_by_admin[1]", false},
		{AccountSettings, "", `{"chat":{"chat_etiquette_tool":{"policies":[{"id":"x","status":"activated"},{"colour":"red"}]}}}`,
			"chat.chat_etiquette_tool.policies[1].colour", true},
		{AccountSettingsUpdate, "bogus", `{}`, "option", false},
		{LockSettingsUpdate, "", `{"in_meeting":{"chat":true},"schedule_meeting":{"participant_video":true}}`, "", false},
		{LockSettingsUpdate, "", `{"in_meeting":{"chat":"locked"}}`, "in_meeting.chat", false},
		{LockSettingsUpdate, "", `{"in_meeting":{"waiting_room":true}}`, "in_meeting.waiting_room", true},
		{UserSettingsUpdate, "", `{"in_meeting":{"waiting_room":true,"record_play_voice":true},"schedule_meeting":{"participants_video":true}}`, "", false},
		{UserSettingsUpdate, "", `{"schedule_meeting":{"participant_video":true}}`, "schedule_meeting.participant_video", true},
	} {
		var body map[string]any
		if err := json.Unmarshal([]byte(tc.body), &body); err != nil {
			t.Fatal(err)
		}
		err := tc.c.Validate(tc.opt, body)
		if tc.path == "" {
			if err != nil {
				t.Errorf("%s %q %s: %v", tc.c.Name(), tc.opt, tc.body, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s %q %s: err %v, want one at %s", tc.c.Name(), tc.opt, tc.body, err, tc.path)
			continue
		}
		if e.Path != tc.path || e.Unknown != tc.unknown || !strings.HasPrefix(e.Error(), tc.path+": ") {
			t.Errorf("%s %q %s: got %q (unknown %v), want %s (unknown %v)", tc.c.Name(), tc.opt, tc.body, e, e.Unknown, tc.path, tc.unknown)
		}
	}
}

func TestValidateTakesGoNumbers(t *testing.T) {
	body := map[string]any{"chat": map[string]any{"allow_delete_message": map[string]any{"time": 30}}}
	if err := AccountSettingsUpdate.Validate("", body); err != nil {
		t.Fatal(err)
	}
	body["chat"].(map[string]any)["allow_delete_message"].(map[string]any)["time"] = int64(31)
	if err := AccountSettingsUpdate.Validate("", body); err == nil {
		t.Fatal("31 accepted for an enum of 0, 5, 30, …")
	}
}

func TestCheckShape(t *testing.T) {
	var v map[string]any
	_ = json.Unmarshal([]byte(`{"id":"u1","type":1,"email":"a@b.c","host_key":"123456","pmi":"not a number","status":"gone"}`), &v)
	got := CheckShape("user", "", v)
	want := []string{"host_key: is not a field of Zoom's user", "pmi: is not a number", "status: is not one of: pending, active, inactive"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	v = nil
	_ = json.Unmarshal([]byte(`{"page_size":30,"users":[{"id":"u1","email":"a@b.c","type":1,"host_key":"123456"},{"id":"u2"}]}`), &v)
	got = CheckShape("user_list", "", v)
	want = []string{"users[1].email: is missing (Zoom's type requires it)", "users[1].type: is missing (Zoom's type requires it)"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	type user struct {
		ID   string `json:"id"`
		Type int    `json:"type"`
	}
	if got := CheckShape("user", "", user{ID: "u", Type: 2}); got != nil {
		t.Errorf("a struct that fits: %q", got)
	}
	if got := CheckShape("nope", "", v); len(got) != 1 {
		t.Errorf("an unknown kind: %q", got)
	}
	if got := CheckShape("account_settings", "meeting_security", map[string]any{"in_meeting": map[string]any{}}); len(got) != 1 || !strings.HasPrefix(got[0], "in_meeting: ") {
		t.Errorf("option meeting_security with in_meeting: %q", got)
	}
}

func BenchmarkValidate(b *testing.B) {
	body := map[string]any{
		"in_meeting":       map[string]any{"chat": true, "entry_exit_chime": "all", "co_host": false},
		"schedule_meeting": map[string]any{"participant_video": true, "host_video": false},
		"recording":        map[string]any{"auto_recording": "cloud"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := AccountSettingsUpdate.Validate("", body); err != nil {
			b.Fatal(err)
		}
	}
}
