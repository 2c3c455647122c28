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
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// Customer transparency: an owner or admin of a customer's own Zoom account (a sub account of
// a registered partner) signs in with Zoom and reads, at /account, how its partner manages it.
// Such a session is not staff: it has keys of its own (never keyStaffID), reaches /account,
// its CSV and sign-out, and changes nothing in Tierdesk.

// Session keys of a customer session.
const (
	keyCustomerAccount  = "customer_account"      // the customer's Zoom account id
	keyCustomerPartner  = "customer_partner_id"   // the partner that manages it
	keyCustomerUser     = "customer_user"         // JSON of customerUser
	keyCustomerSignedIn = "customer_signed_in_at" // unix seconds: the absolute lifetime counts from here
)

// customerEventsPerPage is how many events /account shows at once (older ones a page further).
const customerEventsPerPage = 100

// customerCSVLimit is the most events /account.csv holds (the newest).
const customerCSVLimit = 50_000

// customerUser is who signed in for a customer, as Zoom's GET /users/me said.
type customerUser struct {
	ZoomUserID, Email, Name, Role string
}

// customerActor is a signed-in customer, loaded for each request.
type customerActor struct {
	Account    store.CustomerAccount
	User       customerUser
	SignedInAt time.Time
}

type customerCtxKey struct{}

func customerFrom(ctx context.Context) *customerActor {
	c, _ := ctx.Value(customerCtxKey{}).(*customerActor)
	return c
}

// loadCustomer loads a customer session (after loadStaff, for the whole session group): past
// its absolute lifetime, or when its account is no longer an active customer of the partner it
// signed in under, the session ends. A customer changes nothing: every request but a GET (or
// HEAD) and POST /signout is refused here with 403 and a denied event in the partner's log,
// before any handler runs.
func (h *Handlers) loadCustomer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		account := h.sessions.GetString(ctx, keyCustomerAccount)
		if account == "" || staffFrom(ctx) != nil {
			next.ServeHTTP(w, r)
			return
		}
		signedIn := time.Unix(h.sessions.GetInt64(ctx, keyCustomerSignedIn), 0)
		if h.cfg.Now().Sub(signedIn) > AbsoluteLifetime {
			h.endSession(w, r, "customer session reached its absolute lifetime", 0)
			next.ServeHTTP(w, r)
			return
		}
		acct, err := h.store.CustomerAccountOf(ctx, h.sessions.GetInt64(ctx, keyCustomerPartner), account)
		if errors.Is(err, store.ErrNotFound) {
			h.endSession(w, r, "account no longer an active customer", 0)
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		c := &customerActor{Account: acct, SignedInAt: signedIn}
		if err := json.Unmarshal([]byte(h.sessions.GetString(ctx, keyCustomerUser)), &c.User); err != nil {
			h.endSession(w, r, "customer session's user unreadable: "+err.Error(), 0)
			next.ServeHTTP(w, r)
			return
		}
		r = r.WithContext(context.WithValue(ctx, customerCtxKey{}, c))
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !(r.Method == http.MethodPost && r.URL.Path == "/signout") {
			h.refuseCustomer(w, r, c)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuseCustomer answers a customer's request for anything but its own page: a GET goes to
// /account, anything else is 403 with a denied event (the permission to open the partner's
// pages) in the partner's log, naming the customer.
func (h *Handlers) refuseCustomer(w http.ResponseWriter, r *http.Request, c *customerActor) {
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if !read {
		ev := h.customerEvent(r, c)
		ev.Action, ev.Outcome = audit.PermViewPartner, store.OutcomeDenied
		ev.Details = details(map[string]any{"reason": "a customer's sign-in reads its account's page only", "method": r.Method, "path": r.URL.Path})
		h.auditAlone(r, ev)
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", "/account")
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if read {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	h.showError(w, r, &pageError{status: http.StatusForbidden, title: "Read only",
		message: "You signed in to read how " + c.Account.Partner().Name + " manages your account. Tierdesk changes nothing for you here.",
		action:  "Back to your account", actionURL: "/account"}, errors.New("customer session: "+r.Method+" "+r.URL.Path))
}

// customerEvent starts an audit event in the managing partner's log about the customer, by the
// signed-in customer (no staff id: they are not staff).
func (h *Handlers) customerEvent(r *http.Request, c *customerActor) store.AuditEvent {
	ev := h.requestEvent(r)
	cust := c.Account.Customer
	ev.PartnerID, ev.StaffEmail, ev.ZoomUserID, ev.CustomerID = c.Account.Partner().ID, c.User.Email, c.User.ZoomUserID, cust.ZoomAccountID
	ev.TargetType, ev.TargetID, ev.TargetLabel = "customer", cust.ZoomAccountID, cust.AccountName
	return ev
}

// customerAccount returns the customer account a Zoom account is, for a registered partner, or
// nil when it is none.
func (h *Handlers) customerAccount(ctx context.Context, zoomAccountID string) (*store.CustomerAccount, error) {
	acct, err := h.store.CustomerOfAccount(ctx, zoomAccountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &acct, nil
}

// refuseCustomerMember refuses a member (not an owner or admin) of a customer's account, saying
// who may sign in, with a denied event in the partner's log.
func (h *Handlers) refuseCustomerMember(r *http.Request, me *zoom.User, acct *store.CustomerAccount) error {
	h.logSignIn(r, "refused", "member of a customer account", me.Email)
	c := &customerActor{Account: *acct, User: customerUser{ZoomUserID: me.ID, Email: me.Email, Role: me.RoleName}}
	ev := h.customerEvent(r, c)
	ev.Action, ev.Outcome = audit.SessionCustomerSignIn, store.OutcomeDenied
	ev.Details = details(map[string]any{"reason": "not the account's owner or an admin", "email": me.Email, "role": me.RoleName})
	h.auditAlone(r, ev)
	return &pageError{status: http.StatusForbidden, title: "Only your account's owner or admins",
		message: fmt.Sprintf("%s is managed by %s. Only the owner or an admin of %s in Zoom can sign in to Tierdesk, to read how %s manages it. Ask one of them.",
			acct.Customer.AccountName, acct.Partner().Name, acct.Customer.AccountName, acct.Partner().Name)}
}

// startCustomerSession signs in an owner or admin of a customer's account: a renewed session
// token holding the customer keys only (any staff or registration keys removed), audited in the
// partner's log. No Zoom grant is kept: the sign-in's tokens are revoked by the callback.
func (h *Handlers) startCustomerSession(w http.ResponseWriter, r *http.Request, me *zoom.User, acct *store.CustomerAccount) error {
	ctx := r.Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		return fmt.Errorf("renew session token: %w", err)
	}
	for _, k := range []string{keyStaffID, keyPartnerID, keyGrantID, keySignedInAt, keyRegGrant, keyRegUser} {
		h.sessions.Remove(ctx, k)
	}
	u := customerUser{ZoomUserID: me.ID, Email: me.Email, Name: strings.TrimSpace(me.FirstName + " " + me.LastName), Role: me.RoleName}
	ub, _ := json.Marshal(u)
	h.sessions.Put(ctx, keyCustomerAccount, acct.Customer.ZoomAccountID)
	h.sessions.Put(ctx, keyCustomerPartner, acct.Partner().ID)
	h.sessions.Put(ctx, keyCustomerUser, string(ub))
	h.sessions.Put(ctx, keyCustomerSignedIn, h.cfg.Now().Unix())
	ev := h.customerEvent(r, &customerActor{Account: *acct, User: u})
	ev.Action, ev.Outcome = audit.SessionCustomerSignIn, store.OutcomeSucceeded
	ev.Details = details(map[string]any{"email": me.Email, "role": me.RoleName})
	h.auditAlone(r, ev)
	h.logSignIn(r, "succeeded", "customer", me.Email)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// forgetCustomer removes a customer session's keys (a staff sign-in or a registration in the
// same browser starts over).
func (h *Handlers) forgetCustomer(ctx context.Context) {
	for _, k := range []string{keyCustomerAccount, keyCustomerPartner, keyCustomerUser, keyCustomerSignedIn} {
		h.sessions.Remove(ctx, k)
	}
}

// auditCustomerSignOut records a customer's sign-out in the partner's log.
func (h *Handlers) auditCustomerSignOut(r *http.Request, c *customerActor) {
	ev := h.customerEvent(r, c)
	ev.Action, ev.Outcome = audit.SessionCustomerSignOut, store.OutcomeSucceeded
	h.auditAlone(r, ev)
	h.logSignIn(r, "signed out", "customer", c.User.Email)
}

// customerAccountPage is GET /account: the signed-in customer's read-only page. Staff go to
// their dashboard, anyone else to sign-in.
func (h *Handlers) customerAccountPage(w http.ResponseWriter, r *http.Request) error {
	c := customerFrom(r.Context())
	if c == nil {
		return h.notCustomer(w, r)
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	cust, partner := c.Account.Customer, c.Account.Partner()
	tr, err := h.store.CustomerTransparency(r.Context(), partner.ID, cust)
	if err != nil {
		return err
	}
	events, err := h.store.CustomerEvents(r.Context(), partner.ID, cust, max(before, 0), customerEventsPerPage+1)
	if err != nil {
		return err
	}
	p := customerPortalPage(c, tr, h.cfg.Now())
	p.Sandbox = h.cfg.Sandbox
	if len(events) > customerEventsPerPage {
		events = events[:customerEventsPerPage]
		p.OlderURL = paths.With("/account", url.Values{"before": {itoa(events[len(events)-1].ID)}})
	}
	p.Paged = before > 0
	for _, e := range events {
		p.Events = append(p.Events, customerEventRow(e))
	}
	h.render(w, r, http.StatusOK, templates.CustomerPortal(p))
	return nil
}

// notCustomer answers /account for someone who is not a signed-in customer.
func (h *Handlers) notCustomer(w http.ResponseWriter, r *http.Request) error {
	if staffFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

// customerPortalPage builds the page's view model (all but the events).
func customerPortalPage(c *customerActor, tr store.Transparency, now time.Time) templates.CustomerPortalPage {
	cust, chain := c.Account.Customer, c.Account.Chain
	p := templates.CustomerPortalPage{AccountName: cust.AccountName, AccountID: cust.ZoomAccountID, Manager: chain[0].Name,
		UserName: c.User.Name, UserEmail: c.User.Email, UserRole: c.User.Role, PerPage: customerEventsPerPage, CSVLimit: templates.Thousands(customerCSVLimit)}
	if p.UserName == "" {
		p.UserName = c.User.Email
	}
	// The chain from the top partner down to the account.
	for i := len(chain) - 1; i >= 0; i-- {
		tier := templates.CustomerTier{Name: chain[i].Name, Kind: "manager", Note: "Manages your account: the staff below act on it"}
		if i > 0 {
			tier.Kind, tier.Note = "above", "Above "+chain[i-1].Name+": its staff can read your account, not change it"
			p.Above = append(p.Above, chain[i].Name)
		}
		p.Tiers = append(p.Tiers, tier)
	}
	p.Tiers = append(p.Tiers, templates.CustomerTier{Name: cust.AccountName, Kind: "you", Note: "Your Zoom account"})
	for _, st := range tr.Staff {
		p.Staff = append(p.Staff, templates.CustomerStaff{Name: st.Name, Email: st.Email, Role: st.Role.Label(), Can: roleCan(st.Role), Limited: st.Limited})
	}
	for _, d := range tr.Delegations {
		row := templates.CustomerDelegation{Partner: d.DelegateName, Role: d.Role.Label(), Can: roleCan(d.Role)}
		if d.StartsAt != nil {
			row.From = *d.StartsAt
		}
		if d.ExpiresAt != nil {
			row.Until = *d.ExpiresAt
		}
		switch d.StateAt(now) {
		case store.DelegationActive:
			row.Status, row.Left = "Active", timeLeft(now, row.Until)+" left"
			p.Active = append(p.Active, row)
		case store.DelegationEnded:
			row.Status = "Ended"
			if d.EndedAt != nil {
				row.Until = *d.EndedAt
			}
			if d.EndedByEmail != "" {
				row.Status = "Ended by " + d.EndedByEmail
			}
			p.Past = append(p.Past, row)
		case store.DelegationExpired:
			row.Status = "Expired"
			p.Past = append(p.Past, row)
		}
	}
	return p
}

// roleCan says what a role may do to a customer, in words.
func roleCan(r store.Role) string {
	switch r {
	case store.RoleOwner, store.RoleAdmin:
		return "Changes the account, its plans, settings and users"
	case store.RoleSupport:
		return "Manages your users"
	case store.RoleViewer:
		return "Reads only"
	}
	return ""
}

// customerEventRow is one event as a customer reads it: when, who, what, the outcome and a
// short summary of what changed. Nothing of the partner's own records (ids of staff, jobs,
// requests, addresses) is shown; a delegation's event names this account's access only.
func customerEventRow(e store.AuditEvent) templates.CustomerEvent {
	row := templates.CustomerEvent{ID: e.ID, When: e.OccurredAt, What: eventWords(e), Code: string(e.Action), Outcome: string(e.Outcome),
		Who: customerEventWho(e), Summary: customerEventSummary(e)}
	if e.TargetType == "user" {
		row.Target = e.TargetLabel // the user's email (a user of the customer's own account)
	}
	switch e.Outcome {
	case store.OutcomeSucceeded:
		row.OutcomeKind = "ok"
	case store.OutcomeFailed:
		row.OutcomeKind = "bad"
	default:
		row.OutcomeKind = "warn"
	}
	if e.External {
		row.Outcome = "seen in Zoom"
		row.OutcomeKind = "info"
	}
	return row
}

// customerEventWho names who acted: the person's email (and the partner they acted for under a
// delegation), Zoom for a change seen from Zoom, Tierdesk for its own background work.
func customerEventWho(e store.AuditEvent) string {
	var d struct {
		Under struct {
			Delegate string `json:"delegate"`
		} `json:"under_delegation"`
	}
	under := json.Unmarshal(e.Details, &d) == nil && d.Under.Delegate != ""
	switch {
	case e.StaffEmail != "" && under:
		return e.StaffEmail + " (" + d.Under.Delegate + ", delegated access)"
	case e.StaffEmail != "":
		return e.StaffEmail
	case e.External:
		return "Zoom"
	}
	return "Tierdesk"
}

// customerEventSummary is what an event changed, in a few lines: a delegation's role and time,
// else its before and after (at most six fields), else Zoom's refusal.
func customerEventSummary(e store.AuditEvent) []string {
	var out []string
	if strings.HasPrefix(string(e.Action), "delegation.") {
		var d struct {
			Delegation struct {
				Delegate      string `json:"delegate"`
				Role          string `json:"role"`
				DurationHours int64  `json:"duration_hours"`
				Until         string `json:"until"`
			} `json:"delegation"`
		}
		if json.Unmarshal(e.Details, &d) == nil && d.Delegation.Delegate != "" {
			line := d.Delegation.Delegate + " as " + d.Delegation.Role
			if t, err := time.Parse(time.RFC3339, d.Delegation.Until); err == nil {
				line += ", until " + stamp(t)
			} else if d.Delegation.DurationHours > 0 {
				line += fmt.Sprintf(", for %d hours", d.Delegation.DurationHours)
			}
			out = append(out, line)
		}
		return out
	}
	rows := diffDetails(e.Details)
	for i, d := range rows {
		if i == 6 {
			out = append(out, fmt.Sprintf("and %d more", len(rows)-6))
			break
		}
		out = append(out, d.Field+": "+orEmpty(d.Before)+" → "+orEmpty(d.After))
	}
	if e.ZoomCode != 0 {
		out = append(out, fmt.Sprintf("Zoom refused it (code %d): %s", e.ZoomCode, e.ZoomMessage))
	}
	return out
}

// orEmpty shows an empty value as such.
func orEmpty(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

// customerAccountCSV is GET /account.csv: the events of the page (the newest customerCSVLimit),
// then the staff and the delegations with access, as sections of one CSV file.
func (h *Handlers) customerAccountCSV(w http.ResponseWriter, r *http.Request) error {
	c := customerFrom(r.Context())
	if c == nil {
		return h.notCustomer(w, r)
	}
	ctx := r.Context()
	cust, partner := c.Account.Customer, c.Account.Partner()
	tr, err := h.store.CustomerTransparency(ctx, partner.ID, cust)
	if err != nil {
		return err
	}
	first, err := h.store.CustomerEvents(ctx, partner.ID, cust, 0, 1000)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tierdesk-account-`+csvFileName(cust.ZoomAccountID)+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	write := func(rec ...string) {
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		_ = cw.Write(rec)
	}
	write("section", "id", "time", "who", "action", "what", "outcome", "zoom_code", "zoom_message", "seen_in_zoom", "summary")
	n := 0
	for events := first; len(events) > 0 && n < customerCSVLimit; {
		for _, e := range events {
			row := customerEventRow(e)
			write("event", itoa(e.ID), e.OccurredAt.UTC().Format(time.RFC3339), row.Who, string(e.Action), row.What, string(e.Outcome),
				strconv.Itoa(e.ZoomCode), e.ZoomMessage, strconv.FormatBool(e.External), strings.Join(row.Summary, "; "))
			n++
		}
		if len(events) < 1000 {
			break
		}
		if events, err = h.store.CustomerEvents(ctx, partner.ID, cust, events[len(events)-1].ID, 1000); err != nil {
			h.log.LogAttrs(ctx, slog.LevelError, "customer export failed", slog.String("request_id", middleware.GetReqID(ctx)), slog.String("error", err.Error()))
			panic(http.ErrAbortHandler)
		}
	}
	for _, st := range tr.Staff {
		who := st.Name + " <" + st.Email + ">"
		note := partner.Name
		if st.Limited {
			note += ", limited to some customers including yours"
		}
		write("staff", "", "", who, "", st.Role.Label()+": "+roleCan(st.Role), "", "", "", "", note)
	}
	for _, above := range c.Account.Chain[1:] {
		write("partner_above", "", "", above.Name, "", "Reads your account, changes nothing", "", "", "", "", "")
	}
	now := h.cfg.Now()
	for _, d := range tr.Delegations {
		// As the page: an ended delegation's end is when it was ended, not when it would have expired.
		state, end := d.StateAt(now), d.ExpiresAt
		if state == store.DelegationEnded && d.EndedAt != nil {
			end = d.EndedAt
		}
		var from, until string
		if d.StartsAt != nil {
			from = d.StartsAt.UTC().Format(time.RFC3339)
		}
		if end != nil {
			until = "until " + end.UTC().Format(time.RFC3339)
		}
		write("delegation", itoa(d.ID), from, d.DelegateName, "", d.Role.Label()+": "+roleCan(d.Role), state, "", "", "", until)
	}
	cw.Flush()
	return cw.Error()
}

// csvFileName keeps the letters, digits, '-' and '_' of s, for a download's file name.
func csvFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, s)
}
