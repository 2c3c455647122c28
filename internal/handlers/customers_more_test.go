package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// cmLog is a log sink tests can read while the portal writes to it.
type cmLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *cmLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *cmLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// cmLogger is a debug-level text logger into a new cmLog.
func cmLogger() (*slog.Logger, *cmLog) {
	l := &cmLog{}
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})), l
}

// cmNewEnvLogged is newEnv with every logger of the portal (handlers, sessions, Zoom client,
// River) writing at debug level into the returned cmLog, so a test can read what was logged.
func cmNewEnvLogged(t *testing.T) (*env, *cmLog) {
	t.Helper()
	logger, logs := cmLogger()
	return newEnvLogging(t, logger), logs
}

// cmZoomService is a second Zoom service on the env's sandbox and grants, for running a
// background worker by hand.
func cmZoomService(t *testing.T, e *env, logger *slog.Logger) *zoom.Service {
	t.Helper()
	app := zoom.App{OAuthURL: e.SbURL, ClientID: sandbox.DemoClientID, ClientSecret: sandbox.DemoClientSecret,
		RedirectURL: e.URL + "/auth/zoom/callback"}
	svc, err := zoom.NewService(zoom.Config{APIURL: e.SbURL + "/v2", App: app, Grants: service.GrantStore(e.Store),
		Limiter: service.RateLimiter(e.Store), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// cmSeed gives partner p n synthetic customers named "Quokka <tag> NNN", with ids
// "cm-<tag>-NNN", created a day apart, every fourth one gone. Zoom does not list them, so a
// customer sync of p would mark them all gone: it first lets the syncs that run by themselves
// finish (the first sign-in's, and the periodic one River runs once it has elected a leader,
// seconds after the start), so that no sync changes them while a test reads them.
func cmSeed(t *testing.T, e *env, p store.Partner, tag string, n int) {
	t.Helper()
	ctx := context.Background()
	tnWaitStartupSync(t, e)
	var batch []store.SyncedCustomer
	for i := 0; i < n; i++ {
		created := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%45) * 24 * time.Hour)
		batch = append(batch, store.SyncedCustomer{ZoomAccountID: fmt.Sprintf("cm-%s-%03d", tag, i), AccountName: fmt.Sprintf("Quokka %s %03d", tag, i),
			OwnerEmail: fmt.Sprintf("owner-%03d@quokka-%s.example", i, tag), AccountType: "Pro", Seats: i % 7, ZoomCreatedAt: &created})
	}
	if _, err := e.Store.SaveSyncedCustomers(ctx, p.ID, batch, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.super().Exec(ctx, "UPDATE customers SET status = 'gone' WHERE partner_id = $1 AND zoom_account_id LIKE 'cm-%' AND right(zoom_account_id, 3)::int % 4 = 0", p.ID); err != nil {
		t.Fatal(err)
	}
}

// cmListIDs returns the account ids of a customer list page, in order.
func cmListIDs(p *page) []string {
	var ids []string
	p.Doc().Find(`[data-testid="customer-row"]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, strings.TrimSpace(s.Find("td code").First().Text()))
	})
	return ids
}

// cmWalkList reads the customer list from u on through its Next links, as a browser without
// JavaScript does, and returns every row's account id in order, the number of pages and the
// first page.
func cmWalkList(t *testing.T, e *env, b *browser, u string) ([]string, int, *page) {
	t.Helper()
	var ids []string
	var first *page
	pages := 0
	for u != "" {
		p := b.get(u)
		if p.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, p.StatusCode)
		}
		if first == nil {
			first = p
		}
		pages++
		ids = append(ids, cmListIDs(p)...)
		u = ""
		if next, ok := p.Doc().Find(`[data-testid="next"]`).Attr("href"); ok {
			u = e.URL + next
		}
		if pages > 20 {
			t.Fatal("the list's pages do not end")
		}
	}
	return ids, pages, first
}

// cmCSV fetches a CSV export and returns its records without the header.
func cmCSV(t *testing.T, b *browser, u string) [][]string {
	t.Helper()
	got := b.get(u)
	if got.StatusCode != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export %s: %d %s", u, got.StatusCode, got.Header.Get("Content-Type"))
	}
	records, err := csv.NewReader(strings.NewReader(got.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) == 0 || records[0][0] != "account_id" {
		t.Fatalf("export without its header: %v", records)
	}
	return records[1:]
}

// The CSV export behind a filtered list is exactly the list's rows, in the list's order,
// across every page of the list, for search, status, partner, sort and a typo search.
func TestCmCustomerExportIsExactlyTheListAcrossPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dist, _ := tree(t, e)
	nw := e.partnerOf(distOwner)
	co := e.partnerOf(resOwner)
	cmSeed(t, e, nw, "nw", 120)
	cmSeed(t, e, co, "co", 120)
	for _, c := range []struct {
		query          string
		want, minPages int
		status         string
		partner        *store.Partner
	}{
		{query: "q=quokka&status=gone", want: 60, minPages: 2, status: "gone"},
		{query: "q=quokka&partner=" + itoa(co.ID), want: 90, minPages: 2, status: "active", partner: &co},
		{query: "q=quokka&status=active&sort=newest&partner=" + itoa(nw.ID), want: 90, minPages: 2, status: "active", partner: &nw},
		{query: "q=quokka+co&sort=seats", want: 90, minPages: 2, status: "active", partner: &co},
		{query: "q=quoka", want: 180, minPages: 4, status: "active"}, // a typo: near misses, by relevance
	} {
		ids, pages, first := cmWalkList(t, e, dist, e.URL+"/customers?"+c.query)
		if len(ids) != c.want || pages < c.minPages {
			t.Fatalf("%s: %d rows on %d pages, want %d on at least %d", c.query, len(ids), pages, c.want, c.minPages)
		}
		// The count above the list is the whole list's (near misses are not counted).
		if count := first.TestID("customers-count"); !strings.HasPrefix(c.query, "q=quoka") && count != strconv.Itoa(c.want)+" customers" {
			t.Fatalf("%s: count %q, want %d customers", c.query, count, c.want)
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s: %s on two pages", c.query, id)
			}
			seen[id] = true
		}
		export, ok := first.Doc().Find(`[data-testid="export"]`).Attr("href")
		if !ok {
			t.Fatalf("%s: no export link", c.query)
		}
		records := cmCSV(t, dist, e.URL+export)
		var exported []string
		for _, r := range records {
			exported = append(exported, r[0])
			if r[6] != c.status || !strings.HasPrefix(r[0], "cm-") {
				t.Fatalf("%s: exported row outside the filter: %v", c.query, r)
			}
			if c.partner != nil && (r[7] != c.partner.Name || r[8] != strconv.FormatBool(c.partner.ID != nw.ID)) {
				t.Fatalf("%s: exported row of another partner: %v", c.query, r)
			}
		}
		if !slices.Equal(exported, ids) {
			t.Fatalf("%s: the export is not the list:\nlist   %v\nexport %v", c.query, ids, exported)
		}
	}
}

// The pager and the results fragment: htmx requests (search as you type, a boosted pager
// link) get the #customer-results fragment, a request without htmx's target gets the whole
// page, and the Next link is a plain link that works without JavaScript.
func TestCmCustomerListPagerWithAndWithoutHtmx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	cmSeed(t, e, p, "nw", 120) // 90 current: two pages
	hx := func(u string, headers map[string]string) *page {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return b.do(req)
	}
	// Search as you type: the form's hx-get targets #customer-results.
	frag := hx(e.URL+"/customers?q=quokka", map[string]string{"HX-Request": "true", "HX-Target": "customer-results", "HX-Trigger": "c-q"})
	doc := frag.Doc()
	if frag.StatusCode != http.StatusOK || strings.Contains(frag.Body, "<html") || doc.Find("#customer-results").Length() != 1 ||
		doc.Find(`form[role="search"]`).Length() != 0 {
		t.Fatalf("search fragment: %d %.300s", frag.StatusCode, frag.Body)
	}
	first := cmListIDs(frag)
	next, ok := doc.Find(`[data-testid="next"]`).Attr("href")
	if len(first) != 50 || !ok {
		t.Fatalf("fragment's first page: %d rows, next %q", len(first), next)
	}
	// The pager is boosted into the results, and the export link is not.
	nav := doc.Find("#customer-results nav.pager")
	if nav.AttrOr("hx-boost", "") != "true" || nav.AttrOr("hx-target", "") != "#customer-results" || nav.AttrOr("hx-select", "") != "#customer-results" ||
		doc.Find(`[data-testid="export"]`).AttrOr("hx-boost", "") != "false" {
		t.Fatalf("pager attributes: %s", outerHTML(nav))
	}
	// A boosted click on Next: the fragment of the second page.
	boosted := hx(e.URL+next, map[string]string{"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "customer-results"})
	second := cmListIDs(boosted)
	if boosted.StatusCode != http.StatusOK || strings.Contains(boosted.Body, "<html") || boosted.Doc().Find("#customer-results").Length() != 1 ||
		len(second) != 40 || slices.ContainsFunc(second, func(id string) bool { return slices.Contains(first, id) }) {
		t.Fatalf("boosted next page: %d, %d rows %v", boosted.StatusCode, len(second), second)
	}
	if _, ok := boosted.Doc().Find(`[data-testid="next"]`).Attr("href"); ok {
		t.Fatal("the last page has a Next link")
	}
	// htmx restoring history asks with HX-Request but no target: the whole page, which has
	// the results for hx-select.
	restore := hx(e.URL+next, map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"})
	if !strings.Contains(restore.Body, "<html") || restore.Doc().Find("#customer-results").Length() != 1 || !slices.Equal(cmListIDs(restore), second) {
		t.Fatalf("history restore: %d %.200s", restore.StatusCode, restore.Body)
	}
	// Without JavaScript: the same link is a whole page with the filters kept.
	plain := b.get(e.URL + next)
	pd := plain.Doc()
	if plain.StatusCode != http.StatusOK || !strings.Contains(plain.Body, "<html") || pd.Find("#customer-results").Length() != 1 ||
		!slices.Equal(cmListIDs(plain), second) || pd.Find("#c-q").AttrOr("value", "") != "quokka" {
		t.Fatalf("next page without JavaScript: %d rows %v", plain.StatusCode, cmListIDs(plain))
	}
	if back, ok := pd.Find(`#customer-results nav.pager a`).First().Attr("href"); !ok || strings.Contains(back, "after=") || !strings.Contains(back, "q=quokka") {
		t.Fatalf("no link back to the first page: %q", back)
	}
}

// cmFacts reads a definition list (data-testid=id) as label → value pairs, in order.
func cmFacts(p *page, id string) [][2]string {
	var out [][2]string
	p.Doc().Find(`[data-testid="` + id + `"] dt`).Each(func(_ int, dt *goquery.Selection) {
		out = append(out, [2]string{strings.TrimSpace(dt.Text()), strings.Join(strings.Fields(dt.NextFiltered("dd").Text()), " ")})
	})
	return out
}

func cmFact(facts [][2]string, label string) string {
	for _, f := range facts {
		if f[0] == label {
			return f[1]
		}
	}
	return ""
}

// cmDay is the date of one of Zoom's timestamps, as the portal shows it.
func cmDay(t *testing.T, v any) string {
	t.Helper()
	s, _ := v.(string)
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("Zoom's time %v: %v", v, err)
	}
	return ts.UTC().Format("2006-01-02")
}

// cmSubAccount is the item of Zoom's sub account list for id.
func cmSubAccount(t *testing.T, e *env, primary, id string) map[string]any {
	t.Helper()
	list := e.zoomGet(t, primary, "/accounts?page_size=300")
	items, _ := list["accounts"].([]any)
	for _, it := range items {
		if m, _ := it.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("%s is not among Zoom's sub accounts of %s", id, primary)
	return nil
}

// The customer page shows what Zoom has: owner, created, account type, seats, subscription
// dates and account number; managed and trusted domains; the users summary; the audit
// events about this customer only (overview and Activity tab); and plan usage.
func TestCmCustomerPageShowsZoomsData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// A customer you pay for with a plan and a trusted domain (the demo seed has some).
	var c, other store.Customer
	for _, cu := range list.Customers {
		acct := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+cu.ZoomAccountID)
		opts, _ := acct["options"].(map[string]any)
		trusted := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+cu.ZoomAccountID+"/trusted_domains")
		if td, _ := trusted["trusted_domains"].([]any); c.ID == 0 && len(td) > 0 && opts["pay_mode"] == "master" && cu.AccountType != "" {
			c = cu
		} else if other.ID == 0 && opts["pay_mode"] == "master" {
			other = cu
		}
	}
	if c.ID == 0 || other.ID == 0 {
		t.Fatal("the demo seed has no paid Northwind customer with a trusted domain")
	}
	id := c.ZoomAccountID
	// Something about this customer and something about another, for the activity.
	if got := b.post(e.URL+"/customers/"+id+"/notes", url.Values{"external_ref": {"CRM-7"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("notes: %d", got.StatusCode)
	}
	if got := b.post(e.URL+"/customers/"+other.ZoomAccountID+"/notes", url.Values{"external_ref": {"CRM-8"}, "tags": {"other"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("notes of the other: %d", got.StatusCode)
	}
	if got := b.get(e.URL + "/customers/" + id + "/users"); got.StatusCode != http.StatusOK { // reads the directory from Zoom
		t.Fatalf("users tab: %d", got.StatusCode)
	}
	view := b.get(e.URL + "/customers/" + id)
	if view.StatusCode != http.StatusOK || view.TestID("zoom-notice") != "" {
		t.Fatalf("customer page: %d %q", view.StatusCode, view.TestID("zoom-notice"))
	}
	// Account facts against Zoom's own answers.
	acct := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id)
	item := cmSubAccount(t, e, p.ZoomAccountID, id)
	facts := cmFacts(view, "account-facts")
	want := map[string]string{
		"Owner":          acct["owner_email"].(string),
		"Plan":           item["account_type"].(string),
		"Seats":          fmt.Sprint(item["seats"]),
		"Account number": fmt.Sprint(item["account_number"]),
		"Created":        cmDay(t, acct["created_at"]),
		"Subscription":   cmDay(t, item["subscription_start_time"]) + " – " + cmDay(t, item["subscription_end_time"]),
		"Managed by":     p.Name,
	}
	for label, w := range want {
		if got := cmFact(facts, label); got != w || w == "" {
			t.Errorf("fact %s = %q, want %q", label, got, w)
		}
	}
	if got := cmFact(facts, "Vanity URL"); got != "" {
		t.Errorf("vanity URL %q, but Zoom has none", got) // see TestCmCustomerPageShowsTheVanityURLZoomHas
	}
	// Domains.
	managed := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id+"/managed_domains")
	var wantDomains [][2]string
	for _, d := range managed["domains"].([]any) {
		m := d.(map[string]any)
		wantDomains = append(wantDomains, [2]string{"Managed", m["domain"].(string) + " (" + m["status"].(string) + ")"})
	}
	var trusted []string
	for _, d := range e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id+"/trusted_domains")["trusted_domains"].([]any) {
		trusted = append(trusted, d.(string))
	}
	wantDomains = append(wantDomains, [2]string{"Trusted", strings.Join(trusted, ", ")})
	if got := cmFacts(view, "domains"); !slices.Equal(got, wantDomains) || len(wantDomains) < 2 {
		t.Errorf("domains %v, want %v", got, wantDomains)
	}
	// Users summary against the sandbox's users of the account.
	counts := map[string]int{}
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == id {
			counts[u.Status]++
		}
	}
	users := cmFacts(view, "users-summary")
	for label, status := range map[string]string{"Active": "active", "Inactive": "inactive", "Pending": "pending"} {
		if got := cmFact(users, label); got != strconv.Itoa(counts[status]) {
			t.Errorf("users summary %s = %q, want %d", label, got, counts[status])
		}
	}
	if counts["active"] == 0 || counts["pending"] == 0 || counts["inactive"] == 0 {
		t.Errorf("the seed gave the customer no users of some status: %v", counts)
	}
	// The customer's audit events, and only its.
	activity := view.Doc().Find(`[data-testid="customer-activity"] li`)
	if activity.Length() != 1 || !strings.Contains(activity.Text(), "customer.notes") || !strings.Contains(activity.Text(), distOwner) {
		t.Errorf("activity on the page: %q", strings.Join(strings.Fields(activity.Text()), " "))
	}
	e.awaitSealed(p.ID) // the tab numbers sealed events
	tab := b.get(e.URL + "/customers/" + id + "/activity")
	rows := auditRows(tab)
	if tab.StatusCode != http.StatusOK || len(rows) != 1 || !strings.Contains(rows[0], "customer.notes") || !strings.Contains(rows[0], "succeeded") {
		t.Errorf("activity tab: %d %v", tab.StatusCode, rows)
	}
	seq := strings.TrimSpace(tab.Doc().Find(`[data-testid="audit-row"] td`).First().Text())
	if ev := auditOf(t, e, p.ID, "customer.notes"); len(ev) != 2 || ev[1].CustomerID != id || seq != strconv.FormatInt(ev[1].Seq, 10) {
		t.Errorf("activity tab: %v, events %+v", rows, ev)
	}
	// Plan usage against Zoom's.
	plans := b.get(e.URL + "/customers/" + id + "/plans")
	var gotUsage [][4]string
	plans.Doc().Find(`[data-testid="usage-table"] tbody tr`).Each(func(_ int, tr *goquery.Selection) {
		td := tr.Find("td")
		gotUsage = append(gotUsage, [4]string{td.Eq(0).Text(), td.Eq(1).Text(), td.Eq(2).Text(), td.Eq(3).Text()})
	})
	usage := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id+"/plans/usage")
	var wantUsage [][4]string
	for _, k := range []struct{ key, kind string }{{"plan_base", "base"}, {"plan_zoom_rooms", "zoom rooms"}, {"plan_large_meeting", "large meeting"}, {"plan_webinar", "webinar"}} {
		items, _ := usage[k.key].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			wantUsage = append(wantUsage, [4]string{k.kind, m["type"].(string), fmt.Sprint(m["hosts"]), fmt.Sprint(m["usage"])})
		}
	}
	if len(wantUsage) == 0 || !slices.Equal(gotUsage, wantUsage) {
		t.Errorf("plan usage %v, want %v", gotUsage, wantUsage)
	}
}

// cmS2S is a Zoom client of a primary's Server-to-Server app, acting in Zoom as if in Zoom's
// own web portal.
func cmS2S(t *testing.T, e *env, primary string) *zoom.Client {
	t.Helper()
	svc, err := zoom.NewService(zoom.Config{APIURL: e.SbURL + "/v2", App: zoom.App{OAuthURL: e.SbURL}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range e.Sandbox.Apps() {
		if a.Type == "s2s" && a.AccountID == primary {
			c, err := svc.S2SClient(zoom.S2SCredentials{AccountID: a.AccountID, ClientID: a.ClientID, ClientSecret: a.ClientSecret})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	t.Fatalf("no Server-to-Server app for %s", primary)
	return nil
}

// The vanity URL is Zoom's, shown from the refresh of the same view (the row read before it
// may be older).
func TestCmCustomerPageShowsTheVanityURLZoomHas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	created, _, err := cmS2S(t, e, p.ZoomAccountID).CreateSubAccount(ctx, &zoom.CreateSubAccountRequest{FirstName: "Vera", LastName: "Vanity",
		Email: "vera@vanity-quokka.example", Password: "Vanity2Quokka9", AccountName: "Vanity Quokka", VanityURL: "vanity-quokka"})
	if err != nil {
		t.Fatal(err)
	}
	syncAndWait(t, e, b)
	c, err := e.Store.CustomerByAccount(ctx, p.ID, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	zoomHas := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+created.ID)["vanity_url"]
	// The row as an earlier sync left it: no vanity URL yet, and details older than a minute.
	if _, err := e.super().Exec(ctx, "UPDATE customers SET vanity_url = '' WHERE id = $1", c.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	view := b.get(e.URL + "/customers/" + created.ID)
	if got := cmFact(cmFacts(view, "account-facts"), "Vanity URL"); got == "" || got != zoomHas {
		t.Fatalf("vanity URL on the first view %q, Zoom has %v", got, zoomHas)
	}
	if c, err := e.Store.CustomerByAccount(ctx, p.ID, created.ID); err != nil || c.VanityURL != zoomHas {
		t.Fatalf("cached vanity URL %q: %v", c.VanityURL, err)
	}
}

// cmCreateForm is a valid create form with a password of the test's.
func cmCreateForm(email, password string) url.Values {
	return url.Values{"account_name": {"Quokka Works"}, "first_name": {"Quinn"}, "last_name": {"Okka"}, "email": {email},
		"password": {password}, "pay_mode": {"sub"}, "billing_auto_renew": {"1"}}
}

// Zoom's 1111 (password) and 300 (a name, or no field) on create are explained in plain words
// next to the right field, with the input kept (never the password); the password is in no
// audit row and no log line, whatever happened to the create.
func TestCmCreateExplains1111And300AndNeverKeepsThePassword(t *testing.T) {
	t.Parallel()
	e, logs := cmNewEnvLogged(t)
	b, p := registerNorthwind(t, e)
	const pw = "Qu0kkaSecretPw7"
	kept := func(t *testing.T, got *page, f url.Values) {
		t.Helper()
		doc := got.Doc()
		for _, k := range []string{"account_name", "first_name", "last_name", "email"} {
			if v := doc.Find("#f-"+k).AttrOr("value", ""); v != f.Get(k) {
				t.Errorf("%s not kept: %q, want %q", k, v, f.Get(k))
			}
		}
		if doc.Find("#f-password").AttrOr("value", "") != "" || strings.Contains(got.Body, pw) {
			t.Error("the page kept the password")
		}
		if _, ok := doc.Find(`input[name="pay_mode"][value="sub"]`).Attr("checked"); !ok {
			t.Error("pay mode not kept")
		}
		if _, ok := doc.Find(`input[name="billing_auto_renew"]`).Attr("checked"); !ok {
			t.Error("auto-renew not kept")
		}
	}
	only := func(t *testing.T, got *page, field, code, words string) {
		t.Helper()
		if got.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", got.StatusCode)
		}
		msg := got.TestID("error-" + field)
		if !strings.Contains(msg, code) || !strings.Contains(msg, words) {
			t.Errorf("error-%s = %q, want code %s and %q", field, msg, code, words)
		}
		for _, other := range []string{"account_name", "first_name", "last_name", "email", "password", "create"} {
			if other != field && got.TestID("error-"+other) != "" {
				t.Errorf("error-%s = %q as well", other, got.TestID("error-"+other))
			}
		}
	}
	// 1111, as Zoom answers when the account's password rules are stricter than the form's.
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts", Status: 400, Code: 1111,
		Message: "Password does not meet the password requirements.", Count: 1})
	f := cmCreateForm("quinn@quokka-works.example", pw)
	got := b.post(e.URL+"/customers/quick", f)
	only(t, got, "password", "Zoom code 1111", "Password does not meet the password requirements.")
	if !strings.Contains(got.TestID("error-password"), "too weak") {
		t.Errorf("1111 not in plain words: %q", got.TestID("error-password"))
	}
	kept(t, got, f)
	// 300 for an invalid word, next to the name that has it.
	f.Set("last_name", "Badwordson")
	got = b.post(e.URL+"/customers/quick", f)
	only(t, got, "last_name", "Zoom code 300", "word Zoom does not allow")
	kept(t, got, f)
	f.Set("last_name", "Okka")
	f.Set("account_name", "The Badword Company")
	got = b.post(e.URL+"/customers/quick", f)
	only(t, got, "account_name", "Zoom code 300", "word Zoom does not allow")
	kept(t, got, f)
	// 300 that names no field: explained above the form.
	f.Set("account_name", "Quokka Works")
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts", Status: 400, Code: 300, Message: "Validation Failed.", Count: 1})
	got = b.post(e.URL+"/customers/quick", f)
	only(t, got, "create", "Zoom code 300", "Zoom rejected some of the information entered")
	kept(t, got, f)
	if n := e.sandboxAccountsWithOwner(f.Get("email")); n != 0 {
		t.Fatalf("%d sub accounts after four refusals", n)
	}
	evs := auditOf(t, e, p.ID, "customer.create")
	var codes []int
	for _, ev := range evs {
		if ev.Outcome == store.OutcomeFailed {
			codes = append(codes, ev.ZoomCode)
		}
	}
	if !slices.Equal(codes, []int{300, 300, 300, 1111}) {
		t.Fatalf("codes of the refused creates, newest first: %v", codes)
	}
	// Then one created, and one whose answer was lost (found by its owner's email).
	if got := b.post(e.URL+"/customers/quick", f); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %q", got.StatusCode, got.TestID("error-create"))
	}
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts", ApplyThen: "504", Count: 1})
	if got := b.post(e.URL+"/customers/quick", cmCreateForm("lost@quokka-works.example", pw)); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("create with a lost answer: %d", got.StatusCode)
	}
	if trail := auditTrail(t, e, p.ID, "customer.create"); len(trail) != 12 || trail[9] != "succeeded" || trail[11] != "succeeded" {
		t.Fatalf("audit trail: %v", trail)
	}
	// The password: in no column of any audit row, nor any customer row, nor the log.
	var inAudit, audited, inCustomers int
	if err := e.super().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE row_to_json(a)::text LIKE '%' || $1 || '%'), count(*)
		FROM audit_events a`, pw).Scan(&inAudit, &audited); err != nil {
		t.Fatal(err)
	}
	if err := e.super().QueryRow(context.Background(), `SELECT count(*) FROM customers c WHERE row_to_json(c)::text LIKE '%' || $1 || '%'`, pw).Scan(&inCustomers); err != nil {
		t.Fatal(err)
	}
	if inAudit != 0 || inCustomers != 0 || audited < 12 {
		t.Fatalf("the password is in %d of %d audit rows and %d customer rows", inAudit, audited, inCustomers)
	}
	log := logs.String()
	if !strings.Contains(log, "route=/accounts") || !strings.Contains(log, "path=/customers/quick") {
		t.Fatalf("the captured log has no create in it: %.500s", log)
	}
	if strings.Contains(log, pw) {
		t.Fatal("the password is in the log")
	}
	if strings.Contains(log, "status=500") || strings.Contains(log, "level=ERROR") {
		t.Fatalf("an error was logged: %s", log)
	}
}

// The periodic worker settles lost creates older than a minute: the one Zoom made is found by
// its owner's email and completed, the one Zoom never made is abandoned, a younger one is left
// alone, and while Zoom cannot be asked everything stays pending. It never creates anything.
func TestCmResolvePendingWorkerSettlesLostCreates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	e.waitJobsIdle()
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts", Status: 503}) // Zoom cannot be asked
	create := func(email string, f sandbox.Fault) {
		t.Helper()
		e.Sandbox.AddFault(f)
		if got := b.post(e.URL+"/customers/quick", newCustomerForm(email)); got.StatusCode != http.StatusAccepted {
			t.Fatalf("create of %s: %d %.300s", email, got.StatusCode, got.Body)
		}
	}
	create("made@quokka.example", sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts", ApplyThen: "drop", Count: 1})
	create("never@quokka.example", sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts", Drop: true, Count: 1})
	create("young@quokka.example", sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts", ApplyThen: "drop", Count: 1})
	for _, email := range []string{"made@quokka.example", "never@quokka.example", "young@quokka.example"} {
		if rows := e.customerRows(p.ID, email); len(rows) != 1 || rows[0].Status != store.CustomerPending {
			t.Fatalf("%s before the worker: %+v", email, rows)
		}
	}
	if _, err := e.super().Exec(ctx, "UPDATE customers SET created_at = now() - interval '3 minutes' WHERE status = 'pending' AND owner_email <> 'young@quokka.example'"); err != nil {
		t.Fatal(err)
	}
	logger, logs := cmLogger()
	w := &jobs.ResolvePendingWorker{Store: e.Store, Svc: service.New(e.Store, cmZoomService(t, e, logger), logger), Log: logger}
	run := func(id int64) {
		t.Helper()
		if err := w.Work(ctx, &river.Job[jobs.ResolvePendingArgs]{JobRow: &rivertype.JobRow{ID: id}}); err != nil {
			t.Fatal(err)
		}
	}
	posts := len(e.sandboxRequests(http.MethodPost, "/v2/accounts"))
	// Zoom still cannot be asked: nothing is settled, and the log says why.
	run(4241)
	if trail := auditTrail(t, e, p.ID, "customer.create"); strings.Join(trail, ",") != "pending,pending,pending" {
		t.Fatalf("audit while Zoom is down: %v", trail)
	}
	if !strings.Contains(logs.String(), "resolve pending customer") {
		t.Fatalf("no warning logged: %s", logs.String())
	}
	e.Sandbox.ClearFaults()
	run(4242)
	made := e.customerRows(p.ID, "made@quokka.example")
	if len(made) != 1 || made[0].Status != store.CustomerActive || !made[0].InZoom() || e.sandboxAccountsWithOwner("made@quokka.example") != 1 {
		t.Fatalf("made: %+v", made)
	}
	if u, ok := sandboxUser(e, "made@quokka.example"); !ok || u.AccountID != made[0].ZoomAccountID {
		t.Fatalf("made: Zoom's account %+v, the customer's %s", u, made[0].ZoomAccountID)
	}
	if rows := e.customerRows(p.ID, "never@quokka.example"); len(rows) != 0 || e.sandboxAccountsWithOwner("never@quokka.example") != 0 {
		t.Fatalf("never: %+v", rows)
	}
	if rows := e.customerRows(p.ID, "young@quokka.example"); len(rows) != 1 || rows[0].Status != store.CustomerPending {
		t.Fatalf("young: %+v", rows)
	}
	if n := len(e.sandboxRequests(http.MethodPost, "/v2/accounts")) - posts; n != 0 {
		t.Fatalf("the worker sent %d creates", n)
	}
	var settled []string
	for _, ev := range auditOf(t, e, p.ID, "customer.create") {
		if ev.Outcome == store.OutcomePending {
			continue
		}
		if ev.RequestID != "river-4242" || !strings.HasPrefix(ev.GrantRef, "user:") {
			t.Errorf("settled by %q with grant %q", ev.RequestID, ev.GrantRef)
		}
		settled = append(settled, string(ev.Outcome)+" "+ev.TargetID+" "+string(ev.Details))
	}
	if len(settled) != 2 || !strings.Contains(settled[0]+settled[1], "succeeded "+made[0].ZoomAccountID) ||
		!strings.Contains(settled[0]+settled[1], "never@quokka.example") || !strings.Contains(settled[0]+settled[1], "found by its owner's email") {
		t.Fatalf("settled events: %v", settled)
	}
	// Run again: nothing more to do.
	run(4243)
	if trail := auditTrail(t, e, p.ID, "customer.create"); len(trail) != 5 {
		t.Fatalf("a second run changed the audit: %v", trail)
	}
}

// cmDetails decodes an audit event's details.
func cmDetails(t *testing.T, ev store.AuditEvent) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(ev.Details, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// cmUserGrant is the user grant of a partner's staff member, as audit events name it.
func cmUserGrant(t *testing.T, e *env, partnerID int64, email string) string {
	t.Helper()
	st := e.staffByEmail(partnerID, email)
	var id int64
	if err := e.super().QueryRow(context.Background(), "SELECT id FROM zoom_grants WHERE partner_id = $1 AND staff_id = $2 AND kind = 'user'", partnerID, st.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return store.GrantRef(id)
}

// cmJSON is v as JSON, for comparing decoded details.
func cmJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Owner change: form, confirmation (nothing sent before it), PUT .../owner at Zoom, the new
// owner cached, the audit event with before, after and the grant; Zoom's refusal next to the
// field. An options change (auto-renew, room connectors) needs no confirmation, is made in
// Zoom and audited with only what changed, before and after.
func TestCmChangeOwnerAndOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	grant := cmUserGrant(t, e, p.ID, distOwner)
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var c store.Customer
	var admin, member string
	for _, cu := range list.Customers {
		admin, member = "", ""
		for _, u := range e.Sandbox.Users() {
			if u.AccountID == cu.ZoomAccountID && u.Status == "active" {
				switch u.Role {
				case "Admin":
					admin = u.Email
				case "Member":
					member = u.Email
				}
			}
		}
		if admin != "" && member != "" && e.zoomGet(t, p.ZoomAccountID, "/accounts/"+cu.ZoomAccountID)["options"].(map[string]any)["pay_mode"] == "master" {
			c = cu
			break
		}
	}
	if c.ID == 0 {
		t.Fatal("no Northwind customer you pay for with an active admin")
	}
	id, oldOwner := c.ZoomAccountID, c.OwnerEmail
	ownerPath := "/v2/accounts/" + id + "/owner"
	if form := b.get(e.URL + "/customers/" + id + "/owner"); form.StatusCode != http.StatusOK || form.Doc().Find("#f-email").Length() != 1 {
		t.Fatalf("owner form: %d", form.StatusCode)
	}
	confirm := b.post(e.URL+"/customers/"+id+"/owner", url.Values{"email": {admin}})
	lines := confirm.Doc().Find(`[data-testid="confirm"]`).Text()
	if confirm.StatusCode != http.StatusOK || !strings.Contains(lines, admin) || !strings.Contains(lines, oldOwner) ||
		confirm.Doc().Find(`[data-testid="confirm"] input[name="email"]`).AttrOr("value", "") != admin {
		t.Fatalf("owner confirmation: %d %q", confirm.StatusCode, lines)
	}
	if n := len(e.sandboxRequests(http.MethodPut, ownerPath)); n != 0 {
		t.Fatal("the owner change was sent before it was confirmed")
	}
	done := b.post(e.URL+"/customers/"+id+"/owner", url.Values{"email": {admin}, "confirm": {"yes"}})
	if loc := done.location(t); loc != e.URL+"/customers/"+id {
		t.Fatalf("after the owner change: %s", loc)
	}
	if puts := e.sandboxRequests(http.MethodPut, ownerPath); len(puts) != 1 || puts[0].Status != http.StatusNoContent || puts[0].Grant != sandbox.DemoClientID {
		t.Fatalf("PUT owner at Zoom: %+v", puts)
	}
	if u, _ := sandboxUser(e, admin); u.Role != "Owner" {
		t.Fatalf("in Zoom %s is %s", admin, u.Role)
	}
	if got, err := e.Store.CustomerByAccount(ctx, p.ID, id); err != nil || got.OwnerEmail != admin {
		t.Fatalf("cached owner %q (%v)", got.OwnerEmail, err)
	}
	evs := auditOf(t, e, p.ID, "customer.owner")
	if len(evs) != 1 || evs[0].Outcome != store.OutcomeSucceeded || evs[0].CustomerID != id || evs[0].GrantRef != grant || evs[0].StaffEmail != distOwner {
		t.Fatalf("owner audit: %+v (grant want %s)", evs, grant)
	}
	d := cmDetails(t, evs[0])
	if cmJSON(d["before"]) != cmJSON(map[string]any{"owner_email": oldOwner}) || cmJSON(d["after"]) != cmJSON(map[string]any{"owner_email": admin}) {
		t.Fatalf("owner audit details: %s", evs[0].Details)
	}
	if got := cmFact(cmFacts(b.get(e.URL+"/customers/"+id), "account-facts"), "Owner"); got != admin {
		t.Fatalf("owner on the page: %q", got)
	}
	// A plain member cannot become owner: Zoom's 200 next to the field, audited, nothing changed.
	refused := b.post(e.URL+"/customers/"+id+"/owner", url.Values{"email": {member}, "confirm": {"yes"}})
	if refused.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(refused.TestID("error-email"), "Zoom code 200") ||
		refused.Doc().Find("#f-email").AttrOr("value", "") != member {
		t.Fatalf("member as owner: %d %q", refused.StatusCode, refused.TestID("error-email"))
	}
	if evs := auditOf(t, e, p.ID, "customer.owner"); len(evs) != 2 || evs[0].Outcome != store.OutcomeFailed || evs[0].ZoomCode != 200 || evs[0].GrantRef != grant {
		t.Fatalf("audit of the refusal: %+v", evs[0])
	}
	if got, err := e.Store.CustomerByAccount(ctx, p.ID, id); err != nil || got.OwnerEmail != admin {
		t.Fatalf("cached owner after the refusal %q (%v)", got.OwnerEmail, err)
	}

	// Options: turn auto-renew off and room connectors on; meeting connectors stay off.
	before := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id)["options"].(map[string]any)
	if before["billing_auto_renew"] != true || before["share_rc"] != false || before["share_mc"] != false {
		t.Fatalf("options before: %v", before)
	}
	optsPath := "/v2/accounts/" + id + "/options"
	changed := b.post(e.URL+"/customers/"+id+"/options", url.Values{"pay_mode": {"master"}, "share_rc": {"1"}})
	if changed.StatusCode != http.StatusSeeOther || changed.Doc().Find(`[data-testid="confirm"]`).Length() != 0 {
		t.Fatalf("options change: %d", changed.StatusCode)
	}
	if patches := e.sandboxRequests(http.MethodPatch, optsPath); len(patches) != 1 || patches[0].Status != http.StatusNoContent {
		t.Fatalf("PATCH options at Zoom: %+v", patches)
	}
	after := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id)["options"].(map[string]any)
	if after["billing_auto_renew"] != false || after["share_rc"] != true || after["share_mc"] != false || after["pay_mode"] != "master" {
		t.Fatalf("options in Zoom after: %v", after)
	}
	evs = auditOf(t, e, p.ID, "customer.options")
	if len(evs) != 1 || evs[0].Outcome != store.OutcomeSucceeded || evs[0].GrantRef != grant || evs[0].CustomerID != id {
		t.Fatalf("options audit: %+v", evs)
	}
	d = cmDetails(t, evs[0])
	if cmJSON(d["before"]) != cmJSON(map[string]any{"billing_auto_renew": true, "share_rc": false}) ||
		cmJSON(d["after"]) != cmJSON(map[string]any{"billing_auto_renew": false, "share_rc": true}) {
		t.Fatalf("options audit details: %s", evs[0].Details)
	}
	opts := cmFacts(b.get(e.URL+"/customers/"+id), "options")
	if cmFact(opts, "Auto-renew") != "no" || cmFact(opts, "Shares room connectors") != "yes" || cmFact(opts, "Shares meeting connectors") != "no" {
		t.Fatalf("options on the page: %v", opts)
	}
	// Sending the same again changes nothing and sends nothing.
	if got := b.post(e.URL+"/customers/"+id+"/options", url.Values{"pay_mode": {"master"}, "share_rc": {"1"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("unchanged options: %d", got.StatusCode)
	}
	if n := len(e.sandboxRequests(http.MethodPatch, optsPath)); n != 1 || len(auditOf(t, e, p.ID, "customer.options")) != 1 {
		t.Fatalf("unchanged options sent %d changes", n-1)
	}
	// Meeting connectors on, room connectors off again.
	if got := b.post(e.URL+"/customers/"+id+"/options", url.Values{"pay_mode": {"master"}, "share_mc": {"1"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("second options change: %d", got.StatusCode)
	}
	after = e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id)["options"].(map[string]any)
	if after["billing_auto_renew"] != false || after["share_rc"] != false || after["share_mc"] != true {
		t.Fatalf("options in Zoom after the second change: %v", after)
	}
	evs = auditOf(t, e, p.ID, "customer.options")
	if d = cmDetails(t, evs[0]); len(evs) != 2 || cmJSON(d["before"]) != cmJSON(map[string]any{"share_mc": false, "share_rc": true}) ||
		cmJSON(d["after"]) != cmJSON(map[string]any{"share_mc": true, "share_rc": false}) || evs[0].GrantRef != grant {
		t.Fatalf("second options audit: %s", evs[0].Details)
	}
}

// cmZoomPlans reads a sub account's plans from Zoom.
func cmZoomPlans(t *testing.T, e *env, primary, id string) map[string]any {
	t.Helper()
	return e.zoomGet(t, primary, "/accounts/"+id+"/plans")
}

// cmSubscribe is a complete subscribe form.
func cmSubscribe(typ, hosts string) url.Values {
	return url.Values{"type": {typ}, "hosts": {hosts}, "first_name": {"Bill"}, "last_name": {"Ing"}, "email": {"bill@quokka.example"},
		"phone_number": {"+1 555 0100"}, "address": {"1 Main St"}, "city": {"Springfield"}, "state": {"IL"}, "zip": {"62701"}, "country": {"US"}}
}

// cmConfirmed posts form to a plan action: first the confirmation (nothing sent to Zoom), then
// confirmed (with extra), which must go back to the plans tab. It returns the confirmation.
func cmConfirmed(t *testing.T, e *env, b *browser, u string, form url.Values, zoomMethod, zoomPath string, extra url.Values) *page {
	t.Helper()
	sent := len(e.sandboxRequests(zoomMethod, zoomPath))
	confirm := b.post(u, form)
	if confirm.StatusCode != http.StatusOK || confirm.Doc().Find(`[data-testid="confirm"]`).Length() != 1 {
		t.Fatalf("%s: no confirmation: %d %.300s", u, confirm.StatusCode, confirm.Body)
	}
	if n := len(e.sandboxRequests(zoomMethod, zoomPath)); n != sent {
		t.Fatalf("%s: sent before it was confirmed", u)
	}
	form = cmCopy(form)
	form.Set("confirm", "yes")
	for k, v := range extra {
		form[k] = v
	}
	done := b.post(u, form)
	if done.StatusCode != http.StatusSeeOther || !strings.HasSuffix(done.location(t), "/plans") {
		t.Fatalf("%s confirmed: %d %.600s", u, done.StatusCode, done.Body)
	}
	calls := e.sandboxRequests(zoomMethod, zoomPath)
	if len(calls) != sent+1 || calls[len(calls)-1].Status/100 != 2 || calls[len(calls)-1].Path != zoomPath {
		t.Fatalf("%s: Zoom got %+v", u, calls)
	}
	return confirm
}

// cmCopy copies form values.
func cmCopy(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// cmPlanRows reads the plans tab: kind, type, hosts, status, and whether it can be cancelled.
func cmPlanRows(p *page) []string {
	var out []string
	p.Doc().Find(`[data-testid="plan-row"]`).Each(func(_ int, tr *goquery.Selection) {
		td := tr.Find("td")
		row := strings.Join([]string{td.Eq(0).Text(), td.Eq(1).Text(), td.Eq(2).Text(), td.Eq(3).Text()}, " ")
		if tr.Find(`form[action$="/plans/cancel"]`).Length() > 0 {
			row += " cancelable"
		}
		out = append(out, row)
	})
	return out
}

// Plans through the portal: subscribe, change the base plan, add an add-on, change its hosts,
// cancel it, cancel the base plan; each confirmed, made in Zoom with the right call, shown on
// the plans tab, and audited with the plan before (as read from Zoom) and after, and the grant.
func TestCmPlansBaseAddonAndCancelAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	grant := cmUserGrant(t, e, p.ID, distOwner)
	id := strings.TrimPrefix(b.post(e.URL+"/customers/quick", newCustomerForm("plans@quokka.example")).location(t), e.URL+"/customers/")
	base := e.URL + "/customers/" + id + "/plans"
	zp := "/v2/accounts/" + id + "/plans"
	audit := func(action string) (map[string]any, store.AuditEvent) {
		t.Helper()
		evs := auditOf(t, e, p.ID, action)
		if len(evs) == 0 || evs[0].Outcome != store.OutcomeSucceeded || evs[0].GrantRef != grant || evs[0].CustomerID != id {
			t.Fatalf("%s audit: %+v", action, evs)
		}
		return cmDetails(t, evs[0]), evs[0]
	}
	cmConfirmed(t, e, b, base, cmSubscribe("business_annual", "12"), http.MethodPost, zp, nil)
	d, _ := audit("customer.plan.subscribe")
	if d["before"] != nil || cmJSON(d["after"]) != cmJSON(map[string]any{"kind": "base", "type": "business_annual", "hosts": 12}) {
		t.Fatalf("subscribe audit: %v", d)
	}
	// The base plan: 12 → 15 hosts.
	confirm := cmConfirmed(t, e, b, base+"/base", url.Values{"type": {"business_annual"}, "hosts": {"15"}}, http.MethodPut, zp+"/base", nil)
	if !strings.Contains(confirm.TestID("confirm"), "from business_annual with 12 hosts to business_annual with 15 hosts") {
		t.Fatalf("base confirmation: %q", confirm.TestID("confirm"))
	}
	if pb := cmZoomPlans(t, e, p.ZoomAccountID, id)["plan_base"].(map[string]any); pb["hosts"] != 15.0 || pb["type"] != "business_annual" {
		t.Fatalf("base plan in Zoom: %v", pb)
	}
	d, _ = audit("customer.plan.base")
	if cmJSON(d["before"]) != cmJSON(map[string]any{"kind": "base", "type": "business_annual", "hosts": 12, "status": "active"}) ||
		cmJSON(d["after"]) != cmJSON(map[string]any{"kind": "base", "type": "business_annual", "hosts": 15}) {
		t.Fatalf("base audit: %v", d)
	}
	if c, err := e.Store.CustomerByAccount(ctx, p.ID, id); err != nil || c.Seats != 15 {
		t.Fatalf("cached seats %d (%v)", c.Seats, err)
	}
	// An add-on, then more hosts for it.
	cmConfirmed(t, e, b, base+"/addons", url.Values{"type": {"large500_monthly"}, "hosts": {"1"}}, http.MethodPost, zp+"/addons", nil)
	d, _ = audit("customer.plan.addon")
	if d["before"] != nil || cmJSON(d["after"]) != cmJSON(map[string]any{"type": "large500_monthly", "hosts": 1}) {
		t.Fatalf("add-on audit: %v", d)
	}
	confirm = cmConfirmed(t, e, b, base+"/addons", url.Values{"type": {"large500_monthly"}, "hosts": {"3"}}, http.MethodPut, zp+"/addons", nil)
	if !strings.Contains(confirm.TestID("confirm"), "large500_monthly changes from 1 to 3 hosts") {
		t.Fatalf("add-on change confirmation: %q", confirm.TestID("confirm"))
	}
	d, _ = audit("customer.plan.addon.update")
	if cmJSON(d["before"]) != cmJSON(map[string]any{"kind": "large meeting", "type": "large500_monthly", "hosts": 1, "status": "active"}) ||
		cmJSON(d["after"]) != cmJSON(map[string]any{"kind": "large meeting", "type": "large500_monthly", "hosts": 3}) {
		t.Fatalf("add-on change audit: %v", d)
	}
	lm := cmZoomPlans(t, e, p.ZoomAccountID, id)["plan_large_meeting"].([]any)
	if len(lm) != 1 || lm[0].(map[string]any)["hosts"] != 3.0 {
		t.Fatalf("add-ons in Zoom: %v", lm)
	}
	tab := b.get(base)
	if rows := cmPlanRows(tab); !slices.Equal(rows, []string{"base Business, annual business_annual 15 active cancelable", "large meeting Large meetings 500, monthly large500_monthly 3 active cancelable"}) {
		t.Fatalf("plans tab: %v", rows)
	}
	// Cancel the add-on: a confirmation that asks Zoom's reason.
	confirm = cmConfirmed(t, e, b, base+"/cancel", url.Values{"kind": {"large meeting"}, "type": {"large500_monthly"}}, http.MethodPatch, zp+"/addons/status",
		url.Values{"reason": {"4"}, "comment": {"Too big"}})
	if confirm.Doc().Find(`select[name="reason"] option`).Length() != 6 || confirm.Doc().Find(`[data-testid="confirm"].danger-zone`).Length() != 1 {
		t.Fatalf("cancel confirmation: %.500s", confirm.TestID("confirm"))
	}
	d, _ = audit("customer.plan.cancel")
	if cmJSON(d["before"]) != cmJSON(map[string]any{"kind": "large meeting", "type": "large500_monthly", "hosts": 3, "status": "active"}) ||
		cmJSON(d["after"]) != cmJSON(map[string]any{"kind": "large meeting", "type": "large500_monthly", "hosts": 3, "status": "cancelled", "reason": "4 Price", "comment": "Too big"}) {
		t.Fatalf("cancel audit: %v", d)
	}
	if lm := cmZoomPlans(t, e, p.ZoomAccountID, id)["plan_large_meeting"].([]any); lm[0].(map[string]any)["status"] != "cancel" {
		t.Fatalf("add-on in Zoom after the cancel: %v", lm)
	}
	tab = b.get(base)
	if rows := cmPlanRows(tab); !slices.Equal(rows, []string{"base Business, annual business_annual 15 active cancelable", "large meeting Large meetings 500, monthly large500_monthly 3 cancel"}) {
		t.Fatalf("plans tab after cancelling the add-on: %v", rows)
	}
	// Cancel the base plan.
	cmConfirmed(t, e, b, base+"/cancel", url.Values{"kind": {"base"}, "type": {"business_annual"}}, http.MethodPatch, zp+"/base/status", url.Values{"reason": {"5"}})
	d, _ = audit("customer.plan.cancel")
	if cmJSON(d["before"]) != cmJSON(map[string]any{"kind": "base", "type": "business_annual", "hosts": 15, "status": "active"}) ||
		cmJSON(d["after"]) != cmJSON(map[string]any{"kind": "base", "type": "business_annual", "hosts": 15, "status": "cancelled", "reason": "5 Switching to another product"}) {
		t.Fatalf("base cancel audit: %v", d)
	}
	if pb := cmZoomPlans(t, e, p.ZoomAccountID, id)["plan_base"].(map[string]any); pb["status"] != "cancel" {
		t.Fatalf("base plan in Zoom after the cancel: %v", pb)
	}
	tab = b.get(base)
	if rows := cmPlanRows(tab); !slices.Equal(rows, []string{"base Business, annual business_annual 15 cancel", "large meeting Large meetings 500, monthly large500_monthly 3 cancel"}) {
		t.Fatalf("plans tab after cancelling the base plan: %v", rows)
	}
	if trail := auditTrail(t, e, p.ID, "customer.plan."); len(trail) != 6 || slices.Contains(trail, "failed") {
		t.Fatalf("plan audit trail: %v", trail)
	}
}

// Zoom's billing refusals of a subscription (POST .../plans) and of a base plan change (PUT
// .../plans/base) are explained in plain words with Zoom's code and what to do, audited as
// failed with the code, and change nothing.
func TestCmBillingErrorsAreExplained(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	id := strings.TrimPrefix(b.post(e.URL+"/customers/quick", newCustomerForm("billing@quokka.example")).location(t), e.URL+"/customers/")
	refusals := []struct {
		code, status int
		words        string
	}{
		{2100, 400, "Zoom refused the billing or plan change"},
		{3261, 400, "needs a base plan"},
		{3200, 404, "no subscription on record"},
		{3201, 404, "no billing account on record"},
		{3211, 404, "no billing contact on record"},
	}
	// suffix is the portal's path after .../plans, form the plans tab's form the error shows in.
	check := func(suffix, form, action, method, path string, values url.Values, advice map[int]string) {
		t.Helper()
		for _, r := range refusals {
			e.Sandbox.AddFault(sandbox.Fault{Method: method, Path: path, Status: r.status, Code: r.code, Message: "Refused by test " + strconv.Itoa(r.code) + ".", Count: 1})
			values.Set("confirm", "yes")
			got := b.post(e.URL+"/customers/"+id+"/plans"+suffix, values)
			msg := got.TestID("error-" + form)
			want := "(Zoom code " + strconv.Itoa(r.code) + ": Refused by test " + strconv.Itoa(r.code) + ".)"
			if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, r.words) || !strings.Contains(msg, want) ||
				!strings.Contains(msg, advice[r.code]) || !strings.HasPrefix(msg, "Zoom refused the change, so nothing was changed") {
				t.Errorf("%s, code %d: %d %q", form, r.code, got.StatusCode, msg)
			}
			evs := auditOf(t, e, p.ID, action)
			if len(evs) == 0 || evs[0].Outcome != store.OutcomeFailed || evs[0].ZoomCode != r.code || evs[0].CustomerID != id {
				t.Errorf("%s, code %d: audit %+v", form, r.code, evs)
			}
		}
	}
	zp := "/v2/accounts/" + id + "/plans"
	check("", "subscribe", "customer.plan.subscribe", http.MethodPost, zp, cmSubscribe("business_annual", "12"), map[int]string{
		2100: "pay mode master", 3261: "must be a base plan", 3200: "Check the billing contact", 3201: "Check the billing contact", 3211: "Check the billing contact"})
	if _, ok := cmZoomPlans(t, e, p.ZoomAccountID, id)["plan_base"]; ok {
		t.Fatal("a refused subscription left a plan")
	}
	cmConfirmed(t, e, b, e.URL+"/customers/"+id+"/plans", cmSubscribe("business_annual", "12"), http.MethodPost, zp, nil)
	check("/base", "base", "customer.plan.base", http.MethodPut, zp+"/base", url.Values{"type": {"business_annual"}, "hosts": {"20"}}, map[int]string{
		2100: "pay mode master", 3261: "Subscribe a base plan first", 3200: "subscribe a plan with a billing contact first",
		3201: "subscribe a plan with a billing contact first", 3211: "subscribe a plan with a billing contact first"})
	if pb := cmZoomPlans(t, e, p.ZoomAccountID, id)["plan_base"].(map[string]any); pb["hosts"] != 12.0 {
		t.Fatalf("a refused change changed the plan: %v", pb)
	}
	if trail := auditTrail(t, e, p.ID, "customer.plan."); len(trail) != 11 {
		t.Fatalf("plan audit trail: %v", trail)
	}
}
