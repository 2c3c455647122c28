// Package policy is Tierdesk's one authorization policy: a pure function of who is acting,
// what they want to do and what they want to do it to. Every handler asks it before acting.
//
// Reach: staff of partner P act on P's own things. They may read, and only read, the
// customers and jobs of partners below P (the distributor's roll-up): acting inside a
// descendant's customer needs that descendant's own Zoom grant. Anything else is out of
// reach, and out of reach answers "not found", never "forbidden", so that nobody learns what
// exists elsewhere.
//
// Roles: viewer reads; support also manages users inside customers; admin also changes
// customers, plans, settings and tags, manages customer groups, disassociates and runs bulk
// jobs, and asks for, answers and ends delegations; owner also manages staff and credentials.
//
// Delegation: a partner may let the partner directly above it act on some of its customers
// with a role, for a time (store.ActiveDelegation). Delegated turns a member of that partner
// above into an actor of the owner limited to those customers, with the delegation's role,
// while it is active and only for members whose own role is at least that role; everything
// outside it is decided as before (a descendant's customer is read only, another's not found).
//
// Scope: a staff member of any role may be limited to some of the partner's customer groups
// (Actor.Scope). A customer outside the scope is out of reach like another partner's: not
// found. What works on the partner as a whole rather than on customers in scope (staff,
// credentials, groups, standards, settings templates, syncs, bulk jobs, creating customers) is
// forbidden to such a member (Limited), since it would reach, or could widen the scope to,
// customers outside it. Reading the partner's pages stays allowed; what they show of customers
// is the scope's (row-level security).
package policy

import (
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
)

// Action is something staff may try to do.
type Action string

// The actions the portal knows. Read actions end in ".view". Each is an audit action
// (internal/audit): a refusal is audited as the action it refused.
const (
	ViewPartner          = Action(audit.PermViewPartner)       // dashboard, tree, audit log, staff list
	ViewCustomer         = Action(audit.PermViewCustomer)      // a customer, its users, settings, plans
	ViewJob              = Action(audit.PermViewJob)           // a job's progress and results
	ManageUsers          = Action(audit.PermManageUsers)       // add, edit, activate/deactivate, remove users
	EditCustomer         = Action(audit.PermEditCustomer)      // create, change options, owner, settings, plans
	DisassociateCustomer = Action(audit.CustomerDisassociate)  // disassociate a sub account
	SyncCustomers        = Action(audit.PermSync)              // sync the customer list from Zoom now
	RunBulk              = Action(audit.PermRunBulk)           // start bulk jobs (imports, bulk changes)
	CancelJob            = Action(audit.JobCancel)             // cancel a running job
	ManageStaff          = Action(audit.PermManageStaff)       // invite, change role, suspend, remove staff
	ManageGrants         = Action(audit.PermManageGrants)      // the partner's Zoom credentials and webhook
	ManageGroups         = Action(audit.PermManageGroups)      // create, change and delete customer groups
	ManageStandards      = Action(audit.PermManageStandards)   // create, change and delete settings standards
	ManageDelegations    = Action(audit.PermManageDelegations) // ask for, answer and end delegations
)

// minimum is the least role that may take each action on its own partner's things.
var minimum = map[Action]store.Role{
	ViewPartner:          store.RoleViewer,
	ViewCustomer:         store.RoleViewer,
	ViewJob:              store.RoleViewer,
	ManageUsers:          store.RoleSupport,
	EditCustomer:         store.RoleAdmin,
	DisassociateCustomer: store.RoleAdmin,
	SyncCustomers:        store.RoleAdmin,
	RunBulk:              store.RoleAdmin,
	CancelJob:            store.RoleAdmin,
	ManageStaff:          store.RoleOwner,
	ManageGrants:         store.RoleOwner,
	ManageGroups:         store.RoleAdmin,
	ManageStandards:      store.RoleAdmin,
	ManageDelegations:    store.RoleAdmin,
}

// readOnly are the actions allowed on a descendant partner's things.
var readOnly = map[Action]bool{ViewCustomer: true, ViewJob: true}

var rank = map[store.Role]int{store.RoleViewer: 1, store.RoleSupport: 2, store.RoleAdmin: 3, store.RoleOwner: 4}

// Actor is who is acting: a staff member of a partner, and the partners within its reach
// (itself first, then every partner below it). Scope, when not nil, limits the member to the
// customers of some groups.
type Actor struct {
	PartnerID int64
	Role      store.Role
	Reach     []int64
	Scope     *store.Scope
	// Delegation, when not nil, is the delegation the actor acts under (Delegated): PartnerID
	// is then its owner, Role its role and Scope its customers.
	Delegation *store.ActiveDelegation
}

// Delegated returns a, a member of d's delegate, as they act under d on d's owner's
// customers: the owner's actor with d's role, limited to d's customers. It is false when d is
// not their partner's, has ended by now, their own role is less than d's, or they are limited
// to customer groups (a limit of their own partner's customers, which d's are not).
func Delegated(a Actor, d store.ActiveDelegation, now time.Time) (Actor, bool) {
	if a.Delegation != nil || a.Scope != nil || d.DelegatePartnerID != a.PartnerID || a.PartnerID == 0 ||
		!now.Before(d.ExpiresAt) || rank[a.Role] < rank[d.Role] || rank[d.Role] == 0 || rank[d.Role] > rank[store.RoleAdmin] {
		return Actor{}, false
	}
	return Actor{PartnerID: d.OwnerPartnerID, Role: d.Role, Reach: []int64{d.OwnerPartnerID},
		Scope: &store.Scope{IDs: d.CustomerIDs, Accounts: d.Accounts}, Delegation: &d}, true
}

// Target is what the action is on: the partner that owns it (the direct partner of a
// customer, the partner of a job or staff member; zero means the acting partner itself), and
// the customer it is about, by Zoom account id ("" when it is about no one customer).
type Target struct {
	PartnerID  int64
	CustomerID string
}

// partnerWide are the actions that, taken on no one customer, work on the partner as a whole:
// a member limited to groups may not take them (Limited).
var partnerWide = map[Action]bool{
	EditCustomer: true, SyncCustomers: true, RunBulk: true, CancelJob: true, ManageStaff: true,
	ManageGrants: true, ManageGroups: true, ManageStandards: true, ManageDelegations: true,
}

// Decision is the policy's answer.
type Decision int

// Decisions.
const (
	Allow     Decision = iota
	NotFound           // out of reach: answer 404, as if it did not exist
	Forbidden          // in reach, but the role may not: answer 403
	Limited            // the role may, but the member is limited to groups and this is partner-wide: answer 403
)

// String names the decision, as the audit log's denied events record it.
func (d Decision) String() string {
	return [...]string{"allow", "not found", "forbidden", "limited to groups"}[d]
}

// Decide says whether actor may take action on target.
func Decide(actor Actor, action Action, target Target) Decision {
	least, known := minimum[action]
	if !known || actor.PartnerID == 0 || !actor.Role.Valid() {
		return NotFound
	}
	owner := target.PartnerID
	if owner == 0 {
		owner = actor.PartnerID
	}
	if owner != actor.PartnerID {
		if !readOnly[action] || !contains(actor.Reach, owner) {
			return NotFound
		}
	}
	if target.CustomerID != "" && !actor.Scope.Has(target.CustomerID) {
		return NotFound
	}
	if rank[actor.Role] < rank[least] {
		return Forbidden
	}
	// A member limited to groups, or acting under a delegation (whose customers are its scope),
	// never acts on the partner as a whole.
	if actor.Scope != nil && target.CustomerID == "" && partnerWide[action] {
		return Limited
	}
	return Allow
}

// Least returns the least role that may take action (for messages).
func Least(action Action) store.Role { return minimum[action] }

func contains(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}
