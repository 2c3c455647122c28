package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/migrations"
)

// TestScopedStaffReachOnlyTheirGroupsCustomers limits a support member of the distributor to
// a tag group and checks every read the pages make (list, search, export, one customer, the
// audit log) and the policies themselves, then changes the group's membership and the scope.
func TestScopedStaffReachOnlyTheirGroupsCustomers(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, _, _ := threeTiers(t, st)
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, []store.SyncedCustomer{{ZoomAccountID: "c-d2", AccountName: "D2 Outside"}}, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	d1, d2 := customerNamed(t, st, dist.ID, "c-d1"), customerNamed(t, st, dist.ID, "c-d2")
	if _, err := st.SetCustomerTags(ctx, dist.ID, d1.ID, []string{"eu"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetCustomerTags(ctx, dist.ID, d2.ID, []string{"us"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	eu, err := st.SaveGroup(ctx, dist.ID, store.Group{Name: "EU", Kind: store.GroupByTag, Tag: "eu"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	member, err := st.InviteStaff(ctx, dist.ID, "scoped@dist.example", store.RoleSupport, nil, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetStaffScope(ctx, dist.ID, member.ID, []int64{eu.ID}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	acting := func() context.Context {
		t.Helper()
		a, err := st.ActingStaff(ctx, dist.ID, member.ID)
		if err != nil {
			t.Fatal(err)
		}
		return store.WithScope(ctx, a.Scope)
	}
	sctx := acting()
	if sc := store.ScopeFrom(sctx); sc == nil || !slices.Equal(sc.IDs, []int64{d1.ID}) || !sc.Has("c-d1") || sc.Has("c-d2") {
		t.Fatalf("the scope: %+v", sc)
	}
	list := func(ctx context.Context, f store.CustomerFilter) string {
		t.Helper()
		page, err := st.Customers(ctx, dist.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range page.Customers {
			out = append(out, c.ZoomAccountID)
		}
		return strings.Join(out, ",")
	}
	if got := list(sctx, store.CustomerFilter{}); got != "c-d1" {
		t.Errorf("the scoped member's list: %q", got)
	}
	if got := list(sctx, store.CustomerFilter{Query: "outside"}); got != "" {
		t.Errorf("the scoped member's search for an out-of-scope customer: %q", got)
	}
	if got := list(ctx, store.CustomerFilter{Query: "outside"}); got != "c-d2" {
		t.Errorf("an unscoped search for it: %q", got)
	}
	var exported []string
	if err := st.ExportCustomers(sctx, dist.ID, store.CustomerFilter{AllStatus: true}, func(c store.Customer) error {
		exported = append(exported, c.ZoomAccountID)
		return nil
	}); err != nil || strings.Join(exported, ",") != "c-d1" {
		t.Errorf("the scoped member's export: %v %v", exported, err)
	}
	for _, acct := range []string{"c-d2", "c-r1"} {
		if _, err := st.CustomerByAccount(sctx, dist.ID, acct); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the scoped member reads %s: %v", acct, err)
		}
	}
	// The audit log: the tag change of c-d1 and events about no customer, not c-d2's.
	page, err := st.AuditEvents(sctx, dist.ID, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var tagged []string
	scoped := false
	for _, e := range page.Events {
		if e.Action == audit.CustomerTags {
			tagged = append(tagged, e.CustomerID)
		}
		scoped = scoped || e.Action == audit.StaffScope
	}
	if strings.Join(tagged, ",") != "c-d1" || !scoped {
		t.Errorf("the scoped member's audit log: tag events of %v, staff.scope seen %v", tagged, scoped)
	}
	// The policies themselves, in SQL, with the scope set: no row of an out-of-scope customer
	// in any table, and no update of it.
	err = pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), set_config('tierdesk.scope', $2, true)",
			itoa(dist.ID), "{"+itoa(d1.ID)+"}"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM customers WHERE id <> $1", d1.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("customers out of scope visible: %d %v", n, err)
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM customer_trigrams WHERE customer_id <> $1", d1.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("trigrams out of scope visible: %d %v", n, err)
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE customer_id = 'c-d2'").Scan(&n); err != nil || n != 0 {
			t.Errorf("audit events out of scope visible: %d %v", n, err)
		}
		tag, err := tx.Exec(ctx, "UPDATE customers SET notes = 'x' WHERE id = $1", d2.ID)
		if err != nil || tag.RowsAffected() != 0 {
			t.Errorf("updating an out-of-scope customer: %d rows, %v", tag.RowsAffected(), err)
		}
		// An empty scope reaches nothing.
		if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.scope', '{}', true)"); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM customers").Scan(&n); err != nil || n != 0 {
			t.Errorf("an empty scope sees %d customers (%v)", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The customer gets the tag: in scope from the next request on.
	if _, err := st.SetCustomerTags(ctx, dist.ID, d2.ID, []string{"eu"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if got := list(acting(), store.CustomerFilter{}); got != "c-d1,c-d2" {
		t.Errorf("after c-d2 got the tag: %q", got)
	}
	// The group cannot be deleted while it limits someone; the last unscoped owner cannot be limited.
	if err := st.DeleteGroup(ctx, dist.ID, eu.ID, store.AuditEvent{}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deleting a group that limits staff: %v, want a conflict", err)
	}
	if names, err := st.StaffLimitedBy(ctx, dist.ID, eu.ID); err != nil || strings.Join(names, ",") != "scoped@dist.example" {
		t.Errorf("staff limited by the group: %v %v", names, err)
	}
	owner, err := st.StaffMembers(ctx, dist.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range owner {
		if o.Role == store.RoleOwner {
			if err := st.SetStaffScope(ctx, dist.ID, o.ID, []int64{eu.ID}, store.AuditEvent{}); !errors.Is(err, store.ErrLastUnscopedOwner) {
				t.Errorf("limiting the only owner: %v", err)
			}
		}
	}
	// Another partner's group is refused on the field.
	var verr *store.ValidationError
	if err := st.SetStaffScope(ctx, dist.ID, member.ID, []int64{eu.ID + 1000}, store.AuditEvent{}); !errors.As(err, &verr) || verr.Fields["groups"] == "" {
		t.Errorf("an unknown group: %v", err)
	}
	// Lifted: every customer again, and both changes audited with before and after.
	if err := st.SetStaffScope(ctx, dist.ID, member.ID, nil, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if a, err := st.ActingStaff(ctx, dist.ID, member.ID); err != nil || a.Scope != nil {
		t.Fatalf("after lifting the limit: %+v %v", a.Scope, err)
	}
	events, err := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: string(audit.StaffScope)})
	if err != nil || len(events.Events) != 2 || !strings.Contains(string(events.Events[0].Details), `"after":{"reach":"every customer"}`) ||
		!strings.Contains(string(events.Events[1].Details), `"name":"EU"`) {
		t.Fatalf("staff.scope events: %+v %v", events.Events, err)
	}
}

// Migration 00028 gives the jobs recorded before it their customer: a users sync of one
// customer (from its job.start event), so that a member limited to groups sees it only with
// its customer; a job about no one customer keeps none.
func TestMigrationGivesEarlierJobsTheirCustomer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	su := storetest.Superuser(t, st)
	dist, _, _ := threeTiers(t, st)
	d1 := customerNamed(t, st, dist.ID, "c-d1")
	noop := func(context.Context, pgx.Tx, string) (int64, error) { return 1, nil }
	one, err := st.CreateJob(ctx, dist.ID, "sync_users", "Sync the users of D1", nil, store.AuditEvent{CustomerID: "c-d1"}, noop)
	if err != nil {
		t.Fatal(err)
	}
	all, err := st.CreateJob(ctx, dist.ID, "sync_users", "Sync every customer's users", nil, store.AuditEvent{}, noop)
	if err != nil {
		t.Fatal(err)
	}
	customerOf := func(jobID string) *int64 {
		t.Helper()
		var id *int64
		if err := su.QueryRow(ctx, "SELECT customer_id FROM jobs WHERE id = $1", jobID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	if id := customerOf(one.ID); id == nil || *id != d1.ID {
		t.Fatalf("a new job of one customer records it: %v", id)
	}
	db := stdlib.OpenDBFromPool(su)
	t.Cleanup(func() { _ = db.Close() })
	gp, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gp.DownTo(ctx, 27); err != nil {
		t.Fatal(err)
	}
	if _, err := gp.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if id := customerOf(one.ID); id == nil || *id != d1.ID {
		t.Errorf("the earlier users sync of D1 after the migration: %v", id)
	}
	if id := customerOf(all.ID); id != nil {
		t.Errorf("the earlier sync of every customer after the migration: %v", *id)
	}
	// And the partner's transactions are bound by row-level security again.
	var n int
	if err := st.Pool().QueryRow(ctx, "SELECT count(*) FROM jobs").Scan(&n); err != nil || n != 0 {
		t.Errorf("with no acting partner, %d jobs visible (%v)", n, err)
	}
}

// TestLastUnscopedOwnerCannotStepDown: an owner who reaches every customer cannot demote,
// suspend or remove themselves while the only other active owner is limited to groups
// (nobody could lift the limits then); once the other reaches every customer, they can.
func TestLastUnscopedOwnerCannotStepDown(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, a := registerPartner(t, st, "acct-lu", "a@lu.example")
	if _, err := st.InviteStaff(ctx, p.ID, "b@lu.example", store.RoleOwner, nil, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	b, err := signIn(st, p.ID, store.StaffIdentity{ZoomUserID: "zu-b", Email: "b@lu.example"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := st.SaveGroup(ctx, p.ID, store.Group{Name: "EU", Kind: store.GroupByTag, Tag: "eu"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetStaffScope(ctx, p.ID, b.ID, []int64{g.ID}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		role   store.Role
		status store.StaffStatus
	}{{store.RoleAdmin, ""}, {"", store.StaffSuspended}, {"", store.StaffRemoved}} {
		if _, err := st.UpdateStaff(ctx, p.ID, a.ID, c.role, c.status, store.AuditEvent{}); !errors.Is(err, store.ErrLastUnscopedOwner) {
			t.Errorf("the last unlimited owner to %q/%q: %v, want ErrLastUnscopedOwner", c.role, c.status, err)
		}
	}
	members, err := st.StaffMembers(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.ID == a.ID && (m.Role != store.RoleOwner || m.Status != store.StaffActive) {
			t.Fatalf("refused changes changed the owner: %+v", m)
		}
	}
	// The limited owner may still step down: an unlimited owner remains.
	if _, err := st.UpdateStaff(ctx, p.ID, b.ID, "", store.StaffSuspended, store.AuditEvent{}); err != nil {
		t.Fatalf("suspending the limited owner: %v", err)
	}
	if _, err := st.UpdateStaff(ctx, p.ID, b.ID, "", store.StaffActive, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	// Once the other owner reaches every customer, the first may step down.
	if err := st.SetStaffScope(ctx, p.ID, b.ID, nil, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateStaff(ctx, p.ID, a.ID, store.RoleAdmin, "", store.AuditEvent{}); err != nil {
		t.Fatalf("stepping down beside an unlimited owner: %v", err)
	}
}

// Migration 00029: an onboarding's steps follow their onboarding's scope (a member limited
// to groups sees no step of an out-of-scope customer's onboarding; an unscoped one sees them
// all), and tags saved before they were normalized are normalized as NormalizeTags does.
func TestMigrationScopesOnboardingStepsAndNormalizesTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	su := storetest.Superuser(t, st)
	dist, _, _ := threeTiers(t, st)
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, []store.SyncedCustomer{{ZoomAccountID: "c-d2", AccountName: "D2"}}, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	d1, d2 := customerNamed(t, st, dist.ID, "c-d1"), customerNamed(t, st, dist.ID, "c-d2")
	raw := []string{" VIP ", "North  America", "vip", "", "eu"}
	if _, err := su.Exec(ctx, "UPDATE customers SET tags = $2 WHERE id = $1", d1.ID, raw); err != nil {
		t.Fatal(err)
	}
	for i, c := range []int64{d1.ID, d2.ID} {
		var ob string
		if err := su.QueryRow(ctx, "INSERT INTO onboardings (partner_id, customer_id, status) VALUES ($1, $2, 'running') RETURNING id", dist.ID, c).Scan(&ob); err != nil {
			t.Fatal(err)
		}
		if _, err := su.Exec(ctx, "INSERT INTO onboarding_steps (onboarding_id, seq, partner_id, kind, idempotency_key) VALUES ($1, 1, $2, 'create_account', $3)",
			ob, dist.ID, "mig29-"+itoa(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	db := stdlib.OpenDBFromPool(su)
	t.Cleanup(func() { _ = db.Close() })
	gp, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gp.DownTo(ctx, 28); err != nil {
		t.Fatal(err)
	}
	if _, err := gp.Up(ctx); err != nil {
		t.Fatal(err)
	}
	want, err := store.NormalizeTags(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := customerNamed(t, st, dist.ID, "c-d1"); !slices.Equal(got.Tags, want) {
		t.Errorf("tags after the migration: %q, want %q", got.Tags, want)
	}
	steps := func(scope string) int {
		t.Helper()
		var n int
		err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), set_config('tierdesk.scope', $2, true)", itoa(dist.ID), scope); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT count(*) FROM onboarding_steps").Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := steps("{" + itoa(d1.ID) + "}"); n != 1 {
		t.Errorf("a member limited to D1 sees %d onboarding steps, want D1's one", n)
	}
	if n := steps(""); n != 2 {
		t.Errorf("an unscoped member sees %d onboarding steps, want 2", n)
	}
	var n int
	if err := st.Pool().QueryRow(ctx, "SELECT count(*) FROM customers").Scan(&n); err != nil || n != 0 {
		t.Errorf("with no acting partner, %d customers visible (%v)", n, err)
	}
}
