package handlers

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// customerChoice is how the audit filter's customer field was understood: the customers'
// account ids the log is filtered by, what the field shows, and what the page says about it.
type customerChoice struct {
	ids     []string // Zoom account ids; none when the field is empty
	shown   string   // the field's text: the customer's name, or what was typed
	note    string   // said above the results when the field needs explaining
	choices []templates.AuditLink
	unknown bool // the text named no customer in reach: the log is filtered by it as an account id
}

// suggestionLimit is how many customers the customer field suggests.
const suggestionLimit = 20

// auditFilterOf reads the audit filter from the query string (auditFilter) and understands
// its customer field: a customer's name (or part of one) in the acting partner's reach, or a
// Zoom account id as earlier links and the customer pages give it. Customers are looked up as
// the partner (row-level security): a name out of its reach is never matched or shown.
func (h *Handlers) auditFilterOf(ctx context.Context, a *actor, q url.Values) (store.AuditFilter, customerChoice, error) {
	f := auditFilter(q)
	var values []string
	for _, v := range q["customer"] {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	var choice customerChoice
	switch len(values) {
	case 0:
		return f, choice, nil
	case 1:
		var err error
		if choice, err = h.resolveCustomer(ctx, a, q, values[0]); err != nil {
			return f, choice, err
		}
	default:
		// Several account ids: the exports of a name several customers share.
		choice = customerChoice{ids: values, shown: strings.Join(values, ", ")}
	}
	f.CustomerIDs = choice.ids
	return f, choice, nil
}

// resolveCustomer understands the text v of the customer field (see auditFilterOf); q is the
// rest of the filter, kept in the links offered to choose a customer.
func (h *Handlers) resolveCustomer(ctx context.Context, a *actor, q url.Values, v string) (customerChoice, error) {
	// "Name [account id]": one of several customers of that name, as the suggestions offer it.
	if i := strings.LastIndex(v, " ["); i > 0 && strings.HasSuffix(v, "]") {
		c, err := h.store.CustomerByAccount(ctx, a.Partner.ID, v[i+2:len(v)-1])
		if err == nil {
			return customerChoice{ids: []string{c.ZoomAccountID}, shown: v}, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return customerChoice{}, err
		}
	}
	// A Zoom account id: the customer pages' links to their activity, and earlier links.
	if v == a.Partner.ZoomAccountID {
		return customerChoice{ids: []string{v}, shown: v}, nil
	}
	if c, err := h.store.CustomerByAccount(ctx, a.Partner.ID, v); err == nil {
		name := customerRef(c).Name
		same, err := h.customersNamed(ctx, a, name)
		if err != nil {
			return customerChoice{}, err
		}
		if len(same) > 1 {
			name = suggestionValue(c, true)
		}
		return customerChoice{ids: []string{c.ZoomAccountID}, shown: name}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return customerChoice{}, err
	}
	// A name, or part of one.
	page, err := h.store.Customers(ctx, a.Partner.ID, store.CustomerFilter{Query: v, AllStatus: true, Limit: suggestionLimit})
	if err != nil {
		return customerChoice{}, err
	}
	var exact []store.Customer
	for _, c := range page.Customers {
		if strings.EqualFold(strings.TrimSpace(customerRef(c).Name), v) {
			exact = append(exact, c)
		}
	}
	choose := func(cs []store.Customer) []templates.AuditLink {
		var out []templates.AuditLink
		for _, c := range cs {
			out = append(out, templates.AuditLink{Label: suggestionLabel(a, c, true), URL: withQuery("/audit", q, "customer", c.ZoomAccountID, "before", "")})
		}
		return out
	}
	switch {
	case len(exact) == 1:
		return customerChoice{ids: []string{exact[0].ZoomAccountID}, shown: customerRef(exact[0]).Name}, nil
	case len(exact) > 1:
		ids := make([]string, len(exact))
		for i, c := range exact {
			ids[i] = c.ZoomAccountID
		}
		return customerChoice{ids: ids, shown: v, choices: choose(exact),
			note: "Several customers are named “" + v + "”: the log shows the events of each of them. To see one, choose it:"}, nil
	case len(page.Customers) == 1 && !page.Fuzzy:
		c := page.Customers[0]
		return customerChoice{ids: []string{c.ZoomAccountID}, shown: customerRef(c).Name,
			note: "Showing " + customerRef(c).Name + ", the one customer whose name, owner or account id holds “" + v + "”."}, nil
	case len(page.Customers) > 0:
		return customerChoice{ids: []string{v}, shown: v, unknown: true, choices: choose(page.Customers),
			note: "No customer is named “" + v + "”. Did you mean one of these?"}, nil
	}
	// Nothing in reach by that name: an account id the log may still hold (a customer no
	// longer listed), as earlier versions filtered.
	return customerChoice{ids: []string{v}, shown: v, unknown: true}, nil
}

// customersNamed lists the customers in reach whose name is name (case aside).
func (h *Handlers) customersNamed(ctx context.Context, a *actor, name string) ([]store.Customer, error) {
	page, err := h.store.Customers(ctx, a.Partner.ID, store.CustomerFilter{Query: name, AllStatus: true, Limit: suggestionLimit})
	if err != nil {
		return nil, err
	}
	var out []store.Customer
	for _, c := range page.Customers {
		if strings.EqualFold(strings.TrimSpace(customerRef(c).Name), strings.TrimSpace(name)) {
			out = append(out, c)
		}
	}
	return out, nil
}

// customerSuggestions are the customer field's choices for its text v: the customers in
// reach whose name, owner or account id holds it (the first by name when v is empty). Each
// is offered by its name, or by its name and account id when it shares its name with another.
func (h *Handlers) customerSuggestions(ctx context.Context, a *actor, v string) ([]templates.Option, error) {
	page, err := h.store.Customers(ctx, a.Partner.ID, store.CustomerFilter{Query: strings.TrimSpace(v), AllStatus: true, Limit: suggestionLimit})
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, c := range page.Customers {
		count[strings.ToLower(customerRef(c).Name)]++
	}
	var out []templates.Option
	for _, c := range page.Customers {
		shared := count[strings.ToLower(customerRef(c).Name)] > 1
		out = append(out, templates.Option{Value: suggestionValue(c, shared), Label: suggestionLabel(a, c, false)})
	}
	return out, nil
}

// suggestionValue is what the customer field holds for c: its name, with its account id when
// another customer shares the name ("Acme [abc123]").
func suggestionValue(c store.Customer, shared bool) string {
	if shared {
		return customerRef(c).Name + " [" + c.ZoomAccountID + "]"
	}
	return customerRef(c).Name
}

// suggestionLabel says which customer c is beside its name: whose customer it is (a reseller's,
// for a distributor) and its status when it is not active; withName puts the name first.
func suggestionLabel(a *actor, c store.Customer, withName bool) string {
	var parts []string
	if withName {
		parts = append(parts, customerRef(c).Name)
	}
	if c.PartnerID != a.Partner.ID && c.PartnerName != "" {
		parts = append(parts, c.PartnerName+"'s customer")
	}
	if c.Status != store.CustomerActive {
		parts = append(parts, string(c.Status))
	}
	parts = append(parts, "account "+c.ZoomAccountID)
	return strings.Join(parts, " · ")
}
