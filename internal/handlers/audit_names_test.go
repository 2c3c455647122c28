package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
)

// anRow is an audit row as people read it: each cell's text and its link.
type anRow struct {
	What, Who, WhoURL, Target, TargetURL, Customer, CustomerURL, Job, JobURL string
}

// anRows reads the rows of an audit table.
func anRows(p *page) []anRow {
	var out []anRow
	p.Doc().Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) {
		cell := func(id string) *goquery.Selection { return s.Find(`[data-testid="` + id + `"]`) }
		words := func(sel *goquery.Selection) string { return strings.Join(strings.Fields(sel.Text()), " ") }
		out = append(out, anRow{
			What: words(cell("activity-label")), Who: words(cell("audit-staff")), WhoURL: cell("audit-staff-name").AttrOr("href", ""),
			Target: words(cell("audit-target")), TargetURL: cell("audit-target-link").AttrOr("href", ""),
			Customer: words(cell("audit-customer")), CustomerURL: cell("audit-customer-link").AttrOr("href", ""),
			Job: words(cell("audit-job")), JobURL: cell("audit-job").AttrOr("href", ""),
		})
	})
	return out
}

// anCustomers returns a partner's own customers, by Zoom account id.
func anCustomers(t *testing.T, e *env, partnerID int64) []store.Customer {
	t.Helper()
	page, err := e.Store.Customers(context.Background(), partnerID, store.CustomerFilter{PartnerID: partnerID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var own []store.Customer
	for _, c := range page.Customers {
		if c.PartnerID == partnerID && !strings.HasPrefix(c.ZoomAccountID, "draft:") {
			own = append(own, c)
		}
	}
	if len(own) < 2 {
		t.Fatalf("partner %d has %d customers of its own, want 2", partnerID, len(own))
	}
	return own
}

// anRename gives a customer a name no seed customer has, as a sync from Zoom would.
func anRename(t *testing.T, e *env, c store.Customer, name string) store.Customer {
	t.Helper()
	if _, err := e.super().Exec(context.Background(), "UPDATE customers SET account_name = $2 WHERE id = $1", c.ID, name); err != nil {
		t.Fatal(err)
	}
	c.AccountName = name
	return c
}

// anJob returns the id of one of a partner's jobs (its first sync).
func anJob(t *testing.T, e *env, partnerID int64) (id, title string) {
	t.Helper()
	if err := e.super().QueryRow(context.Background(), "SELECT id::text, title FROM jobs WHERE partner_id = $1 ORDER BY created_at LIMIT 1", partnerID).Scan(&id, &title); err != nil {
		t.Fatal(err)
	}
	return id, title
}

// The audit log names what its events are about, from the partner's own data: the customer
// by name, linked to its page; the staff member by name, linked to the staff page (their row),
// with the email beside; the user by email, linked to the user's page; the job by its title,
// linked to the job's page. A distributor sees its resellers' customers named (they are in its
// reach); the reseller, given an event naming the distributor's customer, staff member and job
// (out of its reach), sees their ids only, never their names or links. The event's own page
// links the same, and its neighbours in the chain.
func TestAuditNamesAndLinksWhatEventsNameOnlyInReach(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dist, res := tree(t, e)
	nw, contoso := e.partnerOf(distOwner), e.partnerOf(resOwner)
	nwCustomer := anRename(t, e, anCustomers(t, e, nw.ID)[0], "Zanzibar Lighthouse Holdings")
	resCustomer := anRename(t, e, anCustomers(t, e, contoso.ID)[0], "Quillfeather Studios")
	owner := e.staffByEmail(nw.ID, distOwner)
	if owner.Name() == owner.Email {
		t.Fatalf("Northwind's owner has no name: %+v", owner)
	}
	job, jobTitle := anJob(t, e, nw.ID)

	// In Northwind's log: its owner changed a user of its own customer, in a job, and noted
	// something on its reseller's customer.
	userEvent := auAppend(t, e, store.AuditEvent{PartnerID: nw.ID, StaffID: &owner.ID, StaffEmail: owner.Email, Action: audit.UserUpdate,
		Outcome: store.OutcomeSucceeded, TargetType: "user", TargetID: "zu-ana", TargetLabel: "ana@zanzibar.example",
		CustomerID: nwCustomer.ZoomAccountID, JobID: job})
	below := auAppend(t, e, store.AuditEvent{PartnerID: nw.ID, StaffID: &owner.ID, StaffEmail: owner.Email, Action: audit.CustomerNotes,
		Outcome: store.OutcomeSucceeded, TargetType: "customer", TargetID: resCustomer.ZoomAccountID, CustomerID: resCustomer.ZoomAccountID})
	// In Contoso's log, an event naming Northwind's customer, staff member and job.
	auAppend(t, e, store.AuditEvent{PartnerID: contoso.ID, StaffID: &owner.ID, StaffEmail: "someone@elsewhere.example", Action: audit.CustomerNotes,
		Outcome: store.OutcomeSucceeded, TargetType: "customer", TargetID: nwCustomer.ZoomAccountID, CustomerID: nwCustomer.ZoomAccountID, JobID: job})
	auSealedSeqs(t, e, nw.ID, userEvent, below)
	e.awaitSealed(contoso.ID)

	staffURL := "/staff#staff-" + itoa(owner.ID)
	rows := anRows(dist.get(e.URL + "/audit?action=user.update"))
	want := anRow{What: "Edited user", Who: owner.Name() + " " + owner.Email, WhoURL: staffURL,
		Target: "User ana@zanzibar.example", TargetURL: "/customers/" + nwCustomer.ZoomAccountID + "/users/zu-ana",
		Customer: "Zanzibar Lighthouse Holdings", CustomerURL: "/customers/" + nwCustomer.ZoomAccountID,
		Job: "Job: " + jobTitle, JobURL: "/jobs/" + job}
	if len(rows) != 1 || rows[0] != want {
		t.Fatalf("the user event reads\n%+v\nwant\n%+v", rows, want)
	}
	rows = anRows(dist.get(e.URL + "/audit?action=customer.notes"))
	if len(rows) == 0 || rows[0].Customer != "Quillfeather Studios" || rows[0].CustomerURL != "/customers/"+resCustomer.ZoomAccountID ||
		rows[0].Target != "Customer Quillfeather Studios" {
		t.Fatalf("the distributor's event about its reseller's customer reads %+v", rows)
	}
	// The staff link lands on the member's row of the staff page.
	if staff := dist.get(e.URL + "/staff"); staff.Doc().Find(`tr#staff-`+itoa(owner.ID)).AttrOr("data-email", "") != distOwner {
		t.Fatalf("no row staff-%d for %s on the staff page", owner.ID, distOwner)
	}

	// The reseller sees ids only.
	log := res.get(e.URL + "/audit?action=customer.notes")
	rows = anRows(log)
	if len(rows) != 1 || rows[0].Customer != nwCustomer.ZoomAccountID || rows[0].CustomerURL != "" || rows[0].TargetURL != "" ||
		rows[0].WhoURL != "" || rows[0].JobURL != "" || rows[0].Who != "someone@elsewhere.example" {
		t.Fatalf("the reseller's event naming the distributor's things reads %+v", rows)
	}
	for _, secret := range []string{"Zanzibar", owner.Name(), "/jobs/" + job, staffURL} {
		if strings.Contains(log.Body, secret) {
			t.Errorf("the reseller's audit log shows %q, which is out of its reach", secret)
		}
	}
	// Nor by the customer filter or its suggestions.
	byName := res.get(e.URL + "/audit?customer=" + url.QueryEscape("Zanzibar Lighthouse Holdings"))
	if got := auSeqs(t, byName); len(got) != 0 || byName.Doc().Find(`[data-testid="customer-choice"]`).Length() != 0 {
		t.Errorf("the reseller's log filtered by the distributor's customer's name shows %v (%q)", got, byName.TestID("customer-note"))
	}
	if suggest := anSuggestions(t, e, res, "Zanzibar"); slices.ContainsFunc(suggest, func(s string) bool { return strings.Contains(s, "Zanzibar") }) {
		t.Errorf("the reseller is offered %q", suggest)
	}
	if got := anSuggestions(t, e, dist, "Zanzibar Light"); !slices.Contains(got, "Zanzibar Lighthouse Holdings") {
		t.Errorf("the distributor is offered %q for Zanzibar Light", got)
	}
	// The reseller's event page: the id, no link.
	ev := res.get(e.URL+"/audit?action=customer.notes").Doc().Find(`[data-testid="audit-seq"] a`).AttrOr("href", "")
	detail := res.get(e.URL + ev)
	if detail.StatusCode != http.StatusOK || detail.TestID("fact-target") != nwCustomer.ZoomAccountID ||
		strings.Contains(detail.Body, "Zanzibar") || strings.Contains(detail.Body, owner.Name()) {
		t.Fatalf("the reseller's event page: %d target %q", detail.StatusCode, detail.TestID("fact-target"))
	}

	// The distributor's event page links what it names, and the events before and after it.
	seqs := auSealedSeqs(t, e, nw.ID, userEvent, below)
	detail = dist.get(e.URL + "/audit/events/" + itoa(userEvent))
	doc := detail.Doc()
	links := map[string]string{}
	for _, k := range []string{"staff", "target", "customer", "job"} {
		links[k] = doc.Find(`a[data-testid="fact-`+k+`"]`).AttrOr("href", "")
	}
	wantLinks := map[string]string{"staff": staffURL, "target": want.TargetURL, "customer": want.CustomerURL, "job": want.JobURL}
	for k, v := range wantLinks {
		if links[k] != v {
			t.Errorf("event page: %s links to %q, want %q", k, links[k], v)
		}
	}
	if got := detail.TestID("event-action"); got != "Edited user" {
		t.Errorf("event page names its action %q", got)
	}
	prevHref, _ := doc.Find(`[data-testid="event-prev"]`).Attr("href")
	nextHref, _ := doc.Find(`[data-testid="event-next"]`).Attr("href")
	prev, err := e.Store.AuditEventBySeq(context.Background(), nw.ID, seqs[0]-1)
	if err != nil {
		t.Fatal(err)
	}
	next, err := e.Store.AuditEventBySeq(context.Background(), nw.ID, seqs[0]+1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(prevHref, "/audit/events/"+itoa(prev.ID)) || !strings.HasPrefix(nextHref, "/audit/events/"+itoa(next.ID)) {
		t.Errorf("event %d links to %q and %q, want events %d and %d", seqs[0], prevHref, nextHref, prev.ID, next.ID)
	}
	if got := dist.get(e.URL + prevHref).TestID("event-seq"); got != itoa(seqs[0]-1) {
		t.Errorf("the previous event's page is event %q, want %d", got, seqs[0]-1)
	}
	head, err := e.Store.AuditChainHead(context.Background(), nw.ID)
	if err != nil {
		t.Fatal(err)
	}
	last, err := e.Store.AuditEventBySeq(context.Background(), nw.ID, head.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if dist.get(e.URL+"/audit/events/"+itoa(last.ID)).Doc().Find(`[data-testid="event-next"]`).Length() != 0 {
		t.Error("the chain's newest event links to a next one")
	}
}

// anSuggestions asks the audit log's customer field for its suggestions for text, as its htmx
// request does, and returns their values.
func anSuggestions(t *testing.T, e *env, b *browser, text string) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/audit?customer="+url.QueryEscape(text), nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "audit-customers")
	got := b.do(req)
	if got.StatusCode != http.StatusOK || got.Doc().Find(`datalist#audit-customers`).Length() != 1 {
		t.Fatalf("suggestions for %q: %d %.300s", text, got.StatusCode, got.Body)
	}
	var out []string
	got.Doc().Find(`datalist#audit-customers option`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("value", ""))
	})
	return out
}

// The audit log is filtered by a customer's name (any case, or a part only one customer
// has), as the customer pages' links by account id still filter it, and the exports of the
// same filter hold the same events. Two customers of one name are both shown, with a choice
// of each; a name nobody has says so.
func TestAuditFiltersByCustomerName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	own := anCustomers(t, e, p.ID)
	ca := anRename(t, e, own[0], "Marigold Bakery")
	cb := anRename(t, e, own[1], "Juniper Freight")
	note := func(c store.Customer) int64 {
		return auAppend(t, e, store.AuditEvent{PartnerID: p.ID, Action: audit.CustomerNotes, Outcome: store.OutcomeSucceeded,
			TargetType: "customer", TargetID: c.ZoomAccountID, CustomerID: c.ZoomAccountID})
	}
	seqs := auSealedSeqs(t, e, p.ID, note(ca), note(cb), note(ca))
	a1, b1, a2 := seqs[0], seqs[1], seqs[2]

	for _, tc := range []struct {
		customer string
		want     []int64
		shown    string
	}{
		{"Marigold Bakery", []int64{a2, a1}, "Marigold Bakery"},
		{"marigold bakery", []int64{a2, a1}, "Marigold Bakery"},
		{"Marigold", []int64{a2, a1}, "Marigold Bakery"}, // the one customer with that word
		{ca.ZoomAccountID, []int64{a2, a1}, "Marigold Bakery"},
		{"Juniper Freight", []int64{b1}, "Juniper Freight"},
	} {
		got := b.get(e.URL + "/audit?customer=" + url.QueryEscape(tc.customer))
		if got.StatusCode != http.StatusOK {
			t.Fatalf("customer=%s: %d", tc.customer, got.StatusCode)
		}
		if seqs := auSeqs(t, got); !slices.Equal(seqs, tc.want) {
			t.Errorf("customer=%s shows %v, want %v", tc.customer, seqs, tc.want)
		}
		if shown := got.Doc().Find(`#f-customer`).AttrOr("value", ""); shown != tc.shown {
			t.Errorf("customer=%s: the field shows %q, want %q", tc.customer, shown, tc.shown)
		}
		csv := b.get(e.URL + got.Doc().Find(`[data-testid="export-csv"]`).AttrOr("href", ""))
		want := slices.Clone(tc.want)
		slices.Reverse(want)
		if exported := auCSVSeqs(t, csv.Body); !slices.Equal(exported, want) {
			t.Errorf("customer=%s exports %v, want %v", tc.customer, exported, want)
		}
	}
	// The customer page's link to the log is by account id, and still works.
	activity := b.get(e.URL + "/customers/" + url.PathEscape(ca.ZoomAccountID) + "/activity")
	link := activity.Doc().Find(`a[href^="/audit?customer="]`).AttrOr("href", "")
	if got := auSeqs(t, b.get(e.URL+link)); !slices.Contains(got, a1) || slices.Contains(got, b1) {
		t.Errorf("the activity tab's link %s shows %v", link, got)
	}
	// The field suggests names as they are typed.
	if got := anSuggestions(t, e, b, "mariGOLD"); !slices.Equal(got, []string{"Marigold Bakery"}) {
		t.Errorf("suggestions for mariGOLD: %q", got)
	}

	// A name nobody has: nothing, said in words.
	none := b.get(e.URL + "/audit?customer=" + url.QueryEscape("Nobody Incorporated"))
	if got := auSeqs(t, none); len(got) != 0 || !strings.Contains(none.TestID("customer-note"), "Nobody Incorporated") {
		t.Errorf("an unknown name shows %v, note %q", got, none.TestID("customer-note"))
	}

	// Two customers of one name: both, with a choice of each.
	anRename(t, e, cb, "Marigold Bakery")
	twins := b.get(e.URL + "/audit?customer=" + url.QueryEscape("Marigold Bakery"))
	if got := auSeqs(t, twins); !slices.Equal(got, []int64{a2, b1, a1}) {
		t.Errorf("two customers named Marigold Bakery show %v, want %v", got, []int64{a2, b1, a1})
	}
	var choices []string
	twins.Doc().Find(`[data-testid="customer-choice"]`).Each(func(_ int, s *goquery.Selection) {
		choices = append(choices, s.AttrOr("href", ""))
	})
	if len(choices) != 2 {
		t.Fatalf("choices between the two: %q (note %q)", choices, twins.TestID("customer-note"))
	}
	for _, c := range choices {
		u, err := url.Parse(c)
		if err != nil {
			t.Fatal(err)
		}
		id := u.Query().Get("customer")
		one := b.get(e.URL + c)
		wantShown := "Marigold Bakery [" + id + "]"
		if shown := one.Doc().Find(`#f-customer`).AttrOr("value", ""); shown != wantShown {
			t.Errorf("choice %s: the field shows %q, want %q", c, shown, wantShown)
		}
		// The field as shown filters the same again (a form sent with another filter changed).
		again := auSeqs(t, b.get(e.URL+"/audit?customer="+url.QueryEscape(wantShown)))
		if got := auSeqs(t, one); len(got) == 0 || !slices.Equal(got, again) || (id == ca.ZoomAccountID) != slices.Contains(got, a1) {
			t.Errorf("choice %s shows %v, its field's text %v", c, got, again)
		}
	}
}

// A customer with no events says so on its Activity tab, not "Chain head: event 0".
func TestCustomerActivityWithoutEventsSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	var quiet string
	if err := e.super().QueryRow(context.Background(), `SELECT c.zoom_account_id FROM customers c WHERE c.partner_id = $1
		AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.partner_id = $1 AND a.customer_id = c.zoom_account_id) LIMIT 1`, p.ID).Scan(&quiet); err != nil {
		t.Fatalf("a customer without events: %v", err)
	}
	got := b.get(e.URL + "/customers/" + url.PathEscape(quiet) + "/activity")
	if got.StatusCode != http.StatusOK || got.TestID("audit-empty") != "No activity recorded for this customer yet." ||
		strings.Contains(got.Body, "Chain head") {
		t.Fatalf("activity of a customer without events: %d %q", got.StatusCode, got.TestID("audit-empty"))
	}
}

// Each onboarding step's event says which step it was, from its details: the sub account and
// its owner, pay mode and options, the plan with its hosts, the settings template, each user.
func TestAuditOnboardingStepsNameTheirStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	tpl := standardTemplate(t, e, owner, p)
	const email = "olga@steps.example"
	id := draftWith(t, e, owner, email, 2, tpl)
	jobPath := strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", url.Values{}).location(t), e.URL)
	if status := waitOnboarding(t, e, owner, jobPath).Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); status != "succeeded" {
		t.Fatalf("onboarding ended %s", status)
	}
	e.awaitSealed(p.ID)
	c, err := e.Store.CustomerByOwnerEmail(context.Background(), p.ID, email)
	if err != nil {
		t.Fatal(err)
	}
	rows := anRows(owner.get(e.URL + "/audit?action=onboarding.step"))
	var got []string
	for _, r := range rows {
		got = append(got, r.What)
		if r.Customer != "Onboard "+email || r.CustomerURL != "/customers/"+c.ZoomAccountID || r.JobURL != jobPath {
			t.Errorf("step row names customer %q (%s), job %s; want the onboarded customer and the job %s", r.Customer, r.CustomerURL, r.JobURL, jobPath)
		}
	}
	slices.Reverse(got) // oldest first
	want := []string{
		"Onboarding step: create the sub account for its owner " + email,
		"Onboarding step: set pay mode and options (you pay Zoom, auto-renew on)",
		"Onboarding step: subscribe to Business (annual), 10 hosts",
		"Onboarding step: apply the settings template “Standard”",
		"Onboarding step: create user u00." + email,
		"Onboarding step: create user u01." + email,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("onboarding steps read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The action filter offers them in words too.
	if opts, _ := actionFilter(owner.get(e.URL + "/audit")); !slices.Contains(opts, "onboarding.step=Onboarding step") {
		t.Errorf("action filter: %q", opts)
	}
	// An event of an older kind of step, or with details that say nothing, still reads.
	details, _ := json.Marshal(map[string]any{"step": 9, "kind": "send_welcome", "subject": "x@y.example"})
	auAppend(t, e, store.AuditEvent{PartnerID: p.ID, Action: audit.OnboardingStep, Outcome: store.OutcomeSucceeded, Details: details})
	auAppend(t, e, store.AuditEvent{PartnerID: p.ID, Action: audit.OnboardingStep, Outcome: store.OutcomeSucceeded})
	e.awaitSealed(p.ID)
	rows = anRows(owner.get(e.URL + "/audit?action=onboarding.step"))
	if rows[0].What != "Onboarding step" || rows[1].What != "Onboarding step: send welcome x@y.example" {
		t.Errorf("odd step events read %q and %q", rows[0].What, rows[1].What)
	}
}
