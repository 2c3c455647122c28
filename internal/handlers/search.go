package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// searchLimit is how many users a search shows.
const searchLimit = 50

// search finds customers and users across every tier in reach (GET /search?q=), answered from
// PostgreSQL: the customer cache and the user directories.
func (h *Handlers) search(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "search"}); err != nil {
		return err
	}
	ctx := r.Context()
	a := staffFrom(ctx)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	p := templates.SearchPage{Query: q, Searched: q != "", CanSync: h.allowed(r, policy.SyncCustomers)}
	if last, err := h.store.LatestJob(ctx, a.Partner.ID, jobs.SyncUsersArgs{}.Kind()); err == nil {
		s := jobSummary(last)
		p.LastSync = &s
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if p.Searched {
		users, err := h.store.SearchUsers(ctx, a.Partner.ID, q, searchLimit+1)
		if err != nil {
			return err
		}
		if len(users) > searchLimit {
			users, p.More = users[:searchLimit], true
		}
		for _, u := range users {
			row := userRow(u)
			row.ReadOnly = u.PartnerID != a.Partner.ID
			p.Users = append(p.Users, row)
		}
		customers, err := h.store.Customers(ctx, a.Partner.ID, store.CustomerFilter{Query: q, AllStatus: true, Limit: 20})
		if err != nil {
			return err
		}
		for _, c := range customers.Customers {
			p.Customers = append(p.Customers, customerRow(c, a.Partner.ID))
		}
	}
	h.render(w, r, http.StatusOK, templates.Search(h.chrome(r, "Search", ""), p))
	return nil
}

// syncAllUsers starts a sync of the user directories of all the partner's customers (POST
// /search/sync, admins) and shows its progress.
func (h *Handlers) syncAllUsers(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.SyncCustomers, target{Type: "job", Label: "users sync"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	if last, err := h.store.LatestJob(r.Context(), a.Partner.ID, jobs.SyncUsersArgs{}.Kind()); err == nil && !last.Status.Finished() {
		http.Redirect(w, r, paths.Job(last.ID), http.StatusSeeOther)
		return nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	j, err := jobs.StartUsersSync(r.Context(), h.store, h.river, a.Partner.ID, a.Staff.ID, nil, h.requestEvent(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r, paths.Job(j.ID), http.StatusSeeOther)
	return nil
}
