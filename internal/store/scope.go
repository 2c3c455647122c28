package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// Scope is what a staff member limited to customer groups reaches during one request: the
// customers those groups hold when the request began (evaluated by the customer list's own
// group code, so a customer tagged now is in scope on the next request). A nil *Scope is an
// unscoped member, who reaches every customer of the partner's reach.
type Scope struct {
	Groups   []int64  // the groups the member is limited to
	Names    []string // their names, in the same order
	IDs      []int64  // the customers in scope, ascending
	Accounts []string // their Zoom account ids
}

// Has reports whether the customer with Zoom account id accountID is in scope (always, for a
// nil scope).
func (sc *Scope) Has(accountID string) bool {
	return sc == nil || slices.Contains(sc.Accounts, accountID)
}

type scopeKey struct{}

// WithScope returns ctx carrying sc: every transaction the store begins with that context
// (inTx, read and the exports) sets the customers in scope as tierdesk.scope, which the
// row-level security policies of the customer-bearing tables read. A nil sc is unscoped.
// The scope is a cross-cutting value of the request, like the signed-in staff member; River
// jobs and the sequencer never carry one.
func WithScope(ctx context.Context, sc *Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, sc)
}

// ScopeFrom returns the scope ctx carries, or nil.
func ScopeFrom(ctx context.Context) *Scope {
	sc, _ := ctx.Value(scopeKey{}).(*Scope)
	return sc
}

// scopeSetting is the value of tierdesk.scope for ctx: "" when unscoped, else an array
// literal of the ids ("{}" reaches nothing). Only numbers formatted here reach the SQL.
func scopeSetting(ctx context.Context) string {
	sc := ScopeFrom(ctx)
	if sc == nil {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range sc.IDs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte('}')
	return b.String()
}

// ErrLastUnscopedOwner means a change would leave the partner with no active owner who
// reaches every customer (and so could lift the others' limits).
var ErrLastUnscopedOwner = errors.New("the partner must keep an active owner who reaches every customer")

// otherUnscopedOwners counts, in tx, the active owners of partnerID other than staffID
// who reach every customer (no staff_scopes row), locking them so that two concurrent
// changes cannot both count the other.
func otherUnscopedOwners(ctx context.Context, tx pgx.Tx, partnerID, staffID int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT id FROM staff WHERE partner_id = $1 AND role = 'owner' AND status = 'active'
		AND id <> $2 AND NOT EXISTS (SELECT 1 FROM staff_scopes ss WHERE ss.staff_id = staff.id) FOR UPDATE) o`,
		partnerID, staffID).Scan(&n)
	return n, err
}

// scopeGroupsSQL reads the groups staff member $2 of partner $1 is limited to.
const scopeGroupsSQL = "SELECT group_id FROM staff_scopes WHERE partner_id = $1 AND staff_id = $2 ORDER BY group_id"

// scopeGroups reads the groups staff member staffID of partnerID is limited to (none: unscoped).
func scopeGroups(ctx context.Context, tx pgx.Tx, partnerID, staffID int64) ([]int64, error) {
	rows, _ := tx.Query(ctx, scopeGroupsSQL, partnerID, staffID)
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// evaluateScope works out the customers groups hold now, in tx (which must act for partnerID
// with no scope): each group evaluated by the customer list's own query (CustomerFilter with
// GroupID, every status), the members of all of them together.
func evaluateScope(ctx context.Context, tx pgx.Tx, partnerID int64, groups []int64) (*Scope, error) {
	sc := &Scope{Groups: groups}
	seen := map[int64]bool{}
	for _, g := range groups {
		f := CustomerFilter{GroupID: g, AllStatus: true}
		if err := f.loadGroup(ctx, tx, partnerID); err != nil {
			return nil, err
		}
		sc.Names = append(sc.Names, f.group.Name)
		reach, err := f.reachOf(ctx, tx)
		if err != nil {
			return nil, err
		}
		q, args, _ := f.listQuery(reach, 0, searchPlan{})
		rows, _ := tx.Query(ctx, "SELECT u.id, u.zoom_account_id FROM ("+q+") u", args...)
		var id int64
		var acct string
		if _, err := pgx.ForEachRow(rows, []any{&id, &acct}, func() error {
			if !seen[id] {
				seen[id] = true
				sc.IDs = append(sc.IDs, id)
				sc.Accounts = append(sc.Accounts, acct)
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("members of group %d: %w", g, err)
		}
	}
	slices.Sort(sc.IDs)
	return sc, nil
}

// StaffScope returns the groups staff member staffID of partnerID is limited to, by name
// (none: they reach every customer).
func (s *Store) StaffScope(ctx context.Context, partnerID, staffID int64) ([]Group, error) {
	var out []Group
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+groupColumns+groupFrom+" JOIN staff_scopes ss ON ss.group_id = g.id AND ss.partner_id = g.partner_id"+
			" WHERE g.partner_id = $1 AND ss.staff_id = $2 ORDER BY lower(g.name), g.id", partnerID, staffID).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Group])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("scope of staff %d of partner %d: %w", staffID, partnerID, err)
	}
	return out, nil
}

// StaffScopes returns, for each staff member of partnerID who is limited to groups, the
// names of those groups (for the staff list).
func (s *Store) StaffScopes(ctx context.Context, partnerID int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT ss.staff_id, g.name FROM staff_scopes ss JOIN customer_groups g ON g.id = ss.group_id
			WHERE ss.partner_id = $1 ORDER BY ss.staff_id, lower(g.name), g.id`, partnerID).Query(func(rows pgx.Rows) error {
			var id int64
			var name string
			_, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { out[id] = append(out[id], name); return nil })
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("staff scopes of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// StaffLimitedBy names the staff members of partnerID (their emails) limited to group
// groupID: a group that limits someone cannot be deleted.
func (s *Store) StaffLimitedBy(ctx context.Context, partnerID, groupID int64) ([]string, error) {
	var out []string
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT st.email FROM staff_scopes ss JOIN staff st ON st.id = ss.staff_id
			WHERE ss.partner_id = $1 AND ss.group_id = $2 ORDER BY lower(st.email)`, partnerID, groupID).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("staff limited by group %d: %w", groupID, err)
	}
	return out, nil
}

// SetStaffScope limits staff member staffID of partnerID to groups (none: every customer
// again) and appends ev ("staff.scope", with the groups before and after) in one transaction.
// The same groups as now change and record nothing. A group that is not the partner's is a
// *ValidationError on "groups"; a removed or unknown staff member is ErrNotFound; limiting the
// last active owner who reaches every customer is ErrLastUnscopedOwner.
func (s *Store) SetStaffScope(ctx context.Context, partnerID, staffID int64, groups []int64, ev AuditEvent) error {
	slices.Sort(groups)
	groups = slices.Compact(groups)
	err := s.inTx(WithScope(ctx, nil), partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+staffColumns+" FROM staff WHERE partner_id = $1 AND id = $2 AND status <> 'removed' FOR UPDATE", partnerID, staffID)
		st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
		if err != nil {
			return translate(err)
		}
		named := func(ids []int64) ([]map[string]any, error) {
			rows, _ := tx.Query(ctx, "SELECT id, name FROM customer_groups WHERE partner_id = $1 AND id = ANY ($2) ORDER BY lower(name), id", partnerID, ids)
			out := []map[string]any{}
			var id int64
			var name string
			_, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
				out = append(out, map[string]any{"id": id, "name": name})
				return nil
			})
			return out, err
		}
		after, err := named(groups)
		if err != nil {
			return err
		}
		if len(after) != len(groups) {
			return &ValidationError{Fields: map[string]string{"groups": "Choose among your groups."}}
		}
		old, err := scopeGroups(ctx, tx, partnerID, staffID)
		if err != nil {
			return err
		}
		if slices.Equal(old, groups) {
			return nil
		}
		if len(groups) > 0 && st.Role == RoleOwner && st.Status == StaffActive {
			// Lock the owners, so that two owners limiting each other cannot both pass.
			others, err := otherUnscopedOwners(ctx, tx, partnerID, staffID)
			if err != nil {
				return err
			}
			if others == 0 {
				return ErrLastUnscopedOwner
			}
		}
		before, err := named(old)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM staff_scopes WHERE partner_id = $1 AND staff_id = $2", partnerID, staffID); err != nil {
			return err
		}
		if len(groups) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO staff_scopes (staff_id, group_id, partner_id) SELECT $2, unnest($3::bigint[]), $1`,
				partnerID, staffID, groups); err != nil {
				return translate(err)
			}
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.StaffScope, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "staff", strconv.FormatInt(staffID, 10), st.Email
		ev.Details = mustJSON(map[string]any{"before": scopeRecord(before), "after": scopeRecord(after)})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		var verr *ValidationError
		if errors.As(err, &verr) {
			return verr
		}
		return fmt.Errorf("scope of staff %d of partner %d: %w", staffID, partnerID, err)
	}
	return nil
}

// scopeRecord is what a staff.scope event records of a scope: its groups, or every customer.
func scopeRecord(groups []map[string]any) map[string]any {
	if len(groups) == 0 {
		return map[string]any{"reach": "every customer"}
	}
	return map[string]any{"reach": "groups", "groups": groups}
}
