package handlers_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// auSeqs returns the sequence numbers of the audit rows of a page, in page order.
func auSeqs(t testing.TB, p *page) []int64 {
	t.Helper()
	var out []int64
	p.Doc().Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) {
		n, err := strconv.ParseInt(strings.TrimSpace(s.Find("td").First().Text()), 10, 64)
		if err != nil {
			t.Fatalf("audit row without a sequence number: %q", s.Text())
		}
		out = append(out, n)
	})
	return out
}

// auCSVSeqs returns the sequence numbers of the events of a CSV export, in file order,
// without the header and the chain head trailer.
func auCSVSeqs(t testing.TB, body string) []int64 {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv export: %v", err)
	}
	if len(recs) < 2 || recs[0][0] != "seq" || recs[len(recs)-1][0] != "chain_head" {
		t.Fatalf("csv export without header or trailer: %q", recs)
	}
	var out []int64
	for _, r := range recs[1 : len(recs)-1] {
		n, err := strconv.ParseInt(r[0], 10, 64)
		if err != nil {
			t.Fatalf("csv row %q: %v", r, err)
		}
		out = append(out, n)
	}
	return out
}

// auAppend records an event in the log and returns its permanent id.
func auAppend(t testing.TB, e *env, ev store.AuditEvent) int64 {
	t.Helper()
	got, err := e.Store.Audit(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return got.ID
}

// auSealedSeqs waits for the sequencer to seal partnerID's chain and returns the sequence
// numbers of the events with the given ids, in the same order.
func auSealedSeqs(t testing.TB, e *env, partnerID int64, ids ...int64) []int64 {
	t.Helper()
	e.awaitSealed(partnerID)
	out := make([]int64, len(ids))
	for i, id := range ids {
		ev, err := e.Store.AuditEventByID(context.Background(), partnerID, id)
		if err != nil || !ev.Sealed() {
			t.Fatalf("event id %d: sealed %v, %v", id, ev.Sealed(), err)
		}
		out[i] = ev.Seq
	}
	return out
}

// The audit page's staff, target, customer and time-range filters (alone and together)
// each narrow the log to exactly the events that match, and the CSV export of the same
// filter holds the same events. The events are appended with known staff, targets,
// customers and times; the portal's own events (registration, sign-in, sync) match none of
// the filters but staff.
func TestAuditPageFiltersStaffTargetCustomerAndTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	agent, err := e.Store.InviteStaff(ctx, p.ID, "au-agent@northwind.example", store.RoleSupport, nil, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	owner := e.staffByEmail(p.ID, distOwner)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	ev := func(staff *store.Staff, targetType, targetID, customer string, when time.Time) store.AuditEvent {
		e := store.AuditEvent{PartnerID: p.ID, Action: "customer.update", Outcome: store.OutcomeSucceeded, TargetType: targetType,
			TargetID: targetID, CustomerID: customer, OccurredAt: when}
		if staff != nil {
			e.StaffID, e.StaffEmail = &staff.ID, staff.Email
		} else {
			e.External = true
		}
		return e
	}
	e1 := auAppend(t, e, ev(&agent, "customer", "au-c1", "au-c1", at("2020-03-01T10:00:00Z")))
	e2 := auAppend(t, e, ev(&agent, "user", "au-u1", "au-c1", at("2020-03-02T23:59:59Z")))
	e3 := auAppend(t, e, ev(&owner, "customer", "au-c2", "au-c2", at("2020-03-03T00:00:00Z")))
	e4 := auAppend(t, e, ev(nil, "customer", "au-c1", "", at("2020-03-04T12:00:00Z")))
	e5 := auAppend(t, e, ev(&agent, "customer", "au-c2", "au-c2", time.Now()))
	seqs := auSealedSeqs(t, e, p.ID, e1, e2, e3, e4, e5)
	e1, e2, e3, e4, e5 = seqs[0], seqs[1], seqs[2], seqs[3], seqs[4]
	staff := "staff=" + itoa(agent.ID)

	cases := []struct {
		query string
		want  []int64 // newest first
	}{
		{staff, []int64{e5, e2, e1}},
		{"target=" + url.QueryEscape("customer:au-c1"), []int64{e4, e1}},
		{"target=" + url.QueryEscape("user:au-u1"), []int64{e2}},
		{"customer=au-c1", []int64{e2, e1}},
		{"customer=au-c2", []int64{e5, e3}},
		{"from=2020-03-02&to=2020-03-03", []int64{e3, e2}}, // both ends inclusive, whole days
		{"to=2020-03-01", []int64{e1}},
		{"from=2020-03-04&to=2020-03-04", []int64{e4}},
		{"from=2020-03-04&customer=au-c2", []int64{e5}},
		{staff + "&customer=au-c1&from=2020-03-02", []int64{e2}},
		{staff + "&target=" + url.QueryEscape("customer:au-c2"), []int64{e5}},
		{"customer=au-nobody", nil},
	}
	for _, tc := range cases {
		pg := b.get(e.URL + "/audit?" + tc.query)
		if pg.StatusCode != http.StatusOK {
			t.Fatalf("/audit?%s: %d", tc.query, pg.StatusCode)
		}
		if got := auSeqs(t, pg); !slices.Equal(got, tc.want) {
			t.Errorf("/audit?%s shows events %v, want %v", tc.query, got, tc.want)
		}
		want := slices.Clone(tc.want)
		slices.Reverse(want)
		if got := auCSVSeqs(t, b.get(e.URL+"/audit.csv?"+tc.query).Body); !slices.Equal(got, want) {
			t.Errorf("/audit.csv?%s exports events %v, want %v", tc.query, got, want)
		}
	}
}

// The customer page's activity tab lists exactly the events about that customer (the same
// as the log filtered by customer), among them the notes saved on it, and none of the
// events about another customer.
func TestAuditCustomerActivityShowsThatCustomersEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var own []store.Customer
	for _, c := range list.Customers {
		if c.PartnerID == p.ID {
			own = append(own, c)
		}
	}
	if len(own) < 2 {
		t.Fatalf("Northwind has %d customers of its own, want 2", len(own))
	}
	ca, cb := own[0], own[1]
	save := func(c store.Customer, ref, tags string) int64 {
		t.Helper()
		got := b.post(e.URL+"/customers/"+c.ZoomAccountID+"/notes", url.Values{"external_ref": {ref}, "tags": {tags}, "notes": {"note " + ref}})
		if got.StatusCode != http.StatusSeeOther {
			t.Fatalf("save notes %s on %s: %d %.300s", ref, c.ZoomAccountID, got.StatusCode, got.Body)
		}
		evs := slices.DeleteFunc(auditOf(t, e, p.ID, "customer.notes"), func(ev store.AuditEvent) bool { return ev.CustomerID != c.ZoomAccountID })
		if len(evs) == 0 || !strings.Contains(string(evs[0].Details), ref) {
			t.Fatalf("no customer.notes event for %s on %s", ref, c.ZoomAccountID)
		}
		return evs[0].Seq
	}
	a1 := save(ca, "AU-A1", "vip")
	b1 := save(cb, "AU-B1", "other")
	a2 := save(ca, "AU-A2", "") // no tags at all

	var want []int64
	rows, err := e.super().Query(ctx, `SELECT s.seq FROM audit_seals s JOIN audit_events e ON e.id = s.event_id
		WHERE s.partner_id = $1 AND e.customer_id = $2 ORDER BY e.id DESC LIMIT 50`, p.ID, ca.ZoomAccountID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		want = append(want, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	activity := b.get(e.URL + "/customers/" + ca.ZoomAccountID + "/activity")
	if activity.StatusCode != http.StatusOK {
		t.Fatalf("activity: %d", activity.StatusCode)
	}
	got := auSeqs(t, activity)
	if !slices.Equal(got, want) {
		t.Fatalf("activity of %s shows events %v, want %v", ca.ZoomAccountID, got, want)
	}
	if !slices.Contains(got, a1) || !slices.Contains(got, a2) || slices.Contains(got, b1) {
		t.Fatalf("activity of %s shows %v: want its notes %d and %d, not the other customer's %d", ca.ZoomAccountID, got, a1, a2, b1)
	}
	if href, _ := activity.Doc().Find(`a[href^="/audit?customer="]`).Attr("href"); href != "/audit?customer="+url.QueryEscape(ca.ZoomAccountID) {
		t.Errorf("link to the log: %q", href)
	}
	if filtered := auSeqs(t, b.get(e.URL+"/audit?customer="+url.QueryEscape(ca.ZoomAccountID))); !slices.Equal(filtered, got) {
		t.Errorf("the log filtered by customer shows %v, the activity tab %v", filtered, got)
	}
	if other := auSeqs(t, b.get(e.URL+"/customers/"+cb.ZoomAccountID+"/activity")); !slices.Contains(other, b1) || slices.Contains(other, a1) || slices.Contains(other, a2) {
		t.Errorf("activity of %s shows %v", cb.ZoomAccountID, other)
	}
}

// auNotesDetails is the part of a customer.notes event's details the tests read.
type auNotesDetails struct {
	Before struct {
		ExternalRef string `json:"external_ref"`
	} `json:"before"`
	After struct {
		ExternalRef string   `json:"external_ref"`
		Tags        []string `json:"tags"`
		Notes       string   `json:"notes"`
	} `json:"after"`
}

// 50 concurrent changes by one partner, through the portal: 50 notes saved at once (half
// with tags, half without) on a few customers. Every request succeeds; there are 50
// customer.notes events by the owner, one per request; on each customer they follow one
// another (each one's before is the previous one's after) and end on what the customer holds;
// the partner's chain has no gap or fork and verifies.
func TestAuditFiftyConcurrentNotesChainWithoutGaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var customers []store.Customer
	for _, c := range list.Customers {
		if c.PartnerID == p.ID && len(customers) < 5 {
			customers = append(customers, c)
		}
	}
	if len(customers) < 2 {
		t.Fatalf("%d customers", len(customers))
	}

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := customers[i%len(customers)]
			form := url.Values{"external_ref": {fmt.Sprintf("AU-%02d", i)}, "notes": {fmt.Sprintf("change %d", i)}}
			if i%2 == 1 {
				form.Set("tags", fmt.Sprintf("au, t%02d", i))
			}
			req, _ := http.NewRequest(http.MethodPost, e.URL+"/customers/"+c.ZoomAccountID+"/notes", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("HX-Request", "true")
			resp, err := b.c.Do(req)
			if err != nil {
				errs <- err
				return
			}
			var body bytes.Buffer
			_, err = body.ReadFrom(resp.Body)
			resp.Body.Close()
			if err != nil {
				errs <- fmt.Errorf("change %d: reading the answer: %w", i, err)
				return
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(body.String(), "Saved.") {
				errs <- fmt.Errorf("change %d: %d %.300s", i, resp.StatusCode, body.String())
				return
			}
			errs <- nil
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	e.awaitSealed(p.ID)
	page, err := e.Store.AuditEvents(ctx, p.ID, store.AuditFilter{Action: "customer.notes", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	events := page.Events
	if len(events) != n {
		t.Fatalf("%d customer.notes events, want %d", len(events), n)
	}
	slices.SortFunc(events, func(x, y store.AuditEvent) int { return cmp.Compare(x.Seq, y.Seq) }) // chain order
	requests := map[string]bool{}
	refs := map[string]bool{}
	byCustomer := map[string][]auNotesDetails{}
	for _, ev := range events {
		if ev.StaffEmail != distOwner || ev.RequestID == "" || ev.Outcome != store.OutcomeSucceeded {
			t.Fatalf("event %d: staff %q, request %q, %s", ev.Seq, ev.StaffEmail, ev.RequestID, ev.Outcome)
		}
		requests[ev.RequestID] = true
		var d auNotesDetails
		if err := json.Unmarshal(ev.Details, &d); err != nil {
			t.Fatal(err)
		}
		refs[d.After.ExternalRef] = true
		byCustomer[ev.CustomerID] = append(byCustomer[ev.CustomerID], d)
	}
	if len(requests) != n || len(refs) != n {
		t.Fatalf("%d distinct requests and %d distinct changes among the events, want %d", len(requests), len(refs), n)
	}
	for _, c := range customers {
		trail := byCustomer[c.ZoomAccountID]
		if len(trail) == 0 {
			t.Fatalf("no event for customer %s", c.ZoomAccountID)
		}
		prev := c.ExternalRef
		for i, d := range trail {
			if d.Before.ExternalRef != prev {
				t.Fatalf("customer %s, change %d: before %q, but the change before it left %q", c.ZoomAccountID, i, d.Before.ExternalRef, prev)
			}
			prev = d.After.ExternalRef
		}
		last := trail[len(trail)-1]
		got, err := e.Store.CustomerByAccount(ctx, p.ID, c.ZoomAccountID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ExternalRef != prev || got.Notes != last.After.Notes || strings.Join(got.Tags, ",") != strings.Join(last.After.Tags, ",") {
			t.Fatalf("customer %s holds %q %q %v; its last event says %q %q %v", c.ZoomAccountID, got.ExternalRef, got.Notes, got.Tags,
				prev, last.After.Notes, last.After.Tags)
		}
	}

	// Head and sealed events from one snapshot: background work (a sync finishing) may record
	// and seal meanwhile.
	var headSeq, count, maxSeq, distinctPrev int64
	if err := e.super().QueryRow(ctx, `SELECT (SELECT seq FROM audit_heads WHERE partner_id = $1), count(seq), max(seq), count(DISTINCT prev_hash)
		FROM audit_seals WHERE partner_id = $1`, p.ID).Scan(&headSeq, &count, &maxSeq, &distinctPrev); err != nil {
		t.Fatal(err)
	}
	if count != headSeq || maxSeq != headSeq || distinctPrev != headSeq {
		t.Fatalf("events %d, max seq %d, distinct prev hashes %d; want %d each (no gap, no fork)", count, maxSeq, distinctPrev, headSeq)
	}
	r, err := e.Store.VerifyAudit(ctx, p.ID)
	if err != nil || len(r) != 1 || !r[0].OK || r[0].Verified < headSeq {
		t.Fatalf("verify: %v %v", r, err)
	}
}

// auTokens returns the Zoom tokens the portal holds for a staff member (decrypted from the
// stored grant): those Zoom issued at the latest sign-in or refresh.
func auTokens(t testing.TB, e *env, partnerID int64, email string) store.Tokens {
	t.Helper()
	g, err := e.Store.StaffGrant(context.Background(), partnerID, e.staffByEmail(partnerID, email).ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Status != store.GrantActive || len(g.Tokens.AccessToken) < 16 || len(g.Tokens.RefreshToken) < 16 {
		t.Fatalf("grant of %s: %s, tokens of %d and %d characters", email, g.Status, len(g.Tokens.AccessToken), len(g.Tokens.RefreshToken))
	}
	return g.Tokens
}

// auAuditText returns every audit event of every chain (system chain included), each row
// with all its columns as JSON, one row a line.
func auAuditText(t testing.TB, e *env) string {
	t.Helper()
	var s string
	if err := e.super().QueryRow(context.Background(), "SELECT coalesce(string_agg(row_to_json(a)::text, E'\\n' ORDER BY id), '') FROM audit_events a").Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Redaction leaves no token or secret in any event: the access and refresh tokens Zoom
// issued at sign-in, after a refresh and at a second sign-in (read back from the stored
// grants), the session cookie, a Server-to-Server client secret (accepted and refused) and
// the password of a new customer's owner appear in no column of any audit event, nor in
// the CSV and NDJSON exports, in full or as a recognizable prefix or suffix.
func TestAuditNeverHoldsTheTokensOrSecretsOfASession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser()
	b.signIn(e, distOwner) // registers Northwind
	p := e.partnerOf(distOwner)
	type secret struct{ name, value string }
	var secrets []secret
	tokens := func(when string) store.Tokens {
		tk := auTokens(t, e, p.ID, distOwner)
		secrets = append(secrets, secret{"access token " + when, tk.AccessToken}, secret{"refresh token " + when, tk.RefreshToken})
		return tk
	}
	first := tokens("of the first sign-in")
	secrets = append(secrets, secret{"session cookie", b.cookie(e, "td_session")})
	syncAndWait(t, e, b)

	// The access token runs out: the next call to Zoom refreshes the grant (new tokens).
	if _, err := e.super().Exec(ctx, "UPDATE zoom_grants SET access_expires_at = now() - interval '1 hour' WHERE staff_id = $1",
		e.staffByEmail(p.ID, distOwner).ID); err != nil {
		t.Fatal(err)
	}
	syncAndWait(t, e, b)
	refreshed := tokens("after a refresh")
	if refreshed.AccessToken == first.AccessToken || len(auditOf(t, e, p.ID, "grant.refresh")) == 0 {
		t.Fatal("the grant was not refreshed")
	}

	// A Server-to-Server app: a wrong secret is refused, the right one accepted.
	var app sandbox.AppInfo
	for _, a := range e.Sandbox.Apps() {
		if a.Type == "s2s" && a.AccountID == p.ZoomAccountID {
			app = a
		}
	}
	if app.ClientSecret == "" {
		t.Fatal("no Server-to-Server app for Northwind")
	}
	wrong := "au-Wr0ng-s2s-secret-4711"
	secrets = append(secrets, secret{"refused client secret", wrong}, secret{"client secret", app.ClientSecret})
	if got := b.post(e.URL+"/settings/s2s", url.Values{"client_id": {app.ClientID}, "client_secret": {wrong}}); got.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong client secret: %d", got.StatusCode)
	}
	if got := b.post(e.URL+"/settings/s2s", url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("client secret: %d %.300s", got.StatusCode, got.Body)
	}

	// A new customer: its owner's password goes to Zoom only.
	password := "Au-Str0ng-Passw9rd-0815"
	secrets = append(secrets, secret{"new owner's password", password})
	created := b.post(e.URL+"/customers/quick", url.Values{"account_name": {"Au Redaction"}, "first_name": {"Ada"}, "last_name": {"Au"},
		"email": {"ada@au-redaction.example"}, "password": {password}, "pay_mode": {"master"}})
	if created.StatusCode != http.StatusSeeOther {
		t.Fatalf("create customer: %d %.300s", created.StatusCode, created.Body)
	}

	// Signed out (the grant is revoked) and in again: new tokens, a new session.
	b.post(e.URL+"/signout", nil)
	b.signIn(e, distOwner)
	tokens("of the second sign-in")
	secrets = append(secrets, secret{"second session cookie", b.cookie(e, "td_session")})

	e.awaitSealed(p.ID)
	head, err := e.Store.AuditChainHead(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	csvBody := b.get(e.URL + "/audit.csv").Body
	ndBody := b.get(e.URL + "/audit.ndjson").Body
	if got := len(auCSVSeqs(t, csvBody)); got != int(head.Seq) {
		t.Fatalf("csv export has %d events, want %d", got, head.Seq)
	}
	if got := strings.Count(strings.TrimSpace(ndBody), "\n"); got != int(head.Seq) {
		t.Fatalf("ndjson export has %d events, want %d", got, head.Seq)
	}
	texts := map[string]string{"audit_events": auAuditText(t, e), "CSV export": csvBody, "NDJSON export": ndBody}
	// The scan reads what the sessions did: their events are all there.
	for _, action := range []string{"partner.register", "session.sign_in", "grant.refresh", "grant.s2s.save", "customer.create", "session.sign_out"} {
		for name, text := range texts {
			if !strings.Contains(text, action) {
				t.Fatalf("%s holds no %s event: the scan would prove nothing", name, action)
			}
		}
	}
	for _, s := range secrets {
		if len(s.value) < 16 {
			t.Fatalf("%s is %q: not a secret worth looking for", s.name, s.value)
		}
		needles := []string{s.value}
		if strings.Contains(s.name, "token") || strings.Contains(s.name, "cookie") {
			needles = append(needles, s.value[:16], s.value[len(s.value)-16:])
		}
		for name, text := range texts {
			for _, needle := range needles {
				if strings.Contains(text, needle) || strings.Contains(strings.ToLower(text), strings.ToLower(needle)) {
					t.Errorf("%s holds (part of) the %s", name, s.name)
				}
			}
		}
	}
	// The scan does see a token where there is one: a scratch event naming the first one.
	auAppend(t, e, store.AuditEvent{PartnerID: p.ID, Action: "au.control", Outcome: store.OutcomeSucceeded, TargetLabel: first.AccessToken})
	if !strings.Contains(auAuditText(t, e), first.AccessToken) {
		t.Fatal("the scan does not see a token in an event's column")
	}
}

// auHeldWriter is a ResponseWriter that holds the handler at its first Write until released,
// so a test can look at what the handler is doing while its first bytes go out.
type auHeldWriter struct {
	header  http.Header
	first   chan struct{} // closed at the first Write
	release chan struct{} // closed by the test to let the handler go on
	mu      sync.Mutex
	status  int
	writes  int
	body    bytes.Buffer
}

func auNewHeldWriter() *auHeldWriter {
	return &auHeldWriter{header: http.Header{}, first: make(chan struct{}), release: make(chan struct{})}
}

// Header returns the response headers.
func (w *auHeldWriter) Header() http.Header { return w.header }

// WriteHeader records the status.
func (w *auHeldWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 {
		w.status = code
	}
}

// Write records p; the first call waits until the test releases the writer.
func (w *auHeldWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.writes++
	first := w.writes == 1
	w.body.Write(p)
	w.mu.Unlock()
	if first {
		close(w.first)
		<-w.release
	}
	return len(p), nil
}

// snapshot returns the body written so far and the number of writes.
func (w *auHeldWriter) snapshot() (string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body.String(), w.writes
}

// The exports stream: when the handler writes its first bytes, the database is still
// reading the export (its transaction is open with the export's query), and those bytes
// hold only the first events. A handler that read every event before writing would have
// closed its transaction by then. The writer holds the handler at its first Write, so no
// timing decides the outcome.
func TestAuditExportStreamsEventsWhileReadingThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		auAppend(t, e, store.AuditEvent{PartnerID: p.ID, Action: "user.update", Outcome: store.OutcomeSucceeded, TargetType: "user",
			TargetID: fmt.Sprintf("au-u%03d", i), TargetLabel: fmt.Sprintf("user%03d@au-stream.example", i)})
	}
	e.awaitSealed(p.ID)
	head, err := e.Store.AuditChainHead(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(e.URL)
	for _, format := range []string{"ndjson", "csv"} {
		req := httptest.NewRequest(http.MethodGet, e.URL+"/audit."+format, nil)
		for _, c := range b.c.Jar.Cookies(base) {
			req.AddCookie(c)
		}
		w := auNewHeldWriter()
		done := make(chan struct{})
		go func() {
			defer close(done)
			e.Handler.ServeHTTP(w, req)
		}()
		select {
		case <-w.first:
		case <-done:
			t.Fatalf("%s export ended without writing", format)
		case <-time.After(30 * time.Second):
			close(w.release)
			t.Fatalf("%s export wrote nothing in 30 s", format)
		}
		var reading int
		err := e.super().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query LIKE '%FROM audit_seals s JOIN audit_events e%'
			AND query ~ 'ORDER BY s.seq\s*$'`).Scan(&reading)
		sofar, _ := w.snapshot()
		close(w.release)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		if reading != 1 {
			t.Errorf("%s export: %d transactions reading the export when the first bytes went out, want 1 (still reading)", format, reading)
		}
		body, writes := w.snapshot()
		lines := strings.Count(body, "\n")
		if w.status != http.StatusOK || lines < int(head.Seq)+1 {
			t.Fatalf("%s export: status %d, %d lines for %d events", format, w.status, lines, head.Seq)
		}
		if n := strings.Count(sofar, "\n"); n >= lines/2 || writes < 2 {
			t.Errorf("%s export: the first write held %d of %d lines, %d writes in all: not streamed", format, n, lines, writes)
		}
	}
}

// auJobStatus returns the status a job's page shows and how many rows it has done.
func auJobStatus(b *browser, jobURL string) (status, done string) {
	p := b.get(jobURL)
	status, _ = p.Doc().Find(`[data-testid="job-progress"]`).Attr("data-status")
	return status, p.TestID("job-done")
}

// A cancelled bulk job is audited: the cancel request by the staff member who pressed it,
// then one job.cancel event (no job.finish) with the counts, which match what happened in
// Zoom: the users created, the rows not sent, none failed.
func TestAuditRecordsACancelledJobWithItsCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner := e.browser()
	owner.signIn(e, resOwner)
	syncAndWait(t, e, owner)
	p := e.partnerOf(resOwner)
	for _, a := range e.Sandbox.Apps() {
		if a.Type == "s2s" && a.AccountID == p.ZoomAccountID {
			if _, err := e.Store.SaveS2SGrant(ctx, p.ID, p.ZoomAccountID, a.ClientID, a.ClientSecret, store.AuditEvent{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 500})
	if err != nil || len(list.Customers) == 0 {
		t.Fatalf("Contoso's customers: %v", err)
	}
	c := list.Customers[0]
	for _, x := range list.Customers {
		if x.Seats > c.Seats {
			c = x
		}
	}

	// 400 rows take 10 s at the budget's 40/s: the cancel, made once the first is done, lands
	// long before the end.
	const rows = 400
	var file strings.Builder
	file.WriteString("email,first_name,last_name,type,action\n")
	for i := range rows {
		fmt.Fprintf(&file, "au-slow%03d@new.example,S,%d,1,create\n", i, i)
	}
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: 300 * time.Millisecond})
	defer e.Sandbox.ClearFaults()
	up := owner.upload(e, "create", c.ZoomAccountID, "au-slow.csv", file.String())
	jobURL := owner.post(up.location(t)+"/start", nil).location(t)
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, done := auJobStatus(owner, jobURL); done != "0" && done != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job sent nothing in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := owner.post(jobURL+"/cancel", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", got.StatusCode)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		status, _ := auJobStatus(owner, jobURL)
		if status == "cancelled" {
			break
		}
		if status == "succeeded" || status == "failed" || time.Now().After(deadline) {
			t.Fatalf("job after cancel: %q", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.Sandbox.ClearFaults()
	inZoom := 0
	for _, u := range e.Sandbox.Users() {
		if strings.HasPrefix(u.Email, "au-slow") {
			inZoom++
		}
	}

	jobID := path.Base(jobURL)
	ofJob := func(action string) []store.AuditEvent {
		var out []store.AuditEvent
		for _, ev := range auditOf(t, e, p.ID, action) {
			if ev.JobID == jobID {
				out = append(out, ev)
			}
		}
		return out
	}
	if req := ofJob("job.cancel_request"); len(req) != 1 || req[0].StaffEmail != resOwner || req[0].TargetID != jobID {
		t.Fatalf("cancel request events: %+v", req)
	}
	if fin := ofJob("job.finish"); len(fin) != 0 {
		t.Fatalf("a cancelled job has job.finish events: %+v", fin)
	}
	cancel := ofJob("job.cancel")
	if len(cancel) != 1 {
		t.Fatalf("%d job.cancel events for job %s, want 1", len(cancel), jobID)
	}
	ev := cancel[0]
	var d struct {
		Status    string `json:"status"`
		Kind      string `json:"kind"`
		Succeeded *int   `json:"succeeded"`
		Failed    *int   `json:"failed"`
		Cancelled *int   `json:"cancelled"`
		Invalid   *int   `json:"invalid"`
	}
	if err := json.Unmarshal(ev.Details, &d); err != nil {
		t.Fatal(err)
	}
	if d.Succeeded == nil || d.Failed == nil || d.Cancelled == nil || d.Invalid == nil {
		t.Fatalf("job.cancel details without counts: %s", ev.Details)
	}
	if ev.Outcome != store.OutcomeSucceeded || ev.TargetType != "job" || ev.TargetID != jobID || ev.StaffEmail != resOwner ||
		d.Status != "cancelled" || d.Kind != store.ImportCreate {
		t.Fatalf("job.cancel event: %s %s %s by %q: %s", ev.Outcome, ev.TargetType, ev.TargetID, ev.StaffEmail, ev.Details)
	}
	if *d.Succeeded != inZoom || *d.Cancelled == 0 || *d.Failed != 0 || *d.Invalid != 0 || *d.Succeeded+*d.Cancelled != rows {
		t.Fatalf("job.cancel counts %s; %d users in Zoom of %d rows", ev.Details, inZoom, rows)
	}
}
