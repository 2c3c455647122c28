package templates

import "time"

// CustomersPage is the customer list: every customer in reach, own ones editable.
type CustomersPage struct {
	Query       string
	PartnerOpts []Option
	StatusOpts  []Option
	PayModeOpts []Option
	PlanOpts    []Option
	SeatOpts    []Option // the seats filter: any, or near or over the limit
	SortOpts    []Option
	GroupOpts   []Option // the partner's groups (?group=)
	TagOpts     []Option // the tags in use (?tag=)
	SaveAsGroup string   // the new-group form filled with this filter ("" when there is nothing to save)
	Rows        []CustomerRow
	NextURL     string
	FirstURL    string
	ExportURL   string
	Filtered    bool
	Fuzzy       bool   // no exact match: near misses shown
	Count       string // "52 customers", "More than 1,000 customers"
	CanSync     bool
	CanCreate   bool
	LastSync    *JobSummary
}

// CustomerRow is one customer in the list.
type CustomerRow struct {
	AccountID  string
	Name       string
	OwnerEmail string
	Type       string
	Seats      int
	PayMode    string
	Partner    string
	ReadOnly   bool // a descendant partner's customer
	// Delegated is the role the signed-in member acts with on this descendant's customer under
	// an active delegation ("" when none): shown instead of "read only".
	Delegated  string
	Status     string
	StatusKind string
	StatusURL  string // where the status leads: a customer being onboarded, to its onboarding
	SyncedAt   time.Time
	URL        string
	SeatUse    *SeatBar // the seats used, in lists that read them (nil: the directory was not read)
	Tags       []TagLink
}

// Tab is one tab of a page with tabs.
type Tab struct {
	Label, URL string
	Current    bool
}

// CustomerHead is the top of every customer page: name, status, tabs, freshness.
type CustomerHead struct {
	Row      CustomerRow
	Crumbs   []Crumb // the tier path: the acting partner, any reseller between, the customer
	ReadOnly bool
	Tabs     []Tab
	Notice   string // Zoom could not be reached: shown from the cache
	CanEdit  bool   // an admin of the customer's own partner
}

// CustomerPage is the customer's overview.
type CustomerPage struct {
	Head           CustomerHead
	Facts          []Fact
	Options        []Fact
	Plan           []Fact
	PlanNote       string
	ManagedDomains []Fact
	TrustedDomains []string
	DomainsNote    string
	Users          *UsersSummary
	Notes          NotesPanel
	Tags           TagsPanel
	Activity       []AuditRow
	AuditURL       string
	Onboarding     *OnboardingProgress // how the customer was onboarded, nil when not through Tierdesk
	Seats          *SeatBar            // paid seats and their use, from the directory (nil before it was read)
	SeatHistory    *SeatChart          // the customer's seats over time
}

// NotesPanel is a customer's local fields: external reference and notes (its tags are
// edited in TagsPanel).
type NotesPanel struct {
	Action      string
	CanEdit     bool
	Saved       bool
	ExternalRef string
	Notes       string
	Errors      map[string]string
}

// UsersSummary counts a customer's users as the directory last saw them.
type UsersSummary struct {
	Active, Inactive, Pending, Total int
	SyncedAt                         time.Time
	URL                              string
}

// JobSummary is a job in a list or a card.
type JobSummary struct {
	ID       string
	Title    string
	Status   string
	Kind     string // badge kind
	Done     int
	Total    int
	Failed   int
	Message  string
	When     time.Time
	URL      string
	Finished bool
}

// JobPage is one job's progress.
type JobPage struct {
	Job      JobSummary
	Percent  int
	Started  time.Time
	Finished time.Time
	BackURL  string
	BackText string
}

// TierRow is one partner of the tier tree on the dashboard.
type TierRow struct {
	Name     string
	Depth    int
	Active   int
	Gone     int
	Other    int
	Seats    int
	Used     int  // seats used in the partner's latest snapshot
	HasUsed  bool // the partner has a snapshot
	URL      string
	ReadOnly bool
}

// Crumb is one step of a breadcrumb trail; the last has no URL (the page itself).
type Crumb struct {
	Label, URL string
}

// orNone is a read-only field's text, or "—" when it is empty (a blank beside its label
// reads as a field that failed to load).
func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
