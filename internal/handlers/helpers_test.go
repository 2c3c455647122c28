package handlers_test

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
)

// accountOf returns the sandbox account id of a demo user.
func (e *env) accountOf(email string) string {
	e.t.Helper()
	for _, u := range e.Sandbox.Users() {
		if u.Email == email {
			return u.AccountID
		}
	}
	e.t.Fatalf("no sandbox user %s", email)
	return ""
}

// countPartners counts the registered partners.
func (e *env) countPartners() int {
	e.t.Helper()
	var n int
	if err := e.Store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM partners").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// staffByEmail returns a staff member of partnerID by email.
func (e *env) staffByEmail(partnerID int64, email string) store.Staff {
	e.t.Helper()
	rows, _ := e.Store.Pool().Query(context.Background(), "SELECT id, partner_id, zoom_user_id, email, first_name, last_name, role, status, invited_by, last_sign_in_at, created_at FROM staff WHERE partner_id = $1 AND email = $2", partnerID, email)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[store.Staff])
	if err != nil {
		e.t.Fatalf("staff %s: %v", email, err)
	}
	return st
}
