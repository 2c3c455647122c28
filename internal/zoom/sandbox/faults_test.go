package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPathPatterns(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"/v2/accounts/*/users", "/v2/accounts/abc/users", true},
		{"/v2/accounts/*/users", "/v2/accounts/abc/users/u1", false},
		{"/v2/accounts/*/users", "/v2/accounts/users", false},
		{"/v2/accounts/**", "/v2/accounts/abc/users/u1", true},
		{"/v2/**", "/v2/users/me", true},
		{"/oauth/token", "/oauth/token", true},
		{"/oauth/token", "/oauth/revoke", false},
	}
	for _, c := range cases {
		if got := pathMatches(c.pattern, c.path); got != c.want {
			t.Errorf("pathMatches(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestFaultsOverHTTP(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@northwind.example")

	// An error status with a Zoom code, once.
	r := e.do("POST", "/_sandbox/faults", "", map[string]any{"method": "GET", "path": "/v2/users/*", "status": 503, "code": 503, "message": "Service down.", "count": 1})
	if r.status != 201 || r.body["id"] == "" {
		t.Fatalf("add fault: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", "/v2/users/me", tok, nil), 503, 503, "Service down.")
	if r := e.do("GET", "/v2/users/me", tok, nil); r.status != 200 {
		t.Fatalf("count=1 fault fired twice: %d", r.status)
	}
	// Faults never touch /_sandbox.
	e.sb.AddFault(Fault{Path: "/**", Status: 500})
	if r := e.do("GET", "/_sandbox/apps", "", nil); r.status != 200 {
		t.Fatalf("/_sandbox hit by a fault: %d", r.status)
	}
	if r := e.do("GET", "/v2/users/me", tok, nil); r.status != 500 {
		t.Fatalf("/** fault: %d", r.status)
	}
	if r := e.do("DELETE", "/_sandbox/faults", "", nil); r.status != 204 {
		t.Fatalf("clear: %d", r.status)
	}

	// Latency.
	e.do("POST", "/_sandbox/faults", "", map[string]any{"path": "/v2/users/me", "latency_ms": 250, "count": 1})
	start := time.Now()
	if r := e.do("GET", "/v2/users/me", tok, nil); r.status != 200 || time.Since(start) < 250*time.Millisecond {
		t.Fatalf("latency: %d after %v", r.status, time.Since(start))
	}

	// Dropped connection.
	e.sb.AddFault(Fault{Path: "/v2/users/me", Drop: true, Count: 1})
	req, _ := http.NewRequest("GET", e.srv.URL+"/v2/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	// A fresh connection: Go's transport silently retries an idempotent request that fails
	// on a reused connection.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := fresh.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("dropped connection answered %d", res.StatusCode)
	}

	// Probability.
	e.sb.AddFault(Fault{Path: "/v2/users/me", Status: 502, Probability: 0.5})
	failed := 0
	for range 200 {
		r := e.do("GET", "/v2/users/me", "", nil) // 401s when the fault does not fire
		if r.status == 502 {
			failed++
		}
	}
	if failed < 60 || failed > 140 {
		t.Errorf("probability 0.5 fired %d/200 times", failed)
	}
	e.sb.ClearFaults()
}

func TestApplyThenFail(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	cust := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	create := func(email string) resp {
		return e.do("POST", "/v2/accounts/"+cust+"/users", tok, map[string]any{"action": "custCreate", "user_info": map[string]any{"email": email, "type": 1}})
	}
	e.sb.AddFault(Fault{Method: "POST", Path: "/v2/accounts/*/users", ApplyThen: "504", Count: 1})
	r := create("lost.answer@apply.example")
	if r.status != 504 {
		t.Fatalf("apply then 504: %d %s", r.status, r.raw)
	}
	if g := e.do("GET", "/v2/accounts/"+cust+"/users/lost.answer@apply.example", tok, nil); g.status != 200 {
		t.Fatalf("change not applied: %d", g.status)
	}
	e.sb.AddFault(Fault{Method: "POST", Path: "/v2/accounts/*/users", ApplyThen: "drop", Count: 1})
	req, _ := http.NewRequest("POST", e.srv.URL+"/v2/accounts/"+cust+"/users", strings.NewReader(`{"action":"custCreate","user_info":{"email":"dropped@apply.example","type":1}}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	if res, err := e.http.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("apply then drop answered %d", res.StatusCode)
	}
	if g := e.do("GET", "/v2/accounts/"+cust+"/users/dropped@apply.example", tok, nil); g.status != 200 {
		t.Fatalf("change not applied before drop: %d", g.status)
	}
	// The log shows what happened.
	var last504 *RequestRecord
	for _, rec := range e.sb.Requests() {
		if rec.Method == "POST" && rec.Status == 504 {
			last504 = &rec
		}
	}
	if last504 == nil || last504.TargetAccountID != cust || last504.Code != 504 {
		t.Errorf("request log lacks the 504: %+v", last504)
	}
}

func TestRequestLogResetAndClock(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("admin@northwind.example")
	nw := e.accountNamed("Northwind Distribution")
	e.do("DELETE", "/_sandbox/requests", "", nil)
	e.do("GET", "/v2/accounts/me/settings", tok, nil)
	e.do("GET", "/v2/accounts/nope", tok, nil)
	var recs []RequestRecord
	if err := json.Unmarshal(e.do("GET", "/_sandbox/requests", "", nil).raw, &recs); err != nil || len(recs) != 2 {
		t.Fatalf("requests: %v %d", err, len(recs))
	}
	if r := recs[0]; r.Method != "GET" || r.Path != "/v2/accounts/me/settings" || r.AccountID != nw || r.TargetAccountID != nw || r.Status != 200 || r.Grant != DemoClientID {
		t.Errorf("record 0 %+v", r)
	}
	if r := recs[1]; r.Status != 404 || r.Code != 2001 || r.TargetAccountID != "nope" {
		t.Errorf("record 1 %+v", r)
	}
	var since []RequestRecord
	if err := json.Unmarshal(e.do("GET", "/_sandbox/requests?since="+strconv.FormatInt(recs[0].Seq, 10), "", nil).raw, &since); err != nil {
		t.Fatal(err)
	}
	if len(since) != 1 || since[0].Seq != recs[1].Seq {
		t.Errorf("since filter: %+v", since)
	}

	// Reset goes back to the seed and clears faults.
	cust := e.customerOf("Northwind Distribution", func(a *account) bool { return a.paid() })
	e.do("POST", "/v2/accounts/"+cust+"/users", tok, map[string]any{"action": "custCreate", "user_info": map[string]any{"email": "temp@reset.example", "type": 1}})
	e.sb.AddFault(Fault{Path: "/v2/**", Status: 500})
	if r := e.do("POST", "/_sandbox/reset", "", nil); r.status != 204 {
		t.Fatalf("reset: %d", r.status)
	}
	tok = e.token("admin@northwind.example")
	if r := e.do("GET", "/v2/accounts/"+cust+"/users/temp@reset.example", tok, nil); r.status != 404 {
		t.Errorf("user survived reset: %d %s", r.status, r.raw)
	}
	// The clock moves forward over HTTP and tokens expire.
	r := e.do("POST", "/_sandbox/clock", "", map[string]any{"advance_seconds": 3600})
	if r.status != 200 || r.body["now"] != "2025-03-04T11:00:00Z" {
		t.Fatalf("clock: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", "/v2/users/me", tok, nil), 401, 124, "Access token is expired.")
}

// A Hold fault that lets its first requests pass (After) keeps the next ones waiting, not
// done, until it is released; then they are served as if it were not there. Releasing over
// HTTP, and clearing, free what is held.
func TestHoldAfterAndRelease(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	cust := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	create := func(email string) chan resp {
		out := make(chan resp, 1)
		go func() {
			out <- e.do("POST", "/v2/accounts/"+cust+"/users", tok, map[string]any{"action": "custCreate", "user_info": map[string]any{"email": email, "type": 1}})
		}()
		return out
	}
	exists := func(email string) bool {
		return e.do("GET", "/v2/accounts/"+cust+"/users/"+email, tok, nil).status == 200
	}
	waitHeld := func(id string, n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); e.sb.Held(id) != n; {
			if time.Now().After(deadline) {
				t.Fatalf("fault %s holds %d requests, want %d", id, e.sb.Held(id), n)
			}
			time.Sleep(5 * time.Millisecond) // polling a counter: the event is the count reaching n
		}
	}
	id := e.sb.AddFault(Fault{Method: "POST", Path: "/v2/accounts/*/users", Hold: true, After: 1})
	if r := <-create("first@hold.example"); r.status != 201 {
		t.Fatalf("the first create (After: 1) was not let through: %d %s", r.status, r.raw)
	}
	second, third := create("second@hold.example"), create("third@hold.example")
	waitHeld(id, 2)
	if exists("second@hold.example") || exists("third@hold.example") {
		t.Fatal("a held create was done")
	}
	var listed []Fault
	if r := e.do("GET", "/_sandbox/faults", "", nil); r.status != 200 || json.Unmarshal([]byte(r.raw), &listed) != nil || len(listed) != 1 || listed[0].Held != 2 {
		t.Fatalf("GET /_sandbox/faults: %d %s", r.status, r.raw)
	}
	if r := e.do("DELETE", "/_sandbox/faults/"+id, "", nil); r.status != 204 {
		t.Fatalf("release over HTTP: %d", r.status)
	}
	for _, c := range []chan resp{second, third} {
		if r := <-c; r.status != 201 {
			t.Fatalf("released create: %d %s", r.status, r.raw)
		}
	}
	if !exists("second@hold.example") || !exists("third@hold.example") || e.sb.Held(id) != 0 {
		t.Fatal("released creates were not done")
	}
	if r := e.do("DELETE", "/_sandbox/faults/"+id, "", nil); r.status != 404 {
		t.Fatalf("releasing twice: %d", r.status)
	}
	// ClearFaults frees every hold.
	id = e.sb.AddFault(Fault{Method: "POST", Path: "/v2/accounts/*/users", Hold: true})
	fourth := create("fourth@hold.example")
	waitHeld(id, 1)
	e.sb.ClearFaults()
	if r := <-fourth; r.status != 201 {
		t.Fatalf("create after ClearFaults: %d", r.status)
	}
}
