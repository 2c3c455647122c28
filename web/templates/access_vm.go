package templates

import "time"

// AccessPage is the page of delegated access between tiers, for both sides: requests waiting
// for the partner's answer, its own requests waiting for the other side, the active
// delegations and the history.
type AccessPage struct {
	Waiting   []DelegationRow // requests the partner answers
	Mine      []DelegationRow // the partner's requests, waiting for the other side
	Active    []DelegationRow
	History   []DelegationRow // declined, ended, expired, lapsed, withdrawn
	CanManage bool            // may ask for, answer and end delegations (admins and up)
	AskBelow  string          // the form asking a partner below for access ("" when none is below)
	AskAbove  string          // the form asking the partner above to help ("" at the top)
	Above     string          // the partner above's name
}

// DelegationRow is one delegation in a list of the access page, as one side sees it.
type DelegationRow struct {
	ID           int64
	URL          string // its page
	Counterpart  string // the other side's name
	Direction    string // "You act for Contoso" or "Northwind acts for you"
	Role         string
	Duration     string // "3 days"
	Customers    string // the customers' names, the first few
	Count        string // "3 customers"
	Reason       string
	AskedBy      string // the email of who asked, and their partner
	AskedAt      time.Time
	Lapses       string // a pending request: "lapses in 6 days 23 h"
	Until        time.Time
	Left         string // an active one: "2 days 3 h left"
	Soon         bool   // an active one ends within a day
	Status       string // in words: "Declined", "Ended", "Expired", "Lapsed", "Withdrawn"
	StatusKind   string // badge kind: ok, warn, bad, info
	Outcome      string // who closed it and when, in words
	ApproveURL   string // "" when the staff member may not answer it
	DeclineURL   string
	EndURL       string // ends an active one, withdraws a pending one ("" when not possible)
	EndLabel     string // "End" or "Withdraw"
	EndConfirm   string // the question before ending
	EndDanger    bool   // ending stops work under way (red button); withdrawing a request does not
	ApproveLabel string // "Approve" or "Accept" (a request of the owner's)
}

// DelegationPage is one delegation: every fact, its customers and its audit events.
type DelegationPage struct {
	Row       DelegationRow
	Title     string
	Facts     []Fact
	Customers []DelegatedCustomerRow
	Events    []DelegationEventRow
	AuditURL  string // the audit log filtered to the delegation
}

// DelegatedCustomerRow is a customer a delegation covers.
type DelegatedCustomerRow struct {
	Name, Account, URL string
}

// DelegationEventRow is an audit event about a delegation.
type DelegationEventRow struct {
	Time    time.Time
	Who     string
	What    string
	Outcome string
	Kind    string // badge kind of the outcome
	URL     string // the event's page
}

// DelegationFormPage asks for a delegation. Side is "delegate" (a partner asks a partner below
// it for access to that partner's customers) or "owner" (a partner asks the partner above to
// help with its own customers). Values hold what was typed, by field name; Errors the
// refusals, by field name ("_" for the form).
type DelegationFormPage struct {
	Side      string
	BelowURL  string // switches to asking a partner below ("" when none is below)
	AboveURL  string // switches to asking the partner above ("" at the top)
	Above     string // the partner above's name
	Partners  []Option
	Partner   string // the chosen partner below (its id), whose customers are listed
	Query     string // the filter of the customer list
	Customers []CustomerChoice
	Hidden    []string // chosen customers the filter hides (kept by hidden inputs)
	More      bool     // the list stops at its limit: filter it
	Groups    []Option
	Roles     []RoleChoice
	Units     []Option
	Values    map[string]string
	Errors    map[string]string
}

// CustomerChoice is a customer offered in a delegation's form.
type CustomerChoice struct {
	Account, Name, Detail string
	Checked               bool
}

// RoleChoice is a role offered in a delegation's form, with what it allows.
type RoleChoice struct {
	Value, Label, Help string
	Checked            bool
}
