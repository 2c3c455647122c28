package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// writtenSince lists the durable (logged) tables of the database that hold a row inserted or
// updated by a transaction that began after xid, with how many; River's leader and queue
// tables, which River's own background work writes on its schedule, are left out, and so
// are River's jobs of the periodic kinds. Unlogged tables are left out: writing them costs no
// WAL flush.
func writtenSince(t *testing.T, e *env, xid int64) map[string]int {
	t.Helper()
	ctx := context.Background()
	rows, err := e.super().Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relpersistence = 'p' AND c.relname NOT IN ('river_leader', 'river_queue', 'river_client', 'river_client_queue')`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, table := range tables {
		q := "SELECT count(*) FROM " + pgx.Identifier{table}.Sanitize() + " WHERE xmin::text::bigint > $1"
		if table == "river_job" {
			q += " AND kind NOT IN ('sync_all', 'sync_all_users', 'resolve_pending_customers', 'cleanup', 'watchdog')"
		}
		var n int
		if err := e.super().QueryRow(ctx, q, xid%(1<<32)).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if n > 0 {
			out[table] = n
		}
	}
	return out
}

// A page view that changes nothing writes nothing durable: not the session (its idle deadline
// moves at most once per handlers.SessionWriteSlack), not the user directory (Zoom answered
// what it holds), not the rate budget. Checked by the rows' transaction ids, not by time.
func TestAPageViewThatChangesNothingWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, _, c := contoso(t, e)
	users := usersURLOf(e, c)
	list := owner.get(users)
	member := contosoUserID(t, e, c.ZoomAccountID)
	userPage := users + "/" + member
	// The first views write what is new: the session's deadline, the user as Zoom has them.
	for _, u := range []string{users, userPage, e.URL + "/customers", e.URL + "/"} {
		if got := owner.get(u); got.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, got.StatusCode)
		}
	}
	if list.StatusCode != http.StatusOK {
		t.Fatalf("users: %d", list.StatusCode)
	}
	e.waitJobsIdle()
	// The jobs' last audit events are sealed by the sequencer a moment later (seals, the chain's
	// head, its sweep mark): wait for that too, or the first view below would be blamed for it.
	rows, _ := e.super().Query(context.Background(), "SELECT id FROM partners")
	partners, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range partners {
		e.awaitSealed(id)
	}
	for _, u := range []string{userPage, users, e.URL + "/customers", e.URL + "/"} {
		var xid int64
		if err := e.super().QueryRow(context.Background(), "SELECT pg_current_xact_id()::text::bigint").Scan(&xid); err != nil {
			t.Fatal(err)
		}
		got := owner.get(u)
		if got.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, got.StatusCode)
		}
		if w := writtenSince(t, e, xid); len(w) > 0 {
			t.Errorf("GET %s wrote %v", strings.TrimPrefix(u, e.URL), w)
		}
	}
}
