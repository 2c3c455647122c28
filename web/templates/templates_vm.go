package templates

import "time"

// SettingsTemplatesPage lists the partner's settings templates.
type SettingsTemplatesPage struct {
	Rows    []TemplateRow
	CanEdit bool
}

// TemplateRow is one template in the list.
type TemplateRow struct {
	ID        int64
	Name      string
	Settings  int // how many settings it sets
	Locks     int // how many locks it sets
	UpdatedAt time.Time
	URL       string
}

// TemplateFormPage creates or edits a settings template.
type TemplateFormPage struct {
	Action string
	Title  string
	Name   string
	From   string // the customer it was copied from, if any
	Rows   []TemplateField
	Errors map[string]string
	CanDel bool
	DelURL string
}

// TemplateField is one common setting in a template: its value and its lock, each possibly
// left as it is.
type TemplateField struct {
	Key     string
	Label   string
	Choices []Option // the first is "leave as it is" (value "")
	Value   string
	Lock    string // "", "locked", "unlocked"
	// Lockable: Zoom's lock settings have a lock for it; without one no lock is offered.
	Lockable bool
}

// TemplatePreviewPage shows what applying a template to a customer changes.
type TemplatePreviewPage struct {
	Head      CustomerHead
	Templates []Option
	Name      string
	Changes   []DiffRow
	Same      int
	ApplyURL  string
	ID        int64
	Note      string
}
