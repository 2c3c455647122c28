package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

func TestUserDirectoryCountsReachAndSearch(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, other := threeTiers(t, st)
	r1, err := st.CustomerByAccount(ctx, res.ID, "c-r1")
	if err != nil {
		t.Fatal(err)
	}
	// Never synced: zero counts, no time.
	if uc, err := st.CustomerUserCounts(ctx, res.ID, "c-r1"); err != nil || uc.Total != 0 || uc.SyncedAt != nil {
		t.Fatalf("before any sync: %+v %v", uc, err)
	}
	seen := time.Now()
	users := []store.DirUser{
		{ZoomUserID: "u1", Email: "Alice@R1.example", FirstName: "Alice", LastName: "Archer", Type: 2, Status: store.UserActive, RoleID: "0"},
		{ZoomUserID: "u2", Email: "bob@r1.example", FirstName: "Bob", Type: 1, Status: store.UserInactive},
		{Email: "carol@r1.example", Type: 1, Status: store.UserPending},
	}
	if added, removed, err := st.ReplaceCustomerUsers(ctx, res.ID, r1.ID, users, seen); err != nil || added != 3 || removed != 0 {
		t.Fatalf("first save: %d added, %d removed, %v", added, removed, err)
	}
	uc, err := st.CustomerUserCounts(ctx, res.ID, "c-r1")
	if err != nil || uc.Active != 1 || uc.Inactive != 1 || uc.Pending != 1 || uc.Total != 3 || uc.SyncedAt == nil {
		t.Fatalf("counts: %+v %v", uc, err)
	}
	// The distributor reads them (read only), the sibling does not, nor may the distributor write.
	if uc, err := st.CustomerUserCounts(ctx, dist.ID, "c-r1"); err != nil || uc.Total != 3 {
		t.Fatalf("distributor's counts: %+v %v", uc, err)
	}
	if _, err := st.CustomerUserCounts(ctx, other.ID, "c-r1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("sibling's counts: %v", err)
	}
	if _, _, err := st.ReplaceCustomerUsers(ctx, dist.ID, r1.ID, users, seen); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("distributor writing its reseller's directory: %v", err)
	}
	if hits, err := st.SearchUsers(ctx, dist.ID, "alice@r1", 10); err != nil || len(hits) != 1 || hits[0].ZoomAccountID != "c-r1" || hits[0].PartnerID != res.ID {
		t.Fatalf("distributor's search: %+v %v", hits, err)
	}
	if hits, err := st.SearchUsers(ctx, other.ID, "alice", 10); err != nil || len(hits) != 0 {
		t.Fatalf("sibling's search finds %d: %v", len(hits), err)
	}
	// Paging by email, status filter, search.
	page, err := st.CustomerUsers(ctx, res.ID, r1.ID, store.UserFilter{Limit: 2})
	if err != nil || len(page.Users) != 2 || page.Users[0].Email != "Alice@R1.example" || page.Next == "" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, err = st.CustomerUsers(ctx, res.ID, r1.ID, store.UserFilter{Limit: 2, After: page.Next})
	if err != nil || len(page.Users) != 1 || page.Users[0].Email != "carol@r1.example" || page.Next != "" || page.Users[0].Key() != "carol@r1.example" {
		t.Fatalf("second page: %+v %v", page, err)
	}
	if p, err := st.CustomerUsers(ctx, res.ID, r1.ID, store.UserFilter{Status: store.UserInactive}); err != nil || len(p.Users) != 1 || p.Users[0].Email != "bob@r1.example" {
		t.Fatalf("inactive: %+v %v", p.Users, err)
	}
	if p, err := st.CustomerUsers(ctx, res.ID, r1.ID, store.UserFilter{Query: "ARCH"}); err != nil || len(p.Users) != 1 {
		t.Fatalf("search by last name: %+v %v", p.Users, err)
	}
	// The next sync drops users Zoom no longer lists and keeps the id of a pending user
	// created through Tierdesk.
	if _, err := st.RecordUserChange(ctx, res.ID, store.UserChange{CustomerID: r1.ID,
		Save:  &store.DirUser{ZoomUserID: "u9", Email: "dan@r1.example", Type: 1, Status: store.UserPending},
		Event: store.AuditEvent{Action: "user.create", Outcome: store.OutcomeSucceeded, TargetType: "user", TargetID: "u9"}}); err != nil {
		t.Fatal(err)
	}
	later := time.Now()
	if _, removed, err := st.ReplaceCustomerUsers(ctx, res.ID, r1.ID, append(users[:1:1], store.DirUser{Email: "dan@r1.example", Type: 1, Status: store.UserPending}), later); err != nil || removed != 2 {
		t.Fatalf("second save: %d removed, %v", removed, err)
	}
	if u, err := st.CustomerUserByKey(ctx, res.ID, r1.ID, "dan@r1.example"); err != nil || u.ZoomUserID != "u9" {
		t.Fatalf("pending user's id: %+v %v", u, err)
	}
	if u, err := st.CustomerUserByKey(ctx, res.ID, r1.ID, "u1"); err != nil || u.Email != "Alice@R1.example" {
		t.Fatalf("by id: %+v %v", u, err)
	}
}

func TestPendingUserChangeIsResolvedOnce(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	_, res, _ := threeTiers(t, st)
	r1, err := st.CustomerByAccount(ctx, res.ID, "c-r1")
	if err != nil {
		t.Fatal(err)
	}
	ev := store.AuditEvent{Action: "user.create", Outcome: store.OutcomePending, TargetType: "user", TargetLabel: "eve@r1.example", CustomerID: "c-r1"}
	pending := &store.PendingChange{Email: "eve@r1.example", Action: "user.create", Wanted: []byte(`{"type":1,"password":"Secret123"}`)}
	stored, err := st.RecordUserChange(ctx, res.ID, store.UserChange{CustomerID: r1.ID, Event: ev, Pending: pending})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordUserChange(ctx, res.ID, store.UserChange{CustomerID: r1.ID, Event: ev, Pending: pending}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second open change of the same user: %v", err)
	}
	open, err := st.OpenUserChange(ctx, res.ID, r1.ID, "EVE@r1.example")
	if err != nil || stored.ID == 0 || open.AuditEventID != stored.ID || string(open.Wanted) == "" || open.ZoomAccountID != "c-r1" {
		t.Fatalf("open change: %+v %v", open, err)
	}
	if string(open.Wanted) != `{"password":"[redacted]","type":1}` {
		t.Fatalf("wanted keeps a password: %s", open.Wanted)
	}
	resolve := store.UserChange{CustomerID: r1.ID, Resolves: open.ID,
		Save:  &store.DirUser{ZoomUserID: "u5", Email: "eve@r1.example", Type: 1, Status: store.UserActive},
		Event: store.AuditEvent{Action: "user.create", Outcome: store.OutcomeSucceeded, TargetType: "user", TargetID: "u5"}}
	if _, err := st.RecordUserChange(ctx, res.ID, resolve); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordUserChange(ctx, res.ID, resolve); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("resolving twice: %v", err)
	}
	if left, err := st.OpenUserChanges(ctx, res.ID, 0); err != nil || len(left) != 0 {
		t.Fatalf("%d open changes left: %v", len(left), err)
	}
}

func TestImportLifecycleAndLease(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	_, res, other := threeTiers(t, st)
	r1, err := st.CustomerByAccount(ctx, res.ID, "c-r1")
	if err != nil {
		t.Fatal(err)
	}
	rows := []store.ImportRow{
		{Line: 2, CustomerID: &r1.ID, ZoomAccountID: "c-r1", Email: "a@r1.example", Type: 1, CreateAction: "create", State: store.RowReady},
		{Line: 3, Email: "not-an-email", State: store.RowInvalid, Message: "not an email address"},
		{Line: 4, CustomerID: &r1.ID, ZoomAccountID: "c-r1", Email: "b@r1.example", Type: 1, CreateAction: "create", State: store.RowReady},
	}
	imp, err := st.CreateImport(ctx, res.ID, store.NewImport{Kind: store.ImportCreate, Source: "users.csv", Rows: rows}, store.AuditEvent{})
	if err != nil || imp.Status != "preview" {
		t.Fatalf("create: %+v %v", imp, err)
	}
	if _, err := st.ImportByID(ctx, other.ID, imp.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a sibling reads the import: %v", err)
	}
	job, err := st.StartImport(ctx, res.ID, imp.ID, "import_users", "Import", nil, store.AuditEvent{},
		func(context.Context, pgx.Tx, string) (int64, error) { return 4242, nil })
	if err != nil || job.RiverJobID == nil {
		t.Fatalf("start: %+v %v", job, err)
	}
	if _, err := st.StartImport(ctx, res.ID, imp.ID, "import_users", "Import", nil, store.AuditEvent{},
		func(context.Context, pgx.Tx, string) (int64, error) { return 1, nil }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("starting twice: %v", err)
	}
	if ok, err := st.ClaimImport(ctx, res.ID, imp.ID, 1, time.Minute); err != nil || !ok {
		t.Fatalf("first claim refused: %v", err)
	}
	if ok, err := st.ClaimImport(ctx, res.ID, imp.ID, 2, time.Minute); err != nil || ok {
		t.Fatalf("a second worker claimed a held lease (%v): %v", ok, err)
	}
	if ok, err := st.MarkRowSending(ctx, res.ID, imp.ID, 2); err != nil || !ok {
		t.Fatalf("mark sending: %v", err)
	}
	if ok, err := st.MarkRowSending(ctx, res.ID, imp.ID, 2); err != nil || ok {
		t.Fatalf("a row marked sending twice (%v): %v", ok, err)
	}
	if err := st.FinishImportRow(ctx, res.ID, imp.ID, 2, store.RowResult{State: store.RowSucceeded, ZoomUserID: "zu-a"}, &store.UserChange{CustomerID: r1.ID,
		Save: &store.DirUser{ZoomUserID: "zu-a", Email: "a@r1.example", Type: 1, Status: store.UserPending}, Event: store.AuditEvent{Action: "user.create", Outcome: store.OutcomeSucceeded, JobID: job.ID}}); err != nil {
		t.Fatal(err)
	}
	ls, err := st.RenewImportLease(ctx, res.ID, imp.ID, 1, time.Minute)
	if err != nil || !ls.Held || ls.CancelRequested {
		t.Fatalf("renew: %+v %v", ls, err)
	}
	if j, err := st.JobByID(ctx, res.ID, job.ID); err != nil || j.Total != 2 || j.Done != 1 {
		t.Fatalf("job counts after renew: %+v %v", j, err)
	}
	if err := st.RequestImportCancel(ctx, res.ID, job.ID, nil, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if ls, err := st.RenewImportLease(ctx, res.ID, imp.ID, 1, time.Minute); err != nil || !ls.CancelRequested {
		t.Fatalf("cancel not seen by the worker: %v", err)
	}
	if n, err := st.CloseReadyRows(ctx, res.ID, imp.ID, store.RowCancelled, "cancelled"); err != nil || n != 1 {
		t.Fatalf("%d rows cancelled: %v", n, err)
	}
	tally, err := st.ImportTally(ctx, res.ID, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tally.Succeeded != 1 || tally.Invalid != 1 || tally.Cancelled != 1 || tally.Left() != 0 || tally.Total != 3 {
		t.Fatalf("tally: %+v", tally)
	}
	// A lease that ran out is taken over by the watchdog, once.
	if err := st.ReleaseImport(ctx, res.ID, imp.ID, 1); err != nil {
		t.Fatal(err)
	}
	// The lease ends at the release's time on the database's clock: take over once that
	// clock is past it (the take-over wants a lease that ran out, strictly before now).
	var leaseEnd time.Time
	if err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT lease_until FROM user_imports WHERE id = $1::uuid", imp.ID).Scan(&leaseEnd); err != nil {
		t.Fatal(err)
	}
	for {
		now, err := st.Now(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if now.After(leaseEnd) {
			break
		}
	}
	taken, err := st.TakeOverStalledImports(ctx, time.Minute, func(context.Context, pgx.Tx, store.StalledImport) (int64, error) { return 99, nil })
	if err != nil || len(taken) != 1 || taken[0].ImportID != imp.ID {
		t.Fatalf("take over: %+v %v", taken, err)
	}
	if again, err := st.TakeOverStalledImports(ctx, time.Minute, func(context.Context, pgx.Tx, store.StalledImport) (int64, error) { return 100, nil }); err != nil || len(again) != 0 {
		t.Fatalf("taken over twice: %+v %v", again, err)
	}
	if ok, err := st.ClaimImport(ctx, res.ID, imp.ID, 99, time.Minute); err != nil || !ok {
		t.Fatalf("the new worker cannot claim the job taken over: %v", err)
	}
}
