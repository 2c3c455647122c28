package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// User statuses in a customer's directory, as Zoom names them.
const (
	UserActive   = "active"
	UserInactive = "inactive"
	UserPending  = "pending" // invited, not accepted yet: Zoom's list gives no id
)

// UserCounts summarizes a customer's user directory: how many users by status, and when the
// directory was last read whole from Zoom (nil when never).
type UserCounts struct {
	Active, Inactive, Pending, Total int
	SyncedAt                         *time.Time
}

// CustomerUserCounts counts the users of the customer with a Zoom account id in partnerID's
// reach, from the directory cache. A directory never synced has zero counts and a nil
// SyncedAt. A customer out of reach is ErrNotFound.
func (s *Store) CustomerUserCounts(ctx context.Context, partnerID int64, zoomAccountID string) (UserCounts, error) {
	var uc UserCounts
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT d.synced_at,
				(SELECT count(*) FILTER (WHERE u.status = 'active') FROM customer_users u WHERE u.customer_id = c.id),
				(SELECT count(*) FILTER (WHERE u.status = 'inactive') FROM customer_users u WHERE u.customer_id = c.id),
				(SELECT count(*) FILTER (WHERE u.status = 'pending') FROM customer_users u WHERE u.customer_id = c.id)
			FROM customers c LEFT JOIN customer_user_dirs d ON d.customer_id = c.id
			WHERE c.zoom_account_id = $1`, zoomAccountID).Scan(&uc.SyncedAt, &uc.Active, &uc.Inactive, &uc.Pending)
		return translate(err)
	})
	if err != nil {
		return UserCounts{}, fmt.Errorf("user counts of customer %s: %w", zoomAccountID, err)
	}
	uc.Total = uc.Active + uc.Inactive + uc.Pending
	return uc, nil
}

// CustomerUser is a Zoom user of a customer as the directory caches it.
type CustomerUser struct {
	ID            int64      `db:"id"`
	PartnerID     int64      `db:"partner_id"` // the customer's direct partner
	CustomerID    int64      `db:"customer_id"`
	ZoomAccountID string     `db:"zoom_account_id"`
	CustomerName  string     `db:"customer_name"`
	PartnerName   string     `db:"partner_name"`
	ZoomUserID    string     `db:"zoom_user_id"` // "" for a pending user whose id Zoom did not give
	Email         string     `db:"email"`
	FirstName     string     `db:"first_name"`
	LastName      string     `db:"last_name"`
	DisplayName   string     `db:"display_name"`
	Type          int        `db:"user_type"`
	Status        string     `db:"status"`
	RoleID        string     `db:"role_id"`
	Dept          string     `db:"dept"`
	Timezone      string     `db:"timezone"`
	ZoomCreatedAt *time.Time `db:"zoom_created_at"`
	LastLoginAt   *time.Time `db:"last_login_at"`
	SeenAt        time.Time  `db:"seen_at"`
}

// Name is the user's display name, or first and last name, or "".
func (u CustomerUser) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// Key is what identifies the user in URLs: the Zoom user id, or the email of a pending user
// Zoom gave no id for (Zoom's user endpoints accept either).
func (u CustomerUser) Key() string {
	if u.ZoomUserID != "" {
		return u.ZoomUserID
	}
	return u.Email
}

const userColumns = `u.id, u.partner_id, u.customer_id, c.zoom_account_id, c.account_name AS customer_name, p.name AS partner_name,
	coalesce(u.zoom_user_id, '') AS zoom_user_id, u.email, u.first_name, u.last_name, u.display_name, u.user_type, u.status,
	u.role_id, u.dept, u.timezone, u.zoom_created_at, u.last_login_at, u.seen_at`

const userFrom = ` FROM customer_users u JOIN customers c ON c.id = u.customer_id JOIN partners p ON p.id = u.partner_id`

// DirUser is a user as Zoom answered it (a list item or a single user), to save in the
// directory.
type DirUser struct {
	ZoomUserID    string // "" for pending users listed without an id
	Email         string
	FirstName     string
	LastName      string
	DisplayName   string
	Type          int
	Status        string
	RoleID        string
	Dept          string
	Timezone      string
	ZoomCreatedAt *time.Time
	LastLoginAt   *time.Time
}

// UserFilter selects users of one customer. Zero fields do not filter.
type UserFilter struct {
	Status string   // active, inactive or pending
	Type   int      // Zoom's user type (1 Basic, 2 Licensed, ...); 0 for any
	Query  string   // email or name contains
	Sort   UserSort // the order; "" is by email
	After  string   // keyset cursor from the previous page
	Limit  int      // 0 means 50, at most 500
}

// UserSort is an order of a customer's users.
type UserSort string

// The orders of a customer's users. Each ends with the email, so that the order is total and
// pages follow each other by a keyset cursor.
const (
	UserSortEmail     UserSort = ""           // email, A to Z
	UserSortName      UserSort = "name"       // last name then first name, A to Z
	UserSortLastLogin UserSort = "last_login" // latest sign-in first, never signed in last
	UserSortCreated   UserSort = "created"    // newest first
)

// userOrder is a sort's key expression and direction.
func (s UserSort) order() (key, dir string) {
	switch s {
	case UserSortName:
		return "lower(u.last_name || ' ' || u.first_name)", "ASC"
	case UserSortLastLogin:
		return "coalesce(u.last_login_at, '-infinity')::text", "DESC"
	case UserSortCreated:
		return "coalesce(u.zoom_created_at, '-infinity')::text", "DESC"
	}
	return "", "ASC"
}

// UserPage is a page of users and the cursor of the next.
type UserPage struct {
	Users []CustomerUser
	Next  string
}

// likePattern makes a LIKE pattern that matches q anywhere, lower-cased, with LIKE's
// wildcards taken literally.
func likePattern(q string) string {
	return "%" + likeEscaper.Replace(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// CustomerUsers lists the users of a customer in partnerID's reach from the directory, by
// email, a page at a time.
func (s *Store) CustomerUsers(ctx context.Context, partnerID, customerID int64, f UserFilter) (UserPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	} else if limit > 500 {
		limit = 500
	}
	args := []any{customerID}
	conds := []string{"u.customer_id = $1"}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Status != "" {
		add("u.status = ?", f.Status)
	}
	if strings.TrimSpace(f.Query) != "" {
		add("u.search LIKE ?", likePattern(f.Query))
	}
	if f.Type != 0 {
		add("u.user_type = ?", f.Type)
	}
	key, dir := f.Sort.order()
	cmp := map[string]string{"ASC": ">", "DESC": "<"}[dir]
	order := "lower(u.email) " + dir
	if key != "" {
		order = key + " " + dir + ", " + order
	}
	if f.After != "" {
		// A sorted page's cursor is its last key (base64url: it holds no dot) and email.
		if k64, email, ok := strings.Cut(f.After, "."); ok && key != "" {
			k, err := base64.RawURLEncoding.DecodeString(k64)
			if err != nil {
				return UserPage{}, fmt.Errorf("users of customer %d: cursor %q: %w", customerID, f.After, ErrNotFound)
			}
			args = append(args, string(k), email)
			conds = append(conds, fmt.Sprintf("(%s, lower(u.email)) %s ($%d, $%d)", key, cmp, len(args)-1, len(args)))
		} else if key == "" {
			add("lower(u.email) "+cmp+" ?", f.After)
		}
	}
	sortKey := "lower(u.email)"
	if key != "" {
		sortKey = key
	}
	var page UserPage
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+userColumns+", "+sortKey+" AS sort_key"+userFrom+" WHERE "+strings.Join(conds, " AND ")+
			" ORDER BY "+order+" LIMIT "+strconv.Itoa(limit+1), args...)
		type sorted struct {
			CustomerUser
			SortKey string `db:"sort_key"`
		}
		us, err := pgx.CollectRows(rows, pgx.RowToStructByName[sorted])
		if err != nil {
			return err
		}
		if len(us) > limit {
			us = us[:limit]
			page.Next = strings.ToLower(us[limit-1].Email)
			if key != "" {
				page.Next = base64.RawURLEncoding.EncodeToString([]byte(us[limit-1].SortKey)) + "." + page.Next
			}
		}
		for _, u := range us {
			page.Users = append(page.Users, u.CustomerUser)
		}
		return nil
	})
	if err != nil {
		return UserPage{}, fmt.Errorf("users of customer %d: %w", customerID, err)
	}
	return page, nil
}

// CustomerUserByKey returns a user of a customer in partnerID's reach by Zoom user id or
// email, or ErrNotFound.
func (s *Store) CustomerUserByKey(ctx context.Context, partnerID, customerID int64, key string) (CustomerUser, error) {
	var u CustomerUser
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+userColumns+userFrom+
			" WHERE u.customer_id = $1 AND (u.zoom_user_id = $2 OR lower(u.email) = lower($2)) ORDER BY u.zoom_user_id = $2 DESC LIMIT 1",
			customerID, key).Query(func(rows pgx.Rows) (err error) {
			u, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CustomerUser])
			return err
		})
	})
	if err != nil {
		return CustomerUser{}, fmt.Errorf("user %s of customer %d: %w", key, customerID, err)
	}
	return u, nil
}

// CustomerAndUser reads, in one round trip, the customer in partnerID's reach with Zoom
// account zoomAccountID (ErrNotFound when there is none) and its directory user with key
// (Zoom user id or email), nil when the directory has none: what a user's page reads first.
func (s *Store) CustomerAndUser(ctx context.Context, partnerID int64, zoomAccountID, key string) (Customer, *CustomerUser, error) {
	var c Customer
	var u *CustomerUser
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+customerColumns+customerFrom+" WHERE c.zoom_account_id = $1", zoomAccountID).Query(func(rows pgx.Rows) (err error) {
			c, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Customer])
			return err
		})
		b.Queue("SELECT "+userColumns+userFrom+
			" WHERE c.zoom_account_id = $1 AND (u.zoom_user_id = $2 OR lower(u.email) = lower($2)) ORDER BY u.zoom_user_id = $2 DESC LIMIT 1",
			zoomAccountID, key).Query(func(rows pgx.Rows) error {
			found, err := pgx.CollectRows(rows, pgx.RowToStructByName[CustomerUser])
			if len(found) == 1 {
				u = &found[0]
			}
			return err
		})
	})
	if err != nil {
		return Customer{}, nil, fmt.Errorf("customer %s and user %s: %w", zoomAccountID, key, err)
	}
	return c, u, nil
}

// UserKnownElsewhere reports whether the directory in partnerID's reach has a user with key
// (Zoom user id or email) in a customer of a partner below it: a URL that pairs an own
// customer with another partner's user. (A user of another own customer may have been moved
// in Zoom since the directory was read: that one is for Zoom to answer.)
func (s *Store) UserKnownElsewhere(ctx context.Context, partnerID, customerID int64, key string) (bool, error) {
	var found bool
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM customer_users
			WHERE customer_id <> $1 AND partner_id <> $3 AND (zoom_user_id = $2 OR lower(email) = lower($2)))`, customerID, key, partnerID).Scan(&found)
	})
	return found, err
}

// UsersByEmail returns the directory entries in partnerID's reach with any of emails
// (compared without case), whichever customer they are in.
func (s *Store) UsersByEmail(ctx context.Context, partnerID int64, emails []string) ([]CustomerUser, error) {
	lower := make([]string, len(emails))
	for i, e := range emails {
		lower[i] = strings.ToLower(strings.TrimSpace(e))
	}
	var out []CustomerUser
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+userColumns+userFrom+" WHERE lower(u.email) = ANY($1) ORDER BY lower(u.email), u.id", lower)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[CustomerUser])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("users by email: %w", err)
	}
	return out, nil
}

// SearchUsers finds users in partnerID's reach (every tier below it too) whose email or name
// contains q, exact email matches first, at most limit (0 means 50).
func (s *Store) SearchUsers(ctx context.Context, partnerID int64, q string, limit int) ([]CustomerUser, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []CustomerUser
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+userColumns+userFrom+` WHERE u.search LIKE $1
			ORDER BY lower(u.email) = $2 DESC, lower(u.email) LIKE $3 DESC, lower(u.email), u.id LIMIT `+strconv.Itoa(limit),
			likePattern(q), strings.ToLower(q), likeEscaper.Replace(strings.ToLower(q))+"%")
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[CustomerUser])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search users of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// Holds reports whether the directory's row already says what Zoom's answer d says (the
// fields CacheCustomerUser would write): then there is nothing to write.
func (u CustomerUser) Holds(d DirUser) bool {
	sameTime := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	created := d.ZoomCreatedAt
	if created == nil {
		created = u.ZoomCreatedAt // kept when Zoom gives none
	}
	return (d.ZoomUserID == "" || d.ZoomUserID == u.ZoomUserID) && strings.TrimSpace(d.Email) == u.Email &&
		d.FirstName == u.FirstName && d.LastName == u.LastName && d.DisplayName == u.DisplayName && d.Type == u.Type &&
		d.Status == u.Status && d.RoleID == u.RoleID && d.Dept == u.Dept && d.Timezone == u.Timezone &&
		sameTime(created, u.ZoomCreatedAt) && sameTime(d.LastLoginAt, u.LastLoginAt)
}
