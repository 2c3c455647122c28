package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// dashboard is the partner's home page: customers per tier and status, seats, recent
// activity and running jobs.
func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "partner"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	d := templates.DashboardPage{PartnerName: a.Partner.Name, ZoomAccountID: a.Partner.ZoomAccountID, SignedInAt: a.SignedInAt,
		CanSync: h.allowed(r, policy.SyncCustomers), LastSync: h.lastSync(r)}
	if a.Partner.ParentID != nil {
		if parent, err := h.store.Partner(ctx, *a.Partner.ParentID); err == nil {
			d.ParentName = parent.Name
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	tiers, err := h.store.CustomerCounts(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	used, err := h.store.SeatsUsedByPartner(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, t := range tiers {
		row := templates.TierRow{Name: t.PartnerName, Depth: t.Depth, Active: t.ByStatus[store.CustomerActive], Gone: t.ByStatus[store.CustomerGone],
			Seats: t.Seats, ReadOnly: t.PartnerID != a.Partner.ID, URL: paths.CustomersOfPartner(t.PartnerID)}
		row.Used, row.HasUsed = used[t.PartnerID]
		for s, n := range t.ByStatus {
			if s != store.CustomerActive && s != store.CustomerGone {
				row.Other += n
			}
		}
		d.TotalActive += row.Active
		d.TotalSeats += row.Seats
		d.Tiers = append(d.Tiers, row)
	}
	counts, err := h.store.CountStaff(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	d.StaffActive, d.StaffInvited = counts[store.StaffActive], counts[store.StaffInvited]
	g, err := h.store.StaffGrant(ctx, a.Partner.ID, a.Staff.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.GrantStatus = "none"
	case err != nil:
		return err
	default:
		d.GrantStatus = string(g.Status)
	}
	events, err := h.store.AuditEvents(ctx, a.Partner.ID, store.AuditFilter{Limit: 8})
	if err != nil {
		return err
	}
	for _, e := range events.Events {
		d.Activity = append(d.Activity, auditRow(e, nil))
	}
	if d.Attention, err = h.attention(r); err != nil {
		return err
	}
	if d.Seats, err = h.seatChart(r, 0, "Seats of your customers, last 90 days"); err != nil {
		return err
	}
	running, err := h.store.ActiveJobs(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, j := range running {
		d.Jobs = append(d.Jobs, jobSummary(j))
	}
	h.render(w, r, http.StatusOK, templates.Dashboard(h.chrome(r, "Dashboard", "dashboard"), d))
	return nil
}

// attention lists what needs someone at the acting partner, most urgent first, each with the
// page that fixes it.
func (h *Handlers) attention(r *http.Request) ([]templates.AttentionItem, error) {
	a := staffFrom(r.Context())
	at, err := h.store.NeedsAttention(r.Context(), a.Partner.ID)
	if err != nil {
		return nil, err
	}
	now := h.cfg.Now()
	var out []templates.AttentionItem
	add := func(kind, title, detail, url, action string) {
		out = append(out, templates.AttentionItem{Kind: kind, Title: title, Detail: detail, URL: url, Action: action})
	}
	for _, g := range at.Grants {
		if g.Kind == "s2s" {
			add("bad", "Zoom no longer accepts the Server-to-Server app ("+g.Status+")",
				"Background work (syncs, bulk jobs, onboarding) stops until it is connected again.", "/settings", "Connect the app")
			continue
		}
		if g.Status == "revoked" {
			// Tierdesk itself revokes a user's grant when they sign out (and when they are
			// suspended or removed): nothing is wrong, they sign in again when they come back.
			// Zoom's refusals (a refresh refused, the app deauthorized) mark a grant expired.
			continue
		}
		add("bad", g.StaffEmail+"'s Zoom sign-in "+g.Status, "They sign in to Tierdesk again to renew it.", "/staff", "Staff")
	}
	for _, o := range at.StoppedOnboardings {
		add("bad", "Onboarding of "+cmp.Or(o.AccountName, "a new customer")+" stopped",
			"Zoom refused a step "+ago(now, o.UpdatedAt)+"; it waits for someone to fix and retry it, skip it or abandon it.",
			paths.Onboarding(o.ID), "Open the onboarding")
	}
	for _, j := range at.FailedJobs {
		detail := "Failed"
		if j.FinishedAt != nil {
			detail += " " + ago(now, *j.FinishedAt)
		}
		if j.Message != "" {
			detail += ": " + j.Message
		}
		add("bad", j.Title, detail, paths.Job(j.ID), "Open the job")
	}
	for _, j := range at.StuckJobs {
		add("warn", j.Title, "No progress for "+strings.TrimSuffix(ago(now, j.UpdatedAt), " ago")+".", paths.Job(j.ID), "Open the job")
	}
	for _, s := range at.Seats {
		kind, verb := "warn", "near its limit"
		if s.Used() > s.Seats {
			kind, verb = "bad", "over its limit"
		} else if s.Used() == s.Seats {
			kind, verb = "bad", "at its limit"
		}
		detail := fmt.Sprintf("%d of %d paid seats used by licensed users", s.Used(), s.Seats)
		if s.Pending > 0 {
			detail += fmt.Sprintf(" (%d of them invited, not yet accepted)", s.Pending)
		}
		add(kind, s.Customer.AccountName+" is "+verb, detail+". Zoom refuses new licensed users beyond the seats bought.",
			paths.CustomerPlans(s.Customer.ZoomAccountID), "Plans")
	}
	if c := at.OldInvitationsAt; c != nil {
		add("warn", templates.Plural(at.OldInvitations, "invitation", "invitations")+" pending over 7 days",
			"Zoom's invitations expire; resend or remove them. Most are at "+c.AccountName+".", paths.Users(c.ZoomAccountID), "Users of "+c.AccountName)
	}
	if c := at.StaleDirectoryAt; c != nil {
		add("warn", templates.Plural(at.StaleDirectories, "user directory", "user directories")+" not read for over a day",
			"Search may miss their users; the stalest is "+c.AccountName+"'s.", paths.Users(c.ZoomAccountID), "Refresh it")
	}
	// Delegated access: requests waiting for this partner's answer, delegations ending soon.
	waiting, ending, err := h.store.DelegationAttention(r.Context(), a.Partner.ID, now)
	if err != nil {
		return nil, err
	}
	if waiting > 0 {
		verb := "wait"
		if waiting == 1 {
			verb = "waits"
		}
		add("bad", templates.Plural(waiting, "request for delegated access", "requests for delegated access")+" "+verb+" for your answer",
			"An owner or admin approves or declines; unanswered requests lapse after 7 days.", paths.Access(), "Access")
	}
	if ending > 0 {
		verb := "end"
		if ending == 1 {
			verb = "ends"
		}
		add("warn", templates.Plural(ending, "delegation", "delegations")+" "+verb+" within a day",
			"Ask again before it ends if the work is not done.", paths.Access(), "Access")
	}
	// Subscriptions ending: the narrowest window that holds any (the renewals page lists all).
	for i, days := range []int{30, 60, 90} {
		if n := at.Ending[i]; n > 0 {
			verb := "end"
			if n == 1 {
				verb = "ends"
			}
			add("warn", fmt.Sprintf("%s %s within %d days", templates.Plural(n, "subscription", "subscriptions"), verb, days),
				"Check auto-renew and the plans before they end.", "/renewals", "Renewals")
			break
		}
	}
	// Broken before soon-a-problem; the order within each kind is kept.
	slices.SortStableFunc(out, func(x, y templates.AttentionItem) int { return cmp.Compare(kindRank(x.Kind), kindRank(y.Kind)) })
	return out, nil
}

// kindRank orders attention items: bad first.
func kindRank(kind string) int {
	if kind == "bad" {
		return 0
	}
	return 1
}

// renewals lists the subscriptions of the customers in reach by end date (GET /renewals, any
// staff member): those ending within 90 days, and those that ended in the last week.
func (h *Handlers) renewals(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "partner"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	now := h.cfg.Now()
	list, err := h.store.Renewals(r.Context(), a.Partner.ID, now.AddDate(0, 0, 90), 500)
	if err != nil {
		return err
	}
	p := templates.RenewalsPage{}
	for _, c := range list {
		row := templates.RenewalRow{Customer: customerRow(c, a.Partner.ID), Ends: *c.SubscriptionEnd}
		days := int(c.SubscriptionEnd.Sub(now).Hours() / 24)
		switch {
		case days < 0:
			row.Left, row.Kind = "ended "+ago(now, *c.SubscriptionEnd), "bad"
		case days <= 30:
			row.Left, row.Kind = "in "+templates.Plural(days, "day", "days"), "bad"
		case days <= 60:
			row.Left, row.Kind = "in "+templates.Plural(days, "day", "days"), "warn"
		default:
			row.Left, row.Kind = "in "+templates.Plural(days, "day", "days"), "info"
		}
		p.Rows = append(p.Rows, row)
	}
	h.render(w, r, http.StatusOK, templates.Renewals(h.chrome(r, "Renewals", "dashboard"), p))
	return nil
}

// seatChart is the chart of the daily seat snapshots of the acting partner's customers
// (customerID 0) or of one customer, over the last 90 days.
func (h *Handlers) seatChart(r *http.Request, customerID int64, title string) (templates.SeatChart, error) {
	a := staffFrom(r.Context())
	points, err := h.store.SeatHistory(r.Context(), a.Partner.ID, customerID, h.cfg.Now().AddDate(0, 0, -90))
	if err != nil {
		return templates.SeatChart{}, err
	}
	days := make([]templates.SeatDay, 0, len(points))
	for _, p := range points {
		days = append(days, templates.SeatDay{Day: p.Day, Seats: p.Seats, Used: p.Used, Customers: p.Customers})
	}
	return templates.NewSeatChart(title, days, customerID == 0), nil
}
