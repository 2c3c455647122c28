package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
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
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	p := templates.SearchPage{Query: q, Searched: q != "", CanSync: h.allowed(r, policy.SyncCustomers)}
	return h.renderSearch(w, r, http.StatusOK, p)
}

// renderSearch answers p's query and renders the search page with its coverage and, for an
// email no directory has, the offer (or answer) of a live look-up at Zoom.
func (h *Handlers) renderSearch(w http.ResponseWriter, r *http.Request, status int, p templates.SearchPage) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	q := p.Query
	fresh, err := h.store.DirectoryFreshness(ctx, a.Partner.ID)
	if err != nil {
		return err
	}
	own := 0
	for _, f := range fresh {
		if f.PartnerID == a.Partner.ID {
			own = f.Customers
		}
		cv := templates.DirCoverage{Partner: f.PartnerName, Depth: f.Depth, Customers: f.Customers, Read: f.Read, Unread: f.Unread,
			Failing: f.Failing, Complete: f.Read == f.Customers}
		if f.Oldest != nil {
			cv.Oldest = ago(h.cfg.Now(), *f.Oldest)
		}
		p.Coverage = append(p.Coverage, cv)
	}
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
		if len(p.Users) == 0 && looksLikeEmail(q) && own > 0 && p.Lookup == nil {
			p.Lookup = &templates.LookupOffer{Email: q, Customers: min(own, service.LookupLimit), Total: own}
		}
	}
	h.render(w, r, status, templates.Search(h.chrome(r, "Search", ""), p))
	return nil
}

// looksLikeEmail reports whether a search is a whole email address (something@domain.tld).
func looksLikeEmail(q string) bool {
	at := strings.LastIndexByte(q, '@')
	return at > 0 && strings.Contains(q[at+1:], ".") && !strings.ContainsAny(q, " \t,;<>")
}

// lookUpUser asks Zoom for an email the directories do not have (POST /search/lookup, any
// staff member): in the partner's customers most likely to hold it, a few at a time. Found,
// the user is saved in their customer's directory and their page opens; otherwise the search
// page says how many customers Zoom was asked about.
func (h *Handlers) lookUpUser(w http.ResponseWriter, r *http.Request) error {
	if err := h.authorize(r, policy.ViewPartner, target{Type: "search"}); err != nil {
		return err
	}
	a := staffFrom(r.Context())
	email := strings.TrimSpace(r.PostFormValue("email"))
	if len(email) > 200 {
		email = email[:200]
	}
	p := templates.SearchPage{Query: email, Searched: email != "", CanSync: h.allowed(r, policy.SyncCustomers)}
	res, err := h.svc.LookUpUser(r.Context(), a.Partner.ID, a.Staff.ID, email)
	offer := &templates.LookupOffer{Email: email, Customers: res.Checked, Total: res.Total}
	var ve *store.ValidationError
	switch {
	case errors.As(err, &ve):
		offer.Error = ve.Fields["email"]
	case err != nil && res.Found:
		return err // found, but not saved: the page would not find them either
	case errors.Is(err, store.ErrNoGrant):
		offer.Error = service.NoGrantMessage
	case err != nil:
		if zoom.NeedsReauth(err) {
			return zoomError(err)
		}
		if _, ok := zoom.AsError(err); !ok && !zoom.IsTimeout(err) {
			return err
		}
		offer.Error = "Zoom did not answer the look-up: " + zoom.Explain(err) + " Try again in a moment."
	case res.Found:
		h.flash(r.Context(), "ok", fmt.Sprintf("Found in Zoom: %s is a user of %s. The user directory has them now.", res.User.Email, res.Customer.AccountName))
		http.Redirect(w, r, paths.User(res.Customer.ZoomAccountID, res.User.Email), http.StatusSeeOther)
		return nil
	default:
		offer.Answer = fmt.Sprintf("Zoom has no user %s in the %d customers Tierdesk asked about", email, res.Checked)
		if res.Checked < res.Total {
			offer.Answer += fmt.Sprintf(" (the %d most likely of your %d: directories never read first, then the same email domain, then those read least recently)", res.Checked, res.Total)
		}
		offer.Answer += "."
	}
	p.Lookup = offer
	return h.renderSearch(w, r, http.StatusOK, p)
}

// ago says how long before now t was, for people ("3 minutes ago").
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return templates.Plural(int(d/time.Minute), "minute", "minutes") + " ago"
	case d < 48*time.Hour:
		return templates.Plural(int(d/time.Hour), "hour", "hours") + " ago"
	}
	return templates.Plural(int(d/(24*time.Hour)), "day", "days") + " ago"
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
