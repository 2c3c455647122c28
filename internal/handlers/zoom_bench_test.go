package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// lightRate is the calls per second Tierdesk allows itself of a Business+ account's Light
// budget (its share of Zoom's limit): the rate floor of creating users.
func lightRate() float64 {
	return float64(zoom.LimitsBusinessPlus[zoom.Light].Count) * zoom.DefaultShare
}

// mediumRate is the same for the Medium budget: the rate floor of listing users.
func mediumRate() float64 {
	return float64(zoom.LimitsBusinessPlus[zoom.Medium].Count) * zoom.DefaultShare
}

// zoomLimit is Zoom's own per-second limit of a Business+ account for label.
func zoomLimit(label string) int { return zoom.LimitsBusinessPlus[zoom.Label(label)].Count }

// reportFloor reports runs' times ÷ their rate floor: the median as x-floor, the p99 when there
// are several runs, and the goal beside them.
func reportFloor(b *testing.B, ratios []float64, goal float64) {
	b.Helper()
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "x-floor")
	if len(ratios) > 1 {
		b.ReportMetric(ratios[min(len(ratios)-1, len(ratios)*99/100)], "p99-x-floor")
	}
	b.ReportMetric(goal, "goal-x-floor")
	if ratios[len(ratios)/2] > goal {
		b.Logf("median %.3f × the rate floor, above the goal of %.2f", ratios[len(ratios)/2], goal)
	}
}

// pageCount reads a count as a page shows it ("1,000").
func pageCount(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.NewReplacer(",", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(s)))
	if err != nil {
		t.Fatalf("the page shows %q where a count should be", s)
	}
	return n
}

// sandboxRequests are the requests the sandbox received with method on path (a prefix when it
// ends in "*").
func sandboxRequests(e *env, method, path string) []sandbox.RequestRecord {
	var out []sandbox.RequestRecord
	prefix, isPrefix := strings.CutSuffix(path, "*")
	for _, r := range e.Sandbox.Requests() {
		if r.Method == method && (r.Path == path || isPrefix && strings.HasPrefix(r.Path, prefix)) {
			out = append(out, r)
		}
	}
	return out
}

// BenchmarkUsersSync212Customers runs "Sync all users now" for a partner with 212 customers
// through the portal's HTTP surface, wired as `portal serve` wires it (rate budgets in
// PostgreSQL, River), against the sandbox answering every call after 50 ms. A customer's
// directory is three lists (active, inactive, pending users), Medium calls; Zoom's floor for
// the run is those calls at the share of the budget Tierdesk allows itself, 60/s × 50 % =
// 30/s (636 calls: 21.2 s). Each run's time ÷ that floor is reported (x-floor: the median,
// p99 over several runs) beside its goal (1.15), with the most calls Zoom was answering at once.
//
//	go run ./cmd/portal devdb exec -- go test -run '^$' -bench UsersSync -benchtime 1x ./internal/handlers/
func BenchmarkUsersSync212Customers(b *testing.B) {
	const customers, latency = 212, 50 * time.Millisecond
	e := newEnv(b)
	owner, p, _ := contoso(b, e)
	ctx := context.Background()
	active := func() int {
		page, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Status: store.CustomerActive, Limit: 500})
		if err != nil {
			b.Fatal(err)
		}
		return len(page.Customers)
	}
	// The seed gives Contoso 30 to 60 sub accounts: more are made in Zoom (outside the portal,
	// once the start-up syncs no longer spend the same budget), then synced in.
	e.waitJobsIdle()
	outside := e.outsideClient(p.ZoomAccountID)
	todo := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range todo {
				req := &zoom.CreateSubAccountRequest{FirstName: "Bench", LastName: strconv.Itoa(i),
					Email: fmt.Sprintf("owner%03d@sync-bench.example", i), Password: "Bench-pass-1", AccountName: fmt.Sprintf("Sync Bench %03d", i)}
				_, _, err := outside.CreateSubAccount(ctx, req)
				for try := 0; zoom.IsRateLimited(err) && try < 5; try++ { // refused, so not made: again
					time.Sleep(time.Second)
					_, _, err = outside.CreateSubAccount(ctx, req)
				}
				if err != nil {
					b.Errorf("create sub account %d: %v", i, err)
				}
			}
		})
	}
	for i := range customers - active() {
		todo <- i
	}
	close(todo)
	wg.Wait()
	syncAndWait(b, e, owner)
	e.waitJobsIdle()
	if got := active(); got != customers {
		b.Fatalf("Contoso has %d active customers after the sync, want %d", got, customers)
	}
	e.Sandbox.AddFault(sandbox.Fault{Path: "/v2/**", Latency: latency})
	var ratios []float64
	var run time.Duration
	most := 0
	b.ResetTimer()
	for range b.N {
		e.Sandbox.ClearRequests()
		t0 := time.Now()
		jobURL := owner.post(e.URL+"/search/sync", nil).location(b)
		done := waitJob(b, owner, jobURL)
		elapsed := time.Since(t0)
		if done.TestID("job-status") != "succeeded" || pageCount(b, done.TestID("job-done")) != customers {
			b.Fatalf("users sync: %q, done %q: %q", done.TestID("job-status"), done.TestID("job-done"), done.TestID("job-message"))
		}
		reads := sandboxRequests(e, http.MethodGet, "/v2/accounts/*")
		for _, r := range reads {
			if r.Status != http.StatusOK {
				b.Fatalf("Zoom answered %d to %s", r.Status, r.Path)
			}
		}
		if len(reads) != 3*customers {
			b.Fatalf("Zoom received %d directory reads, want %d (three lists per customer)", len(reads), 3*customers)
		}
		if w := sandbox.MostInWindow(reads, time.Second); w > zoomLimit("Medium") {
			b.Fatalf("%d reads reached Zoom within one second, above its Medium limit of %d", w, zoomLimit("Medium"))
		}
		most = max(most, sandbox.MostInFlight(reads))
		floor := float64(len(reads)) / mediumRate()
		ratios = append(ratios, elapsed.Seconds()/floor)
		run += elapsed
	}
	b.ReportMetric(run.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(3*customers)/mediumRate(), "floor-s")
	b.ReportMetric(float64(most), "most-in-flight")
	reportFloor(b, ratios, 1.15)
}

// BenchmarkFirstDirectoryFill: a partner with about 500 customers of 100 users each (the demo
// reseller's own customers and 450 more the sandbox adds) registers, and nobody asks for
// anything: the first background pass after its first customer sync reads every directory,
// with Zoom answering every call after 50 ms. It reports how long that pass took, its rate
// floor (its calls at the share of the Medium budget Tierdesk allows itself), their ratio, and
// the share of Zoom's own Medium limit the pass used while it ran.
func BenchmarkFirstDirectoryFill(b *testing.B) {
	const load, users, latency = 450, 100, 50 * time.Millisecond
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		e := newEnv(b)
		if err := e.Sandbox.AddLoad(resOwner, load, users); err != nil {
			b.Fatal(err)
		}
		e.Sandbox.AddFault(sandbox.Fault{Path: "/v2/**", Latency: latency})
		b.StartTimer()
		owner := e.browser()
		owner.signIn(e, resOwner) // registers: the first customer sync, then the directories
		p := e.partnerOf(resOwner)
		var j store.Job
		deadline := time.Now().Add(10 * time.Minute)
		for {
			var err error
			j, err = e.Store.LatestJob(ctx, p.ID, jobs.SyncUsersArgs{}.Kind())
			if err == nil && j.Status.Finished() {
				break
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				b.Fatal(err)
			}
			if time.Now().After(deadline) {
				b.Fatalf("the first pass did not finish in 10 minutes: %+v", j)
			}
			time.Sleep(100 * time.Millisecond)
		}
		b.StopTimer()
		if j.Status != store.JobSucceeded || j.Total < load || j.Done != j.Total || j.StartedAt == nil || j.FinishedAt == nil {
			b.Fatalf("the first pass: %+v", j)
		}
		var lists []sandbox.RequestRecord
		for _, r := range sandboxRequests(e, http.MethodGet, "/v2/accounts/*") {
			if strings.HasSuffix(r.Path, "/users") && !r.Time.Before(*j.StartedAt) && !r.Done.After(*j.FinishedAt) {
				lists = append(lists, r)
			}
		}
		if len(lists) < 3*j.Total {
			b.Fatalf("%d directory lists within the pass, want at least %d (three per customer)", len(lists), 3*j.Total)
		}
		if w := sandbox.MostInWindow(lists, time.Second); w > zoomLimit("Medium") {
			b.Fatalf("%d lists reached Zoom within one second, above its Medium limit of %d", w, zoomLimit("Medium"))
		}
		took := j.FinishedAt.Sub(*j.StartedAt)
		floor := float64(len(lists)) / mediumRate()
		b.ReportMetric(float64(j.Total), "customers")
		b.ReportMetric(took.Seconds(), "fill-s")
		b.ReportMetric(floor, "floor-s")
		b.ReportMetric(took.Seconds()/floor, "x-floor")
		b.ReportMetric(float64(len(lists))/took.Seconds()/float64(zoomLimit("Medium")), "share-of-zoom-medium")
	}
}
