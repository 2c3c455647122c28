package sandbox

import (
	"crypto/hmac"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
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

// waitEvents waits until n events arrived and returns them (the deadline only keeps a broken
// test from hanging).
func (rc *receiver) waitEvents(n int) []map[string]any {
	rc.t.Helper()
	deadline := time.Now().Add(time.Minute)
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

// deliveries returns the sandbox's delivery attempts of event, oldest first.
func (e *env) deliveries(event string) []DeliveryRecord {
	var out []DeliveryRecord
	for _, d := range e.sb.WebhookDeliveries() {
		if d.Event == event {
			out = append(out, d)
		}
	}
	return out
}

// waitDeliveries waits until the sandbox has made n delivery attempts of event and returns
// them (the deadline only keeps a broken test from hanging).
func (e *env) waitDeliveries(event string, n int) []DeliveryRecord {
	e.t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if got := e.deliveries(event); len(got) >= n {
			return got
		} else if time.Now().After(deadline) {
			e.t.Fatalf("%d attempts to deliver %s, want %d: %+v", len(got), event, n, got)
		}
	}
}

// logWatch is a log sink a test can wait on.
type logWatch struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// wait waits until the log has a line containing msg (the deadline only keeps a broken test
// from hanging).
func (l *logWatch) wait(t *testing.T, msg string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		l.mu.Lock()
		got := l.b.String()
		l.mu.Unlock()
		if strings.Contains(got, msg) {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("no %q in the sandbox's log:\n%s", msg, got)
		}
	}
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
	// The receiver may hear the event before the sandbox records the attempt that sent it:
	// wait for the record of the third attempt.
	attempts := e.waitDeliveries("user.deactivated", 3)
	if len(attempts) != 3 || attempts[0].Status < 500 || attempts[1].Status < 500 || attempts[2].Status/100 != 2 {
		t.Errorf("attempts %+v, want 3 (two failures and a success)", attempts)
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
	if r := e.do("PUT", "/v2/accounts/"+cust+"/users/"+u.ID+"/status", tok, map[string]any{"action": "activate"}); r.status != 204 {
		t.Fatalf("activate: %d %s", r.status, r.raw)
	}
	// Every attempt at the event (the first and the 3 retries) validates the endpoint again,
	// fails, and sends nothing; after the last one the event is given up.
	for _, d := range e.waitDeliveries("user.activated", 4) {
		if d.Status != 0 || !strings.Contains(d.Error, "url validation") {
			t.Errorf("an attempt at an endpoint that fails validation: %+v", d)
		}
	}
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

// wantEnvelope checks the envelope of a delivered event (ZOOM_API.md §7.1) and returns its
// payload.
func wantEnvelope(t *testing.T, ev map[string]any, name, accountID, operator string) map[string]any {
	t.Helper()
	if ev["event"] != name {
		t.Fatalf("event %v, want %s: %v", ev["event"], name, ev)
	}
	wantTypes(t, ev, map[string]string{"event": "string", "event_ts": "number", "payload": "object"})
	p := ev["payload"].(map[string]any)
	wantTypes(t, p, map[string]string{"account_id": "string", "operator": "string", "operator_id": "string", "object": "object"})
	if p["account_id"] != accountID || p["operator"] != operator {
		t.Errorf("%s payload account_id=%v operator=%v, want %s and %s", name, p["account_id"], p["operator"], accountID, operator)
	}
	return p
}

// TestWebhookLifecycleEvents asserts the events and payload shapes (ZOOM_API.md §7.2) of
// status changes, disassociation, lock settings, user settings, owner and plan changes and
// moves.
func TestWebhookLifecycleEvents(t *testing.T) {
	rc := newReceiver(t, "life")
	e := newEnv(t, Options{WebhookURL: rc.srv.URL, WebhookSecret: "life"})
	const op = "owner@contoso.example"
	tok := e.token(op)
	contoso := e.accountNamed("Contoso Reseller")
	cust := e.customerOf("Contoso Reseller", func(a *account) bool {
		if !a.paid() || a.Options.PayMode != "master" {
			return false
		}
		var admin, offDomain bool
		for _, u := range e.sb.st.usersOf(a.ID) {
			admin = admin || (u.Role == roleAdmin && u.Status == statusActive)
			offDomain = offDomain || (u.Role == roleMember && u.Status == statusActive && strings.HasSuffix(u.Email, "@mail.example"))
		}
		return admin && offDomain
	})
	to := e.customerOf("Contoso Reseller", func(a *account) bool { return a.ID != cust && a.paid() })
	offDomain := func(u *user) bool {
		return u.Role == roleMember && u.Status == statusActive && strings.HasSuffix(u.Email, "@mail.example")
	}
	gone := e.seededUser(cust, offDomain)
	mover := e.seededUser(cust, func(u *user) bool { return offDomain(u) && u.ID != gone.ID && u.Type == 1 })
	admin := e.seededUser(cust, func(u *user) bool { return u.Role == roleAdmin && u.Status == statusActive })
	owner := e.seededUser(cust, func(u *user) bool { return u.Role == roleOwner })
	e.sb.mu.RLock()
	base := *e.sb.st.Accounts[cust].Plans.Base
	e.sb.mu.RUnlock()
	users := "/v2/accounts/" + cust + "/users/"

	steps := []struct {
		method, path string
		body         any
	}{
		{"PUT", users + mover.ID + "/status", map[string]any{"action": "deactivate"}},
		{"PUT", users + mover.ID + "/status", map[string]any{"action": "activate"}},
		{"DELETE", users + gone.ID, nil},
		{"PATCH", "/v2/accounts/" + cust + "/lock_settings", map[string]any{"schedule_meeting": map[string]any{"host_video": true}}},
		{"PATCH", users + mover.ID + "/settings", map[string]any{"in_meeting": map[string]any{"chat": false}}},
		{"PUT", "/v2/accounts/" + cust + "/owner", map[string]any{"email": admin.Email}},
		{"PUT", "/v2/accounts/" + cust + "/plans/base", map[string]any{"type": base.Type, "hosts": base.Hosts + 5}},
		{"PUT", users + mover.ID + "/account", map[string]any{"account_id": to}},
	}
	for _, s := range steps {
		if r := e.do(s.method, s.path, tok, s.body); r.status != 204 {
			t.Fatalf("%s %s: %d %s", s.method, s.path, r.status, r.raw)
		}
	}
	evs := rc.waitEvents(len(steps))
	if len(evs) != len(steps) {
		t.Fatalf("got %d events, want %d: %v", len(evs), len(steps), evs)
	}
	userObject := func(p map[string]any, u *user) {
		t.Helper()
		o := p["object"].(map[string]any)
		wantTypes(t, o, map[string]string{"id": "string", "first_name": "string", "last_name": "string", "email": "string", "type": "number"})
		if o["id"] != u.ID || o["email"] != u.Email || o["first_name"] != u.FirstName || o["last_name"] != u.LastName || o["type"].(float64) != float64(u.Type) {
			t.Errorf("user object %v, want user %s", o, u.ID)
		}
	}
	userObject(wantEnvelope(t, evs[0], "user.deactivated", cust, op), mover)
	userObject(wantEnvelope(t, evs[1], "user.activated", cust, op), mover)
	userObject(wantEnvelope(t, evs[2], "user.disassociated", cust, op), gone)

	p := wantEnvelope(t, evs[3], "account.lock_settings_updated", contoso, op)
	o, old := p["object"].(map[string]any), p["old_object"].(map[string]any)
	if o["id"] != cust || o["settings"].(map[string]any)["schedule_meeting"].(map[string]any)["host_video"] != true {
		t.Errorf("lock_settings_updated object %v", o)
	}
	if old["id"] != cust || old["settings"].(map[string]any)["schedule_meeting"].(map[string]any)["host_video"] != false {
		t.Errorf("lock_settings_updated old_object %v", old)
	}

	p = wantEnvelope(t, evs[4], "user.settings_updated", cust, op)
	o, old = p["object"].(map[string]any), p["old_object"].(map[string]any)
	if o["id"] != mover.ID || o["settings"].(map[string]any)["in_meeting"].(map[string]any)["chat"] != false {
		t.Errorf("user.settings_updated object %v", o)
	}
	if old["settings"].(map[string]any)["in_meeting"].(map[string]any)["chat"] != true {
		t.Errorf("user.settings_updated old_object %v", old)
	}
	wantTypes(t, p, map[string]string{"time_stamp": "number"})

	p = wantEnvelope(t, evs[5], "account.updated", contoso, op)
	o, old = p["object"].(map[string]any), p["old_object"].(map[string]any)
	if o["id"] != cust || o["owner_id"] != admin.ID || o["owner_email"] != admin.Email {
		t.Errorf("account.updated (owner) object %v", o)
	}
	if old["id"] != cust || old["owner_id"] != owner.ID || old["owner_email"] != owner.Email {
		t.Errorf("account.updated (owner) old_object %v", old)
	}

	p = wantEnvelope(t, evs[6], "account.updated", contoso, op)
	o, old = p["object"].(map[string]any), p["old_object"].(map[string]any)
	wantTypes(t, o, map[string]string{"id": "string", "account_type": "string", "seats": "number"})
	if o["id"] != cust || o["seats"].(float64) != float64(base.Hosts+5) || old["seats"].(float64) != float64(base.Hosts) {
		t.Errorf("account.updated (plan) object %v old_object %v", o, old)
	}

	p = wantEnvelope(t, evs[7], "user.updated", to, op)
	o, old = p["object"].(map[string]any), p["old_object"].(map[string]any)
	if o["id"] != mover.ID || o["account_id"] != to || old["id"] != mover.ID || old["account_id"] != cust {
		t.Errorf("user.updated (move) object %v old_object %v", o, old)
	}
	wantTypes(t, p, map[string]string{"time_stamp": "number"})

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.badSigs != 0 {
		t.Errorf("%d deliveries with a bad signature", rc.badSigs)
	}
}

// TestWebhookRetrySchedule checks Zoom's default retry delays (ZOOM_API.md §7.1: 5, 20 and 60
// minutes) and that an event is given up after the last retry.
func TestWebhookRetrySchedule(t *testing.T) {
	sb, err := New(Options{Seed: SeedEmpty})
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{5 * time.Minute, 20 * time.Minute, 60 * time.Minute}; !reflect.DeepEqual(sb.opts.WebhookRetry, want) {
		t.Errorf("default retry delays %v, want %v", sb.opts.WebhookRetry, want)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	rc := newReceiver(t, "never")
	rc.failFirst = 1000
	logs := &logWatch{}
	e := newEnv(t, Options{Seed: SeedEmpty, WebhookURL: rc.srv.URL, WebhookSecret: "never",
		WebhookRetry: []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 15 * time.Millisecond},
		Logger:       slog.New(slog.NewTextHandler(logs, nil))})
	tok := e.token("owner@primary.example")
	if r := e.do("PATCH", "/v2/users/me", tok, map[string]any{"dept": "Hooks"}); r.status != 204 {
		t.Fatalf("patch: %d %s", r.status, r.raw)
	}
	// The event: the sandbox gives the event up after its last retry, so no attempt follows.
	logs.wait(t, "webhook event given up")
	got := e.deliveries("user.updated")
	if len(got) != 4 {
		t.Fatalf("%d attempts, want 4 (the first and 3 retries): %+v", len(got), got)
	}
	for i, d := range got {
		if d.Attempt != i+1 || d.Status != 500 || d.Error == "" {
			t.Errorf("attempt %d: %+v", i+1, d)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if n := 1000 - rc.failFirst; n != 4 {
		t.Errorf("the endpoint saw %d deliveries, want 4", n)
	}
}
