package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// sealStores returns two Stores on one fresh database with the same keys, each on a pool of
// its own: two portal processes.
func sealStores(t *testing.T) (first, second *store.Store, keys *secret.Keyring) {
	t.Helper()
	pool := storetest.NewPool(t)
	keys = storetest.Keys(t)
	other, err := store.Open(context.Background(), pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	return store.New(pool, keys), store.New(other, keys), keys
}

// chainState is what the database holds of one chain: its events, how many are sealed, how
// many distinct places and links they have, and its head.
type chainState struct {
	events, sealed, seqs, prevs, maxSeq, head int64
}

func readChain(t *testing.T, st *store.Store, partnerID int64) chainState {
	t.Helper()
	var c chainState
	err := storetest.Superuser(t, st).QueryRow(context.Background(), `SELECT count(*), count(s.seq), count(DISTINCT s.seq),
			count(DISTINCT s.prev_hash), coalesce(max(s.seq), 0), coalesce((SELECT seq FROM audit_heads WHERE partner_id = $1), 0)
		FROM audit_events e LEFT JOIN audit_seals s ON s.event_id = e.id WHERE e.partner_id = $1`, partnerID).Scan(&c.events, &c.sealed, &c.seqs, &c.prevs, &c.maxSeq, &c.head)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantWhole fails unless partnerID's chain holds n events, every one sealed once, at places
// 1..n with n distinct links, its head at n, and it verifies.
func wantWhole(t *testing.T, st *store.Store, partnerID, n int64) {
	t.Helper()
	if c := readChain(t, st, partnerID); c != (chainState{n, n, n, n, n, n}) {
		t.Fatalf("chain of partner %d: %+v; want %d events, each sealed once, no gap, no fork", partnerID, c, n)
	}
	r, err := st.VerifyAudit(context.Background(), partnerID)
	if err != nil || len(r) != 1 || !r[0].OK || r[0].Verified != n || r[0].Pending != 0 {
		t.Fatalf("verify partner %d: %v %v; want %d events verified", partnerID, r, err, n)
	}
}

// A process that dies between recording events and sealing them loses none: the events are
// committed with the changes they record, the chain does not move, and another process's
// sequencer finds them on its sweep and seals each once.
func TestAuditEventsOfAProcessThatDiedBeforeSealingAreSealedByAnother(t *testing.T) {
	t.Parallel()
	dead, alive, _ := sealStores(t)
	ctx := context.Background()
	p, _ := registerPartner(t, dead, "acct-seal-dead", "owner@seal-dead.example")
	for i := 0; i < 20; i++ {
		if _, err := dead.Audit(ctx, auditEvent(p.ID, "user.update", map[string]int{"n": i})); err != nil {
			t.Fatal(err)
		}
	}
	// The first process never seals (it "died"): 21 events recorded, none sealed.
	if c := readChain(t, dead, p.ID); c.events != 21 || c.sealed != 0 || c.head != 0 {
		t.Fatalf("after the recording: %+v", c)
	}
	r, err := dead.VerifyAudit(ctx, p.ID)
	if err != nil || !r[0].OK || r[0].Verified != 0 || r[0].Pending != 21 || !strings.Contains(r[0].String(), "21 recorded events still sealing") {
		t.Fatalf("verify before sealing: %v %v; want 21 pending and nothing broken", r, err)
	}
	// The other process knows nothing of them but its sweep.
	t.Cleanup(alive.StartAuditSealer(ctx, store.SealerOptions{Sweep: 50 * time.Millisecond}))
	awaitSealed(t, alive, p.ID)
	wantWhole(t, alive, p.ID, 21)
}

// A sequencer whose transaction fails half-way (a trigger refuses the 5th event it seals)
// seals nothing: the events stay recorded and unsealed and the head stays where it was. The
// next pass seals every event once.
func TestAuditSequencerThatFailsHalfWaySealsNothingTwice(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-seal-fail", "owner@seal-fail.example")
	seal(t, st, p.ID)
	var ids []int64
	for i := 0; i < 10; i++ {
		e, err := st.Audit(ctx, auditEvent(p.ID, "user.update", map[string]int{"n": i}))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	owner := ownerConn(t, st)
	for _, q := range []string{
		`CREATE FUNCTION seal_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			RAISE EXCEPTION 'seal_fail: the sequencer dies at event id %', NEW.event_id;
		END
		$$`,
		fmt.Sprintf(`CREATE TRIGGER seal_fail AFTER INSERT ON audit_seals FOR EACH ROW WHEN (NEW.event_id = %d) EXECUTE FUNCTION seal_fail()`, ids[4]),
	} {
		if _, err := owner.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.SealAudit(ctx, p.ID); err == nil || !strings.Contains(err.Error(), "seal_fail") {
		t.Fatalf("a sequencer failing half-way: %v", err)
	}
	if c := readChain(t, st, p.ID); c.events != 11 || c.sealed != 1 || c.head != 1 {
		t.Fatalf("after the failed pass: %+v; want the 10 events recorded and unsealed, the head at 1", c)
	}
	if _, err := owner.Exec(ctx, "DROP TRIGGER seal_fail ON audit_seals"); err != nil {
		t.Fatal(err)
	}
	r, err := st.SealAudit(ctx, p.ID)
	if err != nil || r.Sealed != 10 || len(r.Suspect) != 0 {
		t.Fatalf("the next pass: %+v %v", r, err)
	}
	wantWhole(t, st, p.ID, 11)
	// In id order within the pass.
	for i, id := range ids {
		e, err := st.AuditEventByID(ctx, p.ID, id)
		if err != nil || e.Seq != int64(i)+2 {
			t.Fatalf("event id %d: seq %d %v, want %d", id, e.Seq, err, i+2)
		}
	}
}

// A sealing transaction killed while it holds its batch (the backend is terminated after its
// seals, while the database waits to move the head) leaves every event unsealed; a new
// sequencer then seals each once.
func TestAuditKilledSealingTransactionLosesAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-seal-kill", "owner@seal-kill.example")
	seal(t, st, p.ID)
	for i := 0; i < 10; i++ {
		if _, err := st.Audit(ctx, auditEvent(p.ID, "user.update", map[string]int{"n": i})); err != nil {
			t.Fatal(err)
		}
	}
	su := storetest.Superuser(t, st)
	hold, err := su.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, "SELECT 1 FROM audit_heads WHERE partner_id = $1 FOR UPDATE", p.ID); err != nil {
		t.Fatal(err)
	}
	sealed := make(chan error, 1)
	go func() {
		_, err := st.SealAudit(ctx, p.ID)
		sealed <- err
	}()
	var pid int
	for deadline := time.Now().Add(30 * time.Second); pid == 0; {
		err := su.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO audit_seals%'`).Scan(&pid)
		if err != nil {
			t.Fatal(err)
		}
		if pid == 0 && time.Now().After(deadline) {
			t.Fatal("the sequencer never reached the head")
		}
		if pid == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, err := su.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-sealed:
		if err == nil {
			t.Fatal("the killed sequencer reports success")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the killed sequencer did not return")
	}
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if c := readChain(t, st, p.ID); c.events != 11 || c.sealed != 1 || c.head != 1 {
		t.Fatalf("after the kill: %+v; want the 10 events unsealed, the head at 1", c)
	}
	if r, err := st.SealAudit(ctx, p.ID); err != nil || r.Sealed != 10 {
		t.Fatalf("the next sequencer: %+v %v", r, err)
	}
	wantWhole(t, st, p.ID, 11)
}

// An event whose transaction commits after a later one (a smaller id, drawn first, committed
// last) is not skipped: the sequencer looks for unsealed events, not for ids above a mark, so
// it seals the later one when it sees it and the earlier one once it commits, after it.
func TestAuditEventCommittedLateIsSealedAfterTheOnesBefore(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, _ := registerPartner(t, st, "acct-seal-late", "owner@seal-late.example")
	seal(t, st, p.ID)
	slow, err := st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	early, err := st.RecordInTx(ctx, slow, auditEvent(p.ID, "user.update", map[string]string{"who": "slow"}))
	if err != nil {
		t.Fatal(err)
	}
	quick, err := st.Audit(ctx, auditEvent(p.ID, "user.update", map[string]string{"who": "quick"}))
	if err != nil {
		t.Fatal(err)
	}
	if early.ID >= quick.ID {
		t.Fatalf("ids %d and %d: want the slow transaction's first", early.ID, quick.ID)
	}
	if r, err := st.SealAudit(ctx, p.ID); err != nil || r.Sealed != 1 {
		t.Fatalf("seal while the slow transaction is open: %+v %v", r, err)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := st.SealAudit(ctx, p.ID); err != nil || r.Sealed != 1 {
		t.Fatalf("seal after it commits: %+v %v", r, err)
	}
	for _, w := range []struct {
		id, seq int64
	}{{quick.ID, 2}, {early.ID, 3}} {
		e, err := st.AuditEventByID(ctx, p.ID, w.id)
		if err != nil || e.Seq != w.seq {
			t.Fatalf("event id %d: seq %d %v, want %d", w.id, e.Seq, err, w.seq)
		}
	}
	wantWhole(t, st, p.ID, 3)
}

// Sixteen concurrent writers, of one partner and of sixteen partners, while two processes'
// sequencers seal at the same time: once sealed, every chain holds every event once, with no
// gap or fork, and verifies.
func TestAuditSixteenWritersVerifyOnceSealed(t *testing.T) {
	t.Parallel()
	first, second, _ := sealStores(t)
	ctx := context.Background()
	t.Cleanup(first.StartAuditSealer(ctx, store.SealerOptions{Sweep: 100 * time.Millisecond}))
	t.Cleanup(second.StartAuditSealer(ctx, store.SealerOptions{Sweep: 100 * time.Millisecond}))
	var partners []store.Partner
	for i := 0; i < 16; i++ {
		p, _ := registerPartner(t, first, fmt.Sprintf("acct-seal-16-%02d", i), fmt.Sprintf("owner@seal-16-%02d.example", i))
		partners = append(partners, p)
	}
	const per = 25
	for _, layout := range []struct {
		name      string
		partnerOf func(w int) store.Partner
	}{
		{"one partner", func(int) store.Partner { return partners[0] }},
		{"16 partners", func(w int) store.Partner { return partners[w] }},
	} {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				st := first
				if w%2 == 1 {
					st = second
				}
				for i := 0; i < per; i++ {
					if _, err := st.Audit(ctx, auditEvent(layout.partnerOf(w).ID, "user.update", map[string]int{"w": w, "i": i})); err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("%s: %v", layout.name, err)
		}
	}
	// Partner 0 has its registration, 16×25 events of the first round and 25 of the second.
	for i, p := range partners {
		awaitSealed(t, first, p.ID)
		want := int64(1 + per)
		if i == 0 {
			want += 16 * per
		}
		wantWhole(t, first, p.ID, want)
	}
}

// The sequencer signs only what the portal recorded: an event written into the table by
// someone with the portal's database role but not its key (no record MAC), and a recorded
// event copied into a new row (its record MAC covers another id), are sealed like any other,
// so nothing stalls, and verification reports the chain broken at the first of them.
func TestAuditEventsNotRecordedByThePortalAreCaughtOnceSealed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		suspect int // what the sequencer can tell without reading the content
		insert  string
	}{
		{"written without the key", 1, `INSERT INTO audit_events (partner_id, occurred_at, action, outcome, key_id)
			VALUES ($1, now(), 'user.delete', 'succeeded', 'test')`},
		{"a recorded event copied", 0, `INSERT INTO audit_events (partner_id, occurred_at, staff_email, action, target_type, target_id,
				outcome, details, key_id, record_mac)
			SELECT partner_id, occurred_at, staff_email, action, target_type, target_id, outcome, details, key_id, record_mac
			FROM audit_events WHERE partner_id = $1 ORDER BY id DESC LIMIT 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := storetest.NewStore(t)
			ctx := context.Background()
			p, _ := registerPartner(t, st, "acct-seal-forged", "owner@seal-forged.example")
			if _, err := st.Audit(ctx, auditEvent(p.ID, "user.update", nil)); err != nil {
				t.Fatal(err)
			}
			err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true)", itoa(p.ID)); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, tc.insert, p.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Audit(ctx, auditEvent(p.ID, "user.update", nil)); err != nil {
				t.Fatal(err)
			}
			r, err := st.SealAudit(ctx, p.ID)
			if err != nil || r.Sealed != 4 || len(r.Suspect) != tc.suspect {
				t.Fatalf("seal: %+v %v; want 4 sealed, %d suspect", r, err, tc.suspect)
			}
			v, err := st.VerifyAudit(ctx, p.ID)
			if err != nil || v[0].OK || v[0].BrokenSeq != 3 || !strings.HasPrefix(v[0].Reason, "changed") || v[0].Verified != 2 {
				t.Fatalf("verify: %v %v; want event 3 changed", v, err)
			}
		})
	}
}

// The canonical forms: a record MAC and a chain hash cover the permanent id, so that an
// event's id cannot be changed, and a record MAC is never a chain hash.
func TestAuditRecordMACAndHashCoverTheID(t *testing.T) {
	t.Parallel()
	keys := storetest.Keys(t)
	e := store.AuditEvent{ID: 7, PartnerID: 3, Seq: 2, OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), KeyID: "test",
		Action: audit.UserUpdate, Outcome: store.OutcomeSucceeded, Details: []byte(`{}`), PrevHash: make([]byte, 32)}
	mac, err := e.ComputeRecordMAC(keys)
	if err != nil {
		t.Fatal(err)
	}
	e.RecordMAC = mac
	hash, err := e.ComputeHash(keys)
	if err != nil {
		t.Fatal(err)
	}
	moved := e
	moved.ID = 8
	if m, _ := moved.ComputeRecordMAC(keys); string(m) == string(mac) {
		t.Fatal("the record MAC does not cover the id")
	}
	if h, _ := moved.ComputeHash(keys); string(h) == string(hash) {
		t.Fatal("the chain hash does not cover the id")
	}
	if string(mac) == string(hash) {
		t.Fatal("a record MAC equals a chain hash")
	}
}
