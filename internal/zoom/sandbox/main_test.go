package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMainServesUntilCancelled(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"--addr", "127.0.0.1:0", "--state", state, "--seed", "empty",
			"--s2s-app", "flag-s2s:flag-secret:owner@primary.example"}, func(string) string { return "" }, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	base := ""
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "Zoom sandbox listening on ") {
			base = strings.Fields(strings.TrimPrefix(line, "Zoom sandbox listening on "))[0]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if base == "" {
		t.Fatal("Main did not announce its address")
	}
	acct := ""
	res, err := http.Get(base + "/_sandbox/users")
	if err != nil {
		t.Fatal(err)
	}
	var users []UserInfo
	if err := decodeJSON(res.Body, &users); err != nil || len(users) == 0 {
		t.Fatalf("users: %d %v %v", res.StatusCode, users, err)
	}
	acct = users[0].AccountID
	form := url.Values{"grant_type": {"account_credentials"}, "account_id": {acct}}
	req, _ := http.NewRequest("POST", base+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("flag-s2s", "flag-secret")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	if err := decodeJSON(res.Body, &tok); err != nil || res.StatusCode != 200 || tok["api_url"] != base {
		t.Fatalf("token via flag app: %d %v %v", res.StatusCode, tok, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Main: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Main did not stop")
	}
	data, err := os.ReadFile(state)
	if err != nil || !json.Valid(data) || !strings.Contains(string(data), tok["access_token"].(string)) {
		t.Fatalf("state file after Main: %v", err)
	}
	if err := Main(context.Background(), []string{"--seed", "bogus", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("bad seed accepted")
	}
}

func TestConcurrentClients(t *testing.T) {
	e := newEnv(t, Options{LimitsMultiplier: 1000, StateFile: filepath.Join(t.TempDir(), "s.json")})
	tok := e.token("owner@northwind.example")
	cust := e.customerOf("Northwind Distribution", func(a *account) bool { return a.paid() })
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				email := fmt.Sprintf("w%d.u%d@concurrent.example", w, i)
				steps := []struct {
					method, path string
					body         any
					want         int
				}{
					{"POST", "/v2/accounts/" + cust + "/users", map[string]any{"action": "custCreate", "user_info": map[string]any{"email": email, "type": 1}}, 201},
					{"GET", "/v2/accounts/" + cust + "/users?page_size=50", nil, 200},
					{"PATCH", "/v2/accounts/" + cust + "/users/" + email, map[string]any{"dept": "D"}, 204},
					{"GET", "/v2/accounts?page_size=5", nil, 200},
					{"DELETE", "/v2/accounts/" + cust + "/users/" + email + "?action=delete", nil, 204},
				}
				for _, s := range steps {
					if r := e.do(s.method, s.path, tok, s.body); r.status != s.want {
						errs <- fmt.Sprintf("%s %s: %d %s", s.method, s.path, r.status, r.raw)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}
