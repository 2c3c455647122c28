package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// DirUserOf is a Zoom user (a list item or a single user) as the directory keeps it.
func DirUserOf(u zoom.User) store.DirUser {
	status := u.Status
	if status == "" {
		status = zoom.UserActive
	}
	created := u.UserCreatedAt.Ptr()
	if created == nil && status != zoom.UserPending { // a pending user's created_at is the time of the call
		created = u.CreatedAt.Ptr()
	}
	return store.DirUser{ZoomUserID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
		Type: u.Type, Status: status, RoleID: roleIDOf(u), Dept: u.Dept, Timezone: u.Timezone, ZoomCreatedAt: created,
		LastLoginAt: u.LastLoginTime.Ptr()}
}

// roleIDOf is the user's role id; a single user's role name stands in when Zoom gave no id.
func roleIDOf(u zoom.User) string {
	if u.RoleID != "" {
		return u.RoleID
	}
	switch strings.ToLower(strings.TrimSpace(u.RoleName)) {
	case "owner":
		return RoleOwnerID
	case "admin":
		return RoleAdminID
	case "member":
		return RoleMemberID
	}
	return ""
}

// Zoom's ids of its built-in roles (role_id in user lists).
const (
	RoleOwnerID  = "0"
	RoleAdminID  = "1"
	RoleMemberID = "2"
)

// RefreshUserDirectory reads a customer's whole user directory from Zoom (active, inactive
// and pending users) and saves it, then resolves the customer's changes whose answer was
// lost. A failure is recorded on the directory (with Zoom's explanation) and returned; the
// directory keeps what it had.
func (s *Service) RefreshUserDirectory(ctx context.Context, zc *zoom.Client, partnerID int64, c store.Customer, ev store.AuditEvent) (added, removed int, err error) {
	start := time.Now()
	var users []store.DirUser
	for u, err := range zc.Users(ctx, c.ZoomAccountID, &zoom.ListUsersOptions{Status: zoom.AllStatuses}) {
		if err != nil {
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if ferr := s.Store.UserDirFailed(bg, partnerID, c.ID, zoom.Explain(err)); ferr != nil {
				return 0, 0, errors.Join(err, ferr)
			}
			return 0, 0, fmt.Errorf("list users of %s: %w", c.ZoomAccountID, err)
		}
		users = append(users, DirUserOf(u))
	}
	if added, removed, err = s.Store.ReplaceCustomerUsers(ctx, partnerID, c.ID, users, start); err != nil {
		return 0, 0, err
	}
	if _, err := s.ResolveUserChanges(ctx, zc, partnerID, c.ID, ev); err != nil {
		return added, removed, err
	}
	return added, removed, nil
}
