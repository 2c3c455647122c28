package handlers

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// checkDeadline bounds the directory refreshes of a check.
const checkDeadline = 20 * time.Second

// checkImport validates every row of a bulk user job before anything is sent: the customer
// (one of the partner's own active customers: the file's column, else def), the email (format,
// duplicates in the file), the fields of a new user as Zoom checks them, and, against the
// user directories (read from Zoom first when older than a minute), users that already exist
// (create) or must exist (deactivate, remove). It returns the rows to store and notes for
// people (directories that could not be refreshed).
func (h *Handlers) checkImport(r *http.Request, kind string, in []csvRow, def *store.Customer) ([]store.ImportRow, []string, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	byID, byName, err := h.customersInReach(ctx, a.Partner.ID)
	if err != nil {
		return nil, nil, err
	}
	out := make([]store.ImportRow, len(in))
	seen := map[string]int{}
	targets := map[int64]store.Customer{}
	for i, row := range in {
		o := store.ImportRow{Line: row.line, Email: row.email, FirstName: row.first, LastName: row.last, State: store.RowReady}
		var problems []string
		bad := func(msg string) { problems = append(problems, msg) }
		// Customer.
		var c store.Customer
		found := false
		switch v := strings.TrimSpace(row.customerID); {
		case v != "":
			c, found = byID[v]
			if !found {
				if cs := byName[strings.ToLower(v)]; len(cs) == 1 {
					c, found = cs[0], true
				} else if len(cs) > 1 {
					bad(fmt.Sprintf("%q names %d customers: use the Zoom account id.", v, len(cs)))
				}
			}
			if !found && len(byName[strings.ToLower(v)]) == 0 {
				bad(fmt.Sprintf("Unknown customer %q: use the Zoom account id or the exact name of one of your customers.", v))
			}
		case def != nil:
			c, found = *def, true
		default:
			bad("No customer: fill the customer column, or choose a customer for the whole file.")
		}
		if found {
			switch {
			case c.PartnerID != a.Partner.ID:
				bad(customerRef(c).Name + " is managed by " + c.PartnerName + ": only their staff can change its users.")
			case c.Status != store.CustomerActive:
				bad(customerRef(c).Name + " is " + string(c.Status) + " in Tierdesk: users can only be changed in active customers.")
			default:
				id := c.ID
				o.CustomerID, o.ZoomAccountID = &id, c.ZoomAccountID
				targets[c.ID] = c
			}
		}
		// Email.
		if msg := checkEmail(row.email); msg != "" {
			bad(msg)
		} else if first, dup := seen[strings.ToLower(row.email)]; dup {
			bad(fmt.Sprintf("Same email as line %d.", first))
		} else {
			seen[strings.ToLower(row.email)] = row.line
		}
		// A new user's fields.
		if kind == store.ImportCreate {
			action, msg := parseImportAction(row.action)
			if msg != "" {
				bad(msg)
			}
			o.CreateAction = action
			if action == "" {
				o.CreateAction = row.action // shown as written
			}
			if typ, msg := parseImportType(row.typ, action); msg != "" && action != "" {
				bad(msg)
			} else {
				o.Type = typ
			}
			if utf8.RuneCountInString(row.first) > 64 {
				bad("First name: at most 64 characters.")
			}
			if utf8.RuneCountInString(row.last) > 64 {
				bad("Last name: at most 64 characters.")
			}
		}
		if len(problems) > 0 {
			o.State, o.Message = store.RowInvalid, strings.Join(problems, " ")
		}
		out[i] = o
	}
	notes, err := h.refreshTargets(r, targets)
	if err != nil {
		return nil, nil, err
	}
	if err := h.checkExisting(ctx, a.Partner.ID, kind, out); err != nil {
		return nil, nil, err
	}
	return out, notes, nil
}

// customersInReach loads the customers in reach, by Zoom account id and by lower-case name.
func (h *Handlers) customersInReach(ctx context.Context, partnerID int64) (map[string]store.Customer, map[string][]store.Customer, error) {
	byID, byName := map[string]store.Customer{}, map[string][]store.Customer{}
	f := store.CustomerFilter{AllStatus: true, Limit: 500}
	for {
		page, err := h.store.Customers(ctx, partnerID, f)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range page.Customers {
			byID[c.ZoomAccountID] = c
			if c.PartnerID == partnerID {
				n := strings.ToLower(strings.TrimSpace(c.AccountName))
				byName[n] = append(byName[n], c)
			}
		}
		if page.Next == "" {
			return byID, byName, nil
		}
		f.After = page.Next
	}
}

// refreshTargets reads from Zoom the directories of the customers a file names that are older
// than a minute, within checkDeadline, and returns notes for those it could not read.
func (h *Handlers) refreshTargets(r *http.Request, targets map[int64]store.Customer) ([]string, error) {
	ctx := r.Context()
	a := staffFrom(ctx)
	ids := make([]int64, 0, len(targets))
	for id := range targets {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	zctx, cancel := context.WithTimeout(ctx, checkDeadline)
	defer cancel()
	zc, zerr := h.zoomReader(r)
	var notes []string
	for _, id := range ids {
		c := targets[id]
		claimed, err := h.store.ClaimUserDirRefresh(ctx, a.Partner.ID, c.ID, dirMaxAge, 0)
		if err != nil || !claimed {
			continue
		}
		if zerr == nil {
			_, _, err = h.svc.RefreshUserDirectory(zctx, zc, a.Partner.ID, c, h.requestEvent(r))
		} else {
			err = zerr
		}
		if err != nil {
			d, derr := h.store.UserDirState(ctx, a.Partner.ID, c.ID)
			if derr != nil {
				return nil, derr
			}
			as := "never read"
			if d.SyncedAt != nil {
				as = "as of " + stamp(*d.SyncedAt)
			}
			notes = append(notes, fmt.Sprintf("The users of %s could not be read from Zoom (%s), so they were checked against the directory %s; Zoom may still refuse some rows.",
				customerRef(c).Name, zoom.Explain(err), as))
		}
	}
	return notes, nil
}

// checkExisting checks the rows still valid against the user directory: a user to create must
// not exist yet; a user to deactivate or remove must be in that customer, and Zoom must allow
// the change.
func (h *Handlers) checkExisting(ctx context.Context, partnerID int64, kind string, rows []store.ImportRow) error {
	var emails []string
	for _, o := range rows {
		if o.State == store.RowReady {
			emails = append(emails, o.Email)
		}
	}
	known := map[string][]store.CustomerUser{}
	for start := 0; start < len(emails); start += 1000 {
		found, err := h.store.UsersByEmail(ctx, partnerID, emails[start:min(start+1000, len(emails))])
		if err != nil {
			return err
		}
		for _, u := range found {
			k := strings.ToLower(u.Email)
			known[k] = append(known[k], u)
		}
	}
	for i := range rows {
		o := &rows[i]
		if o.State != store.RowReady {
			continue
		}
		var here *store.CustomerUser
		elsewhere := ""
		for _, u := range known[strings.ToLower(o.Email)] {
			if u.CustomerID == *o.CustomerID {
				here = &u
			} else {
				elsewhere = u.CustomerName
			}
		}
		msg := ""
		switch kind {
		case store.ImportCreate:
			switch {
			case here != nil:
				msg = "Already a user of this customer (" + here.Status + "): Zoom would refuse it (code 1005)."
			case elsewhere != "":
				msg = "Already a user of " + elsewhere + ": Zoom refuses an email that belongs to another account (code 1009). Move the user instead."
			}
		default:
			switch {
			case here == nil && elsewhere != "":
				msg = "Not a user of this customer: the directory has this email in " + elsewhere + "."
			case here == nil:
				msg = "Not a user of this customer."
			case here.RoleID == service.RoleOwnerID || here.RoleID == service.RoleAdminID:
				msg = "This user is the customer's " + strings.ToLower(roleLabel(here.RoleID)) + ": Zoom does not allow this for an owner or admin."
			case kind == store.ImportDeactivate && here.Status == store.UserInactive:
				msg = "Already inactive."
			case kind == store.ImportDeactivate && here.Status == store.UserPending:
				msg = "Pending (invitation not accepted): there is nothing to deactivate. Remove the user instead."
			default:
				o.ZoomUserID = here.ZoomUserID
			}
			if here != nil {
				o.FirstName, o.LastName, o.Type = here.FirstName, here.LastName, here.Type
			}
		}
		if msg != "" {
			o.State, o.Message = store.RowInvalid, msg
		}
	}
	return nil
}
