package templates

import "time"

// StandardsPage lists the partner's settings standards.
type StandardsPage struct {
	Rows    []StandardRow
	CanEdit bool // may create, change and delete standards
	// NoTemplates and NoGroups say what a first standard still needs.
	NoTemplates, NoGroups bool
}

// StandardRow is one standard in the list.
type StandardRow struct {
	Name        string
	URL         string // its drift report
	Template    string
	TemplateURL string
	Group       string
	GroupURL    string
	Mode        string // "Report", "Enforce"
}

// StandardFormPage creates or changes a standard. Values hold what was chosen, by field name
// ("name", "template", "group", "mode"); Errors the refusals, by field name ("_" for the form).
type StandardFormPage struct {
	Title     string
	Action    string
	BackURL   string
	DeleteURL string // "" for a new standard
	Values    map[string]string
	Errors    map[string]string
	Templates []Option
	Groups    []Option
}

// Drift states of a cell of the drift report.
const (
	DriftCompliant = "compliant" // the customer has the template's value (or lock)
	DriftDrifted   = "drifted"   // it has another value: Value shows Zoom's current one
	DriftMissing   = "missing"   // its settings lack the field (a free account, a plan without it)
	DriftNotRead   = "unread"    // its settings have not been read yet
	DriftLock      = "lock"      // the lock differs: Value shows Zoom's current lock
)

// DriftPage is a standard's drift report: the group's customers × the template's settings
// and locks, from the cache.
type DriftPage struct {
	Name, Template, Group, Mode string
	TemplateURL, GroupURL       string
	EditURL                     string // "" when the staff member may not change standards
	EnforceURL                  string // enforce mode: brings the drifted customers back ("" in report mode, with none drifted, or for who may not)
	CSVURL, AllURL, DriftedURL  string
	OnlyDrifted                 bool
	Columns                     []DriftColumn
	Rows                        []DriftRow // the customers shown (all, or only the drifted)
	Customers                   int        // in the group now
	DriftedCustomers            int        // with at least one drifted value or lock
	MissingCustomers            int        // with at least one setting their plan lacks
	NotRead                     int        // whose settings were never read
	Compliant                   int        // with every cell compliant
	OldestRead                  time.Time  // the oldest read among those read
	// History lists the latest changes of the group's customers at the standard's settings
	// and locks (newest first, bounded), from the audit log; HistoryMore says older ones exist.
	History     []DriftChange
	HistoryMore bool
}

// DriftChange is one change of a customer's setting (or lock) at a path of the standard:
// made through Tierdesk (By names who) or seen in Zoom (External).
type DriftChange struct {
	At          time.Time
	Customer    string
	CustomerURL string
	Setting     string // the setting's name (", lock" for a lock)
	Before      string // in words; "—" when absent
	After       string
	By          string // the staff member or job that changed it, or "Seen in Zoom" (with Zoom's operator when it named one)
	External    bool
	EventURL    string // the audit event
}

// DriftColumn is one setting (or lock) of the template, with how many customers differ.
type DriftColumn struct {
	Label   string // the setting's name (", lock" for a lock)
	Section string
	Want    string // the template's value in words
	Drifted int    // customers with another value (or lock)
	Missing int    // customers whose settings lack it
}

// DriftRow is one customer of the report.
type DriftRow struct {
	Name    string
	URL     string
	Account string
	ReadAt  time.Time // when its settings were last read (zero: never)
	Drifted int       // its drifted values and locks
	Missing int       // its settings the plan lacks
	Cells   []DriftCell
}

// DriftCell is one customer's setting against the template: its State (Drift*) and, when
// drifted, Zoom's current value in words.
type DriftCell struct {
	State string
	Value string
	// Source is who or what made the value's latest change the audit log knows ("seen in
	// Zoom", a staff member's email, "a Tierdesk job"), at SourceAt; "" when it knows none.
	Source   string
	SourceAt time.Time
	External bool // the latest change was seen in Zoom
}
