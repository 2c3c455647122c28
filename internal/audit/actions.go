// Package audit names the actions of Tierdesk's audit log. Every event's action is one of the
// constants below: code emits them, the audit page labels them and the webhook rules match them
// from this one list, and a test fails on a constant without a label.
package audit

import (
	"slices"
	"strings"
)

// Action is what an audit event records as done (or refused). Its value is stored in
// audit_events.action and shown beside the label, so a value never changes once shipped.
type Action string

// Sessions and the partner.
const (
	SessionSignIn   Action = "session.sign_in"
	SessionSignOut  Action = "session.sign_out"
	PartnerRegister Action = "partner.register"
	PartnerParent   Action = "partner.parent"
	PartnerWebhook  Action = "partner.webhook"
	// PartnerNotifications is a change of the partner's outgoing webhook (URL, kinds, on/off,
	// secret changed or not: never the secret).
	PartnerNotifications Action = "partner.notifications"
	// PartnerNotifyTest is a test event sent to the partner's outgoing webhook.
	PartnerNotifyTest Action = "partner.notifications_test"
)

// A customer's own sign-in: an owner or admin of a customer's Zoom account signing in to read
// how the partner manages it (or such a sign-in refused), recorded in the partner's log.
const (
	SessionCustomerSignIn  Action = "session.customer_signin"
	SessionCustomerSignOut Action = "session.customer_signout"
)

// Staff.
const (
	StaffInvite    Action = "staff.invite"
	StaffRole      Action = "staff.role"
	StaffSuspend   Action = "staff.suspend"
	StaffReinstate Action = "staff.reinstate"
	StaffRemove    Action = "staff.remove"
	// StaffScope limits a staff member to customer groups, or lifts the limit.
	StaffScope Action = "staff.scope"
)

// Zoom sign-ins and apps.
const (
	GrantRefresh      Action = "grant.refresh"
	GrantExpire       Action = "grant.expire"
	GrantDeauthorized Action = "grant.deauthorized"
	GrantS2SSave      Action = "grant.s2s.save"
	GrantS2SRemove    Action = "grant.s2s.remove"
)

// Customers (sub accounts).
const (
	CustomerCreate           Action = "customer.create"
	CustomerUpdate           Action = "customer.update"
	CustomerOptions          Action = "customer.options"
	CustomerOwner            Action = "customer.owner"
	CustomerSettings         Action = "customer.settings"
	CustomerLockSettings     Action = "customer.lock_settings"
	CustomerSettingsTemplate Action = "customer.settings.template"
	CustomerNotes            Action = "customer.notes"
	CustomerTags             Action = "customer.tags" // Tierdesk's own tags of a customer, not Zoom's
	CustomerDisassociate     Action = "customer.disassociate"
	CustomerGone             Action = "customer.gone"
	CustomerBack             Action = "customer.back"
	CustomerPlanSubscribe    Action = "customer.plan.subscribe"
	CustomerPlanBase         Action = "customer.plan.base"
	CustomerPlanAddon        Action = "customer.plan.addon"
	CustomerPlanAddonUpdate  Action = "customer.plan.addon.update"
	CustomerPlanCancel       Action = "customer.plan.cancel"
)

// Settings templates (Tierdesk's own records: applying one to a customer is
// CustomerSettingsTemplate).
const (
	SettingsTemplateCreate Action = "settings_template.create"
	SettingsTemplateUpdate Action = "settings_template.update"
	SettingsTemplateDelete Action = "settings_template.delete"
)

// Customer groups (Tierdesk's own records: a partner's saved selections of customers).
const (
	GroupCreate Action = "group.create"
	GroupUpdate Action = "group.update"
	GroupDelete Action = "group.delete"
)

// Settings standards (Tierdesk's own records: a template assigned to a customer group, whose
// drift is reported).
const (
	StandardCreate Action = "standard.create"
	StandardUpdate Action = "standard.update"
	StandardDelete Action = "standard.delete"
)

// Delegated access between tiers (Tierdesk's own records; each is recorded in the logs of both
// partners, the one whose customers they are and the one acting on them).
const (
	DelegationRequest Action = "delegation.request"
	DelegationApprove Action = "delegation.approve"
	DelegationDecline Action = "delegation.decline"
	DelegationEnd     Action = "delegation.end"
	DelegationExpire  Action = "delegation.expire"
	DelegationLapse   Action = "delegation.lapse"
)

// Users of customers.
const (
	UserCreate       Action = "user.create"
	UserUpdate       Action = "user.update"
	UserActivate     Action = "user.activate"
	UserDeactivate   Action = "user.deactivate"
	UserDelete       Action = "user.delete"
	UserDisassociate Action = "user.disassociate"
	UserMove         Action = "user.move"
	UserSettings     Action = "user.settings"
)

// Jobs, imports and onboarding.
const (
	JobStart          Action = "job.start"
	JobFinish         Action = "job.finish"
	JobCancel         Action = "job.cancel"
	JobCancelRequest  Action = "job.cancel_request"
	ImportCheck       Action = "import.check"
	ImportDiscard     Action = "import.discard"
	FleetPreview      Action = "import.fleet_preview" // a change across a group's customers, previewed before it starts
	OnboardingStart   Action = "onboarding.start"
	OnboardingStep    Action = "onboarding.step"
	OnboardingFinish  Action = "onboarding.finish"
	OnboardingRetry   Action = "onboarding.retry"
	OnboardingSkip    Action = "onboarding.skip"
	OnboardingAbandon Action = "onboarding.abandon"
	OnboardingEdit    Action = "onboarding.edit" // a refused step's values corrected, before its retry
)

// RequestRefused is a request refused at the edge because what it carried is not text.
const RequestRefused Action = "request.refused"

// Permissions: an event refused by the policy records the permission it lacked (policy.Action's
// values, which are these). Two are also actions in their own right (CustomerDisassociate,
// JobCancel).
const (
	PermViewPartner       Action = "partner.view"
	PermViewCustomer      Action = "customer.view"
	PermViewJob           Action = "job.view"
	PermManageUsers       Action = "user.manage"
	PermEditCustomer      Action = "customer.edit"
	PermSync              Action = "customer.sync"
	PermRunBulk           Action = "job.bulk"
	PermManageStaff       Action = "staff.manage"
	PermManageGrants      Action = "grant.manage"
	PermManageGroups      Action = "group.manage"
	PermManageStandards   Action = "standard.manage"
	PermManageDelegations Action = "delegation.manage"
)

// labels name each action in words on the audit page (the code stays beside it: staff search
// and filter by it).
var labels = map[Action]string{
	SessionSignIn: "Signed in", SessionSignOut: "Signed out", PartnerRegister: "Registered the partner",
	SessionCustomerSignIn: "A customer signed in to read its account", SessionCustomerSignOut: "A customer signed out",
	PartnerParent: "Linked under a distributor", PartnerWebhook: "Changed the Zoom webhook",
	PartnerNotifications: "Changed the outgoing webhook", PartnerNotifyTest: "Sent a test notification",

	StaffInvite: "Invited staff", StaffRole: "Changed a role", StaffSuspend: "Suspended staff",
	StaffReinstate: "Reinstated staff", StaffRemove: "Removed staff", StaffScope: "Changed the customers staff reach",

	GrantRefresh: "Renewed a Zoom sign-in", GrantExpire: "Zoom sign-in expired", GrantDeauthorized: "App removed in Zoom",
	GrantS2SSave: "Connected the Server-to-Server app", GrantS2SRemove: "Removed the Server-to-Server app",

	CustomerCreate: "Created customer", CustomerUpdate: "Customer changed", CustomerOptions: "Changed options",
	CustomerOwner: "Changed owner", CustomerSettings: "Changed settings", CustomerLockSettings: "Changed locked settings",
	CustomerSettingsTemplate: "Applied a settings template", CustomerNotes: "Edited notes",
	CustomerTags:         "Changed tags",
	CustomerDisassociate: "Disassociated customer", CustomerGone: "Customer gone from Zoom", CustomerBack: "Customer back in Zoom",
	CustomerPlanSubscribe: "Subscribed a plan", CustomerPlanBase: "Changed the base plan", CustomerPlanAddon: "Added an add-on",
	CustomerPlanAddonUpdate: "Changed an add-on", CustomerPlanCancel: "Cancelled a plan",

	SettingsTemplateCreate: "Created a settings template", SettingsTemplateUpdate: "Changed a settings template",
	SettingsTemplateDelete: "Deleted a settings template",

	GroupCreate: "Created a customer group", GroupUpdate: "Changed a customer group", GroupDelete: "Deleted a customer group",
	StandardCreate: "Created a settings standard", StandardUpdate: "Changed a settings standard", StandardDelete: "Deleted a settings standard",

	DelegationRequest: "Asked for delegated access", DelegationApprove: "Approved delegated access",
	DelegationDecline: "Declined delegated access", DelegationEnd: "Ended delegated access",
	DelegationExpire: "Delegated access expired", DelegationLapse: "A request for delegated access lapsed",

	UserCreate: "Added user", UserUpdate: "Edited user", UserActivate: "Activated user", UserDeactivate: "Deactivated user",
	UserDelete: "Deleted user", UserDisassociate: "Disassociated user", UserMove: "Moved user", UserSettings: "Changed a user's settings",

	JobStart: "Started a job", JobFinish: "Finished a job", JobCancel: "Cancelled a job", JobCancelRequest: "Asked to cancel a job",
	ImportCheck: "Checked a file", ImportDiscard: "Discarded a checked file", FleetPreview: "Previewed a change across customers",
	OnboardingStart: "Started onboarding", OnboardingStep: "Onboarding step", OnboardingFinish: "Finished onboarding",
	OnboardingRetry: "Retried a step", OnboardingSkip: "Skipped a step", OnboardingAbandon: "Abandoned onboarding",
	OnboardingEdit: "Corrected a step",

	RequestRefused: "Refused a request that is not text",

	PermViewPartner: "Open the partner's pages", PermViewCustomer: "Open a customer", PermViewJob: "Open a job",
	PermManageUsers: "Manage users", PermEditCustomer: "Change a customer", PermSync: "Sync customers",
	PermRunBulk: "Start a bulk job", PermManageStaff: "Manage staff", PermManageGrants: "Manage Zoom credentials",
	PermManageGroups:      "Manage customer groups",
	PermManageStandards:   "Manage settings standards",
	PermManageDelegations: "Manage delegated access",
}

// Label is the action in words, or "" for a value that is not one of the constants (an event
// written by an older version keeps its code alone).
func (a Action) Label() string { return labels[a] }

// Known reports whether a is one of the constants.
func (a Action) Known() bool { _, ok := labels[a]; return ok }

// ChangesZoom reports whether the action is a change of a customer or its users at Zoom (as
// opposed to Tierdesk's own records, such as a customer's notes, or a refused permission).
func (a Action) ChangesZoom() bool { return zoomChanges[a] }

// zoomChanges are the actions that change a customer or its users at Zoom.
var zoomChanges = map[Action]bool{
	CustomerCreate: true, CustomerUpdate: true, CustomerOptions: true, CustomerOwner: true, CustomerSettings: true,
	CustomerLockSettings: true, CustomerSettingsTemplate: true, CustomerDisassociate: true, CustomerGone: true, CustomerBack: true,
	CustomerPlanSubscribe: true, CustomerPlanBase: true, CustomerPlanAddon: true, CustomerPlanAddonUpdate: true, CustomerPlanCancel: true,
	UserCreate: true, UserUpdate: true, UserActivate: true, UserDeactivate: true, UserDelete: true, UserDisassociate: true, UserMove: true, UserSettings: true,
}

// All returns every action, sorted by value (the audit page's filter lists them).
func All() []Action {
	all := make([]Action, 0, len(labels))
	for a := range labels {
		all = append(all, a)
	}
	slices.Sort(all)
	return all
}

// permissions are the actions that only name a permission: their events are refusals by the
// policy. CustomerDisassociate and JobCancel are permissions and actions in their own right,
// so they are not here.
var permissions = map[Action]bool{
	PermViewPartner: true, PermViewCustomer: true, PermViewJob: true, PermManageUsers: true, PermEditCustomer: true,
	PermSync: true, PermRunBulk: true, PermManageStaff: true, PermManageGrants: true, PermManageGroups: true, PermManageStandards: true,
	PermManageDelegations: true,
}

// Permission reports whether a only names a permission, whose events are the policy's
// refusals ("Open a customer", refused).
func (a Action) Permission() bool { return permissions[a] }

// Words is the action in words: its label, or, for a value that is not one of the constants
// (an event of an older version), its code spelled out ("legacy.thing" → "Legacy thing").
func (a Action) Words() string {
	if l := a.Label(); l != "" {
		return l
	}
	w := strings.TrimSpace(strings.NewReplacer(".", " ", "_", " ", "-", " ").Replace(string(a)))
	if w == "" {
		return "Unnamed action"
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// Area is a part of Tierdesk that actions concern. Its Prefix (the actions' code up to and
// with the first dot) is also a filter: the audit log's action filter "customer." matches
// every action that starts so.
type Area struct {
	Prefix string // "customer."
	Name   string // "Customers"
	Any    string // the filter by Prefix in words: "Any customer action"
}

// areas are the parts of Tierdesk, in the order the audit page lists them.
var areas = []Area{
	{"session.", "Sign-ins", "Any sign-in or sign-out"},
	{"partner.", "The partner", "Any change to the partner"},
	{"staff.", "Staff", "Any staff change"},
	{"grant.", "Zoom sign-ins and apps", "Any Zoom sign-in or app event"},
	{"customer.", "Customers", "Any customer action"},
	{"settings_template.", "Settings templates", "Any settings template change"},
	{"group.", "Customer groups", "Any customer group change"},
	{"standard.", "Settings standards", "Any settings standard change"},
	{"delegation.", "Delegated access", "Any delegated access event"},
	{"user.", "Users", "Any user action"},
	{"job.", "Jobs", "Any job action"},
	{"import.", "Bulk jobs", "Any bulk job action"},
	{"onboarding.", "Onboarding", "Any onboarding action"},
	{"request.", "Refused requests", "Any refused request"},
}

// Areas returns the parts of Tierdesk that actions concern, in the order pages list them.
func Areas() []Area { return slices.Clone(areas) }

// AreaOf returns the area a belongs to (by its prefix), and false for a value of no known area.
func AreaOf(a Action) (Area, bool) {
	for _, ar := range areas {
		if strings.HasPrefix(string(a), ar.Prefix) {
			return ar, true
		}
	}
	return Area{}, false
}
