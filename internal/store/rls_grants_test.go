package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// tnAs runs fn in a transaction of the portal's role with the given settings (acting
// partner, pending grants), as the store's own transactions set them.
func tnAs(t *testing.T, st *store.Store, settings map[string]string, fn func(pgx.Tx) error) error {
	t.Helper()
	return pgx.BeginFunc(context.Background(), st.Pool(), func(tx pgx.Tx) error {
		for k, v := range settings {
			if _, err := tx.Exec(context.Background(), "SELECT set_config($1, $2, true)", k, v); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// tnCount counts rows of q (a SELECT count(*)) in a transaction with settings.
func tnCount(t *testing.T, st *store.Store, settings map[string]string, q string, args ...any) int {
	t.Helper()
	var n int
	if err := tnAs(t, st, settings, func(tx pgx.Tx) error { return tx.QueryRow(context.Background(), q, args...).Scan(&n) }); err != nil {
		t.Fatalf("%s with %v: %v", q, settings, err)
	}
	return n
}

// Pending grants (sign-ins waiting for their account's registration) are seen by no partner,
// and with no acting partner only on the sign-in path, which names the pending grants it works
// on. The sign-in path itself still works: save, revoke at sign-out, claim at registration,
// clean up.
func TestPendingGrantsOnlyOnTheSignInPath(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	super := storetest.Superuser(t, st)
	p, _ := registerPartner(t, st, "acct-p", "owner@p.example")
	q, _ := registerPartner(t, st, "acct-q", "owner@q.example")
	pending, err := st.SavePendingGrant(ctx, "acct-new", "zu-new", "client", store.Tokens{AccessToken: "at-new", RefreshToken: "rt-new", Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.SavePendingGrant(ctx, "acct-other", "zu-other", "client", store.Tokens{AccessToken: "at-other", RefreshToken: "rt-other"})
	if err != nil {
		t.Fatal(err)
	}
	var all int
	if err := super.QueryRow(ctx, "SELECT count(*) FROM zoom_grants WHERE partner_id IS NULL").Scan(&all); err != nil || all != 2 {
		t.Fatalf("%d pending grants in the table (%v), want 2", all, err)
	}
	partner := map[string]string{"tierdesk.partner_id": itoa(p.ID)}
	const pendingRows = "SELECT count(*) FROM zoom_grants WHERE partner_id IS NULL"

	// A partner sees its own grant and no pending one, and cannot touch them.
	if n := tnCount(t, st, partner, "SELECT count(*) FROM zoom_grants"); n != 1 {
		t.Errorf("the partner sees %d grants, want its owner's 1", n)
	}
	for _, q := range []string{
		"UPDATE zoom_grants SET partner_id = tierdesk_partner() WHERE partner_id IS NULL",
		"UPDATE zoom_grants SET status = 'revoked' WHERE partner_id IS NULL",
		"DELETE FROM zoom_grants WHERE partner_id IS NULL",
	} {
		var affected int64
		if err := tnAs(t, st, partner, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, q)
			affected = tag.RowsAffected()
			return err
		}); err != nil || affected != 0 {
			t.Errorf("as the partner, %s: %d rows (%v), want none", q, affected, err)
		}
	}
	if err := tnAs(t, st, partner, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO zoom_grants (kind, zoom_account_id, client_id, key_id) VALUES ('user', 'acct-x', 'client', 'k')")
		return err
	}); !tnRefusedByRLS(err) {
		t.Errorf("the partner inserting a pending grant: %v, want a row-level security refusal", err)
	}
	// Even on the sign-in path, a partner's transaction sees no pending grant but the one it
	// claims, and can claim it into itself only.
	if n := tnCount(t, st, map[string]string{"tierdesk.partner_id": itoa(p.ID), "tierdesk.pending_grant": "all"}, pendingRows); n != 0 {
		t.Errorf("a partner with pending_grant=all sees %d pending grants", n)
	}
	claim := map[string]string{"tierdesk.partner_id": itoa(p.ID), "tierdesk.pending_grant": itoa(pending)}
	if n := tnCount(t, st, claim, pendingRows); n != 1 {
		t.Errorf("a partner claiming grant %d sees %d pending grants, want that one", pending, n)
	}
	if err := tnAs(t, st, claim, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE zoom_grants SET partner_id = $1 WHERE id = $2", q.ID, pending)
		return err
	}); !tnRefusedByRLS(err) {
		t.Errorf("a claim moving a pending grant to another partner: %v, want a row-level security refusal", err)
	}

	// With no acting partner and no pending-grant path: no grant at all.
	if n := tnCount(t, st, nil, "SELECT count(*) FROM zoom_grants"); n != 0 {
		t.Errorf("no acting partner sees %d grants", n)
	}
	// The sign-in path sees what it names.
	if n := tnCount(t, st, map[string]string{"tierdesk.pending_grant": "all"}, pendingRows); n != 2 {
		t.Errorf("pending_grant=all sees %d pending grants, want 2", n)
	}
	if n := tnCount(t, st, map[string]string{"tierdesk.pending_grant": itoa(other)}, "SELECT count(*) FROM zoom_grants"); n != 1 {
		t.Errorf("pending_grant=%d sees %d grants, want that one", other, n)
	}
	// The setting ends with its transaction.
	if n := tnCount(t, st, nil, pendingRows); n != 0 {
		t.Errorf("after a sign-in path transaction, %d pending grants are visible", n)
	}

	// The sign-in path works: revoke at sign-out ...
	tokens, err := st.RevokeGrant(ctx, 0, other, nil)
	if err != nil || tokens.AccessToken != "at-other" {
		t.Fatalf("revoke the pending grant: %+v %v", tokens, err)
	}
	var status string
	if err := super.QueryRow(ctx, "SELECT status FROM zoom_grants WHERE id = $1", other).Scan(&status); err != nil || status != "revoked" {
		t.Errorf("revoked pending grant: %s %v", status, err)
	}
	// ... claim at registration (the grant of another account is not claimed) ...
	if _, _, err := st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: "acct-wrong", Name: "Wrong",
		Owner: store.StaffIdentity{ZoomUserID: "zu-new", Email: "owner@wrong.example"}, GrantID: pending}, store.AuditEvent{}); err == nil {
		t.Error("a registration claimed another account's pending grant")
	}
	np, owner, err := st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: "acct-new", Name: "New",
		Owner: store.StaffIdentity{ZoomUserID: "zu-new", Email: "owner@new.example"}, GrantID: pending}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if g, err := st.StaffGrant(ctx, np.ID, owner.ID); err != nil || g.ID != pending || g.Tokens.RefreshToken != "rt-new" {
		t.Fatalf("the claimed grant: %+v %v", g, err)
	}
	// ... and the clean-up of stale ones.
	stale, err := st.SavePendingGrant(ctx, "acct-stale", "zu-stale", "client", store.Tokens{AccessToken: "at-stale"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := super.Exec(ctx, "UPDATE zoom_grants SET created_at = now() - interval '2 hours' WHERE id = $1", stale); err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteStalePendingGrants(ctx, time.Hour); err != nil || n != 1 {
		t.Fatalf("clean-up deleted %d (%v), want the stale one", n, err)
	}
	if err := super.QueryRow(ctx, "SELECT count(*) FROM zoom_grants WHERE partner_id IS NULL").Scan(&all); err != nil || all != 1 {
		t.Errorf("%d pending grants left, want the revoked one (%v)", all, err)
	}
}

// tnRefusedByRLS reports whether err is PostgreSQL refusing a row under row-level security.
func tnRefusedByRLS(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}
