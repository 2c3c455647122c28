package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// Role is a staff member's role within their partner.
type Role string

// The four staff roles, from most to least powerful.
const (
	RoleOwner   Role = "owner"   // staff, credentials, everything
	RoleAdmin   Role = "admin"   // customers, plans, settings, disassociate, bulk jobs
	RoleSupport Role = "support" // users inside customers; read everything
	RoleViewer  Role = "viewer"  // read only
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleOwner, RoleAdmin, RoleSupport, RoleViewer}

// Label is the role's name as people read it: "Owner", "Admin", "Support", "Viewer".
func (r Role) Label() string {
	if r == "" {
		return ""
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// StaffStatus is where a staff member stands.
type StaffStatus string

// Staff statuses.
const (
	StaffInvited   StaffStatus = "invited"   // invited by email, has not signed in yet
	StaffActive    StaffStatus = "active"    // may sign in
	StaffSuspended StaffStatus = "suspended" // may not sign in; kept for the record
	StaffRemoved   StaffStatus = "removed"   // gone; kept for the audit trail
)

// Staff is a person who works in Tierdesk for a partner.
type Staff struct {
	ID           int64       `db:"id"`
	PartnerID    int64       `db:"partner_id"`
	ZoomUserID   *string     `db:"zoom_user_id"`
	Email        string      `db:"email"`
	FirstName    string      `db:"first_name"`
	LastName     string      `db:"last_name"`
	Role         Role        `db:"role"`
	Status       StaffStatus `db:"status"`
	InvitedBy    *int64      `db:"invited_by"`
	LastSignInAt *time.Time  `db:"last_sign_in_at"`
	CreatedAt    time.Time   `db:"created_at"`
}

// Name returns the staff member's full name, or the email when no name is known.
func (s Staff) Name() string {
	if n := strings.TrimSpace(s.FirstName + " " + s.LastName); n != "" {
		return n
	}
	return s.Email
}

const staffColumns = "id, partner_id, zoom_user_id, email, first_name, last_name, role, status, invited_by, last_sign_in_at, created_at"

func insertStaff(ctx context.Context, tx pgx.Tx, partnerID int64, who StaffIdentity, role Role, status StaffStatus, invitedBy *int64) (Staff, error) {
	var zoomUserID *string
	if who.ZoomUserID != "" {
		zoomUserID = &who.ZoomUserID
	}
	var signedIn *time.Time
	if status == StaffActive {
		now := time.Now()
		signedIn = &now
	}
	rows, _ := tx.Query(ctx, `INSERT INTO staff (partner_id, zoom_user_id, email, first_name, last_name, role, status, invited_by, last_sign_in_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+staffColumns,
		partnerID, zoomUserID, who.Email, who.FirstName, who.LastName, role, status, invitedBy, signedIn)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
	return st, translate(err)
}

// StaffByID returns staff member id of partnerID, or ErrNotFound.
func (s *Store) StaffByID(ctx context.Context, partnerID, id int64) (Staff, error) {
	var st Staff
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+staffColumns+" FROM staff WHERE partner_id = $1 AND id = $2", partnerID, id)
		var err error
		st, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
		return translate(err)
	})
	if err != nil {
		return Staff{}, fmt.Errorf("staff %d of partner %d: %w", id, partnerID, err)
	}
	return st, nil
}

// ErrNotStaff means a Zoom user of a registered partner's account is not (or no longer)
// among its staff. ErrStaffSuspended means they are, but suspended.
var (
	ErrNotStaff       = errors.New("not a staff member of this partner")
	ErrStaffSuspended = errors.New("staff member is suspended")
)

// GrantInput is a user OAuth grant as the sign-in obtained it.
type GrantInput struct {
	ZoomAccountID string
	ZoomUserID    string
	ClientID      string
	Tokens        Tokens
}

// SignIn matches a Zoom user to partnerID's staff at sign-in: by Zoom user id, or, for an
// invitation not yet taken up, by email (which then binds the invitation to this Zoom user).
// In one transaction it records the sign-in time and the names Zoom gave, stores the grant
// (replacing the staff member's previous one), and appends ev as a "session.sign_in" event
// (ev carries the request's id, address and user agent). It returns the staff member and the
// grant id, or fails with ErrNotStaff or ErrStaffSuspended (and changes nothing).
func (s *Store) SignIn(ctx context.Context, partnerID int64, who StaffIdentity, g GrantInput, ev AuditEvent) (Staff, int64, error) {
	var st Staff
	var grantID int64
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+staffColumns+` FROM staff
			WHERE partner_id = $1 AND status <> 'removed'
			  AND (zoom_user_id = $2 OR (status = 'invited' AND zoom_user_id IS NULL AND lower(email) = lower($3)))
			ORDER BY zoom_user_id IS NULL LIMIT 1 FOR UPDATE`, partnerID, who.ZoomUserID, who.Email)
		var err error
		st, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
		if err != nil {
			if err = translate(err); errors.Is(err, ErrNotFound) {
				return ErrNotStaff
			}
			return err
		}
		if st.Status == StaffSuspended {
			return ErrStaffSuspended
		}
		firstSignIn := st.Status == StaffInvited
		// A new email at Zoom that another staff row (an invitation, say) already holds is not
		// taken over: the old one stays until that row is removed.
		rows, _ = tx.Query(ctx, `UPDATE staff SET zoom_user_id = $3,
				email = CASE WHEN EXISTS (SELECT 1 FROM staff o WHERE o.partner_id = $1 AND o.id <> $2
					AND o.status <> 'removed' AND lower(o.email) = lower($4)) THEN email ELSE $4 END,
				first_name = CASE WHEN $5 = '' THEN first_name ELSE $5 END,
				last_name = CASE WHEN $6 = '' THEN last_name ELSE $6 END,
				status = 'active', last_sign_in_at = now()
			WHERE partner_id = $1 AND id = $2 RETURNING `+staffColumns,
			partnerID, st.ID, who.ZoomUserID, who.Email, who.FirstName, who.LastName)
		if st, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff]); err != nil {
			return translate(err)
		}
		if grantID, err = s.saveUserGrant(ctx, tx, partnerID, st.ID, g); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.SessionSignIn, OutcomeSucceeded
		ev.StaffID, ev.StaffEmail, ev.ZoomUserID, ev.GrantRef = &st.ID, st.Email, who.ZoomUserID, GrantRef(grantID)
		ev.TargetType, ev.TargetID, ev.TargetLabel = "staff", strconv.FormatInt(st.ID, 10), st.Email
		details := map[string]any{"role": st.Role, "scopes": g.Tokens.Scopes}
		if firstSignIn {
			details["first_sign_in"] = true
		}
		ev.Details, _ = json.Marshal(details)
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Staff{}, 0, fmt.Errorf("sign in %s to partner %d: %w", who.Email, partnerID, err)
	}
	return st, grantID, nil
}

// GrantRef names a user grant in the audit log ("user:42").
func GrantRef(grantID int64) string { return "user:" + strconv.FormatInt(grantID, 10) }

// ErrLastOwner means the change would leave the partner without an active owner.
var ErrLastOwner = errors.New("the partner must keep at least one active owner")

// InviteStaff adds an invitation for email with role to partnerID and appends ev as a
// "staff.invite" event. It fails with ErrConflict when that email is already among the
// partner's staff, and with *ValidationError for a bad email or role.
func (s *Store) InviteStaff(ctx context.Context, partnerID int64, email string, role Role, invitedBy *int64, ev AuditEvent) (Staff, error) {
	email = strings.TrimSpace(email)
	errs := map[string]string{}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 128 {
		errs["email"] = "Enter the email address of a user of your Zoom account, like name@example.com."
	}
	if !role.Valid() {
		errs["role"] = "Choose a role."
	}
	if len(errs) > 0 {
		return Staff{}, &ValidationError{Fields: errs}
	}
	var st Staff
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		if st, err = insertStaff(ctx, tx, partnerID, StaffIdentity{Email: email}, role, StaffInvited, invitedBy); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.StaffInvite, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "staff", strconv.FormatInt(st.ID, 10), st.Email
		ev.Details = mustJSON(map[string]any{"after": map[string]any{"email": st.Email, "role": st.Role, "status": st.Status}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Staff{}, fmt.Errorf("invite %s to partner %d: %w", email, partnerID, err)
	}
	return st, nil
}

// UpdateStaff changes staff member staffID of partnerID: its role and/or status (active,
// suspended or removed; an invited person can only be removed), and appends ev with the
// before and after. It refuses with ErrLastOwner a change that would leave no active owner,
// with ErrLastUnscopedOwner one that would leave no active owner who reaches every customer,
// and with ErrNotFound an unknown or removed staff member.
func (s *Store) UpdateStaff(ctx context.Context, partnerID, staffID int64, role Role, status StaffStatus, ev AuditEvent) (Staff, error) {
	var after Staff
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		// Lock the partner's owners first, so two concurrent demotions cannot both pass the check.
		if _, err := tx.Exec(ctx, "SELECT id FROM staff WHERE partner_id = $1 AND role = 'owner' FOR UPDATE", partnerID); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, "SELECT "+staffColumns+" FROM staff WHERE partner_id = $1 AND id = $2 AND status <> 'removed' FOR UPDATE", partnerID, staffID)
		before, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
		if err != nil {
			return translate(err)
		}
		if role == "" {
			role = before.Role
		}
		if status == "" {
			status = before.Status
		}
		if before.Status == StaffInvited && status != StaffRemoved {
			status = StaffInvited // an invitation stays one until its person signs in
		}
		if before.Role == RoleOwner && before.Status == StaffActive && (role != RoleOwner || status != StaffActive) {
			var others int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM staff WHERE partner_id = $1 AND role = 'owner' AND status = 'active' AND id <> $2",
				partnerID, staffID).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return ErrLastOwner
			}
			// An owner who reaches every customer must not leave only owners limited to
			// groups: nobody could lift their limits then.
			own, err := scopeGroups(ctx, tx, partnerID, staffID)
			if err != nil {
				return err
			}
			if len(own) == 0 {
				unscoped, err := otherUnscopedOwners(ctx, tx, partnerID, staffID)
				if err != nil {
					return err
				}
				if unscoped == 0 {
					return ErrLastUnscopedOwner
				}
			}
		}
		rows, _ = tx.Query(ctx, "UPDATE staff SET role = $3, status = $4 WHERE partner_id = $1 AND id = $2 RETURNING "+staffColumns,
			partnerID, staffID, role, status)
		if after, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff]); err != nil {
			return translate(err)
		}
		if status != StaffActive && status != StaffInvited {
			// A suspended or removed person's Zoom grant is no use to anyone: erase it.
			if _, err := tx.Exec(ctx, `UPDATE zoom_grants SET status = 'revoked', access_token = NULL, refresh_token = NULL, updated_at = now()
				WHERE partner_id = $1 AND staff_id = $2 AND status = 'active'`, partnerID, staffID); err != nil {
				return err
			}
		}
		ev.PartnerID, ev.Outcome = partnerID, OutcomeSucceeded
		switch {
		case status == StaffRemoved:
			ev.Action = audit.StaffRemove
		case status == StaffSuspended && before.Status != StaffSuspended:
			ev.Action = audit.StaffSuspend
		case status == StaffActive && before.Status == StaffSuspended:
			ev.Action = audit.StaffReinstate
		default:
			ev.Action = audit.StaffRole
		}
		ev.TargetType, ev.TargetID, ev.TargetLabel = "staff", strconv.FormatInt(staffID, 10), after.Email
		ev.Details = mustJSON(map[string]any{
			"before": map[string]any{"role": before.Role, "status": before.Status},
			"after":  map[string]any{"role": after.Role, "status": after.Status}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Staff{}, fmt.Errorf("update staff %d of partner %d: %w", staffID, partnerID, err)
	}
	return after, nil
}

// CountStaff returns how many staff of partnerID have each status.
func (s *Store) CountStaff(ctx context.Context, partnerID int64) (map[StaffStatus]int, error) {
	counts := map[StaffStatus]int{}
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT status, count(*) FROM staff WHERE partner_id = $1 GROUP BY status", partnerID)
		var status StaffStatus
		var n int
		_, err := pgx.ForEachRow(rows, []any{&status, &n}, func() error { counts[status] = n; return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count staff of partner %d: %w", partnerID, err)
	}
	return counts, nil
}

// StaffMembers lists partnerID's staff who are not removed, by name.
func (s *Store) StaffMembers(ctx context.Context, partnerID int64) ([]Staff, error) {
	var out []Staff
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+staffColumns+" FROM staff WHERE partner_id = $1 AND status <> 'removed' ORDER BY lower(first_name || ' ' || last_name), lower(email)", partnerID)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Staff])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("staff of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// Acting is who acts in a request: the staff member, their partner and the partners in its
// reach (itself and every partner below it), and, for a member limited to customer groups,
// the customers in scope now (nil: every customer in reach).
type Acting struct {
	Staff   Staff
	Partner Partner
	Reach   []int64
	Scope   *Scope
	// Delegations are the active delegations the partner is the delegate of (as stored: the
	// caller judges their end by its own clock).
	Delegations []ActiveDelegation
}

// ActingStaff reads, in one transaction, staff member id of partnerID, the partner and its
// reach: what every signed-in request needs first. A staff member limited to groups has
// their members worked out in a second transaction (evaluateScope), so that a change of
// membership counts from the next request. A staff member who is not there is ErrNotFound.
func (s *Store) ActingStaff(ctx context.Context, partnerID, id int64) (Acting, error) {
	var a Acting
	var groups []int64
	ctx = WithScope(ctx, nil) // who acts is read whole; the scope is worked out here
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(scopeGroupsSQL, partnerID, id).Query(func(rows pgx.Rows) (err error) {
			groups, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
		b.Queue("SELECT "+staffColumns+" FROM staff WHERE partner_id = $1 AND id = $2", partnerID, id).Query(func(rows pgx.Rows) (err error) {
			a.Staff, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
			return err
		})
		b.Queue("SELECT "+partnerColumns+" FROM partners WHERE id = $1", partnerID).Query(func(rows pgx.Rows) (err error) {
			a.Partner, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Partner])
			return err
		})
		b.Queue("SELECT tierdesk_reach()").QueryRow(func(row pgx.Row) error { return row.Scan(&a.Reach) })
		b.Queue(activeDelegationsSQL, partnerID).Query(func(rows pgx.Rows) (err error) {
			a.Delegations, err = collectActive(rows)
			return err
		})
	})
	if err == nil && len(groups) > 0 {
		err = s.inTx(ctx, partnerID, func(tx pgx.Tx) (err error) {
			a.Scope, err = evaluateScope(ctx, tx, partnerID, groups)
			return err
		})
	}
	if err != nil {
		return Acting{}, fmt.Errorf("staff %d of partner %d acting: %w", id, partnerID, err)
	}
	return a, nil
}
