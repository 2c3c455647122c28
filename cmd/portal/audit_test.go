package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/store"
)

// auditStore opens a store on the database at url with a new key, as `portal audit verify`
// would be given it, and returns the store and the key (PORTAL_SECRET_KEY).
func auditStore(t *testing.T, url string) (*store.Store, string) {
	t.Helper()
	pool, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	key := secret.NewKey("t1")
	keys, err := secret.ParseKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	return store.New(pool, keys), key
}

func TestAuditVerifyCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newTestDB(t)
	st, key := auditStore(t, url)
	var ids []int64
	for _, acct := range []string{"acct-1", "acct-2"} {
		p, err := st.EnsurePartner(ctx, acct, "Partner "+acct, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		for i := 0; i < 5; i++ {
			if _, err := st.Audit(ctx, store.AuditEvent{PartnerID: p.ID, Action: "customer.update", Outcome: store.OutcomeSucceeded}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range ids { // as a running portal's sequencer does
		if _, err := st.SealAudit(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"DATABASE_URL": url, "PORTAL_SECRET_KEY": key}
	head, err := st.AuditChainHead(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(ctx, []string{"audit", "verify"}, func(k string) string { return env[k] }, &out, io.Discard); err != nil {
		t.Fatalf("verify of an intact log: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "verified: 10 events in 2 chains") {
		t.Fatalf("output: %s", out.String())
	}
	// The superuser changes an event behind the triggers' back.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "UPDATE audit_events SET outcome = 'failed' WHERE id = (SELECT event_id FROM audit_seals WHERE partner_id = $1 AND seq = 3)", ids[1]); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"audit", "verify"}, func(k string) string { return env[k] }, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "event 3 (changed") {
		t.Fatalf("verify of a changed log: err %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--partner", strconv.FormatInt(ids[0], 10)}, func(k string) string { return env[k] }, &out, io.Discard); err != nil {
		t.Fatalf("verify of the intact partner alone: %v", err)
	}
	// An anchor kept from before (an export's trailer) catches the chain being cut short.
	for _, q := range []string{"DELETE FROM audit_seals WHERE partner_id = $1 AND seq >= 3",
		"DELETE FROM audit_events e WHERE partner_id = $1 AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)"} {
		if _, err := conn.Exec(ctx, q, ids[1]); err != nil {
			t.Fatal(err)
		}
	}
	anchor := fmt.Sprintf("%d:%d:%x", ids[1], head.Seq, head.Hash)
	err = run(ctx, []string{"audit", "verify", "--partner", strconv.FormatInt(ids[1], 10), "--expect", anchor}, func(k string) string { return env[k] }, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("verify with an anchor after truncation: %v", err)
	}
}
