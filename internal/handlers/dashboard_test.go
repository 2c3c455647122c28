package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/store"
)

// tnTier is one row of the dashboard's tier table, as shown.
type tnTier struct {
	Name                                 string
	Active, Gone, Other, Seats, ReadOnly string
}

// tnDashboard reads the dashboard's tier rows, activity rows ("outcome action target staff")
// and running job rows ("title status done").
func tnDashboard(p *page) (tiers []tnTier, activity, jobs []string) {
	doc := p.Doc()
	text := func(s *goquery.Selection, id string) string {
		return strings.Join(strings.Fields(s.Find(`[data-testid="`+id+`"]`).Text()), " ")
	}
	doc.Find(`[data-testid="tier-row"]`).Each(func(_ int, s *goquery.Selection) {
		tiers = append(tiers, tnTier{Name: text(s, "tier-name"), Active: text(s, "tier-active"), Gone: text(s, "tier-gone"),
			Other: text(s, "tier-other"), Seats: text(s, "tier-seats"), ReadOnly: s.AttrOr("data-read-only", "")})
	})
	doc.Find(`[data-testid="activity-row"]`).Each(func(_ int, s *goquery.Selection) {
		activity = append(activity, strings.Join([]string{text(s, "activity-outcome"), text(s, "activity-action"),
			text(s, "activity-target"), text(s, "activity-staff")}, " | "))
	})
	doc.Find(`[data-testid="job-row"]`).Each(func(_ int, s *goquery.Selection) {
		jobs = append(jobs, strings.Join([]string{text(s, "job-title"), text(s, "job-row-status"), text(s, "job-done"),
			s.Find(`[data-testid="job-title"]`).AttrOr("href", "")}, " | "))
	})
	return tiers, activity, jobs
}

// tnSetCustomers gives a partner's customers known seats and statuses, in the order of their
// Zoom account ids: the first len(seats) active with those seats, then one gone and one
// disassociated (with seats that must not count), the rest active with none. It returns how
// many are active.
func tnSetCustomers(t *testing.T, e *env, partnerID int64, seats []int) int {
	t.Helper()
	ctx := context.Background()
	rows, _ := e.super().Query(ctx, "SELECT id FROM customers WHERE partner_id = $1 ORDER BY zoom_account_id", partnerID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) < len(seats)+2 {
		t.Fatalf("%d customers (%v)", len(ids), err)
	}
	for i, id := range ids {
		status, n := store.CustomerActive, 0
		switch {
		case i < len(seats):
			n = seats[i]
		case i == len(seats):
			status, n = store.CustomerGone, 1000
		case i == len(seats)+1:
			status, n = store.CustomerDisassociated, 500
		}
		if _, err := e.super().Exec(ctx, "UPDATE customers SET seats = $2, status = $3 WHERE id = $1", id, n, status); err != nil {
			t.Fatal(err)
		}
	}
	return len(ids) - 2
}

// The dashboard shows, against known data: customers and seats per tier (active customers'
// seats only; gone and other statuses counted apart; the reseller's tier read only to its
// distributor, its own to the reseller), the totals, the newest audit events, and the jobs
// running now (and none once they finish).
func TestDashboardSeatsActivityAndRunningJobs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	dist, res := tree(t, e)
	tnWaitStartupSync(t, e) // no background job adds activity from here on
	nw := e.partnerOf(distOwner)
	co := e.partnerOf(resOwner)
	nwActive := tnSetCustomers(t, e, nw.ID, []int{10, 20, 5})
	coActive := tnSetCustomers(t, e, co.ID, []int{7, 8})

	// Known activity: an invitation, the invited viewer's sign-in, and a change refused to them.
	invite(t, e, dist, distViewer, store.RoleViewer)
	viewer := e.browser()
	viewer.signIn(e, distViewer)
	if got := viewer.post(e.URL+"/customers/sync", nil); got.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer's sync: %d", got.StatusCode)
	}
	// A known job running: 4 of 10 done.
	job, err := e.Store.CreateJob(ctx, nw.ID, "tn_report", "Quarterly seat report", nil, store.AuditEvent{},
		func(context.Context, pgx.Tx, string) (int64, error) { return 0, nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.StartJob(ctx, nw.ID, job.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.JobProgress(ctx, nw.ID, job.ID, 10, 4, 0); err != nil {
		t.Fatal(err)
	}

	dash := dist.get(e.URL + "/")
	tiers, activity, jobs := tnDashboard(dash)
	wantTiers := []tnTier{
		{Name: nw.Name, Active: itoa(int64(nwActive)), Gone: "1", Other: "1", Seats: "35", ReadOnly: "false"},
		{Name: co.Name, Active: itoa(int64(coActive)), Gone: "1", Other: "1", Seats: "15", ReadOnly: "true"},
	}
	if len(tiers) != len(wantTiers) || tiers[0] != wantTiers[0] || tiers[1] != wantTiers[1] {
		t.Errorf("distributor's tiers:\n got %+v\nwant %+v", tiers, wantTiers)
	}
	if got := dash.TestID("customers-active"); got != itoa(int64(nwActive+coActive)) {
		t.Errorf("active customers %s, want %d", got, nwActive+coActive)
	}
	if got := dash.TestID("seats-total"); got != "50" {
		t.Errorf("seats %s, want 50 (35 + 15: gone and disassociated customers' seats do not count)", got)
	}
	if got := dash.TestID("staff-active"); got != "2" {
		t.Errorf("active staff %s, want 2 (the owner and the viewer)", got)
	}
	wantActivity := []string{
		"succeeded | job.start | job Quarterly seat report | Tierdesk (automatic)",
		"denied | customer.sync | job customer sync | " + distViewer,
		"succeeded | session.sign_in | staff " + distViewer + " | " + distViewer,
		"succeeded | staff.invite | staff " + distViewer + " | " + distOwner,
	}
	if len(activity) != 8 || strings.Join(activity[:4], "\n") != strings.Join(wantActivity, "\n") {
		t.Errorf("recent activity (%d rows):\n%s\nwant 8, the newest:\n%s", len(activity), strings.Join(activity, "\n"), strings.Join(wantActivity, "\n"))
	}
	if want := "Quarterly seat report | running | 4 done | /jobs/" + job.ID; len(jobs) != 1 || jobs[0] != want || dash.TestID("no-jobs") != "" {
		t.Errorf("running jobs %q, want [%q]", jobs, want)
	}

	// The reseller sees its own tier only, not read only, and none of the distributor's jobs.
	tiers, _, jobs = tnDashboard(res.get(e.URL + "/"))
	if want := (tnTier{Name: co.Name, Active: itoa(int64(coActive)), Gone: "1", Other: "1", Seats: "15", ReadOnly: "false"}); len(tiers) != 1 || tiers[0] != want {
		t.Errorf("reseller's tiers %+v, want [%+v]", tiers, want)
	}
	if len(jobs) != 0 {
		t.Errorf("the reseller sees jobs %q", jobs)
	}

	// Once the job has finished it is no longer running, and its end is the newest activity.
	if err := e.Store.FinishJob(ctx, nw.ID, job.ID, store.JobSucceeded, "done", store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	dash = dist.get(e.URL + "/")
	_, activity, jobs = tnDashboard(dash)
	if len(jobs) != 0 || dash.TestID("no-jobs") != "No job is running." {
		t.Errorf("running jobs after the end: %q, %q", jobs, dash.TestID("no-jobs"))
	}
	if len(activity) == 0 || activity[0] != "succeeded | job.finish | job Quarterly seat report | Tierdesk (automatic)" {
		t.Errorf("newest activity after the end: %q", activity)
	}
}
