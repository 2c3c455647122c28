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
	Action   string
	Title    string
	Name     string
	From     string // the customer it was copied from, if any
	Sections []TemplateSection
	Errors   map[string]string
	CanDel   bool
	DelURL   string
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
