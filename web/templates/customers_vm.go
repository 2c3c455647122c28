package templates

import "time"

// CustomersPage is the customer list: every customer in reach, own ones editable.
type CustomersPage struct {
	Query       string
	PartnerOpts []Option
	StatusOpts  []Option
	Rows        []CustomerRow
	NextURL     string
	FirstURL    string
	Filtered    bool
	CanSync     bool
	LastSync    *JobSummary
}

// CustomerRow is one customer in the list.
type CustomerRow struct {
	AccountID  string
	Name       string
	OwnerEmail string
	Type       string
	Seats      int
	Partner    string
	ReadOnly   bool // a descendant partner's customer
	Status     string
	StatusKind string
	SyncedAt   time.Time
	URL        string
}

// CustomerPage is one customer, from the cache.
type CustomerPage struct {
	Row      CustomerRow
	Facts    []Fact
	ReadOnly bool
	Activity []AuditRow
	AuditURL string
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
	URL      string
	ReadOnly bool
}
