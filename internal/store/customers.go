package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// CustomerStatus is where a customer stands.
type CustomerStatus string

// Customer statuses.
const (
	CustomerActive        CustomerStatus = "active"        // in Zoom under its partner
	CustomerGone          CustomerStatus = "gone"          // no longer in the partner's sub-account list
	CustomerDisassociated CustomerStatus = "disassociated" // disassociated through Tierdesk
	CustomerDraft         CustomerStatus = "draft"         // being onboarded
	CustomerPending       CustomerStatus = "pending"       // a create whose answer was lost, being resolved
)

// Customer is a Zoom sub account as Tierdesk caches it.
type Customer struct {
	ID                int64          `db:"id"`
	PartnerID         int64          `db:"partner_id"`
	ZoomAccountID     string         `db:"zoom_account_id"`
	AccountName       string         `db:"account_name"`
	OwnerEmail        string         `db:"owner_email"`
	AccountType       string         `db:"account_type"`
	AccountNumber     string         `db:"account_number"`
	Seats             int            `db:"seats"`
	PayMode           string         `db:"pay_mode"`
	SubscriptionStart *time.Time     `db:"subscription_start"`
	SubscriptionEnd   *time.Time     `db:"subscription_end"`
	ZoomCreatedAt     *time.Time     `db:"zoom_created_at"`
	VanityURL         string         `db:"vanity_url"`
	Status            CustomerStatus `db:"status"`
	SyncedAt          *time.Time     `db:"synced_at"`
	Tags              []string       `db:"tags"`
	Notes             string         `db:"notes"`
	ExternalRef       string         `db:"external_ref"`
	CreatedAt         time.Time      `db:"created_at"`
	UpdatedAt         time.Time      `db:"updated_at"`
	PartnerName       string         `db:"partner_name"` // the direct partner's name
	// A customer being onboarded (status draft) on the acting partner's list: its onboarding
	// and where that stands (running, stopped). Filled by Customers only.
	OnboardingID     string `db:"-"`
	OnboardingStatus string `db:"-"`
}

// Placeholder account ids stand for sub accounts Zoom has not (yet, or knowingly) created: one
// being onboarded, and a create whose answer was lost.
const (
	draftAccountPrefix   = "draft:"
	pendingAccountPrefix = "pending:"
)

// InZoom reports whether the customer's account id is Zoom's (not a placeholder for an
// account being onboarded or a create still being resolved).
func (c Customer) InZoom() bool {
	return !strings.HasPrefix(c.ZoomAccountID, draftAccountPrefix) && !strings.HasPrefix(c.ZoomAccountID, pendingAccountPrefix)
}

const customerColumns = `c.id, c.partner_id, c.zoom_account_id, c.account_name, c.owner_email, c.account_type, c.account_number,
	c.seats, c.pay_mode, c.subscription_start, c.subscription_end, c.zoom_created_at, c.vanity_url, c.status, c.synced_at,
	c.tags, c.notes, c.external_ref, c.created_at, c.updated_at, p.name AS partner_name`

const customerFrom = ` FROM customers c JOIN partners p ON p.id = c.partner_id`

// SyncedCustomer is a sub account as Zoom's list gives it.
type SyncedCustomer struct {
	ZoomAccountID     string
	AccountName       string
	OwnerEmail        string
	AccountType       string
	AccountNumber     string
	Seats             int
	SubscriptionStart *time.Time
	SubscriptionEnd   *time.Time
	ZoomCreatedAt     *time.Time
}

// SaveSyncedCustomers records a page of partnerID's sub accounts as Zoom listed them at
// seenAt (by sync job jobID): new ones are added, known ones updated and marked active again,
// the account directory learns who manages them, and registered partners among them are
// linked below partnerID. A customer back from gone and a partner moved below partnerID are
// audited (seen from Zoom) in the same transaction. It returns how many were new.
//
// seenAt is when the listing began, on the database's clock (Now): a customer changed in
// Tierdesk since then (a change Zoom accepted, a webhook) may be newer than the listing,
// which was read before that change, so it keeps its fields and status and is only marked
// as seen.
func (s *Store) SaveSyncedCustomers(ctx context.Context, partnerID int64, page []SyncedCustomer, seenAt time.Time, jobID string) (int, error) {
	added := 0
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		seen := func(action audit.Action, targetType, id, label string, before, after map[string]any) error {
			_, err := s.appendAudit(ctx, tx, AuditEvent{PartnerID: partnerID, Action: action, Outcome: OutcomeSucceeded, External: true, JobID: jobID,
				TargetType: targetType, TargetID: id, TargetLabel: label, CustomerID: map[bool]string{true: id}[targetType == "customer"],
				Details: mustJSON(map[string]any{"before": before, "after": after})})
			return err
		}
		ids := make([]string, 0, len(page))
		for _, c := range page {
			ids = append(ids, c.ZoomAccountID)
		}
		// The listed customers are locked first, so that a change recorded at the same time (an
		// owner change Zoom accepted) either committed before and is seen here as newer than
		// the listing, or waits for this page to be saved and then applies over it.
		if _, err := tx.Exec(ctx, "SELECT 1 FROM customers WHERE partner_id = $1 AND zoom_account_id = ANY($2) ORDER BY id FOR UPDATE", partnerID, ids); err != nil {
			return err
		}
		// Changed since the listing began: seen, but not overwritten with what the listing says.
		if _, err := tx.Exec(ctx, "UPDATE customers SET synced_at = $3 WHERE partner_id = $1 AND zoom_account_id = ANY($2) AND updated_at >= $3",
			partnerID, ids, seenAt); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, "SELECT zoom_account_id, account_name FROM customers WHERE partner_id = $1 AND status = 'gone' AND zoom_account_id = ANY($2) AND updated_at < $3",
			partnerID, ids, seenAt)
		back, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ ID, Name string }])
		if err != nil {
			return err
		}
		for _, c := range back {
			if err := seen(audit.CustomerBack, "customer", c.ID, c.Name, map[string]any{"status": "gone"}, map[string]any{"status": "active"}); err != nil {
				return err
			}
		}
		for _, c := range page {
			var inserted bool
			err := tx.QueryRow(ctx, `INSERT INTO customers (partner_id, zoom_account_id, account_name, owner_email, account_type,
					account_number, seats, subscription_start, subscription_end, zoom_created_at, status, synced_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11)
				ON CONFLICT (zoom_account_id) DO UPDATE SET account_name = EXCLUDED.account_name,
					owner_email = EXCLUDED.owner_email, account_type = EXCLUDED.account_type,
					account_number = EXCLUDED.account_number, seats = EXCLUDED.seats,
					subscription_start = EXCLUDED.subscription_start, subscription_end = EXCLUDED.subscription_end,
					zoom_created_at = EXCLUDED.zoom_created_at, synced_at = EXCLUDED.synced_at,
					status = CASE WHEN customers.status IN ('gone', 'pending') THEN 'active' ELSE customers.status END,
					updated_at = now()
				WHERE customers.updated_at < EXCLUDED.synced_at
				RETURNING xmax = 0`,
				partnerID, c.ZoomAccountID, c.AccountName, c.OwnerEmail, c.AccountType, c.AccountNumber, c.Seats,
				c.SubscriptionStart, c.SubscriptionEnd, c.ZoomCreatedAt, seenAt).Scan(&inserted)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // changed since the listing began (marked seen above)
			}
			if err != nil {
				return fmt.Errorf("save customer %s: %w", c.ZoomAccountID, translate(err))
			}
			if inserted {
				added++
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO account_directory (zoom_account_id, partner_id)
			SELECT unnest($2::text[]), $1 ON CONFLICT (zoom_account_id) DO UPDATE SET partner_id = EXCLUDED.partner_id, updated_at = now()`,
			partnerID, ids); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `WITH moved AS (SELECT id, parent_id FROM partners WHERE zoom_account_id = ANY($2) AND id <> $1
				AND parent_id IS DISTINCT FROM $1 FOR UPDATE)
			UPDATE partners p SET parent_id = $1 FROM moved WHERE p.id = moved.id RETURNING p.id, p.name, moved.parent_id`, partnerID, ids)
		type move struct {
			ID     int64
			Name   string
			Parent *int64
		}
		moves, err := pgx.CollectRows(rows, pgx.RowToStructByPos[move])
		if err != nil {
			return err
		}
		for _, m := range moves {
			if err := seen(audit.PartnerParent, "partner", strconv.FormatInt(m.ID, 10), m.Name, map[string]any{"parent_id": m.Parent}, map[string]any{"parent_id": partnerID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("save synced customers of partner %d: %w", partnerID, err)
	}
	return added, nil
}

// Now is the database's clock, which stamps every change of a customer (updated_at): a sync
// takes the time its listing begins from it (SaveSyncedCustomers, MarkGoneCustomers), so
// that a change recorded after that time is known to be newer than the listing.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	var now time.Time
	if err := s.pool.QueryRow(ctx, "SELECT now()").Scan(&now); err != nil {
		return time.Time{}, fmt.Errorf("database clock: %w", err)
	}
	return now, nil
}

// MarkGoneCustomers marks partnerID's active customers that a sync (job jobID) started at
// syncStart did not see as gone, audits each in the same transaction, and returns them.
func (s *Store) MarkGoneCustomers(ctx context.Context, partnerID int64, syncStart time.Time, jobID string) ([]Customer, error) {
	var gone []Customer
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `WITH g AS (UPDATE customers SET status = 'gone', updated_at = now()
				WHERE partner_id = $1 AND status = 'active' AND (synced_at IS NULL OR synced_at < $2) RETURNING *)
			SELECT `+strings.ReplaceAll(customerColumns, "c.", "g.")+` FROM g JOIN partners p ON p.id = g.partner_id`, partnerID, syncStart)
		var err error
		if gone, err = pgx.CollectRows(rows, pgx.RowToStructByName[Customer]); err != nil {
			return err
		}
		// Each one is a change seen from Zoom, audited with the status change.
		for _, c := range gone {
			if _, err := s.appendAudit(ctx, tx, AuditEvent{PartnerID: partnerID, Action: audit.CustomerGone, Outcome: OutcomeSucceeded,
				External: true, TargetType: "customer", TargetID: c.ZoomAccountID, TargetLabel: c.AccountName, CustomerID: c.ZoomAccountID,
				JobID: jobID, Details: mustJSON(map[string]any{"before": map[string]any{"status": "active"}, "after": map[string]any{"status": "gone"}})}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mark gone customers of partner %d: %w", partnerID, err)
	}
	return gone, nil
}

// ParentForAccount returns the partner that manages a Zoom account, as the account directory
// knows it, or ErrNotFound.
func (s *Store) ParentForAccount(ctx context.Context, zoomAccountID string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, "SELECT partner_id FROM account_directory WHERE zoom_account_id = $1", zoomAccountID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("manager of account %s: %w", zoomAccountID, translate(err))
	}
	return id, nil
}

// CustomerByAccount returns the customer with a Zoom account id if it is in partnerID's reach
// (its own, or a descendant's), or ErrNotFound.
func (s *Store) CustomerByAccount(ctx context.Context, partnerID int64, zoomAccountID string) (Customer, error) {
	var c Customer
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+customerColumns+customerFrom+" WHERE c.zoom_account_id = $1", zoomAccountID).Query(func(rows pgx.Rows) (err error) {
			c, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Customer])
			return err
		})
	})
	if err != nil {
		return Customer{}, fmt.Errorf("customer %s: %w", zoomAccountID, err)
	}
	return c, nil
}

// TierCount is how many customers one partner in reach has, by status, and their seats.
type TierCount struct {
	PartnerID   int64
	PartnerName string
	Depth       int // 0 for the acting partner, 1 for its resellers, ...
	ByStatus    map[CustomerStatus]int
	Seats       int
}

// CustomerCounts counts the customers of every partner in partnerID's reach.
func (s *Store) CustomerCounts(ctx context.Context, partnerID int64) ([]TierCount, error) {
	var out []TierCount
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `WITH RECURSIVE tree(id, name, depth, path) AS (
				SELECT id, name, 0, ARRAY[name] FROM partners WHERE id = $1
				UNION ALL
				SELECT p.id, p.name, t.depth + 1, t.path || p.name FROM partners p JOIN tree t ON p.parent_id = t.id)
			SELECT t.id, t.name, t.depth, c.status, count(c.id), coalesce(sum(c.seats), 0)
			FROM tree t LEFT JOIN customers c ON c.partner_id = t.id
			GROUP BY t.id, t.name, t.depth, t.path, c.status ORDER BY t.path`, partnerID)
		idx := map[int64]int{}
		var id int64
		var name string
		var depth, n, seats int
		var status *string
		_, err := pgx.ForEachRow(rows, []any{&id, &name, &depth, &status, &n, &seats}, func() error {
			i, ok := idx[id]
			if !ok {
				i = len(out)
				idx[id] = i
				out = append(out, TierCount{PartnerID: id, PartnerName: name, Depth: depth, ByStatus: map[CustomerStatus]int{}})
			}
			if status != nil {
				out[i].ByStatus[CustomerStatus(*status)] = n
				if CustomerStatus(*status) == CustomerActive {
					out[i].Seats += seats
				}
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("customer counts of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// reachIn returns, in tx, the acting partner and every partner below it.
func reachIn(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	var ids []int64
	err := tx.QueryRow(ctx, "SELECT tierdesk_reach()").Scan(&ids)
	return ids, err
}

// PartnerReach returns partnerID and the ids of every partner below it.
func (s *Store) PartnerReach(ctx context.Context, partnerID int64) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) (err error) {
		ids, err = reachIn(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reach of partner %d: %w", partnerID, err)
	}
	return ids, nil
}

// HasOtherActiveCustomer reports whether partnerID has an active customer of its own other
// than customerID (somewhere to move a user to).
func (s *Store) HasOtherActiveCustomer(ctx context.Context, partnerID, customerID int64) (bool, error) {
	var ok bool
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT EXISTS (SELECT 1 FROM customers WHERE partner_id = $1 AND status = 'active' AND id <> $2)`,
			partnerID, customerID).QueryRow(func(row pgx.Row) error { return row.Scan(&ok) })
	})
	if err != nil {
		return false, fmt.Errorf("other customers of partner %d: %w", partnerID, err)
	}
	return ok, nil
}
