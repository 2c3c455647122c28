package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// WebhookTx is what applying a webhook event may read and change: narrow methods on the
// partner's own rows, inside ApplyWebhook's transaction. What an event means is decided by the
// service layer; nothing here knows Zoom's events.
type WebhookTx struct {
	s         *Store
	tx        pgx.Tx
	partnerID int64
}

// Customer returns the partner's own customer with a Zoom account id, locked until the event is
// applied, or false.
func (w *WebhookTx) Customer(ctx context.Context, zoomAccountID string) (Customer, bool, error) {
	if zoomAccountID == "" {
		return Customer{}, false, nil
	}
	rows, _ := w.tx.Query(ctx, "SELECT "+customerColumns+customerFrom+" WHERE c.partner_id = $1 AND c.zoom_account_id = $2 FOR UPDATE OF c",
		w.partnerID, zoomAccountID)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Customer])
	if errors.Is(err, pgx.ErrNoRows) {
		return Customer{}, false, nil
	}
	return c, err == nil, err
}

// CreateUnderWay reports whether a customer with this owner email waits for its Zoom account
// id (a draft or a create whose answer is awaited): Zoom may report the new sub account first.
func (w *WebhookTx) CreateUnderWay(ctx context.Context, ownerEmail string) (bool, error) {
	var ours bool
	err := w.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM customers WHERE partner_id = $1 AND status IN ('draft', 'pending')
		AND lower(owner_email) = lower($2))`, w.partnerID, ownerEmail).Scan(&ours)
	return ours, err
}

// UpdateCustomer sets the fields of u that are not nil on the customer's cached row (and its
// updated_at).
func (w *WebhookTx) UpdateCustomer(ctx context.Context, customerID int64, u CustomerUpdate) error {
	_, err := w.tx.Exec(ctx, `UPDATE customers SET account_name = coalesce($3, account_name), pay_mode = coalesce($4, pay_mode),
			owner_email = coalesce($5, owner_email), account_type = coalesce($6, account_type), seats = coalesce($7, seats),
			status = coalesce($8, status), updated_at = now()
		WHERE id = $1 AND partner_id = $2`, customerID, w.partnerID, u.AccountName, u.PayMode, u.OwnerEmail, u.AccountType, u.Seats, u.Status)
	return err
}

// ExpireDetails makes the customer page read the customer's details from Zoom on its next view.
func (w *WebhookTx) ExpireDetails(ctx context.Context, customerID int64) error {
	return expireDetails(ctx, w.tx, customerID)
}

// CachedSettings returns the customer's cached settings (locks false) or lock settings (locks
// true) as read from Zoom, or nil when none are cached.
func (w *WebhookTx) CachedSettings(ctx context.Context, customerID int64, locks bool) (map[string]any, error) {
	column := "settings"
	if locks {
		column = "lock_settings"
	}
	var cached []byte
	err := w.tx.QueryRow(ctx, "SELECT "+column+"::text FROM customer_details WHERE customer_id = $1", customerID).Scan(&cached)
	if errors.Is(err, pgx.ErrNoRows) || len(cached) == 0 {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var m map[string]any
	if json.Unmarshal(cached, &m) != nil {
		return nil, nil // not an object (null): nothing to compare with
	}
	return m, nil
}

// WebhookUserRow is a user of the directory as a webhook event compares it.
type WebhookUserRow struct {
	ID        int64
	ZoomID    string
	Email     string
	FirstName string
	LastName  string
	Type      int
	Status    string
	UpdatedAt time.Time
}

// User returns the directory's row of a customer's user, by Zoom user id or else by email,
// locked, or false.
func (w *WebhookTx) User(ctx context.Context, customerID int64, zoomUserID, email string) (WebhookUserRow, bool, error) {
	var r WebhookUserRow
	var zid *string
	err := w.tx.QueryRow(ctx, `SELECT id, zoom_user_id, email, first_name, last_name, user_type, status, updated_at FROM customer_users
		WHERE customer_id = $1 AND ((zoom_user_id = $2 AND $2 <> '') OR ($3 <> '' AND lower(email) = lower($3)))
		ORDER BY (zoom_user_id = $2) DESC NULLS LAST LIMIT 1 FOR UPDATE`, customerID, zoomUserID, email).
		Scan(&r.ID, &zid, &r.Email, &r.FirstName, &r.LastName, &r.Type, &r.Status, &r.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	if zid != nil {
		r.ZoomID = *zid
	}
	return r, err == nil, err
}

// AddUser lists a user Zoom reported in the customer's directory.
func (w *WebhookTx) AddUser(ctx context.Context, customerID int64, u DirUser) error {
	_, err := w.tx.Exec(ctx, `INSERT INTO customer_users (partner_id, customer_id, zoom_user_id, email, first_name, last_name,
			user_type, status, seen_at) VALUES ($1, $2, nullif($3, ''), $4, $5, $6, $7, $8, now())`,
		w.partnerID, customerID, u.ZoomUserID, u.Email, u.FirstName, u.LastName, u.Type, u.Status)
	return err
}

// SetUserStatus sets a directory row's status, and its Zoom user id when it had none.
func (w *WebhookTx) SetUserStatus(ctx context.Context, rowID int64, status, zoomUserID string) error {
	_, err := w.tx.Exec(ctx, "UPDATE customer_users SET status = $2, zoom_user_id = coalesce(zoom_user_id, nullif($3, '')), updated_at = now() WHERE id = $1",
		rowID, status, zoomUserID)
	return err
}

// UpdateUser sets a directory row's email, names and type.
func (w *WebhookTx) UpdateUser(ctx context.Context, r WebhookUserRow) error {
	_, err := w.tx.Exec(ctx, `UPDATE customer_users SET email = $2, first_name = $3, last_name = $4, user_type = $5, updated_at = now()
		WHERE id = $1`, r.ID, r.Email, r.FirstName, r.LastName, r.Type)
	return err
}

// RemoveUser takes a row out of the directory.
func (w *WebhookTx) RemoveUser(ctx context.Context, rowID int64) error {
	_, err := w.tx.Exec(ctx, "DELETE FROM customer_users WHERE id = $1", rowID)
	return err
}

// OwnChange asks the audit log whether Tierdesk itself (not a change seen from Zoom) made, in
// the last within, a change of the customer with Zoom account id customerID with one of
// actions, that succeeded or awaits its answer. With zoomUserID or email it must be a change of
// that user (by target id, or by label or subject email).
func (w *WebhookTx) OwnChange(ctx context.Context, customerID, zoomUserID, email string, actions []audit.Action, within time.Duration) (bool, error) {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = string(a)
	}
	var found bool
	err := w.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events WHERE partner_id = $1 AND NOT external
		AND outcome IN ('succeeded', 'pending') AND customer_id = $2 AND occurred_at > now() - make_interval(secs => $5)
		AND action = ANY ($6)
		AND (($3 = '' AND $4 = '') OR ($3 <> '' AND target_id = $3)
			OR ($4 <> '' AND (lower(target_label) = lower($4) OR lower(details->>'subject') = lower($4)))))`,
		w.partnerID, customerID, zoomUserID, email, within.Seconds(), names).Scan(&found)
	return found, err
}

// Audit appends ev to the partner's chain, as seen from Zoom (External).
func (w *WebhookTx) Audit(ctx context.Context, ev AuditEvent) error {
	ev.PartnerID, ev.External = w.partnerID, true
	_, err := w.s.appendAudit(ctx, w.tx, ev)
	return err
}

// ExpireUserGrants marks expired (and forgets the tokens of) the partner's active user grants
// of a Zoom user for one OAuth app, returning their ids as the audit log names them.
func (w *WebhookTx) ExpireUserGrants(ctx context.Context, zoomUserID, clientID string) ([]string, error) {
	rows, _ := w.tx.Query(ctx, `UPDATE zoom_grants SET status = 'expired', access_token = NULL, refresh_token = NULL, updated_at = now()
		WHERE partner_id = $1 AND kind = 'user' AND zoom_user_id = $2 AND client_id = $3 AND status = 'active' RETURNING id`,
		w.partnerID, zoomUserID, clientID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("expire grants of %s: %w", zoomUserID, err)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out, nil
}
