package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

var customerStatuses = []store.CustomerStatus{store.CustomerActive, store.CustomerDraft, store.CustomerPending, store.CustomerGone, store.CustomerDisassociated}

// customerFilter reads the list's filter from the query string; values out of reach or
// unknown are dropped.
func customerFilter(q url.Values, reach []int64) store.CustomerFilter {
	f := store.CustomerFilter{Query: q.Get("q"), After: q.Get("after"), Plan: q.Get("plan"), Fuzzy: q.Get("fuzzy") == "1"}
	if pid, err := strconv.ParseInt(q.Get("partner"), 10, 64); err == nil && contains(reach, pid) {
		f.PartnerID = pid
	}
	for _, s := range customerStatuses {
		if q.Get("status") == string(s) {
			f.Status = s
		}
	}
	if pm := q.Get("pay_mode"); pm == zoom.PayModeMaster || pm == zoom.PayModeSub {
		f.PayMode = pm
	}
	f.NearSeats = q.Get("seats") == "near"
	if tag, err := store.NormalizeTag(q.Get("tag")); err == nil {
		f.Tag = tag
	} else {
		f.Tag = strings.ToLower(q.Get("tag")) // no customer has it: the list says none matches
	}
	switch s := store.CustomerSort(q.Get("sort")); s {
	case store.SortNewest, store.SortSeats, store.SortUpdated, store.SortSeatUse:
		f.Sort = s
	}
	return f
}

// customersList lists the customers in reach (GET /customers), and the results fragment for
// htmx.
func (h *Handlers) customersList(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewCustomer, target{Type: "customer"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	q := r.URL.Query()
	f := customerFilter(q, a.Reach)
	if err := h.listGroup(r, &f); err != nil {
		return err
	}
	page, err := h.store.Customers(ctx, a.Partner.ID, f)
	if err != nil {
		return err
	}
	export := withQuery("/customers.csv", q, "after", "")
	if page.Fuzzy {
		export = withQuery("/customers.csv", q, "fuzzy", "1")
	}
	p := templates.CustomersPage{Query: f.Query, ExportURL: export, Fuzzy: page.Fuzzy,
		Filtered: !f.AsGroupFilter().Empty() || f.Tag != "" || f.GroupID != 0}
	ids := make([]int64, 0, len(page.Customers))
	for _, c := range page.Customers {
		ids = append(ids, c.ID)
	}
	// The seats used, for the rows whose directory was read (one more round trip, for the page).
	uses, err := h.store.SeatUses(ctx, a.Partner.ID, ids)
	if err != nil {
		return err
	}
	for _, c := range page.Customers {
		row := customerRow(c, a.Partner.ID)
		if row.ReadOnly {
			row.Delegated = h.delegatedRole(a, c.ZoomAccountID)
		}
		if su, ok := uses[c.ID]; ok && c.Seats > 0 {
			row.SeatUse = seatBar(c, su)
		}
		p.Rows = append(p.Rows, row)
	}
	switch {
	case page.More:
		p.Count = fmt.Sprintf("More than %s customers", templates.Thousands(store.CountCap))
	case page.Total == 1:
		p.Count = "1 customer"
	case page.Total > 0:
		p.Count = templates.Thousands(page.Total) + " customers"
	}
	if page.Next != "" {
		p.NextURL = withQuery("/customers", q, "after", page.Next)
	}
	if f.After != "" {
		p.FirstURL = withQuery("/customers", q, "after", "")
	}
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "customer-results" {
		h.render(w, r, http.StatusOK, templates.CustomerResults(p))
		return nil
	}
	m, err := h.filterMenus(ctx, a.Partner.ID, strconv.FormatInt(f.PartnerID, 10), string(f.Status), f.PayMode, f.Plan)
	if err != nil {
		return err
	}
	p.PartnerOpts, p.StatusOpts, p.PayModeOpts, p.PlanOpts = m.partners, m.statuses, m.payModes, m.plans
	p.SeatOpts = []templates.Option{{Value: "near", Label: "At 90 % or more", Selected: f.NearSeats}}
	p.SortOpts = []templates.Option{
		{Value: string(store.SortNewest), Label: "Newest first", Selected: f.Sort == store.SortNewest},
		{Value: string(store.SortSeats), Label: "Most seats", Selected: f.Sort == store.SortSeats},
		{Value: string(store.SortSeatUse), Label: "Fullest first (seats used)", Selected: f.Sort == store.SortSeatUse},
		{Value: string(store.SortUpdated), Label: "Recently changed", Selected: f.Sort == store.SortUpdated},
	}
	groups, err := h.store.GroupNames(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		p.GroupOpts = append(p.GroupOpts, templates.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name, Selected: g.ID == f.GroupID})
	}
	tags, err := h.store.CustomerTags(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, t := range tags {
		p.TagOpts = append(p.TagOpts, templates.Option{Value: t.Tag, Label: t.Tag, Selected: t.Tag == f.Tag})
	}
	if f.Tag != "" && !slices.ContainsFunc(p.TagOpts, func(o templates.Option) bool { return o.Selected }) {
		p.TagOpts = append(p.TagOpts, templates.Option{Value: f.Tag, Label: f.Tag, Selected: true}) // no customer has it (now)
	}
	if h.allowed(r, policy.ManageGroups) && f.GroupID == 0 && (!f.AsGroupFilter().Empty() || f.Tag != "") {
		p.SaveAsGroup = saveAsGroupURL(q, f)
	}
	p.CanSync = h.allowed(r, policy.SyncCustomers)
	p.CanCreate = h.allowed(r, policy.EditCustomer)
	p.LastSync = h.lastSync(r)
	h.render(w, r, http.StatusOK, templates.Customers(h.chrome(r, "Customers", "customers"), p))
	return nil
}

// customersExport streams exactly the list's current filter as CSV (GET /customers.csv).
func (h *Handlers) customersExport(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewCustomer, target{Type: "customer"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	f := customerFilter(r.URL.Query(), a.Reach)
	if err := h.listGroup(r, &f); err != nil {
		return err
	}
	name := fmt.Sprintf("tierdesk-customers-%s.csv", time.Now().UTC().Format("20060102-150405"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	started := false
	err := h.store.ExportCustomers(ctx, a.Partner.ID, f, func(c store.Customer) error {
		if !started {
			started = true
			if err := cw.Write([]string{"account_id", "account_name", "owner_email", "plan", "seats", "pay_mode", "status", "partner", "read_only", "zoom_created_at", "synced_at", "tags"}); err != nil {
				return err
			}
		}
		return cw.Write([]string{c.ZoomAccountID, csvSafe(c.AccountName), csvSafe(c.OwnerEmail), csvSafe(c.AccountType), strconv.Itoa(c.Seats), c.PayMode,
			string(c.Status), csvSafe(c.PartnerName), strconv.FormatBool(c.PartnerID != a.Partner.ID), isoTime(c.ZoomCreatedAt), isoTime(c.SyncedAt), csvSafe(strings.Join(c.Tags, ", "))})
	})
	if err != nil {
		if !started {
			return err
		}
		h.log.LogAttrs(ctx, slog.LevelError, "customer export failed", slog.String("error", err.Error()))
		panic(http.ErrAbortHandler)
	}
	if !started {
		cw.Write([]string{"account_id", "account_name", "owner_email", "plan", "seats", "pay_mode", "status", "partner", "read_only", "zoom_created_at", "synced_at", "tags"})
	}
	cw.Flush()
	return cw.Error()
}

// listGroup puts the list's ?group= into f: a group of the acting partner, or 404 with a
// denied event (another partner's, or none).
func (h *Handlers) listGroup(r *http.Request, f *store.CustomerFilter) error {
	raw := r.URL.Query().Get("group")
	if raw == "" {
		return nil
	}
	g, err := h.groupTarget(r, raw, policy.ViewPartner)
	if err != nil {
		return err
	}
	f.GroupID = g.ID
	return nil
}

// saveAsGroupURL is the new-group form filled with the list's filter (q, its query).
func saveAsGroupURL(q url.Values, f store.CustomerFilter) string {
	v := url.Values{}
	if f.Tag != "" && f.AsGroupFilter().Empty() {
		v.Set("kind", string(store.GroupByTag))
		v.Set("tag", f.Tag)
		return paths.With(paths.GroupNew, v)
	}
	v.Set("kind", string(store.GroupByFilter))
	for _, k := range []string{"q", "status", "pay_mode", "plan", "seats", "partner"} {
		if q.Get(k) != "" {
			v.Set(k, q.Get(k))
		}
	}
	return paths.With(paths.GroupNew, v)
}

func isoTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// allowed reports whether the acting staff member may take action on their own partner's
// things, without auditing (for showing or hiding buttons; the action itself authorizes).
func (h *Handlers) allowed(r *http.Request, action policy.Action) bool {
	a := staffFrom(r.Context())
	return policy.Decide(a.policyActor(), action, policy.Target{}) == policy.Allow
}

// allowedOn is allowed for an action on the acting partner's own customer c (a member
// limited to groups may change a customer in scope, not the partner as a whole).
func (h *Handlers) allowedOn(r *http.Request, action policy.Action, c store.Customer) bool {
	a := staffFrom(r.Context())
	return c.PartnerID == a.Partner.ID &&
		policy.Decide(a.policyActor(), action, policy.Target{PartnerID: c.PartnerID, CustomerID: c.ZoomAccountID}) == policy.Allow
}

func contains(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func customerRow(c store.Customer, actingPartner int64) templates.CustomerRow {
	r := templates.CustomerRow{AccountID: c.ZoomAccountID, Name: c.AccountName, OwnerEmail: c.OwnerEmail, Type: c.AccountType,
		Seats: c.Seats, PayMode: payModeShort(c.PayMode, c.PartnerID != actingPartner), Partner: c.PartnerName, ReadOnly: c.PartnerID != actingPartner, Status: string(c.Status),
		URL: paths.Customer(c.ZoomAccountID), Tags: tagLinks(c.Tags)}
	if r.Name == "" {
		r.Name = c.ZoomAccountID
	}
	if c.SyncedAt != nil {
		r.SyncedAt = *c.SyncedAt
	}
	switch c.Status {
	case store.CustomerActive:
		r.StatusKind = "ok"
	case store.CustomerGone, store.CustomerDisassociated:
		r.StatusKind = "bad"
	default:
		r.StatusKind = "warn"
	}
	onboardingStatus(&r, c)
	return r
}

// customerHead is the top of every customer page; tab is the current tab's path suffix.
func (h *Handlers) customerHead(r *http.Request, c store.Customer, tab string, d detailsView) templates.CustomerHead {
	a := staffFrom(r.Context())
	head := templates.CustomerHead{Row: customerRow(c, a.Partner.ID), ReadOnly: c.PartnerID != a.Partner.ID, Notice: d.Notice,
		CanEdit: h.allowedOn(r, policy.EditCustomer, c) && c.Status == store.CustomerActive}
	// The tier path: the acting partner, the resellers down to the customer's, the customer.
	head.Crumbs = []templates.Crumb{{Label: a.Partner.Name, URL: "/customers"}}
	if c.PartnerID != a.Partner.ID {
		if path, err := h.store.PartnerPath(r.Context(), a.Partner.ID, c.PartnerID); err == nil {
			for _, p := range path[1:] {
				head.Crumbs = append(head.Crumbs, templates.Crumb{Label: p.Name, URL: paths.CustomersOfPartner(p.ID)})
			}
		} else {
			// Only a name: the page is still right without the reseller's link.
			head.Crumbs = append(head.Crumbs, templates.Crumb{Label: c.PartnerName, URL: paths.CustomersOfPartner(c.PartnerID)})
			h.log.LogAttrs(r.Context(), slog.LevelWarn, "breadcrumbs", slog.Int64("partner_id", c.PartnerID), slog.String("error", err.Error()))
		}
	}
	head.Crumbs = append(head.Crumbs, templates.Crumb{Label: c.AccountName})
	for _, t := range []struct{ label, suffix string }{{"Overview", ""}, {"Users", "/users"}, {"Settings", "/settings"}, {"Plans", "/plans"}, {"Activity", "/activity"}} {
		if head.ReadOnly && t.suffix == "/activity" {
			continue // the reseller's own log
		}
		head.Tabs = append(head.Tabs, templates.Tab{Label: t.label, URL: paths.CustomerTab(c.ZoomAccountID, strings.TrimPrefix(t.suffix, "/")), Current: t.suffix == tab})
	}
	return head
}

// customerPage shows one customer's overview (GET /customers/{accountId}), from the cache,
// refreshed from Zoom when older than a minute.
func (h *Handlers) customerPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ViewCustomer)
	if err != nil {
		return err
	}
	if !c.InZoom() {
		// Being onboarded, and Zoom has not created it yet: its onboarding is all there is to see.
		if o, err := h.store.OnboardingOfCustomer(ctx, c.PartnerID, c.ID); err == nil {
			http.Redirect(w, r, onboardingJobURL(o), http.StatusSeeOther)
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	d, err := h.customerDetails(r, c, "account", "plans", "managed_domains", "trusted_domains")
	if err != nil {
		return err
	}
	p := templates.CustomerPage{Onboarding: h.customerOnboarding(r, c), Head: h.customerHead(r, c, "", d), AuditURL: paths.CustomerActivity(c.ZoomAccountID)}
	p.Notes = notesPanel(c, h.allowedOn(r, policy.EditCustomer, c))
	p.Tags = tagsPanel(c, h.allowedOn(r, policy.EditCustomer, c))
	fact := func(list *[]templates.Fact, label, value string) {
		if value != "" {
			*list = append(*list, templates.Fact{Label: label, Value: value})
		}
	}
	var acct zoom.SubAccountDetail
	_ = json.Unmarshal(d.Account, &acct)
	fact(&p.Facts, "Owner", c.OwnerEmail)
	fact(&p.Facts, "Plan", c.AccountType)
	fact(&p.Facts, "Seats", strconv.Itoa(c.Seats))
	if c.Status == store.CustomerActive {
		su, err := h.store.SeatUseOf(r.Context(), a.Partner.ID, c.ID)
		if err != nil {
			return err
		}
		if su.DirRead {
			p.Seats = seatBar(c, su)
		}
		chart, err := h.seatChart(r, c.ID, "Seats of "+c.AccountName+", last 90 days")
		if err != nil {
			return err
		}
		p.SeatHistory = &chart
	}
	fact(&p.Facts, "Account number", c.AccountNumber)
	fact(&p.Facts, "Created", day(c.ZoomCreatedAt))
	fact(&p.Facts, "Subscription", strings.Trim(day(c.SubscriptionStart)+" – "+day(c.SubscriptionEnd), " –"))
	vanity := c.VanityURL // as the row was read before the refresh above: Zoom's answer is newer
	if d.Account != nil {
		vanity = acct.VanityURL
	}
	fact(&p.Facts, "Vanity URL", vanity)
	fact(&p.Facts, "Managed by", c.PartnerName)
	if d.Account != nil {
		pay := payModeLabel(acct.Options.PayMode)
		if c.PartnerID != a.Partner.ID && acct.Options.PayMode == zoom.PayModeMaster {
			pay = c.PartnerName + " pays (master)" // a reseller's customer: "you" would be wrong
		}
		fact(&p.Options, "Pay mode", pay)
		fact(&p.Options, "Auto-renew", yesNo(acct.Options.BillingAutoRenew))
		fact(&p.Options, "Shares room connectors", yesNo(acct.Options.ShareRC))
		fact(&p.Options, "Shares meeting connectors", yesNo(acct.Options.ShareMC))
	} else if msg := d.Unreliable["account"]; msg != "" {
		fact(&p.Options, "Not available", msg)
	}
	var plans zoom.Plans
	switch {
	case d.Unreliable["plans"] != "":
		p.PlanNote = d.Unreliable["plans"]
	case json.Unmarshal(d.Plans, &plans) == nil && plans.PlanBase != nil:
		fact(&p.Plan, "Base plan", templates.PlanLabel(plans.PlanBase.Type)+" ("+plans.PlanBase.Type+")")
		fact(&p.Plan, "Hosts", strconv.Itoa(plans.PlanBase.Hosts))
		fact(&p.Plan, "Status", plans.PlanBase.Status)
		fact(&p.Plan, "Next invoice", day(timePtr(plans.PlanBase.NextInvoiceDate)))
	case len(d.Plans) == 0:
		p.PlanNote = "Tierdesk has not seen this customer's plans yet."
	default:
		p.PlanNote = "No plan is subscribed through you."
	}
	var managed zoom.ManagedDomains
	if msg := d.Unreliable["managed_domains"]; msg != "" {
		p.DomainsNote = msg
	} else if json.Unmarshal(d.ManagedDomains, &managed) == nil {
		for _, md := range managed.Domains {
			fact(&p.ManagedDomains, "Managed", md.Domain+" ("+md.Status+")")
		}
	}
	_ = json.Unmarshal(d.TrustedDomains, &p.TrustedDomains)
	if len(p.ManagedDomains) == 0 && len(p.TrustedDomains) == 0 && p.DomainsNote == "" {
		p.DomainsNote = "No managed or trusted domains."
	}
	if uc, err := h.store.CustomerUserCounts(ctx, a.Partner.ID, c.ZoomAccountID); err == nil {
		p.Users = &templates.UsersSummary{Active: uc.Active, Inactive: uc.Inactive, Pending: uc.Pending, Total: uc.Total,
			URL: paths.Users(c.ZoomAccountID)}
		if uc.SyncedAt != nil {
			p.Users.SyncedAt = *uc.SyncedAt
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if !p.Head.ReadOnly {
		events, err := h.store.AuditEvents(ctx, a.Partner.ID, store.AuditFilter{CustomerID: c.ZoomAccountID, Limit: 40})
		if err != nil {
			return err
		}
		// The newest eight kinds of change; a run of the same (an onboarding's steps) is one line.
		for _, e := range events.Events {
			row := auditRow(e, nil)
			if e.TargetType == "customer" {
				row.Target = "" // this customer: the page says so already
			}
			if n := len(p.Activity); n > 0 && p.Activity[n-1].Action == row.Action && p.Activity[n-1].Outcome == row.Outcome && p.Activity[n-1].Staff == row.Staff {
				p.Activity[n-1].Repeats++
				continue
			}
			if len(p.Activity) == 8 {
				break
			}
			p.Activity = append(p.Activity, row)
		}
	}
	h.render(w, r, http.StatusOK, templates.Customer(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}

func day(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func timePtr(t zoom.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// payModeShort names a pay mode in a list cell: who pays Zoom. For a reseller's customer
// (readOnly) the primary that pays is that reseller (the row's Partner column names it).
func payModeShort(mode string, readOnly bool) string {
	switch {
	case mode == zoom.PayModeMaster && readOnly:
		return "Reseller pays"
	case mode == zoom.PayModeMaster:
		return "You pay"
	case mode == zoom.PayModeSub:
		return "Customer pays"
	case mode == "":
		return "—" // not read from Zoom yet
	}
	return mode
}

// statusLabel names a customer status in the list's filter.
func statusLabel(s store.CustomerStatus) string {
	switch s {
	case store.CustomerActive:
		return "Active"
	case store.CustomerGone:
		return "Gone from Zoom"
	case store.CustomerDisassociated:
		return "Disassociated"
	case store.CustomerDraft:
		return "Being onboarded"
	case store.CustomerPending:
		return "Waiting for Zoom's answer"
	}
	return string(s)
}

// seatBar is a customer's seats as the pages show them: the seats bought (the customer row's)
// and su's licensed and invited users, with the way to its plans.
func seatBar(c store.Customer, su store.SeatUse) *templates.SeatBar {
	return &templates.SeatBar{Seats: c.Seats, Licensed: su.Licensed, Pending: su.Pending, PlansURL: paths.CustomerPlans(c.ZoomAccountID)}
}

// listMenus are the customer list's filter menus, which a filter group's form offers too.
type listMenus struct {
	tree                                []store.TreeNode
	partners, statuses, payModes, plans []templates.Option
}

// filterMenus builds the customer list's filter menus for partnerID, with the values given
// (as the form sends them) chosen.
func (h *Handlers) filterMenus(ctx context.Context, partnerID int64, partner, status, payMode, plan string) (listMenus, error) {
	var m listMenus
	var err error
	if m.tree, err = h.store.PartnerTree(ctx, partnerID); err != nil {
		return m, err
	}
	for _, t := range m.tree {
		label := strings.Repeat("— ", t.Depth) + t.Name
		if t.PartnerID == partnerID {
			label += " (yours)"
		}
		v := strconv.FormatInt(t.PartnerID, 10)
		m.partners = append(m.partners, templates.Option{Value: v, Label: label, Selected: v == partner})
	}
	for _, s := range customerStatuses {
		m.statuses = append(m.statuses, templates.Option{Value: string(s), Label: statusLabel(s), Selected: string(s) == status})
	}
	for _, pm := range []string{zoom.PayModeMaster, zoom.PayModeSub} {
		m.payModes = append(m.payModes, templates.Option{Value: pm, Label: payModeLabel(pm), Selected: pm == payMode})
	}
	plans, err := h.store.CustomerPlans(ctx, partnerID)
	if err != nil {
		return m, err
	}
	for _, pl := range plans {
		m.plans = append(m.plans, templates.Option{Value: pl, Label: pl, Selected: strings.EqualFold(pl, plan)})
	}
	return m, nil
}
