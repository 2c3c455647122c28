package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// populate adds n sub accounts under the primary and m active users to the first of them.
func populate(sb *Sandbox, primaryID string, n, m int) (firstSub string) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	st := sb.st
	for i := range n {
		id, seq := st.newAccountID()
		a := &account{ID: id, Seq: seq, Name: "Bench Customer " + itoa(i), Number: numberFor(st.Seed, "account", seq, 9),
			ParentID: primaryID, CreatedAt: seedEpoch, Options: accountOptions{PayMode: "master"}}
		st.addAccount(a)
		uid, useq := st.newUserID()
		st.addUser(&user{ID: uid, Seq: useq, AccountID: id, Email: "owner" + itoa(i) + "@bench.example", FirstName: "O", LastName: "W",
			Type: 1, Role: roleOwner, Status: statusActive, CreatedAt: seedEpoch, Timezone: "UTC", Language: "en-US"})
		a.OwnerID = uid
		if i == 0 {
			firstSub = id
		}
	}
	for i := range m {
		uid, useq := st.newUserID()
		st.addUser(&user{ID: uid, Seq: useq, AccountID: firstSub, Email: "member" + itoa(i) + "@bench.example", FirstName: "M", LastName: itoa(i),
			DisplayName: "M " + itoa(i), Type: 1, Role: roleMember, Status: statusActive, CreatedAt: seedEpoch, Timezone: "UTC", Language: "en-US",
			PMI: numberFor(st.Seed, "pmi", useq, 10), HostKey: "123456"})
	}
	return firstSub
}

// BenchmarkSandbox measures the sandbox as an upstream over real HTTP: a single-account GET,
// a 300-item page of sub accounts and a 300-item page of users, with parallel clients.
func BenchmarkSandbox(b *testing.B) {
	sb, err := New(Options{Seed: SeedEmpty, LimitsMultiplier: 1e6})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	primary := sb.Users()[0].AccountID
	sub := populate(sb, primary, 350, 350)

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
	form := url.Values{"grant_type": {"account_credentials"}, "account_id": {primary}}
	req, _ := http.NewRequest("POST", srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("tierdesk-s2s-primary", "tierdesk-s2s-primary-secret")
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := decodeJSON(res.Body, &tok); err != nil || tok.AccessToken == "" {
		b.Fatalf("token: %v", err)
	}

	cases := []struct{ name, path string }{
		{"single-account-GET", "/v2/accounts/" + sub},
		{"accounts-page-300", "/v2/accounts?page_size=300"},
		{"users-page-300", "/v2/accounts/" + sub + "/users?page_size=300"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
					req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Errorf("%s: status %d", c.path, res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
