package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// Delegation statuses. Pending, active and the four ways a delegation stops.
const (
	DelegationPending  = "pending"
	DelegationActive   = "active"
	DelegationDeclined = "declined"
	DelegationEnded    = "ended"
	DelegationExpired  = "expired"
	DelegationLapsed   = "lapsed"
)

// Who asked for a delegation: the partner whose customers they are, or the partner above it.
const (
	SideOwner    = "owner"
	SideDelegate = "delegate"
)

// Limits of a delegation.
const (
	DelegationLapseAfter = 7 * 24 * time.Hour  // a request nobody answered lapses
	MinDelegation        = time.Hour           // the shortest delegation
	MaxDelegation        = 90 * 24 * time.Hour // the longest
)

// ErrNoS2SForDelegation means a delegation cannot start because the partner whose customers
// it covers has no Server-to-Server app: delegated work goes out under that app only.
var ErrNoS2SForDelegation = errors.New("the partner whose customers these are has no Server-to-Server app")

// ErrDelegationClosed means the delegation is no longer in the state the change needs (already
// answered, ended, expired or lapsed).
var ErrDelegationClosed = errors.New("the delegation is no longer open to this")

// Delegation is a partner's grant (the owner, a reseller) to the partner directly above it (the
// delegate, its distributor) to act on some of its customers with a role, for a time.
type Delegation struct {
	ID                int64
	OwnerPartnerID    int64
	DelegatePartnerID int64
	OwnerName         string
	DelegateName      string
	RequestedBy       string // SideOwner or SideDelegate
	RequestedByEmail  string
	Role              Role
	Duration          time.Duration
	Reason            string
	CustomerKind      string // "list" or "group"
	GroupName         string
	Status            string
	RequestedAt       time.Time
	LapsesAt          time.Time
	AnsweredAt        *time.Time
	AnsweredByEmail   string
	StartsAt          *time.Time
	ExpiresAt         *time.Time
	EndedAt           *time.Time
	EndedByPartner    *int64
	EndedByEmail      string
	Customers         []DelegatedCustomer
}

// DelegatedCustomer is a customer a delegation covers.
type DelegatedCustomer struct {
	ID      int64
	Account string // Zoom account id
	Name    string
}

// StateAt is the delegation's status at now: an active one past its end is expired, a pending
// one past its lapse lapsed, before the periodic sweep records it.
func (d Delegation) StateAt(now time.Time) string {
	switch {
	case d.Status == DelegationActive && d.ExpiresAt != nil && !now.Before(*d.ExpiresAt):
		return DelegationExpired
	case d.Status == DelegationPending && !now.Before(d.LapsesAt):
		return DelegationLapsed
	}
	return d.Status
}

// SideOf says which side partnerID is on ("" for neither).
func (d Delegation) SideOf(partnerID int64) string {
	switch partnerID {
	case d.OwnerPartnerID:
		return SideOwner
	case d.DelegatePartnerID:
		return SideDelegate
	}
	return ""
}

// Counterpart is the other side's name, seen from partnerID.
func (d Delegation) Counterpart(partnerID int64) string {
	if partnerID == d.OwnerPartnerID {
		return d.DelegateName
	}
	return d.OwnerName
}

// AwaitsAnswerFrom reports whether partnerID is the side that must answer the pending request
// (the side that did not ask), at now.
func (d Delegation) AwaitsAnswerFrom(partnerID int64, now time.Time) bool {
	side := d.SideOf(partnerID)
	return side != "" && side != d.RequestedBy && d.StateAt(now) == DelegationPending
}

// ActiveDelegation is a delegation in force, as a request acting under it carries it.
type ActiveDelegation struct {
	ID                int64
	OwnerPartnerID    int64
	DelegatePartnerID int64
	OwnerName         string
	DelegateName      string
	Role              Role
	ExpiresAt         time.Time
	CustomerIDs       []int64  // ascending
	Accounts          []string // their Zoom account ids
	// Who acts under it in this request (set by the request, not stored).
	StaffID    int64
	StaffEmail string
}

// Covers reports whether the delegation covers the customer with Zoom account id account.
func (d *ActiveDelegation) Covers(account string) bool {
	return d != nil && slices.Contains(d.Accounts, account)
}

type delegationKey struct{}

// WithDelegation returns ctx acting under d: every transaction the store begins with that
// context for d's owner acts as d's delegate with tierdesk.delegation set (actingSettings), so
// that row-level security reaches the owner's rows only while d is active, and only its
// customers; every audit event recorded for the owner is recorded for the delegate too
// (appendAudit). A nil d acts under none.
func WithDelegation(ctx context.Context, d *ActiveDelegation) context.Context {
	return context.WithValue(ctx, delegationKey{}, d)
}

// DelegationFrom returns the delegation ctx acts under, or nil.
func DelegationFrom(ctx context.Context) *ActiveDelegation {
	d, _ := ctx.Value(delegationKey{}).(*ActiveDelegation)
	return d
}

// actingSettings are the values of tierdesk.partner_id and tierdesk.delegation for a
// transaction of ctx acting for partnerID: under ctx's delegation, acting for its owner is the
// delegate acting under it (the database then decides whether the owner's rows are in reach);
// anything else acts for partnerID itself.
func actingSettings(ctx context.Context, partnerID int64) (partner, delegation string) {
	if d := DelegationFrom(ctx); d != nil && partnerID != 0 && partnerID == d.OwnerPartnerID {
		return strconv.FormatInt(d.DelegatePartnerID, 10), strconv.FormatInt(d.ID, 10)
	}
	return strconv.FormatInt(partnerID, 10), ""
}

// DelegationRequest is a request for a delegation, by either side.
type DelegationRequest struct {
	Side              string // the asking side: SideOwner or SideDelegate
	OwnerPartnerID    int64
	DelegatePartnerID int64
	StaffID           int64
	Email             string
	Role              Role
	Duration          time.Duration
	Reason            string
	Accounts          []string // the customers by Zoom account id, for a list
	GroupID           int64    // or the owner's group (the owner only)
	// Now is when it is asked (the clock the answer, the end and the pages judge it by); zero
	// is the store's clock.
	Now time.Time
}

const delegationColumns = `d.id, d.owner_partner_id, d.delegate_partner_id, po.name, pd.name, d.requested_by, d.requested_by_email,
	d.role, extract(epoch FROM d.duration)::bigint, d.reason, d.customer_kind, d.group_name, d.status, d.requested_at, d.lapses_at,
	d.answered_at, d.answered_by_email, d.starts_at, d.expires_at, d.ended_at, d.ended_by_partner, d.ended_by_email`

const delegationFrom = ` FROM delegations d JOIN partners po ON po.id = d.owner_partner_id JOIN partners pd ON pd.id = d.delegate_partner_id`

func scanDelegation(row pgx.Row) (Delegation, error) {
	var d Delegation
	var secs int64
	err := row.Scan(&d.ID, &d.OwnerPartnerID, &d.DelegatePartnerID, &d.OwnerName, &d.DelegateName, &d.RequestedBy, &d.RequestedByEmail,
		&d.Role, &secs, &d.Reason, &d.CustomerKind, &d.GroupName, &d.Status, &d.RequestedAt, &d.LapsesAt,
		&d.AnsweredAt, &d.AnsweredByEmail, &d.StartsAt, &d.ExpiresAt, &d.EndedAt, &d.EndedByPartner, &d.EndedByEmail)
	d.Duration = time.Duration(secs) * time.Second
	return d, err
}

// delegationCustomers reads the customers of the delegations ids (names as the acting partner
// reads them).
func delegationCustomers(ctx context.Context, tx pgx.Tx, ds []Delegation) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]int64, len(ds))
	at := map[int64]int{}
	for i, d := range ds {
		ids[i], at[d.ID] = d.ID, i
	}
	rows, _ := tx.Query(ctx, `SELECT dc.delegation_id, c.id, c.zoom_account_id, c.account_name FROM delegation_customers dc
		JOIN customers c ON c.id = dc.customer_id WHERE dc.delegation_id = ANY ($1) ORDER BY lower(c.account_name), c.id`, ids)
	var did int64
	var c DelegatedCustomer
	_, err := pgx.ForEachRow(rows, []any{&did, &c.ID, &c.Account, &c.Name}, func() error {
		ds[at[did]].Customers = append(ds[at[did]].Customers, c)
		return nil
	})
	return err
}

// delegationEvent is ev about d: target, and the delegation's facts in its details (merged with
// extra).
func delegationEvent(ev AuditEvent, action audit.Action, d Delegation, extra map[string]any) (AuditEvent, error) {
	ev.Action, ev.TargetType, ev.TargetID = action, "delegation", strconv.FormatInt(d.ID, 10)
	ev.TargetLabel = fmt.Sprintf("%s for %s as %s", d.DelegateName, d.OwnerName, d.Role)
	if ev.Outcome == "" {
		ev.Outcome = OutcomeSucceeded
	}
	accounts := make([]string, len(d.Customers))
	for i, c := range d.Customers {
		accounts[i] = c.Account
	}
	facts := map[string]any{"id": d.ID, "owner_partner_id": d.OwnerPartnerID, "owner": d.OwnerName,
		"delegate_partner_id": d.DelegatePartnerID, "delegate": d.DelegateName, "role": string(d.Role),
		"duration_hours": int64(d.Duration / time.Hour), "customers": accounts, "reason": d.Reason}
	if d.GroupName != "" {
		facts["group"] = d.GroupName
	}
	if d.ExpiresAt != nil {
		facts["until"] = d.ExpiresAt.UTC().Format(time.RFC3339)
	}
	add := map[string]any{"delegation": facts}
	for k, v := range extra {
		add[k] = v
	}
	var err error
	ev.Details, err = withDetails(ev.Details, add)
	return ev, err
}

// recordBoth records ev (of partner ev.PartnerID, one side of d) and its copy in the other
// side's log, in tx (which acts for ev.PartnerID): the copy names no staff id (staff ids are
// per partner), keeps the email and points at the original. System events (expiry, lapse) are
// recorded for the owner and copied to the delegate.
func (s *Store) recordBoth(ctx context.Context, tx pgx.Tx, d Delegation, ev AuditEvent) (AuditEvent, error) {
	out, err := s.appendOne(ctx, tx, ev)
	if err != nil {
		return out, err
	}
	other := d.OwnerPartnerID
	if ev.PartnerID == d.OwnerPartnerID {
		other = d.DelegatePartnerID
	}
	cp := ev
	cp.StaffID = nil
	return out, s.appendCopy(ctx, tx, out, cp, other)
}

// hasS2S reports, in tx acting for back, whether partnerID has an active Server-to-Server app
// (reading as partnerID for the one query).
func hasS2S(ctx context.Context, tx pgx.Tx, partnerID, back int64) (bool, error) {
	if err := setActingPartner(ctx, tx, partnerID); err != nil {
		return false, err
	}
	var ok bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM zoom_grants WHERE partner_id = $1 AND kind = 's2s' AND status = 'active')", partnerID).Scan(&ok); err != nil {
		return false, err
	}
	return ok, setActingPartner(ctx, tx, back)
}

// RequestDelegation records a request for a delegation by one of its sides (req.Side) and ev
// (delegation.request) in both partners' logs. The delegate must be the partner directly above
// the owner; the customers are the owner's, by account id (a list), or the members of the
// owner's group req.GroupID now (the owner only). When the owner asks, the request is its
// approval, so its Server-to-Server app must exist already (ErrNoS2SForDelegation). Input it
// refuses is a *ValidationError naming the field: "partner", "customers", "role", "duration",
// "reason".
func (s *Store) RequestDelegation(ctx context.Context, req DelegationRequest, ev AuditEvent) (Delegation, error) {
	problems := map[string]string{}
	switch req.Role {
	case RoleViewer, RoleSupport, RoleAdmin:
	default:
		problems["role"] = "Choose viewer, support or admin."
	}
	if req.Duration < MinDelegation || req.Duration > MaxDelegation {
		problems["duration"] = "Between 1 hour and 90 days."
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" {
		problems["reason"] = "Say why: the other side reads it before answering."
	} else if len(req.Reason) > 1000 {
		problems["reason"] = "At most 1,000 characters."
	}
	if len(req.Accounts) == 0 && req.GroupID == 0 {
		problems["customers"] = "Choose at least one customer."
	}
	if req.GroupID != 0 && req.Side != SideOwner {
		problems["customers"] = "Only the partner whose customers they are can choose one of its groups."
	}
	if len(req.Accounts) > 1000 {
		problems["customers"] = "At most 1,000 customers."
	}
	acting := req.OwnerPartnerID
	if req.Side == SideDelegate {
		acting = req.DelegatePartnerID
	}
	ctx = WithScope(ctx, nil)
	var d Delegation
	err := s.inTx(ctx, acting, func(tx pgx.Tx) error {
		var parent *int64
		err := tx.QueryRow(ctx, "SELECT parent_id FROM partners WHERE id = $1", req.OwnerPartnerID).Scan(&parent)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (parent == nil || *parent != req.DelegatePartnerID)) {
			problems["partner"] = "Delegations are between a partner and the partner directly above it."
		} else if err != nil {
			return err
		}
		if len(problems) > 0 {
			return &ValidationError{Fields: problems}
		}
		var ids []int64
		if req.GroupID != 0 {
			sc, err := evaluateScope(ctx, tx, req.OwnerPartnerID, []int64{req.GroupID})
			if err != nil {
				return err
			}
			ids, d.GroupName = sc.IDs, sc.Names[0]
			if len(ids) == 0 {
				return &ValidationError{Fields: map[string]string{"customers": "The group " + d.GroupName + " has no customers now."}}
			}
		} else {
			rows, _ := tx.Query(ctx, `SELECT id, zoom_account_id FROM customers WHERE partner_id = $1 AND zoom_account_id = ANY ($2) AND status = 'active'`,
				req.OwnerPartnerID, req.Accounts)
			found := map[string]bool{}
			var id int64
			var acct string
			if _, err := pgx.ForEachRow(rows, []any{&id, &acct}, func() error {
				ids, found[acct] = append(ids, id), true
				return nil
			}); err != nil {
				return err
			}
			for _, a := range req.Accounts {
				if !found[a] {
					return &ValidationError{Fields: map[string]string{"customers": "No active customer of this partner has the account id " + a + "."}}
				}
			}
		}
		if req.Side == SideOwner {
			ok, err := hasS2S(ctx, tx, req.OwnerPartnerID, acting)
			if err != nil {
				return err
			}
			if !ok {
				return ErrNoS2SForDelegation
			}
		}
		now := req.Now
		if now.IsZero() {
			now = s.now()
		}
		kind := "list"
		if req.GroupID != 0 {
			kind = "group"
		}
		var staff *int64
		if req.StaffID != 0 {
			staff = &req.StaffID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO delegations (owner_partner_id, delegate_partner_id, requested_by, requested_by_staff,
				requested_by_email, role, duration, reason, customer_kind, group_name, requested_at, lapses_at)
			VALUES ($1, $2, $3, $4, $5, $6, make_interval(secs => $7), $8, $9, $10, $11, $12) RETURNING id`,
			req.OwnerPartnerID, req.DelegatePartnerID, req.Side, staff, req.Email, req.Role, req.Duration.Seconds(), req.Reason,
			kind, d.GroupName, now, now.Add(DelegationLapseAfter)).Scan(&d.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO delegation_customers (delegation_id, customer_id, owner_partner_id, delegate_partner_id)
			SELECT $1, unnest($2::bigint[]), $3, $4`, d.ID, ids, req.OwnerPartnerID, req.DelegatePartnerID); err != nil {
			return err
		}
		if d, err = readDelegation(ctx, tx, d.ID); err != nil {
			return err
		}
		ev.PartnerID = acting
		e, err := delegationEvent(ev, audit.DelegationRequest, d, map[string]any{"asked_by": req.Side})
		if err != nil {
			return err
		}
		_, err = s.recordBoth(ctx, tx, d, e)
		return err
	})
	if err != nil {
		return Delegation{}, fmt.Errorf("request a delegation: %w", err)
	}
	return d, nil
}

// readDelegation reads delegation id with its customers in tx.
func readDelegation(ctx context.Context, tx pgx.Tx, id int64) (Delegation, error) {
	d, err := scanDelegation(tx.QueryRow(ctx, "SELECT "+delegationColumns+delegationFrom+" WHERE d.id = $1", id))
	if err != nil {
		return d, translate(err)
	}
	ds := []Delegation{d}
	err = delegationCustomers(ctx, tx, ds)
	return ds[0], err
}

// Delegation returns delegation id as partnerID (either side) sees it, with its customers;
// ErrNotFound when partnerID is on neither side.
func (s *Store) Delegation(ctx context.Context, partnerID, id int64) (Delegation, error) {
	var d Delegation
	err := s.inTx(WithScope(ctx, nil), partnerID, func(tx pgx.Tx) (err error) {
		d, err = readDelegation(ctx, tx, id)
		return err
	})
	if err != nil {
		return Delegation{}, fmt.Errorf("delegation %d of partner %d: %w", id, partnerID, err)
	}
	return d, nil
}

// Delegations returns the delegations partnerID is a side of, newest first (at most 500),
// with their customers.
func (s *Store) Delegations(ctx context.Context, partnerID int64) ([]Delegation, error) {
	var out []Delegation
	err := s.inTx(WithScope(ctx, nil), partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+delegationColumns+delegationFrom+
			" WHERE $1 IN (d.owner_partner_id, d.delegate_partner_id) ORDER BY d.id DESC LIMIT 500", partnerID)
		var err error
		if out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Delegation, error) { return scanDelegation(row) }); err != nil {
			return err
		}
		return delegationCustomers(ctx, tx, out)
	})
	if err != nil {
		return nil, fmt.Errorf("delegations of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// AnswerDelegation records partnerID's answer to a pending request (the side that did not ask):
// approve starts it now for its duration, otherwise it is declined; ev (its staff member and
// request) is recorded as delegation.approve or delegation.decline in both logs, in the same
// transaction. A request that is no longer pending (or has lapsed by now) is
// ErrDelegationClosed; approving one whose owner has no Server-to-Server app is
// ErrNoS2SForDelegation; partnerID on neither side, or the side that asked, is ErrNotFound.
func (s *Store) AnswerDelegation(ctx context.Context, partnerID, id int64, approve bool, email string, now time.Time, ev AuditEvent) (Delegation, error) {
	var d Delegation
	err := s.inTx(WithScope(ctx, nil), partnerID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT 1 FROM delegations WHERE id = $1 FOR UPDATE", id); err != nil {
			return err
		}
		var err error
		if d, err = readDelegation(ctx, tx, id); err != nil {
			return err
		}
		side := d.SideOf(partnerID)
		if side == "" || side == d.RequestedBy {
			return ErrNotFound
		}
		if d.StateAt(now) != DelegationPending {
			return ErrDelegationClosed
		}
		action, status := audit.DelegationDecline, DelegationDeclined
		if approve {
			action, status = audit.DelegationApprove, DelegationActive
			ok, err := hasS2S(ctx, tx, d.OwnerPartnerID, partnerID)
			if err != nil {
				return err
			}
			if !ok {
				return ErrNoS2SForDelegation
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE delegations SET status = $2, answered_at = $3, answered_by_email = $4,
				starts_at = CASE WHEN $2 = 'active' THEN $3::timestamptz END, expires_at = CASE WHEN $2 = 'active' THEN $3::timestamptz + duration END
			WHERE id = $1`, id, status, now, email); err != nil {
			return err
		}
		if d, err = readDelegation(ctx, tx, id); err != nil {
			return err
		}
		ev.PartnerID = partnerID
		e, err := delegationEvent(ev, action, d, map[string]any{"answered_by": side})
		if err != nil {
			return err
		}
		_, err = s.recordBoth(ctx, tx, d, e)
		return err
	})
	if err != nil {
		return Delegation{}, fmt.Errorf("answer delegation %d: %w", id, err)
	}
	return d, nil
}

// EndDelegation ends delegation id for partnerID (either side), now: an active one stops at
// once, a pending request is withdrawn by the side that asked. ev is recorded as
// delegation.end in both logs in the same transaction. Anything else is ErrDelegationClosed;
// partnerID on neither side is ErrNotFound.
func (s *Store) EndDelegation(ctx context.Context, partnerID, id int64, email string, now time.Time, ev AuditEvent) (Delegation, error) {
	var d Delegation
	err := s.inTx(WithScope(ctx, nil), partnerID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT 1 FROM delegations WHERE id = $1 FOR UPDATE", id); err != nil {
			return err
		}
		var err error
		if d, err = readDelegation(ctx, tx, id); err != nil {
			return err
		}
		side := d.SideOf(partnerID)
		if side == "" {
			return ErrNotFound
		}
		state := d.StateAt(now)
		if state != DelegationActive && (state != DelegationPending || side != d.RequestedBy) {
			return ErrDelegationClosed
		}
		if _, err := tx.Exec(ctx, `UPDATE delegations SET status = 'ended', ended_at = $2, ended_by_partner = $3, ended_by_email = $4
			WHERE id = $1`, id, now, partnerID, email); err != nil {
			return err
		}
		if d, err = readDelegation(ctx, tx, id); err != nil {
			return err
		}
		ev.PartnerID = partnerID
		extra := map[string]any{"ended_by": side}
		if state == DelegationPending {
			extra["withdrawn"] = true
		}
		e, err := delegationEvent(ev, audit.DelegationEnd, d, extra)
		if err != nil {
			return err
		}
		_, err = s.recordBoth(ctx, tx, d, e)
		return err
	})
	if err != nil {
		return Delegation{}, fmt.Errorf("end delegation %d: %w", id, err)
	}
	return d, nil
}

// SweepDelegations records, as of now, the delegations that expired (active past their end)
// and the requests that lapsed (pending for DelegationLapseAfter), each in one transaction
// acting for its owner with its event (delegation.expire, delegation.lapse) in both logs, and
// returns them. Run by a periodic job; a delegation another process swept first is skipped.
func (s *Store) SweepDelegations(ctx context.Context, now time.Time) ([]Delegation, error) {
	ctx = WithScope(WithDelegation(ctx, nil), nil)
	rows, _ := s.pool.Query(ctx, "SELECT id FROM partners WHERE parent_id IS NOT NULL ORDER BY id")
	owners, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("partners with a partner above: %w", err)
	}
	var out []Delegation
	for _, owner := range owners {
		err := s.inTx(ctx, owner, func(tx pgx.Tx) error {
			rows, _ := tx.Query(ctx, `UPDATE delegations SET status = CASE status WHEN 'active' THEN 'expired' ELSE 'lapsed' END
				WHERE owner_partner_id = $1 AND ((status = 'active' AND expires_at <= $2) OR (status = 'pending' AND lapses_at <= $2))
				RETURNING id`, owner, now)
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return err
			}
			for _, id := range ids {
				d, err := readDelegation(ctx, tx, id)
				if err != nil {
					return err
				}
				action := audit.DelegationExpire
				if d.Status == DelegationLapsed {
					action = audit.DelegationLapse
				}
				e, err := delegationEvent(AuditEvent{PartnerID: owner}, action, d, nil)
				if err != nil {
					return err
				}
				if _, err := s.recordBoth(ctx, tx, d, e); err != nil {
					return err
				}
				out = append(out, d)
			}
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("sweep the delegations of partner %d: %w", owner, err)
		}
	}
	return out, nil
}

// activeDelegationsSQL reads the active delegations partner $1 is the delegate of, with their
// customers (as the delegate reads them: its reach holds the owner's customers). It runs with
// every signed-in request (store.ActingStaff): the customers are read per delegation (a lateral
// subquery by primary key), so a partner with none reads one index probe of delegations.
const activeDelegationsSQL = `SELECT d.id, d.owner_partner_id, d.delegate_partner_id, po.name, pd.name, d.role, d.expires_at,
	coalesce(x.ids, '{}'), coalesce(x.accounts, '{}')
	FROM delegations d JOIN partners po ON po.id = d.owner_partner_id JOIN partners pd ON pd.id = d.delegate_partner_id
	LEFT JOIN LATERAL (SELECT array_agg(c.id ORDER BY c.id) AS ids, array_agg(c.zoom_account_id ORDER BY c.id) AS accounts
		FROM delegation_customers dc JOIN customers c ON c.id = dc.customer_id WHERE dc.delegation_id = d.id) x ON true
	WHERE d.delegate_partner_id = $1 AND d.status = 'active'
	ORDER BY d.id`

func collectActive(rows pgx.Rows) ([]ActiveDelegation, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ActiveDelegation, error) {
		var a ActiveDelegation
		err := row.Scan(&a.ID, &a.OwnerPartnerID, &a.DelegatePartnerID, &a.OwnerName, &a.DelegateName, &a.Role, &a.ExpiresAt, &a.CustomerIDs, &a.Accounts)
		return a, err
	})
}

// DelegationAttention counts, for partnerID's dashboard at now, the requests waiting for its
// answer and its active delegations (either side) ending within a day.
func (s *Store) DelegationAttention(ctx context.Context, partnerID int64, now time.Time) (waiting, ending int, err error) {
	err = s.read(WithScope(ctx, nil), partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT count(*) FILTER (WHERE status = 'pending' AND lapses_at > $2 AND requested_by <> CASE WHEN owner_partner_id = $1 THEN 'owner' ELSE 'delegate' END),
				count(*) FILTER (WHERE status = 'active' AND expires_at > $2 AND expires_at <= $2 + interval '1 day')
			FROM delegations WHERE $1 IN (owner_partner_id, delegate_partner_id) AND status IN ('pending', 'active')`, partnerID, now).
			QueryRow(func(row pgx.Row) error { return row.Scan(&waiting, &ending) })
	})
	if err != nil {
		return 0, 0, fmt.Errorf("delegations needing attention of partner %d: %w", partnerID, err)
	}
	return waiting, ending, nil
}
