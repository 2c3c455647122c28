package templates

import "time"

// CustomerPortalPage is a customer's read-only page of its own account (/account): who manages
// it and through which tiers, who reaches it, and the events about it.
type CustomerPortalPage struct {
	Sandbox     bool
	AccountName string
	AccountID   string
	Manager     string // the partner that manages the account directly
	UserName    string // who signed in
	UserEmail   string
	UserRole    string         // their role in Zoom (Owner, Admin)
	Tiers       []CustomerTier // from the top partner down to the account itself
	Above       []string       // the partners above the manager, by name
	Staff       []CustomerStaff
	Active      []CustomerDelegation
	Past        []CustomerDelegation
	Events      []CustomerEvent
	PerPage     int    // events shown at once
	CSVLimit    string // the most events the CSV holds, in words
	OlderURL    string // the next page of older events, if any
	Paged       bool   // this page starts below the newest event
}

// CustomerTier is one step of the chain that manages an account.
type CustomerTier struct {
	Name string
	Kind string // above (a partner above the manager), manager, you (the account)
	Note string
}

// CustomerStaff is a staff member of the managing partner who reaches the account.
type CustomerStaff struct {
	Name    string
	Email   string
	Role    string
	Can     string // what the role may do, in words
	Limited bool   // limited to some customers (this one among them)
}

// CustomerDelegation is a partner's delegated access to the account, in force or past.
type CustomerDelegation struct {
	Partner string
	Role    string
	Can     string
	From    time.Time
	Until   time.Time // when it ends (active) or ended
	Left    string    // time left, for an active one
	Status  string
}

// CustomerEvent is one audit event about the account, as its customer reads it.
type CustomerEvent struct {
	ID          int64
	When        time.Time
	Who         string
	What        string // the action in words
	Target      string // the user it was about, if any
	Code        string // the action's code
	Outcome     string
	OutcomeKind string // ok, bad, warn, info: the badge's colour
	Summary     []string
}
