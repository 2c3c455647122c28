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
	Notify        NotifyPanel
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

// NotifyPanel is the outgoing webhook part of the settings page: where Tierdesk sends the
// partner's notifications, and the latest deliveries.
type NotifyPanel struct {
	Saved     bool   // a webhook is saved
	URL       string // shown only to those who may change it (it may hold a token)
	Origin    string // the URL's scheme and host, shown to everyone
	Enabled   bool
	SecretSet bool
	Kinds     []NotifyKind
	UpdatedAt time.Time
	Log       []NotifyDelivery // newest first
	Typed     bool             // URL, Enabled and Kinds are a refused form's, not the saved webhook's
}

// NotifyKind is an event kind offered as a checkbox.
type NotifyKind struct {
	Value   string // the kind, as sent in "event"
	Label   string
	Checked bool
}

// NotifyDelivery is a row of the delivery log.
type NotifyDelivery struct {
	At         time.Time
	Kind       string
	DeliveryID string
	Status     string // pending, delivered, failed
	Attempts   int
	Answer     string // the last answer or error, in words
	NextAt     *time.Time
}
