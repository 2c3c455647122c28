package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// tenantTables are the tables that hold a partner's data; each must force row-level security.
var tenantTables = []string{"staff", "zoom_grants", "customers", "customer_trigrams", "customer_details", "jobs", "audit_events", "audit_heads", "audit_seals", "audit_sweeps",
	"customer_users", "customer_user_dirs", "user_pending_changes", "user_imports", "user_import_rows", "settings_templates", "onboardings", "onboarding_steps",
	"webhook_secrets", "webhook_events", "zoom_intents", "seat_snapshots", "customer_groups", "customer_group_members", "standards", "staff_scopes",
	"outgoing_webhooks", "webhook_deliveries", "standard_drift_counts"}

// threeTiers makes a distributor with a reseller below it and a sibling reseller elsewhere,
// each with customers.
func threeTiers(t *testing.T, st *store.Store) (dist, res, other store.Partner) {
	t.Helper()
	ctx := context.Background()
	dist, _ = registerPartner(t, st, "acct-dist", "owner@dist.example")
	res, _ = registerPartner(t, st, "acct-res", "owner@res.example")
	other, _ = registerPartner(t, st, "acct-other", "owner@other.example")
	now := time.Now()
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, []store.SyncedCustomer{{ZoomAccountID: "acct-res", AccountName: "Reseller"}, {ZoomAccountID: "c-d1", AccountName: "D1"}}, now, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveSyncedCustomers(ctx, res.ID, []store.SyncedCustomer{{ZoomAccountID: "c-r1", AccountName: "R1"}, {ZoomAccountID: "c-r2", AccountName: "R2"}}, now, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveSyncedCustomers(ctx, other.ID, []store.SyncedCustomer{{ZoomAccountID: "c-o1", AccountName: "O1"}}, now, ""); err != nil {
		t.Fatal(err)
	}
	return dist, res, other
}

func TestPortalRoleOwnsNothingAndEveryTenantTableForcesRLS(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	var user string
	var owned int
	if err := st.Pool().QueryRow(ctx, "SELECT current_user, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user)").Scan(&user, &owned); err != nil {
		t.Fatal(err)
	}
	if user != store.AppRole || owned != 0 {
		t.Fatalf("the portal acts as %q owning %d tables; want %s owning none", user, owned, store.AppRole)
	}
	for _, table := range tenantTables {
		var enabled, forced bool
		if err := st.Pool().QueryRow(ctx, "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = $1::regclass", table).Scan(&enabled, &forced); err != nil {
			t.Fatal(err)
		}
		if !enabled || !forced {
			t.Errorf("%s: row-level security enabled %v, forced %v", table, enabled, forced)
		}
	}
	// Every table with a partner_id column is in the list above (a new tenant table must be).
	rows, _ := storetest.Superuser(t, st).Query(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = 'public' AND column_name = 'partner_id' AND table_name NOT IN ('account_directory')`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(names) == 0 {
		t.Fatalf("tables with a partner_id: %v %v", names, err)
	}
	for _, name := range names {
		found := false
		for _, tt := range tenantTables {
			found = found || tt == name
		}
		if !found {
			t.Errorf("table %s has a partner_id but is not checked as a tenant table", name)
		}
	}
}

func TestNoActingPartnerSeesNoTenantRows(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	threeTiers(t, st)
	// A sign-in waiting for registration: its pending grant is no exception (migration 00013).
	if _, err := st.SavePendingGrant(ctx, "acct-waiting", "zu-waiting", "client", store.Tokens{AccessToken: "at"}); err != nil {
		t.Fatal(err)
	}
	for _, table := range tenantTables {
		var n int
		q := "SELECT count(*) FROM " + table
		if err := st.Pool().QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows visible with no acting partner", table, n)
		}
	}
	var all int
	if err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT count(*) FROM customers").Scan(&all); err != nil {
		t.Fatal(err)
	}
	if all != 5 {
		t.Fatalf("the superuser sees %d customers, want 5 (the test data is there)", all)
	}
}

func TestActingPartnerNeverLeaksToTheNextUseOfAConnection(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, _, _ := threeTiers(t, st)
	// One connection, used again and again.
	cfg := st.Pool().Config().Copy()
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	single := store.New(one, storetest.Keys(t))
	for i := 0; i < 3; i++ {
		page, err := single.Customers(ctx, dist.ID, store.CustomerFilter{})
		if err != nil || len(page.Customers) != 4 {
			t.Fatalf("as the distributor: %d customers, %v; want its 2 and its reseller's 2", len(page.Customers), err)
		}
		var n int
		var setting string
		if err := one.QueryRow(ctx, "SELECT count(*), coalesce(current_setting('tierdesk.partner_id', true), '') FROM customers").Scan(&n, &setting); err != nil {
			t.Fatal(err)
		}
		if n != 0 || setting != "" {
			t.Fatalf("after the distributor's transaction the same connection sees %d customers, setting %q", n, setting)
		}
	}
	// After a failed transaction, too.
	if err := pgx.BeginFunc(ctx, one, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true)", itoa(dist.ID)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "SELECT 1/0")
		return err
	}); err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("the failing transaction: %v, want division by zero", err)
	}
	var n int
	if err := one.QueryRow(ctx, "SELECT count(*) FROM customers").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("after a failed transaction the connection sees %d customers", n)
	}
}

func TestReachReadsDescendantsWritesOnlyOwn(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, other := threeTiers(t, st)
	if p, err := st.Partner(ctx, res.ID); err != nil || p.ParentID == nil || *p.ParentID != dist.ID {
		t.Fatalf("the sync did not link the reseller below the distributor: %+v (%v)", p, err)
	}
	names := func(partnerID int64) string {
		page, err := st.Customers(ctx, partnerID, store.CustomerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range page.Customers {
			out = append(out, c.AccountName)
		}
		return strings.Join(out, ",")
	}
	if got := names(dist.ID); got != "D1,R1,R2,Reseller" {
		t.Errorf("distributor reads %q", got)
	}
	if got := names(res.ID); got != "R1,R2" {
		t.Errorf("reseller reads %q", got)
	}
	if got := names(other.ID); got != "O1" {
		t.Errorf("sibling reads %q", got)
	}
	if _, err := st.CustomerByAccount(ctx, res.ID, "c-d1"); err == nil {
		t.Error("the reseller read its distributor's customer")
	}
	if _, err := st.CustomerByAccount(ctx, other.ID, "c-r1"); err == nil {
		t.Error("a sibling read another reseller's customer")
	}
	// The distributor may not write its reseller's rows, even through SQL.
	conn, err := st.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// Acting as the distributor, which sees its reseller's customer: the refusals below are
	// row-level security's, not a missing partner's.
	if _, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true)", itoa(dist.ID)); err != nil {
		t.Fatal(err)
	}
	var seen int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM customers WHERE zoom_account_id = 'c-r1'").Scan(&seen); err != nil || seen != 1 {
		t.Fatalf("the distributor's view of its reseller's customer: %d %v", seen, err)
	}
	tag, err := tx.Exec(ctx, "UPDATE customers SET notes = 'x' WHERE zoom_account_id = 'c-r1'")
	if err != nil || tag.RowsAffected() != 0 {
		t.Errorf("distributor updating its reseller's customer: %v rows, %v", tag.RowsAffected(), err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO customers (partner_id, zoom_account_id) VALUES ($1, 'c-new')", res.ID); err == nil ||
		!strings.Contains(err.Error(), "row-level security") {
		t.Errorf("distributor inserting a customer for its reseller: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
