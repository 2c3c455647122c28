package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/web/templates"
)

// How fresh the user directory is kept on view, and how long a page waits for Zoom.
const (
	dirMaxAge     = time.Minute
	dirBusyFor    = 15 * time.Second
	pageZoomLimit = 10 * time.Second
)

// customerRef names a customer for the users pages.
func customerRef(c store.Customer) templates.CustomerRef {
	name := c.AccountName
	if name == "" {
		name = c.ZoomAccountID
	}
	return templates.CustomerRef{AccountID: c.ZoomAccountID, Name: name, Partner: c.PartnerName,
		URL: paths.Customer(c.ZoomAccountID), UsersURL: paths.Users(c.ZoomAccountID)}
}

// refreshDirectory reads a customer's user directory from Zoom when it is older than a minute
// (own customers only: a reseller's customers are read by the reseller), and returns notices
// saying how fresh the directory is and why it could not be refreshed.
func (h *Handlers) refreshDirectory(r *http.Request, c store.Customer, readOnly bool) []templates.Flash {
	ctx := r.Context()
	a := staffFrom(ctx)
	if readOnly {
		return []templates.Flash{{Kind: "info", Text: "Read only: " + c.PartnerName + " manages this customer, so Tierdesk shows its users as " +
			c.PartnerName + "'s last sync or visit left them, and changes nothing."}}
	}
	claimed, err := h.store.ClaimUserDirRefresh(ctx, a.Partner.ID, c.ID, dirMaxAge, dirBusyFor)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "claim directory refresh", slog.String("error", err.Error()))
		return nil
	}
	if claimed {
		zctx, cancel := context.WithTimeout(ctx, pageZoomLimit)
		defer cancel()
		zc, err := h.zoomReader(r)
		if err == nil {
			_, _, err = h.svc.RefreshUserDirectory(zctx, zc, a.Partner.ID, c, h.requestEvent(r))
		} else if errors.Is(err, store.ErrNoGrant) {
			// The page says why the list is old; a failure to note it is logged with the cause.
			err = errors.Join(err, h.store.UserDirFailed(ctx, a.Partner.ID, c.ID, "No Server-to-Server app is configured and no owner or admin has a working Zoom sign-in."))
		}
		if err != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "user directory refresh failed", slog.String("customer", c.ZoomAccountID), slog.String("error", err.Error()))
		}
	}
	d, err := h.store.UserDirState(ctx, a.Partner.ID, c.ID)
	if err != nil || d.Error == "" || d.ErrorAt == nil || (d.SyncedAt != nil && d.SyncedAt.After(*d.ErrorAt)) {
		return nil
	}
	since := "it was never read"
	if d.SyncedAt != nil {
		since = "this is the directory as of " + d.SyncedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	return []templates.Flash{{Kind: "warn", Text: "Tierdesk could not read this customer's users from Zoom just now, so " + since + ". " + d.Error}}
}

// openChanges says which changes of a customer's users wait for Zoom's confirmation.
func (h *Handlers) openChanges(r *http.Request, c store.Customer) []string {
	a := staffFrom(r.Context())
	open, err := h.store.OpenUserChanges(r.Context(), a.Partner.ID, c.ID)
	if err != nil {
		return nil
	}
	var out []string
	for _, pc := range open {
		out = append(out, strings.TrimPrefix(string(pc.Action), "user.")+" of "+pc.Email+" (sent "+pc.CreatedAt.UTC().Format("15:04 UTC")+")")
	}
	return out
}

// userTypes are the user types Tierdesk offers (ZOOM_API §2.3); 99 only with ssoCreate.
var userTypes = []struct {
	Value int
	Label string
}{{zoom.UserBasic, "Basic"}, {zoom.UserLicensed, "Licensed"}, {zoom.UserUnassigned, "Unassigned (without Meetings Basic)"}, {zoom.UserNone, "None (ssoCreate only)"}}

// typeLabel names a user type.
func typeLabel(t int) string {
	switch t {
	case zoom.UserBasic:
		return "Basic"
	case zoom.UserLicensed:
		return "Licensed"
	case zoom.UserOnPrem:
		return "On-prem"
	case zoom.UserUnassigned:
		return "Unassigned"
	case zoom.UserNone:
		return "None"
	}
	return itoa(int64(t))
}

// roleLabel names Zoom's built-in roles by their ids.
func roleLabel(roleID string) string {
	switch roleID {
	case service.RoleOwnerID:
		return "Owner"
	case service.RoleAdminID:
		return "Admin"
	case service.RoleMemberID, "":
		return "Member"
	}
	return "Role " + roleID
}

// statusKind is the badge kind of a user status.
func statusKind(status string) string {
	switch status {
	case zoom.UserActive:
		return "ok"
	case zoom.UserInactive:
		return "bad"
	}
	return "warn"
}

// userRow is a directory entry as a table row.
func userRow(u store.CustomerUser) templates.UserRow {
	row := templates.UserRow{Key: u.Key(), Email: u.Email, Name: u.Name(), Type: typeLabel(u.Type), Role: roleLabel(u.RoleID),
		Status: u.Status, StatusKind: statusKind(u.Status), URL: paths.User(u.ZoomAccountID, u.Key()),
		Customer: u.CustomerName, CustomerURL: paths.Users(u.ZoomAccountID), Partner: u.PartnerName}
	if u.LastLoginAt != nil {
		row.LastLogin = *u.LastLoginAt
	}
	if u.ZoomCreatedAt != nil {
		row.Created = *u.ZoomCreatedAt
	}
	return row
}

// stamp formats a time for messages: date and minutes, UTC ("—" for none).
func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
