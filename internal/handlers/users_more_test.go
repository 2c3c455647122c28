package handlers_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// umZoom calls the sandbox's API as the primary account primary (through its
// Server-to-Server app), to read or change Zoom's state the way Zoom's own web portal would,
// independently of Tierdesk. It returns the status and the decoded answer.
func umZoom(t testing.TB, e *env, primary, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var id, secret string
	for _, a := range e.Sandbox.Apps() {
		if a.Type == "s2s" && a.AccountID == primary {
			id, secret = a.ClientID, a.ClientSecret
		}
	}
	if id == "" {
		t.Fatalf("no Server-to-Server app for %s", primary)
	}
	req, _ := http.NewRequest(http.MethodPost, e.SbURL+"/oauth/token?grant_type=account_credentials&account_id="+primary, nil)
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token for %s: %d %v", primary, resp.StatusCode, err)
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ = http.NewRequest(method, e.SbURL+"/v2"+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %d %v: %.300s", method, path, resp.StatusCode, err, b)
		}
	}
	return resp.StatusCode, out
}

// umFacts reads a <dl> of the page (by data-testid) as label → value.
func umFacts(p *page, testid string) map[string]string {
	out := map[string]string{}
	p.Doc().Find(`[data-testid="` + testid + `"] dt`).Each(func(_ int, dt *goquery.Selection) {
		out[strings.TrimSpace(dt.Text())] = strings.TrimSpace(dt.NextFiltered("dd").Text())
	})
	return out
}

// umRowEmails lists the emails of a users list's rows, in order.
func umRowEmails(p *page) []string {
	var out []string
	p.Doc().Find(`[data-testid="user-row"] [data-testid="user-link"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	return out
}

// umFragment fetches a users list as htmx's search box does (the results only).
func umFragment(b *browser, u string) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "user-results")
	return b.do(req)
}

// umMatches says whether a sandbox user matches a users search as the list does (email or
// names contain q, case-insensitively).
func umMatches(u sandbox.UserInfo, q string) bool {
	q = strings.ToLower(q)
	return strings.Contains(strings.ToLower(u.Email+" "+u.FirstName+" "+u.LastName), q)
}

// The users list searches (users-q) and pages (users-next) the customer's directory, as a
// full page without JavaScript and as htmx's fragment; the pages together are exactly Zoom's
// users, in order, without overlap.
func TestUmUsersListSearchAndPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, _, c := contoso(t, e)
	users := usersURLOf(e, c)
	var inZoom []sandbox.UserInfo
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == c.ZoomAccountID {
			inZoom = append(inZoom, u)
		}
	}
	if len(inZoom) <= 100 {
		t.Fatalf("the customer has %d users: the paging test wants more than two pages", len(inZoom))
	}

	// Paging: every page but the last has 50 rows and a users-next link; the pages together
	// are Zoom's users, sorted by email, each once.
	var all []string
	next, pages := users, 0
	for next != "" {
		got := owner.get(next)
		if got.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d", pages+1, got.StatusCode)
		}
		rows := umRowEmails(got)
		// The page says where it is: rows first–last of the whole list.
		wantRange := fmt.Sprintf("%d–%d of %d", len(all)+1, len(all)+len(rows), len(inZoom))
		if got.TestID("users-range") != wantRange {
			t.Fatalf("page %d says %q, want %q", pages+1, got.TestID("users-range"), wantRange)
		}
		pages++
		link := got.Doc().Find(`[data-testid="users-next"]`)
		if link.Length() == 1 {
			if len(rows) != 50 {
				t.Fatalf("page %d has %d rows and a next link", pages, len(rows))
			}
			next = e.URL + link.AttrOr("href", "")
		} else {
			next = ""
		}
		if pages > 1 && got.Doc().Find(`nav.pager a:contains("First")`).AttrOr("href", "") != "/customers/"+url.PathEscape(c.ZoomAccountID)+"/users" {
			t.Fatalf("page %d's first-page link: %s", pages, outerHTML(got.Doc().Find(`nav.pager`)))
		}
		all = append(all, rows...)
		if pages > 10 {
			t.Fatal("the pager does not end")
		}
	}
	want := make([]string, 0, len(inZoom))
	for _, u := range inZoom {
		want = append(want, strings.ToLower(u.Email))
	}
	slices.Sort(want)
	got := make([]string, len(all))
	for i, em := range all {
		got[i] = strings.ToLower(em)
	}
	if pages != (len(inZoom)+49)/50 || !slices.Equal(got, want) {
		t.Fatalf("%d pages with %d rows; Zoom has %d users (same list: %v)", pages, len(all), len(inZoom), slices.Equal(got, want))
	}

	// The status tab pages too, and its next link keeps the tab.
	active := 0
	for _, u := range inZoom {
		if u.Status == "active" {
			active++
		}
	}
	tab := owner.get(users + "?status=active")
	for _, s := range tab.Doc().Find(`[data-testid="user-row"]`).EachIter() {
		if st, _ := s.Attr("data-status"); st != "active" {
			t.Fatalf("a %s user on the Active tab", st)
		}
	}
	if active > 50 {
		href := tab.Doc().Find(`[data-testid="users-next"]`).AttrOr("href", "")
		u, _ := url.Parse(href)
		if u == nil || u.Query().Get("status") != "active" || u.Query().Get("after") == "" {
			t.Fatalf("the Active tab's next link: %q", href)
		}
		second := owner.get(e.URL + href)
		for _, s := range second.Doc().Find(`[data-testid="user-row"]`).EachIter() {
			if st, _ := s.Attr("data-status"); st != "active" {
				t.Fatalf("a %s user on the Active tab's second page", st)
			}
		}
		if n := len(umRowEmails(tab)) + len(umRowEmails(second)); n != min(active, 100) {
			t.Fatalf("the Active tab's first two pages show %d users; Zoom has %d active", n, active)
		}
	}

	// Search by a last name several users share, without JavaScript: the full page, the box
	// keeps the query, the rows are exactly the users whose email or name matches.
	byLast := map[string]int{}
	for _, u := range inZoom {
		byLast[strings.ToLower(u.LastName)]++
	}
	q := ""
	for name, n := range byLast {
		if n >= 2 && len(name) >= 4 && (q == "" || n > byLast[q]) {
			q = name
		}
	}
	if q == "" {
		t.Fatal("no last name shared by two users")
	}
	var matching []string
	for _, u := range inZoom {
		if umMatches(u, q) {
			matching = append(matching, strings.ToLower(u.Email))
		}
	}
	slices.Sort(matching)
	full := owner.get(users + "?q=" + url.QueryEscape(strings.ToUpper(q)))
	shown := umRowEmails(full)
	for i := range shown {
		shown[i] = strings.ToLower(shown[i])
	}
	if full.StatusCode != http.StatusOK || !slices.Equal(shown, matching[:min(len(matching), 50)]) {
		t.Fatalf("search %q: %d, shows %v, want %v", q, full.StatusCode, shown, matching)
	}
	if full.Doc().Find(`[data-testid="users-q"]`).AttrOr("value", "") != strings.ToUpper(q) ||
		full.Doc().Find(`[data-testid="status-tabs"]`).Length() != 1 ||
		!strings.Contains(full.Doc().Find(`form.users-search[method="get"] noscript`).Text(), `type="submit"`) {
		t.Fatalf("the searched page without JavaScript: %s", outerHTML(full.Doc().Find(`form.users-search`)))
	}

	// The same search as htmx sends it: only the results, the same rows.
	frag := umFragment(owner, users+"?q="+url.QueryEscape(q))
	fragRows := umRowEmails(frag)
	for i := range fragRows {
		fragRows[i] = strings.ToLower(fragRows[i])
	}
	if frag.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(frag.Body), `<section id="user-results"`) ||
		strings.Contains(frag.Body, "<html") || strings.Contains(frag.Body, `data-testid="status-tabs"`) || strings.Contains(frag.Body, `data-testid="top-search"`) ||
		!slices.Equal(fragRows, shown) {
		t.Fatalf("htmx search: %d rows %v, want %v; body %.300s", frag.StatusCode, fragRows, shown, frag.Body)
	}
	// The search box asks for that fragment.
	box := full.Doc().Find(`form.users-search`)
	if box.AttrOr("hx-target", "") != "#user-results" || box.AttrOr("hx-get", "") != "/customers/"+url.PathEscape(c.ZoomAccountID)+"/users" {
		t.Fatalf("the search box: %s", outerHTML(box))
	}

	// A search within a tab: both apply, and the tab is kept in the form.
	inactiveQ := owner.get(users + "?status=inactive&q=" + url.QueryEscape(strings.Split(c.OwnerEmail, "@")[1]))
	wantInactive := 0
	for _, u := range inZoom {
		if u.Status == "inactive" && umMatches(u, strings.Split(c.OwnerEmail, "@")[1]) {
			wantInactive++
		}
	}
	for _, s := range inactiveQ.Doc().Find(`[data-testid="user-row"]`).EachIter() {
		if st, _ := s.Attr("data-status"); st != "inactive" {
			t.Fatalf("a %s user in the inactive search", st)
		}
	}
	if n := len(umRowEmails(inactiveQ)); n != min(wantInactive, 50) ||
		inactiveQ.Doc().Find(`form.users-search input[type="hidden"][name="status"]`).AttrOr("value", "") != "inactive" {
		t.Fatalf("inactive users on the customer's domain: %d shown, %d in Zoom", n, wantInactive)
	}

	// A search that pages: the next link keeps the query, as a fragment too, and the second
	// page goes on where the first stopped.
	common := strings.Split(c.OwnerEmail, "@")[1]
	var commonMatches []string
	for _, u := range inZoom {
		if umMatches(u, common) {
			commonMatches = append(commonMatches, strings.ToLower(u.Email))
		}
	}
	slices.Sort(commonMatches)
	if len(commonMatches) > 50 {
		first := umFragment(owner, users+"?q="+url.QueryEscape(common))
		href := first.Doc().Find(`[data-testid="users-next"]`).AttrOr("href", "")
		nu, _ := url.Parse(href)
		if nu == nil || nu.Query().Get("q") != common {
			t.Fatalf("the searched next link: %q", href)
		}
		second := umFragment(owner, e.URL+href)
		both := append(umRowEmails(first), umRowEmails(second)...)
		for i := range both {
			both[i] = strings.ToLower(both[i])
		}
		if !slices.Equal(both, commonMatches[:min(len(commonMatches), 100)]) {
			t.Fatalf("the searched pages: %d rows, want %d", len(both), min(len(commonMatches), 100))
		}
	}

	// No match: said so, in both forms.
	for _, p := range []*page{owner.get(users + "?q=zzqqxx-nobody"), umFragment(owner, users+"?q=zzqqxx-nobody")} {
		if p.StatusCode != http.StatusOK || p.TestID("users-empty") != "No user matches." || p.Doc().Find(`[data-testid="user-row"]`).Length() != 0 {
			t.Fatalf("no match: %d %q", p.StatusCode, p.TestID("users-empty"))
		}
	}
}

// A user's page shows the details and the settings Zoom has for them, and follows changes made
// in Zoom itself.
func TestUmUserPageShowsZoomDetailsAndSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	users := usersURLOf(e, c)
	owner.get(users)
	var member, pending sandbox.UserInfo
	for _, u := range e.Sandbox.Users() {
		switch {
		case u.AccountID != c.ZoomAccountID || u.Role != "Member":
		case u.Status == "active" && member.ID == "":
			member = u
		case u.Status == "pending" && pending.Email == "":
			pending = u
		}
	}
	userPath := "/accounts/" + c.ZoomAccountID + "/users/" + member.ID
	status, zu := umZoom(t, e, p.ZoomAccountID, http.MethodGet, userPath, nil)
	if status != http.StatusOK {
		t.Fatalf("the sandbox's user: %d %v", status, zu)
	}
	got := owner.get(users + "/" + member.ID)
	if got.StatusCode != http.StatusOK || got.TestID("user-email") != member.Email || got.TestID("user-status") != "active" {
		t.Fatalf("user page: %d %q %q", got.StatusCode, got.TestID("user-email"), got.TestID("user-status"))
	}
	facts := umFacts(got, "user-facts")
	str := func(k string) string { s, _ := zu[k].(string); return s }
	numStr := func(k string) string { f, _ := zu[k].(float64); return strconv.FormatInt(int64(f), 10) }
	typ := map[string]string{"1": "Basic", "2": "Licensed", "4": "Unassigned", "99": "None"}[numStr("type")]
	verified := map[string]string{"0": "no", "1": "yes"}[numStr("verified")]
	created, err := time.Parse(time.RFC3339, str("user_created_at"))
	if err != nil {
		t.Fatalf("the sandbox's user_created_at: %v", err)
	}
	want := map[string]string{"Zoom user id": member.ID, "Type": typ, "Role": str("role_name"), "Department": str("dept"),
		"Time zone": str("timezone"), "Language": str("language"), "Personal meeting id": numStr("pmi"), "Email verified": verified,
		"Created": created.UTC().Format("2006-01-02 15:04 UTC")}
	for label, v := range want {
		if v == "" || v == "0" {
			t.Fatalf("the sandbox's user has no %s: %v", label, zu)
		}
		if facts[label] != v {
			t.Errorf("details: %s = %q, Zoom has %q", label, facts[label], v)
		}
	}

	// The settings summary is Zoom's settings of this user.
	status, zs := umZoom(t, e, p.ZoomAccountID, http.MethodGet, userPath+"/settings", nil)
	if status != http.StatusOK {
		t.Fatalf("the sandbox's settings: %d", status)
	}
	setting := func(section, field string) (string, bool) {
		sec, _ := zs[section].(map[string]any)
		switch v := sec[field].(type) {
		case bool:
			return map[bool]string{true: "on", false: "off"}[v], true
		case string:
			return v, true
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64), true
		}
		return "", false
	}
	settings := umFacts(got, "user-settings")
	checked := 0
	for _, s := range []struct{ label, section, field string }{
		{"Host video on at start", "schedule_meeting", "host_video"},
		{"Join before host", "schedule_meeting", "join_before_host"},
		{"Waiting room", "in_meeting", "waiting_room"},
		{"Screen sharing", "in_meeting", "screen_sharing"},
		{"Cloud recording", "recording", "cloud_recording"},
		{"Automatic recording", "recording", "auto_recording"},
		{"Meeting capacity", "feature", "meeting_capacity"},
	} {
		v, ok := setting(s.section, s.field)
		if !ok {
			continue
		}
		checked++
		if settings[s.label] != v {
			t.Errorf("settings: %s = %q, Zoom has %s.%s = %q", s.label, settings[s.label], s.section, s.field, v)
		}
	}
	if checked < 4 {
		t.Fatalf("only %d of the summarized settings are in Zoom's answer: %v", checked, zs)
	}

	// Changed in Zoom itself: the page shows Zoom's new values on the next visit.
	wasWaiting, _ := setting("in_meeting", "waiting_room")
	flipped := wasWaiting != "on"
	if st, _ := umZoom(t, e, p.ZoomAccountID, http.MethodPatch, userPath+"/settings", map[string]any{"in_meeting": map[string]any{"waiting_room": flipped}}); st != http.StatusNoContent {
		t.Fatalf("change a setting in Zoom: %d", st)
	}
	if st, _ := umZoom(t, e, p.ZoomAccountID, http.MethodPatch, userPath, map[string]any{"job_title": "Harbour Master", "company": "Um Shipping",
		"location": "Pier 9", "timezone": "Asia/Tokyo", "dept": "Docks"}); st != http.StatusNoContent {
		t.Fatalf("change the user in Zoom: %d", st)
	}
	again := owner.get(users + "/" + member.ID)
	facts, settings = umFacts(again, "user-facts"), umFacts(again, "user-settings")
	if facts["Job title"] != "Harbour Master" || facts["Company"] != "Um Shipping" || facts["Location"] != "Pier 9" ||
		facts["Time zone"] != "Asia/Tokyo" || facts["Department"] != "Docks" || settings["Waiting room"] != map[bool]string{true: "on", false: "off"}[flipped] {
		t.Fatalf("after changes in Zoom: facts %v, waiting room %q", facts, settings["Waiting room"])
	}
	// The edit form starts from Zoom's values too, and the directory follows.
	if again.Doc().Find(`#u-job_title`).AttrOr("value", "") != "Harbour Master" || again.Doc().Find(`#u-dept`).AttrOr("value", "") != "Docks" {
		t.Fatalf("the edit form: %s", outerHTML(again.Doc().Find(`form .form-row`).Last()))
	}
	if d, err := e.Store.CustomerUserByKey(context.Background(), p.ID, c.ID, member.ID); err != nil || d.Dept != "Docks" || d.Timezone != "Asia/Tokyo" {
		t.Fatalf("the directory after the visit: %+v %v", d, err)
	}

	// A pending user has no settings yet: said so, no summary.
	pend := owner.get(users + "/" + url.PathEscape(pending.Email))
	if pend.StatusCode != http.StatusOK || pend.TestID("user-status") != "pending" || !strings.Contains(pend.TestID("settings-note"), "pending user has no settings") ||
		pend.Doc().Find(`[data-testid="user-settings"]`).Length() != 0 {
		t.Fatalf("pending user's page: %d %q %q", pend.StatusCode, pend.TestID("user-status"), pend.TestID("settings-note"))
	}
	// Zoom cannot give the settings: the details stay, the summary says why.
	e.Sandbox.AddFault(sandbox.Fault{Method: "GET", Path: "/v2/accounts/*/users/*/settings", Status: 503})
	noSettings := owner.get(users + "/" + member.ID)
	e.Sandbox.ClearFaults()
	if noSettings.StatusCode != http.StatusOK || umFacts(noSettings, "user-facts")["Zoom user id"] != member.ID ||
		!strings.Contains(noSettings.TestID("settings-note"), "Zoom did not give this user's settings") || noSettings.Doc().Find(`[data-testid="user-settings"]`).Length() != 0 {
		t.Fatalf("settings unavailable: %d %q", noSettings.StatusCode, noSettings.TestID("settings-note"))
	}
}

// umInsertOnly is a River client that only inserts jobs (the portal's client runs them).
func umInsertOnly(t testing.TB, e *env) *river.Client[pgx.Tx] {
	t.Helper()
	rc, err := river.NewClient(riverpgxv5.New(e.Store.Pool()), &river.Config{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// umSearch returns the header search's user rows for q.
func umSearch(b *browser, e *env, q string) *goquery.Selection {
	b.t.Helper()
	got := b.get(e.URL + "/search?q=" + url.QueryEscape(q))
	if got.StatusCode != http.StatusOK {
		b.t.Fatalf("search %q: %d", q, got.StatusCode)
	}
	return got.Doc().Find(`[data-testid="search-user"]`)
}

// The directories of every customer are read by the first background pass after registration,
// by "Sync all users now" (POST /search/sync) and by the periodic job (SyncAllUsersWorker, which
// reads the directories older than SyncInterval): afterwards the header search finds users of
// customers nobody opened in Tierdesk.
func TestUmDirectorySyncFindsUsersOfUnvisitedCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c := contoso(t, e)
	// Another customer, never visited: its directory is empty, and search does not know its users.
	page, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var d store.Customer
	var target sandbox.UserInfo
	for _, oc := range page.Customers {
		if oc.ID == c.ID || d.ID != 0 {
			continue
		}
		for _, u := range e.Sandbox.Users() {
			if u.AccountID == oc.ZoomAccountID && u.Role == "Member" && u.Status == "active" {
				d, target = oc, u
				break
			}
		}
	}
	if d.ID == 0 {
		t.Fatal("no second customer with an active member")
	}
	// The first background pass after registration read it already; it is made unread again
	// (its rows gone, as for a customer whose directory was never read) to see the syncs fill it.
	if st, err := e.Store.UserDirState(ctx, p.ID, d.ID); err != nil || st.SyncedAt == nil {
		t.Fatalf("the first background pass did not read the unvisited customer's directory: %v", err)
	}
	if _, err := e.super().Exec(ctx, "DELETE FROM customer_users WHERE customer_id = $1", d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.super().Exec(ctx, "UPDATE customer_user_dirs SET synced_at = NULL WHERE customer_id = $1", d.ID); err != nil {
		t.Fatal(err)
	}
	if rows := umSearch(owner, e, target.Email); rows.Length() != 0 {
		t.Fatalf("search finds %s before any sync", target.Email)
	}
	// Support staff may not start it (admins only); the search page offers it to the owner.
	support := staffBrowser(t, e, owner, resSupport, store.RoleSupport)
	if got := support.post(e.URL+"/search/sync", nil); got.StatusCode != http.StatusForbidden {
		t.Fatalf("support starting the sync: %d", got.StatusCode)
	}
	if got := owner.get(e.URL + "/search"); got.Doc().Find(`form[action="/search/sync"] [data-testid="sync-all-users"]`).Length() != 1 {
		t.Fatal("no sync button on the search page")
	}

	jobURL := owner.post(e.URL+"/search/sync", nil).location(t)
	done := waitJob(t, owner, jobURL)
	customers := len(page.Customers)
	inZoom := 0
	for _, u := range e.Sandbox.Users() {
		for _, oc := range page.Customers {
			if u.AccountID == oc.ZoomAccountID {
				inZoom++
			}
		}
	}
	if done.TestID("job-status") != "succeeded" || done.TestID("job-message") != fmt.Sprintf("%d users in %d customers read from Zoom.", inZoom, customers) {
		t.Fatalf("sync: %q %q (Zoom has %d users in %d customers)", done.TestID("job-status"), done.TestID("job-message"), inZoom, customers)
	}
	rows := umSearch(owner, e, target.Email)
	if rows.Length() != 1 || !strings.Contains(rows.Text(), d.AccountName) || rows.Find(`[data-testid="read-only"]`).Length() != 0 {
		t.Fatalf("search for %s after the sync: %d rows %q", target.Email, rows.Length(), rows.Text())
	}
	// The row leads to the user's page in that customer.
	userPage := owner.get(e.URL + rows.Find("a").First().AttrOr("href", ""))
	if userPage.StatusCode != http.StatusOK || userPage.TestID("user-email") != target.Email {
		t.Fatalf("the found user's page: %d %q", userPage.StatusCode, userPage.TestID("user-email"))
	}
	if uc, err := e.Store.CustomerUserCounts(ctx, p.ID, d.ZoomAccountID); err != nil || uc.SyncedAt == nil {
		t.Fatalf("the unvisited customer's directory is not marked read: %v", err)
	}
	// The search page names the last full sync; a second press while none runs starts a new one.
	if got := owner.get(e.URL + "/search"); !strings.Contains(got.Doc().Find(`a[href="`+strings.TrimPrefix(jobURL, e.URL)+`"]`).Text(), "succeeded") {
		t.Fatal("the search page does not link the last full sync")
	}
	if !slices.ContainsFunc(auditOf(t, e, p.ID, "job.start"), func(ev store.AuditEvent) bool {
		return ev.JobID == strings.TrimPrefix(jobURL, e.URL+"/jobs/") && ev.StaffEmail == resOwner
	}) {
		t.Fatal("the sync's start is not audited as the owner's")
	}

	// Fabrikam registers too. Users appear in Zoom behind Tierdesk's back; then the periodic
	// job starts a sync for every partner with a grant, and search finds the new users.
	fab := e.browser()
	fab.signIn(e, fabOwner)
	syncAndWait(t, e, fab)
	fp := e.partnerOf(fabOwner)
	fpage, err := e.Store.Customers(ctx, fp.ID, store.CustomerFilter{PartnerID: fp.ID, Status: store.CustomerActive, Limit: 1})
	if err != nil || len(fpage.Customers) == 0 {
		t.Fatalf("Fabrikam has no customers: %v", err)
	}
	fc := fpage.Customers[0]
	fresh := map[string]string{"um.fresh@contoso-new.example": d.ZoomAccountID, "um.fresh@fabrikam-new.example": fc.ZoomAccountID}
	primaries := map[string]string{"um.fresh@contoso-new.example": p.ZoomAccountID, "um.fresh@fabrikam-new.example": fp.ZoomAccountID}
	for email, account := range fresh {
		st, body := umZoom(t, e, primaries[email], http.MethodPost, "/accounts/"+account+"/users",
			map[string]any{"action": "custCreate", "user_info": map[string]any{"email": email, "type": 1, "first_name": "Fresh", "last_name": "Face"}})
		if st != http.StatusCreated {
			t.Fatalf("create %s in Zoom: %d %v", email, st, body)
		}
	}
	if umSearch(owner, e, "um.fresh@").Length() != 0 || umSearch(fab, e, "um.fresh@").Length() != 0 {
		t.Fatal("search finds users made in Zoom before a sync")
	}
	e.waitJobsIdle()
	lastManual, err := e.Store.LatestJob(ctx, p.ID, jobs.SyncUsersArgs{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	lastFab, err := e.Store.LatestJob(ctx, fp.ID, jobs.SyncUsersArgs{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	// The periodic job reads the directories older than SyncInterval: these two are, as if
	// time had passed since they were read (the others stay fresh and are not read again).
	if _, err := e.super().Exec(ctx, "UPDATE customer_user_dirs SET synced_at = now() - $2 * interval '1 second' WHERE customer_id = ANY ($1)",
		[]int64{d.ID, fc.ID}, (jobs.SyncInterval + time.Minute).Seconds()); err != nil {
		t.Fatal(err)
	}
	completed := func() int {
		var n int
		if err := e.super().QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'", jobs.SyncAllUsersArgs{}.Kind()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := completed() // the run at start
	if _, err := umInsertOnly(t, e).Insert(ctx, jobs.SyncAllUsersArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if completed() == before+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the periodic users sync did not run")
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.waitJobsIdle()
	for partner, last := range map[store.Partner]string{p: lastManual.ID, fp: lastFab.ID} {
		j, err := e.Store.LatestJob(ctx, partner.ID, jobs.SyncUsersArgs{}.Kind())
		// One directory each was stale: only it is read.
		if err != nil || j.ID == last || j.CreatedBy != nil || j.Status != store.JobSucceeded || j.Total != 1 {
			t.Fatalf("%s's scheduled users sync: %+v %v", partner.Name, j, err)
		}
	}
	for b, email := range map[*browser]string{owner: "um.fresh@contoso-new.example", fab: "um.fresh@fabrikam-new.example"} {
		rows := umSearch(b, e, email)
		if rows.Length() != 1 || !strings.Contains(rows.Text(), email) {
			t.Fatalf("search for %s after the scheduled sync: %d rows", email, rows.Length())
		}
	}
	// Each partner finds only its own.
	if umSearch(owner, e, "um.fresh@fabrikam-new.example").Length() != 0 || umSearch(fab, e, "um.fresh@contoso-new.example").Length() != 0 {
		t.Fatal("a partner finds another partner's user")
	}
}

// umHooks receives the sandbox's webhook events, to see what Zoom was asked to do.
type umHooks struct {
	mu     sync.Mutex
	events []umEvent
}

// umEvent is one webhook event.
type umEvent struct {
	Event   string         `json:"event"`
	Payload map[string]any `json:"payload"`
}

// umWebhooks points the sandbox's webhooks at a receiver of the test's own.
func umWebhooks(t testing.TB, e *env) *umHooks {
	t.Helper()
	const secret = "um-webhook-secret"
	h := &umHooks{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev umEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if ev.Event == "endpoint.url_validation" {
			plain, _ := ev.Payload["plainToken"].(string)
			m := hmac.New(sha256.New, []byte(secret))
			m.Write([]byte(plain))
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"plainToken": plain, "encryptedToken": hex.EncodeToString(m.Sum(nil))})
			return
		}
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.mu.Unlock()
	}))
	t.Cleanup(func() { _ = e.Sandbox.SetWebhook("", ""); srv.Close() })
	if err := e.Sandbox.SetWebhook(srv.URL, secret); err != nil {
		t.Fatal(err)
	}
	return h
}

// created waits for Zoom's user.created event of email and returns its payload.
func (h *umHooks) created(t testing.TB, email string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		h.mu.Lock()
		for _, ev := range h.events {
			if obj, _ := ev.Payload["object"].(map[string]any); ev.Event == "user.created" && obj["email"] == email {
				h.mu.Unlock()
				return ev.Payload
			}
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no user.created event for %s", email)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// umTablesWith lists the tables of the portal's database with a row whose text holds s.
func umTablesWith(t testing.TB, e *env, s string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := e.super().Query(ctx, "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var schema, name string
		if err := rows.Scan(&schema, &name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, pgx.Identifier{schema, name}.Sanitize())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	var out []string
	for _, tbl := range tables {
		var n int
		if err := e.super().QueryRow(ctx, "SELECT count(*) FROM "+tbl+" x WHERE x::text LIKE '%' || $1 || '%'", s).Scan(&n); err != nil {
			t.Fatalf("%s: %v", tbl, err)
		}
		if n > 0 {
			out = append(out, tbl)
		}
	}
	return out
}

// The single-user form with each create action: autoCreate sends the password to Zoom (the
// user is active at once) and keeps it nowhere; ssoCreate and custCreate reach Zoom as such.
// Zoom's 1009 (an email of another account) is explained on the form.
func TestUmAddUserWithEachActionAnd1009(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c := contoso(t, e)
	support := staffBrowser(t, e, owner, resSupport, store.RoleSupport)
	users := usersURLOf(e, c)
	support.get(users)
	hooks := umWebhooks(t, e)
	creates := func() int { return len(e.sandboxRequests("POST", "/v2/accounts/"+c.ZoomAccountID+"/users")) }

	// Every action is offered with what it does.
	form := support.get(users + "/new")
	for _, a := range []string{"create", "autoCreate", "custCreate", "ssoCreate"} {
		if help := form.Doc().Find(`[data-testid="action-` + a + `"]`).Parent().Find(".muted").Text(); help == "" {
			t.Errorf("the %s choice is not explained", a)
		}
	}

	// autoCreate: a password Zoom refuses (repeated characters) is caught on the form and not
	// sent; then with a good one the user is created active.
	const password = "Vq7mTz4Rk"
	before := creates()
	weak := support.post(users, url.Values{"action": {"autoCreate"}, "email": {"auto.um@example.com"}, "first_name": {"Al"}, "last_name": {"Auto"},
		"type": {"1"}, "password": {"Aaaaaaaa1"}})
	if weak.StatusCode != http.StatusUnprocessableEntity || weak.TestID("error-password") == "" || creates() != before {
		t.Fatalf("weak password: %d %q, %d sent", weak.StatusCode, weak.TestID("error-password"), creates()-before)
	}
	// Zoom refuses it (blocked domain): the form comes back without the password in it.
	refused := support.post(users, url.Values{"action": {"autoCreate"}, "email": {"auto.um@blocked.example"}, "first_name": {"Al"}, "last_name": {"Auto"},
		"type": {"1"}, "password": {password}})
	if refused.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(refused.TestID("error-email"), "1107") ||
		strings.Contains(refused.Body, password) || refused.Doc().Find("#u-password").AttrOr("value", "") != "" ||
		!strings.Contains(refused.Doc().Find(`[data-testid="password-field"] .hint`).Text(), "enter it again") {
		t.Fatalf("refused autoCreate: %d %q (password echoed: %v)", refused.StatusCode, refused.TestID("error-email"), strings.Contains(refused.Body, password))
	}
	if !refused.Doc().Find(`[data-testid="action-autoCreate"]`).Is("[checked]") {
		t.Fatal("the refused form does not keep autoCreate chosen")
	}
	ok := support.post(users, url.Values{"action": {"autoCreate"}, "email": {"auto.um@example.com"}, "first_name": {"Al"}, "last_name": {"Auto"},
		"type": {"1"}, "password": {password}})
	userPage := ok.location(t)
	if u, found := sandboxUser(e, "auto.um@example.com"); !found || u.Status != "active" || u.AccountID != c.ZoomAccountID {
		t.Fatalf("autoCreate in Zoom: %+v %v", u, found)
	}
	if ev := hooks.created(t, "auto.um@example.com"); ev["creation_type"] != "autoCreate" {
		t.Fatalf("Zoom was asked to %v", ev["creation_type"])
	}
	shown := support.get(userPage)
	if shown.TestID("user-status") != "active" || strings.Contains(shown.Body, "Zoom emailed") || strings.Contains(shown.Body, password) {
		t.Fatalf("autoCreate's user page: %q", shown.TestID("user-status"))
	}
	if d, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, "auto.um@example.com"); err != nil || d.Status != store.UserActive {
		t.Fatalf("autoCreate in the directory: %+v %v", d, err)
	}
	// Zoom checks the password of an autoCreate: the sandbox refuses a create without a good
	// one, so the user's existence shows it was sent. Tierdesk keeps it nowhere.
	if where := umTablesWith(t, e, password); len(where) != 0 {
		t.Fatalf("the password is stored in %v", where)
	}
	if ev := auditOf(t, e, p.ID, "user.create")[0]; ev.Outcome != store.OutcomeSucceeded || ev.TargetLabel != "auto.um@example.com" ||
		!strings.Contains(string(ev.Details), `"action":"autoCreate"`) || strings.Contains(strings.ToLower(string(ev.Details)), "password") {
		t.Fatalf("autoCreate audited: %+v %s", ev, ev.Details)
	}

	// ssoCreate, with type 99 (None), which Zoom allows only for ssoCreate.
	sso := support.post(users, url.Values{"action": {"ssoCreate"}, "email": {"sso.um@example.com"}, "first_name": {"Si"}, "last_name": {"So"}, "type": {"99"}})
	if !strings.HasPrefix(sso.location(t), users+"/") {
		t.Fatalf("ssoCreate: %d %.300s", sso.StatusCode, sso.Body)
	}
	if ev := hooks.created(t, "sso.um@example.com"); ev["creation_type"] != "ssoCreate" {
		t.Fatalf("Zoom was asked to %v", ev["creation_type"])
	}
	if d, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, "sso.um@example.com"); err != nil || d.Type != 99 || d.Status != store.UserActive {
		t.Fatalf("ssoCreate in the directory: %+v %v", d, err)
	}
	// custCreate: no password, active, no invitation.
	cust := support.post(users, url.Values{"action": {"custCreate"}, "email": {"cust.um@example.com"}, "first_name": {"Cu"}, "last_name": {"St"}, "type": {"1"}})
	custPage := cust.location(t)
	if ev := hooks.created(t, "cust.um@example.com"); ev["creation_type"] != "custCreate" {
		t.Fatalf("Zoom was asked to %v", ev["creation_type"])
	}
	if u, _ := sandboxUser(e, "cust.um@example.com"); u.Status != "active" {
		t.Fatalf("custCreate in Zoom: %+v", u)
	}
	if got := support.get(custPage); got.TestID("user-status") != "active" {
		t.Fatalf("custCreate's page: %q", got.TestID("user-status"))
	}
	// A password with another action is refused before Zoom.
	if got := support.post(users, url.Values{"action": {"custCreate"}, "email": {"cust2.um@example.com"}, "type": {"1"}, "password": {password}}); got.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(got.TestID("error-password"), "Only autoCreate") {
		t.Fatalf("custCreate with a password: %d %q", got.StatusCode, got.TestID("error-password"))
	}
	if n := creates() - before; n != 4 {
		t.Fatalf("%d creates reached Zoom, want 4 (the refused one and three made)", n)
	}
	actions := map[string]string{}
	for _, ev := range auditOf(t, e, p.ID, "user.create") {
		if ev.Outcome == store.OutcomeSucceeded {
			var d struct {
				After struct {
					Action string `json:"action"`
				} `json:"after"`
			}
			if err := json.Unmarshal(ev.Details, &d); err != nil {
				t.Fatalf("details of %s: %v", ev.TargetLabel, err)
			}
			actions[ev.TargetLabel] = d.After.Action
		}
	}
	if actions["auto.um@example.com"] != "autoCreate" || actions["sso.um@example.com"] != "ssoCreate" || actions["cust.um@example.com"] != "custCreate" {
		t.Fatalf("audited actions: %v", actions)
	}

	// 1009: the email is a user of another customer. Explained next to the email, with where
	// the directory has it; nothing created.
	page, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var other store.Customer
	var elsewhere string
	for _, oc := range page.Customers {
		for _, u := range e.Sandbox.Users() {
			if oc.ID != c.ID && elsewhere == "" && u.AccountID == oc.ZoomAccountID && u.Role == "Member" && u.Status == "active" {
				other, elsewhere = oc, u.Email
			}
		}
	}
	support.get(usersURLOf(e, other)) // its directory is read
	taken := support.post(users, url.Values{"action": {"create"}, "email": {elsewhere}, "first_name": {"Taken"}, "type": {"1"}})
	msg := taken.TestID("error-email")
	if taken.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, "1009") || !strings.Contains(msg, "already belongs to an active Zoom account") ||
		!strings.Contains(msg, "directory has "+elsewhere+" in "+other.AccountName) || taken.Doc().Find("#u-email").AttrOr("value", "") != elsewhere {
		t.Fatalf("1009: %d %q", taken.StatusCode, msg)
	}
	if u, _ := sandboxUser(e, elsewhere); u.AccountID != other.ZoomAccountID {
		t.Fatalf("the other customer's user moved: %+v", u)
	}
	if ev := auditOf(t, e, p.ID, "user.create")[0]; ev.Outcome != store.OutcomeFailed || ev.ZoomCode != 1009 || ev.TargetLabel != elsewhere {
		t.Fatalf("1009 audited: %+v", ev)
	}
	// An email of an account outside the partner (Northwind's staff): 1009 too, no directory hint.
	outside := support.post(users, url.Values{"action": {"create"}, "email": {distSupport}, "type": {"1"}})
	if outside.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(outside.TestID("error-email"), "1009") || strings.Contains(outside.TestID("error-email"), "directory has") {
		t.Fatalf("1009 outside: %d %q", outside.StatusCode, outside.TestID("error-email"))
	}
}

// An admin cannot be deactivated (Zoom's refusal explained); a delete sends the transfers to
// Zoom, and they are checked first.
func TestUmAdminRefusalAndDeleteWithTransfers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c := contoso(t, e)
	users := usersURLOf(e, c)
	owner.get(users)
	var admin, gone, heir, vanished, pending sandbox.UserInfo
	for _, u := range e.Sandbox.Users() {
		switch {
		case u.AccountID != c.ZoomAccountID:
		case u.Role == "Admin" && admin.ID == "":
			admin = u
		case u.Role == "Member" && u.Status == "active" && gone.ID == "":
			gone = u
		case u.Role == "Member" && u.Status == "active" && heir.ID == "":
			heir = u
		case u.Role == "Member" && u.Status == "active" && vanished.ID == "":
			vanished = u
		case u.Role == "Member" && u.Status == "pending" && pending.Email == "":
			pending = u
		}
	}
	if admin.ID == "" || vanished.ID == "" || pending.Email == "" {
		t.Fatal("the customer lacks an admin, three active members or a pending one")
	}

	// The admin's page says Zoom does not allow it; trying anyway is refused before Zoom, in
	// words, and audited as denied with the reason.
	adminPage := owner.get(users + "/" + admin.ID)
	if !strings.Contains(adminPage.Doc().Find(`#status-h`).Parent().Text(), "Zoom does not let you deactivate an admin") {
		t.Fatalf("the admin's status panel: %s", outerHTML(adminPage.Doc().Find(`#status-h`).Parent()))
	}
	statusCalls := len(e.sandboxRequests("PUT", "/v2/accounts/"+c.ZoomAccountID+"/users/"+admin.ID+"/status"))
	refused := owner.post(users+"/"+admin.ID+"/status", url.Values{"action": {"deactivate"}})
	if refused.StatusCode != http.StatusConflict || !strings.Contains(refused.TestID("message-text"), "an admin") ||
		!strings.Contains(refused.TestID("message-text"), "code 200") || !strings.Contains(refused.TestID("message-text"), "change their role to member in Zoom first") {
		t.Fatalf("admin deactivation: %d %q", refused.StatusCode, refused.TestID("message-text"))
	}
	if n := len(e.sandboxRequests("PUT", "/v2/accounts/"+c.ZoomAccountID+"/users/"+admin.ID+"/status")) - statusCalls; n != 0 {
		t.Fatalf("%d status calls for the admin, want none", n)
	}
	if u, _ := sandboxUser(e, admin.Email); u.Status != "active" {
		t.Fatalf("the admin in Zoom: %+v", u)
	}
	if ev := auditOf(t, e, p.ID, "user.deactivate"); len(ev) != 1 || ev[0].Outcome != store.OutcomeDenied || ev[0].TargetID != admin.ID ||
		!strings.Contains(string(ev[0].Details), "Nothing was sent to Zoom") {
		t.Fatalf("admin refusal audited: %+v", ev)
	}
	if d, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, admin.ID); err != nil || d.Status != store.UserActive {
		t.Fatalf("the admin in the directory: %s (%v)", d.Status, err)
	}

	// Delete: the transfers are checked before Zoom.
	member := users + "/" + gone.ID
	deletes := func() []sandbox.RequestRecord {
		return e.sandboxRequests("DELETE", "/v2/accounts/"+c.ZoomAccountID+"/users/")
	}
	before := len(deletes())
	for _, bad := range []struct {
		form  url.Values
		field string
		want  string
	}{
		{url.Values{"action": {"delete"}, "transfer_meeting": {"true"}}, "error-transfer_email", "Enter who receives"},
		{url.Values{"action": {"delete"}, "transfer_email": {"not an email"}, "transfer_recording": {"true"}}, "error-transfer_email", "not an email"},
		{url.Values{"action": {"delete"}, "transfer_email": {strings.ToUpper(gone.Email)}, "transfer_meeting": {"true"}}, "error-transfer_email", "not to the one being deleted"},
		{url.Values{"action": {"erase"}}, "remove-error", "Choose disassociate or delete"},
	} {
		got := owner.post(member+"/remove", bad.form)
		if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID(bad.field), bad.want) {
			t.Fatalf("%v: %d %s = %q", bad.form, got.StatusCode, bad.field, got.TestID(bad.field))
		}
		// The form keeps what was entered, with Delete still chosen.
		if bad.form.Get("action") == "delete" && (!got.Doc().Find(`[data-testid="remove-delete"]`).Is("[checked]") ||
			got.Doc().Find("#u-transfer_email").AttrOr("value", "") != bad.form.Get("transfer_email")) {
			t.Fatalf("%v: the form lost its input: %s", bad.form, outerHTML(got.Doc().Find(`[data-testid="transfer-fields"]`)))
		}
	}
	if got := owner.post(users+"/"+url.PathEscape(pending.Email)+"/remove", url.Values{"action": {"delete"}}); got.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(got.TestID("remove-error"), "pending user can only be disassociated") {
		t.Fatalf("deleting a pending user: %d %q", got.StatusCode, got.TestID("remove-error"))
	}
	if n := len(deletes()) - before; n != 0 {
		t.Fatalf("%d removals reached Zoom while the form had errors", n)
	}
	// A recipient who is not a user of this customer: Zoom refuses, explained next to the field.
	stranger := owner.post(member+"/remove", url.Values{"action": {"delete"}, "transfer_email": {"stranger.um@new.example"}, "transfer_meeting": {"true"}})
	if msg := stranger.TestID("error-transfer_email"); stranger.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, "1001") ||
		!strings.HasPrefix(msg, "Zoom does not know stranger.um@new.example as a user of "+c.AccountName+": transfers go to a user of the same account. Nothing was removed.") {
		t.Fatalf("transfer to a stranger: %d field %q form %q", stranger.StatusCode, stranger.TestID("error-transfer_email"), stranger.TestID("remove-error"))
	}
	if u, found := sandboxUser(e, gone.Email); !found || u.AccountID != c.ZoomAccountID {
		t.Fatal("the user went although Zoom refused")
	}
	// The user to delete is gone from Zoom already (removed in Zoom's own portal): Zoom's "does
	// not exist" is about them; the page says they are no longer in the customer, the refusal
	// is audited, and the directory forgets them.
	if st, _ := umZoom(t, e, p.ZoomAccountID, http.MethodDelete, "/accounts/"+c.ZoomAccountID+"/users/"+vanished.ID+"?action=delete", nil); st != http.StatusNoContent {
		t.Fatalf("remove in Zoom: %d", st)
	}
	late := owner.post(users+"/"+vanished.ID+"/remove", url.Values{"action": {"delete"}, "transfer_email": {heir.Email}, "transfer_meeting": {"true"}})
	if late.StatusCode != http.StatusNotFound || !strings.Contains(late.Body, "No longer in this customer") || !strings.Contains(late.Body, "Zoom no longer has "+vanished.Email) {
		t.Fatalf("removing a user Zoom no longer has: %d %.300s", late.StatusCode, late.Body)
	}
	if ev := auditOf(t, e, p.ID, "user.delete")[0]; ev.TargetID != vanished.ID || ev.Outcome != store.OutcomeFailed || ev.ZoomCode != 1001 {
		t.Fatalf("the refused delete audited: %+v", ev)
	}
	if _, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, vanished.ID); err == nil {
		t.Fatal("the directory still has the user Zoom no longer has")
	}

	// Delete with transfers: Zoom gets them as query parameters; the user is gone from Zoom
	// and the directory; the event says what was transferred to whom.
	done := owner.post(member+"/remove", url.Values{"action": {"delete"}, "transfer_email": {heir.Email}, "transfer_meeting": {"true"}, "transfer_recording": {"true"}})
	if done.location(t) != users {
		t.Fatalf("delete: %d %q", done.StatusCode, done.TestID("remove-error"))
	}
	calls := deletes()[before:]
	if len(calls) != 4 {
		t.Fatalf("%d removals reached Zoom, want 4 (the stranger refused, the one made in Zoom, the vanished refused, the delete)", len(calls))
	}
	last := calls[len(calls)-1]
	q, err := url.ParseQuery(last.Query)
	if err != nil {
		t.Fatal(err)
	}
	if last.Path != "/v2/accounts/"+c.ZoomAccountID+"/users/"+gone.ID || last.Status != http.StatusNoContent || q.Get("action") != "delete" ||
		q.Get("transfer_email") != heir.Email || q.Get("transfer_meeting") != "true" || q.Get("transfer_recording") != "true" || q.Has("transfer_webinar") {
		t.Fatalf("the delete sent: %s ?%s -> %d", last.Path, last.Query, last.Status)
	}
	if _, found := sandboxUser(e, gone.Email); found {
		t.Fatal("the deleted user is still in Zoom")
	}
	if _, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, gone.ID); err == nil {
		t.Fatal("the deleted user is still in the directory")
	}
	var ev store.AuditEvent
	for _, x := range auditOf(t, e, p.ID, "user.delete") {
		if x.Outcome == store.OutcomeSucceeded {
			ev = x
		}
	}
	var det struct {
		After struct {
			Action   string `json:"action"`
			Transfer struct {
				To         string `json:"to"`
				Meetings   bool   `json:"meetings"`
				Webinars   bool   `json:"webinars"`
				Recordings bool   `json:"recordings"`
			} `json:"transfer"`
		} `json:"after"`
	}
	if err := json.Unmarshal(ev.Details, &det); err != nil {
		t.Fatalf("delete audited: %v %s", err, ev.Details)
	}
	if ev.TargetID != gone.ID || det.After.Action != "delete" || det.After.Transfer.To != heir.Email || !det.After.Transfer.Meetings ||
		det.After.Transfer.Webinars || !det.After.Transfer.Recordings {
		t.Fatalf("delete audited: %+v %s", ev, ev.Details)
	}
	if flash := owner.get(users); !strings.Contains(flash.Body, gone.Email+" is deleted from") {
		t.Fatal("no confirmation after the delete")
	}
}

// The users list filters by type and sorts by name, last sign-in or creation; a sorted list
// pages by keyset without losing or repeating a user.
func TestUsersListFiltersByTypeAndSorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, _ := contoso(t, e)
	e.waitJobsIdle()
	// The customer with the most users: more than one page of 50.
	var c store.Customer
	var total, licensed int
	if err := e.super().QueryRow(ctx, `SELECT customer_id, count(*), count(*) FILTER (WHERE user_type = 2) FROM customer_users
		WHERE partner_id = $1 GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1`, p.ID).Scan(&c.ID, &total, &licensed); err != nil {
		t.Fatal(err)
	}
	c, err := e.Store.CustomerByID(ctx, p.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if total <= 50 || licensed == 0 || licensed == total {
		t.Fatalf("the biggest customer has %d users, %d licensed: the seed changed", total, licensed)
	}
	users := e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID) + "/users"
	walk := func(query string) []string {
		var emails []string
		next := users + "?" + query
		for pages := 0; next != ""; pages++ {
			got := owner.get(next)
			if got.StatusCode != http.StatusOK || pages > 10 {
				t.Fatalf("%s: %d after %d pages", next, got.StatusCode, pages)
			}
			got.Doc().Find(`[data-testid="user-row"] [data-testid="user-link"]`).Each(func(_ int, s *goquery.Selection) { emails = append(emails, s.Text()) })
			next = ""
			if href, ok := got.Doc().Find(`[data-testid="users-next"]`).Attr("href"); ok {
				next = e.URL + href
			}
		}
		return emails
	}
	if got := walk("type=2"); len(got) != licensed {
		t.Fatalf("type=2 lists %d users, the directory has %d licensed", len(got), licensed)
	}
	for _, sort := range []struct{ param, column string }{{"name", "lower(last_name || ' ' || first_name)"},
		{"created", "coalesce(zoom_created_at, '-infinity')::text"}, {"last_login", "coalesce(last_login_at, '-infinity')::text"}} {
		dir := "ASC"
		if sort.param != "name" {
			dir = "DESC"
		}
		rows, err := e.super().Query(ctx, "SELECT email FROM customer_users WHERE customer_id = $1 ORDER BY "+sort.column+" "+dir+", lower(email) "+dir, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if got := walk("sort=" + sort.param); !slices.Equal(got, want) {
			t.Fatalf("sort=%s: %d users, want %d in the database's order (first %v, want %v)", sort.param, len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
		}
	}
	// The current order is marked for assistive technology; the select-all box is there.
	page := owner.get(users + "?sort=created")
	if page.Doc().Find(`th[aria-sort="descending"] a`).Text() == "" || page.Doc().Find(`[data-testid="select-all"]`).Length() != 1 {
		t.Fatal("no aria-sort on the current order, or no select-all box")
	}
}
