package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// userPage shows one user of a customer (GET /customers/{accountId}/users/{userId}; userId is
// the Zoom user id, or the email of a pending user Zoom lists without one): details and a
// settings summary from Zoom (the directory when Zoom cannot be reached), and the forms that
// change the user.
func (h *Handlers) userPage(w http.ResponseWriter, r *http.Request) error {
	r = h.withReader(r)
	c, u, err := h.userTarget(r, policy.ViewCustomer)
	if err != nil {
		return err
	}
	return h.renderUser(w, r, http.StatusOK, c, u, templates.UserPage{})
}

// renderUser renders a user's page with p's forms (their input and errors kept).
func (h *Handlers) renderUser(w http.ResponseWriter, r *http.Request, status int, c store.Customer, u store.CustomerUser, p templates.UserPage) error {
	ctx := r.Context()
	a := staffFrom(ctx)
	readOnly := c.PartnerID != a.Partner.ID
	p.Head, p.Customer = h.customerHead(r, c, "/users", detailsView{}), customerRef(c)
	var zu *zoom.User
	var settings zoom.Settings
	var extras userExtras
	p.CanManage = !readOnly && h.allowed(r, policy.ManageUsers)
	switch {
	case readOnly:
		p.Notices = append(p.Notices, templates.Flash{Kind: "info", Text: "Read only: " + c.PartnerName +
			" manages this customer. This is the user as " + c.PartnerName + "'s directory last saw them, " + stamp(u.SeenAt) + "."})
	default:
		// The page's own reads run while Zoom answers: the page takes as long as Zoom does.
		wantOther := p.CanManage && moveAsksOther(&p)
		before := u
		done := make(chan error, 1)
		go func() {
			var err error
			extras, err = h.readUserExtras(ctx, a.Partner.ID, c, before, wantOther)
			done <- err
		}()
		zctx, cancel := context.WithTimeout(ctx, pageZoomLimit)
		defer cancel()
		var gone bool
		zu, settings, gone = h.userFromZoom(zctx, r, c, &u, &p)
		err := <-done
		if gone {
			return h.userGone(r, c, u)
		}
		if err != nil {
			return err
		}
		if u.Email != before.Email || u.Key() != before.Key() {
			// Zoom's answer changed what the reads were keyed on: read again.
			if extras, err = h.readUserExtras(ctx, a.Partner.ID, c, u, wantOther); err != nil {
				return err
			}
		}
	}
	p.Email, p.Name, p.Status, p.StatusKind, p.Role = u.Email, u.Name(), u.Status, statusKind(u.Status), roleLabel(u.RoleID)
	p.Pending = u.Status == store.UserPending
	p.IsAdmin = u.RoleID == service.RoleOwnerID || u.RoleID == service.RoleAdminID
	p.Facts = userFacts(u, zu)
	p.Settings, p.SettingsNote = settingsSummary(settings, p.SettingsNote)
	if settings != nil {
		p.SettingsURL = paths.UserSettings(c.ZoomAccountID, u.Key())
	}
	if pc := extras.open; pc != nil {
		p.OpenChange = "The change “" + pc.Action.Label() + "” sent " + stamp(pc.CreatedAt) + " is waiting for Zoom's confirmation: Tierdesk looks the user up in Zoom before it sends anything else for them."
	}
	if p.CanManage {
		if err := h.userForms(r, c, u, zu, &p, extras.other); err != nil {
			return err
		}
	}
	p.ActivityURL = paths.AuditOfTarget("user:" + u.Key())
	for _, e := range extras.events {
		p.Activity = append(p.Activity, auditRow(e, nil))
	}
	h.render(w, r, status, templates.UserView(h.chrome(r, u.Email, "customers"), p))
	return nil
}

// userExtras is what a user page of an own customer reads besides the user and Zoom's answer.
type userExtras struct {
	open   *store.PendingChange // the user's change awaiting Zoom's confirmation
	other  bool                 // another active customer to move the user to (when asked)
	events []store.AuditEvent   // the user's latest audit events
}

// readUserExtras reads a user page's extras; wantOther asks for the move form's answer.
func (h *Handlers) readUserExtras(ctx context.Context, partnerID int64, c store.Customer, u store.CustomerUser, wantOther bool) (userExtras, error) {
	var x userExtras
	if pc, err := h.store.OpenUserChange(ctx, partnerID, c.ID, u.Email); err == nil {
		x.open = &pc
	} else if !errors.Is(err, store.ErrNotFound) {
		return x, err
	}
	if wantOther {
		var err error
		if x.other, err = h.store.HasOtherActiveCustomer(ctx, partnerID, c.ID); err != nil {
			return x, err
		}
	}
	events, err := h.store.AuditEvents(ctx, partnerID, store.AuditFilter{TargetType: "user", TargetID: u.Key(), Limit: 10})
	x.events = events.Events
	return x, err
}

// userFromZoom reads the user and their settings from Zoom and refreshes the directory entry;
// when Zoom cannot be reached it adds a notice (and the page shows the directory). gone means
// Zoom no longer has the user in this customer.
func (h *Handlers) userFromZoom(ctx context.Context, r *http.Request, c store.Customer, u *store.CustomerUser, p *templates.UserPage) (zu *zoom.User, settings zoom.Settings, gone bool) {
	a := staffFrom(ctx)
	stale := func(err error) {
		p.Notices = append(p.Notices, templates.Flash{Kind: "warn", Text: "Tierdesk could not read this user from Zoom just now, so this is what the directory knew " +
			stamp(u.SeenAt) + ". " + zoom.Explain(err)})
	}
	zc, err := h.zoomReader(r)
	if err != nil {
		stale(err)
		return nil, nil, false
	}
	zu, _, err = zc.GetUser(ctx, c.ZoomAccountID, u.Key(), nil)
	if ze, ok := zoom.AsError(err); ok && ze.Code == 1120 {
		p.Notices = append(p.Notices, templates.Flash{Kind: "warn", Text: "The invitation Zoom sent to this user has expired. Remove the pending user, then add them again. " + zoom.Explain(err)})
		return nil, nil, false
	}
	switch {
	case zoom.IsNotFound(err):
		return nil, nil, true
	case err != nil:
		stale(err)
		return nil, nil, false
	}
	du := service.DirUserOf(*zu)
	if zu.Status == "" {
		du.Status = u.Status
	}
	// The page shows what Zoom answered; the directory keeps it for the lists. A failure to keep
	// it costs nothing on this page and is logged.
	if u.Holds(du) {
		err = nil // the directory says what Zoom says: nothing to write
	} else if err = h.store.CacheCustomerUser(ctx, a.Partner.ID, c.ID, du); err == nil {
		var fresh store.CustomerUser
		if fresh, err = h.store.CustomerUserByKey(ctx, a.Partner.ID, c.ID, u.Email); err == nil {
			*u = fresh
		}
	}
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "keep the user Zoom answered", slog.String("customer", c.ZoomAccountID), slog.String("error", err.Error()))
	}
	if zu.Status == zoom.UserPending {
		p.SettingsNote = "A pending user has no settings until they accept Zoom's invitation."
		return zu, nil, false
	}
	settings, _, err = zc.GetUserSettings(ctx, c.ZoomAccountID, u.Key(), nil)
	if err != nil {
		p.SettingsNote = "Zoom did not give this user's settings: " + zoom.Explain(err)
	}
	return zu, settings, false
}

// userGone is the page for a user Zoom no longer has in this customer: the directory forgets
// them (a removal or move made outside Tierdesk).
func (h *Handlers) userGone(r *http.Request, c store.Customer, u store.CustomerUser) error {
	a := staffFrom(r.Context())
	// A user with a change awaiting its answer stays listed: the change's resolution decides.
	if _, err := h.store.OpenUserChange(r.Context(), a.Partner.ID, c.ID, u.Email); errors.Is(err, store.ErrNotFound) {
		if err := h.store.ForgetCustomerUser(r.Context(), a.Partner.ID, c.ID, u.Email); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return &pageError{status: http.StatusNotFound, title: "No longer in this customer",
		message: fmt.Sprintf("Zoom no longer has %s in %s: they were removed or moved to another account. The user list is updated.", u.Email, customerRef(c).Name),
		action:  "Users of " + customerRef(c).Name, actionURL: paths.Users(c.ZoomAccountID)}
}

// userFacts are the details shown of a user: Zoom's answer when there is one, else the
// directory's.
func userFacts(u store.CustomerUser, zu *zoom.User) []templates.Fact {
	var out []templates.Fact
	fact := func(label, value string) {
		if value != "" {
			out = append(out, templates.Fact{Label: label, Value: value})
		}
	}
	role := roleLabel(u.RoleID)
	if zu != nil && zu.RoleName != "" {
		role = zu.RoleName
	}
	fact("Zoom user id", u.ZoomUserID)
	fact("Type", typeLabel(u.Type))
	fact("Role", role)
	fact("Department", u.Dept)
	fact("Time zone", u.Timezone)
	if u.ZoomCreatedAt != nil {
		fact("Created", stamp(*u.ZoomCreatedAt))
	}
	if u.LastLoginAt != nil {
		fact("Last sign-in", stamp(*u.LastLoginAt))
	}
	if zu != nil {
		fact("Job title", zu.JobTitle)
		fact("Company", zu.Company)
		fact("Location", zu.Location)
		fact("Language", zu.Language)
		if zu.PMI != 0 {
			fact("Personal meeting id", strconv.FormatInt(zu.PMI, 10))
		}
		fact("Client version", zu.LastClientVersion)
		if zu.Status != zoom.UserPending {
			fact("Email verified", map[int]string{0: "no", 1: "yes"}[zu.Verified])
		}
	}
	return out
}

// userSettingsShown are the settings the user page summarizes.
var userSettingsShown = []struct{ section, field, label string }{
	{"schedule_meeting", "host_video", "Host video on at start"},
	{"schedule_meeting", "participants_video", "Participants' video on at start"},
	{"schedule_meeting", "join_before_host", "Join before host"},
	{"schedule_meeting", "require_password_for_scheduling_new_meetings", "Passcode for new meetings"},
	{"in_meeting", "waiting_room", "Waiting room"},
	{"in_meeting", "screen_sharing", "Screen sharing"},
	{"recording", "cloud_recording", "Cloud recording"},
	{"recording", "auto_recording", "Automatic recording"},
	{"feature", "meeting_capacity", "Meeting capacity"},
	{"feature", "large_meeting", "Large meetings"},
	{"feature", "webinar", "Webinars"},
	{"feature", "zoom_phone", "Zoom Phone"},
}

// settingsSummary picks the shown settings out of Zoom's answer.
func settingsSummary(s zoom.Settings, note string) ([]templates.Fact, string) {
	if s == nil {
		if note == "" {
			note = "Settings are read from Zoom; they are not available now."
		}
		return nil, note
	}
	var out []templates.Fact
	for _, f := range userSettingsShown {
		if b, ok := s.Bool(f.section, f.field); ok {
			out = append(out, templates.Fact{Label: f.label, Value: map[bool]string{true: "on", false: "off"}[b]})
		} else if v, ok := s.String(f.section, f.field); ok {
			out = append(out, templates.Fact{Label: f.label, Value: v})
		} else if n, ok := s.Number(f.section, f.field); ok {
			out = append(out, templates.Fact{Label: f.label, Value: strconv.FormatFloat(n, 'f', -1, 64)})
		}
	}
	return out, note
}
