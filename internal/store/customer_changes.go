package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// CustomerDetails is what Zoom last said about a customer, part by part (each part is Zoom's
// JSON answer), for the customer page.
type CustomerDetails struct {
	Account        json.RawMessage   `json:"account"`
	Plans          json.RawMessage   `json:"plans"`
	PlanUsage      json.RawMessage   `json:"plan_usage"`
	Settings       json.RawMessage   `json:"settings"`
	LockSettings   json.RawMessage   `json:"lock_settings"`
	ManagedDomains json.RawMessage   `json:"managed_domains"`
	TrustedDomains json.RawMessage   `json:"trusted_domains"`
	FetchedAt      *time.Time        `json:"fetched_at"`
	Errors         map[string]string `json:"errors"` // part → why its last fetch failed
}

// detailParts are the columns of customer_details a caller may set.
var detailParts = map[string]bool{"account": true, "plans": true, "plan_usage": true, "settings": true,
	"lock_settings": true, "managed_domains": true, "trusted_domains": true}

// CustomerDetailsOf returns the cached details of customer customerID (in partnerID's
// reach); a customer never fetched has empty details.
func (s *Store) CustomerDetailsOf(ctx context.Context, partnerID, customerID int64) (CustomerDetails, error) {
	var d CustomerDetails
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var account, plans, usage, settings, locks, managed, trusted, errs *string
		err := tx.QueryRow(ctx, `SELECT account::text, plans::text, plan_usage::text, settings::text, lock_settings::text,
				managed_domains::text, trusted_domains::text, fetched_at, errors::text
			FROM customer_details WHERE customer_id = $1`, customerID).Scan(&account, &plans, &usage, &settings, &locks, &managed, &trusted, &d.FetchedAt, &errs)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		raw := func(p *string) json.RawMessage {
			if p == nil {
				return nil
			}
			return json.RawMessage(*p)
		}
		d.Account, d.Plans, d.PlanUsage, d.Settings, d.LockSettings = raw(account), raw(plans), raw(usage), raw(settings), raw(locks)
		d.ManagedDomains, d.TrustedDomains = raw(managed), raw(trusted)
		if errs != nil {
			_ = json.Unmarshal([]byte(*errs), &d.Errors)
		}
		return err
	})
	if err != nil {
		return CustomerDetails{}, fmt.Errorf("details of customer %d: %w", customerID, err)
	}
	return d, nil
}

// SaveCustomerDetails stores the parts Zoom just answered (part name → JSON) and the parts
// that failed (part name → why) for customer customerID of partnerID, and, from the account
// part, the customer's pay mode and vanity URL.
func (s *Store) SaveCustomerDetails(ctx context.Context, partnerID, customerID int64, parts map[string]json.RawMessage, failed map[string]string) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if err := ensureDetails(ctx, tx, partnerID, customerID); err != nil {
			return err
		}
		for part, v := range parts {
			if !detailParts[part] {
				return fmt.Errorf("unknown detail part %q", part)
			}
			if _, err := tx.Exec(ctx, "UPDATE customer_details SET "+part+" = $2 WHERE customer_id = $1", customerID, string(v)); err != nil {
				return err
			}
		}
		if failed == nil {
			failed = map[string]string{}
		}
		if _, err := tx.Exec(ctx, "UPDATE customer_details SET fetched_at = now(), errors = $2 WHERE customer_id = $1", customerID, mustJSON(failed)); err != nil {
			return err
		}
		// Settings read (or refused) with the rest: they are as fresh as the read.
		if _, read := parts["settings"]; read || failed["settings"] != "" {
			if _, err := tx.Exec(ctx, "UPDATE customer_details SET settings_read_at = now(), settings_stale_at = NULL WHERE customer_id = $1", customerID); err != nil {
				return err
			}
		}
		if acct, ok := parts["account"]; ok {
			var a struct {
				VanityURL string `json:"vanity_url"`
				Options   struct {
					PayMode string `json:"pay_mode"`
				} `json:"options"`
			}
			if json.Unmarshal(acct, &a) == nil {
				if _, err := tx.Exec(ctx, `UPDATE customers SET pay_mode = $2, vanity_url = $3 WHERE id = $1
					AND (pay_mode, vanity_url) IS DISTINCT FROM ($2, $3)`, customerID, a.Options.PayMode, a.VanityURL); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save details of customer %d: %w", customerID, err)
	}
	return nil
}

// NewCustomer is a sub account being created through Tierdesk. The owner's password goes to
// Zoom only and is never here.
type NewCustomer struct {
	AccountName string
	OwnerEmail  string
	FirstName   string
	LastName    string
	PayMode     string
}

// BeginCustomerCreate records a create about to be sent to Zoom: a customer row in status
// pending (with a placeholder account id until Zoom gives one) and a "customer.create"
// event with outcome pending, in one transaction. Whatever happens next, the customer is
// either completed, abandoned or resolved by looking it up: never lost.
func (s *Store) BeginCustomerCreate(ctx context.Context, partnerID int64, nc NewCustomer, ev AuditEvent) (Customer, error) {
	var c Customer
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	placeholder := pendingAccountPrefix + hex.EncodeToString(b)
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO customers (partner_id, zoom_account_id, account_name, owner_email, pay_mode, status)
			VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING id`, partnerID, placeholder, nc.AccountName, nc.OwnerEmail, nc.PayMode).Scan(&id); err != nil {
			return translate(err)
		}
		var err error
		if c, err = customerByID(ctx, tx, id); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.CustomerCreate, OutcomePending
		ev.TargetType, ev.TargetID, ev.TargetLabel = "customer", placeholder, nc.AccountName
		ev.Details = mustJSON(map[string]any{"after": map[string]any{"account_name": nc.AccountName, "owner_email": nc.OwnerEmail,
			"owner_first_name": nc.FirstName, "owner_last_name": nc.LastName, "pay_mode": nc.PayMode}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Customer{}, fmt.Errorf("begin create of customer %s: %w", nc.OwnerEmail, err)
	}
	return c, nil
}

func customerByID(ctx context.Context, tx pgx.Tx, id int64) (Customer, error) {
	rows, _ := tx.Query(ctx, "SELECT "+customerColumns+customerFrom+" WHERE c.id = $1", id)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Customer])
	return c, translate(err)
}

// CompleteCustomerCreate records that Zoom created the pending customer customerID as
// zoomAccountID: the row becomes active under that id (or, if a sync already brought the
// account in, the pending row is dropped for that one), and ev is appended as
// "customer.create" succeeded.
func (s *Store) CompleteCustomerCreate(ctx context.Context, partnerID, customerID int64, zoomAccountID string, createdAt *time.Time, ev AuditEvent) (Customer, error) {
	var c Customer
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		pending, err := customerByID(ctx, tx, customerID)
		if err != nil {
			return err
		}
		var existing int64
		err = tx.QueryRow(ctx, "SELECT id FROM customers WHERE zoom_account_id = $1", zoomAccountID).Scan(&existing)
		switch {
		case err == nil:
			if _, err := tx.Exec(ctx, "DELETE FROM customers WHERE id = $1 AND status = 'pending'", customerID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE customers SET status = 'active', pay_mode = $2, updated_at = now() WHERE id = $1", existing, pending.PayMode); err != nil {
				return err
			}
			customerID = existing
		case errors.Is(err, pgx.ErrNoRows):
			if _, err := tx.Exec(ctx, `UPDATE customers SET zoom_account_id = $2, status = 'active', zoom_created_at = $3,
				synced_at = now(), updated_at = now() WHERE id = $1`, customerID, zoomAccountID, createdAt); err != nil {
				return err
			}
		default:
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO account_directory (zoom_account_id, partner_id) VALUES ($1, $2)
			ON CONFLICT (zoom_account_id) DO UPDATE SET partner_id = EXCLUDED.partner_id, updated_at = now()`, zoomAccountID, partnerID); err != nil {
			return err
		}
		if c, err = customerByID(ctx, tx, customerID); err != nil {
			return err
		}
		ev.PartnerID, ev.Action = partnerID, audit.CustomerCreate
		if ev.Outcome == "" {
			ev.Outcome = OutcomeSucceeded
		}
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = "customer", zoomAccountID, c.AccountName, zoomAccountID
		if len(ev.Details) == 0 {
			ev.Details = mustJSON(map[string]any{"after": map[string]any{"zoom_account_id": zoomAccountID, "status": "active"}})
		}
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Customer{}, fmt.Errorf("complete create of customer %d: %w", customerID, err)
	}
	return c, nil
}

// AbandonCustomerCreate records that Zoom did not create the pending customer customerID
// (it refused, or a lookup after a lost answer found nothing): the row is removed and ev is
// appended as "customer.create" failed (ev carries Zoom's code and message when it refused).
func (s *Store) AbandonCustomerCreate(ctx context.Context, partnerID, customerID int64, ev AuditEvent) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		c, err := customerByID(ctx, tx, customerID)
		if err != nil {
			return err
		}
		if c.Status != CustomerPending {
			return fmt.Errorf("customer %d is %s, not pending: %w", customerID, c.Status, ErrConflict)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM customers WHERE id = $1", customerID); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.CustomerCreate, OutcomeFailed
		ev.TargetType, ev.TargetID, ev.TargetLabel = "customer", c.ZoomAccountID, c.AccountName
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return fmt.Errorf("abandon create of customer %d: %w", customerID, err)
	}
	return nil
}

// PendingCustomers lists partnerID's customers whose create is unresolved, oldest first.
func (s *Store) PendingCustomers(ctx context.Context, partnerID int64) ([]Customer, error) {
	var out []Customer
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+customerColumns+customerFrom+" WHERE c.partner_id = $1 AND c.status = 'pending' ORDER BY c.created_at", partnerID)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
		return err
	})
	return out, err
}

// CustomerUpdate is a change to a customer's cached fields after Zoom accepted it. Nil fields
// stay as they are.
type CustomerUpdate struct {
	AccountName *string
	PayMode     *string
	OwnerEmail  *string
	AccountType *string
	Seats       *int
	Status      *CustomerStatus
}

// RecordCustomerChange applies a change Zoom accepted to customer customerID's cached row,
// marks the cached details for a fresh read from Zoom, and appends ev (its action,
// before/after and the grant that made the call), in one transaction.
func (s *Store) RecordCustomerChange(ctx context.Context, partnerID, customerID int64, u CustomerUpdate, ev AuditEvent) (Customer, error) {
	var c Customer
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE customers SET pay_mode = coalesce($3, pay_mode), owner_email = coalesce($4, owner_email),
				account_type = coalesce($5, account_type), seats = coalesce($6, seats), status = coalesce($7, status),
				account_name = coalesce($8, account_name), updated_at = now()
			WHERE id = $1 AND partner_id = $2`, customerID, partnerID, u.PayMode, u.OwnerEmail, u.AccountType, u.Seats, u.Status, u.AccountName)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if c, err = customerByID(ctx, tx, customerID); err != nil {
			return err
		}
		if err := expireDetails(ctx, tx, customerID); err != nil {
			return err
		}
		ev.PartnerID = partnerID
		if ev.Outcome == "" {
			ev.Outcome = OutcomeSucceeded
		}
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Customer{}, fmt.Errorf("record change of customer %d: %w", customerID, err)
	}
	return c, nil
}

// ExpireCustomerDetails makes the next view of customer customerID refresh from Zoom.
func (s *Store) ExpireCustomerDetails(ctx context.Context, partnerID, customerID int64) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error { return expireDetails(ctx, tx, customerID) })
}

// expireDetails marks a customer's cached details stale inside tx.
func expireDetails(ctx context.Context, tx pgx.Tx, customerID int64) error {
	_, err := tx.Exec(ctx, "UPDATE customer_details SET fetched_at = NULL WHERE customer_id = $1", customerID)
	return err
}

// CustomersWithoutDetails lists up to limit of partnerID's active customers whose account
// details (pay mode, vanity URL, options) were never fetched from Zoom.
func (s *Store) CustomersWithoutDetails(ctx context.Context, partnerID int64, limit int) ([]Customer, error) {
	var out []Customer
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+customerColumns+customerFrom+` LEFT JOIN customer_details d ON d.customer_id = c.id
			WHERE c.partner_id = $1 AND c.status = 'active' AND d.account IS NULL ORDER BY c.id LIMIT $2`, partnerID, limit)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Customer])
		return err
	})
	return out, err
}

// CustomerNotes are a customer's local fields, Tierdesk's own (its tags have their own
// writer, SetCustomerTags).
type CustomerNotes struct {
	ExternalRef string
	Notes       string
}

// SaveCustomerNotes stores a customer's local fields and appends ev ("customer.notes") with
// before and after, in one transaction. It leaves the customer's tags as they are.
func (s *Store) SaveCustomerNotes(ctx context.Context, partnerID, customerID int64, n CustomerNotes, ev AuditEvent) (Customer, error) {
	var c Customer
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		// Lock the row before reading it, so that of two concurrent saves the second records
		// as its before what the first left, not what both read.
		if _, err := tx.Exec(ctx, "SELECT 1 FROM customers WHERE id = $1 FOR UPDATE", customerID); err != nil {
			return translate(err)
		}
		before, err := customerByID(ctx, tx, customerID)
		if err != nil {
			return err
		}
		if before.PartnerID != partnerID {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, `UPDATE customers SET external_ref = $2, notes = $3, updated_at = now() WHERE id = $1`,
			customerID, n.ExternalRef, n.Notes); err != nil {
			return err
		}
		if c, err = customerByID(ctx, tx, customerID); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.CustomerNotes, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID
		ev.Details = mustJSON(map[string]any{
			"before": map[string]any{"external_ref": before.ExternalRef, "notes": before.Notes},
			"after":  map[string]any{"external_ref": c.ExternalRef, "notes": c.Notes}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Customer{}, fmt.Errorf("save notes of customer %d: %w", customerID, err)
	}
	return c, nil
}

// ensureDetails makes sure customer customerID of partnerID has its customer_details row, in
// tx, so that an UPDATE of it finds one.
func ensureDetails(ctx context.Context, tx pgx.Tx, partnerID, customerID int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO customer_details (customer_id, partner_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, customerID, partnerID)
	return err
}
