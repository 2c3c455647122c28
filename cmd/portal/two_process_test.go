package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// TestTwoProcessesShareJobsAndTheRateBudget runs two `portal serve` processes on one database
// and one Zoom, the way a partner with more staff than one machine serves grows. An import
// starts on the first; staff browse pages that read Zoom through both; the first is killed
// with creates held at Zoom; the second takes the import over and finishes it. Zoom's request
// log shows that together they never went over Zoom's rate limits (no 429: the sandbox counts
// calls per account and label as Zoom does), that every row was created exactly once (no job
// ran twice, none was lost), and every page answered.
func TestTwoProcessesShareJobsAndTheRateBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zoom, env, db := withOutsideSandbox(t)

	first := startChild(t, env)
	w := newWebClient(t)
	customer := signUpPartner(t, w, first.URL, db, "owner@contoso.example", "Contoso Reseller", "tierdesk-s2s-contoso")
	var file strings.Builder
	file.WriteString("email,first_name,last_name,type,action\n")
	const rows, answered = 120, 40
	for i := range rows {
		fmt.Fprintf(&file, "two%03d@new.example,T,%d,1,create\n", i, i)
	}
	// The first process's creates after the 40th are held at Zoom until it is gone (Zoom then
	// makes those users: their answers are lost).
	zoom.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: time.Hour, After: answered})
	resp, _ := w.upload(first.URL+"/imports", map[string]string{"kind": "create", "customer": customer}, "two.csv", file.String())
	if !strings.HasPrefix(resp.Request.URL.Path, "/imports/") {
		t.Fatalf("upload ended at %s", resp.Request.URL)
	}
	resp, _ = w.post(first.URL+resp.Request.URL.Path+"/start", nil)
	jobPath := resp.Request.URL.Path
	jobID := strings.TrimPrefix(jobPath, "/jobs/")

	// The second process joins once the first one works on the import (it runs it: no one
	// else could have taken it); staff use both.
	waitFor(t, 3*time.Minute, "the first process creating users", func() bool {
		for _, r := range zoom.Requests() {
			if r.Method == "POST" && r.Status == http.StatusCreated && strings.HasSuffix(r.Path, "/users") {
				return true
			}
		}
		return false
	})
	second := startChild(t, env)
	w.moveCookies(first.URL, second.URL)
	users := "/customers/" + customer + "/users"
	for i := range 6 {
		for _, base := range []string{first.URL, second.URL} {
			for _, path := range []string{users, "/customers/" + customer, "/jobs/" + jobID} {
				if resp, _ := w.get(base + path); resp.StatusCode != http.StatusOK {
					t.Fatalf("round %d: GET %s%s: %d", i, base, path, resp.StatusCode)
				}
			}
		}
	}
	waitFor(t, 3*time.Minute, "a create held at Zoom", func() bool { return zoom.heldSince(answered) > 0 })
	first.kill(t)
	zoom.ClearFaults()

	var status string
	waitFor(t, 5*time.Minute, "the second process to finish the import", func() bool {
		return db.QueryRow(ctx, "SELECT status FROM jobs WHERE id::text = $1", jobID).Scan(&status) == nil && (status == "succeeded" || status == "failed")
	})
	var done int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM user_import_rows r JOIN user_imports i ON i.id = r.import_id
		WHERE i.job_id::text = $1 AND r.state = 'succeeded'`, jobID).Scan(&done); err != nil {
		t.Fatal(err)
	}
	if status != "succeeded" || done != rows {
		t.Fatalf("job %s with %d of %d rows succeeded", status, done, rows)
	}
	seen := map[string]int{}
	for _, u := range zoom.Users() {
		if strings.HasPrefix(u.Email, "two") {
			seen[u.Email]++
		}
	}
	for i := range rows {
		if email := fmt.Sprintf("two%03d@new.example", i); seen[email] != 1 {
			t.Errorf("%s is %d times in Zoom", email, seen[email])
		}
	}
	created, dup, limited := 0, 0, 0
	for _, r := range zoom.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
		if r.Method == "POST" && r.Path == "/v2/accounts/"+customer+"/users" {
			switch {
			case r.Status == http.StatusCreated:
				created++
			case r.Code == 1005 || r.Code == 1009:
				dup++
			}
		}
	}
	if created != rows || dup != 0 || limited != 0 {
		t.Fatalf("Zoom's request log: %d creates answered 201 (want %d), %d refused as duplicates, %d answered 429", created, rows, dup, limited)
	}
	// The second process took over: it looked up the rows the first had sent without an
	// answer and recorded them as done, once.
	var resolved int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE job_id = $1 AND action = 'user.create'
		AND details->>'resolution' LIKE 'the previous run stopped%'`, jobID).Scan(&resolved); err != nil {
		t.Fatal(err)
	}
	if resolved == 0 {
		t.Fatal("no row was resolved after the first process died: the second did not take the import over")
	}
	if resp, body := w.get(second.URL + jobPath + "/results.csv"); resp.StatusCode != http.StatusOK || strings.Count(body, ",succeeded,") != rows {
		t.Fatalf("results from the second process: %d, %d succeeded rows", resp.StatusCode, strings.Count(body, ",succeeded,"))
	}
}
