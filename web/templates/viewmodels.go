// Package templates holds the portal's templ views. Pages take typed view models built by
// the handlers; templates hold no queries and no decisions beyond display.
package templates

import "time"

// Chrome is what the signed-in layout needs: page title, who is signed in, where they are,
// and flash messages.
type Chrome struct {
	Title   string
	Nav     string // the navigation item of the page ("dashboard", ...)
	Staff   StaffBadge
	Flashes []Flash
	Sandbox bool // the portal runs against the Zoom sandbox, not Zoom
	// Delegation says, on every page of a customer reached through a delegation, for whom and
	// until when the member acts ("" otherwise); DelegationHref links to the Access page.
	Delegation     string
	DelegationHref string
}

// StaffBadge identifies the signed-in staff member in the header.
type StaffBadge struct {
	Name        string
	Email       string
	Role        string
	PartnerName string
	// Limited names the groups a member limited to customer groups works on ("" for everyone
	// else): every page says so.
	Limited string
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // ok, info, warn, bad
	Text string
}

// NavItem is an entry of the side navigation.
type NavItem struct {
	Key, Label, Href string
}

// Nav lists the side navigation. Pages appear here as they are built.
var Nav = []NavItem{
	{Key: "dashboard", Label: "Dashboard", Href: "/"},
	{Key: "customers", Label: "Customers", Href: "/customers"},
	{Key: "groups", Label: "Customer groups", Href: "/groups"},
	{Key: "standards", Label: "Standards", Href: "/standards"},
	{Key: "imports", Label: "Bulk jobs", Href: "/imports"},
	{Key: "staff", Label: "Staff", Href: "/staff"},
	{Key: "access", Label: "Access", Href: "/access"},
	{Key: "audit", Label: "Audit log", Href: "/audit"},
	{Key: "settings", Label: "Settings", Href: "/settings"},
}

// PasswordHint says what Zoom accepts as a password, under every field that sends one to
// Zoom (a new owner's, an autoCreate user's); handlers.passwordProblem checks the same rules.
const PasswordHint = "8 to 32 characters, with upper- and lower-case letters and a digit, and no run of 6 repeated or consecutive characters such as \"aaaaaa\", \"abcdef\" or \"654321\"."

// SignInPage is the sign-in page.
type SignInPage struct {
	LoginHint string // passed on to Zoom (sandbox convenience)
	Sandbox   bool
	SignedOut bool // just signed out
}

// DashboardPage is the partner's home page.
type DashboardPage struct {
	PartnerName   string
	ZoomAccountID string
	ParentName    string // the distributor, when this partner is a reseller
	Tiers         []TierRow
	TotalActive   int
	TotalSeats    int
	StaffActive   int
	StaffInvited  int
	GrantStatus   string // active, expired, revoked, none
	SignedInAt    time.Time
	Activity      []AuditRow
	Jobs          []JobSummary
	LastSync      *JobSummary
	CanSync       bool
	Attention     []AttentionItem // what needs someone, most urgent first
	Seats         SeatChart       // the own customers' seats over time
}

// AttentionItem is one thing on the dashboard's "Needs attention" list, with the place that
// fixes it.
type AttentionItem struct {
	Kind   string // bad (broken or over a limit) or warn (soon a problem)
	Title  string
	Detail string
	URL    string
	Action string // the link's words
}

// RenewalsPage lists subscriptions by end date.
type RenewalsPage struct {
	Rows []RenewalRow
}

// RenewalRow is one customer's subscription end.
type RenewalRow struct {
	Customer CustomerRow
	Ends     time.Time
	Left     string // "in 12 days", "ended 2 days ago"
	Kind     string // bad (30 days or ended), warn (60), info (90)
}

// RegisterPage offers to register the signing-in user's Zoom account as a partner.
type RegisterPage struct {
	ZoomAccountID string
	Email         string
	RoleName      string
	ParentName    string // the partner whose customer this account is, if known
	Name          string // form value
	Errors        map[string]string
}

// MessagePage is a full-page message: errors, not found, refused sign-ins.
type MessagePage struct {
	Status    int // HTTP status shown large; 0 hides it
	Title     string
	Message   string
	RequestID string
	TraceID   string // the request's trace, when tracing is on (shown on 5xx pages)
	SignedIn  bool   // offer the dashboard rather than sign-in
	Action    string // optional link text
	ActionURL string
}

// Option is an entry of a select menu.
type Option struct {
	Value, Label string
	Selected     bool
}

// Fact is a labelled value on a detail page.
type Fact struct{ Label, Value string }

// DiffRow is one field of a before/after comparison.
type DiffRow struct {
	Field, Before, After string
	Kind                 string // changed, added, removed
}
