package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuthorizePageListsUsersGroupedByAccount(t *testing.T) {
	e := newEnv(t, Options{})
	q := url.Values{"response_type": {"code"}, "client_id": {DemoClientID}, "redirect_uri": {testRedirect}, "state": {"x"}}
	r := e.do("GET", "/oauth/authorize?"+q.Encode(), "", nil)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	page := string(r.raw)
	for _, want := range []string{"Zoom sandbox", "data-testid=\"sandbox-banner\"", "Northwind Distribution", "Contoso Reseller",
		"Fabrikam Reseller", "owner@northwind.example", "viewer@contoso.example", "Customers of Northwind Distribution", `name="login_hint"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("page has JavaScript")
	}
	// Search narrows the list.
	q.Set("q", "fabrikam.example")
	r = e.do("GET", "/oauth/authorize?"+q.Encode(), "", nil)
	if !strings.Contains(string(r.raw), "owner@fabrikam.example") || strings.Contains(string(r.raw), "owner@northwind.example") {
		t.Error("search did not narrow to fabrikam users")
	}
	// Choosing a user posts the form.
	f := url.Values{"response_type": {"code"}, "client_id": {DemoClientID}, "redirect_uri": {testRedirect}, "state": {"x"}, "login_hint": {"admin@northwind.example"}}
	r = e.form("/oauth/authorize", "", "", f)
	if r.status != http.StatusFound || !strings.HasPrefix(r.header.Get("Location"), testRedirect+"?code=") {
		t.Fatalf("post sign-in: %d %s", r.status, r.header.Get("Location"))
	}
}

func TestAuthorizeErrors(t *testing.T) {
	e := newEnv(t, Options{})
	base := url.Values{"response_type": {"code"}, "client_id": {DemoClientID}, "redirect_uri": {testRedirect}}
	cases := []struct {
		name   string
		change func(url.Values)
		status int
		want   string
	}{
		{"unknown client", func(v url.Values) { v.Set("client_id", "nope") }, 400, "Invalid client_id"},
		{"non-loopback redirect", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }, 400, "Invalid redirect"},
		{"unknown login_hint", func(v url.Values) { v.Set("login_hint", "ghost@nowhere.example") }, 400, "No active sandbox user"},
		{"bad response_type", func(v url.Values) { v.Set("response_type", "token") }, 302, "error=unsupported_response_type"},
		{"localhost any port", func(v url.Values) {
			v.Set("redirect_uri", "http://localhost:5555/cb")
			v.Set("login_hint", "owner@northwind.example")
		}, 302, "http://localhost:5555/cb?code="},
		{"ipv6 loopback", func(v url.Values) {
			v.Set("redirect_uri", "http://[::1]:7000/x")
			v.Set("login_hint", "owner@northwind.example")
		}, 302, "http://[::1]:7000/x?code="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := url.Values{}
			for k, vs := range base {
				v[k] = append([]string(nil), vs...)
			}
			c.change(v)
			r := e.do("GET", "/oauth/authorize?"+v.Encode(), "", nil)
			if r.status != c.status {
				t.Fatalf("status %d, want %d", r.status, c.status)
			}
			got := string(r.raw) + r.header.Get("Location")
			if !strings.Contains(got, c.want) {
				t.Fatalf("answer lacks %q: %s", c.want, got)
			}
		})
	}
}

func TestTokenAuthorizationCodeAndPKCE(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.signIn("owner@northwind.example")
	wantTypes(t, tok, map[string]string{"access_token": "string", "token_type": "string", "refresh_token": "string",
		"expires_in": "number", "scope": "string", "api_url": "string"})
	if tok["token_type"] != "bearer" || tok["expires_in"].(float64) != 3600 || tok["api_url"] != e.srv.URL {
		t.Errorf("token response %v", tok)
	}
	if !strings.Contains(tok["scope"].(string), "account:master") {
		t.Errorf("owner scope %q lacks account:master", tok["scope"])
	}

	exchange := func(code, verifier, redirect string) resp {
		return e.form("/oauth/token", DemoClientID, DemoClientSecret, url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
	}
	wantTokenErr := func(r resp, kind string) {
		t.Helper()
		if r.status != 400 || r.body["error"] != kind || r.body["reason"] == nil {
			t.Fatalf("want 400 %s with reason, got %d %s", kind, r.status, r.raw)
		}
	}

	verifier, challenge := pkce()
	code := e.authorize("admin@northwind.example", challenge)
	wantTokenErr(exchange(code, "wrong-verifier", testRedirect), "invalid_grant")
	// A code is single-use even after a failed attempt.
	wantTokenErr(exchange(code, verifier, testRedirect), "invalid_grant")

	code = e.authorize("admin@northwind.example", challenge)
	wantTokenErr(exchange(code, verifier, "http://127.0.0.1:9/other"), "invalid_request")

	code = e.authorize("admin@northwind.example", challenge)
	if r := exchange(code, verifier, testRedirect); r.status != 200 {
		t.Fatalf("exchange: %d %s", r.status, r.raw)
	}
	if r := exchange(code, verifier, testRedirect); r.status != 400 || r.body["error"] != "invalid_grant" {
		t.Fatalf("reused code: %d %s", r.status, r.raw)
	}

	// Codes expire after 5 minutes.
	code = e.authorize("admin@northwind.example", challenge)
	e.clock.Add(5*time.Minute + time.Second)
	wantTokenErr(exchange(code, verifier, testRedirect), "invalid_grant")

	// plain PKCE.
	q := url.Values{"response_type": {"code"}, "client_id": {DemoClientID}, "redirect_uri": {testRedirect},
		"code_challenge": {"plain-challenge-value-123456789012345678901"}, "code_challenge_method": {"plain"}, "login_hint": {"owner@contoso.example"}}
	r := e.do("GET", "/oauth/authorize?"+q.Encode(), "", nil)
	loc, _ := url.Parse(r.header.Get("Location"))
	if r := exchange(loc.Query().Get("code"), "plain-challenge-value-123456789012345678901", testRedirect); r.status != 200 {
		t.Fatalf("plain PKCE exchange: %d %s", r.status, r.raw)
	}

	// Client authentication and grant types.
	wantTokenErr(e.form("/oauth/token", DemoClientID, "bad", url.Values{"grant_type": {"authorization_code"}}), "invalid_client")
	if r := e.form("/oauth/token", DemoClientID, "bad", url.Values{"grant_type": {"authorization_code"}}); r.body["reason"] != "Invalid client_id or client_secret" {
		t.Errorf("invalid_client reason %v", r.body["reason"])
	}
	r = e.form("/oauth/token", DemoClientID, DemoClientSecret, url.Values{"grant_type": {"password"}})
	wantTokenErr(r, "unsupported_grant_type")
	if r.body["reason"] != "unsupported grant type" {
		t.Errorf("reason %v", r.body["reason"])
	}
	// Parameters may come in the query string too.
	verifier, challenge = pkce()
	code = e.authorize("owner@northwind.example", challenge)
	qs := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}
	if r := e.form("/oauth/token?"+qs.Encode(), DemoClientID, DemoClientSecret, url.Values{}); r.status != 200 {
		t.Fatalf("query-string token request: %d %s", r.status, r.raw)
	}
}

func TestRefreshTokensRotate(t *testing.T) {
	e := newEnv(t, Options{})
	first := e.signIn("owner@northwind.example")
	refresh := func(tok string) resp {
		return e.form("/oauth/token", DemoClientID, DemoClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}})
	}
	r := refresh(first["refresh_token"].(string))
	if r.status != 200 || r.body["refresh_token"] == first["refresh_token"] || r.body["access_token"] == nil {
		t.Fatalf("refresh: %d %s", r.status, r.raw)
	}
	second := r.body
	// The used refresh token is dead.
	r = refresh(first["refresh_token"].(string))
	if r.status != 400 || r.body["reason"] != "Invalid Token!" || r.body["error"] != "invalid_grant" {
		t.Fatalf("old refresh token: %d %s", r.status, r.raw)
	}
	if r := refresh(second["refresh_token"].(string)); r.status != 200 {
		t.Fatalf("latest refresh token: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/users/me", second["access_token"].(string), nil); r.status != 200 {
		t.Fatalf("refreshed access token: %d", r.status)
	}
}

func TestServerToServerAndRevoke(t *testing.T) {
	e := newEnv(t, Options{})
	var s2s AppInfo
	for _, a := range e.sb.Apps() {
		if a.Type == "s2s" && a.AccountName == "Contoso Reseller" {
			s2s = a
		}
	}
	if s2s.ClientID == "" {
		t.Fatal("no seeded S2S app for Contoso")
	}
	r := e.form("/oauth/token", s2s.ClientID, s2s.ClientSecret, url.Values{"grant_type": {"account_credentials"}, "account_id": {s2s.AccountID}})
	if r.status != 200 || r.body["refresh_token"] != nil {
		t.Fatalf("s2s token: %d %s", r.status, r.raw)
	}
	me := e.do("GET", "/v2/users/me", r.body["access_token"].(string), nil)
	if me.body["email"] != "owner@contoso.example" || me.body["account_id"] != s2s.AccountID {
		t.Fatalf("S2S me is the owner: %s", me.raw)
	}
	if r := e.form("/oauth/token", s2s.ClientID, s2s.ClientSecret, url.Values{"grant_type": {"account_credentials"}, "account_id": {"someone-else"}}); r.status != 400 {
		t.Fatalf("wrong account: %d", r.status)
	}
	if r := e.form("/oauth/token", s2s.ClientID, s2s.ClientSecret, url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}); r.body["error"] != "unsupported_grant_type" {
		t.Fatalf("code grant on S2S app: %s", r.raw)
	}
	// An added S2S app works the same.
	added, err := e.sb.AddApp(AppInfo{Type: "s2s", AccountID: "owner@fabrikam.example"})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.form("/oauth/token", added.ClientID, added.ClientSecret, url.Values{"grant_type": {"account_credentials"}, "account_id": {added.AccountID}}); r.status != 200 {
		t.Fatalf("added S2S app: %d %s", r.status, r.raw)
	}

	tok := e.signIn("admin@contoso.example")
	r = e.form("/oauth/revoke?token="+url.QueryEscape(tok["access_token"].(string)), DemoClientID, DemoClientSecret, url.Values{})
	if r.status != 200 || r.body["status"] != "success" {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("GET", "/v2/users/me", tok["access_token"].(string), nil), 401, 124, "Invalid access token.")
	if r := e.form("/oauth/token", DemoClientID, DemoClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}); r.body["error"] != "invalid_grant" {
		t.Fatalf("refresh after revoke: %s", r.raw)
	}
}

func TestBearerAuthAndMe(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: 10 * time.Minute})
	wantError(t, e.do("GET", "/v2/users/me", "", nil), 401, 124, "Invalid access token.")
	wantError(t, e.do("GET", "/v2/users/me", "garbage", nil), 401, 124, "Invalid access token.")
	tok := e.signIn("owner@northwind.example")
	if tok["expires_in"].(float64) != 600 {
		t.Errorf("expires_in %v, want 600", tok["expires_in"])
	}
	access := tok["access_token"].(string)
	r := e.do("GET", "/v2/users/me", access, nil)
	if r.status != 200 {
		t.Fatalf("me: %d %s", r.status, r.raw)
	}
	wantTypes(t, r.body, map[string]string{"id": "string", "account_id": "string", "email": "string", "first_name": "string",
		"last_name": "string", "display_name": "string", "role_name": "string", "type": "number", "status": "string",
		"pmi": "number", "created_at": "string", "user_created_at": "string", "timezone": "string", "verified": "number",
		"account_number": "number", "role_id": "string", "group_ids": "array", "login_types": "array", "personal_meeting_url": "string"})
	if r.body["role_name"] != "Owner" || r.body["status"] != "active" || r.body["email"] != "owner@northwind.example" {
		t.Errorf("me = %s", r.raw)
	}
	if _, err := time.Parse(time.RFC3339, r.body["created_at"].(string)); err != nil || strings.Contains(r.body["created_at"].(string), ".") {
		t.Errorf("created_at %v not RFC 3339 without fractions", r.body["created_at"])
	}
	if len(r.body["id"].(string)) != 22 || len(r.body["account_id"].(string)) != 22 {
		t.Errorf("ids not Zoom-shaped: %v %v", r.body["id"], r.body["account_id"])
	}
	e.clock.Add(10 * time.Minute)
	wantError(t, e.do("GET", "/v2/users/me", access, nil), 401, 124, "Access token is expired.")
}

func TestMissingScope(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.signIn("support@northwind.example")
	if strings.Contains(tok["scope"].(string), ":admin") || strings.Contains(tok["scope"].(string), ":master") {
		t.Fatalf("member got admin scopes: %v", tok["scope"])
	}
	access := tok["access_token"].(string)
	if r := e.do("GET", "/v2/users/me", access, nil); r.status != 200 {
		t.Fatalf("member me: %d %s", r.status, r.raw)
	}
	owner := e.user("owner@northwind.example")
	wantError(t, e.do("GET", "/v2/users/"+owner.ID, access, nil), 400, 4711, "Invalid access token, does not contain scopes:[user:read:user:admin]")
}

func TestTrackingIDOnEveryResponse(t *testing.T) {
	e := newEnv(t, Options{})
	for _, p := range []string{"/", "/v2/users/me", "/v2/nothing/here", "/_sandbox/apps", "/oauth/authorize"} {
		r := e.do("GET", p, "", nil)
		if id := r.header.Get("x-zm-trackingid"); !strings.HasPrefix(id, "v=2.0;") {
			t.Errorf("%s: x-zm-trackingid %q", p, id)
		}
	}
	if r := e.do("GET", "/", "", nil); !strings.Contains(string(r.raw), "Zoom sandbox") || !strings.Contains(string(r.raw), DemoClientID) {
		t.Errorf("index page: %s", r.raw)
	}
	r := e.do("GET", "/v2/nothing/here", "", nil)
	if r.status != 404 || r.body["code"] == nil {
		t.Errorf("unknown path: %d %s", r.status, r.raw)
	}
}

// TestReauthorizingRevokesEarlierTokens checks ZOOM_API.md §4.2: authorizing the same user
// and app again invalidates the earlier access and refresh tokens; other users, other apps
// and Server-to-Server tokens keep working.
func TestReauthorizingRevokesEarlierTokens(t *testing.T) {
	e := newEnv(t, Options{})
	first := e.signIn("admin@contoso.example")
	colleague := e.signIn("owner@contoso.example")
	other, err := e.sb.AddApp(AppInfo{Type: "oauth", LoopbackRedirects: true})
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {other.ClientID}, "redirect_uri": {testRedirect}, "login_hint": {"admin@contoso.example"}}
	loc, _ := url.Parse(e.do("GET", "/oauth/authorize?"+q.Encode(), "", nil).header.Get("Location"))
	otherApp := e.form("/oauth/token", other.ClientID, other.ClientSecret, url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {testRedirect}})
	if otherApp.status != 200 {
		t.Fatalf("other app sign-in: %d %s", otherApp.status, otherApp.raw)
	}
	var s2s AppInfo
	for _, a := range e.sb.Apps() {
		if a.Type == "s2s" && a.AccountName == "Contoso Reseller" {
			s2s = a
		}
	}
	server := e.form("/oauth/token", s2s.ClientID, s2s.ClientSecret, url.Values{"grant_type": {"account_credentials"}, "account_id": {s2s.AccountID}})
	if server.status != 200 {
		t.Fatalf("s2s token: %d %s", server.status, server.raw)
	}

	second := e.signIn("admin@contoso.example")
	wantError(t, e.do("GET", "/v2/users/me", first["access_token"].(string), nil), 401, 124, "Invalid access token.")
	r := e.form("/oauth/token", DemoClientID, DemoClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}})
	if r.status != 400 || r.body["error"] != "invalid_grant" || r.body["reason"] != "Invalid Token!" {
		t.Fatalf("earlier refresh token after re-authorization: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/v2/users/me", second["access_token"].(string), nil); r.status != 200 || r.body["email"] != "admin@contoso.example" {
		t.Fatalf("newest access token: %d %s", r.status, r.raw)
	}
	if r := e.form("/oauth/token", DemoClientID, DemoClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second["refresh_token"].(string)}}); r.status != 200 {
		t.Fatalf("newest refresh token: %d %s", r.status, r.raw)
	}
	for name, tok := range map[string]string{"another user": colleague["access_token"].(string),
		"another app": otherApp.body["access_token"].(string), "Server-to-Server": server.body["access_token"].(string)} {
		if r := e.do("GET", "/v2/users/me", tok, nil); r.status != 200 {
			t.Errorf("%s's token stopped working: %d %s", name, r.status, r.raw)
		}
	}
}
