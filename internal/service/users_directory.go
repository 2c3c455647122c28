package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
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

// LookupLimit is how many customers a live look-up of one email asks Zoom about at most.
const LookupLimit = 25

// UserLookup is the answer of LookUpUser.
type UserLookup struct {
	Customer store.Customer // where Zoom has the user (when Found)
	User     store.DirUser  // the user as the directory now keeps them (when Found)
	Found    bool
	Checked  int // customers Zoom was asked about
	Total    int // the partner's active customers
}

// LookUpUser asks Zoom, for the customers of partnerID most likely to hold email (directories
// never read first, then its domain, then the least recently read; at most LookupLimit), whether
// the user is theirs, a few at a time, and stops at the first that is. A user found is saved
// in that customer's directory, so the next search finds them. Zoom's "no such user" is an
// answer; any other failure ends the look-up with that error (the look-up is a read: nothing
// is changed at Zoom, so nothing is audited).
func (s *Service) LookUpUser(ctx context.Context, partnerID, staffID int64, email string) (UserLookup, error) {
	var out UserLookup
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return out, &store.ValidationError{Fields: map[string]string{"email": "Enter a whole email address to look it up in Zoom."}}
	}
	candidates, total, err := s.Store.LookupCandidates(ctx, partnerID, email[at+1:], LookupLimit)
	if err != nil {
		return out, err
	}
	out.Total = total
	if len(candidates) == 0 {
		return out, nil
	}
	zc, err := s.ForRead(ctx, partnerID, staffID)
	if err != nil {
		return out, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		found = -1
		zu    *zoom.User
	)
	zc.Flow(zoom.Light, 0).Run(ctx, len(candidates), func(ctx context.Context, i int) bool {
		u, _, err := zc.GetUser(ctx, candidates[i].ZoomAccountID, email, nil)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil && found < 0:
			found, zu = i, u
			out.Checked++
			cancel() // the others need not answer
			return false
		case err == nil, zoom.IsNotFound(err):
			out.Checked++
			return true
		case ctx.Err() != nil:
			return false
		default:
			if first == nil {
				first = err
			}
			return false
		}
	})
	if found < 0 {
		return out, first
	}
	out.Found, out.Customer, out.User = true, candidates[found], DirUserOf(*zu)
	// Saved with a context of its own: the look-up's was cancelled when the user was found.
	if err := s.Store.CacheCustomerUser(context.WithoutCancel(ctx), partnerID, out.Customer.ID, out.User); err != nil {
		return out, err
	}
	return out, nil
}
