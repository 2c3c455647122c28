package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// usersList shows the users of a customer (GET /customers/{accountId}/users): the directory,
// refreshed from Zoom when older than a minute, by status, searched and paged; and the
// results fragment for htmx.
func (h *Handlers) usersList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ViewCustomer)
	if err != nil {
		return err
	}
	readOnly := c.PartnerID != a.Partner.ID
	q := r.URL.Query()
	f := store.UserFilter{Query: q.Get("q"), After: q.Get("after")}
	switch s := q.Get("status"); s {
	case store.UserActive, store.UserInactive, store.UserPending:
		f.Status = s
	}
	for _, t := range userTypes {
		if q.Get("type") == strconv.Itoa(t.Value) {
			f.Type = t.Value
		}
	}
	switch s := store.UserSort(q.Get("sort")); s {
	case store.UserSortName, store.UserSortLastLogin, store.UserSortCreated:
		f.Sort = s
	}
	fragment := r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "user-results"
	var notices []templates.Flash
	if !fragment {
		notices = h.refreshDirectory(r, c, readOnly)
		if !readOnly {
			h.resolveOpen(r, c)
		}
	}
	page, err := h.store.CustomerUsers(ctx, a.Partner.ID, c.ID, f)
	if err != nil {
		return err
	}
	base := paths.Users(c.ZoomAccountID)
	p := templates.UsersPage{Customer: customerRef(c), Notices: notices, Status: f.Status, Query: f.Query,
		Filtered: f.Query != "" || f.Status != "" || f.Type != 0, BulkURL: paths.UsersBulk(c.ZoomAccountID)}
	p.TypeOpts = append(p.TypeOpts, templates.Option{Value: "", Label: "Any type", Selected: f.Type == 0})
	for _, t := range userTypes {
		p.TypeOpts = append(p.TypeOpts, templates.Option{Value: strconv.Itoa(t.Value), Label: t.Label, Selected: f.Type == t.Value})
	}
	for _, s := range []struct {
		label string
		sort  store.UserSort
		dir   string
	}{{"Email", store.UserSortEmail, "ascending"}, {"Name", store.UserSortName, "ascending"},
		{"Last sign-in", store.UserSortLastLogin, "descending"}, {"Created", store.UserSortCreated, "descending"}} {
		p.Sorts = append(p.Sorts, templates.SortLink{Label: s.label, URL: withQuery(base, q, "sort", string(s.sort), "after", "", "from", ""),
			Current: f.Sort == s.sort, Dir: s.dir})
	}
	if !readOnly && h.allowed(r, policy.ManageUsers) {
		p.AddURL, p.SyncURL = paths.NewUser(c.ZoomAccountID), paths.UsersSync(c.ZoomAccountID)
	}
	p.CanBulk = !readOnly && h.allowed(r, policy.RunBulk)
	p.BulkOff = f.Status == store.UserPending // pending users cannot be deactivated, only removed
	for _, u := range page.Users {
		p.Rows = append(p.Rows, userRow(u))
	}
	// Where this page is in the list: its first row's place travels in the links (from).
	from := 1
	if n, err := strconv.Atoi(q.Get("from")); err == nil && n > 0 && f.After != "" {
		from = n
	}
	if page.Next != "" {
		p.NextURL = withQuery(base, q, "after", page.Next, "from", strconv.Itoa(from+len(page.Users)))
	}
	if f.After != "" {
		p.FirstURL = withQuery(base, q, "after", "", "from", "")
	}
	counts, err := h.store.CustomerUserCounts(ctx, a.Partner.ID, c.ZoomAccountID)
	if err != nil {
		return err
	}
	if len(page.Users) > 0 {
		p.Range = templates.Thousands(from) + "–" + templates.Thousands(from+len(page.Users)-1)
		if f.Query == "" {
			total := map[string]int{"": counts.Total, store.UserActive: counts.Active, store.UserInactive: counts.Inactive, store.UserPending: counts.Pending}[f.Status]
			p.Range += " of " + templates.Thousands(total)
		}
	}
	d, err := h.store.UserDirState(ctx, a.Partner.ID, c.ID)
	if err != nil {
		return err
	}
	if d.SyncedAt != nil {
		p.SyncedAt = *d.SyncedAt
	}
	if fragment {
		h.render(w, r, http.StatusOK, templates.UserResults(p))
		return nil
	}
	for _, t := range []struct {
		label, status string
		n             int
	}{{"All", "", counts.Total}, {"Active", store.UserActive, counts.Active}, {"Inactive", store.UserInactive, counts.Inactive}, {"Pending", store.UserPending, counts.Pending}} {
		u := base
		if t.status != "" {
			u += "?status=" + t.status
		}
		p.Tabs = append(p.Tabs, templates.FilterTab{Label: t.label, Count: t.n, URL: u, Current: t.status == f.Status})
	}
	if !readOnly {
		p.OpenChange = h.openChanges(r, c)
	}
	p.Head = h.customerHead(r, c, "/users", detailsView{})
	h.render(w, r, http.StatusOK, templates.UsersList(h.chrome(r, "Users of "+p.Customer.Name, "customers"), p))
	return nil
}

// syncUsers starts a sync of one customer's user directory from Zoom (POST
// /customers/{accountId}/users/sync, support and up) and shows its progress.
func (h *Handlers) syncUsers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.ManageUsers)
	if err != nil {
		return err
	}
	j, err := jobs.StartUsersSync(ctx, h.store, h.river, a.Partner.ID, a.Staff.ID, &c, h.requestEvent(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Job(j.ID), http.StatusSeeOther)
	return nil
}

// userTarget loads the customer and the user the URL names, for action. A user the directory
// does not know is looked up in Zoom (own customers); one Zoom does not know either is 404.
func (h *Handlers) userTarget(r *http.Request, action policy.Action) (store.Customer, store.CustomerUser, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	accountID, key := chi.URLParam(r, "accountId"), chi.URLParam(r, "userId")
	c, found, err := h.store.CustomerAndUser(ctx, a.Partner.ID, accountID, key)
	if err := h.customerFound(r, accountID, action, c, err); err != nil {
		return c, store.CustomerUser{}, err
	}
	var u store.CustomerUser
	switch {
	case found != nil:
		return c, *found, nil
	case c.PartnerID != a.Partner.ID:
		return c, u, fmt.Errorf("user %s of customer %s: %w", key, accountID, store.ErrNotFound)
	}
	// Another customer's user under this customer's URL: refused like any id out of reach,
	// without asking Zoom.
	if elsewhere, err := h.store.UserKnownElsewhere(ctx, a.Partner.ID, c.ID, key); err != nil {
		return c, u, err
	} else if elsewhere {
		h.deny(r, action, target{Type: "user", ID: key, CustomerID: c.ZoomAccountID, PartnerID: c.PartnerID}, "user of another customer")
		return c, u, errNotFound
	}
	// Not in the directory yet: ask Zoom (which answers only for users of this customer).
	zc, err := h.zoomReader(r)
	if err != nil {
		return c, u, errNotFound
	}
	zu, _, err := zc.GetUser(ctx, c.ZoomAccountID, key, nil)
	if zoom.IsNotFound(err) {
		return c, u, errNotFound
	} else if err != nil {
		return c, u, zoomError(err) // Zoom could not say: not the same as "no such user"
	}
	du := service.DirUserOf(*zu)
	if err := h.store.CacheCustomerUser(ctx, a.Partner.ID, c.ID, du); err != nil {
		return c, u, err
	}
	u, err = h.store.CustomerUserByKey(ctx, a.Partner.ID, c.ID, key)
	if errors.Is(err, store.ErrNotFound) {
		return c, u, errNotFound
	}
	return c, u, err
}

// resolveOpen looks up in Zoom the users of a customer's changes still waiting for Zoom's
// confirmation (the directory refresh does too, when it runs).
func (h *Handlers) resolveOpen(r *http.Request, c store.Customer) {
	ctx := r.Context()
	a := staffFrom(ctx)
	open, err := h.store.OpenUserChanges(ctx, a.Partner.ID, c.ID)
	if err != nil || len(open) == 0 {
		return
	}
	zc, err := h.zoomReader(r)
	if err != nil {
		return
	}
	zctx, cancel := context.WithTimeout(ctx, pageZoomLimit)
	defer cancel()
	if _, err := h.svc.ResolveUserChanges(zctx, zc, a.Partner.ID, c.ID, h.requestEvent(r)); err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "resolve open user changes", slog.String("customer", c.ZoomAccountID), slog.String("error", err.Error()))
	}
}
