package templates

import "time"

// ImportsPage lists the partner's bulk user jobs and offers the upload form.
type ImportsPage struct {
	CanRun      bool
	Kind        string // create, deactivate, remove
	Customer    string // default customer (Zoom account id)
	CustomerOps []Option
	FileError   string
	MaxRows     int
	Imports     []ImportSummary
}

// ImportSummary is a bulk job in a list.
type ImportSummary struct {
	Source     string
	Kind       string
	By         string
	When       time.Time
	Status     string
	StatusKind string
	Counts     string
	URL        string
}

// ImportPreviewPage is a checked bulk job waiting to be started: what will be sent, and the
// rows the check refused.
type ImportPreviewPage struct {
	Source        string
	Kind          string
	KindLabel     string
	Total         int
	Valid         int
	Invalid       int
	Notes         []string
	PerCustomer   []Fact
	Problems      []ImportRowView
	MoreProblems  int
	Sample        []ImportRowView
	SampleTitle   string // "First 20 of 195 rows to send"
	Columns       ImportColumns
	BackURL       string // the bulk jobs, or the users page a selection was made on
	BackText      string
	CanStart      bool
	StartURL      string
	StartLabel    string
	DiscardURL    string
	Remove        bool // show the remove options
	RemoveAction  string
	TransferEmail string
	Errors        map[string]string
}

// ImportColumns are the optional columns of a table of bulk job rows.
type ImportColumns struct {
	Line   bool // the file's line (a selection on a users page has none)
	Action bool // the create action (create jobs only)
	// Customers: the rows are customers (a change across customers): no user columns.
	Customers bool
}

// ImportRowView is a row of a bulk job.
type ImportRowView struct {
	Line      int
	Customer  string
	Email     string
	Name      string
	Type      string
	Action    string
	State     string
	StateKind string
	Message   string
	ZoomCode  int
}

// BulkProgress is the live part of a bulk user job's page: counts, pace, time to finish, and
// the latest failures.
type BulkProgress struct {
	Source          string
	Succeeded       int
	Failed          int
	Cancelled       int
	Invalid         int
	InvalidLabel    string // what the rows not sent by the check are called
	Left            int
	Rate            string
	ETA             string
	Failures        []ImportRowView
	MoreFailures    int
	Columns         ImportColumns
	ResultsURL      string
	CanCancel       bool
	CancelURL       string
	CancelRequested bool
}
