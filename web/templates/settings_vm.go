package templates

import "time"

// SettingsPage is the partner's Zoom connection settings.
type SettingsPage struct {
	CanManage     bool
	ZoomAccountID string
	S2SConfigured bool
	S2SClientID   string
	S2SUpdatedAt  time.Time
	ClientID      string // form value
	Errors        map[string]string
}
