// Package paths builds the portal's own URLs: one function per route shape of
// internal/handlers/routes.go that a page links to, posts to or redirects to, named for what
// it points to. Handlers and templates build every link, form action, redirect and htmx URL
// with an id in it here, never by concatenation.
//
// Every dynamic path segment goes through url.PathEscape, so an id holding "/", "?", "#",
// "%", a space or any other reserved byte stays one segment (a pending user's page is keyed by
// an email, whose local part may hold most of them). Query strings are encoded with
// url.Values. The router hands handlers the segments unescaped again
// (handlers.unescapeParams). Escaping cannot make an id out of a word the routes use at the
// same place ("new", "quick", "sync" after /customers/ or /customers/{accountId}/users/, "."
// and ".." anywhere): Zoom's ids, emails and Tierdesk's own ids never are one.
//
// The results are strings: templates wrap them in templ.SafeURL (or templ.URL) as before.
// Fixed paths with nothing to escape ("/customers", "/imports") stay literals where used.
//
// This package imports only the standard library.
package paths

import (
	"net/url"
	"strconv"
)

// seg escapes one dynamic path segment.
func seg(s string) string { return url.PathEscape(s) }

// num is an integer id as a path segment.
func num(n int64) string { return strconv.FormatInt(n, 10) }

// With returns path followed by the query q, or path alone when q is empty. Values are
// encoded by url.Values (keys sorted), so any text is safe in them.
func With(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// Customer is a customer's overview page: /customers/{accountId}.
func Customer(accountID string) string { return "/customers/" + seg(accountID) }

// CustomerTab is one tab of a customer's pages: /customers/{accountId}/{tab}, where tab is a
// tab's name ("users", "settings", "plans", "activity"); "" is the overview (Customer).
func CustomerTab(accountID, tab string) string {
	if tab == "" {
		return Customer(accountID)
	}
	return Customer(accountID) + "/" + seg(tab)
}

// CustomerActivity is a customer's activity tab: /customers/{accountId}/activity.
func CustomerActivity(accountID string) string { return Customer(accountID) + "/activity" }

// CustomerSettings is a customer's settings tab, and the form that changes them:
// /customers/{accountId}/settings.
func CustomerSettings(accountID string) string { return Customer(accountID) + "/settings" }

// CustomerSettingsTemplate previews and applies a settings template to a customer:
// /customers/{accountId}/settings/template (the template chosen by the query "id").
func CustomerSettingsTemplate(accountID string) string {
	return CustomerSettings(accountID) + "/template"
}

// CustomerPlans is a customer's plans tab, and the form that subscribes a plan:
// /customers/{accountId}/plans.
func CustomerPlans(accountID string) string { return Customer(accountID) + "/plans" }

// CustomerPlanBase changes a customer's base plan: /customers/{accountId}/plans/base.
func CustomerPlanBase(accountID string) string { return CustomerPlans(accountID) + "/base" }

// CustomerPlanAddons adds an add-on plan to a customer: /customers/{accountId}/plans/addons.
func CustomerPlanAddons(accountID string) string { return CustomerPlans(accountID) + "/addons" }

// CustomerPlanCancel cancels a customer's plan: /customers/{accountId}/plans/cancel.
func CustomerPlanCancel(accountID string) string { return CustomerPlans(accountID) + "/cancel" }

// CustomerOptions is the form of a customer's options: /customers/{accountId}/options.
func CustomerOptions(accountID string) string { return Customer(accountID) + "/options" }

// CustomerOwner is the form that changes a customer's owner: /customers/{accountId}/owner.
func CustomerOwner(accountID string) string { return Customer(accountID) + "/owner" }

// CustomerDisassociate is the form that disassociates a customer:
// /customers/{accountId}/disassociate.
func CustomerDisassociate(accountID string) string { return Customer(accountID) + "/disassociate" }

// CustomerNotes saves a customer's local notes: /customers/{accountId}/notes.
func CustomerNotes(accountID string) string { return Customer(accountID) + "/notes" }

// Users is a customer's users page, and the form that adds one: /customers/{accountId}/users.
func Users(accountID string) string { return Customer(accountID) + "/users" }

// NewUser is the form that adds a user to a customer: /customers/{accountId}/users/new.
func NewUser(accountID string) string { return Users(accountID) + "/new" }

// UsersSync starts a sync of a customer's users: /customers/{accountId}/users/sync.
func UsersSync(accountID string) string { return Users(accountID) + "/sync" }

// UsersBulk starts a bulk job on users selected in the list: /customers/{accountId}/users/bulk.
func UsersBulk(accountID string) string { return Users(accountID) + "/bulk" }

// User is a user's page, and the form that edits the user:
// /customers/{accountId}/users/{userId}. userKey is the Zoom user id, or the email of a
// pending user (Zoom's list gives a pending user no id).
func User(accountID, userKey string) string { return Users(accountID) + "/" + seg(userKey) }

// UserStatus activates or deactivates a user: /customers/{accountId}/users/{userId}/status.
func UserStatus(accountID, userKey string) string { return User(accountID, userKey) + "/status" }

// UserRemove disassociates or deletes a user: /customers/{accountId}/users/{userId}/remove.
func UserRemove(accountID, userKey string) string { return User(accountID, userKey) + "/remove" }

// UserSettings is a user's settings, every one Zoom publishes, and the form that changes them:
// /customers/{accountId}/users/{userId}/settings.
func UserSettings(accountID, userKey string) string { return User(accountID, userKey) + "/settings" }

// UserMove moves a user to another customer: /customers/{accountId}/users/{userId}/move.
func UserMove(accountID, userKey string) string { return User(accountID, userKey) + "/move" }

// Draft continues an onboarding draft at its first step not yet saved:
// /customers/new/{draftId}.
func Draft(draftID string) string { return "/customers/new/" + seg(draftID) }

// DraftStep is one step of the onboarding wizard, its page and its form:
// /customers/new/{draftId}/{step}.
func DraftStep(draftID, step string) string { return Draft(draftID) + "/" + seg(step) }

// DraftDelete deletes an onboarding draft: /customers/new/{draftId}/delete.
func DraftDelete(draftID string) string { return Draft(draftID) + "/delete" }

// DraftStart starts the onboarding of a draft: /customers/new/{draftId}/start.
func DraftStart(draftID string) string { return Draft(draftID) + "/start" }

// Onboarding sends to an onboarding's page (its job, or its draft):
// /onboardings/{onboardingId}.
func Onboarding(onboardingID string) string { return "/onboardings/" + seg(onboardingID) }

// OnboardingStepRetry puts a failed onboarding step back in line:
// /onboardings/{onboardingId}/steps/{seq}/retry.
func OnboardingStepRetry(onboardingID string, seq int) string {
	return Onboarding(onboardingID) + "/steps/" + strconv.Itoa(seq) + "/retry"
}

// OnboardingStepSkip goes on without a failed onboarding step:
// /onboardings/{onboardingId}/steps/{seq}/skip.
func OnboardingStepSkip(onboardingID string, seq int) string {
	return Onboarding(onboardingID) + "/steps/" + strconv.Itoa(seq) + "/skip"
}

// OnboardingStepEdit corrects the values of a failed onboarding step and retries it:
// /onboardings/{onboardingId}/steps/{seq}/edit.
func OnboardingStepEdit(onboardingID string, seq int) string {
	return Onboarding(onboardingID) + "/steps/" + strconv.Itoa(seq) + "/edit"
}

// OnboardingAbandon is the page and the form that abandon a stopped onboarding:
// /onboardings/{onboardingId}/abandon.
func OnboardingAbandon(onboardingID string) string { return Onboarding(onboardingID) + "/abandon" }

// OnboardingCopy copies an abandoned onboarding into a new draft:
// /onboardings/{onboardingId}/copy.
func OnboardingCopy(onboardingID string) string { return Onboarding(onboardingID) + "/copy" }

// Job is a job's progress page: /jobs/{jobId}.
func Job(jobID string) string { return "/jobs/" + seg(jobID) }

// JobResults downloads a bulk job's per-row results: /jobs/{jobId}/results.csv.
func JobResults(jobID string) string { return Job(jobID) + "/results.csv" }

// JobCancel cancels a bulk job: /jobs/{jobId}/cancel.
func JobCancel(jobID string) string { return Job(jobID) + "/cancel" }

// Import is a checked bulk user job before it starts: /imports/{importId}.
func Import(importID string) string { return "/imports/" + seg(importID) }

// ImportStart starts a checked bulk user job: /imports/{importId}/start.
func ImportStart(importID string) string { return Import(importID) + "/start" }

// ImportDiscard discards a checked bulk user job: /imports/{importId}/discard.
func ImportDiscard(importID string) string { return Import(importID) + "/discard" }

// AuditEvent is one sealed audit event's page by its place in its chain: /audit/{seq}.
func AuditEvent(seq int64) string { return "/audit/" + num(seq) }

// AuditEventByID is one audit event's page by its permanent id, sealed or not:
// /audit/events/{eventId}. Pages link to events this way.
func AuditEventByID(id int64) string { return "/audit/events/" + num(id) }

// AuditOfCustomer is the audit log filtered to one customer: /audit?customer={accountId}.
func AuditOfCustomer(accountID string) string {
	return With("/audit", url.Values{"customer": {accountID}})
}

// AuditOfTarget is the audit log filtered to one target, as the log names it (such as
// "user:" and a user's key): /audit?target={target}.
func AuditOfTarget(target string) string { return With("/audit", url.Values{"target": {target}}) }

// CustomersOfPartner is the customer list filtered to one partner's customers:
// /customers?partner={partnerId}.
func CustomersOfPartner(partnerID int64) string {
	return With("/customers", url.Values{"partner": {num(partnerID)}})
}

// StaffMember is a staff member's row on the staff page: /staff#staff-{staffId} (the staff
// page lists every member; the row carries that id).
func StaffMember(staffID int64) string { return "/staff#" + StaffRowID(staffID) }

// StaffRowID is the HTML id of a staff member's row on the staff page: staff-{staffId}.
func StaffRowID(staffID int64) string { return "staff-" + num(staffID) }

// StaffRole changes a staff member's role: /staff/{staffId}/role.
func StaffRole(staffID int64) string { return "/staff/" + num(staffID) + "/role" }

// StaffStatus suspends or reactivates a staff member: /staff/{staffId}/status.
func StaffStatus(staffID int64) string { return "/staff/" + num(staffID) + "/status" }

// StaffScope is the form limiting a staff member to customer groups: /staff/{staffId}/scope.
func StaffScope(staffID int64) string { return "/staff/" + num(staffID) + "/scope" }

// CustomerTags saves a customer's tags: /customers/{accountId}/tags.
func CustomerTags(accountID string) string { return Customer(accountID) + "/tags" }

// CustomersWithTag is the customer list filtered to one tag: /customers?tag={tag}.
func CustomersWithTag(tag string) string { return With("/customers", url.Values{"tag": {tag}}) }

// CustomersOfGroup is the customer list filtered to one group's members:
// /customers?group={groupId}.
func CustomersOfGroup(groupID int64) string {
	return With("/customers", url.Values{"group": {num(groupID)}})
}

// CustomersCSVOfGroup is the CSV export of one group's members: /customers.csv?group={groupId}.
func CustomersCSVOfGroup(groupID int64) string {
	return With("/customers.csv", url.Values{"group": {num(groupID)}})
}

// Groups is the list of customer groups, and the form that creates one: /groups.
const Groups = "/groups"

// GroupNew is the form for a new customer group: /groups/new.
const GroupNew = Groups + "/new"

// Group is a customer group's page, listing its members, and the form that saves it:
// /groups/{groupId}.
func Group(groupID int64) string { return Groups + "/" + num(groupID) }

// GroupEdit is the form that changes a customer group: /groups/{groupId}/edit.
func GroupEdit(groupID int64) string { return Group(groupID) + "/edit" }

// GroupDelete deletes a customer group: /groups/{groupId}/delete.
func GroupDelete(groupID int64) string { return Group(groupID) + "/delete" }

// SettingsTemplate is a settings template's page, and the form that saves it:
// /settings/templates/{templateId}.
func SettingsTemplate(templateID int64) string { return "/settings/templates/" + num(templateID) }

// SettingsTemplateDelete deletes a settings template: /settings/templates/{templateId}/delete.
func SettingsTemplateDelete(templateID int64) string {
	return SettingsTemplate(templateID) + "/delete"
}

// NewSettingsTemplateFrom is the new-template form filled with a customer's settings:
// /settings/templates/new?from={accountId}.
func NewSettingsTemplateFrom(accountID string) string {
	return With("/settings/templates/new", url.Values{"from": {accountID}})
}

// ZoomLogin starts a sign-in with Zoom: /auth/zoom/login, with ?login_hint= when loginHint
// (the email to suggest) is not empty.
func ZoomLogin(loginHint string) string {
	if loginHint == "" {
		return "/auth/zoom/login"
	}
	return With("/auth/zoom/login", url.Values{"login_hint": {loginHint}})
}

// ZoomWebhook is the path of a partner's Zoom webhook endpoint, for the portal's base URL to
// prefix: /webhooks/zoom?partner={partnerId}.
func ZoomWebhook(partnerID int64) string {
	return With("/webhooks/zoom", url.Values{"partner": {num(partnerID)}})
}

// Standard is a settings standard's drift report, and the form's target that saves it:
// /standards/{standardId}.
func Standard(standardID int64) string { return "/standards/" + num(standardID) }

// StandardCSV is a standard's drift report as CSV: /standards/{standardId}?format=csv (and
// &only=drifted for the drifted customers only).
func StandardCSV(standardID int64, onlyDrifted bool) string {
	q := url.Values{"format": {"csv"}}
	if onlyDrifted {
		q.Set("only", "drifted")
	}
	return With(Standard(standardID), q)
}

// StandardDrifted is a standard's drift report showing only drifted customers:
// /standards/{standardId}?only=drifted.
func StandardDrifted(standardID int64) string {
	return With(Standard(standardID), url.Values{"only": {"drifted"}})
}

// StandardEdit is the form that changes a settings standard: /standards/{standardId}/edit.
func StandardEdit(standardID int64) string { return Standard(standardID) + "/edit" }

// StandardDelete deletes a settings standard: /standards/{standardId}/delete.
func StandardDelete(standardID int64) string { return Standard(standardID) + "/delete" }

// StandardEnforce starts bringing a standard's drifted customers back (its preview first):
// /standards/{standardId}/enforce.
func StandardEnforce(standardID int64) string { return Standard(standardID) + "/enforce" }

// Access is the page of delegated access between tiers, for both sides: /access.
func Access() string { return "/access" }

// FleetNew is the form of a change across a group's customers, with the group chosen (0:
// none): /fleet/new?group={groupId}.
func FleetNew(groupID int64) string {
	if groupID == 0 {
		return "/fleet/new"
	}
	return With("/fleet/new", url.Values{"group": {num(groupID)}})
}

// AccessNew is the form that asks for a delegation: /access/new (side "delegate" asks a
// partner below, "owner" asks the partner above; "" lets the page choose).
func AccessNew(side string) string {
	if side == "" {
		return Access() + "/new"
	}
	return With(Access()+"/new", url.Values{"side": {side}})
}

// Delegation is one delegation's page: /access/{delegationId}.
func Delegation(id int64) string { return Access() + "/" + num(id) }

// DelegationApprove approves a request for a delegation: /access/{delegationId}/approve.
func DelegationApprove(id int64) string { return Delegation(id) + "/approve" }

// DelegationDecline declines a request for a delegation: /access/{delegationId}/decline.
func DelegationDecline(id int64) string { return Delegation(id) + "/decline" }

// DelegationEnd ends an active delegation, or withdraws a request: /access/{delegationId}/end.
func DelegationEnd(id int64) string { return Delegation(id) + "/end" }
