package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimitHeadersAndQPS(t *testing.T) {
	e := newEnv(t, Options{LimitsMultiplier: 0.05}) // Business+ Light 80/s -> 4/s
	tok := e.token("owner@northwind.example")
	r := e.do("GET", "/v2/users/me", tok, nil)
	h := r.header
	if h.Get("X-RateLimit-Category") != "Light" || h.Get("X-RateLimit-Type") != "QPS" || h.Get("X-RateLimit-Limit") != "4" || h.Get("X-RateLimit-Remaining") != "3" {
		t.Fatalf("headers %v", h)
	}
	if r := e.do("GET", "/v2/accounts", tok, nil); r.header.Get("X-RateLimit-Category") != "Medium" || r.header.Get("X-RateLimit-Limit") != "3" {
		t.Errorf("Medium headers %v", r.header)
	}
	for range 3 {
		if r := e.do("GET", "/v2/users/me", tok, nil); r.status != 200 {
			t.Fatalf("within limit: %d", r.status)
		}
	}
	r = e.do("GET", "/v2/users/me", tok, nil)
	wantError(t, r, 429, 429, "You have reached the maximum per-second rate limit for this API. Try again later.")
	if r.header.Get("X-RateLimit-Type") != "QPS" || r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("Retry-After") != "" {
		t.Errorf("429 QPS headers %v", r.header)
	}
	// Limits are per account: another account is unaffected.
	if r := e.do("GET", "/v2/users/me", e.token("owner@contoso.example"), nil); r.status != 200 {
		t.Errorf("other account limited: %d", r.status)
	}
	e.clock.Add(time.Second)
	if r := e.do("GET", "/v2/users/me", tok, nil); r.status != 200 {
		t.Errorf("next second: %d", r.status)
	}
	// Heavy on Business+ has a daily budget shared with Resource-intensive.
	cust := e.customerOf("Northwind Distribution", func(a *account) bool { return a.paid() && a.Options.PayMode == "master" })
	if r := e.do("GET", "/v2/accounts/"+cust+"/plans/usage", tok, nil); r.header.Get("X-RateLimit-Type") != "Daily-limit" || r.header.Get("X-RateLimit-Limit") != "3000" {
		t.Errorf("Heavy headers %v", r.header)
	}
}

func TestDailyLimit(t *testing.T) {
	e := newEnv(t, Options{LimitsMultiplier: 0.001, TokenTTL: 48 * time.Hour}) // Free Light: 4/s -> 1/s, 6000/day -> 6/day
	free := e.customerOf("Contoso Reseller", func(a *account) bool { return !a.paid() })
	e.sb.mu.RLock()
	owner := e.sb.st.owner(e.sb.st.Accounts[free]).Email
	e.sb.mu.RUnlock()
	tok := e.token(owner)
	for i := range 6 {
		r := e.do("GET", "/v2/users/me", tok, nil)
		if r.status != 200 || r.header.Get("X-RateLimit-Type") != "Daily-limit" || r.header.Get("X-RateLimit-Limit") != "6" {
			t.Fatalf("request %d: %d %v", i, r.status, r.header)
		}
		e.clock.Add(time.Second)
	}
	r := e.do("GET", "/v2/users/me", tok, nil)
	wantError(t, r, 429, 429, "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.")
	if got := r.header.Get("Retry-After"); got != "2025-03-05T00:00:00Z" {
		t.Errorf("Retry-After %q, want next 00:00 UTC", got)
	}
	e.clock.Add(14 * time.Hour)
	if r := e.do("GET", "/v2/users/me", tok, nil); r.status != 200 {
		t.Errorf("after midnight UTC: %d", r.status)
	}
}

func TestCreateDailyCap(t *testing.T) {
	e := newEnv(t, Options{LimitsMultiplier: 0.02}) // free: 50 creates/day -> 1
	tok := e.token("owner@contoso.example")
	free := e.customerOf("Contoso Reseller", func(a *account) bool { return !a.paid() })
	body := func(email string) map[string]any {
		return map[string]any{"action": "create", "user_info": map[string]any{"email": email, "type": 1}}
	}
	if r := e.do("POST", "/v2/accounts/"+free+"/users", tok, body("one@cap.example")); r.status != 201 {
		t.Fatalf("first create: %d %s", r.status, r.raw)
	}
	e.clock.Add(time.Second)
	r := e.do("POST", "/v2/accounts/"+free+"/users", tok, body("two@cap.example"))
	wantError(t, r, 429, 429, msgDaily)
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After on the daily create cap")
	}
}

func TestOneRequestAtATimePerUser(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token("owner@contoso.example")
	cust := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	// A create held at Zoom: the others for that user are refused while it is in progress.
	e.sb.AddFault(Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: time.Hour, Count: 1})
	create := e.hold("POST", "/v2/accounts/"+cust+"/users", tok, map[string]any{"action": "autoCreate",
		"user_info": map[string]any{"email": "slow@busy.example", "type": 1, "password": "Sandbox2025x"}}, "email:slow@busy.example")
	wantError(t, e.do("GET", "/v2/accounts/"+cust+"/users/slow@busy.example", tok, nil), 429, 429,
		"Too many concurrent requests. A request to create this user has already been made.")
	created := create()
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	if r := e.do("GET", "/v2/accounts/"+cust+"/users/slow@busy.example", tok, nil); r.status != 200 {
		t.Fatalf("after create: %d", r.status)
	}
	id := created.body["id"].(string)
	e.sb.AddFault(Fault{Method: "DELETE", Path: "/v2/accounts/*/users/*", Latency: time.Hour, Count: 1})
	remove := e.hold("DELETE", "/v2/accounts/"+cust+"/users/"+id, tok, nil, "id:"+id)
	wantError(t, e.do("PATCH", "/v2/accounts/"+cust+"/users/"+id, tok, map[string]any{"dept": "x"}), 429, 429,
		"Too many concurrent requests. A request to disassociate this user has already been made.")
	wantError(t, e.do("DELETE", "/v2/accounts/"+cust+"/users/slow@busy.example", tok, nil), 429, 429, "")
	if deleted := remove(); deleted.status != 204 {
		t.Fatalf("delete: %d %s", deleted.status, deleted.raw)
	}
}

// hold sends a request that a fault's latency holds at Zoom (the sandbox sleeps it inside
// the one-request-per-user window, until the request's context ends) and waits until the
// request is there, holding the user busy under key. The returned func lets it go on and
// returns its answer. The request goes to the sandbox's handler directly, so that ending its
// context ends the wait without losing the answer.
func (e *env) hold(method, path, token string, body any, key string) (release func() resp) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, method, e.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.sb.Handler().ServeHTTP(rec, req)
	}()
	// The event: the request holds the user (it is in the window, past every check).
	for e.sb.busy.check([]string{key}) == "" {
		select {
		case <-done:
			cancel()
			e.t.Fatalf("%s %s answered %d before it was held: %s", method, path, rec.Code, rec.Body)
		case <-time.After(time.Millisecond):
		}
	}
	return func() resp {
		e.t.Helper()
		cancel()
		<-done
		r := resp{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
		if len(r.raw) > 0 && r.raw[0] == '{' {
			if err := json.Unmarshal(r.raw, &r.body); err != nil {
				e.t.Fatalf("decode %s: %v", r.raw, err)
			}
		}
		return r
	}
}
