package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// Tokens are the secrets of a user OAuth grant, in the clear (only in memory).
type Tokens struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time // of the access token
	Scopes       string    // space-separated, as Zoom granted them
}

// GrantStatus is whether a grant can still be used.
type GrantStatus string

// Grant statuses.
const (
	GrantActive  GrantStatus = "active"  // usable
	GrantExpired GrantStatus = "expired" // Zoom refused the refresh token: the staff member must sign in again
	GrantRevoked GrantStatus = "revoked" // revoked at sign-out or by the user at Zoom
)

// Grant is a stored Zoom grant with its tokens decrypted.
type Grant struct {
	ID            int64
	PartnerID     *int64
	StaffID       *int64
	Kind          string // "user" or "s2s"
	ZoomAccountID string
	ZoomUserID    string
	ClientID      string
	Status        GrantStatus
	Tokens        Tokens
	UpdatedAt     time.Time
}

// adAccess and adRefresh bind a token's ciphertext to its column and to the Zoom user whose
// token it is, so that a sealed token copied into another user's row does not decrypt.
func adAccess(zoomUserID string) []byte  { return []byte("zoom_grants.access_token:" + zoomUserID) }
func adRefresh(zoomUserID string) []byte { return []byte("zoom_grants.refresh_token:" + zoomUserID) }

func (s *Store) seal(plain string, ad []byte) (string, []byte) {
	if plain == "" {
		return s.keys.CurrentKeyID(), nil
	}
	return s.keys.Encrypt([]byte(plain), ad)
}

// SavePendingGrant stores the grant of a Zoom user whose account is not a partner yet, for
// RegisterPartner to claim. It returns the grant id.
func (s *Store) SavePendingGrant(ctx context.Context, zoomAccountID, zoomUserID, clientID string, t Tokens) (int64, error) {
	keyID, access := s.seal(t.AccessToken, adAccess(zoomUserID))
	_, refresh := s.seal(t.RefreshToken, adRefresh(zoomUserID))
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := pendingGrants(ctx, tx, "all"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO zoom_grants (kind, zoom_account_id, zoom_user_id, client_id, key_id, access_token, refresh_token, scopes, access_expires_at)
			VALUES ('user', $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			zoomAccountID, zoomUserID, clientID, keyID, access, refresh, t.Scopes, t.Expiry).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("save pending grant: %w", translate(err))
	}
	return id, nil
}

// pendingGrants says, for the rest of tx, which pending grants (zoom_grants with no partner
// yet) it works on: "all", one grant's id, or "" for none. Row-level security shows pending
// grants to no other transaction (migration 00013): only the sign-in path sets this.
func pendingGrants(ctx context.Context, tx pgx.Tx, which string) error {
	_, err := tx.Exec(ctx, "SELECT set_config('tierdesk.pending_grant', $1, true)", which)
	return err
}

// claimGrant makes pending grant grantID partnerID's, as staffID's grant, inside the
// registration's transaction (which acts for partnerID): row-level security lets it see that
// one pending grant only, and only while it claims it.
func claimGrant(ctx context.Context, tx pgx.Tx, grantID, partnerID, staffID int64, zoomAccountID string) error {
	if err := pendingGrants(ctx, tx, strconv.FormatInt(grantID, 10)); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE zoom_grants SET partner_id = $2, staff_id = $3, updated_at = now()
		WHERE id = $1 AND partner_id IS NULL AND zoom_account_id = $4 AND status = 'active'`,
		grantID, partnerID, staffID, zoomAccountID)
	if err != nil {
		return translate(err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("claim grant %d: %w", grantID, ErrNotFound)
	}
	return pendingGrants(ctx, tx, "")
}

// saveUserGrant stores the tokens a staff member got at sign-in, replacing their previous
// grant (Zoom invalidates earlier tokens when a user authorizes again). It returns the id.
func (s *Store) saveUserGrant(ctx context.Context, tx pgx.Tx, partnerID, staffID int64, g GrantInput) (int64, error) {
	t := g.Tokens
	keyID, access := s.seal(t.AccessToken, adAccess(g.ZoomUserID))
	_, refresh := s.seal(t.RefreshToken, adRefresh(g.ZoomUserID))
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO zoom_grants (partner_id, staff_id, kind, zoom_account_id, zoom_user_id, client_id, key_id, access_token, refresh_token, scopes, access_expires_at)
		VALUES ($1, $2, 'user', $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (staff_id) WHERE staff_id IS NOT NULL DO UPDATE SET
			zoom_account_id = EXCLUDED.zoom_account_id, zoom_user_id = EXCLUDED.zoom_user_id,
			client_id = EXCLUDED.client_id, key_id = EXCLUDED.key_id,
			access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
			scopes = EXCLUDED.scopes, access_expires_at = EXCLUDED.access_expires_at,
			status = 'active', updated_at = now()
		RETURNING id`,
		partnerID, staffID, g.ZoomAccountID, g.ZoomUserID, g.ClientID, keyID, access, refresh, t.Scopes, t.Expiry).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save grant of staff %d: %w", staffID, translate(err))
	}
	return id, nil
}

// grantRow is how a grant is stored.
type grantRow struct {
	ID              int64      `db:"id"`
	PartnerID       *int64     `db:"partner_id"`
	StaffID         *int64     `db:"staff_id"`
	Kind            string     `db:"kind"`
	ZoomAccountID   string     `db:"zoom_account_id"`
	ZoomUserID      *string    `db:"zoom_user_id"`
	ClientID        string     `db:"client_id"`
	KeyID           string     `db:"key_id"`
	AccessToken     []byte     `db:"access_token"`
	RefreshToken    []byte     `db:"refresh_token"`
	Scopes          string     `db:"scopes"`
	AccessExpiresAt *time.Time `db:"access_expires_at"`
	Status          string     `db:"status"`
	UpdatedAt       time.Time  `db:"updated_at"`
}

const grantColumns = "id, partner_id, staff_id, kind, zoom_account_id, zoom_user_id, client_id, key_id, access_token, refresh_token, scopes, access_expires_at, status, updated_at"

func (s *Store) openGrant(r grantRow) (Grant, error) {
	g := Grant{ID: r.ID, PartnerID: r.PartnerID, StaffID: r.StaffID, Kind: r.Kind, ZoomAccountID: r.ZoomAccountID,
		ClientID: r.ClientID, Status: GrantStatus(r.Status), UpdatedAt: r.UpdatedAt}
	if r.ZoomUserID != nil {
		g.ZoomUserID = *r.ZoomUserID
	}
	g.Tokens.Scopes = r.Scopes
	if r.AccessExpiresAt != nil {
		g.Tokens.Expiry = *r.AccessExpiresAt
	}
	if r.AccessToken != nil {
		pt, err := s.keys.Decrypt(r.KeyID, r.AccessToken, adAccess(g.ZoomUserID))
		if err != nil {
			return g, fmt.Errorf("grant %d access token: %w", r.ID, err)
		}
		g.Tokens.AccessToken = string(pt)
	}
	if r.RefreshToken != nil {
		pt, err := s.keys.Decrypt(r.KeyID, r.RefreshToken, adRefresh(g.ZoomUserID))
		if err != nil {
			return g, fmt.Errorf("grant %d refresh token: %w", r.ID, err)
		}
		g.Tokens.RefreshToken = string(pt)
	}
	return g, nil
}

// StaffGrant returns the user grant of staff member staffID of partnerID, or ErrNotFound.
func (s *Store) StaffGrant(ctx context.Context, partnerID, staffID int64) (Grant, error) {
	var g Grant
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+grantColumns+" FROM zoom_grants WHERE partner_id = $1 AND staff_id = $2", partnerID, staffID)
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[grantRow])
		if err != nil {
			return translate(err)
		}
		g, err = s.openGrant(r)
		return err
	})
	if err != nil {
		return Grant{}, fmt.Errorf("grant of staff %d: %w", staffID, err)
	}
	return g, nil
}

// RevokeGrant marks grantID revoked and erases its tokens, returning them as they were so the
// caller can revoke them at Zoom. partnerID 0 means an unclaimed (pending) grant. When ev is
// not nil it is appended to the audit log in the same transaction.
func (s *Store) RevokeGrant(ctx context.Context, partnerID, grantID int64, ev *AuditEvent) (Tokens, error) {
	var t Tokens
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		if partnerID == 0 {
			if err := pendingGrants(ctx, tx, strconv.FormatInt(grantID, 10)); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, `SELECT `+grantColumns+` FROM zoom_grants
			WHERE id = $2 AND (partner_id = $1 OR ($1 = 0 AND partner_id IS NULL)) FOR UPDATE`, partnerID, grantID)
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[grantRow])
		if err != nil {
			return translate(err)
		}
		g, err := s.openGrant(r)
		if err != nil {
			return err
		}
		t = g.Tokens
		if _, err = tx.Exec(ctx, `UPDATE zoom_grants SET status = 'revoked', access_token = NULL, refresh_token = NULL, updated_at = now() WHERE id = $1`, grantID); err != nil {
			return err
		}
		if ev != nil {
			ev.PartnerID, ev.GrantRef = partnerID, GrantRef(grantID)
			_, err = s.appendAudit(ctx, tx, *ev)
		}
		return err
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("revoke grant %d: %w", grantID, err)
	}
	return t, nil
}

// DeleteStalePendingGrants removes unclaimed grants older than maxAge (sign-ins that never
// went on to register) and returns how many it removed.
func (s *Store) DeleteStalePendingGrants(ctx context.Context, maxAge time.Duration) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := pendingGrants(ctx, tx, "all"); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM zoom_grants WHERE partner_id IS NULL AND created_at < now() - make_interval(secs => $1)", maxAge.Seconds())
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete stale pending grants: %w", err)
	}
	return n, nil
}

// RefreshUserGrant refreshes grantID's tokens under a row lock, because Zoom rotates refresh
// tokens on every use: two concurrent refreshes would lose the grant. Under the lock it reads
// the current tokens; when another process already refreshed them (the access token differs
// from stale and is not about to expire) it returns them without calling refresh. Otherwise it
// calls refresh with the current tokens and stores what it returns. An error from refresh is
// returned as is and nothing is stored; a grant that is not active is ErrNotFound.
func (s *Store) RefreshUserGrant(ctx context.Context, partnerID, grantID int64, stale string, refresh func(current Tokens) (Tokens, error)) (Tokens, error) {
	var out Tokens
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+grantColumns+` FROM zoom_grants
			WHERE id = $2 AND partner_id = $1 AND status = 'active' FOR UPDATE`, partnerID, grantID)
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[grantRow])
		if err != nil {
			return translate(err)
		}
		g, err := s.openGrant(r)
		if err != nil {
			return err
		}
		if g.Tokens.AccessToken != stale && g.Tokens.Expiry.After(s.now().Add(time.Minute)) {
			out = g.Tokens
			return nil
		}
		next, err := refresh(g.Tokens)
		if err != nil {
			return err
		}
		if next.RefreshToken == "" {
			next.RefreshToken = g.Tokens.RefreshToken
		}
		if next.Scopes == "" {
			next.Scopes = g.Tokens.Scopes
		}
		keyID, access := s.seal(next.AccessToken, adAccess(g.ZoomUserID))
		_, refreshed := s.seal(next.RefreshToken, adRefresh(g.ZoomUserID))
		if _, err = tx.Exec(ctx, `UPDATE zoom_grants SET key_id = $2, access_token = $3, refresh_token = $4,
			scopes = $5, access_expires_at = $6, updated_at = now() WHERE id = $1`,
			grantID, keyID, access, refreshed, next.Scopes, next.Expiry); err != nil {
			return err
		}
		out = next
		_, err = s.appendAudit(ctx, tx, grantEvent(g, audit.GrantRefresh, map[string]any{"access_expires_at": next.Expiry.UTC(), "scopes": next.Scopes}))
		return err
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh grant %d: %w", grantID, err)
	}
	return out, nil
}

// ErrGrantSuperseded means the refresh token Zoom refused is no longer the grant's: the staff
// member signed in again meanwhile (which made Zoom revoke the old tokens), so the grant is
// good and is not marked expired.
var ErrGrantSuperseded = errors.New("grant superseded by a newer sign-in")

// MarkGrantExpired records that Zoom refused grantID's refresh token refused (invalid_grant):
// its staff member must sign in again. The tokens are erased. When the grant holds another
// refresh token by now (a newer sign-in replaced it), nothing changes and the error is
// ErrGrantSuperseded; an empty refused expires the grant whatever it holds.
func (s *Store) MarkGrantExpired(ctx context.Context, partnerID, grantID int64, refused string) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+grantColumns+` FROM zoom_grants
			WHERE id = $2 AND partner_id = $1 AND status = 'active' FOR UPDATE`, partnerID, grantID)
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[grantRow])
		if err != nil {
			return translate(err)
		}
		if refused != "" {
			g, err := s.openGrant(r)
			if err != nil {
				return err
			}
			if g.Tokens.RefreshToken != refused {
				return ErrGrantSuperseded
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE zoom_grants SET status = 'expired', access_token = NULL, refresh_token = NULL, updated_at = now()
			WHERE id = $1`, grantID); err != nil {
			return err
		}
		g := Grant{ID: r.ID, PartnerID: r.PartnerID, StaffID: r.StaffID}
		if r.ZoomUserID != nil {
			g.ZoomUserID = *r.ZoomUserID
		}
		_, err = s.appendAudit(ctx, tx, grantEvent(g, audit.GrantExpire, map[string]any{"reason": "Zoom refused the refresh token (invalid_grant): the staff member must sign in again"}))
		return err
	})
	if err != nil {
		return fmt.Errorf("mark grant %d expired: %w", grantID, err)
	}
	return nil
}

// Grant returns grant grantID of partnerID with its tokens, or ErrNotFound.
func (s *Store) Grant(ctx context.Context, partnerID, grantID int64) (Grant, error) {
	var g Grant
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+grantColumns+" FROM zoom_grants WHERE partner_id = $1 AND id = $2", partnerID, grantID)
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[grantRow])
		if err != nil {
			return translate(err)
		}
		g, err = s.openGrant(r)
		return err
	})
	if err != nil {
		return Grant{}, fmt.Errorf("grant %d: %w", grantID, err)
	}
	return g, nil
}

// ErrNoGrant means no usable Zoom grant exists for the work asked.
var ErrNoGrant = errors.New("no usable Zoom grant: an owner or admin must sign in")

// AdminGrant returns a user grant of partnerID able to manage sub accounts: preferStaffID's
// when that staff member is an active owner or admin with an active grant, else the most
// recently refreshed one of any active owner or admin. It fails with ErrNoGrant.
func (s *Store) AdminGrant(ctx context.Context, partnerID, preferStaffID int64) (int64, error) {
	var id int64
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT g.id FROM zoom_grants g JOIN staff s ON s.id = g.staff_id
			WHERE g.partner_id = $1 AND g.status = 'active' AND g.kind = 'user'
			  AND s.status = 'active' AND s.role IN ('owner', 'admin')
			ORDER BY s.id = $2 DESC, g.updated_at DESC LIMIT 1`, partnerID, preferStaffID).Scan(&id)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNoGrant
	}
	if err != nil {
		return 0, fmt.Errorf("admin grant of partner %d: %w", partnerID, err)
	}
	return id, nil
}

// PartnersWithAdminGrant lists the partners that have a Server-to-Server grant or an active
// owner or admin grant (the ones a periodic sync can run for).
func (s *Store) PartnersWithAdminGrant(ctx context.Context) ([]int64, error) {
	var ids []int64
	all, err := s.partnerIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if _, err := s.S2SGrant(ctx, p); err == nil {
			ids = append(ids, p)
			continue
		}
		if _, err := s.AdminGrant(ctx, p, 0); err == nil {
			ids = append(ids, p)
		} else if !errors.Is(err, ErrNoGrant) {
			return nil, err
		}
	}
	return ids, nil
}

// grantEvent is the audit event of a change to a user grant made by Tierdesk itself.
func grantEvent(g Grant, action audit.Action, details map[string]any) AuditEvent {
	e := AuditEvent{Action: action, Outcome: OutcomeSucceeded, TargetType: "grant", TargetID: strconv.FormatInt(g.ID, 10),
		GrantRef: GrantRef(g.ID), ZoomUserID: g.ZoomUserID, StaffID: g.StaffID, Details: mustJSON(details)}
	if g.PartnerID != nil {
		e.PartnerID = *g.PartnerID
	}
	return e
}

// S2S is a partner's Server-to-Server grant with its secret decrypted (only in memory).
type S2S struct {
	ID            int64
	ZoomAccountID string
	ClientID      string
	ClientSecret  string
	UpdatedAt     time.Time
}

func adClientSecret(zoomAccountID string) []byte {
	return []byte("zoom_grants.client_secret:" + zoomAccountID)
}

// SaveS2SGrant stores (or replaces) partnerID's Server-to-Server app credentials, the secret
// encrypted, and appends ev as "grant.s2s.save" (the secret never reaches the event).
func (s *Store) SaveS2SGrant(ctx context.Context, partnerID int64, zoomAccountID, clientID, clientSecret string, ev AuditEvent) (int64, error) {
	keyID, sealed := s.keys.Encrypt([]byte(clientSecret), adClientSecret(zoomAccountID))
	var id int64
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO zoom_grants (partner_id, kind, zoom_account_id, client_id, key_id, client_secret)
			VALUES ($1, 's2s', $2, $3, $4, $5)
			ON CONFLICT (partner_id) WHERE kind = 's2s' DO UPDATE SET zoom_account_id = EXCLUDED.zoom_account_id,
				client_id = EXCLUDED.client_id, key_id = EXCLUDED.key_id, client_secret = EXCLUDED.client_secret,
				status = 'active', updated_at = now()
			RETURNING id`, partnerID, zoomAccountID, clientID, keyID, sealed).Scan(&id)
		if err != nil {
			return translate(err)
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.GrantS2SSave, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.GrantRef = "grant", strconv.FormatInt(id, 10), clientID, "s2s:"+strconv.FormatInt(id, 10)
		ev.Details = mustJSON(map[string]any{"after": map[string]any{"client_id": clientID, "zoom_account_id": zoomAccountID}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("save Server-to-Server grant of partner %d: %w", partnerID, err)
	}
	return id, nil
}

// S2SGrant returns partnerID's active Server-to-Server grant, or ErrNotFound.
func (s *Store) S2SGrant(ctx context.Context, partnerID int64) (S2S, error) {
	var g S2S
	var keyID string
	var sealed []byte
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		b.Queue(`SELECT id, zoom_account_id, client_id, key_id, client_secret, updated_at FROM zoom_grants
			WHERE partner_id = $1 AND kind = 's2s' AND status = 'active'`, partnerID).QueryRow(func(row pgx.Row) error {
			return row.Scan(&g.ID, &g.ZoomAccountID, &g.ClientID, &keyID, &sealed, &g.UpdatedAt)
		})
	})
	if err == nil {
		var pt []byte
		if pt, err = s.keys.Decrypt(keyID, sealed, adClientSecret(g.ZoomAccountID)); err == nil {
			g.ClientSecret = string(pt)
		}
	}
	if err != nil {
		return S2S{}, fmt.Errorf("Server-to-Server grant of partner %d: %w", partnerID, err)
	}
	return g, nil
}

// RemoveS2SGrant revokes partnerID's Server-to-Server grant (erasing its secret) and appends
// ev as "grant.s2s.remove". It fails with ErrNotFound when there is none.
func (s *Store) RemoveS2SGrant(ctx context.Context, partnerID int64, ev AuditEvent) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var id int64
		var clientID string
		err := tx.QueryRow(ctx, `DELETE FROM zoom_grants WHERE partner_id = $1 AND kind = 's2s' RETURNING id, client_id`, partnerID).Scan(&id, &clientID)
		if err != nil {
			return translate(err)
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.GrantS2SRemove, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "grant", strconv.FormatInt(id, 10), clientID
		ev.Details = mustJSON(map[string]any{"before": map[string]any{"client_id": clientID}})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
}
