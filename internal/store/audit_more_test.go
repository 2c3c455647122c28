package store_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// auCustomer syncs one customer into partnerID and returns it.
func auCustomer(t *testing.T, st *store.Store, partnerID int64, account string, seats int) store.Customer {
	t.Helper()
	ctx := context.Background()
	if _, err := st.SaveSyncedCustomers(ctx, partnerID, []store.SyncedCustomer{{ZoomAccountID: account, AccountName: "Customer " + account, Seats: seats}}, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	c, err := st.CustomerByAccount(ctx, partnerID, account)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// auHeadUnchanged fails when partnerID's chain head moved from want, or the chain does not verify.
func auHeadUnchanged(t *testing.T, st *store.Store, partnerID int64, want store.AuditHead) {
	t.Helper()
	ctx := context.Background()
	got, err := st.AuditChainHead(ctx, partnerID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq != want.Seq || string(got.Hash) != string(want.Hash) {
		t.Fatalf("chain head moved from %d to %d although every append failed", want.Seq, got.Seq)
	}
	if r, err := st.VerifyAudit(ctx, partnerID); err != nil || len(r) != 1 || !r[0].OK || r[0].Verified != want.Seq {
		t.Fatalf("verify: %v %v", r, err)
	}
}

// The event is written in the same transaction as the local change it records: when the
// database refuses the event (a trigger planted by the superuser, which fires inside the
// INSERT of the event), the change the store method made just before in that transaction is
// gone too. Once the trigger is dropped, the same calls change the rows and append events,
// which shows the checks above would have seen a change that outlived its event.
func TestAuditFailureRollsBackTheChangeItRecords(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, owner := registerPartner(t, st, "acct-au-tx", "owner@au-tx.example")
	c := auCustomer(t, st, p.ID, "au-tx-c1", 10)
	staff, err := st.InviteStaff(ctx, p.ID, "support@au-tx.example", store.RoleSupport, &owner.ID, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	seal(t, st, p.ID)
	head0, err := st.AuditChainHead(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}

	owners := ownerConn(t, st)
	for _, q := range []string{
		`CREATE FUNCTION au_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			RAISE EXCEPTION 'au: audit refused for %', NEW.action;
		END
		$$`,
		`CREATE TRIGGER au_refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW
			WHEN (NEW.action IN ('customer.notes', 'customer.update', 'staff.role')) EXECUTE FUNCTION au_refuse_audit()`,
	} {
		if _, err := owners.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	seats := 99
	notes := store.CustomerNotes{ExternalRef: "AU-REF-1", Notes: "saved with its event"}
	ev := store.AuditEvent{StaffID: &owner.ID, StaffEmail: owner.Email, RequestID: "au-req"}
	changes := []struct {
		name   string
		change func() error
		landed func() bool // whether the local change is in the database
	}{
		{"customer notes", func() error {
			_, err := st.SaveCustomerNotes(ctx, p.ID, c.ID, notes, ev)
			return err
		}, func() bool {
			got, err := st.CustomerByAccount(ctx, p.ID, c.ZoomAccountID)
			if err != nil {
				t.Fatal(err)
			}
			return got.ExternalRef == notes.ExternalRef || got.Notes == notes.Notes || len(got.Tags) > 0
		}},
		{"customer change", func() error {
			e := ev
			e.Action = "customer.update"
			_, err := st.RecordCustomerChange(ctx, p.ID, c.ID, store.CustomerUpdate{Seats: &seats}, e)
			return err
		}, func() bool {
			got, err := st.CustomerByAccount(ctx, p.ID, c.ZoomAccountID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Seats == seats
		}},
		{"staff role", func() error {
			_, err := st.UpdateStaff(ctx, p.ID, staff.ID, store.RoleAdmin, "", ev)
			return err
		}, func() bool {
			got, err := st.StaffByID(ctx, p.ID, staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Role == store.RoleAdmin
		}},
	}
	for _, ch := range changes {
		err := ch.change()
		if err == nil || !strings.Contains(err.Error(), "au: audit refused") {
			t.Fatalf("%s with its event refused: err = %v, want the trigger's refusal", ch.name, err)
		}
		if ch.landed() {
			t.Errorf("%s: the change was kept although its audit event was refused", ch.name)
		}
	}
	seal(t, st, p.ID) // nothing to seal: every event was refused
	auHeadUnchanged(t, st, p.ID, head0)

	if _, err := owners.Exec(ctx, "DROP TRIGGER au_refuse_audit ON audit_events"); err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		if err := ch.change(); err != nil {
			t.Fatalf("%s without the trigger: %v", ch.name, err)
		}
		if !ch.landed() {
			t.Errorf("%s without the trigger: the change is not in the database", ch.name)
		}
	}
	seal(t, st, p.ID)
	head, err := st.AuditChainHead(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if head.Seq != head0.Seq+3 {
		t.Fatalf("head %d after three recorded changes, want %d", head.Seq, head0.Seq+3)
	}
	for i, action := range []string{"customer.notes", "customer.update", "staff.role"} {
		e, err := st.AuditEventBySeq(ctx, p.ID, head0.Seq+1+int64(i))
		if err != nil || string(e.Action) != action {
			t.Fatalf("event %d: %q %v, want %s", head0.Seq+1+int64(i), e.Action, err, action)
		}
	}
}

// auWaiters counts the sessions of su's database waiting for a lock.
func auWaiters(t *testing.T, su *pgxpool.Pool) int {
	t.Helper()
	var n int
	err := su.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Writers wait on no chain, their own partner's or another's: while A's sequencer is held (a
// transaction holding A's sequencer lock, with an event of A recorded and not committed),
// writers of A, an audit-only event and a real change with its event, and writers of B all
// complete, and nobody waits for a lock. No timing decides the outcome: every call runs into
// its deadline if it waits, and the waiters are counted in pg_stat_activity. Once the
// sequencer is released, A's events are sealed after the head, and both chains verify.
func TestAuditWritersWaitOnNoChain(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	a, _ := registerPartner(t, st, "acct-au-wa", "owner@au-wa.example")
	b, _ := registerPartner(t, st, "acct-au-wb", "owner@au-wb.example")
	ca := auCustomer(t, st, a.ID, "au-wa-c1", 5)
	cb := auCustomer(t, st, b.ID, "au-wb-c1", 5)
	seal(t, st, a.ID, b.ID)
	headA, err := st.AuditChainHead(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	headB, err := st.AuditChainHead(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}

	// A's sequencer is held, with an event of A in flight.
	su := storetest.Superuser(t, st)
	held, err := su.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx)
	if _, err := held.Exec(ctx, "SELECT pg_advisory_xact_lock(7270001, $1::int)", a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := held.Exec(ctx, `INSERT INTO audit_events (partner_id, occurred_at, action, outcome, key_id)
		VALUES ($1, now(), 'au.in_flight', 'succeeded', 'test')`, a.ID); err != nil {
		t.Fatal(err)
	}
	ctxW, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := 0; i < 2; i++ {
		for _, w := range []struct {
			p store.Partner
			c store.Customer
		}{{a, ca}, {b, cb}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := st.Audit(ctxW, auditEvent(w.p.ID, "user.update", map[string]int{"i": i})); err != nil {
					errs <- fmt.Errorf("audit of partner %d: %w", w.p.ID, err)
				}
			}()
		}
	}
	wg.Wait()
	for _, w := range []struct {
		p store.Partner
		c store.Customer
	}{{a, ca}, {b, cb}} {
		if _, err := st.SaveCustomerNotes(ctxW, w.p.ID, w.c.ID, store.CustomerNotes{ExternalRef: "AU-" + w.c.ZoomAccountID}, store.AuditEvent{}); err != nil {
			errs <- fmt.Errorf("change of partner %d: %w", w.p.ID, err)
		}
	}
	close(errs)
	for err := range errs {
		t.Fatalf("a write while A's sequencer was held: %v", err)
	}
	if n := auWaiters(t, su); n != 0 {
		t.Fatalf("%d sessions wait for a lock after the writes, want none", n)
	}
	// B's sequencer is free; A's waits for the holder.
	seal(t, st, b.ID)
	sealedA := make(chan error, 1)
	go func() {
		_, err := st.SealAudit(ctx, a.ID)
		sealedA <- err
	}()
	for deadline := time.Now().Add(30 * time.Second); auWaiters(t, su) < 1; {
		if time.Now().After(deadline) {
			t.Fatal("A's sequencer is not waiting for A's sequencer lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := held.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-sealedA:
		if err != nil {
			t.Fatalf("A's sequencer after the lock was released: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("A's sequencer did not finish after the lock was released")
	}
	for _, w := range []struct {
		p    store.Partner
		want int64
	}{{a, headA.Seq + 3}, {b, headB.Seq + 3}} {
		h, err := st.AuditChainHead(ctx, w.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.VerifyAudit(ctx, w.p.ID)
		if h.Seq != w.want || err != nil || !r[0].OK || r[0].Verified != w.want || r[0].Pending != 0 {
			t.Fatalf("partner %d: head %d, verify %v %v; want %d events", w.p.ID, h.Seq, r, err, w.want)
		}
	}
}

// auNotes is the part of a customer.notes event's details the tests read.
type auNotes struct {
	Before struct {
		ExternalRef string `json:"external_ref"`
	} `json:"before"`
	After struct {
		ExternalRef string `json:"external_ref"`
		Notes       string `json:"notes"`
	} `json:"after"`
}

// 50 concurrent real changes by one partner (notes saved on five customers, each with its
// event in its transaction) give 50 changes and 50 chained events with no gap: the events'
// sequence numbers are the 50 after the head, every customer's events follow one another
// (each one's before is the previous one's after) and end on what the customer holds, and
// the chain verifies.
func TestAuditFiftyConcurrentChangesChainWithoutGaps(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, owner := registerPartner(t, st, "acct-au-50", "owner@au-50.example")
	sealer(t, st)
	var customers []store.Customer
	for i := 0; i < 5; i++ {
		customers = append(customers, auCustomer(t, st, p.ID, fmt.Sprintf("au-50-c%d", i), 1))
	}
	awaitSealed(t, st, p.ID)
	head0, err := st.AuditChainHead(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := customers[i%len(customers)]
			_, err := st.SaveCustomerNotes(ctx, p.ID, c.ID, store.CustomerNotes{ExternalRef: fmt.Sprintf("AU-%02d", i), Notes: fmt.Sprintf("change %d", i)},
				store.AuditEvent{StaffID: &owner.ID, StaffEmail: owner.Email, RequestID: fmt.Sprintf("au-req-%02d", i)})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	awaitSealed(t, st, p.ID)

	page, err := st.AuditEvents(ctx, p.ID, store.AuditFilter{Action: "customer.notes", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != n {
		t.Fatalf("%d customer.notes events, want %d", len(page.Events), n)
	}
	events := page.Events
	slices.SortFunc(events, func(x, y store.AuditEvent) int { return cmp.Compare(x.Seq, y.Seq) }) // chain order
	requests := map[string]bool{}
	byCustomer := map[string][]auNotes{}
	for i, e := range events {
		if e.Seq != head0.Seq+1+int64(i) {
			t.Fatalf("event %d of the changes has seq %d, want %d (a gap or a stranger)", i, e.Seq, head0.Seq+1+int64(i))
		}
		requests[e.RequestID] = true
		var d auNotes
		if err := json.Unmarshal(e.Details, &d); err != nil {
			t.Fatal(err)
		}
		byCustomer[e.CustomerID] = append(byCustomer[e.CustomerID], d)
	}
	if len(requests) != n {
		t.Fatalf("%d distinct requests among the events, want %d", len(requests), n)
	}
	for _, c := range customers {
		trail := byCustomer[c.ZoomAccountID]
		if len(trail) != n/len(customers) {
			t.Fatalf("customer %s has %d events, want %d", c.ZoomAccountID, len(trail), n/len(customers))
		}
		prev := ""
		for i, d := range trail {
			if d.Before.ExternalRef != prev {
				t.Fatalf("customer %s, change %d: before %q, but the change before it left %q", c.ZoomAccountID, i, d.Before.ExternalRef, prev)
			}
			prev = d.After.ExternalRef
		}
		got, err := st.CustomerByAccount(ctx, p.ID, c.ZoomAccountID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ExternalRef != prev || got.Notes != trail[len(trail)-1].After.Notes {
			t.Fatalf("customer %s holds %q / %q, its last event says %q", c.ZoomAccountID, got.ExternalRef, got.Notes, prev)
		}
	}

	var count, maxSeq, distinctPrev int64
	if err := storetest.Superuser(t, st).QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_events WHERE partner_id = $1), max(seq), count(DISTINCT prev_hash)
		FROM audit_seals WHERE partner_id = $1`, p.ID).Scan(&count, &maxSeq, &distinctPrev); err != nil {
		t.Fatal(err)
	}
	want := head0.Seq + n
	if count != want || maxSeq != want || distinctPrev != want {
		t.Fatalf("events %d, max seq %d, distinct prev hashes %d; want %d each (no gap, no fork)", count, maxSeq, distinctPrev, want)
	}
	r, err := st.VerifyAudit(ctx, p.ID)
	if err != nil || len(r) != 1 || !r[0].OK || r[0].Verified != want {
		t.Fatalf("verify: %v %v", r, err)
	}
}
