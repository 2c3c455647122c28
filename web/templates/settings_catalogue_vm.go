package templates

import "strings"

// SettingSection is one of Zoom's settings sections with its settings, as the settings pages
// list them.
type SettingSection struct {
	Name    string // Zoom's key: in_meeting
	Label   string // In meeting
	Rows    []CatalogueRow
	Differs int // rows that differ from the template compared with
}

// CatalogueRow is one setting of Zoom's catalogue on a settings page.
type CatalogueRow struct {
	Key      string // the dotted path, as the form names it
	Label    string
	Kind     string // bool, choice, number, text, list (comma-separated) or readonly
	Value    string // as the form holds it; "" when Known is false
	Display  string // as read: On, Off, the value, "(empty)"
	Choices  []Option
	Enum     []string // for a list, the values its items may take
	Known    bool     // Zoom answered it
	Lockable bool
	Locked   bool
	PlanOnly string // why some accounts do not have it
	Words    string // what the search matches, lower case
	Error    string
	// The template compared with, when one is.
	InTemplate bool
	Template   string // its value, as read
	TplLock    *bool  // its lock, when it sets one
	Differs    bool   // the value or the lock differs from the template's
}

// CatalogueSettingsPage is a customer's (or a user's) settings, every one Zoom publishes,
// grouped by section, searchable, with locks and a template to compare with.
type CatalogueSettingsPage struct {
	Head      CustomerHead
	User      *UserHeadRef // set on a user's settings page
	Sections  []SettingSection
	Query     string // the search (server side: rows that match it; the script filters as one types)
	Differing bool   // only rows that differ from the template
	Templates []Option
	Template  string // the id of the template compared with, or ""
	TplName   string
	Total     int // settings in the catalogue
	Known     int // settings Zoom answered
	Shown     int // rows on the page
	Locked    int
	Differs   int
	Note      string // why settings are not shown (e.g. a free account)
	Errors    int    // rows with an error
	CanEdit   bool
	Action    string // where the form goes to review the changes
	Self      string // this page's path, for the search and compare form
}

// UserHeadRef names the user whose settings a page shows.
type UserHeadRef struct {
	Email, Path string
}

// SettingDiff is one change of a review: a setting's value or lock, before and after.
type SettingDiff struct {
	Key, Label, Section string
	Before, After       string
	Lock                bool // a lock, not a value
}

// SettingsReviewPage shows the changes a settings form would send, before they are sent.
type SettingsReviewPage struct {
	Head    CustomerHead
	User    *UserHeadRef
	Changes []SettingDiff
	Hidden  []Option // the form's values, carried to the confirmation (Value: name, Label: value)
	Action  string   // where the confirmation goes
	Back    string   // the review's address: "Change them" posts the values back to the form
	Calls   int      // PATCH calls Zoom will get
}

// joinComma lists values separated by commas.
func joinComma(values []string) string { return strings.Join(values, ", ") }

// TemplateSection is one of Zoom's settings sections in a template's form.
type TemplateSection struct {
	Name, Label string
	Rows        []TemplateSetting
	Set         int // rows the template sets (value or lock): the section opens when it has any
}

// TemplateSetting is one setting in a template's form: its value and its lock, each possibly left
// as it is.
type TemplateSetting struct {
	Key, Label string
	Kind       string   // bool or choice (a list to pick from), number, text or list (typed)
	Choices    []Option // for bool and choice, the first is "leave as it is" (value "")
	Value      string   // "" leaves it as it is
	Lockable   bool
	Lock       string // "", "locked", "unlocked"
	Words      string // what the search matches, lower case
	PlanOnly   string
	Error      string
}

// templateRowCount counts the settings of a template's form.
func templateRowCount(sections []TemplateSection) int {
	n := 0
	for _, s := range sections {
		n += len(s.Rows)
	}
	return n
}
