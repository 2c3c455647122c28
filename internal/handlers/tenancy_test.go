package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
)

const (
	resOwner   = "owner@contoso.example"
	resSupport = "support@contoso.example"
	fabOwner   = "owner@fabrikam.example"
	distViewer = "viewer@northwind.example"
)

// syncAndWait presses "Sync now" and waits for a sync that began after the call to finish,
// and for the work it queued; it returns the job page. "Sync now" shows a sync already running (a first sync, or one the
// start-up sync of every partner began, which River queues seconds after start on a busy
// machine), whose listing may predate what the test just changed in Zoom: such a sync is
// waited out and "Sync now" pressed again.
func syncAndWait(t testing.TB, e *env, b *browser) *page {
	t.Helper()
	since, err := e.Store.Now(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		jobURL := b.post(e.URL+"/customers/sync", nil).location(t)
		if !strings.HasPrefix(jobURL, e.URL+"/jobs/") {
			t.Fatalf("sync now went to %s", jobURL)
		}
		for {
			p := b.get(jobURL)
			status, _ := p.Doc().Find(`[data-testid="job-progress"]`).Attr("data-status")
			if status == "succeeded" || status == "failed" || status == "cancelled" {
				var began bool
				if err := e.super().QueryRow(context.Background(), "SELECT coalesce(started_at >= $2, false) FROM jobs WHERE id = $1",
					strings.TrimPrefix(jobURL, e.URL+"/jobs/"), since).Scan(&began); err != nil {
					t.Fatal(err)
				}
				if began {
					// The users sync a customer sync starts (and any other work queued) finishes
					// too: nothing of it writes behind the test's back afterwards.
					e.waitJobsIdle()
					return p
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("sync did not finish; status %q", status)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// invite adds staff with a role to the partner of the owner's browser, through the page.
func invite(t testing.TB, e *env, owner *browser, email string, role store.Role) {
	t.Helper()
	p := owner.post(e.URL+"/staff", url.Values{"email": {email}, "role": {string(role)}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite %s: %d %.500s", email, p.StatusCode, p.Body)
	}
}

// tree sets up the three tiers: Northwind (distributor) synced, Contoso registered below it
// and synced, with Contoso's support staff invited. Fabrikam is not registered.
func tree(t testing.TB, e *env) (dist, res *browser) {
	t.Helper()
	dist, _ = registerNorthwind(t, e)
	if p := syncAndWait(t, e, dist); p.TestID("job-status") != "succeeded" {
		t.Fatalf("distributor sync: %q %q", p.TestID("job-status"), p.TestID("job-message"))
	}
	res = e.browser()
	res.signIn(e, resOwner)
	if p := syncAndWait(t, e, res); p.TestID("job-status") != "succeeded" {
		t.Fatalf("reseller sync: %q %q", p.TestID("job-status"), p.TestID("job-message"))
	}
	return dist, res
}

func TestSyncLoadsCustomersAndLinksResellers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dist, res := tree(t, e)
	ctx := context.Background()
	northwind := e.partnerOf(distOwner)
	contoso := e.partnerOf(resOwner)
	if contoso.ParentID == nil || *contoso.ParentID != northwind.ID {
		t.Fatalf("Contoso's parent = %v, want Northwind %d", contoso.ParentID, northwind.ID)
	}
	// The sandbox's truth: Northwind has 12 direct sub accounts (10 customers and the 2 resellers).
	var direct, contosoSubs int
	for _, u := range e.Sandbox.Users() {
		if u.Role == "Owner" && u.ParentAccountID == northwind.ZoomAccountID {
			direct++
		}
		if u.Role == "Owner" && u.ParentAccountID == contoso.ZoomAccountID {
			contosoSubs++
		}
	}
	dash := dist.get(e.URL + "/")
	rows := dash.Doc().Find(`[data-testid="tier-row"]`)
	if rows.Length() != 2 || !strings.Contains(rows.Eq(1).Text(), "contoso") || !strings.Contains(rows.Eq(1).Text(), "read only") {
		t.Fatalf("distributor's tier table:\n%s", rows.Text())
	}
	if got := dash.TestID("customers-active"); got != itoa(int64(direct+contosoSubs)) {
		t.Errorf("active customers on the dashboard = %s, want %d", got, direct+contosoSubs)
	}
	// The reseller's customers appear read only to the distributor, only when filtered to them.
	list := dist.get(e.URL + "/customers?partner=" + itoa(contoso.ID))
	if n := list.Doc().Find(`[data-testid="customer-row"]`).Length(); n != min(contosoSubs, 50) {
		t.Fatalf("distributor sees %d of Contoso's %d customers on the first page", n, contosoSubs)
	}
	if ro := list.Doc().Find(`[data-testid="read-only"]`).Length(); ro != min(contosoSubs, 50) {
		t.Errorf("%d read-only marks", ro)
	}
	// The reseller sees only its own.
	own := res.get(e.URL + "/customers")
	if own.Doc().Find(`[data-testid="read-only"]`).Length() != 0 {
		t.Error("the reseller sees read-only customers of others")
	}
	for _, u := range e.Sandbox.Users() {
		if u.Role == "Owner" && u.ParentAccountID == northwind.ZoomAccountID && !u.Primary {
			if got := res.get(e.URL + "/customers/" + u.AccountID); got.StatusCode != http.StatusNotFound {
				t.Fatalf("reseller opening its distributor's customer: %d", got.StatusCode)
			}
			if got := dist.get(e.URL + "/customers/" + u.AccountID); got.StatusCode != http.StatusOK {
				t.Fatalf("distributor opening its own customer: %d", got.StatusCode)
			}
			break
		}
	}
	// Someone disassociates a free sub account directly in Zoom: the next sync marks it gone
	// and audits that as a change seen from Zoom.
	gone := e.disassociateInZoom(northwind.ZoomAccountID)
	if p := syncAndWait(t, e, dist); !strings.Contains(p.TestID("job-message"), "0 new, 1 no longer listed") {
		t.Errorf("second sync: %q", p.TestID("job-message"))
	}
	c, err := e.Store.CustomerByAccount(ctx, northwind.ID, gone)
	if err != nil || c.Status != store.CustomerGone {
		t.Fatalf("customer disassociated in Zoom: %+v %v", c.Status, err)
	}
	evs, err := e.Store.AuditEvents(ctx, northwind.ID, store.AuditFilter{Action: "customer.gone"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs.Events) != 1 || !evs.Events[0].External || evs.Events[0].CustomerID != gone || evs.Events[0].JobID == "" {
		t.Fatalf("customer.gone events: %+v", evs.Events)
	}
}

func TestStaffInviteRoleSuspendAndLastOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	// A bad email keeps the input and names the field.
	bad := owner.post(e.URL+"/staff", url.Values{"email": {"not an email"}, "role": {"support"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-email") == "" ||
		bad.Doc().Find(`#invite-email`).AttrOr("value", "") != "not an email" {
		t.Fatalf("bad email: %d %q", bad.StatusCode, bad.TestID("error-email"))
	}
	invite(t, e, owner, distAdmin, store.RoleAdmin)
	if dup := owner.post(e.URL+"/staff", url.Values{"email": {distAdmin}, "role": {"viewer"}}); dup.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate invite: %d", dup.StatusCode)
	}
	admin := e.browser()
	if got := admin.signIn(e, distAdmin).TestID("staff-role"); got != "Admin" {
		t.Fatalf("invited admin lands as %q", got)
	}
	adminStaff := e.staffByEmail(p.ID, distAdmin)
	// The only owner cannot demote or suspend themself.
	ownerStaff := e.staffByEmail(p.ID, distOwner)
	owner.post(e.URL+"/staff/"+itoa(ownerStaff.ID)+"/role", url.Values{"role": {"admin"}})
	if got := owner.get(e.URL + "/staff"); !strings.Contains(got.Body, "last active owner") {
		t.Fatal("no message for demoting the last owner")
	}
	if e.staffByEmail(p.ID, distOwner).Role != store.RoleOwner {
		t.Fatal("the last owner was demoted")
	}
	if evs := auditOf(t, e, p.ID, "staff.role"); len(evs) == 0 || evs[0].Outcome != store.OutcomeDenied || evs[0].TargetLabel != distOwner ||
		!strings.Contains(string(evs[0].Details), "at least one active owner") {
		t.Fatalf("audit of the refused demotion: %+v", evs)
	}
	// Suspending the admin signs them out at once.
	owner.post(e.URL+"/staff/"+itoa(adminStaff.ID)+"/status", url.Values{"status": {"suspended"}})
	if got := admin.get(e.URL + "/"); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspended admin still signed in: %d", got.StatusCode)
	}
	if e.staffByEmail(p.ID, distAdmin).Status != store.StaffSuspended {
		t.Fatal("not suspended")
	}
	if p := admin.get(admin.startSignIn(e, distAdmin)); p.StatusCode != http.StatusForbidden {
		t.Fatalf("suspended admin signing in: %d", p.StatusCode)
	}
	// Promote someone else to owner; now the first owner may step down.
	owner.post(e.URL+"/staff/"+itoa(adminStaff.ID)+"/status", url.Values{"status": {"active"}})
	owner.post(e.URL+"/staff/"+itoa(adminStaff.ID)+"/role", url.Values{"role": {"owner"}})
	owner.post(e.URL+"/staff/"+itoa(ownerStaff.ID)+"/role", url.Values{"role": {"admin"}})
	if e.staffByEmail(p.ID, distOwner).Role != store.RoleAdmin {
		t.Fatal("an owner with a co-owner could not step down")
	}
	page, err := e.Store.AuditEvents(context.Background(), p.ID, store.AuditFilter{Action: "staff."})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range page.Events {
		actions = append(actions, string(ev.Action)+":"+string(ev.Outcome))
	}
	want := "staff.role:succeeded staff.role:succeeded staff.reinstate:succeeded staff.suspend:succeeded staff.role:denied staff.invite:succeeded"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("staff audit trail %q, want %q", got, want)
	}
}

func TestViewerIsRefusedChangesAndItIsAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	invite(t, e, owner, distViewer, store.RoleViewer)
	viewer := e.browser()
	viewer.signIn(e, distViewer)
	ownerStaff := e.staffByEmail(p.ID, distOwner)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/staff", url.Values{"email": {"x@northwind.example"}, "role": {"owner"}}},
		{"/staff/" + itoa(ownerStaff.ID) + "/status", url.Values{"status": {"removed"}}},
		{"/customers/sync", nil},
	} {
		got := viewer.post(e.URL+tc.path, tc.form)
		if got.StatusCode != http.StatusForbidden || !strings.Contains(got.TestID("message-text"), "Viewer") {
			t.Errorf("viewer POST %s: %d %q", tc.path, got.StatusCode, got.TestID("message-text"))
		}
	}
	denied, err := e.Store.AuditEvents(context.Background(), p.ID, store.AuditFilter{Outcome: store.OutcomeDenied})
	if err != nil {
		t.Fatal(err)
	}
	if len(denied.Events) != 3 {
		t.Fatalf("%d denied events, want 3", len(denied.Events))
	}
	if viewer.get(e.URL+"/staff").Doc().Find(`[data-testid="invite"]`).Length() != 0 {
		t.Error("the viewer is shown the invitation form")
	}
}
