package sandbox

import (
	_ "embed"
	"encoding/json"

	"github.com/tierdesk/tierdesk/internal/zoom/spec"
)

// settingsDefaultsJSON holds what a new Business account answers, variant by variant, for
// account settings ("account"), lock settings ("lock") and user settings ("user"): under each,
// the ?option= variant ("" for the plain GET) and its object, with every field of Zoom's type
// for that variant (internal/zoom/spec) and nothing else; TestSettingsDefaultsFollowZoomsTypes
// checks both. Values are what Zoom's web portal shows for a new Business account where known
// (ZOOM_API.md §1.7), otherwise the off or first choice; lists start empty. Option "security"
// is the plain variant's security section.
//
//go:embed settings_defaults.json
var settingsDefaultsJSON []byte

// settingsKind is one settings endpoint: Zoom's types of its answer and its body, its
// defaults, and whether it holds locks.
type settingsKind struct {
	get, update *spec.Catalogue
	defaults    map[string]any // option -> the variant's default object
	lock        bool
}

var settingsDefaults = func() map[string]map[string]any {
	var m map[string]map[string]any
	if err := json.Unmarshal(settingsDefaultsJSON, &m); err != nil {
		panic("sandbox: settings_defaults.json: " + err.Error()) // embedded: caught by any test run
	}
	return m
}()

var (
	accountSettingsKind = settingsKind{get: spec.AccountSettings, update: spec.AccountSettingsUpdate, defaults: settingsDefaults["account"]}
	lockSettingsKind    = settingsKind{get: spec.LockSettings, update: spec.LockSettingsUpdate, defaults: settingsDefaults["lock"], lock: true}
	userSettingsKind    = settingsKind{get: spec.UserSettings, update: spec.UserSettingsUpdate, defaults: settingsDefaults["user"]}
)

// authOptions are the ?option= values whose variant is an authentication entry.
var authOptions = []string{"meeting_authentication", "recording_authentication"}

// userDefaults returns fresh stored user settings for a user type: Zoom's defaults, with the
// meeting capacity of the user's licence.
func userDefaults(u *user) map[string]any {
	out := deepCopy(userSettingsKind.defaults).(map[string]any)
	if f, ok := out[""].(map[string]any)["feature"].(map[string]any); ok && u.Type != 2 {
		f["meeting_capacity"] = 100.0
	}
	return out
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}
