package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkImport1000Users imports 1,000 users into one customer against the sandbox at
// Business+ limits, through the portal's HTTP surface: upload and check the file, start, and
// wait for the job to finish. Zoom's floor for the run: 1,000 creates (Light) at the share of
// the budget Tierdesk allows itself, 80/s × 50% = 40/s, is 25 s.
//
//	go run ./cmd/portal devdb exec -- go test -run '^$' -bench Import1000 ./internal/handlers/
func BenchmarkImport1000Users(b *testing.B) {
	e := newEnv(b)
	owner, _, c := contoso(b, e)
	const n = 1000
	const floor = n / (80 * 0.5) // seconds
	var check, run time.Duration
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
		jobURL := owner.post(preview+"/start", nil).location(b)
		done := waitJob(b, owner, jobURL)
		t2 := time.Now()
		if done.TestID("job-status") != "succeeded" || done.TestID("job-done") != fmt.Sprint(n) {
			b.Fatalf("job: %q done %q: %q", done.TestID("job-status"), done.TestID("job-done"), done.TestID("job-message"))
		}
		check += t1.Sub(t0)
		run += t2.Sub(t1)
	}
	b.ReportMetric(check.Seconds()/float64(b.N), "s/check")
	b.ReportMetric(run.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(n)/(run.Seconds()/float64(b.N)), "users/s")
	b.ReportMetric(floor, "floor-s")
}
