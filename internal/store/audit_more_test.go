package store_test

import (
	"context"
	"crypto/sha256"
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
	notes := store.CustomerNotes{ExternalRef: "AU-REF-1", Tags: []string{"au"}, Notes: "saved with its event"}
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

// Partners do not wait on each other: while an append of partner A is in flight (an event
// inserted in a transaction that stays open, holding A's chain head), two of the portal's
// writers of A queue behind it, and writers of B, an audit-only event and a real change with
// its event, complete meanwhile. No timing decides the outcome: the waiting writers are seen
// in pg_stat_activity, and B's calls would run into their deadline if they waited on A.
func TestAuditPartnersDoNotWaitOnEachOther(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	a, _ := registerPartner(t, st, "acct-au-wa", "owner@au-wa.example")
	b, _ := registerPartner(t, st, "acct-au-wb", "owner@au-wb.example")
	cb := auCustomer(t, st, b.ID, "au-wb-c1", 5)
	headA, err := st.AuditChainHead(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	headB, err := st.AuditChainHead(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}

	// A's chain is held: an event that follows A's head, inserted and not committed.
	su := storetest.Superuser(t, st)
	held, err := su.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx)
	zero := make([]byte, sha256.Size)
	if _, err := held.Exec(ctx, `INSERT INTO audit_events (partner_id, seq, occurred_at, action, outcome, key_id, prev_hash, hash)
		VALUES ($1, $2, now(), 'au.in_flight', 'succeeded', 'test', $3, $4)`, a.ID, headA.Seq+1, headA.Hash, zero); err != nil {
		t.Fatal(err)
	}
	doneA := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func(i int) {
			_, err := st.Audit(ctx, auditEvent(a.ID, "user.update", map[string]int{"a": i}))
			doneA <- err
		}(i)
	}
	for deadline := time.Now().Add(30 * time.Second); auWaiters(t, su) < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("A's writers are not waiting on A's chain: %d waiters", auWaiters(t, su))
		}
		time.Sleep(10 * time.Millisecond)
	}

	ctxB, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := st.Audit(ctxB, auditEvent(b.ID, "user.update", map[string]string{"b": "alone"})); err != nil {
		t.Fatalf("B's append while A's chain is held: %v", err)
	}
	if _, err := st.SaveCustomerNotes(ctxB, b.ID, cb.ID, store.CustomerNotes{ExternalRef: "AU-B"}, store.AuditEvent{}); err != nil {
		t.Fatalf("B's change while A's chain is held: %v", err)
	}
	select {
	case err := <-doneA:
		t.Fatalf("an append of A finished while A's chain was held: %v", err)
	default:
	}
	if n := auWaiters(t, su); n != 2 {
		t.Fatalf("%d sessions wait for a lock after B's writes, want A's 2", n)
	}

	if err := held.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		select {
		case err := <-doneA:
			if err != nil {
				t.Fatalf("A's append after the chain was released: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("A's appends did not finish after the chain was released")
		}
	}
	for _, w := range []struct {
		p    store.Partner
		want int64
	}{{a, headA.Seq + 2}, {b, headB.Seq + 2}} {
		h, err := st.AuditChainHead(ctx, w.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.VerifyAudit(ctx, w.p.ID)
		if h.Seq != w.want || err != nil || !r[0].OK || r[0].Verified != w.want {
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
	var customers []store.Customer
	for i := 0; i < 5; i++ {
		customers = append(customers, auCustomer(t, st, p.ID, fmt.Sprintf("au-50-c%d", i), 1))
	}
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

	page, err := st.AuditEvents(ctx, p.ID, store.AuditFilter{Action: "customer.notes", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != n {
		t.Fatalf("%d customer.notes events, want %d", len(page.Events), n)
	}
	events := page.Events
	slices.Reverse(events) // chain order
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
	if err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT count(*), max(seq), count(DISTINCT prev_hash) FROM audit_events WHERE partner_id = $1",
		p.ID).Scan(&count, &maxSeq, &distinctPrev); err != nil {
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
