package service_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// svJob makes a jobs row for a sync to record its progress on.
func (e *svEnv) svJob(kind string) string {
	e.t.Helper()
	j, err := e.st.CreateJob(context.Background(), e.partner.ID, kind, "test "+kind, nil, store.AuditEvent{RequestID: "req-test"},
		func(context.Context, pgx.Tx, string) (int64, error) { return 1, nil })
	if err != nil {
		e.t.Fatal(err)
	}
	return j.ID
}

// syncCustomers runs a customer sync on a jobs row of its own, finished afterwards (a partner
// has one customer sync at a time).
func (e *svEnv) syncCustomers(staffID int64) (service.CustomerSync, error) {
	e.t.Helper()
	ctx := context.Background()
	id := e.svJob("sync_customers")
	res, err := e.svc.SyncCustomers(ctx, e.partner.ID, staffID, id)
	if ferr := e.st.FinishJob(ctx, e.partner.ID, id, store.JobSucceeded, "done", store.AuditEvent{RequestID: "req-test"}); ferr != nil {
		e.t.Fatal(ferr)
	}
	return res, err
}

// A customer sync saves every sub account Zoom lists for the partner, and only those; a second
// sync after one was disassociated in Zoom marks it gone; a sync Zoom refuses stops with Zoom's
// code in plain words and changes nothing.
func TestSyncCustomersFollowsZoom(t *testing.T) {
	t.Parallel()
	e := svNewEnv(t)
	ctx := context.Background()
	subs := map[string]bool{}
	for _, u := range e.sb.Users() {
		if u.Role == "Owner" && u.ParentAccountID == e.partner.ZoomAccountID {
			subs[u.AccountID] = true
		}
	}
	res, err := e.syncCustomers(e.actor.StaffID)
	if err != nil || res.Seen != len(subs) || res.Gone != 0 || res.Grant == "" {
		t.Fatalf("first sync: %+v %v; Zoom has %d sub accounts", res, err, len(subs))
	}
	page, err := e.st.Customers(ctx, e.partner.ID, store.CustomerFilter{PartnerID: e.partner.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Customers) != len(subs) {
		t.Fatalf("%d active customers after the sync, want %d", len(page.Customers), len(subs))
	}
	for _, c := range page.Customers {
		if !subs[c.ZoomAccountID] {
			t.Errorf("customer %s is not one of the partner's sub accounts", c.ZoomAccountID)
		}
	}
	// Disassociated in Zoom (with a paid plan Zoom refuses: pick one it accepts).
	zc, err := e.svc.ForRead(ctx, e.partner.ID, e.actor.StaffID)
	if err != nil {
		t.Fatal(err)
	}
	var gone string
	for id := range subs {
		if id == e.customer.ZoomAccountID {
			continue
		}
		if _, err := zc.DisassociateSubAccount(ctx, id); err == nil {
			gone = id
			break
		}
	}
	if gone == "" {
		t.Fatal("Zoom disassociated none of the sub accounts")
	}
	res, err = e.syncCustomers(0)
	if err != nil || res.Seen != len(subs)-1 || res.Gone != 1 {
		t.Fatalf("second sync: %+v %v", res, err)
	}
	if c, err := e.st.CustomerByAccount(ctx, e.partner.ID, gone); err != nil || c.Status != store.CustomerGone {
		t.Fatalf("the disassociated customer: %v %v", c.Status, err)
	}
	// Zoom refuses the listing.
	e.sb.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts", Status: http.StatusBadRequest, Code: 200, Message: "No permission.", Count: 1})
	_, err = e.syncCustomers(0)
	var stopped *service.SyncStopped
	if !errors.As(err, &stopped) || stopped.Zoom == nil || stopped.Zoom.Code != 200 || stopped.Message == "" {
		t.Fatalf("a refused sync: %v", err)
	}
}

// A users sync of one customer reads its directory from Zoom and counts its users; of every
// customer, a customer Zoom does not answer for is counted as failed, named in plain words, and
// the others are read.
func TestSyncUsersCountsWhatItRead(t *testing.T) {
	t.Parallel()
	e := svNewEnv(t)
	ctx := context.Background()
	want := 0
	for _, u := range e.sb.Users() {
		if u.AccountID == e.customer.ZoomAccountID {
			want++
		}
	}
	res, err := e.svc.SyncUsers(ctx, e.partner.ID, e.actor.StaffID, e.customer.ID, e.svJob("sync_users"), store.AuditEvent{})
	if err != nil || res.Customers != 1 || res.Synced != 1 || res.Failed != 0 || res.Users != want {
		t.Fatalf("one customer: %+v %v; Zoom has %d users there", res, err, want)
	}
	if _, err := e.syncCustomers(0); err != nil {
		t.Fatal(err)
	}
	e.sb.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts/" + e.customer.ZoomAccountID + "/users", Status: http.StatusNotFound,
		Code: 2001, Message: "Account does not exist."})
	res, err = e.svc.SyncUsers(ctx, e.partner.ID, 0, 0, e.svJob("sync_users"), store.AuditEvent{})
	if err != nil || res.Failed != 1 || res.Synced != res.Customers-1 || res.Customers < 2 || res.LastError == "" {
		t.Fatalf("every customer, one refused: %+v %v", res, err)
	}
	if msg := res.Message(); !strings.Contains(msg, e.customer.AccountName) || !strings.Contains(msg, "2001") {
		t.Fatalf("the message does not name the customer and Zoom's code: %q", msg)
	}
}

// A users sync of every customer reads their directories with several calls at Zoom at once
// (the sandbox holds the reads until four wait together), and records what one call at a time
// would: every customer read, every user counted, each directory as Zoom has it (by email and
// status), and the progress of the whole job.
func TestSyncUsersReadsCustomersConcurrently(t *testing.T) {
	t.Parallel()
	e := svNewEnv(t)
	ctx := context.Background()
	if _, err := e.syncCustomers(0); err != nil {
		t.Fatal(err)
	}
	page, err := e.st.Customers(ctx, e.partner.ID, store.CustomerFilter{PartnerID: e.partner.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil || len(page.Customers) < 8 {
		t.Fatalf("%d active customers (%v), want several", len(page.Customers), err)
	}
	want := map[string][]string{} // account → "email status", sorted
	total := 0
	for _, u := range e.sb.Users() {
		want[u.AccountID] = append(want[u.AccountID], strings.ToLower(u.Email)+" "+u.Status)
	}
	for _, c := range page.Customers {
		slices.Sort(want[c.ZoomAccountID])
		total += len(want[c.ZoomAccountID])
	}
	hold := e.sb.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts/*/users", Hold: true})
	e.sb.ClearRequests()
	job := e.svJob("sync_users")
	type result struct {
		res service.UsersSync
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := e.svc.SyncUsers(zoom.WithPriority(ctx, zoom.Background), e.partner.ID, 0, 0, job, store.AuditEvent{})
		done <- result{res, err}
	}()
	for deadline := time.Now().Add(30 * time.Second); e.sb.Held(hold) < 4; {
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox holds %d directory reads at once, want 4", e.sb.Held(hold))
		}
		time.Sleep(5 * time.Millisecond) // polling a counter: the event is four reads waiting at Zoom together
	}
	e.sb.ReleaseFault(hold)
	r := <-done
	n := len(page.Customers)
	if r.err != nil || r.res.Customers != n || r.res.Synced != n || r.res.Failed != 0 || r.res.Users != total {
		t.Fatalf("sync: %+v %v; want %d customers read, %d users", r.res, r.err, n, total)
	}
	for _, c := range page.Customers {
		users, err := e.st.CustomerUsers(ctx, e.partner.ID, c.ID, store.UserFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range users.Users {
			got = append(got, strings.ToLower(u.Email)+" "+u.Status)
		}
		slices.Sort(got)
		if !slices.Equal(got, want[c.ZoomAccountID]) {
			t.Errorf("directory of %s: %v, want %v", c.ZoomAccountID, got, want[c.ZoomAccountID])
		}
	}
	j, err := e.st.JobByID(ctx, e.partner.ID, job)
	if err != nil || j.Total != n || j.Done != n || j.Failed != 0 {
		t.Errorf("job progress %d/%d, %d failed (%v); want %d/%d", j.Done, j.Total, j.Failed, err, n, n)
	}
	var reads []sandbox.RequestRecord
	for _, rec := range e.sb.Requests() {
		if rec.Method == http.MethodGet && strings.HasSuffix(rec.Path, "/users") {
			reads = append(reads, rec)
		}
	}
	// A directory is read in three lists (active, inactive, pending users), one after another.
	if len(reads) != 3*n || sandbox.MostInFlight(reads) < 4 {
		t.Errorf("the sandbox saw %d directory reads, at most %d at once; want %d, several at once", len(reads), sandbox.MostInFlight(reads), 3*n)
	}
}
