package handlers

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/spec"
)

// TestSettingsCatalogueIsZooms checks the settings the pages offer against Zoom's published
// types (internal/zoom/spec): every value field of the account settings Zoom answers (plain,
// and the sections it keeps behind their own option) is a row; a row is editable exactly when
// Zoom's PATCH takes it with the same type in the same variant, and lockable exactly when
// Zoom's lock settings have a boolean for it; and the user page's user settings exist.
func TestSettingsCatalogueIsZooms(t *testing.T) {
	want := 0
	for _, opt := range append([]string{""}, zoom.OptionSections...) {
		for _, f := range spec.AccountSettings.Fields(opt) {
			if !f.Leaf() || strings.Contains(f.Path, "[]") {
				continue
			}
			want++
			row, ok := accountCatalogue.field(f.Path)
			if !ok {
				t.Errorf("%s (option %q) is not a row of the settings tab", f.Path, opt)
				continue
			}
			upd, ok := spec.AccountSettingsUpdate.LookupOption(opt, f.Path)
			editable := ok && upd.Type == f.Type && f.Type != spec.Opaque && !(f.Type == spec.Array && f.Elem == spec.Object)
			if row.Editable != editable {
				t.Errorf("%s: editable %v, Zoom's PATCH (option %q) has it: %v as %s", f.Path, row.Editable, opt, ok, upd.Type)
			}
			lock, ok := spec.LockSettings.LookupOption(opt, f.Path)
			if row.Lockable != (ok && lock.Type == spec.Bool) {
				t.Errorf("%s: lockable %v, Zoom's lock settings: %v %s", f.Path, row.Lockable, ok, lock.Type)
			}
		}
	}
	if len(accountCatalogue.fields) != want || want < 400 {
		t.Errorf("the tab has %d rows, Zoom's account settings %d value fields", len(accountCatalogue.fields), want)
	}
	for _, s := range userSettingsShown {
		if _, ok := spec.UserSettings.LookupOption("", s.section+"."+s.field); !ok {
			t.Errorf("%s.%s is not a field of Zoom's user settings", s.section, s.field)
		}
	}
}

// TestSettingsEditReadsTheFormAgainstZoom: only fields that differ from Zoom's values are
// changed, each value as its type (a list from commas, a number), in the section it belongs to;
// a value of the wrong type or outside Zoom's enum, and a lock Zoom has not, are errors on
// their row and nothing of them is sent; an unchanged lock is not sent.
func TestSettingsEditReadsTheFormAgainstZoom(t *testing.T) {
	set := zoom.Settings{
		"in_meeting":       map[string]any{"chat": true, "entry_exit_chime": "host"},
		"meeting_security": map[string]any{"waiting_room": true},
		"security":         map[string]any{"password_requirement": map[string]any{"minimum_password_length": 8.0}},
		"chat":             map[string]any{"share_files": map[string]any{"restrictions": map[string]any{"file_type_restrictions": []any{".zip"}}}},
	}
	lock := zoom.Settings{"in_meeting": map[string]any{"chat": false}, "meeting_security": map[string]any{"waiting_room": false}}
	form := url.Values{
		"set.in_meeting.chat":                                       {"true"},  // as it is
		"set.in_meeting.entry_exit_chime":                           {"all"},   // changes
		"set.meeting_security.waiting_room":                         {"false"}, // changes, option section
		"set.security.password_requirement.minimum_password_length": {"10"},
		"set.chat.share_files.restrictions.file_type_restrictions":  {".zip, .pdf"},
		"lockseen.in_meeting.chat":                                  {"1"}, // unchanged: unlocked
		"lockseen.meeting_security.waiting_room":                    {"1"},
		"lock.meeting_security.waiting_room":                        {"1"},
	}
	e := accountCatalogue.edit(form, set, lock, spec.AccountSettingsUpdate)
	if len(e.Errs) != 0 {
		t.Fatalf("errors: %v", e.Errs)
	}
	wantAfter := map[string]string{"in_meeting.entry_exit_chime": "all", "meeting_security.waiting_room": "false",
		"security.password_requirement.minimum_password_length": "10", "chat.share_files.restrictions.file_type_restrictions": "[.zip .pdf]",
		"locked.meeting_security.waiting_room": "true"}
	if len(e.After) != len(wantAfter) {
		t.Fatalf("changes: %v, want %v", e.After, wantAfter)
	}
	for k, v := range wantAfter {
		if got, ok := e.After[k]; !ok || fmtAny(got) != v {
			t.Errorf("%s: %v, want %s", k, got, v)
		}
	}
	parts := e.Set.ByOption()
	if len(parts) != 2 || parts[0].Option != "" || parts[1].Option != "meeting_security" || parts[0].Settings.Section("meeting_security") != nil {
		t.Fatalf("the PATCHes: %+v", parts)
	}
	if n, ok := valueAt(e.Set, "security.password_requirement.minimum_password_length"); !ok || n != 10.0 {
		t.Errorf("minimum password length sent as %v (%T)", n, n)
	}
	if len(e.Diffs) != 5 {
		t.Errorf("the review lists %d changes: %+v", len(e.Diffs), e.Diffs)
	}

	bad := url.Values{
		"set.in_meeting.entry_exit_chime":                           {"sometimes"},
		"set.security.password_requirement.minimum_password_length": {"ten"},
		"set.chat.share_files.restrictions.file_type_restrictions":  {".zip, .exe"},
		"set.in_meeting.chat":                                       {"yes"},
	}
	e = accountCatalogue.edit(bad, set, lock, spec.AccountSettingsUpdate)
	for _, k := range []string{"in_meeting.entry_exit_chime", "security.password_requirement.minimum_password_length",
		"chat.share_files.restrictions.file_type_restrictions", "in_meeting.chat"} {
		if e.Errs[k] == "" {
			t.Errorf("no error on %s: %v", k, e.Errs)
		}
		if _, sent := valueAt(e.Set, k); sent {
			t.Errorf("%s would be sent", k)
		}
	}
}

// fmtAny writes a value as the test compares it.
func fmtAny(v any) string {
	switch t := v.(type) {
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = fmtAny(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case float64:
		return formValue(catalogueField{}, t)
	}
	return formValue(catalogueField{}, v)
}
