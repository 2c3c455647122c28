package templates

// FleetFormPage is the form of a change across a group's customers: the group, and a
// template, some settings (a line each) or some options.
type FleetFormPage struct {
	Values    map[string]string // what was chosen or typed: group, kind, template, settings, opt.<key>
	Errors    map[string]string // by field
	Groups    []Option
	Templates []Option
	Options   []FleetOptionField // the options a change may set
}

// FleetOptionField is one option a change across customers may set: its key, its label and
// its choices (leave it, on, off), the one chosen Selected.
type FleetOptionField struct {
	Key, Label string
	Choices    []Option
}

// FleetPreviewPage shows a change across customers before it starts: each customer's calls,
// those that need none and why, and how long it takes at the current rate budget.
type FleetPreviewPage struct {
	Source     string
	Customers  int // in the group
	ToChange   int // with at least one call
	Calls      int // calls in all
	Compliant  int // already as wanted
	Missing    int // whose plan lacks a setting (reported, not sent)
	Skipped    int // not changed (a reseller's, not active, not read yet)
	Rate       string
	ETA        string
	Rows       []FleetRowView
	More       int // customers not listed
	CanStart   bool
	StartURL   string
	DiscardURL string
}

// FleetRowView is one customer of a change's preview.
type FleetRowView struct {
	Customer string
	URL      string
	State    string // will change, compliant, missing, skipped
	Kind     string // the badge's colour
	Calls    []FleetCallView
	Message  string
}

// FleetCallView is one call a customer gets: the endpoint, and each value it changes.
type FleetCallView struct {
	Call    string
	Changes []string
}
