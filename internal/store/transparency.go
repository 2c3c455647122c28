package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// Customer transparency: an owner or admin of a customer's own Zoom account signs in and reads
// how its partner manages it. Such a session belongs to no partner, so these reads act as the
// partner that owns the customer, limited (WithScope) to that one customer: the row-level
// security policies of migration 00028 then let through only that customer's rows (and rows
// about no customer, which each query below filters out or never reads), and every query
// filters to the one customer as well.

// CustomerAccount is a customer's Zoom account as its customer sees it in Tierdesk: the customer
// row of the partner that manages it, and the partners above (Chain: that partner first, then
// each one above it).
type CustomerAccount struct {
	Customer Customer
	Chain    []Partner
}

// Partner is the partner that manages the account directly.
func (a CustomerAccount) Partner() Partner { return a.Chain[0] }

// customerScope is the scope of one customer: what a customer's reads are limited to.
func customerScope(c Customer) *Scope {
	return &Scope{IDs: []int64{c.ID}, Accounts: []string{c.ZoomAccountID}}
}

// CustomerOfAccount returns the active customer whose Zoom account is zoomAccountID, of the
// registered partner that manages it, with that partner's chain; ErrNotFound when no
// registered partner has it as an active customer.
//
// It looks across partners on purpose, and narrowly: the account id comes from Zoom (the
// GET /users/me of a user who just signed in), never from a request, and the partner is found
// in account_directory (not tenant data) before anything of that partner is read, acting as
// that partner for its one customer row.
func (s *Store) CustomerOfAccount(ctx context.Context, zoomAccountID string) (CustomerAccount, error) {
	partnerID, err := s.ParentForAccount(ctx, zoomAccountID)
	if err != nil {
		return CustomerAccount{}, err
	}
	return s.CustomerAccountOf(ctx, partnerID, zoomAccountID)
}

// CustomerAccountOf returns partnerID's own active customer with Zoom account zoomAccountID and
// the partner chain above it (ErrNotFound when partnerID has no such customer now): what each
// request of a customer session checks, so that a customer gone, disassociated or moved to
// another partner ends the session. It acts as partnerID with no scope and no delegation.
func (s *Store) CustomerAccountOf(ctx context.Context, partnerID int64, zoomAccountID string) (CustomerAccount, error) {
	var out CustomerAccount
	ctx = WithScope(WithDelegation(ctx, nil), nil)
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+customerColumns+customerFrom+" WHERE c.partner_id = $1 AND c.zoom_account_id = $2 AND c.status = 'active'",
			partnerID, zoomAccountID).Query(func(rows pgx.Rows) (err error) {
			out.Customer, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Customer])
			return err
		})
		b.Queue(`WITH RECURSIVE up(id, depth) AS (
				SELECT $1::bigint, 0
				UNION ALL
				SELECT p.parent_id, up.depth + 1 FROM partners p JOIN up ON p.id = up.id WHERE p.parent_id IS NOT NULL AND up.depth < 16)
			SELECT `+partnerColumns+` FROM partners JOIN up USING (id) ORDER BY up.depth`, partnerID).Query(func(rows pgx.Rows) (err error) {
			out.Chain, err = pgx.CollectRows(rows, pgx.RowToStructByName[Partner])
			return err
		})
	})
	if err == nil && len(out.Chain) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return CustomerAccount{}, fmt.Errorf("customer account %s of partner %d: %w", zoomAccountID, partnerID, err)
	}
	return out, nil
}

// StaffWithAccess is a staff member of the managing partner who reaches a customer.
type StaffWithAccess struct {
	Name    string
	Email   string
	Role    Role
	Limited bool // limited to customer groups, one of which holds the customer
}

// Transparency is what a customer's page shows besides the events: who at its partner reaches
// it, and the delegations that gave (or give) another partner access to it.
type Transparency struct {
	Staff       []StaffWithAccess
	Delegations []Delegation // active, ended and expired ones that covered the customer, newest first
}

// CustomerTransparency returns the active staff of partnerID who reach customer c (every
// member not limited to groups, and the limited ones whose groups hold c now, worked out by
// the groups' own rules) and the delegations of partnerID that cover c and were ever in force.
// It reads as partnerID limited to c alone (WithScope): a customer session has no partner of
// its own, and the scope keeps the read to this customer's rows.
func (s *Store) CustomerTransparency(ctx context.Context, partnerID int64, c Customer) (Transparency, error) {
	var out Transparency
	ctx = WithScope(WithDelegation(ctx, nil), customerScope(c))
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT st.first_name, st.last_name, st.email, st.role,
				(SELECT coalesce(array_agg(ss.group_id ORDER BY ss.group_id), '{}') FROM staff_scopes ss WHERE ss.staff_id = st.id AND ss.partner_id = st.partner_id)
			FROM staff st WHERE st.partner_id = $1 AND st.status = 'active'
			ORDER BY array_position(ARRAY['owner', 'admin', 'support', 'viewer'], st.role::text), lower(st.email)`, partnerID)
		type member struct {
			StaffWithAccess
			groups []int64
		}
		var staff []member
		var first, last string
		var m member
		if _, err := pgx.ForEachRow(rows, []any{&first, &last, &m.Email, &m.Role, &m.groups}, func() error {
			m.Name = Staff{FirstName: first, LastName: last, Email: m.Email}.Name()
			staff = append(staff, m)
			return nil
		}); err != nil {
			return err
		}
		// Each group that limits someone, evaluated once: does it hold c now?
		holds := map[int64]bool{}
		for _, st := range staff {
			for _, g := range st.groups {
				if _, done := holds[g]; done {
					continue
				}
				sc, err := evaluateScope(ctx, tx, partnerID, []int64{g})
				if err != nil {
					return err
				}
				holds[g] = slices.Contains(sc.IDs, c.ID)
			}
		}
		for _, st := range staff {
			reaches := len(st.groups) == 0
			for _, g := range st.groups {
				reaches = reaches || holds[g]
			}
			if reaches {
				st.Limited = len(st.groups) > 0
				out.Staff = append(out.Staff, st.StaffWithAccess)
			}
		}
		rows, _ = tx.Query(ctx, "SELECT "+delegationColumns+delegationFrom+`
			WHERE d.owner_partner_id = $1 AND d.status IN ('active', 'ended', 'expired') AND d.starts_at IS NOT NULL
				AND EXISTS (SELECT 1 FROM delegation_customers dc WHERE dc.delegation_id = d.id AND dc.customer_id = $2)
			ORDER BY d.id DESC LIMIT 100`, partnerID, c.ID)
		var err error
		out.Delegations, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Delegation, error) { return scanDelegation(row) })
		return err
	})
	if err != nil {
		return Transparency{}, fmt.Errorf("transparency of customer %s: %w", c.ZoomAccountID, err)
	}
	return out, nil
}

// TransparencyActions are the actions a customer's page shows of its partner's log (besides
// any change seen from Zoom): every change of a customer or its users at Zoom, and the
// delegations' events. Tierdesk's own records (notes, tags, staff, groups, jobs) and refusals
// are the partner's alone.
func TransparencyActions() (changes, delegations []audit.Action) {
	for _, a := range audit.All() {
		if a.ChangesZoom() {
			changes = append(changes, a)
		}
	}
	delegations = []audit.Action{audit.DelegationRequest, audit.DelegationApprove, audit.DelegationDecline,
		audit.DelegationEnd, audit.DelegationExpire, audit.DelegationLapse}
	return changes, delegations
}

// CustomerEvents returns, newest first, at most limit events of partnerID's log about customer
// c that its customer may read, older than event before (0: the newest): events whose customer
// is c that changed it at Zoom (TransparencyActions) or were seen from Zoom, and the
// delegation events that name c among their customers; never a denied event. It reads as
// partnerID limited to c alone (WithScope, see CustomerTransparency), and the query filters to
// c's account as well.
func (s *Store) CustomerEvents(ctx context.Context, partnerID int64, c Customer, before int64, limit int) ([]AuditEvent, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	changes, delegations := TransparencyActions()
	texts := func(as []audit.Action) []string {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = string(a)
		}
		return out
	}
	var out []AuditEvent
	ctx = WithScope(WithDelegation(ctx, nil), customerScope(c))
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue("SELECT "+auditColumns+" FROM "+auditFrom+`
			WHERE e.partner_id = $1 AND e.outcome <> 'denied' AND ($4::bigint = 0 OR e.id < $4)
				AND ((e.customer_id = $2 AND (e.action = ANY ($3) OR e.external))
					OR (e.action = ANY ($5) AND (e.details->'delegation'->'customers')::jsonb @> jsonb_build_array($2::text)))
			ORDER BY e.id DESC LIMIT $6`,
			partnerID, c.ZoomAccountID, texts(changes), before, texts(delegations), limit).Query(func(rows pgx.Rows) (err error) {
			out, err = pgx.CollectRows(rows, scanAudit)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("events of customer %s: %w", c.ZoomAccountID, err)
	}
	return out, nil
}
