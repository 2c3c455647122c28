package handlers

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// auditNames names what audit events refer to (customers, staff members, users, jobs) from
// the acting partner's own data, read under row-level security: a customer or job out of its
// reach, or another partner's staff member, keeps the id the event recorded, unlinked.
type auditNames struct {
	refs store.AuditRefs
	self store.Partner // the acting partner: its own Zoom account is named, not looked up
}

// auditNamesOf looks up, in one round trip, what events name.
func (h *Handlers) auditNamesOf(ctx context.Context, a *actor, events []store.AuditEvent) (auditNames, error) {
	var q store.AuditRefsQuery
	seenAccount, seenStaff, seenJob := map[string]bool{}, map[int64]bool{}, map[string]bool{}
	account := func(id string) {
		if id != "" && id != a.Partner.ZoomAccountID && !seenAccount[id] {
			seenAccount[id] = true
			q.Accounts = append(q.Accounts, id)
		}
	}
	job := func(id string) {
		if id != "" && !seenJob[id] {
			seenJob[id] = true
			q.Jobs = append(q.Jobs, id)
		}
	}
	for _, e := range events {
		account(e.CustomerID)
		if e.StaffID != nil && !seenStaff[*e.StaffID] {
			seenStaff[*e.StaffID] = true
			q.Staff = append(q.Staff, *e.StaffID)
		}
		switch e.TargetType {
		case "customer":
			account(e.TargetID)
		case "staff":
			if id, err := strconv.ParseInt(e.TargetID, 10, 64); err == nil && id > 0 && !seenStaff[id] {
				seenStaff[id] = true
				q.Staff = append(q.Staff, id)
			}
		case "job":
			job(e.TargetID)
		}
		job(e.JobID)
	}
	refs, err := h.store.AuditRefs(ctx, a.Partner.ID, q)
	return auditNames{refs: refs, self: a.Partner}, err
}

// customer names a customer by its Zoom account id: its name and page when in reach, the
// partner's own account in words, else nothing ("" name: the page shows the id).
func (n auditNames) customer(accountID string) (name, link string) {
	if accountID == "" {
		return "", ""
	}
	if accountID == n.self.ZoomAccountID {
		return n.self.Name + " (your own Zoom account)", ""
	}
	if c, ok := n.refs.Customers[accountID]; ok {
		return customerRef(c).Name, paths.Customer(c.ZoomAccountID)
	}
	return "", ""
}

// staff names a staff member of the partner's own: their name and the staff page (a removed
// member is named, not linked: the staff page no longer lists them).
func (n auditNames) staff(id int64) (name, link string) {
	s, ok := n.refs.Staff[id]
	if !ok {
		return "", ""
	}
	if s.Status == store.StaffRemoved {
		return s.Name() + " (removed)", ""
	}
	return s.Name(), paths.StaffMember(s.ID)
}

// job names a job in reach: its title and its page.
func (n auditNames) job(id string) (title, link string) {
	j, ok := n.refs.Jobs[id]
	if !ok {
		return "", ""
	}
	if j.Title == "" {
		return "Job", paths.Job(j.ID)
	}
	return j.Title, paths.Job(j.ID)
}

// row is auditRow with names and links.
func (n auditNames) row(e store.AuditEvent, q url.Values) templates.AuditRow {
	r := auditRow(e, q)
	r.CustomerName, r.CustomerURL = n.customer(e.CustomerID)
	if e.StaffID != nil {
		r.StaffName, r.StaffURL = n.staff(*e.StaffID)
	}
	r.TargetKind, r.TargetName, r.TargetURL = n.target(e)
	if e.JobID != "" && !(e.TargetType == "job" && e.TargetID == e.JobID) {
		r.JobName, r.JobURL = n.job(e.JobID)
	}
	return r
}

// targetKinds name the kinds of target for people.
var targetKinds = map[string]string{
	"customer": "Customer", "user": "User", "staff": "Staff member", "job": "Job", "partner": "Partner", "session": "Session",
	"grant": "Zoom credentials", "audit": "Audit log", "audit_event": "Audit event", "import": "Bulk file", "onboarding": "Onboarding",
	"settings_template": "Settings template", "request": "Request", "search": "Search", "zoom_account": "Zoom account",
	"zoom_user": "Zoom user", "group": "Customer group",
}

// target names an event's target: its kind in words, its name, and its page when it has one
// in reach.
func (n auditNames) target(e store.AuditEvent) (kind, name, link string) {
	if e.TargetType == "" {
		return "", "", ""
	}
	kind = targetKinds[e.TargetType]
	if kind == "" {
		kind = audit.Action(e.TargetType).Words()
	}
	name = e.TargetLabel
	if name == "" {
		name = e.TargetID
	}
	switch e.TargetType {
	case "customer":
		if cn, cl := n.customer(e.TargetID); cn != "" {
			name, link = cn, cl
		}
	case "user":
		// A user's page is under their customer: linked when the customer is in reach, and the
		// user was not removed by this very event.
		if _, cl := n.customer(e.CustomerID); cl != "" && e.TargetID != "" &&
			!(e.Outcome == store.OutcomeSucceeded && (e.Action == audit.UserDelete || e.Action == audit.UserDisassociate)) {
			account := e.CustomerID
			if e.Action == audit.UserMove && e.Outcome == store.OutcomeSucceeded {
				if to := movedTo(e); to != "" {
					if _, tl := n.customer(to); tl == "" {
						return kind, name, "" // moved out of reach
					}
					account = to
				}
			}
			link = paths.User(account, e.TargetID)
		}
	case "staff":
		if id, err := strconv.ParseInt(e.TargetID, 10, 64); err == nil {
			if sn, sl := n.staff(id); sn != "" {
				name, link = sn, sl
			}
		}
	case "job":
		if jn, jl := n.job(e.TargetID); jl != "" {
			link = jl
			if e.TargetLabel == "" {
				name = jn
			}
		}
	}
	return kind, name, link
}

// movedTo is the customer a user.move event moved its user to (its details' after), or "".
func movedTo(e store.AuditEvent) string {
	var d struct {
		After struct {
			Customer string `json:"customer"`
		} `json:"after"`
	}
	if json.Unmarshal(e.Details, &d) != nil {
		return ""
	}
	return d.After.Customer
}
