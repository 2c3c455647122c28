package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// These benchmarks run the real `portal serve` binary (production wiring: the PostgreSQL
// rate limiter, sessions, River) as a child process against the sandbox served by the test,
// and report the figures `make bench` puts in its dashboard (internal/benchtable).

// s2sToken is an access token of a Server-to-Server app, asked of Zoom directly.
func s2sToken(b testing.TB, oauthURL, accountID, clientID string) string {
	b.Helper()
	req, _ := http.NewRequest(http.MethodPost, oauthURL+"/oauth/token?grant_type=account_credentials&account_id="+url.QueryEscape(accountID), nil)
	req.SetBasicAuth(clientID, clientID+"-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		b.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// quantile is the q-quantile of durations (sorted in place).
func quantile(d []time.Duration, q float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*q))]
}

// BenchmarkServePageOverhead: the page of a pending user reads exactly one Zoom call (get the
// user). With 50 ms at Zoom, each round times the page through the portal and the same call
// made directly, interleaved; it reports the ratios of their p50 and p99.
func BenchmarkServePageOverhead(b *testing.B) {
	zoom, env, db := withOutsideSandbox(b)
	portal := startChild(b, env)
	w := newWebClient(b)
	customer := signUpPartner(b, w, portal.URL, db, "owner@contoso.example", "Contoso Reseller", "tierdesk-s2s-contoso")
	var pending, primary string
	for _, u := range zoom.Users() {
		if u.AccountID == customer && u.Status == "pending" && pending == "" {
			pending = u.Email
		}
		if u.Email == "owner@contoso.example" {
			primary = u.AccountID
		}
	}
	if pending == "" {
		b.Skip("the customer has no pending user")
	}
	oauth := strings.TrimSuffix(env["ZOOM_API_URL"], "/v2")
	token := s2sToken(b, oauth, primary, "tierdesk-s2s-contoso")
	direct := env["ZOOM_API_URL"] + "/accounts/" + customer + "/users/" + url.PathEscape(pending)
	page := portal.URL + "/customers/" + customer + "/users/" + url.PathEscape(pending)
	zoom.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts/*/users/*", Latency: 50 * time.Millisecond})
	keep := &http.Client{Timeout: time.Minute} // keep-alive, as the portal's own client
	call := func(u, bearer string) time.Duration {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		t0 := time.Now()
		resp, err := keep.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		d := time.Since(t0)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
		return d
	}
	// The page's cookies, on the keep-alive client.
	keep.Jar = w.c.Jar
	for range 5 { // warm: tokens, connections, caches
		call(direct, token)
		call(page, "")
	}
	const rounds = 200
	var viaPage, viaZoom []time.Duration
	b.ResetTimer()
	for range b.N {
		for i := range rounds {
			if i%2 == 0 {
				viaZoom = append(viaZoom, call(direct, token))
				viaPage = append(viaPage, call(page, ""))
			} else {
				viaPage = append(viaPage, call(page, ""))
				viaZoom = append(viaZoom, call(direct, token))
			}
		}
	}
	b.StopTimer()
	p50, p99 := quantile(viaPage, 0.5), quantile(viaPage, 0.99)
	z50, z99 := quantile(viaZoom, 0.5), quantile(viaZoom, 0.99)
	b.ReportMetric(float64(p50)/float64(z50), "ratio-p50")
	b.ReportMetric(float64(p99)/float64(z99), "ratio-p99")
	b.ReportMetric(float64(p50.Microseconds())/1000, "page-p50-ms")
	b.ReportMetric(float64(z50.Microseconds())/1000, "zoom-p50-ms")
}

// BenchmarkServeIdleRSS: the resident memory of `portal serve` after a partner signed in, its
// first sync ran and the process went quiet.
func BenchmarkServeIdleRSS(b *testing.B) {
	_, env, db := withOutsideSandbox(b)
	portal := startChild(b, env)
	w := newWebClient(b)
	signUpPartner(b, w, portal.URL, db, "owner@contoso.example", "Contoso Reseller", "tierdesk-s2s-contoso")
	waitFor(b, 2*time.Minute, "the jobs to finish", func() bool {
		var running int
		return db.QueryRow(context.Background(), "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')").Scan(&running) == nil && running == 0
	})
	var kb int64
	for range b.N {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", portal.cmd.Process.Pid))
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				kb, _ = strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			}
		}
	}
	if kb == 0 {
		b.Fatal("no VmRSS")
	}
	b.ReportMetric(float64(kb)/1024, "rss-MB")
}

// BenchmarkServeListDuringImport: one partner's customer list, p99 while the portal is idle,
// then while another partner imports users (the same process runs the import), interleaved
// by phase; it reports the ratio of the two p99s.
func BenchmarkServeListDuringImport(b *testing.B) {
	_, env, db := withOutsideSandbox(b)
	portal := startChild(b, env)
	importer, viewer := newWebClient(b), newWebClient(b)
	customer := signUpPartner(b, importer, portal.URL, db, "owner@contoso.example", "Contoso Reseller", "tierdesk-s2s-contoso")
	signUpPartner(b, viewer, portal.URL, db, "owner@northwind.example", "Northwind Distribution", "tierdesk-s2s-northwind")
	list := func() time.Duration {
		t0 := time.Now()
		resp, _ := viewer.get(portal.URL + "/customers")
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("list: %d", resp.StatusCode)
		}
		return time.Since(t0)
	}
	waitFor(b, 2*time.Minute, "the first syncs to finish", func() bool {
		var running int
		return db.QueryRow(context.Background(), "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')").Scan(&running) == nil && running == 0
	})
	for range 5 {
		list()
	}
	var idle, busy []time.Duration
	for run := range b.N {
		for range 100 {
			idle = append(idle, list())
		}
		var file strings.Builder
		file.WriteString("email,first_name,last_name,type,action\n")
		const rows = 1000
		for i := range rows {
			fmt.Fprintf(&file, "bench%d-%04d@new.example,B,%d,1,create\n", run, i, i)
		}
		resp, _ := importer.upload(portal.URL+"/imports", map[string]string{"kind": "create", "customer": customer}, "bench.csv", file.String())
		if !strings.HasPrefix(resp.Request.URL.Path, "/imports/") {
			b.Fatalf("upload ended at %s", resp.Request.URL)
		}
		resp, _ = importer.post(portal.URL+resp.Request.URL.Path+"/start", nil)
		jobID := strings.TrimPrefix(resp.Request.URL.Path, "/jobs/")
		finished := func() bool {
			var status string
			return db.QueryRow(context.Background(), "SELECT status FROM jobs WHERE id::text = $1", jobID).Scan(&status) == nil &&
				(status == "succeeded" || status == "failed")
		}
		for n := 0; n < 100 || !finished(); n++ {
			busy = append(busy, list())
			if n > 20000 {
				b.Fatal("the import did not finish")
			}
		}
	}
	b.ReportMetric(float64(quantile(busy, 0.99))/float64(quantile(idle, 0.99)), "ratio-p99")
	b.ReportMetric(float64(quantile(idle, 0.99).Microseconds())/1000, "idle-p99-ms")
	b.ReportMetric(float64(quantile(busy, 0.99).Microseconds())/1000, "busy-p99-ms")
}
