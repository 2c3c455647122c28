package zoom_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// burst runs n concurrent list calls (GET /accounts, Medium) with the clients in turn and
// fails the test on any error.
func burst(t *testing.T, clients []*zoom.Client, n int) time.Duration {
	t.Helper()
	return burstWith(t, clients, n, func(int) context.Context { return context.Background() })
}

// burstWith is burst with call i made with ctxOf(i) (its priority).
func burstWith(t *testing.T, clients []*zoom.Client, n int, ctxOf func(i int) context.Context) time.Duration {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var waited time.Duration
	for i := range n {
		c := clients[i%len(clients)]
		wg.Go(func() {
			_, resp, err := c.ListSubAccountsPage(ctxOf(i), 1, "")
			if err != nil {
				t.Errorf("call %d: %v", i, err)
				return
			}
			mu.Lock()
			waited += resp.ThrottleWait
			mu.Unlock()
		})
	}
	wg.Wait()
	return waited
}

// A burst of calls far above Zoom's per-second limit ends in success without one 429: the
// client paces the account at half of Business+ (Medium: 30/s with a burst of 30, against
// Zoom's 60/s), and the sandbox never counts more than its limit in a second.
func TestBurstIsPacedBelowTheLimit(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	if _, _, err := c.Me(context.Background()); err != nil { // fetch the token outside the measured burst
		t.Fatal(err)
	}
	e.clearRequests()
	start := time.Now()
	waited := burst(t, []*zoom.Client{c}, 120)
	elapsed := time.Since(start)

	reqs := e.requests("GET", "/v2/accounts")
	if got := statuses(reqs); slices.Contains(got, 429) || len(got) != 120 {
		t.Fatalf("sandbox saw %d calls with statuses %v, want 120 without a 429", len(got), got)
	}
	peak := maxPerSecond(reqs)
	if peak > 60 {
		t.Errorf("peak %d calls in one second, above Zoom's Medium limit of 60", peak)
	}
	// 30 go at once, the other 90 at 30/s: about 3 s.
	if elapsed < 2500*time.Millisecond {
		t.Errorf("120 calls took %v, want about 3 s of pacing", elapsed)
	}
	waits := e.metric("tierdesk_zoom_throttle_wait_seconds", map[string]string{"label": "Medium"})
	total := e.metric("tierdesk_zoom_throttle_wait_seconds_sum", map[string]string{"label": "Medium"})
	if waits != 120 || total <= 0 {
		t.Errorf("throttle_wait_seconds{Medium}: count %v sum %v, want 120 observations and a positive sum", waits, total)
	}
	t.Logf("120 calls in %v; peak %d/s (limit 60); throttle waits: total %v, mean %v", elapsed.Round(time.Millisecond), peak,
		waited.Round(time.Millisecond), (waited / 120).Round(time.Millisecond))
}

// 429 answers are retried after the budget pauses, and the reads end in success.
func TestRateLimited429EndsInSuccess(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{RateLimitPause: 300 * time.Millisecond})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	e.sb.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/accounts", Status: 429, Code: 429,
		Message: "You have reached the maximum per-second rate limit for this API. Try again later.", Count: 2})
	start := time.Now()
	_, resp, err := c.ListSubAccountsPage(context.Background(), 1, "")
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if got := statuses(e.requests("GET", "/v2/accounts")); !slices.Equal(got, []int{429, 429, 200}) {
		t.Errorf("sandbox saw %v, want [429 429 200]", got)
	}
	if el := time.Since(start); el < 600*time.Millisecond || resp.ThrottleWait < 500*time.Millisecond {
		t.Errorf("took %v with throttle wait %v, want two pauses of 300 ms", el, resp.ThrottleWait)
	}
}

// Against an account whose real limits are lower than assumed (here a quarter of Business+),
// a burst earns some 429s, which are retried; the client learns the lower limit from
// X-RateLimit-Limit, and every call ends in success.
func TestBurstAgainstLowerLimitsRecovers(t *testing.T) {
	e := newEnv(t, sandbox.Options{LimitsMultiplier: 0.25}, zoom.Config{RateLimitPause: time.Second})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	if _, _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.clearRequests()
	burst(t, []*zoom.Client{c}, 45)
	reqs := e.requests("GET", "/v2/accounts")
	ok := 0
	for _, r := range reqs {
		if r.Status == 200 {
			ok++
		}
	}
	if ok != 45 {
		t.Fatalf("%d of 45 calls succeeded at the sandbox (statuses %v)", ok, statuses(reqs))
	}
	// A second burst is paced at the learned limit (15/s → 7.5/s): no 429 at all.
	e.clearRequests()
	burst(t, []*zoom.Client{c}, 20)
	if got := statuses(e.requests("GET", "/v2/accounts")); slices.Contains(got, 429) {
		t.Errorf("second burst earned 429s: %v", got)
	}
	t.Logf("first burst: %d requests for 45 calls", len(reqs))
}

// twoProcesses is two portal processes' Zoom services on one sandbox and one database: each
// has its own limiter (its own queue and memory) over the budgets in PostgreSQL.
func twoProcesses(t *testing.T) (e *env, other *zoom.Service) {
	t.Helper()
	st := storetest.NewStore(t)
	e = newEnv(t, sandbox.Options{}, zoom.Config{Limiter: service.RateLimiter(st)})
	cfg := e.cfg
	cfg.Limiter = service.RateLimiter(st)
	return e, e.newService(cfg)
}

// Two portal processes sharing PostgreSQL share one budget per Zoom account and label: with
// people's and background calls mixed in both, Zoom (the sandbox's request log) never counts
// more than its limit in any second. (Each alone would send 30 at once and 30/s, so together
// 60 at once and 60/s, and Zoom's 60/s Medium limit would answer 429s.)
func TestPostgresLimiterSharesTheBudgetAcrossProcesses(t *testing.T) {
	e, other := twoProcesses(t)
	a, b := e.s2s(e.svc, "tierdesk-s2s-northwind"), e.s2s(other, "tierdesk-s2s-northwind")
	for _, c := range []*zoom.Client{a, b} {
		if _, _, err := c.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	e.clearRequests()
	start := time.Now()
	waited := burstWith(t, []*zoom.Client{a, b}, 150, func(i int) context.Context {
		if i%3 == 0 { // a third of them a person's, the rest background work
			return context.Background()
		}
		return zoom.WithPriority(context.Background(), zoom.Background)
	})
	elapsed := time.Since(start)
	reqs := e.requests("GET", "/v2/accounts")
	if got := statuses(reqs); slices.Contains(got, 429) || len(got) != 150 {
		t.Fatalf("sandbox saw %d calls, statuses %v; want 150 without a 429", len(got), got)
	}
	if most := sandbox.MostInWindow(reqs, time.Second); most > 60 {
		t.Errorf("%d calls arrived within one second, above Zoom's Medium limit of 60", most)
	}
	if elapsed < 3500*time.Millisecond { // 30 at once, 120 more at 30/s
		t.Errorf("150 calls over two processes took %v, want about 4 s: the budget is not shared", elapsed)
	}
	t.Logf("150 calls over 2 processes in %v; most in a second %d (limit 60); throttle waits total %v", elapsed.Round(time.Millisecond),
		sandbox.MostInWindow(reqs, time.Second), waited.Round(time.Millisecond))
}

// A person's call made while another process's background work has a long backlog of calls
// for the same budget (Medium) is sent within the look-ahead, a few calls of the backlog, not
// after the backlog.
func TestInteractiveCallGoesBeforeAnotherProcessBacklog(t *testing.T) {
	e, other := twoProcesses(t)
	bulk, person := e.s2s(e.svc, "tierdesk-s2s-northwind"), e.s2s(other, "tierdesk-s2s-northwind")
	sub := firstSubAccount(t, person) // also fetches its token
	if _, _, err := bulk.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.clearRequests()
	e.mu.Lock()
	before := e.arrived
	e.mu.Unlock()
	const backlog = 180 // 6 s of calls at 30/s
	done := make(chan struct{})
	go func() {
		defer close(done)
		burstWith(t, []*zoom.Client{bulk}, backlog, func(int) context.Context {
			return zoom.WithPriority(context.Background(), zoom.Background)
		})
	}()
	// The burst allowance (30) is spent and the paced backlog under way.
	e.waitArrived(before + 45)
	issued := time.Now()
	if _, _, err := person.ListUsersPage(context.Background(), sub, nil, ""); err != nil {
		t.Fatal(err)
	}
	<-done
	var arrived time.Time
	for _, r := range e.requests("GET", "/v2/accounts/"+sub+"/users") {
		arrived = r.Time
	}
	ahead, behind := 0, 0 // background calls that arrived after the person's call was made: before it, after it
	for _, r := range e.requests("GET", "/v2/accounts") {
		switch {
		case r.Time.After(arrived):
			behind++
		case r.Time.After(issued):
			ahead++
		}
	}
	if arrived.IsZero() {
		t.Fatal("the sandbox has no record of the person's call")
	}
	// Medium is paced at 30/s: the look-ahead (250 ms) is 7.5 calls; allow twice that for a
	// slow machine. The backlog left behind shows the call did not wait for it.
	interval := time.Second / 30
	if bound := int(2 * zoom.LookAhead(zoom.Pace{Interval: interval, Burst: 30}) / interval); ahead > bound {
		t.Errorf("%d background calls went between the person's call and its arrival at Zoom (%v later), want at most %d", ahead, arrived.Sub(issued), bound)
	}
	if behind < 60 {
		t.Errorf("only %d background calls were left behind the person's call: the backlog was not there", behind)
	}
	t.Logf("the person's call arrived %v after it was made, %d background calls ahead of it, %d behind", arrived.Sub(issued).Round(time.Millisecond), ahead, behind)
}

// When Zoom reports the daily limit, a read gives up at once (Retry-After is hours away), the
// error says when the budget resets, and later calls of that label fail without calling Zoom.
func TestDailyLimit(t *testing.T) {
	base := time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)
	e := newEnv(t, sandbox.Options{LimitsMultiplier: 0.0001, Clock: func() time.Time { return base }}, zoom.Config{})
	// Move the sandbox clock one second before each request so its per-second window
	// (1 call at this multiplier) never binds; the daily Heavy budget is 6.
	e.cfg.HTTPClient = &http.Client{Transport: advancing{e.sb, http.DefaultTransport}}
	svc := e.newService(e.cfg)
	c := e.s2s(svc, "tierdesk-s2s-northwind")
	ctx := context.Background()
	for i := range 6 {
		if _, _, err := c.GetPlanUsage(ctx, "me"); err != nil {
			t.Fatalf("usage call %d: %v", i+1, err)
		}
	}
	e.clearRequests()
	_, resp, err := c.GetPlanUsage(ctx, "me")
	ze, ok := zoom.AsError(err)
	if !ok || !ze.DailyLimit || !zoom.IsRateLimited(err) {
		t.Fatalf("7th call error = %v, want a daily-limit 429", err)
	}
	if want := time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC); !ze.RetryAfter.Equal(want) {
		t.Errorf("RetryAfter = %v, want %v (Retry-After)", ze.RetryAfter, want)
	}
	if resp.Attempts != 1 || len(e.requests("", "*")) != 1 {
		t.Errorf("attempts %d, sandbox requests %d; want 1 (no waiting hours for a retry)", resp.Attempts, len(e.requests("", "*")))
	}
	if x := zoom.Explain(err); !strings.Contains(x, "daily limit") || !strings.Contains(x, "00:00 UTC on 2 Jan") {
		t.Errorf("Explain = %q", x)
	}
	// Remembered: Heavy and Resource-intensive calls fail fast; Medium calls still go.
	e.clearRequests()
	if _, _, err := c.GetPlanUsage(ctx, "me"); !zoom.IsRateLimited(err) {
		t.Errorf("8th call error = %v, want the remembered daily limit", err)
	}
	if _, err := c.ChangeOwner(ctx, "me", "nobody@example.com"); !zoom.IsRateLimited(err) {
		t.Errorf("Heavy change error = %v, want the remembered daily limit", err)
	}
	if n := len(e.requests("", "*")); n != 0 {
		t.Errorf("sandbox saw %d requests after the daily limit, want 0", n)
	}
	if _, _, err := c.GetPlans(ctx, firstSubAccount(t, c)); err != nil && zoom.IsRateLimited(err) {
		t.Errorf("Medium call refused: %v", err)
	}
}

// advancing moves the sandbox clock one second before each request.
type advancing struct {
	sb   *sandbox.Sandbox
	next http.RoundTripper
}

func (a advancing) RoundTrip(r *http.Request) (*http.Response, error) {
	a.sb.Advance(time.Second)
	return a.next.RoundTrip(r)
}

// The daily cap on creating users is the account's own: reaching it fails that create only,
// and the partner's other Light calls (and creates elsewhere) go on.
func TestDailyUserCreateCapHoldsNothingElseBack(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	ctx := context.Background()
	sub := firstSubAccount(t, c)
	e.sb.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Status: 429, Code: 429, Count: 1,
		Message: "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."})
	_, _, err := c.CreateUser(ctx, sub, &zoom.CreateUserRequest{Action: zoom.ActionCreate, UserInfo: zoom.CreateUserInfo{Email: "capped@example.com", Type: zoom.UserBasic}})
	if ze, ok := zoom.AsError(err); !ok || !ze.DailyLimit || ze.RetryAfter.IsZero() {
		t.Fatalf("create at the cap: %v", err)
	}
	e.clearRequests()
	if _, _, err := c.GetUser(ctx, sub, "capped@example.com", nil); err != nil && zoom.IsRateLimited(err) {
		t.Fatalf("a Light read after the create cap: %v", err)
	}
	if _, _, err := c.CreateUser(ctx, sub, &zoom.CreateUserRequest{Action: zoom.ActionCreate, UserInfo: zoom.CreateUserInfo{Email: "next@example.com", Type: zoom.UserBasic}}); err != nil {
		t.Fatalf("the next create (Zoom allows it again): %v", err)
	}
	if n := len(e.requests("", "*")); n != 2 {
		t.Fatalf("sandbox saw %d requests after the cap, want 2 (nothing held back)", n)
	}
}

// A concurrent burst that meets a run of 429s (Zoom busy for other reasons) ends in success
// for every call, with one retry per 429 and never more than Zoom's limit in a second.
func TestBurstWithInjected429sEndsInSuccess(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{RateLimitPause: 200 * time.Millisecond})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	if _, _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.clearRequests()
	// Two 429s: whichever calls meet them (the same call may meet both), each has a third
	// attempt left, so every call must end in success.
	const calls, faults = 60, 2
	e.sb.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/accounts", Status: 429, Code: 429,
		Message: "You have reached the maximum per-second rate limit for this API. Try again later.", Count: faults})
	burst(t, []*zoom.Client{c}, calls)
	reqs := e.requests("GET", "/v2/accounts")
	ok, limited := 0, 0
	for _, r := range reqs {
		switch r.Status {
		case 200:
			ok++
		case 429:
			limited++
		}
	}
	if ok != calls || limited != faults || len(reqs) != calls+faults {
		t.Fatalf("%d requests: %d ok, %d 429s; want %d ok and exactly %d 429s (one retry for each)", len(reqs), ok, limited, calls, faults)
	}
	if peak := maxPerSecond(reqs); peak > 60 {
		t.Fatalf("peak %d requests in a second, above Zoom's Medium limit of 60", peak)
	}
}
