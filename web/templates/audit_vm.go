package templates

import "time"

// AuditListPage is the audit log with its filters.
type AuditListPage struct {
	Query        string   // free text
	From, To     string   // yyyy-mm-dd
	Customer     string   // the customer field as shown: a name (or what was typed)
	CustomerOpts []Option // the field's suggestions (htmx asks for them when it is first used)
	// CustomerNote says how the customer field was understood when it needs saying (several
	// customers of that name, none), with CustomerChoices to pick one.
	CustomerNote    string
	CustomerChoices []AuditLink
	Target          string // the target filter as the query gives it ("user:abc")
	TargetName      string // the same in words ("User ana@example.com")
	ClearTargetURL  string // the log without the target filter
	StaffOpts       []Option
	ActionGroups    []OptionGroup
	OutcomeOpts     []Option
	Rows            []AuditRow
	Filtered        bool
	EmptyText       string // what an empty list says, when not the log's own wording
	OlderURL        string // next (older) page, "" at the end
	FirstURL        string // first page of the same filter, "" on the first page
	CSVURL          string
	NDJSONURL       string
	HeadSeq         int64
	HeadHash        string // "" shows no chain head (a customer's activity)
}

// OptionGroup is a labelled group of a select menu's options.
type OptionGroup struct {
	Label   string
	Options []Option
}

// AuditLink is a link in words.
type AuditLink struct{ Label, URL string }

// AuditRow is one event in the audit table.
type AuditRow struct {
	ID          int64 // the event's permanent id
	Seq         int64 // its place in the chain; 0 while Pending
	Pending     bool  // recorded, not sealed yet: shown "sealing…", with no number
	Time        time.Time
	Staff       string // who acted: an email, "Zoom" or "Tierdesk (automatic)", and the partner above
	StaffName   string // the staff member's name when they are the partner's own ("" otherwise)
	StaffURL    string // their row on the staff page
	Action      string // the action's code
	ActionLabel string // what the event did, in words
	Target      string // the target as short text ("user ana@example.com")
	TargetKind  string // the target's kind in words ("User")
	TargetName  string // the target's name (or its recorded label or id)
	TargetURL   string // the target's page, when it has one in reach
	Customer    string // the customer's Zoom account id
	// CustomerName is the customer's name when it is in reach ("" otherwise: the account id
	// shows), and CustomerURL its page.
	CustomerName string
	CustomerURL  string
	JobName      string // the job the event is part of, when that is not its target
	JobURL       string
	Outcome      string
	OutcomeKind  string // badge kind: ok, bad, warn, info
	ZoomCode     int
	External     bool
	DetailURL    string
	Repeats      int // more events like this one right after it (folded in a short list)
}

// AuditDetailPage is one audit event with its before/after diff.
type AuditDetailPage struct {
	Row         AuditRow
	Facts       []AuditFact
	Diff        []DiffRow
	DetailsJSON string
	PrevHash    string
	Hash        string
	BackURL     string
	PrevURL     string // the event before it in the chain, "" for none
	NextURL     string // the event after it, "" for none (or not sealed yet)
	PrevSeq     int64
	NextSeq     int64
}

// AuditFact is a labelled value of an audit event, linked to its page when it has one; Note
// is shown beside it (an email beside a name, an id beside a customer).
type AuditFact struct {
	Key                     string // names it for tests: data-testid="fact-{Key}"
	Label, Value, URL, Note string
	Code                    bool // the value is an id or code, shown as such
}
