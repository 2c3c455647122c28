package jobs

import (
	"context"
	"encoding/json"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// ApplySettingsTemplate sends a settings template's settings and locks to a Zoom account.
// Sending the same template twice changes nothing the second time, so a step that applies a
// template may simply be run again.
func ApplySettingsTemplate(ctx context.Context, zc *zoom.Client, accountID string, t store.SettingsTemplate) error {
	if len(t.Settings) > 0 {
		if _, err := zc.UpdateAccountSettings(ctx, accountID, asSettings(t.Settings), nil); err != nil {
			return err
		}
	}
	if len(t.Locks) > 0 {
		if _, err := zc.UpdateLockSettings(ctx, accountID, asSettings(t.Locks), nil); err != nil {
			return err
		}
	}
	return nil
}

// asSettings converts template sections into the client's Settings.
func asSettings(v any) zoom.Settings {
	var s zoom.Settings
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &s)
	return s
}
