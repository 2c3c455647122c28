package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// delegationTarget loads the delegation a request names for action (recordTarget: text that
// is not a number, an unknown id and a delegation the partner is on neither side of are the
// same audited 404).
func (h *Handlers) delegationTarget(r *http.Request, action policy.Action) (store.Delegation, error) {
	return recordTarget(h, r, chi.URLParam(r, "delegationId"), "delegation", action, h.store.Delegation, delegationLabel)
}

// delegationLabel names d in the audit log: "Northwind for Contoso as support".
func delegationLabel(d store.Delegation) string {
	return d.DelegateName + " for " + d.OwnerName + " as " + string(d.Role)
}

// timeLeft says how long from now until t, for people: "2 days 3 h", "5 h 10 min", "12 min".
func timeLeft(now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "0 min"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if hours == 0 {
		return templates.Plural(days, "day", "days")
	}
	return fmt.Sprintf("%s %d h", templates.Plural(days, "day", "days"), hours)
}

// durationWords says a delegation's length: "3 days", "12 hours", "2 days 4 hours".
func durationWords(d time.Duration) string {
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	switch {
	case days == 0:
		return templates.Plural(hours, "hour", "hours")
	case hours == 0:
		return templates.Plural(days, "day", "days")
	}
	return templates.Plural(days, "day", "days") + " " + templates.Plural(hours, "hour", "hours")
}

// delegationStatus names a delegation's state at now in words, with its badge kind.
func delegationStatus(d store.Delegation, now time.Time) (string, string) {
	switch d.StateAt(now) {
	case store.DelegationPending:
		return "Waiting for an answer", "warn"
	case store.DelegationActive:
		return "Active", "ok"
	case store.DelegationDeclined:
		return "Declined", "bad"
	case store.DelegationExpired:
		return "Expired", "info"
	case store.DelegationLapsed:
		return "Lapsed", "info"
	case store.DelegationEnded:
		if d.StartsAt == nil {
			return "Withdrawn", "info"
		}
		return "Ended", "info"
	}
	return d.Status, "info"
}

// sideName names a side of d for people: the partner's own staff ("you") or the other side.
func sideName(d store.Delegation, me, partnerID int64) string {
	if partnerID == me {
		return "you"
	}
	if partnerID == d.OwnerPartnerID {
		return d.OwnerName
	}
	return d.DelegateName
}

// delegationRow is d as partner me sees it at now, with the buttons a member who may manage
// delegations gets.
func delegationRow(d store.Delegation, me int64, now time.Time, canManage bool) templates.DelegationRow {
	row := templates.DelegationRow{ID: d.ID, URL: paths.Delegation(d.ID), Counterpart: d.Counterpart(me), Role: d.Role.Label(),
		Duration: durationWords(d.Duration), Reason: d.Reason, AskedAt: d.RequestedAt, Count: templates.Plural(len(d.Customers), "customer", "customers")}
	if d.SideOf(me) == store.SideDelegate {
		row.Direction = "You act for " + d.OwnerName
	} else {
		row.Direction = d.DelegateName + " acts for you"
	}
	asker := d.OwnerName
	if d.RequestedBy == store.SideDelegate {
		asker = d.DelegateName
	}
	row.AskedBy = d.RequestedByEmail
	if d.RequestedBy != d.SideOf(me) {
		row.AskedBy += " (" + asker + ")"
	}
	var names []string
	for i, c := range d.Customers {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(d.Customers)-3))
			break
		}
		names = append(names, c.Name)
	}
	row.Customers = strings.Join(names, ", ")
	if d.GroupName != "" {
		row.Customers = "Group “" + d.GroupName + "”: " + row.Customers
	}
	row.Status, row.StatusKind = delegationStatus(d, now)
	state := d.StateAt(now)
	switch state {
	case store.DelegationPending:
		row.Lapses = "lapses in " + timeLeft(now, d.LapsesAt)
		if canManage && d.AwaitsAnswerFrom(me, now) {
			row.ApproveURL, row.DeclineURL = paths.DelegationApprove(d.ID), paths.DelegationDecline(d.ID)
			row.ApproveLabel = "Approve"
			if d.RequestedBy == store.SideOwner {
				row.ApproveLabel = "Accept"
			}
		}
		if canManage && d.SideOf(me) == d.RequestedBy {
			row.EndURL, row.EndLabel = paths.DelegationEnd(d.ID), "Withdraw"
			row.EndConfirm = "Withdraw this request? " + d.Counterpart(me) + " can no longer answer it."
		}
	case store.DelegationActive:
		row.Until = *d.ExpiresAt
		row.Left = timeLeft(now, *d.ExpiresAt) + " left"
		row.Soon = d.ExpiresAt.Sub(now) <= 24*time.Hour
		if canManage {
			row.EndURL, row.EndLabel, row.EndDanger = paths.DelegationEnd(d.ID), "End", true
			row.EndConfirm = "End this delegation now? " + d.DelegateName + "'s staff stop acting for " + d.OwnerName + " at once."
		}
	}
	switch {
	case state == store.DelegationDeclined && d.AnsweredAt != nil:
		row.Outcome = "Declined by " + d.AnsweredByEmail + " (" + sideName(d, me, otherSide(d, d.RequestedBy)) + ") " + stamp(*d.AnsweredAt)
	case state == store.DelegationEnded && d.EndedAt != nil:
		by := ""
		if d.EndedByPartner != nil {
			by = " (" + sideName(d, me, *d.EndedByPartner) + ")"
		}
		verb := "Ended"
		if d.StartsAt == nil {
			verb = "Withdrawn"
		}
		row.Outcome = verb + " by " + d.EndedByEmail + by + " " + stamp(*d.EndedAt)
	case state == store.DelegationExpired && d.ExpiresAt != nil:
		row.Outcome = "Expired " + stamp(*d.ExpiresAt)
	case state == store.DelegationLapsed:
		row.Outcome = "Nobody answered; lapsed " + stamp(d.LapsesAt)
	}
	return row
}

// otherSide is the id of the partner on the side other than side.
func otherSide(d store.Delegation, side string) int64 {
	if side == store.SideOwner {
		return d.DelegatePartnerID
	}
	return d.OwnerPartnerID
}

// accessPage lists the delegations the partner is a side of (GET /access, any staff member):
// requests to answer, its own requests, the active ones with their time left, the history.
func (h *Handlers) accessPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "delegation"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	now := h.cfg.Now()
	ds, err := h.store.Delegations(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	p := templates.AccessPage{CanManage: h.allowed(r, policy.ManageDelegations)}
	if p.CanManage {
		if p.AskBelow, p.AskAbove, p.Above, err = h.askLinks(r); err != nil {
			return err
		}
	}
	for _, d := range ds {
		row := delegationRow(d, a.Partner.ID, now, p.CanManage)
		switch d.StateAt(now) {
		case store.DelegationPending:
			if d.AwaitsAnswerFrom(a.Partner.ID, now) {
				p.Waiting = append(p.Waiting, row)
			} else {
				p.Mine = append(p.Mine, row)
			}
		case store.DelegationActive:
			p.Active = append(p.Active, row)
		default:
			p.History = append(p.History, row)
		}
	}
	h.render(w, r, http.StatusOK, templates.Access(h.chrome(r, "Access", "access"), p))
	return nil
}

// askLinks are the forms the partner may ask from: a partner below for access (when one is
// below it), the partner above for help (when it has one), and that partner's name.
func (h *Handlers) askLinks(r *http.Request) (below, above, aboveName string, err error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	kids, err := h.partnersBelow(r)
	if err != nil {
		return "", "", "", err
	}
	if len(kids) > 0 {
		below = paths.AccessNew(store.SideDelegate)
	}
	if a.Partner.ParentID != nil {
		parent, err := h.store.Partner(ctx, *a.Partner.ParentID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", "", "", err
		}
		if err == nil {
			above, aboveName = paths.AccessNew(store.SideOwner), parent.Name
		}
	}
	return below, above, aboveName, nil
}

// partnersBelow lists the partners directly below the acting partner.
func (h *Handlers) partnersBelow(r *http.Request) ([]store.TreeNode, error) {
	a := staffFrom(r.Context())
	tree, err := h.store.PartnerTree(r.Context(), a.Partner.ID)
	if err != nil {
		return nil, err
	}
	var out []store.TreeNode
	for _, n := range tree {
		if n.Depth == 1 {
			out = append(out, n)
		}
	}
	return out, nil
}

// delegationPage shows one delegation: every fact, its customers and the audit events about
// it (GET /access/{delegationId}, either side's staff).
func (h *Handlers) delegationPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.delegationTarget(r, policy.ViewPartner)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	now := h.cfg.Now()
	row := delegationRow(d, a.Partner.ID, now, h.allowed(r, policy.ManageDelegations))
	p := templates.DelegationPage{Row: row, Title: d.DelegateName + " for " + d.OwnerName + ", as " + row.Role,
		AuditURL: paths.AuditOfTarget("delegation:" + strconv.FormatInt(d.ID, 10))}
	asked := "The partner above (" + d.DelegateName + ") asked for access"
	if d.RequestedBy == store.SideOwner {
		asked = d.OwnerName + " asked the partner above (" + d.DelegateName + ") to help"
	}
	add := func(label, value string) { p.Facts = append(p.Facts, templates.Fact{Label: label, Value: value}) }
	add("Status", row.Status)
	add("Customers' partner (owner)", d.OwnerName)
	add("Acting partner (delegate)", d.DelegateName)
	add("Role", d.Role.Label()+": "+roleHelp(d.Role))
	add("Duration", durationWords(d.Duration))
	add("Reason", d.Reason)
	add("Asked", asked+", by "+d.RequestedByEmail+", "+stamp(d.RequestedAt))
	if d.GroupName != "" {
		add("Chosen as", "The customers of the group “"+d.GroupName+"” when asked")
	}
	if d.StateAt(now) == store.DelegationPending {
		add("Lapses", stamp(d.LapsesAt)+" (in "+timeLeft(now, d.LapsesAt)+") unless answered")
	}
	if d.AnsweredAt != nil {
		verb := "Declined"
		if d.StartsAt != nil {
			verb = "Approved"
		}
		add(verb, "by "+d.AnsweredByEmail+", "+stamp(*d.AnsweredAt))
	}
	if d.ExpiresAt != nil {
		until := stamp(*d.ExpiresAt)
		if row.Left != "" {
			until += " (" + row.Left + ")"
		}
		add("Until", until)
	}
	if row.Outcome != "" {
		add("Outcome", row.Outcome)
	}
	for _, c := range d.Customers {
		p.Customers = append(p.Customers, templates.DelegatedCustomerRow{Name: c.Name, Account: c.Account, URL: paths.Customer(c.Account)})
	}
	events, err := h.store.AuditEvents(ctx, a.Partner.ID, store.AuditFilter{TargetType: "delegation", TargetID: strconv.FormatInt(d.ID, 10), Limit: 100})
	if err != nil {
		return err
	}
	for _, e := range events.Events {
		ar := auditRow(e, nil)
		p.Events = append(p.Events, templates.DelegationEventRow{Time: e.OccurredAt, Who: ar.Staff, What: ar.ActionLabel,
			Outcome: ar.Outcome, Kind: ar.OutcomeKind, URL: ar.DetailURL})
	}
	h.render(w, r, http.StatusOK, templates.Delegation(h.chrome(r, p.Title, "access"), p))
	return nil
}

// roleHelp says in one line what a delegated role allows.
func roleHelp(role store.Role) string {
	switch role {
	case store.RoleViewer:
		return "reads the customers' pages, users, settings and plans; changes nothing."
	case store.RoleSupport:
		return "also manages their users: adds, edits, deactivates and moves them."
	case store.RoleAdmin:
		return "also changes the customers' settings, options and plans."
	}
	return ""
}
