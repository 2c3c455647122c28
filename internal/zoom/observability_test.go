package zoom_test

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// Every attempt is logged with method, route, Zoom account, status, Zoom code, duration,
// tracking id and grant, never a token; metrics count calls, errors and latency.
func TestCallsAreLoggedAndCounted(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	tok := e.signIn("owner@northwind.example")
	acct := e.user("owner@northwind.example").AccountID
	c := e.svc.TokenClient(tok, acct)
	ctx := context.Background()
	if _, _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetSubAccount(ctx, "NoSuchAccount1"); !zoom.IsNotFound(err) {
		t.Fatalf("GetSubAccount: %v", err)
	}
	// A job's read (Background) that succeeds is routine: debug level; its failure is not.
	bg := zoom.WithPriority(ctx, zoom.Background)
	if _, _, err := c.Me(bg); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetSubAccount(bg, "NoSuchAccount2"); !zoom.IsNotFound(err) {
		t.Fatalf("GetSubAccount: %v", err)
	}

	logs := e.logs.String()
	for _, secret := range []string{tok.AccessToken, tok.RefreshToken, "Bearer"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("the log contains a token (%.12s...)", secret)
		}
	}
	var calls []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec["msg"] == "zoom call" {
			calls = append(calls, rec)
		}
	}
	if len(calls) != 4 {
		t.Fatalf("%d call log lines, want 4:\n%s", len(calls), logs)
	}
	for i, want := range []string{"INFO", "WARN", "DEBUG", "WARN"} {
		if calls[i]["level"] != want {
			t.Errorf("call %d (%v %v, status %v) logged at %v, want %s", i+1, calls[i]["method"], calls[i]["route"], calls[i]["status"], calls[i]["level"], want)
		}
	}
	ok, notFound := calls[0], calls[1]
	want := map[string]any{"method": "GET", "route": "/users/me", "zoom_account": acct, "status": 200.0, "grant": "token"}
	for k, v := range want {
		if ok[k] != v {
			t.Errorf("log %s = %v, want %v", k, ok[k], v)
		}
	}
	if ok["tracking_id"] == nil || ok["duration"] == nil {
		t.Errorf("log line lacks tracking_id or duration: %v", ok)
	}
	if notFound["route"] != "/accounts/{accountId}" || notFound["zoom_code"] != 2001.0 || notFound["status"] != 404.0 {
		t.Errorf("404 log line = %v", notFound)
	}

	if got := e.metric("tierdesk_zoom_calls_total", map[string]string{"route": "/users/me", "status": "200"}); got != 2 {
		t.Errorf("calls_total{/users/me,200} = %v", got)
	}
	if got := e.metric("tierdesk_zoom_errors_total", map[string]string{"route": "/accounts/{accountId}", "kind": "client_error"}); got != 2 {
		t.Errorf("errors_total{client_error} = %v", got)
	}
	if got := e.metric("tierdesk_zoom_call_duration_seconds", map[string]string{"method": "GET"}); got != 4 {
		t.Errorf("call_duration_seconds count = %v, want 4", got)
	}
}

// Two Services may register on one registry (the series are shared).
func TestServicesShareARegistry(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	other := e.newService(e.cfg)
	if _, _, err := e.s2s(other, "tierdesk-s2s-northwind").Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.metric("tierdesk_zoom_calls_total", map[string]string{"route": "/users/me"}); got != 1 {
		t.Errorf("calls_total = %v, want 1", got)
	}
}
