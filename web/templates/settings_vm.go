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
	Webhook       WebhookPanel
}

// WebhookPanel is the Zoom webhook part of the settings page.
type WebhookPanel struct {
	EndpointURL     string // what to enter in the Zoom app's event subscription
	Configured      bool
	UpdatedAt       time.Time
	LastValidatedAt *time.Time
	LastEventAt     *time.Time
	Events          []string // the events to subscribe to
}
