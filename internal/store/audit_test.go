package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

func auditEvent(partnerID int64, action string, details any) store.AuditEvent {
	raw, _ := json.Marshal(details)
	return store.AuditEvent{PartnerID: partnerID, Action: action, Outcome: store.OutcomeSucceeded,
		TargetType: "customer", TargetID: "acct-x", StaffEmail: "owner@x.example", Details: raw}
}

func TestAuditConcurrentWritersChainWithoutGaps(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-a1", "owner@a1.example")
	other, _ := registerPartner(t, st, "acct-a2", "owner@a2.example")
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			if _, err := st.Audit(ctx, auditEvent(p.ID, "customer.update", map[string]int{"n": i})); err != nil {
				t.Error(err)
			}
		}(i)
		go func(i int) {
			defer wg.Done()
			if _, err := st.Audit(ctx, auditEvent(other.ID, "customer.update", map[string]int{"n": i})); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	var n, maxSeq, distinctPrev int64
	err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT count(*), max(seq), count(DISTINCT prev_hash) FROM audit_events WHERE partner_id = $1", p.ID).Scan(&n, &maxSeq, &distinctPrev)
	if err != nil {
		t.Fatal(err)
	}
	// 50 changes after the registration's own event.
	if n != 51 || maxSeq != 51 || distinctPrev != 51 {
		t.Fatalf("events %d, max seq %d, distinct prev hashes %d; want 51 each (no gap, no fork)", n, maxSeq, distinctPrev)
	}
	reports, err := st.VerifyAudit(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		if !r.OK || r.Verified != 51 {
			t.Fatalf("verify: %s", r)
		}
	}
	head, _ := st.AuditChainHead(ctx, p.ID)
	if head.Seq != 51 {
		t.Fatalf("head = %d", head.Seq)
	}
}

func TestAuditIsAppendOnlyForThePortal(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-ao", "owner@ao.example")
	if _, err := st.Audit(ctx, auditEvent(p.ID, "customer.create", nil)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE audit_events SET action = 'x'",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
	} {
		_, err := st.Pool().Exec(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("as the portal's role, %q: err = %v, want permission denied", q, err)
		}
	}
	// Even the owning role is stopped by the triggers.
	owner := ownerConn(t, st)
	for _, q := range []string{"UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"} {
		_, err := owner.Exec(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("as the owner, %q: err = %v, want append-only", q, err)
		}
	}
}

// ownerConn connects to the test's database as the cluster's superuser.
func ownerConn(t *testing.T, st *store.Store) *pgx.Conn {
	t.Helper()
	cfg := st.Pool().Config().ConnConfig.Copy()
	cfg.AfterConnect = nil
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// tamper runs SQL as the superuser with triggers off, as an attacker with full access would.
func tamper(t *testing.T, st *store.Store, sql string, args ...any) {
	t.Helper()
	conn := ownerConn(t, st)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("tamper %q: %v", sql, err)
	}
}

func TestAuditVerifyNamesTheFirstBrokenEvent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		sql        []string
		wantSeq    int64
		wantReason string
	}{
		{"changed", []string{"UPDATE audit_events SET target_label = 'someone else' WHERE partner_id = $1 AND seq = 4"}, 4, "changed"},
		{"details changed", []string{`UPDATE audit_events SET details = '{"n":99}' WHERE partner_id = $1 AND seq = 7`}, 7, "changed"},
		{"deleted in the middle", []string{"DELETE FROM audit_events WHERE partner_id = $1 AND seq = 5"}, 5, "missing"},
		{"deleted at the end", []string{"DELETE FROM audit_events WHERE partner_id = $1 AND seq = 11"}, 11, "missing"},
		{"reordered", []string{
			"UPDATE audit_events SET seq = 1000 WHERE partner_id = $1 AND seq = 3",
			"UPDATE audit_events SET seq = 3 WHERE partner_id = $1 AND seq = 6",
			"UPDATE audit_events SET seq = 6 WHERE partner_id = $1 AND seq = 1000",
		}, 3, "reordered"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := storetest.NewStore(t)
			ctx := context.Background()
			p, _ := registerPartner(t, st, "acct-v", "owner@v.example")
			for i := 2; i <= 11; i++ { // event 1 is the registration
				if _, err := st.Audit(ctx, auditEvent(p.ID, "user.update", map[string]int{"n": i})); err != nil {
					t.Fatal(err)
				}
			}
			if r, _ := st.VerifyAudit(ctx, p.ID); len(r) != 1 || !r[0].OK || r[0].Verified != 11 {
				t.Fatalf("before tampering: %v", r)
			}
			for _, q := range tc.sql {
				tamper(t, st, q, p.ID)
			}
			r, err := st.VerifyAudit(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r[0].OK || r[0].BrokenSeq != tc.wantSeq || !strings.HasPrefix(r[0].Reason, tc.wantReason) {
				t.Fatalf("verify after %s: %s; want event %d %s", tc.name, r[0], tc.wantSeq, tc.wantReason)
			}
		})
	}
}

func TestAuditRedactsSecrets(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-red", "owner@red.example")
	details := map[string]any{
		"after": map[string]any{"email": "new@x.example", "password": "Sup3rS3cret!", "user_info": map[string]any{"Password": "Other1Pass"}},
		"grant": map[string]any{"refresh_token": "rt-abc", "access_token": "at-xyz", "client_secret": "cs-1", "scopes": "user:master"},
		"list":  []any{map[string]any{"api_key": "k-1"}, map[string]any{"Authorization": "Bearer at-xyz"}},
	}
	if _, err := st.Audit(ctx, auditEvent(p.ID, "user.create", details)); err != nil {
		t.Fatal(err)
	}
	var row string
	if err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT row_to_json(a)::text FROM audit_events a WHERE partner_id = $1", p.ID).Scan(&row); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Sup3rS3cret!", "Other1Pass", "rt-abc", "at-xyz", "cs-1", "k-1"} {
		if strings.Contains(row, secret) {
			t.Errorf("audit row contains secret %q: %s", secret, row)
		}
	}
	for _, kept := range []string{"new@x.example", "user:master", store.Redacted} {
		if !strings.Contains(row, kept) {
			t.Errorf("audit row lost %q: %s", kept, row)
		}
	}
	if r, _ := st.VerifyAudit(ctx, p.ID); !r[0].OK {
		t.Fatalf("redacted event does not verify: %s", r[0])
	}
}
