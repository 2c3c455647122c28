package jobs_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// The periodic settings refresh starts a run for each partner that has a standard and a grant
// for background reads (not one without a grant, not one without a standard); the run reads
// every active customer's settings and locks (a free account's refusal is recorded as such).
func TestSettingsRefreshReadsEveryCustomerOfPartnersWithAStandard(t *testing.T) {
	t.Parallel()
	e := tnNewSyncEnv(t)
	ctx := context.Background()
	northwind, _ := e.register("owner@northwind.example")
	contoso, contosoGrant := e.register("owner@contoso.example")
	fabrikam, _ := e.register("owner@fabrikam.example") // a grant, no standard
	standard := func(p store.Partner) {
		t.Helper()
		tpl, err := e.st.SaveSettingsTemplate(ctx, p.ID, store.SettingsTemplate{Name: "Chat on", Settings: map[string]map[string]any{"in_meeting": {"chat": true}}}, store.AuditEvent{})
		if err != nil {
			t.Fatal(err)
		}
		g, err := e.st.SaveGroup(ctx, p.ID, store.Group{Name: "All", Kind: store.GroupByTag, Tag: "all"}, store.AuditEvent{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.SaveStandard(ctx, p.ID, store.Standard{Name: "Chat", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardReport}, store.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
	}
	standard(northwind)
	standard(contoso)

	// Workers of the sync (for Northwind's customers) and of the refresh, the runs at the whole
	// budget so that the test does not wait for a twentieth of it.
	workers := river.NewWorkers()
	var rc *river.Client[pgx.Tx]
	river.AddWorker(workers, &jobs.SyncCustomersWorker{Store: e.st, Svc: e.Svc})
	river.AddWorker(workers, &jobs.SyncAllWorker{Store: e.st, River: func() *river.Client[pgx.Tx] { return rc }})
	river.AddWorker(workers, &jobs.RefreshSettingsWorker{Svc: e.Svc, Log: e.Log})
	river.AddWorker(workers, &jobs.RefreshAllSettingsWorker{Store: e.st, River: func() *river.Client[pgx.Tx] { return rc }, Share: 1})
	var err error
	rc, err = river.NewClient(riverpgxv5.New(e.st.Pool()), &river.Config{Logger: jobs.Quiet(e.Log),
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	e.river = rc
	if err := rc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rc.Stop(stop)
	})
	e.runSyncAll()
	if _, err := e.st.RevokeGrant(ctx, contoso.ID, contosoGrant, nil); err != nil { // signed out: nothing to read with
		t.Fatal(err)
	}

	runs := func() map[int64]int {
		t.Helper()
		out := map[int64]int{}
		r, _ := e.super.Query(ctx, "SELECT (args->>'partner_id')::bigint, count(*) FROM river_job WHERE kind = 'refresh_settings' GROUP BY 1")
		var id int64
		var n int
		if _, err := pgx.ForEachRow(r, []any{&id, &n}, func() error { out[id] = n; return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	events, cancel := rc.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	if _, err := rc.Insert(ctx, jobs.RefreshAllSettingsArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		select {
		case ev := <-events:
			if ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("%s %d: %s %v", ev.Job.Kind, ev.Job.ID, ev.Kind, ev.Job.Errors)
			}
			done = ev.Job.Kind == (jobs.RefreshSettingsArgs{}).Kind()
		case <-time.After(2 * time.Minute): // only keeps a broken test from hanging
			t.Fatal("no refresh run finished")
		}
	}
	if got, want := runs(), map[int64]int{northwind.ID: 1}; !maps.Equal(got, want) {
		t.Fatalf("refresh runs per partner: %v, want %v (Contoso has no grant, Fabrikam no standard: %d, %d)", got, want, contoso.ID, fabrikam.ID)
	}
	var customers, read, refused int
	if err := e.super.QueryRow(ctx, `SELECT count(*), count(d.settings_read_at), count(*) FILTER (WHERE d.errors::jsonb ? 'settings')
		FROM customers c LEFT JOIN customer_details d ON d.customer_id = c.id WHERE c.partner_id = $1 AND c.status = 'active'`, northwind.ID).Scan(&customers, &read, &refused); err != nil {
		t.Fatal(err)
	}
	if customers < 10 || read != customers || refused == 0 || refused == customers {
		t.Fatalf("Northwind's %d customers: %d read, of them %d refused (free accounts)", customers, read, refused)
	}
	var withSettings int
	if err := e.super.QueryRow(ctx, `SELECT count(*) FROM customer_details WHERE partner_id = $1 AND settings IS NOT NULL AND lock_settings IS NOT NULL
		AND settings::jsonb ? 'meeting_security'`, northwind.ID).Scan(&withSettings); err != nil || withSettings != customers-refused {
		t.Fatalf("customers with settings and locks read whole: %d of %d (%v)", withSettings, customers-refused, err)
	}
}
