package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// BenchmarkImport1000Users imports 1,000 users into one customer through the portal's HTTP
// surface (upload and check the file, start, wait for the job to finish), with the portal
// wired as `portal serve` wires it (rate budgets in PostgreSQL, River), against the sandbox at
// Business+ limits answering each create at once and after 250 ms. Zoom's floor for the run:
// 1,000 creates (Light) at the share of the budget Tierdesk allows itself, 80/s × 50 % = 40/s,
// is 25 s; each run's time ÷ that floor is reported (x-floor: the median, p99 over several
// runs) beside its goal (1.05, whatever the latency), with the most creates Zoom was answering at once.
//
//	go run ./cmd/portal devdb exec -- go test -run '^$' -bench Import1000 -benchtime 1x ./internal/handlers/
func BenchmarkImport1000Users(b *testing.B) {
	for _, latency := range []time.Duration{0, 250 * time.Millisecond} {
		b.Run(fmt.Sprintf("zoom-latency=%v", latency), func(b *testing.B) { benchImport(b, latency) })
	}
}

// benchImport is BenchmarkImport1000Users with Zoom answering every create after latency.
func benchImport(b *testing.B, latency time.Duration) {
	e := newEnv(b)
	owner, _, c := contoso(b, e)
	e.waitJobsIdle() // the start-up syncs spend the same budget
	if latency > 0 {
		e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts/*/users", Latency: latency})
	}
	const n = 1000
	floor := time.Duration(float64(n) / lightRate() * float64(time.Second))
	var check, run time.Duration
	var ratios []float64
	most := 0
	b.ResetTimer()
	for i := range b.N {
		var file strings.Builder
		file.WriteString("email,first_name,last_name,type,action\n")
		for j := range n {
			fmt.Fprintf(&file, "b%d.u%04d@bench.example,Bench,%d,1,create\n", i, j, j)
		}
		t0 := time.Now()
		up := owner.upload(e, "create", c.ZoomAccountID, "bench.csv", file.String())
		preview := up.location(b)
		t1 := time.Now()
		e.Sandbox.ClearRequests()
		jobURL := owner.post(preview+"/start", nil).location(b)
		done := waitJob(b, owner, jobURL)
		t2 := time.Now()
		if done.TestID("job-status") != "succeeded" || pageCount(b, done.TestID("job-done")) != n {
			b.Fatalf("job: %q done %q: %q", done.TestID("job-status"), done.TestID("job-done"), done.TestID("job-message"))
		}
		creates := sandboxRequests(e, http.MethodPost, "/v2/accounts/"+c.ZoomAccountID+"/users")
		created := 0
		for _, r := range creates {
			if r.Status == http.StatusCreated {
				created++
			}
		}
		if created != n || len(creates) != n {
			b.Fatalf("Zoom received %d creates, %d created; want %d, each once", len(creates), created, n)
		}
		if w := sandbox.MostInWindow(creates, time.Second); w > zoomLimit("Light") {
			b.Fatalf("%d creates reached Zoom within one second, above its Light limit of %d", w, zoomLimit("Light"))
		}
		most = max(most, sandbox.MostInFlight(creates))
		check += t1.Sub(t0)
		run += t2.Sub(t1)
		ratios = append(ratios, float64(t2.Sub(t1))/float64(floor))
	}
	b.ReportMetric(check.Seconds()/float64(b.N), "s/check")
	b.ReportMetric(run.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(n)/(run.Seconds()/float64(b.N)), "users/s")
	b.ReportMetric(floor.Seconds(), "floor-s")
	b.ReportMetric(float64(most), "most-in-flight")
	reportFloor(b, ratios, 1.05)
}
