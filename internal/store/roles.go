package store

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// AppLogin is the login role `make run` and the tests give the portal: a member of AppRole
// that owns nothing, so that even RESET ROLE gains it nothing.
const AppLogin = "tierdesk_web"

// EnsureAppLogin creates, when missing, AppRole and a login role that is a member of it (and
// nothing else), connecting with ownerURL (a role with CREATEROLE). password may be empty
// where the server trusts local connections. It returns the URL that logs in as the new
// role to the same database. Production deployments create the login themselves (README).
func EnsureAppLogin(ctx context.Context, ownerURL, login, password string) (string, error) {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return "", fmt.Errorf("connect as the owner: %w", err)
	}
	defer conn.Close(ctx)
	// Two processes may get here at once (parallel test binaries): serialize.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(727275)"); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(727275)")
	ident := pgx.Identifier{login}.Sanitize()
	stmts := []string{
		`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '` + AppRole + `') THEN CREATE ROLE ` + AppRole + ` NOLOGIN; END IF; END $$`,
		`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '` + login + `') THEN CREATE ROLE ` + ident + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$`,
		"GRANT " + AppRole + " TO " + ident,
	}
	if password != "" {
		stmts = append(stmts, "ALTER ROLE "+ident+" PASSWORD "+quoteLiteral(password))
	}
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			return "", fmt.Errorf("create the portal's login %s: %w", login, err)
		}
	}
	u, err := url.Parse(ownerURL)
	if err != nil {
		return "", err
	}
	if password != "" {
		u.User = url.UserPassword(login, password)
	} else {
		u.User = url.User(login)
	}
	return u.String(), nil
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// LoginPower reports whether the pool's login (session_user) is a superuser or owns tables:
// then SET ROLE is no boundary, since any SQL can RESET ROLE.
func LoginPower(ctx context.Context, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (login string, super bool, ownsTables int, err error) {
	err = pool.QueryRow(ctx, `SELECT session_user, r.rolsuper,
			(SELECT count(*) FROM pg_tables WHERE tableowner = session_user AND schemaname = 'public')
		FROM pg_roles r WHERE r.rolname = session_user`).Scan(&login, &super, &ownsTables)
	return login, super, ownsTables, err
}
