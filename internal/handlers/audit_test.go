package handlers_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
)

// registerNorthwind signs the distributor's owner in (registering the partner) and returns
// the browser and the partner.
func registerNorthwind(t testing.TB, e *env) (*browser, store.Partner) {
	t.Helper()
	b := e.browser()
	b.signIn(e, distOwner)
	syncAndWait(t, e, b) // the first sync starts at registration: let it finish
	p := e.partnerOf(distOwner)
	return b, p
}

func auditRows(p *page) []string {
	var out []string
	p.Doc().Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return out
}

// actionFilter returns the audit log's action filter: each option as value=text, and the value
// selected.
func actionFilter(p *page) (options []string, selected string) {
	p.Doc().Find(`#f-action option`).Each(func(_ int, s *goquery.Selection) {
		options = append(options, s.AttrOr("value", "")+"="+s.Text())
		if _, ok := s.Attr("selected"); ok {
			selected = s.AttrOr("value", "")
		}
	})
	return options, selected
}

// withoutJobs drops the rows of background jobs (the first sync) from audit rows.
func withoutJobs(rows []string) []string {
	var out []string
	for _, r := range rows {
		if !strings.Contains(r, "job.start") && !strings.Contains(r, "job.finish") {
			out = append(out, r)
		}
	}
	return out
}

func TestAuditRecordsSignInsAndShowsThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	// A member who is not staff is refused: a denied event in Northwind's log.
	stranger := e.browser()
	stranger.get(stranger.startSignIn(e, distSupport))
	b.post(e.URL+"/signout", nil)
	b.signIn(e, distOwner)

	e.awaitSealed(p.ID)
	page := b.get(e.URL + "/audit")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("/audit: %d", page.StatusCode)
	}
	rows := withoutJobs(auditRows(page))
	want := []string{"session.sign_in", "session.sign_out", "session.sign_in", "partner.register"}
	if len(rows) != len(want) {
		t.Fatalf("audit rows:\n%s", strings.Join(rows, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(rows[i], w) {
			t.Errorf("row %d = %q, want %s", i, rows[i], w)
		}
	}
	if !strings.Contains(rows[2], "denied") || !strings.Contains(rows[2], distSupport) {
		t.Errorf("refused sign-in row = %q, want denied for %s", rows[2], distSupport)
	}
	head, err := e.Store.AuditChainHead(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := page.TestID("chain-head"); !strings.Contains(got, "event "+strconv.FormatInt(head.Seq, 10)) {
		t.Errorf("chain head shown %q, want event %d", got, head.Seq)
	}
	// Filters: by outcome, by free text, by action.
	if rows := auditRows(b.get(e.URL + "/audit?outcome=denied")); len(rows) != 1 || !strings.Contains(rows[0], distSupport) {
		t.Errorf("outcome=denied: %q", rows)
	}
	if rows := auditRows(b.get(e.URL + "/audit?q=" + url.QueryEscape("support@north"))); len(rows) != 1 {
		t.Errorf("q=support@north: %q", rows)
	}
	if rows := auditRows(b.get(e.URL + "/audit?action=partner.register")); len(rows) != 1 {
		t.Errorf("action=partner.register: %q", rows)
	}
	if got := b.get(e.URL + "/audit?q=nothing-like-this"); got.TestID("audit-empty") == "" {
		t.Error("no empty state for a search without results")
	}
	// The registration's detail shows what was created.
	detail := b.get(e.URL + "/audit/1")
	if detail.StatusCode != http.StatusOK || !strings.Contains(detail.Doc().Find(`[data-testid="diff"]`).Text(), distOwner) {
		t.Fatalf("event 1 detail: %d\n%.2000s", detail.StatusCode, detail.Body)
	}
	if got := b.get(e.URL + "/audit/999"); got.StatusCode != http.StatusNotFound {
		t.Errorf("unknown event: %d", got.StatusCode)
	}
	if got := b.get(e.URL + "/audit/abc"); got.StatusCode != http.StatusNotFound {
		t.Errorf("bad event number: %d", got.StatusCode)
	}

	// The action filter lists every action in words, grouped by area (each area first as a
	// whole, by its prefix), the refusals by role apart, then an action of the log that is none
	// of them (an older version's) spelled out, and keeps a prefix it does not list.
	if _, err := e.Store.Audit(context.Background(), store.AuditEvent{PartnerID: p.ID, Action: "legacy.thing",
		Outcome: store.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	opts, selected := actionFilter(b.get(e.URL + "/audit?action=partner.register"))
	values := map[string]string{}
	for _, o := range opts {
		v, label, _ := strings.Cut(o, "=")
		values[v] = label
		if label == "" || (v != "" && strings.Contains(label, v)) {
			t.Errorf("action option %q is not in words", o)
		}
	}
	for _, a := range audit.All() {
		if _, ok := values[string(a)]; !ok {
			t.Errorf("action filter lacks %s", a)
		}
	}
	if values["legacy.thing"] != "Legacy thing" || values["customer."] != "Any customer action" ||
		values["customer.view"] != "Refused: open a customer" || values["partner.register"] != "Registered the partner" || selected != "partner.register" {
		t.Errorf("action filter (selected %q):\n%s", selected, strings.Join(opts, "\n"))
	}
	prefix := b.get(e.URL + "/audit?action=session.")
	if _, selected = actionFilter(prefix); selected != "session." {
		t.Errorf("prefix filter: selected %q", selected)
	}
	if _, selected = actionFilter(b.get(e.URL + "/audit?action=legacy.")); selected != "legacy." {
		t.Errorf("unlisted prefix filter: selected %q", selected)
	}
	if rows := auditRows(prefix); len(rows) != 3 {
		t.Errorf("action=session.: %q, want the three sign-ins and sign-outs", rows)
	}
}

func TestAuditIsPagedByKeyset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	for i := 0; i < 120; i++ {
		if _, err := e.Store.Audit(ctx, store.AuditEvent{PartnerID: p.ID, Action: "customer.update", Outcome: store.OutcomeSucceeded,
			TargetType: "customer", TargetID: fmt.Sprintf("acct-%03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	next := e.URL + "/audit?action=customer.update"
	pages := 0
	for next != "" {
		pg := b.get(next)
		pages++
		for _, r := range auditRows(pg) {
			if seen[r] {
				t.Fatalf("row on two pages: %s", r)
			}
			seen[r] = true
		}
		next = ""
		if href, ok := pg.Doc().Find(`[data-testid="older"]`).Attr("href"); ok {
			next = e.URL + href
		}
		if pages > 5 {
			t.Fatal("pager does not end")
		}
	}
	if len(seen) != 120 || pages != 3 {
		t.Fatalf("%d rows over %d pages, want 120 over 3", len(seen), pages)
	}
}

func TestAuditExportsCSVAndNDJSONWithChainHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	b.post(e.URL+"/signout", nil)
	b.signIn(e, distOwner)
	// River's start-up sync (queued once this process leads) records events too: the head is
	// read after it, so that the export ends on it.
	e.waitJobsIdle()
	e.awaitSealed(p.ID)
	head, err := e.Store.AuditChainHead(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}

	csvPage := b.get(e.URL + "/audit.csv?action=session.sign_in")
	if csvPage.StatusCode != 200 || !strings.HasPrefix(csvPage.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csvPage.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", csvPage.StatusCode, csvPage.Header)
	}
	records, err := csv.NewReader(strings.NewReader(csvPage.Body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, csvPage.Body)
	}
	// header, the sign-in after re-registration (the first sign-in was the registration), trailer
	if len(records) != 3 || records[0][0] != "seq" || records[1][6] != "session.sign_in" {
		t.Fatalf("csv records: %q", records)
	}
	last := records[len(records)-1]
	if last[0] != "chain_head" || last[1] != strconv.FormatInt(head.Seq, 10) || last[len(last)-1] != hex.EncodeToString(head.Hash) {
		t.Fatalf("csv trailer %q, want head %d %x", last, head.Seq, head.Hash)
	}

	nd := b.get(e.URL + "/audit.ndjson")
	sc := bufio.NewScanner(strings.NewReader(nd.Body))
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("ndjson line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != int(head.Seq)+1 {
		t.Fatalf("ndjson has %d lines, want %d events and a trailer", len(lines), head.Seq)
	}
	if lines[0]["action"] != "partner.register" || lines[0]["hash"] == "" {
		t.Errorf("first ndjson event: %v", lines[0])
	}
	trailer, _ := lines[len(lines)-1]["chain_head"].(map[string]any)
	if trailer == nil || trailer["hash"] != hex.EncodeToString(head.Hash) {
		t.Errorf("ndjson trailer: %v", lines[len(lines)-1])
	}
	// The tokens Zoom issued at the latest sign-in (decrypted from the stored grant) are in
	// neither export.
	g, err := e.Store.StaffGrant(context.Background(), p.ID, e.staffByEmail(p.ID, distOwner).ID)
	if err != nil || len(g.Tokens.AccessToken) < 16 || len(g.Tokens.RefreshToken) < 16 {
		t.Fatalf("grant of the signed-in owner: %s %v", g.Status, err)
	}
	for name, tok := range map[string]string{"access token": g.Tokens.AccessToken, "refresh token": g.Tokens.RefreshToken} {
		if strings.Contains(nd.Body, tok) || strings.Contains(csvPage.Body, tok) {
			t.Errorf("the %s of the sign-in is in an export", name)
		}
	}
}
