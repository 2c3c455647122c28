package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// WebhookStatus is what the settings page says about a partner's Zoom webhook.
type WebhookStatus struct {
	Configured      bool
	UpdatedAt       time.Time
	LastValidatedAt *time.Time
	LastEventAt     *time.Time
}

func adWebhookSecret(partnerID int64) []byte {
	return []byte("webhook-secret:" + strconv.FormatInt(partnerID, 10))
}

// SetWebhookSecret stores partnerID's webhook Secret Token, sealed ("" removes it), and
// appends ev as "partner.webhook" in the same transaction. The token itself is never audited.
func (s *Store) SetWebhookSecret(ctx context.Context, partnerID int64, secret string, ev AuditEvent) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var had bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM webhook_secrets WHERE partner_id = $1)", partnerID).Scan(&had); err != nil {
			return err
		}
		after := "on"
		if secret == "" {
			after = "off"
			if _, err := tx.Exec(ctx, "DELETE FROM webhook_secrets WHERE partner_id = $1", partnerID); err != nil {
				return err
			}
		} else {
			keyID, sealed := s.keys.Encrypt([]byte(secret), adWebhookSecret(partnerID))
			if _, err := tx.Exec(ctx, `INSERT INTO webhook_secrets (partner_id, key_id, secret) VALUES ($1, $2, $3)
				ON CONFLICT (partner_id) DO UPDATE SET key_id = $2, secret = $3, updated_at = now(), last_validated_at = NULL`,
				partnerID, keyID, sealed); err != nil {
				return err
			}
		}
		before := "off"
		if had {
			before = "on"
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.PartnerWebhook, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "partner", strconv.FormatInt(partnerID, 10), "Zoom webhook"
		ev.Details = mustJSON(map[string]any{"before": map[string]any{"webhook": before}, "after": map[string]any{"webhook": after}})
		_, err := s.appendAudit(ctx, tx, ev)
		return err
	})
}

// WebhookStatusOf returns partnerID's webhook status (Configured false when none is set).
func (s *Store) WebhookStatusOf(ctx context.Context, partnerID int64) (WebhookStatus, error) {
	var st WebhookStatus
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT updated_at, last_validated_at, last_event_at FROM webhook_secrets WHERE partner_id = $1", partnerID).
			Scan(&st.UpdatedAt, &st.LastValidatedAt, &st.LastEventAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		st.Configured = err == nil
		return err
	})
	if err != nil {
		return st, fmt.Errorf("webhook of partner %d: %w", partnerID, err)
	}
	return st, nil
}

// WebhookSecret returns partnerID's webhook Secret Token, or ErrNotFound.
func (s *Store) WebhookSecret(ctx context.Context, partnerID int64) (string, error) {
	var secret string
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var keyID string
		var sealed []byte
		if err := tx.QueryRow(ctx, "SELECT key_id, secret FROM webhook_secrets WHERE partner_id = $1", partnerID).Scan(&keyID, &sealed); err != nil {
			return translate(err)
		}
		pt, err := s.keys.Decrypt(keyID, sealed, adWebhookSecret(partnerID))
		secret = string(pt)
		return err
	})
	return secret, err
}

// WebhookValidated records that Zoom validated partnerID's webhook endpoint just now.
func (s *Store) WebhookValidated(ctx context.Context, partnerID int64) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE webhook_secrets SET last_validated_at = now() WHERE partner_id = $1", partnerID)
		return err
	})
}

// PartnersWithZoomAccount returns the partners an event about a Zoom account may come from:
// the partner that is that account, or the one that manages it as a customer. Empty when
// neither is known.
func (s *Store) PartnersWithZoomAccount(ctx context.Context, zoomAccountID string) ([]int64, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM partners WHERE zoom_account_id = $1
		UNION SELECT partner_id FROM account_directory WHERE zoom_account_id = $1`, zoomAccountID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("partners of account %s: %w", zoomAccountID, err)
	}
	return ids, nil
}

// WebhookEvent is an event Zoom posted, its signature already checked against the partner's
// Secret Token (ZOOM_API.md §7).
type WebhookEvent struct {
	Event        string         `json:"event"`
	EventTS      int64          `json:"event_ts"`   // when Zoom says it happened, in Unix milliseconds; 0 when unknown
	Digest       []byte         `json:"-"`          // SHA-256 of the raw body
	AccountID    string         `json:"account_id"` // payload.account_id
	OperatorID   string         `json:"operator_id,omitempty"`
	Operator     string         `json:"operator,omitempty"`
	CreationType string         `json:"creation_type,omitempty"` // payload.creation_type of user.created
	Object       map[string]any `json:"object,omitempty"`
	OldObject    map[string]any `json:"old_object,omitempty"`
	// Request facts for the audit event.
	RequestID string `json:"request_id,omitempty"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// Webhook outcomes, as ApplyWebhook reports them (and webhook_events records them).
const (
	WebhookDuplicate = "duplicate" // this very event was handled before (a retry)
	WebhookApplied   = "applied"   // the cache changed and the change is audited as external
	WebhookEcho      = "echo"      // the cache followed a change Tierdesk itself made moments ago (audited then)
	WebhookKnown     = "known"     // the cache already said so
	WebhookStale     = "stale"     // older than the cache's last change of its object (a late retry): not applied
	WebhookIgnored   = "ignored"   // not an event Tierdesk follows, or not about this partner's accounts
	WebhookSync      = "sync"      // a sub account Tierdesk does not know: the caller runs a sync
)

// echoWindow is how recent an own change must be for an event to be taken as Zoom reporting
// it back rather than as a change made in Zoom. Zoom reports a change within seconds, and the
// event waits jobs.WebhookDelay (5 s) before it is applied.
const echoWindow = 2 * time.Minute

// RecordWebhook keeps a verified event for partnerID and, in the same transaction, has
// enqueue schedule its application. It reports false for an event already received (Zoom
// retries a delivery it did not hear back about): nothing is recorded or scheduled again.
func (s *Store) RecordWebhook(ctx context.Context, partnerID int64, e WebhookEvent, enqueue func(ctx context.Context, tx pgx.Tx) error) (bool, error) {
	var fresh bool
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `WITH i AS (INSERT INTO webhook_events (partner_id, digest, event, body) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) = 1 FROM i`, partnerID, e.Digest, e.Event, mustJSON(e)).Scan(&fresh); err != nil {
			return err
		}
		if !fresh {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE webhook_secrets SET last_event_at = now() WHERE partner_id = $1", partnerID); err != nil {
			return err
		}
		if enqueue == nil {
			return nil
		}
		return enqueue(ctx, tx)
	})
	if err != nil {
		return false, fmt.Errorf("record webhook %s for partner %d: %w", e.Event, partnerID, err)
	}
	return fresh, nil
}

// ApplyWebhook converges partnerID's cache with the recorded event whose body has digest,
// and audits what it changed as seen from Zoom (external), all in one transaction. Events
// already reflected in the cache change and audit nothing; events that follow a change
// Tierdesk itself made moments before (Zoom reports those back too) converge the cache without
// a second audit event; an event already applied is WebhookDuplicate. Only the partner's own
// customers are touched: its Secret Token vouches for nothing else.
func (s *Store) ApplyWebhook(ctx context.Context, partnerID int64, digest []byte) (string, error) {
	outcome := WebhookIgnored
	var name string
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var body []byte
		err := tx.QueryRow(ctx, "SELECT event, body::text FROM webhook_events WHERE partner_id = $1 AND digest = $2 AND outcome = '' FOR UPDATE",
			partnerID, digest).Scan(&name, &body)
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = WebhookDuplicate
			return nil
		} else if err != nil {
			return err
		}
		var e WebhookEvent
		if err := json.Unmarshal(body, &e); err != nil {
			return fmt.Errorf("recorded webhook: %w", err)
		}
		w := webhookTx{s: s, tx: tx, partnerID: partnerID, e: e}
		switch {
		case e.Event == "app_deauthorized":
			outcome, err = w.deauthorized(ctx)
		case strings.HasPrefix(e.Event, "account."):
			outcome, err = w.account(ctx)
		case strings.HasPrefix(e.Event, "user."):
			outcome, err = w.user(ctx)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE webhook_events SET outcome = $3 WHERE partner_id = $1 AND digest = $2", partnerID, digest, outcome)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("apply webhook %s for partner %d: %w", name, partnerID, err)
	}
	return outcome, nil
}

// DeleteOldWebhookEvents forgets handled events older than maxAge (Zoom retries for about
// 85 minutes), for every partner.
func (s *Store) DeleteOldWebhookEvents(ctx context.Context, maxAge time.Duration) error {
	return s.eachPartner(ctx, func(tx pgx.Tx, partnerID int64) error {
		_, err := tx.Exec(ctx, "DELETE FROM webhook_events WHERE partner_id = $1 AND received_at <= now() - make_interval(secs => $2)",
			partnerID, maxAge.Seconds())
		return err
	})
}

// webhookTx applies one event inside ApplyWebhook's transaction.
type webhookTx struct {
	s         *Store
	tx        pgx.Tx
	partnerID int64
	e         WebhookEvent
}

// echo reports whether Tierdesk itself made, within the echo window, a change of this
// customer (for a user event: of this user of it) with one of actions: the event is then Zoom
// reporting that change back.
func (w webhookTx) echo(ctx context.Context, customerID, userID, email string, actions []audit.Action) (bool, error) {
	var found bool
	err := w.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events WHERE partner_id = $1 AND NOT external
		AND outcome IN ('succeeded', 'pending') AND customer_id = $2 AND occurred_at > now() - make_interval(secs => $5)
		AND action = ANY ($6)
		AND (($3 = '' AND $4 = '') OR ($3 <> '' AND target_id = $3)
			OR ($4 <> '' AND (lower(target_label) = lower($4) OR lower(details->>'subject') = lower($4)))))`,
		w.partnerID, customerID, userID, email, echoWindow.Seconds(), actions).Scan(&found)
	return found, err
}

// echoes are Tierdesk's own audited actions that Zoom reports back as each event.
var echoes = map[string][]audit.Action{
	"account.updated":               {audit.CustomerCreate, audit.CustomerUpdate, audit.CustomerOptions, audit.CustomerOwner, audit.CustomerPlanSubscribe, audit.CustomerPlanBase, audit.CustomerPlanAddon, audit.CustomerPlanAddonUpdate, audit.CustomerPlanCancel, audit.OnboardingStep},
	"account.settings_updated":      {audit.CustomerSettings, audit.CustomerSettingsTemplate, audit.OnboardingStep},
	"account.lock_settings_updated": {audit.CustomerSettings, audit.CustomerSettingsTemplate, audit.OnboardingStep},
	"account.disassociated":         {audit.CustomerDisassociate},
	"user.created":                  {audit.UserCreate, audit.OnboardingStep},
	"user.invitation_accepted":      {audit.UserCreate},
	"user.activated":                {audit.UserActivate, audit.UserCreate},
	"user.deactivated":              {audit.UserDeactivate},
	"user.updated":                  {audit.UserUpdate, audit.UserMove},
	"user.deleted":                  {audit.UserDelete},
	"user.disassociated":            {audit.UserDisassociate, audit.UserMove},
}

// fieldEchoes are Tierdesk's own audited actions that change each field account.updated
// reports.
var fieldEchoes = map[string][]audit.Action{
	"account_name": {audit.CustomerCreate, audit.CustomerUpdate, audit.OnboardingStep},
	"owner_email":  {audit.CustomerOwner},
	"account_type": {audit.CustomerPlanSubscribe, audit.CustomerPlanBase, audit.CustomerPlanCancel, audit.OnboardingStep},
	"seats":        {audit.CustomerPlanSubscribe, audit.CustomerPlanBase, audit.CustomerPlanCancel, audit.OnboardingStep},
	"pay_mode":     {audit.CustomerOptions, audit.CustomerCreate, audit.OnboardingStep},
}

// auditUnlessEcho appends an external event about target, unless the event echoes
// Tierdesk's own change (audited when it was made; the outcome is then WebhookEcho).
func (w webhookTx) auditUnlessEcho(ctx context.Context, action audit.Action, targetType, targetID, label, customerID string, before, after map[string]any) (string, error) {
	userID, email := "", ""
	if targetType == "user" {
		userID, email = targetID, label
	}
	if echo, err := w.echo(ctx, customerID, userID, email, echoes[w.e.Event]); err != nil || echo {
		return WebhookEcho, err
	}
	return WebhookApplied, w.audit(ctx, action, targetType, targetID, label, customerID, before, after)
}

// audit appends an external event about target.
func (w webhookTx) audit(ctx context.Context, action audit.Action, targetType, targetID, label, customerID string, before, after map[string]any) error {
	d := map[string]any{"event": w.e.Event, "before": before, "after": after}
	if w.e.Operator != "" {
		d["operator"] = w.e.Operator
	}
	_, err := w.s.appendAudit(ctx, w.tx, AuditEvent{PartnerID: w.partnerID, Action: action, Outcome: OutcomeSucceeded, External: true,
		ZoomUserID: w.e.OperatorID, TargetType: targetType, TargetID: targetID, TargetLabel: label, CustomerID: customerID,
		RequestID: w.e.RequestID, IP: w.e.IP, UserAgent: w.e.UserAgent, Details: mustJSON(d)})
	return err
}

// stale reports whether the event happened before updated, the last change of the cached
// row: Zoom retries an event for over an hour, and a late copy must not undo what came after.
func (w webhookTx) stale(updated time.Time) bool {
	return w.e.EventTS > 0 && time.UnixMilli(w.e.EventTS).Before(updated)
}

// ownCustomer returns the partner's own customer with a Zoom account id, locked, or false.
func (w webhookTx) ownCustomer(ctx context.Context, accountID string) (Customer, bool, error) {
	if accountID == "" {
		return Customer{}, false, nil
	}
	rows, _ := w.tx.Query(ctx, "SELECT "+customerColumns+customerFrom+" WHERE c.partner_id = $1 AND c.zoom_account_id = $2 FOR UPDATE OF c",
		w.partnerID, accountID)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Customer])
	if errors.Is(err, pgx.ErrNoRows) {
		return Customer{}, false, nil
	}
	return c, err == nil, err
}

func str(m map[string]any, key string) (string, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", false
	}
	switch t := v.(type) {
	case string:
		return t, true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case json.Number:
		return t.String(), true
	}
	return fmt.Sprint(v), true
}

func (w webhookTx) account(ctx context.Context) (string, error) {
	subID, _ := str(w.e.Object, "id")
	c, ok, err := w.ownCustomer(ctx, subID)
	if err != nil {
		return "", err
	}
	switch w.e.Event {
	case "account.created":
		if ok {
			return WebhookKnown, nil
		}
		// UNCERTAIN (ZOOM_API.md §7.2): account.* events of sub accounts reach the primary's
		// app; a sub account created elsewhere is loaded by a sync, which knows its details.
		email, _ := str(w.e.Object, "email")
		// Tierdesk's own create (onboarding, or a create whose answer is awaited) may be told
		// before it has recorded the new account's id: its customer waits under a placeholder
		// with the owner's email.
		var ours bool
		if err := w.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM customers WHERE partner_id = $1 AND status IN ('draft', 'pending')
			AND lower(owner_email) = lower($2))`, w.partnerID, email).Scan(&ours); err != nil {
			return "", err
		}
		if ours {
			return WebhookKnown, nil
		}
		if err := w.audit(ctx, audit.CustomerCreate, "customer", subID, email, subID, nil, map[string]any{"id": subID, "owner_email": email}); err != nil {
			return "", err
		}
		return WebhookSync, nil
	case "account.disassociated":
		if !ok {
			return WebhookIgnored, nil
		}
		if w.stale(c.UpdatedAt) {
			return WebhookStale, nil
		}
		if c.Status != CustomerActive {
			return WebhookKnown, nil
		}
		if _, err := w.tx.Exec(ctx, "UPDATE customers SET status = 'gone', updated_at = now() WHERE id = $1", c.ID); err != nil {
			return "", err
		}
		return w.auditUnlessEcho(ctx, audit.CustomerGone, "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID,
			map[string]any{"status": string(c.Status)}, map[string]any{"status": "gone"})
	case "account.updated":
		if !ok {
			return WebhookIgnored, nil
		}
		if w.stale(c.UpdatedAt) {
			return WebhookStale, nil
		}
		before, after := map[string]any{}, map[string]any{}
		set := []string{}
		args := []any{c.ID}
		change := func(field, column, was string) {
			now, present := str(w.e.Object, field)
			if !present || now == was {
				return
			}
			before[field], after[field] = was, now
			args = append(args, now)
			set = append(set, fmt.Sprintf("%s = $%d", column, len(args)))
		}
		change("account_name", "account_name", c.AccountName)
		change("owner_email", "owner_email", c.OwnerEmail)
		change("account_type", "account_type", c.AccountType)
		change("pay_mode", "pay_mode", c.PayMode)
		if seats, present := str(w.e.Object, "seats"); present {
			if n, err := strconv.Atoi(seats); err == nil && n != c.Seats {
				before["seats"], after["seats"] = c.Seats, n
				args = append(args, n)
				set = append(set, fmt.Sprintf("seats = $%d", len(args)))
			}
		}
		if len(set) == 0 {
			return WebhookKnown, nil
		}
		if _, err := w.tx.Exec(ctx, "UPDATE customers SET "+strings.Join(set, ", ")+", updated_at = now() WHERE id = $1", args...); err != nil {
			return "", err
		}
		if err := w.expireDetails(ctx, c.ID); err != nil {
			return "", err
		}
		label := c.AccountName
		if n, ok := after["account_name"].(string); ok {
			label = n
		}
		// An echo only if each changed field is one an own change of the moment made.
		for field := range after {
			if echo, err := w.echo(ctx, c.ZoomAccountID, "", "", fieldEchoes[field]); err != nil {
				return "", err
			} else if !echo {
				return WebhookApplied, w.audit(ctx, audit.CustomerUpdate, "customer", c.ZoomAccountID, label, c.ZoomAccountID, before, after)
			}
		}
		return WebhookEcho, nil
	case "account.settings_updated", "account.lock_settings_updated":
		if !ok {
			return WebhookIgnored, nil
		}
		column, action := "settings", audit.CustomerSettings
		if w.e.Event == "account.lock_settings_updated" {
			column, action = "lock_settings", audit.CustomerLockSettings
		}
		changed, _ := w.e.Object["settings"].(map[string]any)
		var cached []byte
		err := w.tx.QueryRow(ctx, "SELECT "+column+"::text FROM customer_details WHERE customer_id = $1", c.ID).Scan(&cached)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return "", err
		}
		if len(changed) > 0 && coveredBy(changed, cached) {
			return WebhookKnown, nil
		}
		if err := w.expireDetails(ctx, c.ID); err != nil {
			return "", err
		}
		var before map[string]any
		if old, ok := w.e.OldObject["settings"].(map[string]any); ok {
			before = old
		}
		return w.auditUnlessEcho(ctx, action, "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID, before, changed)
	}
	return WebhookIgnored, nil
}

// coveredBy reports whether every value in changed (nested sections of settings) equals the
// cached settings' value: then the cache already has the change.
func coveredBy(changed map[string]any, cachedJSON []byte) bool {
	var cached map[string]any
	if len(cachedJSON) == 0 || json.Unmarshal(cachedJSON, &cached) != nil {
		return false
	}
	var covered func(want, have map[string]any) bool
	covered = func(want, have map[string]any) bool {
		for k, v := range want {
			if sub, ok := v.(map[string]any); ok {
				hs, ok := have[k].(map[string]any)
				if !ok || !covered(sub, hs) {
					return false
				}
				continue
			}
			if !reflect.DeepEqual(v, have[k]) {
				return false
			}
		}
		return true
	}
	return covered(changed, cached)
}

// expireDetails makes the customer page read Zoom again on its next view.
func (w webhookTx) expireDetails(ctx context.Context, customerID int64) error {
	return expireDetails(ctx, w.tx, customerID)
}

// dirRow is a user of the directory, as far as webhooks compare it.
type dirRow struct {
	ID        int64
	ZoomID    *string
	Email     string
	FirstName string
	LastName  string
	Type      int
	Status    string
	UpdatedAt time.Time
}

func (w webhookTx) dirUser(ctx context.Context, customerID int64, zoomUserID, email string) (dirRow, bool, error) {
	var r dirRow
	err := w.tx.QueryRow(ctx, `SELECT id, zoom_user_id, email, first_name, last_name, user_type, status, updated_at FROM customer_users
		WHERE customer_id = $1 AND ((zoom_user_id = $2 AND $2 <> '') OR ($3 <> '' AND lower(email) = lower($3)))
		ORDER BY (zoom_user_id = $2) DESC NULLS LAST LIMIT 1 FOR UPDATE`, customerID, zoomUserID, email).
		Scan(&r.ID, &r.ZoomID, &r.Email, &r.FirstName, &r.LastName, &r.Type, &r.Status, &r.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

func (w webhookTx) user(ctx context.Context) (string, error) {
	// UNCERTAIN (ZOOM_API.md §7.2): whether a primary's app hears user.* events inside its sub
	// accounts; when it does, payload.account_id names the sub account. Events of the
	// partner's own account are not about a customer.
	c, ok, err := w.ownCustomer(ctx, w.e.AccountID)
	if err != nil || !ok {
		return WebhookIgnored, err
	}
	zid, _ := str(w.e.Object, "id")
	email, _ := str(w.e.Object, "email")
	row, found, err := w.dirUser(ctx, c.ID, zid, email)
	if err != nil {
		return "", err
	}
	label := email
	if label == "" && found {
		label = row.Email
	}
	if found && w.stale(row.UpdatedAt) {
		return WebhookStale, nil
	}
	record := func(action audit.Action, before, after map[string]any) (string, error) {
		return w.auditUnlessEcho(ctx, action, "user", zid, label, c.ZoomAccountID, before, after)
	}
	switch w.e.Event {
	case "user.created", "user.invitation_accepted", "user.activated", "user.deactivated":
		status := "active"
		switch {
		case w.e.Event == "user.deactivated":
			status = "inactive"
		case w.e.Event == "user.created" && (w.e.CreationType == "" || w.e.CreationType == "create"):
			status = "pending"
		}
		if found && row.Status == status {
			return WebhookKnown, nil
		}
		if found && w.e.Event == "user.created" {
			return WebhookKnown, nil // created here, already listed (activation follows on its own)
		}
		if email == "" {
			return WebhookIgnored, nil
		}
		if !found {
			typ := 1
			if t, ok := str(w.e.Object, "type"); ok {
				typ, _ = strconv.Atoi(t)
			}
			first, _ := str(w.e.Object, "first_name")
			last, _ := str(w.e.Object, "last_name")
			if _, err := w.tx.Exec(ctx, `INSERT INTO customer_users (partner_id, customer_id, zoom_user_id, email, first_name, last_name,
					user_type, status, seen_at) VALUES ($1, $2, nullif($3, ''), $4, $5, $6, $7, $8, now())`,
				w.partnerID, c.ID, zid, email, first, last, typ, status); err != nil {
				return "", err
			}
			action := map[string]audit.Action{"user.created": audit.UserCreate, "user.invitation_accepted": audit.UserActivate,
				"user.activated": audit.UserActivate, "user.deactivated": audit.UserDeactivate}[w.e.Event]
			return record(action, nil, map[string]any{"email": email, "status": status, "type": typ})
		}
		if _, err := w.tx.Exec(ctx, "UPDATE customer_users SET status = $2, zoom_user_id = coalesce(zoom_user_id, nullif($3, '')), updated_at = now() WHERE id = $1",
			row.ID, status, zid); err != nil {
			return "", err
		}
		action := audit.UserActivate
		if status == "inactive" {
			action = audit.UserDeactivate
		}
		return record(action, map[string]any{"status": row.Status}, map[string]any{"status": status})
	case "user.deleted", "user.disassociated":
		if !found {
			return WebhookKnown, nil
		}
		if _, err := w.tx.Exec(ctx, "DELETE FROM customer_users WHERE id = $1", row.ID); err != nil {
			return "", err
		}
		action := audit.UserDelete
		if w.e.Event == "user.disassociated" {
			action = audit.UserDisassociate
		}
		return record(action, map[string]any{"email": row.Email, "status": row.Status}, nil)
	case "user.updated":
		if !found {
			return WebhookIgnored, nil
		}
		before, after := map[string]any{}, map[string]any{}
		next := row
		for field, cur := range map[string]*string{"email": &next.Email, "first_name": &next.FirstName, "last_name": &next.LastName} {
			if v, ok := str(w.e.Object, field); ok && v != *cur {
				before[field], after[field] = *cur, v
				*cur = v
			}
		}
		if t, ok := str(w.e.Object, "type"); ok {
			if n, err := strconv.Atoi(t); err == nil && n != row.Type {
				before["type"], after["type"] = row.Type, n
				next.Type = n
			}
		}
		if len(after) == 0 {
			return WebhookKnown, nil
		}
		if _, err := w.tx.Exec(ctx, `UPDATE customer_users SET email = $2, first_name = $3, last_name = $4, user_type = $5, updated_at = now()
			WHERE id = $1`, row.ID, next.Email, next.FirstName, next.LastName, next.Type); err != nil {
			return "", err
		}
		label = next.Email
		return record(audit.UserUpdate, before, after)
	}
	return WebhookIgnored, nil
}

// deauthorized handles app_deauthorized: the Zoom user removed Tierdesk's app, so the grant
// of theirs that Tierdesk holds is dead; it is marked expired (they sign in again).
func (w webhookTx) deauthorized(ctx context.Context) (string, error) {
	userID, _ := str(w.e.Object, "user_id")
	clientID, _ := str(w.e.Object, "client_id")
	if userID == "" || clientID == "" {
		return WebhookIgnored, nil
	}
	// Only grants of the app that was removed: the partner's webhook app may not be the one
	// Tierdesk signs people in with.
	rows, _ := w.tx.Query(ctx, `UPDATE zoom_grants SET status = 'expired', access_token = NULL, refresh_token = NULL, updated_at = now()
		WHERE partner_id = $1 AND kind = 'user' AND zoom_user_id = $2 AND client_id = $3 AND status = 'active' RETURNING id`,
		w.partnerID, userID, clientID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return WebhookKnown, nil
	}
	for _, id := range ids {
		if err := w.audit(ctx, audit.GrantDeauthorized, "grant", strconv.FormatInt(id, 10), userID, "",
			map[string]any{"status": "active"}, map[string]any{"status": "expired"}); err != nil {
			return "", err
		}
	}
	return WebhookApplied, nil
}
