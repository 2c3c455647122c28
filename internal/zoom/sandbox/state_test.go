package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestDemoSeedIsDeterministicAndShaped(t *testing.T) {
	a, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := New(Options{Seed: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !reflect.DeepEqual(a.Users(), b.Users()) {
		t.Fatal("same seed gave different users")
	}
	for _, u := range a.Users() {
		if u.Email == "owner@contoso.example" && u.ParentAccountID == "" {
			t.Error("Contoso's users lack the parent account id")
		}
	}
	st := a.st
	byName := map[string]*account{}
	for _, acct := range st.Accounts {
		byName[acct.Name] = acct
	}
	nw, contoso, fabrikam := byName["Northwind Distribution"], byName["Contoso Reseller"], byName["Fabrikam Reseller"]
	if nw == nil || contoso == nil || fabrikam == nil {
		t.Fatal("missing primaries")
	}
	if !nw.Primary || nw.ParentID != "" || nw.tier() != "business" {
		t.Errorf("Northwind: primary=%v parent=%q tier=%s", nw.Primary, nw.ParentID, nw.tier())
	}
	for _, r := range []*account{contoso, fabrikam} {
		if !r.Primary || r.ParentID != nw.ID {
			t.Errorf("%s not a second-level primary under Northwind", r.Name)
		}
		if n := len(st.subsOf(r.ID)); n < 30 || n > 60 {
			t.Errorf("%s has %d customers, want 30-60", r.Name, n)
		}
	}
	direct := 0
	for _, s := range st.subsOf(nw.ID) {
		if !s.Primary {
			direct++
		}
	}
	if direct != 10 {
		t.Errorf("Northwind has %d direct customers, want 10", direct)
	}
	for _, domain := range []string{"northwind.example", "contoso.example", "fabrikam.example"} {
		want := map[string]string{"owner@": roleOwner, "admin@": roleAdmin, "support@": roleMember, "viewer@": roleMember}
		for local, role := range want {
			u := st.userByEmail(local + domain)
			if u == nil || u.Role != role || u.Status != statusActive {
				t.Errorf("%s%s: %+v", local, domain, u)
			}
		}
	}
	var pending, inactive, paid, free, self, master int
	for _, acct := range st.Accounts {
		if acct.Primary {
			continue
		}
		users := st.usersOf(acct.ID)
		if len(users) < 3 || len(users) > 200 {
			t.Errorf("%s has %d users", acct.Name, len(users))
		}
		owner := st.owner(acct)
		if owner == nil || owner.Role != roleOwner || filepath.Ext(owner.Email) == "" || owner.Email[len(owner.Email)-len(acct.ManagedDomains[0].Domain):] != acct.ManagedDomains[0].Domain {
			t.Errorf("%s owner %+v not on the customer's domain", acct.Name, owner)
		}
		for _, u := range users {
			switch u.Status {
			case statusPending:
				pending++
			case statusInactive:
				inactive++
			}
		}
		if acct.paid() {
			paid++
		} else {
			free++
		}
		if acct.Options.PayMode == "sub" {
			self++
		} else {
			master++
		}
	}
	if pending == 0 || inactive == 0 || paid == 0 || free == 0 || self == 0 || master == 0 {
		t.Errorf("seed lacks variety: pending=%d inactive=%d paid=%d free=%d self=%d master=%d", pending, inactive, paid, free, self, master)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	e := newEnv(t, Options{StateFile: path})
	tok := e.token("owner@northwind.example")
	added, err := e.sb.AddApp(AppInfo{Type: "oauth", RedirectURIs: []string{"https://portal.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sb.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatal("state file is not valid JSON")
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".sandbox.json.tmp-*"))
	if len(matches) != 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}

	e2 := newEnv(t, Options{StateFile: path, Seed: "empty"})
	if r := e2.do("GET", "/v2/users/me", tok, nil); r.status != 200 || r.body["email"] != "owner@northwind.example" {
		t.Fatalf("token after restart: %d %s", r.status, r.raw)
	}
	found := false
	for _, a := range e2.sb.Apps() {
		found = found || a.ClientID == added.ClientID
	}
	if !found {
		t.Error("added app lost across restart")
	}
	// Reset goes back to the seed: tokens are gone.
	if err := e2.sb.Reset(); err != nil {
		t.Fatal(err)
	}
	wantError(t, e2.do("GET", "/v2/users/me", tok, nil), 401, 124, "Invalid access token.")
}

func TestNewRejectsBadInput(t *testing.T) {
	if _, err := New(Options{Seed: "nonsense"}); err == nil {
		t.Error("unknown seed accepted")
	}
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StateFile: path}); err == nil {
		t.Error("corrupt state file accepted")
	}
}

func TestSandboxIntrospectionOverHTTP(t *testing.T) {
	e := newEnv(t, Options{Seed: "empty"})
	var users []UserInfo
	r := e.do("GET", "/_sandbox/users?primary=true", "", nil)
	if err := json.Unmarshal(r.raw, &users); err != nil || len(users) == 0 {
		t.Fatalf("users: %v %s", err, r.raw)
	}
	if users[0].Email != "owner@primary.example" || users[0].Role != "Owner" || !users[0].Primary || users[0].AccountName != "Sandbox Primary" || users[0].ParentAccountID != "" {
		t.Errorf("first user %+v", users[0])
	}
	var apps []AppInfo
	r = e.do("GET", "/_sandbox/apps", "", nil)
	if err := json.Unmarshal(r.raw, &apps); err != nil {
		t.Fatal(err)
	}
	var demo *AppInfo
	for i := range apps {
		if apps[i].ClientID == DemoClientID {
			demo = &apps[i]
		}
	}
	if demo == nil || demo.ClientSecret != DemoClientSecret || !demo.LoopbackRedirects || demo.Type != "oauth" {
		t.Fatalf("demo app %+v", demo)
	}
	r = e.do("POST", "/_sandbox/apps", "", map[string]any{"type": "s2s", "account_id": users[0].AccountID, "client_id": "my-s2s", "client_secret": "shh"})
	if r.status != 201 || r.body["client_id"] != "my-s2s" || r.body["account_name"] != "Sandbox Primary" {
		t.Fatalf("add app: %d %s", r.status, r.raw)
	}
	if r := e.do("POST", "/_sandbox/apps", "", map[string]any{"type": "s2s", "account_id": "nope"}); r.status != 400 {
		t.Fatalf("bad app: %d", r.status)
	}
}

// TestStateSavedWhileRunning checks that a change reaches the state file without Close (the
// saver writes after every change, atomically), so a crash keeps it.
func TestStateSavedWhileRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	e := newEnv(t, Options{StateFile: path})
	if _, err := loadState(path); err != nil {
		t.Fatalf("a fresh seed is saved at New: %v", err)
	}
	tok := e.token("owner@northwind.example")
	r := e.do("POST", "/v2/users", tok, map[string]any{"action": "autoCreate",
		"user_info": map[string]any{"email": "saved.live@mail.example", "type": 1, "first_name": "Saved", "last_name": "Live", "password": "SavedLive2025x"}})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	var saved *state
	deadline := time.Now().Add(time.Minute) // only keeps a broken test from hanging
	for time.Now().Before(deadline) {
		st, err := loadState(path) // never half-written: every read must decode
		if err != nil {
			t.Fatalf("state file unreadable while running: %v", err)
		}
		if st.userByEmail("saved.live@mail.example") != nil {
			saved = st
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if saved == nil {
		t.Fatal("the new user never reached the state file while the sandbox ran")
	}
	if u := saved.userByEmail("saved.live@mail.example"); u.ID != r.body["id"] || u.Status != statusActive {
		t.Errorf("saved user %+v", u)
	}
	// A sandbox started from the file (as after a crash) knows the user and the token.
	sb2, err := New(Options{StateFile: path, Clock: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer sb2.Close()
	found := false
	for _, u := range sb2.Users() {
		found = found || u.Email == "saved.live@mail.example"
	}
	if !found {
		t.Error("a restart from the file lost the user")
	}
	sb2.mu.RLock()
	_, ok := sb2.st.Access[tok]
	sb2.mu.RUnlock()
	if !ok {
		t.Error("a restart from the file lost the access token")
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".sandbox.json.tmp-*"))
	if len(matches) != 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}
