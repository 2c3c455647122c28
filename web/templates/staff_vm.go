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
}

// RoleOption is a role with what it may do.
type RoleOption struct {
	Value, Label, Help string
}
