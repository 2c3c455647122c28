package templates

import "time"

// StaffPage is the staff list with the invitation form.
type StaffPage struct {
	CanManage   bool
	Rows        []StaffRow
	InviteEmail string
	InviteRole  string
	Errors      map[string]string
	RoleOpts    []RoleOption
}

// StaffRow is one staff member.
type StaffRow struct {
	ID         int64
	Name       string
	Email      string
	Role       string // owner, admin, support, viewer
	RoleLabel  string
	Status     string
	StatusKind string // badge kind
	LastSignIn time.Time
	IsYou      bool
	Reach      string // "Every customer", or the groups the member is limited to
	Limited    bool
	ScopeURL   string // the form limiting the member to groups (owners)
}

// RoleOption is a role with what it may do.
type RoleOption struct {
	Value, Label, Help string
}

// StaffScopePage is the form limiting a staff member to some of the partner's customer groups.
type StaffScopePage struct {
	Name, Email, Role string
	URL               string // where the form posts
	Groups            []ScopeGroup
	Error             string // the problem with the choice, shown beside it
}

// ScopeGroup is one group the staff member may be limited to.
type ScopeGroup struct {
	ID      string
	Name    string
	Rule    string // the group's rule in words
	Members string // how many customers it holds now
	Checked bool
}
