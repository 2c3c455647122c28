package jobs_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/service/servicetest"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// tnSyncEnv is the service's test parts (a fresh database, the demo sandbox) and a River
// client that runs the periodic sync and the customer sync (and nothing else: no periodic
// schedule).
type tnSyncEnv struct {
	*servicetest.Env
	t     *testing.T
	st    *store.Store
	super *pgxpool.Pool
	sb    *sandbox.Sandbox
	river *river.Client[pgx.Tx]
}

func tnNewSyncEnv(t *testing.T) *tnSyncEnv {
	t.Helper()
	se := servicetest.New(t)
	e := &tnSyncEnv{Env: se, t: t, st: se.Store, super: se.Super, sb: se.SB}
	workers := river.NewWorkers()
	river.AddWorker(workers, &jobs.SyncCustomersWorker{Store: se.Store, Svc: se.Svc})
	river.AddWorker(workers, &jobs.SyncAllWorker{Store: se.Store, River: func() *river.Client[pgx.Tx] { return e.river }})
	var err error
	e.river, err = river.NewClient(riverpgxv5.New(se.Store.Pool()), &river.Config{Logger: jobs.Quiet(se.Log),
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *tnSyncEnv) user(email string) sandbox.UserInfo {
	return e.User(func(u sandbox.UserInfo) bool { return u.Email == email })
}

// register registers email's account as a partner; it returns the partner and the owner's grant.
func (e *tnSyncEnv) register(email string) (store.Partner, int64) {
	p, _, grantID := e.Register(email)
	return p, grantID
}

// subAccounts lists the sandbox's direct sub accounts of a primary.
func (e *tnSyncEnv) subAccounts(primary string) []string {
	var out []string
	for _, u := range e.sb.Users() {
		if u.Role == "Owner" && u.ParentAccountID == primary {
			out = append(out, u.AccountID)
		}
	}
	slices.Sort(out)
	return out
}

// customers lists partnerID's customers in Postgres that are active.
func (e *tnSyncEnv) customers(partnerID int64) []string {
	e.t.Helper()
	rows, _ := e.super.Query(context.Background(), "SELECT zoom_account_id FROM customers WHERE partner_id = $1 AND status = 'active' ORDER BY zoom_account_id", partnerID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// syncJobs counts, per partner, the customer syncs recorded (jobs rows) and queued in River.
func (e *tnSyncEnv) syncJobs() (rows, queued map[int64]int) {
	e.t.Helper()
	ctx := context.Background()
	rows, queued = map[int64]int{}, map[int64]int{}
	count := func(q string, into map[int64]int) {
		r, _ := e.super.Query(ctx, q)
		var id int64
		var n int
		if _, err := pgx.ForEachRow(r, []any{&id, &n}, func() error { into[id] = n; return nil }); err != nil {
			e.t.Fatal(err)
		}
	}
	count("SELECT partner_id, count(*) FROM jobs WHERE kind = 'sync_customers' GROUP BY partner_id", rows)
	count("SELECT (args->>'partner_id')::bigint, count(*) FROM river_job WHERE kind = 'sync_customers' GROUP BY 1", queued)
	return rows, queued
}

// runSyncAll queues the periodic sync, as River's schedule does, and waits until it and every
// job it queued have finished.
func (e *tnSyncEnv) runSyncAll() {
	e.t.Helper()
	ctx := context.Background()
	res, err := e.river.Insert(ctx, jobs.SyncAllArgs{}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var state string
		var open int
		if err := e.super.QueryRow(ctx, `SELECT (SELECT state FROM river_job WHERE id = $1),
			(SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded'))`, res.Job.ID).Scan(&state, &open); err != nil {
			e.t.Fatal(err)
		}
		if state == "completed" && open == 0 {
			return
		}
		if state == "discarded" || time.Now().After(deadline) {
			e.t.Fatalf("the periodic sync: %s, %d jobs still open", state, open)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The periodic sync starts one customer sync per partner that has a grant able to list its
// sub accounts (an owner's or admin's sign-in, or the Server-to-Server app) and none for a
// partner without one; the syncs leave each partner's customers as Zoom lists them, and link
// a registered reseller below its distributor. Run again, it skips a partner whose sync is
// still queued.
func TestSyncAllSyncsEveryPartnerWithAGrant(t *testing.T) {
	t.Parallel()
	e := tnNewSyncEnv(t)
	ctx := context.Background()
	northwind, _ := e.register("owner@northwind.example") // an owner's sign-in
	contoso, contosoGrant := e.register("owner@contoso.example")
	if _, err := e.st.RevokeGrant(ctx, contoso.ID, contosoGrant, nil); err != nil { // signed out: no grant left
		t.Fatal(err)
	}
	fabAccount := e.user("owner@fabrikam.example").AccountID
	fabrikam, err := e.st.EnsurePartner(ctx, fabAccount, "Fabrikam", nil) // no staff, only the app
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range e.sb.Apps() {
		if a.Type == "s2s" && a.AccountID == fabAccount {
			if _, err := e.st.SaveS2SGrant(ctx, fabrikam.ID, fabAccount, a.ClientID, a.ClientSecret, store.AuditEvent{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rows, queued := e.syncJobs(); len(rows) != 0 || len(queued) != 0 {
		t.Fatalf("syncs before the periodic one: recorded %v, queued %v", rows, queued)
	}
	if err := e.river.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.river.Stop(stop)
	})

	e.runSyncAll()
	rows, queued := e.syncJobs()
	want := map[int64]int{northwind.ID: 1, fabrikam.ID: 1}
	if !maps.Equal(rows, want) || !maps.Equal(queued, want) {
		t.Fatalf("customer syncs per partner: recorded %v, queued %v; want %v", rows, queued, want)
	}
	for _, p := range []store.Partner{northwind, fabrikam} {
		j, err := e.st.LatestJob(ctx, p.ID, jobs.SyncCustomersArgs{}.Kind())
		if err != nil || j.Status != store.JobSucceeded || j.CreatedBy != nil {
			t.Errorf("%s's sync: %+v %v", p.Name, j, err)
		}
		if got, zoomSays := e.customers(p.ID), e.subAccounts(p.ZoomAccountID); !slices.Equal(got, zoomSays) || len(got) < 10 {
			t.Errorf("%s's customers after the sync: %d %v; Zoom lists %d %v", p.Name, len(got), got, len(zoomSays), zoomSays)
		}
	}
	if got := e.customers(contoso.ID); len(got) != 0 {
		t.Errorf("Contoso, without a grant, has %d customers", len(got))
	}
	if c, err := e.st.Partner(ctx, contoso.ID); err != nil || c.ParentID == nil || *c.ParentID != northwind.ID {
		t.Errorf("Contoso's parent after Northwind's sync: %v %v", c.ParentID, err)
	}

	// A sync of Fabrikam is waiting (queued, not yet picked up): the next run leaves it be.
	if _, err := e.st.CreateJob(ctx, fabrikam.ID, jobs.SyncCustomersArgs{}.Kind(), "Sync customers from Zoom", nil, store.AuditEvent{},
		func(context.Context, pgx.Tx, string) (int64, error) { return 0, nil }); err != nil {
		t.Fatal(err)
	}
	e.runSyncAll()
	rows, queued = e.syncJobs()
	if want := map[int64]int{northwind.ID: 2, fabrikam.ID: 2}; !maps.Equal(rows, want) {
		t.Errorf("recorded syncs after the second run: %v, want %v", rows, want)
	}
	if want := map[int64]int{northwind.ID: 2, fabrikam.ID: 1}; !maps.Equal(queued, want) {
		t.Errorf("queued syncs after the second run: %v, want %v", queued, want)
	}
}

// A partner has one customer sync at a time: starts racing each other (two clicks, a click
// and a webhook) all get the same job, and one job row exists. (The River client is not
// started: the job stays queued.)
func TestOneCustomerSyncAtATime(t *testing.T) {
	t.Parallel()
	e := tnNewSyncEnv(t)
	ctx := context.Background()
	p, _ := e.register("owner@northwind.example")
	ids := make(chan string, 8)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			j, err := jobs.StartSync(ctx, e.st, e.river, p.ID, 0, store.AuditEvent{})
			ids <- j.ID
			errs <- err
		})
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		}
		if id == "" || id != first {
			t.Fatalf("racing starts got different jobs: %q and %q", first, id)
		}
	}
	var n int
	if err := e.super.QueryRow(ctx, "SELECT count(*) FROM jobs WHERE partner_id = $1 AND kind = 'sync_customers'", p.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d customer sync jobs (%v), want 1", n, err)
	}
}

// A first fill of the directories never read runs beside a refresh of those read before (they
// read other directories), so that a new customer's users are found without waiting for the
// refresh to finish; it waits for another fill, and a refresh waits for any users sync.
func TestFirstFillRunsBesideARefresh(t *testing.T) {
	t.Parallel()
	e := tnNewSyncEnv(t)
	ctx := context.Background()
	p, _ := e.register("owner@northwind.example")
	if err := e.river.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e.runSyncAll() // the customers, and no users sync: this client has no worker for them
	stop, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := e.river.Stop(stop); err != nil {
		t.Fatal(err)
	}
	// One directory read an hour ago: the refresh's; the others were never read: the fill's.
	var read int64
	if err := e.super.QueryRow(ctx, `INSERT INTO customer_user_dirs (customer_id, partner_id, synced_at)
		SELECT id, partner_id, now() - interval '1 hour' FROM customers WHERE partner_id = $1 AND status = 'active'
		ORDER BY id LIMIT 1 RETURNING customer_id`, p.ID).Scan(&read); err != nil {
		t.Fatal(err)
	}
	// An insert-only client: the syncs stay queued, as they would while a worker is busy.
	ins, err := river.NewClient(riverpgxv5.New(e.st.Pool()), &river.Config{Logger: jobs.Quiet(e.Log)})
	if err != nil {
		t.Fatal(err)
	}
	start := func(staleAfter time.Duration) (store.Job, error) {
		return jobs.StartStaleUsersSync(ctx, e.st, ins, p.ID, staleAfter, 0.1, store.AuditEvent{})
	}
	refresh, err := start(30 * time.Minute)
	if err != nil {
		t.Fatalf("the refresh: %v", err)
	}
	fill, err := start(0)
	if err != nil {
		t.Fatalf("the fill, beside a queued refresh: %v", err)
	}
	// What each was asked to read, as River holds it (the fill's stale_after is left out: 0).
	rows, _ := e.super.Query(ctx, `SELECT coalesce(args->>'stale_after', '0') FROM river_job WHERE kind = 'sync_users' ORDER BY id`)
	staleAfter, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || !slices.Equal(staleAfter, []string{"1800000000000", "0"}) {
		t.Fatalf("River's users syncs, their stale_after: %v (%v); want the refresh's 30 minutes, then the fill", staleAfter, err)
	}
	if _, err := start(0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a second fill while %s is queued: %v, want none started", fill.ID, err)
	}
	if _, err := start(30 * time.Minute); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a second refresh while %s is queued: %v, want none started", refresh.ID, err)
	}
}
