package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// TestOnboardingResumesAfterThePortalIsKilled kills the portal process (SIGKILL) while an
// onboarding's steps run, one of them with its create in flight, starts a new process on
// the same database, and checks that the onboarding finishes there without repeating a step:
// one sub account, and every first user created exactly once.
func TestOnboardingResumesAfterThePortalIsKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zoom, env, db := withOutsideSandbox(t)

	first := startChild(t, env)
	w := newWebClient(t)
	if resp, _ := w.get(first.URL + "/auth/zoom/login?login_hint=owner@contoso.example"); resp.Request.URL.Path != "/register" {
		t.Fatalf("sign-in ended at %s", resp.Request.URL)
	}
	if resp, _ := w.post(first.URL+"/register", url.Values{"name": {"Contoso Reseller"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	// The wizard, through its forms.
	resp, _ := w.post(first.URL+"/customers/new", nil)
	draft := strings.TrimSuffix(resp.Request.URL.Path, "/customer")
	const owner = "kim@resume.example"
	const users = 12
	var lines []string
	for i := range users {
		lines = append(lines, fmt.Sprintf("r%02d@resume.example,R,%d,basic", i, i))
	}
	for _, s := range []struct {
		step string
		form url.Values
	}{
		{"customer", url.Values{"account_name": {"Resume Ltd"}, "first_name": {"Kim"}, "last_name": {"Lee"}, "email": {owner}}},
		{"options", url.Values{"pay_mode": {"sub"}}},
		{"template", url.Values{"template_id": {""}}},
		{"users", url.Values{"users": {strings.Join(lines, "\n")}}},
	} {
		if resp, body := w.post(first.URL+draft+"/"+s.step, s.form); resp.StatusCode != http.StatusOK || strings.Contains(body, `data-testid="wizard-errors"`) {
			t.Fatalf("step %s: %d at %s", s.step, resp.StatusCode, resp.Request.URL)
		}
	}
	// Zoom answers the first users' creates slowly, then holds the next one until its caller
	// goes away (and then makes the user, as Zoom does with a request whose answer is lost):
	// the process dies with that step's create at Zoom and its answer not recorded.
	const answered = 5
	zoom.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: 400 * time.Millisecond, Count: answered})
	zoom.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: time.Hour})
	resp, _ = w.post(first.URL+draft+"/start", nil)
	if !strings.HasPrefix(resp.Request.URL.Path, "/jobs/") {
		t.Fatalf("start ended at %s", resp.Request.URL)
	}
	jobID := strings.TrimPrefix(resp.Request.URL.Path, "/jobs/")
	count := func(status string) int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM onboarding_steps s JOIN onboardings o ON o.id = s.onboarding_id
			WHERE o.job_id::text = $1 AND s.status = $2`, jobID, status).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, 3*time.Minute, "a user's create held at Zoom", func() bool {
		return zoom.heldSince(answered) > 0 && count("succeeded") == 2+answered // the account, its options, the users answered
	})
	first.kill(t)
	if done, running := count("succeeded"), count("running"); done != 2+answered || running != 1 {
		t.Fatalf("the kill did not land mid-onboarding: %d steps done, %d running; want %d and 1", done, running, 2+answered)
	}
	zoom.ClearFaults()

	zoom.nextProcess(t)
	second := startChild(t, env)
	w.moveCookies(first.URL, second.URL)
	var status string
	waitFor(t, 5*time.Minute, "the onboarding to finish in the new process", func() bool {
		return db.QueryRow(ctx, "SELECT status FROM onboardings WHERE job_id::text = $1", jobID).Scan(&status) == nil && status != "running"
	})
	if status != "succeeded" || count("succeeded") != users+2 {
		t.Fatalf("onboarding %s with %d of %d steps done", status, count("succeeded"), users+2)
	}
	// Zoom: one sub account, every user exactly once, no create refused as a duplicate.
	seen := map[string]int{}
	for _, u := range zoom.Users() {
		if strings.HasSuffix(u.Email, "@resume.example") {
			seen[u.Email]++
		}
	}
	if seen[owner] != 1 || len(seen) != users+1 {
		t.Fatalf("Zoom has %d of the owner and %d addresses in all", seen[owner], len(seen))
	}
	created, dup := 0, 0
	for _, r := range zoom.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/users") {
			switch {
			case r.Status == http.StatusCreated || r.Status == 0:
				created++
			case r.Code == 1005 || r.Code == 1009:
				dup++
			}
		}
	}
	if created != users || dup != 0 {
		t.Fatalf("Zoom's request log: %d user creates (want %d), %d refused as duplicates", created, users, dup)
	}
	// No step was recorded as done twice, and the new process's page shows the end.
	var twice int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM (SELECT details->>'step' FROM audit_events WHERE action = 'onboarding.step' AND outcome = 'succeeded'
		AND job_id::text = $1 GROUP BY 1 HAVING count(*) > 1) d`, jobID).Scan(&twice); err != nil || twice != 0 {
		t.Fatalf("%d steps recorded as done twice: %v", twice, err)
	}
	if _, body := w.get(second.URL + "/jobs/" + jobID); !strings.Contains(body, `data-status="succeeded"`) {
		t.Fatal("the progress page in the new process does not show the onboarding finished")
	}
}
