package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// heldPatches is how many PATCHes of a customer's settings are at Zoom now, not answered yet.
func (z *outsideZoom) heldPatches() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	n := 0
	for k, v := range z.inFlight {
		if strings.HasPrefix(k, "PATCH /v2/accounts/") && strings.HasSuffix(k, "/settings") {
			n += v
		}
	}
	return n
}

// TestFleetChangeOf200CustomersSurvivesAKill changes a setting of 200 customers as one job,
// kills the portal process (SIGKILL) with changes at Zoom and no answer recorded, and starts
// a new one on the same database: every customer's change reaches Zoom exactly once (the ones
// in flight at the kill are read back, not sent again), within the rate budget (never more in
// any second than Zoom's limit, no 429), each audited once, and the results file says what
// Zoom holds.
func TestFleetChangeOf200CustomersSurvivesAKill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	z, env, db := withOutsideSandbox(t)
	const customers = 200
	if err := z.AddLoad("owner@contoso.example", customers, 1); err != nil {
		t.Fatal(err)
	}

	first := startChild(t, env)
	w := newWebClient(t)
	signUpPartner(t, w, first.URL, db, "owner@contoso.example", "Contoso Reseller", "tierdesk-s2s-contoso")
	var primary string
	if err := db.QueryRow(ctx, "SELECT zoom_account_id FROM partners WHERE name = 'Contoso Reseller'").Scan(&primary); err != nil {
		t.Fatal(err)
	}
	// The load customers' chat, as Zoom has it now: the change turns it the other way.
	zsvc, err := zoom.NewService(zoom.Config{APIURL: env["ZOOM_API_URL"], App: zoom.App{OAuthURL: env["ZOOM_OAUTH_URL"]}})
	if err != nil {
		t.Fatal(err)
	}
	outside, err := zsvc.S2SClient(zoom.S2SCredentials{AccountID: primary, ClientID: "tierdesk-s2s-contoso", ClientSecret: "tierdesk-s2s-contoso-secret"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := db.Query(ctx, `SELECT c.zoom_account_id FROM customers c JOIN partners p ON p.id = c.partner_id
		WHERE p.name = 'Contoso Reseller' AND c.account_name LIKE 'Load Customer %' ORDER BY 1`)
	accounts, err := pgx.CollectRows(r, pgx.RowTo[string])
	if err != nil || len(accounts) != customers {
		t.Fatalf("load customers synced: %d %v", len(accounts), err)
	}
	before, _, err := outside.GetAccountSettings(ctx, accounts[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	chat, _ := before.Bool("in_meeting", "chat")
	want := !chat
	word := map[bool]string{true: "on", false: "off"}[want]

	resp, _ := w.post(first.URL+"/groups", url.Values{"name": {"Load"}, "kind": {"filter"}, "q": {"Load Customer"}})
	if !strings.HasPrefix(resp.Request.URL.Path, "/groups/") {
		t.Fatalf("group saved at %s", resp.Request.URL)
	}
	groupID := strings.TrimPrefix(resp.Request.URL.Path, "/groups/")
	resp, body := w.post(first.URL+"/fleet", url.Values{"group": {groupID}, "kind": {"settings"}, "settings": {"in_meeting.chat = " + word}})
	if !strings.HasPrefix(resp.Request.URL.Path, "/imports/") || !strings.Contains(body, `data-testid="fleet-calls">200<`) {
		t.Fatalf("preview at %s: %.600s", resp.Request.URL, body)
	}
	// Zoom answers the first changes slowly (several in flight at once), then holds each until
	// its caller goes away (and then makes it, as Zoom does with a request whose answer is
	// lost): the process dies with changes at Zoom and no answer recorded.
	const answered = 60
	z.AddFault(sandbox.Fault{Method: "PATCH", Path: "/v2/accounts/*/settings", Latency: 100 * time.Millisecond, Count: answered})
	z.AddFault(sandbox.Fault{Method: "PATCH", Path: "/v2/accounts/*/settings", Latency: time.Hour})
	resp, _ = w.post(first.URL+resp.Request.URL.Path+"/start", nil)
	jobPath := resp.Request.URL.Path
	jobID := strings.TrimPrefix(jobPath, "/jobs/")
	if !strings.HasPrefix(jobPath, "/jobs/") {
		t.Fatalf("start went to %s", jobPath)
	}
	count := func(state string) int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM user_import_rows r JOIN user_imports i ON i.id = r.import_id
			WHERE i.job_id::text = $1 AND r.state = $2`, jobID, state).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, 3*time.Minute, "a change held at Zoom", func() bool { return z.heldPatches() > 0 && count("succeeded") >= answered/2 })
	first.kill(t)
	doneAtKill, sending := count("succeeded"), count("sending")
	t.Logf("killed with %d customers done and %d sent without a recorded answer", doneAtKill, sending)
	if doneAtKill >= customers || sending == 0 {
		t.Fatalf("the kill did not land mid-job: %d done, %d in flight", doneAtKill, sending)
	}
	z.ClearFaults()

	z.nextProcess(t)
	second := startChild(t, env)
	w.moveCookies(first.URL, second.URL)
	var status string
	waitFor(t, 5*time.Minute, "the job to finish in the new process", func() bool {
		return db.QueryRow(ctx, "SELECT status FROM jobs WHERE id::text = $1", jobID).Scan(&status) == nil && (status == "succeeded" || status == "failed")
	})
	if status != "succeeded" || count("succeeded") != customers || count("sending")+count("ready")+count("failed") != 0 {
		t.Fatalf("job %s: %d succeeded, %d failed, %d left", status, count("succeeded"), count("failed"), count("sending")+count("ready"))
	}

	// Zoom's log: each customer's change reached Zoom exactly once (none twice, none lost), and
	// no second held more of the partner's Medium calls than Zoom allows, nor any 429.
	patches := map[string]int{}
	var medium []time.Time
	for _, rq := range z.Requests() {
		if rq.AccountID == primary && rq.Status == http.StatusTooManyRequests {
			t.Errorf("Zoom refused a call for its rate: %s %s", rq.Method, rq.Path)
		}
		if rq.Method == "PATCH" && strings.HasSuffix(rq.Path, "/settings") {
			patches[strings.TrimSuffix(strings.TrimPrefix(rq.Path, "/v2/accounts/"), "/settings")]++
		}
		if rq.AccountID == primary && (strings.HasSuffix(rq.Path, "/settings") || strings.HasSuffix(rq.Path, "/lock_settings")) {
			medium = append(medium, rq.Time)
		}
	}
	for _, a := range accounts {
		if patches[a] != 1 {
			t.Errorf("customer %s: %d changes reached Zoom, want 1", a, patches[a])
		}
	}
	limit := zoom.LimitsBusinessPlus[zoom.Medium].Count
	for i := range medium {
		n := 0
		for j := i; j < len(medium) && medium[j].Sub(medium[i]) < time.Second; j++ {
			n++
		}
		if n > limit {
			t.Fatalf("%d Medium calls within a second from %s, above Zoom's limit of %d", n, medium[i].Format(time.RFC3339Nano), limit)
		}
	}
	// One audit event per customer's change, every one succeeded.
	var events, succeeded int
	if err := db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE outcome = 'succeeded') FROM audit_events
		WHERE job_id = $1 AND action = 'customer.settings'`, jobID).Scan(&events, &succeeded); err != nil {
		t.Fatal(err)
	}
	if events != customers || succeeded != customers {
		t.Errorf("%d audit events of the job's changes (%d succeeded), want %d", events, succeeded, customers)
	}
	// The results file, from the new process, matches Zoom's state, read back customer by
	// customer.
	resp, body = w.get(second.URL + jobPath + "/results.csv")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("results: %d", resp.StatusCode)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) != customers+1 {
		t.Fatalf("results: %d records, %v", len(recs), err)
	}
	for _, rec := range recs[1:] {
		// A value a spreadsheet would read as a formula starts with a quote (csvSafe).
		account, result, wanted := rec[1], rec[3], rec[5]
		if rest, ok := strings.CutPrefix(account, "'"); ok && rest != "" && strings.ContainsRune("=+-@", rune(rest[0])) {
			account = rest
		}
		var after map[string]any
		if err := json.Unmarshal([]byte(wanted), &after); err != nil || after["in_meeting.chat"] != want || result != "succeeded" {
			t.Errorf("result of %s: %q, wanted %q", account, result, wanted)
			continue
		}
		now, _, err := outside.GetAccountSettings(ctx, account, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := now.Bool("in_meeting", "chat"); got != want {
			t.Errorf("%s: chat %v in Zoom, but the results say %s", account, got, result)
		}
	}
}
