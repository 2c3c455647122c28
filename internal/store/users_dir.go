package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// UserDir is the state of a customer's user directory: when it was last read whole from
// Zoom, and the last failure, if the last attempt failed.
type UserDir struct {
	SyncedAt    *time.Time
	AttemptedAt *time.Time
	Error       string
	ErrorAt     *time.Time
}

// UserDirState returns the directory state of a customer in partnerID's reach (zero when it
// was never read).
func (s *Store) UserDirState(ctx context.Context, partnerID, customerID int64) (UserDir, error) {
	var d UserDir
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT synced_at, attempted_at, error, error_at FROM customer_user_dirs WHERE customer_id = $1", customerID).
			Scan(&d.SyncedAt, &d.AttemptedAt, &d.Error, &d.ErrorAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return UserDir{}, fmt.Errorf("user directory of customer %d: %w", customerID, err)
	}
	return d, nil
}

// ClaimUserDirRefresh reports whether the caller should read partnerID's customer's
// directory from Zoom now: it was never read or is older than maxAge, and nobody started
// reading it in the last busyFor. A true answer records the attempt, so that concurrent
// viewers do not all ask Zoom at once.
func (s *Store) ClaimUserDirRefresh(ctx context.Context, partnerID, customerID int64, maxAge, busyFor time.Duration) (bool, error) {
	var claimed bool
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if err := ensureUserDir(ctx, tx, partnerID, customerID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE customer_user_dirs SET attempted_at = now()
			WHERE customer_id = $1 AND partner_id = $2
			  AND (synced_at IS NULL OR synced_at < now() - $3 * interval '1 second')
			  AND (attempted_at IS NULL OR attempted_at < now() - $4 * interval '1 second')`,
			customerID, partnerID, maxAge.Seconds(), busyFor.Seconds())
		claimed = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim directory refresh of customer %d: %w", customerID, err)
	}
	return claimed, nil
}

// ensureUserDir creates the directory state row of partnerID's own customer; a customer that
// is not partnerID's own is ErrNotFound.
func ensureUserDir(ctx context.Context, tx pgx.Tx, partnerID, customerID int64) error {
	tag, err := tx.Exec(ctx, `INSERT INTO customer_user_dirs (customer_id, partner_id)
		SELECT id, partner_id FROM customers WHERE id = $1 AND partner_id = $2
		ON CONFLICT (customer_id) DO NOTHING`, customerID, partnerID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM customer_user_dirs WHERE customer_id = $1 AND partner_id = $2", customerID, partnerID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
	}
	return nil
}

// ReplaceCustomerUsers saves the whole directory of partnerID's own customer as Zoom listed
// it at seenAt: listed users are added or updated (only those that changed are written),
// users no longer listed are removed, and the directory is marked synced. A pending user keeps the id Tierdesk learnt when it created
// it (Zoom's list gives pending users none). It returns how many users were added and removed.
func (s *Store) ReplaceCustomerUsers(ctx context.Context, partnerID, customerID int64, users []DirUser, seenAt time.Time) (added, removed int, err error) {
	err = s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if err := ensureUserDir(ctx, tx, partnerID, customerID); err != nil {
			return err
		}
		var err error
		if added, err = upsertUsers(ctx, tx, partnerID, customerID, users, seenAt); err != nil {
			return err
		}
		// Removed: users Zoom no longer lists, unless written after the listing began (a user
		// added through Tierdesk meanwhile). A listed user is never removed, written or not.
		listed := make([]string, len(users))
		for i, u := range users {
			listed[i] = strings.ToLower(strings.TrimSpace(u.Email))
		}
		tag, err := tx.Exec(ctx, "DELETE FROM customer_users WHERE customer_id = $1 AND seen_at < $2 AND lower(email) <> ALL ($3::text[])",
			customerID, seenAt, listed)
		if err != nil {
			return err
		}
		removed = int(tag.RowsAffected())
		_, err = tx.Exec(ctx, "UPDATE customer_user_dirs SET synced_at = $2, error = '', error_at = NULL WHERE customer_id = $1", customerID, seenAt)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("save users of customer %d: %w", customerID, translate(err))
	}
	return added, removed, nil
}

// upsertUsers adds or updates users of a customer, and returns how many were new.
func upsertUsers(ctx context.Context, tx pgx.Tx, partnerID, customerID int64, users []DirUser, seenAt time.Time) (int, error) {
	if len(users) == 0 {
		return 0, nil
	}
	n := len(users)
	ids, emails, firsts, lasts, displays := make([]*string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	types, statuses, roles, depts, zones := make([]int32, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	created, logins := make([]*time.Time, n), make([]*time.Time, n)
	for i, u := range users {
		if u.ZoomUserID != "" {
			id := u.ZoomUserID
			ids[i] = &id
		}
		emails[i], firsts[i], lasts[i], displays[i] = strings.TrimSpace(u.Email), u.FirstName, u.LastName, u.DisplayName
		types[i], statuses[i], roles[i], depts[i], zones[i] = int32(u.Type), u.Status, u.RoleID, u.Dept, u.Timezone
		created[i], logins[i] = u.ZoomCreatedAt, u.LastLoginAt
	}
	// A user whose email changed in Zoom keeps its id: drop the entry under the old email.
	if _, err := tx.Exec(ctx, `DELETE FROM customer_users c USING unnest($2::text[], $3::text[]) AS n(id, email)
		WHERE c.customer_id = $1 AND n.id IS NOT NULL AND c.zoom_user_id = n.id AND lower(c.email) <> lower(n.email)`,
		customerID, ids, emails); err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, `INSERT INTO customer_users (partner_id, customer_id, zoom_user_id, email, first_name, last_name,
			display_name, user_type, status, role_id, dept, timezone, zoom_created_at, last_login_at, seen_at)
		SELECT $1, $2, n.id, n.email, n.first, n.last, n.display, n.typ, n.status, n.role, n.dept, n.zone, n.created, n.login, $3
		FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[], $11::text[], $12::text[],
			$13::text[], $14::timestamptz[], $15::timestamptz[])
			AS n(id, email, first, last, display, typ, status, role, dept, zone, created, login)
		ON CONFLICT (customer_id, lower(email)) DO UPDATE SET
			zoom_user_id = coalesce(EXCLUDED.zoom_user_id, customer_users.zoom_user_id), email = EXCLUDED.email,
			first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, display_name = EXCLUDED.display_name,
			user_type = EXCLUDED.user_type, status = EXCLUDED.status, role_id = EXCLUDED.role_id, dept = EXCLUDED.dept,
			timezone = EXCLUDED.timezone, zoom_created_at = coalesce(EXCLUDED.zoom_created_at, customer_users.zoom_created_at),
			last_login_at = EXCLUDED.last_login_at, seen_at = EXCLUDED.seen_at, updated_at = now()
		-- A row Zoom still lists as it is is not written again (no WAL, no dead tuple).
		WHERE (customer_users.zoom_user_id, customer_users.email, customer_users.first_name, customer_users.last_name,
				customer_users.display_name, customer_users.user_type, customer_users.status, customer_users.role_id,
				customer_users.dept, customer_users.timezone, customer_users.zoom_created_at, customer_users.last_login_at)
			IS DISTINCT FROM (coalesce(EXCLUDED.zoom_user_id, customer_users.zoom_user_id), EXCLUDED.email, EXCLUDED.first_name,
				EXCLUDED.last_name, EXCLUDED.display_name, EXCLUDED.user_type, EXCLUDED.status, EXCLUDED.role_id, EXCLUDED.dept,
				EXCLUDED.timezone, coalesce(EXCLUDED.zoom_created_at, customer_users.zoom_created_at), EXCLUDED.last_login_at)
		RETURNING xmax = 0`,
		partnerID, customerID, seenAt, ids, emails, firsts, lasts, displays, types, statuses, roles, depts, zones, created, logins)
	if err != nil {
		return 0, err
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[bool])
	if err != nil {
		return 0, err
	}
	added := 0
	for _, b := range inserted {
		if b {
			added++
		}
	}
	return added, nil
}

// UserDirFailed records that reading partnerID's customer's directory from Zoom failed, with
// a message for people.
func (s *Store) UserDirFailed(ctx context.Context, partnerID, customerID int64, msg string) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if err := ensureUserDir(ctx, tx, partnerID, customerID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE customer_user_dirs SET error = $2, error_at = now() WHERE customer_id = $1", customerID, truncate(msg, 1000))
		return err
	})
}

// CacheCustomerUser saves one user of partnerID's own customer as Zoom just returned it (a
// read, not a change: nothing to audit).
func (s *Store) CacheCustomerUser(ctx context.Context, partnerID, customerID int64, u DirUser) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if err := ensureUserDir(ctx, tx, partnerID, customerID); err != nil {
			return err
		}
		_, err := upsertUsers(ctx, tx, partnerID, customerID, []DirUser{u}, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("cache user %s of customer %d: %w", u.Email, customerID, translate(err))
	}
	return nil
}

// ForgetCustomerUser drops a user of partnerID's own customer that Zoom no longer has there
// (removed or moved outside Tierdesk).
func (s *Store) ForgetCustomerUser(ctx context.Context, partnerID, customerID int64, email string) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM customer_users WHERE customer_id = $1 AND partner_id = $2 AND lower(email) = lower($3)",
			customerID, partnerID, email)
		return err
	})
}

// StaleUserDirs lists partnerID's own active customers whose directory was never read whole
// from Zoom (before is the zero time), or was read and last read before before, the oldest
// first: the first fill and the refresh are separate work, at separate speeds.
func (s *Store) StaleUserDirs(ctx context.Context, partnerID int64, before time.Time) ([]Customer, error) {
	var out []Customer
	cond := "d.synced_at IS NULL"
	args := []any{partnerID}
	if !before.IsZero() {
		cond, args = "d.synced_at < $2", append(args, before)
	}
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+customerColumns+customerFrom+` LEFT JOIN customer_user_dirs d ON d.customer_id = c.id
			WHERE c.partner_id = $1 AND c.status = 'active' AND `+cond+`
			ORDER BY d.synced_at NULLS FIRST, c.id`, args...).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("stale user directories of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// DirFreshness is how complete and fresh the user directories of one partner in a reach are.
type DirFreshness struct {
	PartnerID   int64
	PartnerName string
	Depth       int        // 0 for the acting partner, 1 for its resellers, ...
	Customers   int        // active customers
	Read        int        // of which the directory was read whole at least once
	Oldest      *time.Time // the oldest last read among those read
	Unread      []string   // names of up to 5 active customers whose directory was never read
	Failing     int        // customers whose last read failed
}

// DirectoryFreshness reports, for every partner in partnerID's reach (itself first, then the
// tree by name), how many of its active customers' directories were read and how long ago.
func (s *Store) DirectoryFreshness(ctx context.Context, partnerID int64) ([]DirFreshness, error) {
	var out []DirFreshness
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`WITH RECURSIVE tree(id, name, depth, path) AS (
				SELECT id, name, 0, ARRAY[name] FROM partners WHERE id = $1
				UNION ALL
				SELECT p.id, p.name, t.depth + 1, t.path || p.name FROM partners p JOIN tree t ON p.parent_id = t.id)
			SELECT t.id, t.name, t.depth, count(c.id)::int, count(d.synced_at)::int, min(d.synced_at),
				coalesce((array_agg(c.account_name ORDER BY c.account_name) FILTER (WHERE c.id IS NOT NULL AND d.synced_at IS NULL))[1:5], '{}'),
				(count(*) FILTER (WHERE d.error <> ''))::int
			FROM tree t
			LEFT JOIN customers c ON c.partner_id = t.id AND c.status = 'active'
			LEFT JOIN customer_user_dirs d ON d.customer_id = c.id
			GROUP BY t.id, t.name, t.depth, t.path ORDER BY t.path`, partnerID).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var f DirFreshness
				if err := rows.Scan(&f.PartnerID, &f.PartnerName, &f.Depth, &f.Customers, &f.Read, &f.Oldest, &f.Unread, &f.Failing); err != nil {
					return err
				}
				out = append(out, f)
			}
			return rows.Err()
		})
	})
	if err != nil {
		return nil, fmt.Errorf("directory freshness of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// LookupCandidates lists up to limit of partnerID's own active customers in which to ask Zoom
// for a user with an email at domain: first those whose directory was never read (a directory
// read whole that lacks the email most likely lacks the user), then those whose owner or
// directory has an address at that domain, then the least recently read. total is how many
// active customers the partner has.
func (s *Store) LookupCandidates(ctx context.Context, partnerID int64, domain string, limit int) (out []Customer, total int, err error) {
	escape := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)
	domain = "%@" + escape.Replace(strings.ToLower(strings.TrimSpace(domain)))
	err = s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+customerColumns+customerFrom+` LEFT JOIN customer_user_dirs d ON d.customer_id = c.id
			WHERE c.partner_id = $1 AND c.status = 'active'
			ORDER BY d.synced_at IS NULL DESC,
				(lower(c.owner_email) LIKE $2 OR EXISTS (SELECT 1 FROM customer_users u WHERE u.customer_id = c.id AND lower(u.email) LIKE $2)) DESC,
				d.synced_at, c.id
			LIMIT $3`, partnerID, domain, limit).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
			return err
		})
		b.Queue("SELECT count(*) FROM customers WHERE partner_id = $1 AND status = 'active'", partnerID).QueryRow(func(row pgx.Row) error {
			return row.Scan(&total)
		})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("customers to look up a user in, partner %d: %w", partnerID, err)
	}
	return out, total, nil
}
