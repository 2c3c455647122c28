package handlers

import (
	"slices"
	"testing"

	"github.com/tierdesk/tierdesk/internal/zoom/spec"
)

// TestCommonSettingsAreZooms checks every setting the portal reads or sends by path against
// Zoom's published types (internal/zoom/spec): the settings tab's and templates' account
// settings (in the variant Zoom answers them with, of the type the form sends, each choice
// one Zoom takes, and locked only where Zoom's lock settings have a lock), and the user
// page's user settings. A path Zoom does not have would be refused by Zoom, or by the sandbox
// with code 300.
func TestCommonSettingsAreZooms(t *testing.T) {
	for _, def := range commonSettings {
		get, ok := spec.AccountSettings.Lookup(def.key())
		if !ok {
			t.Errorf("%s is not a field of Zoom's account settings", def.key())
			continue
		}
		upd, ok := spec.AccountSettingsUpdate.LookupOption(get.Option, def.key())
		if !ok {
			t.Errorf("%s cannot be changed in Zoom's account settings (option %q)", def.key(), get.Option)
			continue
		}
		if get.Option != "" && get.Option != def.section {
			t.Errorf("%s is in Zoom's option %q, which the portal does not read or send", def.key(), get.Option)
		}
		for _, f := range []spec.Field{get, upd} {
			switch {
			case def.choices == nil && f.Type != spec.Bool:
				t.Errorf("%s is a %s in Zoom's types, the form sends a boolean", def.key(), f.Type)
			case def.choices != nil && f.Type != spec.String:
				t.Errorf("%s is a %s in Zoom's types, the form sends a string", def.key(), f.Type)
			}
			for _, c := range def.choices {
				if len(f.Enum) > 0 && !slices.Contains(f.Enum, c.Value) {
					t.Errorf("%s: %q is not one of Zoom's values %q", def.key(), c.Value, f.Enum)
				}
			}
		}
		if lock, ok := spec.LockSettings.Lookup(def.key()); def.lockable() != (ok && lock.Type == spec.Bool) {
			t.Errorf("%s: lockable %v, Zoom's lock settings: %v %s", def.key(), def.lockable(), ok, lock.Type)
		}
	}
	for _, s := range userSettingsShown {
		if _, ok := spec.UserSettings.LookupOption("", s.section+"."+s.field); !ok {
			t.Errorf("%s.%s is not a field of Zoom's user settings", s.section, s.field)
		}
	}
}
