package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is an injectable clock for expiry tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a sandbox behind a real HTTP server.
type env struct {
	t     *testing.T
	sb    *Sandbox
	srv   *httptest.Server
	clock *fakeClock
	http  *http.Client
}

// newEnv starts a sandbox over real HTTP with a fake clock. opts.Clock is overridden.
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}
	opts.Clock = clock.Now
	sb, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sb.Handler())
	sb.SetPublicURL(srv.URL)
	t.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, sb: sb, srv: srv, clock: clock, http: client}
}

// resp is a decoded answer.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with an optional bearer token and JSON body.
func (e *env) do(method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			data, err := json.Marshal(b)
			if err != nil {
				e.t.Fatalf("encode body: %v", err)
			}
			rd = bytes.NewReader(data)
		}
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.send(req)
}

// send performs a request and decodes a JSON object body when there is one.
func (e *env) send(req *http.Request) resp {
	e.t.Helper()
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return r
}

// form posts a form to the OAuth endpoints with Basic client authentication.
func (e *env) form(path, clientID, secret string, v url.Values) resp {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		req.SetBasicAuth(clientID, secret)
	}
	return e.send(req)
}

const testRedirect = "http://127.0.0.1:8080/auth/zoom/callback"

// pkce returns a verifier and its S256 challenge.
func pkce() (string, string) {
	v := "verifier-" + randomToken(32)
	sum := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorize runs /oauth/authorize with login_hint and returns the code.
func (e *env) authorize(email, challenge string) string {
	e.t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {DemoClientID}, "redirect_uri": {testRedirect},
		"state": {"st-1"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}, "login_hint": {email}}
	r := e.do("GET", "/oauth/authorize?"+q.Encode(), "", nil)
	if r.status != http.StatusFound {
		e.t.Fatalf("authorize %s: status %d: %s", email, r.status, r.raw)
	}
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		e.t.Fatalf("parse Location: %v", err)
	}
	if got := loc.Query().Get("state"); got != "st-1" {
		e.t.Fatalf("state = %q, want st-1", got)
	}
	return loc.Query().Get("code")
}

// signIn returns the token response for a user of the demo app.
func (e *env) signIn(email string) map[string]any {
	e.t.Helper()
	verifier, challenge := pkce()
	code := e.authorize(email, challenge)
	r := e.form("/oauth/token", DemoClientID, DemoClientSecret, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}})
	if r.status != 200 {
		e.t.Fatalf("token for %s: %d %s", email, r.status, r.raw)
	}
	return r.body
}

// token signs in and returns the access token.
func (e *env) token(email string) string {
	e.t.Helper()
	return e.signIn(email)["access_token"].(string)
}

// wantError asserts a Zoom error answer.
func wantError(t *testing.T, r resp, status, code int, msg string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (body %s)", r.status, status, r.raw)
	}
	if got, _ := r.body["code"].(float64); int(got) != code {
		t.Fatalf("code = %v, want %d (body %s)", r.body["code"], code, r.raw)
	}
	if msg != "" && r.body["message"] != msg {
		t.Fatalf("message = %q, want %q", r.body["message"], msg)
	}
}

// wantTypes asserts that fields exist with the given JSON types ("string", "number", "bool",
// "array", "object").
func wantTypes(t *testing.T, obj map[string]any, types map[string]string) {
	t.Helper()
	for k, want := range types {
		v, ok := obj[k]
		if !ok {
			t.Errorf("field %q missing in %v", k, obj)
			continue
		}
		got := "null"
		switch v.(type) {
		case string:
			got = "string"
		case float64:
			got = "number"
		case bool:
			got = "bool"
		case []any:
			got = "array"
		case map[string]any:
			got = "object"
		}
		if got != want {
			t.Errorf("field %q is %s (%v), want %s", k, got, v, want)
		}
	}
}

// userByEmail finds a seeded user.
func (e *env) user(email string) UserInfo {
	e.t.Helper()
	for _, u := range e.sb.Users() {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	e.t.Fatalf("no user %s", email)
	return UserInfo{}
}

// account finds the first account (in creation order) matching f and returns its id.
func (e *env) account(f func(st *state, a *account) bool) string {
	e.t.Helper()
	e.sb.mu.RLock()
	defer e.sb.mu.RUnlock()
	var best *account
	for _, a := range e.sb.st.Accounts {
		if f(e.sb.st, a) && (best == nil || a.Seq < best.Seq) {
			best = a
		}
	}
	if best == nil {
		e.t.Fatal("no account matches")
	}
	return best.ID
}

// accountNamed returns the id of the account with that name.
func (e *env) accountNamed(name string) string {
	e.t.Helper()
	return e.account(func(_ *state, a *account) bool { return a.Name == name })
}

// customerOf returns a customer of the named primary matching f.
func (e *env) customerOf(primary string, f func(a *account) bool) string {
	e.t.Helper()
	pid := e.accountNamed(primary)
	return e.account(func(_ *state, a *account) bool { return a.ParentID == pid && !a.Primary && f(a) })
}

// seededUser finds a user of an account matching f (in creation order).
func (e *env) seededUser(accountID string, f func(u *user) bool) *user {
	e.t.Helper()
	e.sb.mu.RLock()
	defer e.sb.mu.RUnlock()
	for _, u := range e.sb.st.usersOf(accountID) {
		if f(u) {
			c := *u
			return &c
		}
	}
	e.t.Fatalf("no matching user in %s", accountID)
	return nil
}

// decodeJSON decodes and closes a body.
func decodeJSON(r io.ReadCloser, v any) error {
	defer r.Close()
	return json.NewDecoder(r).Decode(v)
}
