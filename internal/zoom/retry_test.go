package zoom_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// A GET that fails twice with 502 succeeds on the third attempt.
func TestGetRetriesTwice502ThenSucceeds(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	e.sb.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/users/me", Status: 502, Count: 2})

	me, resp, err := c.Me(context.Background())
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if me.Email != "owner@northwind.example" {
		t.Errorf("Me = %s, want the account owner", me.Email)
	}
	if got := statuses(e.requests("GET", "/v2/users/me")); !slices.Equal(got, []int{502, 502, 200}) {
		t.Errorf("sandbox saw statuses %v, want [502 502 200]", got)
	}
	if resp.Attempts != 3 || resp.StatusCode != 200 || resp.Grant != "s2s:7" {
		t.Errorf("Response = attempts %d status %d grant %q, want 3, 200, s2s:7", resp.Attempts, resp.StatusCode, resp.Grant)
	}
	if got := e.metric("tierdesk_zoom_retries_total", map[string]string{"reason": "server_error"}); got != 2 {
		t.Errorf("retries_total{server_error} = %v, want 2", got)
	}
}

// A GET that fails four times gives up after three attempts, with Zoom's error.
func TestGetGivesUpAfterThreeAttempts(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	e.sb.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/users/me", Status: 502, Count: 4})

	_, resp, err := c.Me(context.Background())
	ze, ok := zoom.AsError(err)
	if !ok || ze.Status != 502 || zoom.IsOutcomeUnknown(err) {
		t.Fatalf("Me error = %v, want *zoom.Error with status 502", err)
	}
	if got := statuses(e.requests("GET", "/v2/users/me")); !slices.Equal(got, []int{502, 502, 502}) {
		t.Errorf("sandbox saw statuses %v, want exactly three 502s", got)
	}
	if resp.Attempts != 3 {
		t.Errorf("Attempts = %d, want 3", resp.Attempts)
	}
	if !strings.Contains(zoom.Explain(err), "502") {
		t.Errorf("Explain = %q, want the status in it", zoom.Explain(err))
	}
}

// A timed-out GET is retried; a GET that keeps timing out ends in a timeout error.
func TestGetRetriesTimeouts(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{Timeout: 200 * time.Millisecond})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	e.sb.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/users/me", Latency: 2 * time.Second, Count: 1})
	if _, resp, err := c.Me(context.Background()); err != nil || resp.Attempts != 2 {
		t.Fatalf("Me after one slow answer: attempts %d, err %v; want success on attempt 2", resp.Attempts, err)
	}

	e.sb.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/users/me", Latency: 2 * time.Second, Count: 3})
	_, resp, err := c.Me(context.Background())
	if !zoom.IsTimeout(err) || resp.Attempts != 3 {
		t.Fatalf("Me with three slow answers: attempts %d, err %v; want a timeout after 3 attempts", resp.Attempts, err)
	}
	if !strings.Contains(zoom.Explain(err), "did not answer in time") {
		t.Errorf("Explain = %q", zoom.Explain(err))
	}
}

// A POST answered 504 after Zoom made the change is not repeated and reports outcome
// unknown; looking the user up resolves it.
func TestPostAnswered504IsOutcomeUnknown(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	ctx := context.Background()
	sub := firstSubAccount(t, c)
	path := "/v2/accounts/" + sub + "/users"
	e.sb.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", ApplyThen: "504", Count: 1})

	email := "new.hire@" + "example.com"
	_, resp, err := c.CreateUser(ctx, sub, &zoom.CreateUserRequest{Action: zoom.ActionCreate,
		UserInfo: zoom.CreateUserInfo{Email: email, Type: zoom.UserBasic, FirstName: "New", LastName: "Hire"}})
	var oe *zoom.OutcomeUnknownError
	if !errors.As(err, &oe) || oe.Status != 504 || oe.Grant != "s2s:7" {
		t.Fatalf("CreateUser error = %v, want *OutcomeUnknownError with status 504 and grant s2s:7", err)
	}
	if posts := e.requests("POST", path); len(posts) != 1 || resp.Attempts != 1 {
		t.Fatalf("sandbox saw %d POSTs (client attempts %d), want exactly 1", len(posts), resp.Attempts)
	}
	if !strings.Contains(zoom.Explain(err), "did not confirm") {
		t.Errorf("Explain = %q", zoom.Explain(err))
	}
	// The caller's duty: look the object up before anything else. Zoom did create it.
	u, _, err := c.GetUser(ctx, sub, email, nil)
	if err != nil || !strings.EqualFold(u.Email, email) || u.Status != zoom.UserPending {
		t.Fatalf("lookup after outcome unknown: %+v, %v; want the pending user", u, err)
	}
}

// Changes answered 5xx without being applied, or with a dropped connection, are outcome
// unknown too and never repeated; a 429 on a change is a plain refusal (not applied).
func TestChangesAreNeverRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault sandbox.Fault
		check func(error) bool
	}{
		{"502", sandbox.Fault{Status: 502}, zoom.IsOutcomeUnknown},
		{"drop", sandbox.Fault{Drop: true}, zoom.IsOutcomeUnknown},
		{"apply then drop", sandbox.Fault{ApplyThen: "drop"}, zoom.IsOutcomeUnknown},
		{"429", sandbox.Fault{Status: 429}, func(err error) bool { return zoom.IsRateLimited(err) && !zoom.IsOutcomeUnknown(err) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{}, zoom.Config{})
			c := e.s2s(e.svc, "tierdesk-s2s-northwind")
			sub := firstSubAccount(t, c)
			f := tc.fault
			f.Method, f.Path, f.Count = "PATCH", "/v2/accounts/*/options", 1
			e.sb.AddFault(f)
			_, err := c.UpdateSubAccountOptions(context.Background(), sub, &zoom.AccountOptionsUpdate{BillingAutoRenew: zoom.Bool(false)})
			if !tc.check(err) {
				t.Fatalf("UpdateSubAccountOptions error = %v", err)
			}
			e.settle()
			if n := len(e.requests("PATCH", "/v2/accounts/"+sub+"/options")); n != 1 {
				t.Errorf("sandbox saw %d PATCHes, want 1", n)
			}
		})
	}
}

// firstSubAccount returns the id of the caller's first sub account.
func firstSubAccount(t *testing.T, c *zoom.Client) string {
	t.Helper()
	page, _, err := c.ListSubAccountsPage(context.Background(), 1, "")
	if err != nil || len(page.Accounts) == 0 {
		t.Fatalf("list sub accounts: %v", err)
	}
	return page.Accounts[0].ID
}

// The per-call timeout applies to changes: a slow change is outcome unknown.
func TestSlowChangeIsOutcomeUnknown(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{Timeout: 200 * time.Millisecond})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	sub := firstSubAccount(t, c)
	e.sb.AddFault(sandbox.Fault{Method: "PATCH", Path: "/v2/accounts/*/options", Latency: 2 * time.Second, Count: 1})
	_, err := c.UpdateSubAccountOptions(context.Background(), sub, &zoom.AccountOptionsUpdate{BillingAutoRenew: zoom.Bool(true)})
	if !zoom.IsOutcomeUnknown(err) || !zoom.IsTimeout(err) {
		t.Fatalf("error = %v, want outcome unknown caused by a timeout", err)
	}
	e.settle()
	if n := len(e.requests("PATCH", "/v2/accounts/*")); n != 1 {
		t.Errorf("sandbox saw %d PATCHes, want 1", n)
	}
}

// A connection that cannot be made is a plain error for a change: nothing reached Zoom.
func TestUnreachableZoomIsNotOutcomeUnknown(t *testing.T) {
	c, err := zoom.NewClient(http.DefaultClient, "http://127.0.0.1:1/v2", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DisassociateSubAccount(context.Background(), "abc")
	if err == nil || zoom.IsOutcomeUnknown(err) {
		t.Fatalf("error = %v, want a plain transport error", err)
	}
	if got := zoom.Explain(err); got != "Zoom could not be reached. Try again in a moment." {
		t.Errorf("Explain = %q", got)
	}
}

// A 503 carrying Retry-After is retried no sooner than Zoom asked, and then succeeds.
func TestRetryAfterOnServerErrorIsHonoured(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	if _, _, err := c.Me(context.Background()); err != nil { // the token, outside the measure
		t.Fatal(err)
	}
	e.clearRequests()
	e.sb.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/users/me", Status: 503, Count: 1, Headers: map[string]string{"Retry-After": "1"}})
	_, resp, err := c.Me(context.Background())
	if err != nil || resp.Attempts != 2 {
		t.Fatalf("Me after a 503 with Retry-After: %v, attempts %d", err, resp.Attempts)
	}
	reqs := e.requests("GET", "/v2/users/me")
	if got := statuses(reqs); !slices.Equal(got, []int{503, 200}) {
		t.Fatalf("sandbox saw %v, want [503 200]", got)
	}
	if gap := reqs[1].Time.Sub(reqs[0].Time); gap < 900*time.Millisecond {
		t.Fatalf("retried %v after a Retry-After of 1 s (the backoff alone is a few ms)", gap)
	}
}

// A 429 whose Retry-After (an HTTP date) is further away than the client may wait is not
// retried: the caller gets Zoom's error with the time to try again.
func TestRetryAfterBeyondTheWaitLimitGivesUp(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	if _, _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.clearRequests()
	later := time.Now().Add(2 * time.Minute).UTC()
	e.sb.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/accounts", Status: 429, Code: 429,
		Message: "You have reached the maximum per-second rate limit for this API. Try again later.", Count: 1,
		Headers: map[string]string{"Retry-After": later.Format(http.TimeFormat)}})
	start := time.Now()
	_, resp, err := c.ListSubAccountsPage(context.Background(), 1, "")
	ze, ok := zoom.AsError(err)
	if !ok || !zoom.IsRateLimited(err) || ze.RetryAfter.Sub(later).Abs() > time.Second {
		t.Fatalf("error %v (RetryAfter %v), want a rate-limit error retrying at %v", err, ze, later)
	}
	if n := len(e.requests("GET", "/v2/accounts")); n != 1 || resp.Attempts != 1 {
		t.Fatalf("%d requests, %d attempts: want one, no retry", n, resp.Attempts)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("gave up after %v, not at once", el)
	}
}
