package templates

import (
	"strconv"
	"time"
)

// CustomerRef names the customer a users page is about.
type CustomerRef struct {
	AccountID string
	Name      string
	Partner   string
	URL       string // the customer's page
	UsersURL  string // its users
}

// FilterTab is a filter link with a count.
type FilterTab struct {
	Label   string
	Count   int
	URL     string
	Current bool
}

// UsersPage is the users of one customer: the directory, filtered and paged.
type UsersPage struct {
	Head       CustomerHead
	Customer   CustomerRef
	Notices    []Flash // directory freshness, Zoom unreachable, changes waiting for Zoom
	SyncedAt   time.Time
	Tabs       []FilterTab
	Status     string
	Query      string
	Rows       []UserRow
	NextURL    string
	FirstURL   string
	Range      string // "51–100 of 396": where this page is in the list
	Filtered   bool
	TypeOpts   []Option   // the type filter (Any, Basic, Licensed, ...)
	Type       string     // the type filtered on, "" for any
	Sorts      []SortLink // the sortable columns' headers
	CanBulk    bool       // bulk deactivate and remove of a selection
	BulkOff    bool       // no bulk deactivate (the Pending tab: there is nothing to deactivate)
	AddURL     string
	SyncURL    string
	BulkURL    string
	OpenChange []string // changes waiting for a look-up in Zoom
}

// UserRow is one user in a list.
type UserRow struct {
	Key         string // id, or email for a pending user without one
	Email       string
	Name        string
	Type        string
	Role        string
	Status      string
	StatusKind  string
	LastLogin   time.Time
	Created     time.Time
	URL         string
	Customer    string // search results: the customer and its partner
	CustomerURL string
	Partner     string
	ReadOnly    bool
}

// UserPage is one user of a customer: details, a settings summary, and the forms that change
// the user (for support staff and up, on the partner's own customers).
type UserPage struct {
	SettingsURL  string // the page of every setting of the user, when Zoom has them
	Head         CustomerHead
	Customer     CustomerRef
	Notices      []Flash
	Email        string
	Name         string
	Status       string
	StatusKind   string
	Role         string
	Facts        []Fact
	Settings     []Fact
	SettingsNote string
	CanManage    bool
	IsAdmin      bool // owner or admin in Zoom: Zoom refuses status changes, removal and moves
	// StatusBlocked, RemoveBlocked and MoveBlocked say why Zoom refuses that change for this
	// user (an owner or admin): its button is disabled with the reason beside it.
	StatusBlocked string
	RemoveBlocked string
	MoveBlocked   string
	OwnerURL      string // the customer's change-owner form, for the account owner (admins and up)
	Pending       bool   // invited, not accepted
	OpenChange    string
	Edit          UserEditForm
	TypeOpts      []Option
	StatusForm    UserStatusForm
	Remove        UserRemoveForm
	Move          UserMoveForm
	Activity      []AuditRow
	ActivityURL   string
}

// UserEditForm is the edit form (PATCH in Zoom).
type UserEditForm struct {
	URL         string
	FirstName   string
	LastName    string
	DisplayName string
	Type        string
	Dept        string
	JobTitle    string
	Location    string
	Errors      map[string]string
}

// UserStatusForm activates or deactivates.
type UserStatusForm struct {
	URL    string
	Action string // activate or deactivate
	Label  string
	Error  string
}

// UserRemoveForm disassociates or deletes.
type UserRemoveForm struct {
	URL               string
	Action            string // disassociate or delete
	TransferEmail     string
	TransferMeeting   bool
	TransferWebinar   bool
	TransferRecording bool
	Errors            map[string]string
}

// UserMoveForm moves the user to another customer of the same partner.
type UserMoveForm struct {
	URL    string
	To     string
	Opts   []Option // the customers to choose from, loaded only when the form is opened
	Errors map[string]string
	// Load asks for Opts (the form was opened, or comes back with an error); without it the
	// page offers "Choose a customer…" when Available.
	Load      bool
	Available bool // the partner has another active customer to move the user to
}

// NewUserPage is the form that adds a user to a customer.
type NewUserPage struct {
	Head        CustomerHead
	Customer    CustomerRef
	Action      string
	Actions     []ChoiceOption
	Type        string
	TypeOpts    []Option
	FirstName   string
	LastName    string
	Email       string
	Errors      map[string]string
	FormError   string
	PasswordSet bool // a password was entered (it is never sent back)
	Seats       *SeatBar
	// FormErrorURL, when set, is where the form error is fixed (Zoom's 2034: the Plans tab).
	FormErrorURL, FormErrorAction string
}

// SeatBar is a customer's paid seats at a glance: bought, used by licensed users, invited.
type SeatBar struct {
	Seats    int
	Licensed int
	Pending  int
	PlansURL string
}

// Used is the seats taken, invitations included.
func (s SeatBar) Used() int { return s.Licensed + s.Pending }

// Left is the seats free (never below 0).
func (s SeatBar) Left() int { return max(s.Seats-s.Used(), 0) }

// Percent is how full the seats are, 0 to 100.
func (s SeatBar) Percent() int {
	if s.Seats <= 0 {
		return 100
	}
	return min(100, s.Used()*100/s.Seats)
}

// Level is ok, warn (90 % or more) or bad (full or over).
func (s SeatBar) Level() string {
	switch {
	case s.Used() >= s.Seats:
		return "bad"
	case s.Used()*10 >= s.Seats*9:
		return "warn"
	}
	return "ok"
}

// ChoiceOption is a radio choice with an explanation.
type ChoiceOption struct {
	Value, Label, Help string
}

// num formats an int.
// Thousands writes a count with thousands separators ("10,000").
func Thousands(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func num(n int) string { return Thousands(n) }

// dateOnly formats a time as a UTC date, or "—".
func dateOnly(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

// SortLink is a sortable column's header: the link that sorts by it, and whether it is the
// current order (for aria-sort).
type SortLink struct {
	Label   string
	URL     string
	Current bool
	Dir     string // ascending or descending, for aria-sort
}
