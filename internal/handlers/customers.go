package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

var customerStatuses = []store.CustomerStatus{store.CustomerActive, store.CustomerDraft, store.CustomerPending, store.CustomerGone, store.CustomerDisassociated}

// customersList lists the customers in reach (GET /customers), and the results fragment for
// htmx.
func (h *Handlers) customersList(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewCustomer, target{Type: "customer"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	q := r.URL.Query()
	f := store.CustomerFilter{Query: q.Get("q"), After: q.Get("after")}
	if pid, err := strconv.ParseInt(q.Get("partner"), 10, 64); err == nil && contains(a.Reach, pid) {
		f.PartnerID = pid
	}
	for _, s := range customerStatuses {
		if q.Get("status") == string(s) {
			f.Status = s
		}
	}
	page, err := h.store.Customers(ctx, a.Partner.ID, f)
	if err != nil {
		return err
	}
	p := templates.CustomersPage{Query: f.Query, Filtered: f.Query != "" || f.PartnerID != 0 || f.Status != ""}
	for _, c := range page.Customers {
		p.Rows = append(p.Rows, customerRow(c, a.Partner.ID))
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
	counts, err := h.store.CustomerCounts(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	for _, t := range counts {
		label := strings.Repeat("— ", t.Depth) + t.PartnerName
		if t.PartnerID == a.Partner.ID {
			label += " (yours)"
		}
		v := strconv.FormatInt(t.PartnerID, 10)
		p.PartnerOpts = append(p.PartnerOpts, templates.Option{Value: v, Label: label, Selected: t.PartnerID == f.PartnerID})
	}
	for _, s := range customerStatuses {
		p.StatusOpts = append(p.StatusOpts, templates.Option{Value: string(s), Label: string(s), Selected: s == f.Status})
	}
	p.CanSync = h.allowed(r, policy.SyncCustomers)
	p.LastSync = h.lastSync(r)
	h.render(w, r, http.StatusOK, templates.Customers(h.chrome(r, "Customers", "customers"), p))
	return nil
}

// allowed reports whether the acting staff member may take action on their own partner's
// things, without auditing (for showing or hiding buttons; the action itself authorizes).
func (h *Handlers) allowed(r *http.Request, action policy.Action) bool {
	a := staffFrom(r.Context())
	return policy.Decide(policy.Actor{PartnerID: a.Partner.ID, Role: a.Staff.Role, Reach: a.Reach}, action, policy.Target{}) == policy.Allow
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
		Seats: c.Seats, Partner: c.PartnerName, ReadOnly: c.PartnerID != actingPartner, Status: string(c.Status),
		URL: "/customers/" + url.PathEscape(c.ZoomAccountID)}
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
	return r
}

// customerPage shows one customer from the cache (GET /customers/{accountId}).
func (h *Handlers) customerPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ViewCustomer)
	if err != nil {
		return err
	}
	p := templates.CustomerPage{Row: customerRow(c, a.Partner.ID), ReadOnly: c.PartnerID != a.Partner.ID,
		AuditURL: "/audit?customer=" + url.QueryEscape(c.ZoomAccountID)}
	fact := func(label, value string) {
		if value != "" {
			p.Facts = append(p.Facts, templates.Fact{Label: label, Value: value})
		}
	}
	fact("Owner", c.OwnerEmail)
	fact("Account type", c.AccountType)
	fact("Account number", c.AccountNumber)
	fact("Seats", strconv.Itoa(c.Seats))
	fact("Pay mode", c.PayMode)
	fact("Partner", c.PartnerName)
	if c.ZoomCreatedAt != nil {
		fact("Created in Zoom", c.ZoomCreatedAt.UTC().Format("2006-01-02"))
	}
	if c.SubscriptionStart != nil {
		fact("Subscription start", c.SubscriptionStart.UTC().Format("2006-01-02"))
	}
	if c.SubscriptionEnd != nil {
		fact("Subscription end", c.SubscriptionEnd.UTC().Format("2006-01-02"))
	}
	fact("Vanity URL", c.VanityURL)
	if c.SyncedAt != nil {
		fact("Synced from Zoom", c.SyncedAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if !p.ReadOnly {
		events, err := h.store.AuditEvents(ctx, a.Partner.ID, store.AuditFilter{CustomerID: c.ZoomAccountID, Limit: 10})
		if err != nil {
			return err
		}
		for _, e := range events.Events {
			p.Activity = append(p.Activity, auditRow(e, nil))
		}
	}
	h.render(w, r, http.StatusOK, templates.Customer(h.chrome(r, c.AccountName, "customers"), p))
	return nil
}
