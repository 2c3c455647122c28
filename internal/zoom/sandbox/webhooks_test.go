package sandbox

import (
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint for tests.
type receiver struct {
	t      *testing.T
	secret string
	srv    *httptest.Server

	mu          sync.Mutex
	events      []map[string]any
	validations int
	badSigs     int
	failFirst   int  // answer 500 to this many event deliveries first
	wrongAnswer bool // answer URL validation wrongly
	timestamps  []string
}

func newReceiver(t *testing.T, secret string) *receiver {
	rc := &receiver{t: t, secret: secret}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("x-zm-request-timestamp")
	want := "v0=" + hmacHex(rc.secret, "v0:"+ts+":"+string(body))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("x-zm-signature"))) {
		rc.badSigs++
	}
	rc.timestamps = append(rc.timestamps, ts)
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.t.Errorf("webhook body is not JSON: %s", body)
		return
	}
	if ev["event"] == "endpoint.url_validation" {
		rc.validations++
		plain := ev["payload"].(map[string]any)["plainToken"].(string)
		enc := hmacHex(rc.secret, plain)
		if rc.wrongAnswer {
			enc = "nope"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"plainToken": plain, "encryptedToken": enc})
		return
	}
	if rc.failFirst > 0 {
		rc.failFirst--
		w.WriteHeader(500)
		return
	}
	rc.events = append(rc.events, ev)
	w.WriteHeader(204)
}

// waitEvents waits until n events arrived and returns them.
func (rc *receiver) waitEvents(n int) []map[string]any {
	rc.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		if len(rc.events) >= n {
			out := append([]map[string]any(nil), rc.events...)
			rc.mu.Unlock()
			return out
		}
		rc.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.t.Fatalf("got %d webhook events, want %d: %v", len(rc.events), n, rc.events)
	return nil
}

func TestWebhooksSignedAfterValidation(t *testing.T) {
	e := newEnv(t, Options{})
	rc := newReceiver(t, "s3cret-token")
	r := e.do("POST", "/_sandbox/webhook", "", map[string]any{"url": rc.srv.URL, "secret_token": "s3cret-token"})
	if r.status != 200 || r.body["validated"] != true {
		t.Fatalf("configure: %d %s", r.status, r.raw)
	}
	tok := e.token("owner@contoso.example")
	cust := e.customerOf("Contoso Reseller", func(a *account) bool { return a.paid() })
	created := e.do("POST", "/v2/accounts/"+cust+"/users", tok, map[string]any{"action": "create",
		"user_info": map[string]any{"email": "hook@webhook.example", "type": 1, "first_name": "Hook", "last_name": "Ümlaut"}})
	id := created.body["id"].(string)
	e.do("PATCH", "/v2/accounts/"+cust+"/users/"+id, tok, map[string]any{"dept": "Events"})
	e.do("PATCH", "/v2/accounts/"+cust+"/settings", tok, map[string]any{"in_meeting": map[string]any{"chat": false}})
	e.do("DELETE", "/v2/accounts/"+cust+"/users/"+id+"?action=delete", tok, nil)
	acct := e.do("POST", "/v2/accounts", tok, map[string]any{"first_name": "W", "last_name": "H", "email": "wh@newsub.example", "password": "Webhook2025x"})
	e.do("DELETE", "/v2/accounts/"+acct.body["id"].(string), tok, nil)

	evs := rc.waitEvents(6)
	names := []string{}
	for _, ev := range evs {
		names = append(names, ev["event"].(string))
	}
	want := []string{"user.created", "user.updated", "account.settings_updated", "user.deleted", "account.created", "account.disassociated"}
	for i, w := range want {
		if names[i] != w {
			t.Fatalf("events %v, want %v", names, want)
		}
	}
	rc.mu.Lock()
	if rc.validations != 1 || rc.badSigs != 0 {
		t.Errorf("validations=%d badSigs=%d", rc.validations, rc.badSigs)
	}
	if rc.timestamps[0] != "1741082400" {
		t.Errorf("x-zm-request-timestamp %q, want the sandbox clock in seconds", rc.timestamps[0])
	}
	rc.mu.Unlock()
	uc := evs[0]
	wantTypes(t, uc, map[string]string{"event": "string", "event_ts": "number", "payload": "object"})
	p := uc["payload"].(map[string]any)
	if p["account_id"] != cust || p["operator"] != "owner@contoso.example" || p["creation_type"] != "create" || p["operator_id"] == nil {
		t.Errorf("user.created payload %v", p)
	}
	wantTypes(t, p["object"].(map[string]any), map[string]string{"id": "string", "first_name": "string", "last_name": "string", "display_name": "string", "email": "string", "type": "number"})
	upd := evs[1]["payload"].(map[string]any)
	if upd["object"].(map[string]any)["dept"] != "Events" || upd["old_object"] == nil || upd["time_stamp"] == nil {
		t.Errorf("user.updated payload %v", upd)
	}
	set := evs[2]["payload"].(map[string]any)["object"].(map[string]any)
	if set["id"] != cust || set["settings"].(map[string]any)["in_meeting"].(map[string]any)["chat"] != false {
		t.Errorf("settings_updated %v", set)
	}
	if o := evs[4]["payload"].(map[string]any)["object"].(map[string]any); o["email"] != "wh@newsub.example" || o["owner_id"] == nil {
		t.Errorf("account.created %v", o)
	}
}

func TestWebhookRetriesAndValidationFailure(t *testing.T) {
	rc := newReceiver(t, "retry-secret")
	rc.failFirst = 2
	e := newEnv(t, Options{WebhookURL: rc.srv.URL, WebhookSecret: "retry-secret", WebhookRetry: []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond}})
	tok := e.token("owner@northwind.example")
	cust := e.customerOf("Northwind Distribution", func(a *account) bool { return a.paid() })
	u := e.seededUser(cust, func(u *user) bool { return u.Role == roleMember && u.Status == statusActive })
	e.do("PUT", "/v2/accounts/"+cust+"/users/"+u.ID+"/status", tok, map[string]any{"action": "deactivate"})
	evs := rc.waitEvents(1)
	if evs[0]["event"] != "user.deactivated" {
		t.Fatalf("event %v", evs[0]["event"])
	}
	attempts := 0
	for _, d := range e.sb.WebhookDeliveries() {
		if d.Event == "user.deactivated" {
			attempts++
		}
	}
	if attempts != 3 {
		t.Errorf("attempts %d, want 3 (two failures and a success)", attempts)
	}
	rc.mu.Lock()
	if rc.validations != 1 {
		t.Errorf("validations %d, want 1 (lazy, before the first event)", rc.validations)
	}
	rc.mu.Unlock()

	bad := newReceiver(t, "x")
	bad.wrongAnswer = true
	r := e.do("POST", "/_sandbox/webhook", "", map[string]any{"url": bad.srv.URL, "secret_token": "x"})
	if r.status != 400 || r.body["validated"] != false {
		t.Fatalf("bad validation accepted: %d %s", r.status, r.raw)
	}
	e.do("PUT", "/v2/accounts/"+cust+"/users/"+u.ID+"/status", tok, map[string]any{"action": "activate"})
	time.Sleep(200 * time.Millisecond)
	bad.mu.Lock()
	if len(bad.events) != 0 {
		t.Errorf("events delivered to an endpoint that failed validation: %v", bad.events)
	}
	bad.mu.Unlock()
}

func TestWebhookAccountUpdatedAndDeauthorized(t *testing.T) {
	rc := newReceiver(t, "sec")
	e := newEnv(t, Options{WebhookURL: rc.srv.URL, WebhookSecret: "sec"})
	tok := e.signIn("owner@northwind.example")
	cust := e.customerOf("Northwind Distribution", func(a *account) bool { return !a.paid() && a.Options.PayMode == "master" })
	e.do("PATCH", "/v2/accounts/"+cust+"/options", tok["access_token"].(string), map[string]any{"share_rc": true})
	e.form("/oauth/revoke?token="+tok["access_token"].(string), DemoClientID, DemoClientSecret, nil)
	evs := rc.waitEvents(2)
	if evs[0]["event"] != "account.updated" || evs[0]["payload"].(map[string]any)["object"].(map[string]any)["share_rc"] != true {
		t.Errorf("account.updated %v", evs[0])
	}
	p := evs[1]["payload"].(map[string]any)
	if evs[1]["event"] != "app_deauthorized" || p["client_id"] != DemoClientID || p["user_id"] != e.user("owner@northwind.example").ID {
		t.Errorf("app_deauthorized %v", evs[1])
	}
}
