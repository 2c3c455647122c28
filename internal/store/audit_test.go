package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

func auditEvent(partnerID int64, action string, details any) store.AuditEvent {
	raw, _ := json.Marshal(details)
	return store.AuditEvent{PartnerID: partnerID, Action: audit.Action(action), Outcome: store.OutcomeSucceeded,
		TargetType: "customer", TargetID: "acct-x", StaffEmail: "owner@x.example", Details: raw}
}

// sealer runs the audit sequencer for the rest of the test, as portal serve does.
func sealer(t *testing.T, st *store.Store) {
	t.Helper()
	t.Cleanup(st.StartAuditSealer(context.Background(), store.SealerOptions{}))
}

// awaitSealed waits, 30 seconds at most, until the sequencer has sealed every event of each
// partner that was committed before the call.
func awaitSealed(t *testing.T, st *store.Store, partnerIDs ...int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, id := range partnerIDs {
		if err := st.AwaitSealed(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

// seal runs one pass of the sequencer over each partner's chain, here and now.
func seal(t *testing.T, st *store.Store, partnerIDs ...int64) {
	t.Helper()
	for _, id := range partnerIDs {
		if _, err := st.SealAudit(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditConcurrentWritersChainWithoutGaps(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	sealer(t, st)
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
	awaitSealed(t, st, p.ID, other.ID)
	var n, maxSeq, distinctPrev int64
	err := storetest.Superuser(t, st).QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_events WHERE partner_id = $1), max(seq), count(DISTINCT prev_hash)
		FROM audit_seals WHERE partner_id = $1`, p.ID).Scan(&n, &maxSeq, &distinctPrev)
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
	head, err := st.AuditChainHead(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
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
	cfg := storetest.Superuser(t, st).Config().ConnConfig.Copy()
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

// sealedEvent selects the id of partner $1's event sealed at a place (add " AND seq = N").
const sealedEvent = "SELECT event_id FROM audit_seals WHERE partner_id = $1"

// deleteUnsealed deletes partner $1's events that have no seal.
const deleteUnsealed = `DELETE FROM audit_events e WHERE e.partner_id = $1
	AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)`

func TestAuditVerifyNamesTheFirstBrokenEvent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		sql        []string
		wantSeq    int64
		wantReason string
	}{
		{"changed", []string{"UPDATE audit_events SET target_label = 'someone else' WHERE id = (" + sealedEvent + " AND seq = 4)"}, 4, "changed"},
		{"details changed", []string{`UPDATE audit_events SET details = '{"n":99}' WHERE id = (` + sealedEvent + ` AND seq = 7)`}, 7, "changed"},
		{"deleted in the middle", []string{"DELETE FROM audit_seals WHERE partner_id = $1 AND seq = 5", deleteUnsealed}, 5, "missing"},
		{"deleted at the end", []string{"DELETE FROM audit_seals WHERE partner_id = $1 AND seq = 11", deleteUnsealed}, 11, "missing"},
		{"seal deleted, event kept", []string{"DELETE FROM audit_seals WHERE partner_id = $1 AND seq = 6"}, 6, "missing"},
		{"reordered", []string{
			"UPDATE audit_seals SET seq = 1000 WHERE partner_id = $1 AND seq = 3",
			"UPDATE audit_seals SET seq = 3 WHERE partner_id = $1 AND seq = 6",
			"UPDATE audit_seals SET seq = 6 WHERE partner_id = $1 AND seq = 1000",
		}, 3, "reordered"},
		{"events swapped", []string{
			"UPDATE audit_seals SET event_id = -event_id WHERE partner_id = $1 AND seq IN (3, 6)",
			`UPDATE audit_seals a SET event_id = -b.event_id FROM audit_seals b WHERE a.partner_id = $1 AND b.partner_id = $1
				AND ((a.seq = 3 AND b.seq = 6) OR (a.seq = 6 AND b.seq = 3))`,
		}, 3, "changed"},
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
			seal(t, st, p.ID)
			if r, err := st.VerifyAudit(ctx, p.ID); err != nil || len(r) != 1 || !r[0].OK || r[0].Verified != 11 {
				t.Fatalf("before tampering: %v %v", r, err)
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
	seal(t, st, p.ID)
	var row string
	if err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT row_to_json(a)::text FROM audit_events a WHERE partner_id = $1 AND action = 'user.create'", p.ID).Scan(&row); err != nil {
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
	r, err := st.VerifyAudit(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !r[0].OK {
		t.Fatalf("redacted event does not verify: %s", r[0])
	}
}

// plainRehash rewrites partner's chain from event seq on as an attacker without the audit
// key would: sha256 instead of the keyed hash, with the head moved to match.
func plainRehash(t *testing.T, st *store.Store, partnerID int64, from int64) {
	t.Helper()
	su := storetest.Superuser(t, st)
	ctx := context.Background()
	rows, err := su.Query(ctx, "SELECT seq, prev_hash, hash FROM audit_seals WHERE partner_id = $1 ORDER BY seq", partnerID)
	if err != nil {
		t.Fatal(err)
	}
	type link struct {
		seq        int64
		prev, hash []byte
	}
	var links []link
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.seq, &l.prev, &l.hash); err != nil {
			rows.Close()
			t.Fatal(err)
		}
		links = append(links, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	conn := ownerConn(t, st)
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	var prev []byte
	for _, l := range links {
		if l.seq < from {
			prev = l.hash
			continue
		}
		h := sha256.Sum256(append(append([]byte{}, prev...), []byte(fmt.Sprint(l.seq))...))
		if _, err := conn.Exec(ctx, "UPDATE audit_seals SET prev_hash = $3, hash = $4 WHERE partner_id = $1 AND seq = $2", partnerID, l.seq, prev, h[:]); err != nil {
			t.Fatal(err)
		}
		prev = h[:]
	}
	if _, err := conn.Exec(ctx, "UPDATE audit_heads SET hash = $2 WHERE partner_id = $1", partnerID, prev); err != nil {
		t.Fatal(err)
	}
}

func TestAuditRecomputedChainIsCaughtWithoutTheKey(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-k", "owner@k.example")
	for i := 0; i < 5; i++ {
		if _, err := st.Audit(ctx, auditEvent(p.ID, "user.update", map[string]int{"n": i})); err != nil {
			t.Fatal(err)
		}
	}
	seal(t, st, p.ID)
	tamper(t, st, "UPDATE audit_events SET target_label = 'rewritten' WHERE id = ("+sealedEvent+" AND seq = 3)", p.ID)
	plainRehash(t, st, p.ID, 3)
	r, err := st.VerifyAudit(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r[0].OK || r[0].BrokenSeq != 3 || !strings.HasPrefix(r[0].Reason, "changed") {
		t.Fatalf("a chain rewritten without the key: %s", r[0])
	}
	// Another portal with another key cannot vouch for this chain either.
	otherKeys := store.New(st.Pool(), storetest.Keys(t))
	r, err = otherKeys.VerifyAudit(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r[0].OK || r[0].BrokenSeq != 1 {
		t.Fatalf("verified with a foreign key: %s", r[0])
	}
}

func TestAuditTruncationIsCaughtByAnAnchor(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-tr", "owner@tr.example")
	for i := 0; i < 5; i++ {
		if _, err := st.Audit(ctx, auditEvent(p.ID, "user.update", map[string]int{"n": i})); err != nil {
			t.Fatal(err)
		}
	}
	seal(t, st, p.ID)
	head, err := st.AuditChainHead(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CheckAnchor(ctx, p.ID, head.Seq, head.Hash); err != nil {
		t.Fatalf("anchor of an intact chain: %v", err)
	}
	// The superuser cuts the last two events and rewinds the head consistently.
	var hash4 []byte
	if err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT hash FROM audit_seals WHERE partner_id = $1 AND seq = 4", p.ID).Scan(&hash4); err != nil {
		t.Fatal(err)
	}
	tamper(t, st, "DELETE FROM audit_seals WHERE partner_id = $1 AND seq > 4", p.ID)
	tamper(t, st, deleteUnsealed, p.ID)
	tamper(t, st, "UPDATE audit_heads SET seq = 4, hash = $2 WHERE partner_id = $1", p.ID, hash4)
	if r, err := st.VerifyAudit(ctx, p.ID); err != nil || !r[0].OK {
		t.Fatalf("the cut chain is consistent in itself: %v %v", r, err)
	}
	if err := st.CheckAnchor(ctx, p.ID, head.Seq, head.Hash); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("anchor after truncation: %v", err)
	}
}

func TestAuditHeadsAreTheDatabasesToMove(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-h", "owner@h.example")
	if _, err := st.Audit(ctx, auditEvent(p.ID, "user.update", nil)); err != nil {
		t.Fatal(err)
	}
	seal(t, st, p.ID)
	for _, q := range []string{"UPDATE audit_heads SET seq = 0", "DELETE FROM audit_heads", "INSERT INTO audit_heads VALUES (999, 0, '\\x00')"} {
		if _, err := st.Pool().Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("portal role %q: %v, want permission denied", q, err)
		}
	}
	// A seal that does not follow the head, or of an event of another partner, or of an event
	// sealed already, is refused by the database; and the portal may not change a seal or an
	// event.
	other, _ := registerPartner(t, st, "acct-h2", "owner@h2.example")
	seal(t, st, p.ID, other.ID)
	pending, err := st.Audit(ctx, auditEvent(p.ID, "user.update", nil))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := st.Audit(ctx, auditEvent(other.ID, "user.update", nil))
	if err != nil {
		t.Fatal(err)
	}
	head, err := st.AuditChainHead(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sealedID int64
	if err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT event_id FROM audit_seals WHERE partner_id = $1 AND seq = 1", p.ID).Scan(&sealedID); err != nil {
		t.Fatal(err)
	}
	asPortal := func(sql string, args ...any) error {
		return pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true)", itoa(p.ID)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, sql, args...)
			return err
		})
	}
	const forge = "INSERT INTO audit_seals (partner_id, seq, event_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $4)"
	zero := make([]byte, 32)
	for _, c := range []struct {
		sql  string
		args []any
		want string
	}{
		{forge, []any{p.ID, head.Seq + 2, pending.ID, head.Hash}, "does not follow"},
		{forge, []any{p.ID, head.Seq + 1, pending.ID, zero}, "does not follow"},
		{forge, []any{p.ID, head.Seq + 1, foreign.ID, head.Hash}, "seals no event of that partner"},
		{forge, []any{p.ID, head.Seq + 1, sealedID, head.Hash}, "duplicate key"},
		{"UPDATE audit_seals SET seq = seq + 1000 WHERE partner_id = $1", []any{p.ID}, "permission denied"},
		{"DELETE FROM audit_seals WHERE partner_id = $1", []any{p.ID}, "permission denied"},
		{"UPDATE audit_events SET action = 'x' WHERE partner_id = $1", []any{p.ID}, "permission denied"},
	} {
		if err := asPortal(c.sql, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("portal role %q %v: %v, want %s", c.sql, c.args, err, c.want)
		}
	}
	// Even the owning role is stopped by the triggers.
	owner := ownerConn(t, st)
	for _, q := range []string{"UPDATE audit_seals SET seq = seq", "DELETE FROM audit_seals", "TRUNCATE audit_seals"} {
		if _, err := owner.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("as the owner, %q: err = %v, want append-only", q, err)
		}
	}
	seal(t, st, p.ID)
	if r, err := st.VerifyAudit(ctx, p.ID); err != nil || !r[0].OK || r[0].Verified != head.Seq+1 {
		t.Fatalf("after the refused seals: %v %v", r, err)
	}
	// RESET ROLE gives the portal's login back, which may do no more.
	conn, err := st.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "RESET ROLE"); err != nil {
		t.Fatal(err)
	}
	var login string
	if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&login); err != nil {
		t.Fatal(err)
	}
	if login != store.AppLogin {
		t.Fatalf("the portal logs in as %s, want %s", login, store.AppLogin)
	}
	if _, err := conn.Exec(ctx, "DELETE FROM audit_events"); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("after RESET ROLE, %s deleting audit events: %v", login, err)
	}
	if _, err := conn.Exec(ctx, "SET ROLE "+store.AppRole); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerifyIsNotFooledByLiveWritesOrBadRows(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	sealer(t, st)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-live", "owner@live.example")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					if _, err := st.Audit(ctx, auditEvent(p.ID, "user.update", nil)); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	for i := 0; i < 30; i++ {
		r, err := st.VerifyAudit(ctx, p.ID)
		if err != nil || !r[0].OK {
			close(stop)
			wg.Wait()
			t.Fatalf("verify during writes: %v %v", r, err)
		}
	}
	close(stop)
	wg.Wait()
	awaitSealed(t, st, p.ID)
	if r, err := st.VerifyAudit(ctx, p.ID); err != nil || !r[0].OK || r[0].Pending != 0 {
		t.Fatalf("verify once sealed: %v %v", r, err)
	}
	// Details that cannot be put in canonical form are an error to report, not a crash.
	bad := store.AuditEvent{KeyID: "test", Details: json.RawMessage(`{"a":`)}
	if _, err := bad.ComputeHash(storetest.Keys(t)); err == nil {
		t.Fatal("hash of unreadable details")
	}
}

func TestSystemChainRecordsEventsOfNoPartner(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := st.Audit(ctx, store.AuditEvent{PartnerID: store.SystemChain, Action: "session.sign_in", Outcome: store.OutcomeDenied,
			TargetType: "zoom_user", TargetLabel: "stranger@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	seal(t, st, store.SystemChain)
	r, err := st.VerifyAudit(ctx, 0)
	if err != nil || len(r) != 1 || r[0].PartnerID != store.SystemChain || !r[0].OK || r[0].Verified != 3 {
		t.Fatalf("system chain: %v %v", r, err)
	}
}
