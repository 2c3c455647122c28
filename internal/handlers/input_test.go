package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
)

// notText are the two kinds of text the edge refuses, as they travel in a URL: a NUL, and a
// byte that is not UTF-8.
var notText = []string{"a%00b", "%FF"}

// inSetup is Northwind (the distributor, synced, with Contoso registered below it) signed in
// as its owner, and one id of each kind that is Northwind's own, so that only the text under
// test can make a request fail. It waits for the start-up sync: from then on every request
// the sandbox receives comes from the test.
func inSetup(t *testing.T) (*env, *browser, store.Partner, idSet) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	dist, _ := tree(t, e)
	nw := e.partnerOf(distOwner)
	invite(t, e, dist, "admin@northwind.example", store.RoleAdmin)
	account, member := tnCustomerWithMember(t, e, nw.ZoomAccountID, 0)
	job, err := e.Store.LatestJob(ctx, nw.ID, "sync_customers")
	if err != nil {
		t.Fatal(err)
	}
	own := idSet{accountID: account.AccountID, userID: member.ID, staffID: itoa(e.staffByEmail(nw.ID, "admin@northwind.example").ID),
		jobID: job.ID, importID: contosoImportID(t, e, nw.ID), templateID: contosoTemplateID(t, e, nw.ID),
		onboardingID: tnDraftID(t, e, nw.ID, distOwner), eventID: itoa(auditOf(t, e, nw.ID, "")[0].ID), groupID: tnGroupID(t, e, nw.ID)}
	own.standardID = tnStandardID(t, e, nw.ID, own.templateID, own.groupID)
	contoso := e.partnerOf(resOwner)
	theirs, err := e.Store.Customers(ctx, contoso.ID, store.CustomerFilter{PartnerID: contoso.ID, Status: store.CustomerActive, Limit: 1})
	if err != nil || len(theirs.Customers) == 0 {
		t.Fatalf("Contoso's customers: %v", err)
	}
	own.delegationID = tnPendingDelegation(t, e, nw, contoso, theirs.Customers[0].ZoomAccountID)
	tnWaitStartupSync(t, e)
	return e, dist, nw, own
}

// inCounts returns how many request.refused events a partner's log holds, and how many
// events in all.
func inCounts(t *testing.T, e *env, partnerID int64) (refused, all int) {
	t.Helper()
	err := e.super().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE action = $2 AND outcome = 'denied'), count(*)
		FROM audit_events WHERE partner_id = $1`, partnerID, string(audit.RequestRefused)).Scan(&refused, &all)
	if err != nil {
		t.Fatal(err)
	}
	return refused, all
}

// inFill puts ids into a pattern like idSet.fill, with one parameter (or "*") set to raw, a
// value already escaped for a URL.
func inFill(t *testing.T, ids idSet, pattern, param, raw string) string {
	t.Helper()
	withParam := placeholder.ReplaceAllStringFunc(pattern, func(p string) string {
		if p == param {
			return "\x01" // a marker the fill leaves alone
		}
		return p
	})
	withParam = strings.Replace(withParam, "*", "app.css", 1)
	if param == "*" {
		withParam = strings.Replace(pattern, "*", "\x01", 1)
	}
	path, err := ids.fill(withParam)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(path, "\x01", raw, 1)
}

// send makes a request as b: a GET, or a same-origin POST of form.
func inSend(b *browser, method, u string, form url.Values) *page {
	if method == http.MethodGet {
		return b.get(u)
	}
	return b.post(u, form)
}

// Text that is not text (a NUL, a byte that is not UTF-8) in any path parameter or query
// parameter of any route of the router is refused at the edge with 400 and a message naming
// the field, leaves exactly one denied request.refused event with the value escaped, and
// reaches neither a handler, the store nor Zoom. Numeric ids out of range are 404 like any
// unknown id, with their denied event.
func TestNotTextInEveryPathAndQueryParameterIsRefused(t *testing.T) {
	t.Parallel()
	e, dist, nw, own := inSetup(t)
	e.waitJobsIdle()
	zoomBefore := len(e.Sandbox.Requests())

	expectRefused := func(method, u, field string) {
		t.Helper()
		refused, all := inCounts(t, e, nw.ID)
		got := inSend(dist, method, u, url.Values{})
		msg := got.TestID("message-text")
		if got.StatusCode != http.StatusBadRequest || !strings.Contains(msg, field) || !strings.Contains(msg, "Nothing was changed") {
			t.Errorf("%s %s: %d %q, want 400 naming %s", method, u, got.StatusCode, msg, field)
		}
		if r, a := inCounts(t, e, nw.ID); r-refused != 1 || a-all != 1 {
			t.Errorf("%s %s: %d refused and %d other new events, want exactly one refused", method, u, r-refused, a-all-(r-refused))
		}
	}
	routes := 0
	var gets []string
	err := chi.Walk(e.Handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes++
		params := placeholder.FindAllString(pattern, -1)
		if strings.HasSuffix(pattern, "*") {
			params = append(params, "*")
		}
		for _, p := range params {
			for _, bad := range notText {
				label := map[string]string{"{accountId}": "customer id", "{userId}": "user id", "{staffId}": "staff id",
					"{jobId}": "job id", "{importId}": "bulk job id", "{templateId}": "template id", "{draftId}": "onboarding id",
					"{onboardingId}": "onboarding id", "{seq}": "number", "{step}": "step", "{eventId}": "event id", "{delegationId}": "delegation id", "*": "address"}[p]
				expectRefused(method, e.URL+inFill(t, own, pattern, p, "x"+bad), label)
			}
		}
		for _, bad := range notText {
			expectRefused(method, e.URL+inFill(t, own, pattern, "", "")+"?q="+bad, `query parameter “q”`)
			expectRefused(method, e.URL+inFill(t, own, pattern, "", "")+"?"+bad+"=1", "query parameter")
		}
		if method == http.MethodGet && !strings.HasPrefix(pattern, "/auth/") {
			gets = append(gets, pattern)
		}
		// Numbers out of range are ids like any other that does not exist.
		for _, p := range params {
			if p != "{staffId}" && p != "{templateId}" && p != "{seq}" {
				continue
			}
			for _, n := range []string{"99999999999999999999", "9223372036854775808", "-9223372036854775809"} {
				u := e.URL + inFill(t, own, pattern, p, n)
				_, allBefore := inCounts(t, e, nw.ID)
				got := inSend(dist, method, u, url.Values{})
				if got.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s: %d, want 404", method, u, got.StatusCode)
				}
				if _, all := inCounts(t, e, nw.ID); p != "{seq}" && all-allBefore != 1 {
					t.Errorf("%s %s: %d new events, want one denied", method, u, all-allBefore)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if routes < 80 {
		t.Fatalf("walked %d routes", routes)
	}
	e.waitJobsIdle()
	if n := len(e.Sandbox.Requests()) - zoomBefore; n != 0 {
		t.Errorf("refused requests made %d requests to Zoom", n)
	}
	// Numbers out of range in a query are numbers like any other: the page answers, never 5xx.
	huge := "9223372036854775808"
	for _, pattern := range gets {
		u := e.URL + inFill(t, own, pattern, "", "") + "?id=" + huge + "&before=" + huge + "&staff=" + huge +
			"&partner=" + huge + "&from=" + huge + "&after=" + huge + "." + huge + "&page=" + huge
		if got := dist.get(u); got.StatusCode >= 500 {
			t.Errorf("GET %s: %d", u, got.StatusCode)
		}
	}

	// The refusal is recorded escaped: what was refused, where, and who sent it. The last
	// requests were to the last route: "?q=%FF", then "?%FF=1", newest first.
	evs := auditOf(t, e, nw.ID, string(audit.RequestRefused))
	details := func(ev store.AuditEvent) map[string]any {
		var d map[string]any
		if err := json.Unmarshal(ev.Details, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := details(evs[0]); evs[0].StaffEmail != distOwner || evs[0].Outcome != store.OutcomeDenied || d["where"] != "query" ||
		d["field"] != `"\xff"` || d["reason"] != "not text: the name of a query parameter is not valid UTF-8 text" {
		t.Errorf("last refusal: %s %s %v", evs[0].StaffEmail, evs[0].Outcome, d)
	}
	if d := details(evs[1]); d["field"] != `"q"` || d["value"] != `"\xff"` {
		t.Errorf("refusal of ?q=%%FF: %v", d)
	}
	// The session survived a refused sign-out, and the page of refusals reads well.
	if got := dist.get(e.URL + "/audit?action=" + string(audit.RequestRefused)); got.StatusCode != http.StatusOK || len(auditRows(got)) == 0 ||
		!strings.Contains(auditRows(got)[0], "Refused a request that is not text") {
		t.Errorf("audit log of refusals: %d, %q", got.StatusCode, auditRows(got))
	}

	// Someone not signed in is refused the same way; nothing is written to any log for it.
	var events int
	if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM audit_events").Scan(&events); err != nil {
		t.Fatal(err)
	}
	anon := e.browser()
	for _, u := range []string{"/signin?next=%00", "/customers/a%00b", "/auth/zoom/callback?code=%FF&state=x", "/healthz?x=%00"} {
		if got := anon.get(e.URL + u); got.StatusCode != http.StatusBadRequest {
			t.Errorf("anonymous %s: %d, want 400", u, got.StatusCode)
		}
	}
	var after int
	if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM audit_events").Scan(&after); err != nil || after != events {
		t.Errorf("anonymous refusals wrote %d events (%v)", after-events, err)
	}
	if m := anon.get(e.URL + "/metrics").Body; !strings.Contains(m, `tierdesk_input_refused_total{where="path"}`) {
		t.Error("refusals are not counted in the metrics")
	}
}

// inForm is a form found on a page: where it posts, how, and its fields.
type inForm struct {
	from, action, enctype string
	names                 []string   // every named field, buttons included
	base                  url.Values // what a browser sends as the page stands (checked boxes, no button)
}

// inCrawl fetches pages as b and returns every form that posts, once per action and fields.
func inCrawl(t *testing.T, b *browser, pages []string) []inForm {
	t.Helper()
	seen := map[string]bool{}
	var forms []inForm
	for _, u := range pages {
		p := b.get(u)
		if p.StatusCode != http.StatusOK {
			continue
		}
		p.Doc().Find("form").Each(func(_ int, f *goquery.Selection) {
			if !strings.EqualFold(f.AttrOr("method", "get"), "post") {
				return
			}
			action, err := p.Request.URL.Parse(f.AttrOr("action", ""))
			if err != nil {
				t.Fatal(err)
			}
			form := inForm{from: u, action: action.String(), enctype: f.AttrOr("enctype", ""), base: url.Values{}}
			names := map[string]bool{}
			f.Find("input[name], select[name], textarea[name], button[name]").Each(func(_ int, in *goquery.Selection) {
				name := in.AttrOr("name", "")
				typ := strings.ToLower(in.AttrOr("type", ""))
				if typ == "file" {
					return // a file is content, judged by its parser (TestUploadsThatAreNotTextAreRefused)
				}
				names[name] = true
				switch {
				case goquery.NodeName(in) == "button" || typ == "submit":
				case typ == "checkbox" || typ == "radio":
					if _, checked := in.Attr("checked"); checked {
						form.base.Add(name, in.AttrOr("value", "on"))
					}
				case goquery.NodeName(in) == "select":
					opt := in.Find("option[selected]").First()
					if opt.Length() == 0 {
						opt = in.Find("option").First()
					}
					form.base.Set(name, opt.AttrOr("value", opt.Text()))
				case goquery.NodeName(in) == "textarea":
					form.base.Set(name, in.Text())
				default:
					form.base.Set(name, in.AttrOr("value", ""))
				}
			})
			for n := range names {
				form.names = append(form.names, n)
			}
			sort.Strings(form.names)
			key := action.Path + "|" + strings.Join(form.names, ",")
			if !seen[key] {
				seen[key] = true
				forms = append(forms, form)
			}
		})
	}
	return forms
}

// inPost posts values to u as a browser would, urlencoded or as multipart/form-data.
func inPost(b *browser, u, enctype string, values url.Values) *page {
	if enctype == "multipart/form-data" {
		return b.postMultipart(u, values, "", nil)
	}
	return b.post(u, values)
}

// Every field of every form the portal shows (found by opening every page of the router with
// Northwind's own ids, each wizard step included), sent with a NUL or a byte that is not UTF-8
// and every other field as the page has it, is refused with 400 naming the field and one
// denied event, and changes nothing: no other event, no request to Zoom. A change the walk
// finds no form for (one shown only in a state the walk does not reach) is sent a field too, so
// that every POST route of the router is covered.
func TestNotTextInEveryFormFieldIsRefused(t *testing.T) {
	t.Parallel()
	e, dist, nw, own := inSetup(t)
	connectS2S(t, e, nw) // for the form that removes it
	var pages []string
	var posts []string
	err := chi.Walk(e.Handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodPost {
			posts = append(posts, pattern)
			return nil
		}
		if strings.HasPrefix(pattern, "/auth/") || strings.HasSuffix(pattern, "*") {
			return nil // a new sign-in would replace the session under test
		}
		path, err := own.fill(pattern)
		if err != nil {
			return err
		}
		pages = append(pages, e.URL+path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"options", "plan", "template", "users", "review"} {
		pages = append(pages, e.URL+"/customers/new/"+own.onboardingID+"/"+step)
	}
	pages = append(pages, e.URL+"/customers/"+own.accountID+"/settings/template?id="+own.templateID)
	forms := inCrawl(t, dist, pages)
	e.waitJobsIdle()
	zoomBefore := len(e.Sandbox.Requests())

	expectRefused := func(what, u, enctype string, values url.Values, field string) {
		t.Helper()
		refused, all := inCounts(t, e, nw.ID)
		got := inPost(dist, u, enctype, values)
		msg := got.TestID("message-text")
		if got.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "“"+field+"”") && !strings.Contains(msg, "the name of a field") {
			t.Errorf("%s: %d %q, want 400 naming %q", what, got.StatusCode, msg, field)
		}
		if r, a := inCounts(t, e, nw.ID); r-refused != 1 || a-all != 1 {
			t.Errorf("%s: %d refused and %d other new events, want exactly one refused", what, r-refused, a-all-(r-refused))
		}
	}
	covered := map[string]bool{}
	fields := 0
	for _, f := range forms {
		u, err := url.Parse(f.action)
		if err != nil {
			t.Errorf("a form on %s posts to %q: %v", f.from, f.action, err)
			continue
		}
		rc := chi.NewRouteContext()
		if !e.Handler.(chi.Routes).Match(rc, http.MethodPost, u.Path) {
			t.Errorf("a form on %s posts to %s, which no route takes", f.from, f.action)
			continue
		}
		covered[rc.RoutePattern()] = true
		for _, name := range f.names {
			for _, bad := range []string{"a\x00b", "\xff"} {
				values := url.Values{}
				for k, v := range f.base {
					values[k] = append([]string(nil), v...)
				}
				values.Set(name, bad)
				expectRefused(fmt.Sprintf("form %s (on %s) field %s=%q", f.action, f.from, name, bad), f.action, f.enctype, values, name)
				fields++
			}
		}
	}
	for _, pattern := range posts {
		if covered[pattern] {
			continue
		}
		t.Logf("no form of %s on the pages walked: sending it a field", pattern)
		u := e.URL + inFill(t, own, pattern, "", "")
		for _, bad := range []string{"a\x00b", "\xff"} {
			expectRefused("POST "+pattern, u, "", url.Values{"name": {bad}}, "name")
		}
	}
	if len(covered) < 30 || fields < 200 {
		t.Errorf("the walk found forms for %d routes and %d fields: the crawl is broken", len(covered), fields)
	}
	e.waitJobsIdle()
	if n := len(e.Sandbox.Requests()) - zoomBefore; n != 0 {
		t.Errorf("refused forms made %d requests to Zoom", n)
	}
	if c, err := e.Store.CustomerByAccount(context.Background(), nw.ID, own.accountID); err != nil || c.Status != store.CustomerActive {
		t.Errorf("the customer after the walk: %v %v", c.Status, err)
	}
}

// An uploaded file that is not text (a NUL in a cell, a file saved as UTF-16, a byte that is
// not UTF-8) is refused with 400 on its form, naming the line and what to do, with one denied
// event; nothing is stored. A file name that is not text is refused at the edge.
func TestUploadsThatAreNotTextAreRefused(t *testing.T) {
	t.Parallel()
	e, dist, nw, own := inSetup(t)
	ctx := context.Background()
	imports := func() int {
		var n int
		if err := e.super().QueryRow(ctx, "SELECT count(*) FROM user_imports WHERE partner_id = $1", nw.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	header := "email,first_name,last_name,type,action,customer\n"
	utf16 := []byte{0xff, 0xfe}
	for _, r := range header {
		utf16 = append(utf16, byte(r), 0)
	}
	for _, c := range []struct {
		name    string
		content []byte
		line    string
		reason  string
	}{
		{"nul.csv", []byte(header + "ann@example.com,Ann,Lee,1,create," + own.accountID + "\nbo@example.com,B\x00o,Chen,1,create," + own.accountID + "\n"), "line 3", "NUL"},
		{"utf16.csv", utf16, "line 1", "not valid UTF-8"},
		{"latin1.csv", []byte(header + "ren\xe9@example.com,Ren\xe9,Lee,1,create," + own.accountID + "\n"), "line 2", "not valid UTF-8"},
	} {
		refused, all := inCounts(t, e, nw.ID)
		before := imports()
		got := dist.postMultipart(e.URL+"/imports", url.Values{"kind": {store.ImportCreate}}, c.name, c.content)
		msg := got.TestID("error-file")
		if got.StatusCode != http.StatusBadRequest || !strings.Contains(msg, c.line) || !strings.Contains(msg, c.reason) || !strings.Contains(msg, "CSV UTF-8") {
			t.Errorf("%s: %d %q, want 400 naming %s and %s", c.name, got.StatusCode, msg, c.line, c.reason)
		}
		if r, a := inCounts(t, e, nw.ID); r-refused != 1 || a-all != 1 || imports() != before {
			t.Errorf("%s: %d refused events, %d events, %d imports stored", c.name, r-refused, a-all, imports()-before)
		}
	}
	// The wizard's first users, from a file: the same refusal on the users step.
	refused, _ := inCounts(t, e, nw.ID)
	got := dist.postMultipart(e.URL+"/customers/new/"+own.onboardingID+"/users", url.Values{"users": {""}}, "first.csv",
		[]byte("ann@example.com,Ann,Le\x00e,basic\n"))
	if got.StatusCode != http.StatusBadRequest || !strings.Contains(got.TestID("error-file"), "line 1 holds a NUL") {
		t.Errorf("wizard upload: %d %q", got.StatusCode, got.TestID("error-file"))
	}
	if r, _ := inCounts(t, e, nw.ID); r-refused != 1 {
		t.Errorf("wizard upload: %d refused events", r-refused)
	}
	if o, err := e.Store.OnboardingByID(ctx, nw.ID, own.onboardingID); err != nil || len(o.Form.Users) != 0 {
		t.Errorf("wizard draft after the refused file: %d users (%v)", len(o.Form.Users), err)
	}
	// A file whose name is not text never reaches the handler.
	refused, _ = inCounts(t, e, nw.ID)
	if got := dist.postMultipart(e.URL+"/imports", url.Values{"kind": {store.ImportCreate}}, "bad\xff.csv", []byte(header)); got.StatusCode != http.StatusBadRequest ||
		!strings.Contains(got.TestID("message-text"), "the name of the file") {
		t.Errorf("file name: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	if r, _ := inCounts(t, e, nw.ID); r-refused != 1 {
		t.Errorf("file name: %d refused events", r-refused)
	}
}

// A validly signed webhook whose JSON holds "\u0000" (or bytes that are not UTF-8) is refused
// with 400, which Zoom does not retry, rather than failing to be recorded (503, retried for
// ever); it is counted, and nothing is recorded.
func TestWebhookThatIsNotTextIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	e.waitJobsIdle()
	if p := b.post(e.URL+"/settings/webhook", url.Values{"secret_token": {whSecret}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("save token: %d", p.StatusCode)
	}
	p := e.partnerOf(distOwner)
	events := func() int {
		var n int
		if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM webhook_events").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := events()
	for _, body := range []string{
		`{"event":"user.updated","event_ts":1,"payload":{"account_id":"` + p.ZoomAccountID + `","object":{"id":"u1","first_name":"Hid\u0000den"}}}`,
		`{"event":"user.updated","event_ts":1,"payload":{"account_id":"` + p.ZoomAccountID + `","object":{"id":"u1","first_name":"Hid` + "\xff" + `den"}}}`,
		`{"event":"user.updated","event_ts":1,"payload":{"account_id":"` + p.ZoomAccountID + `","object":{"id":"u1","na\u0000me":"x"}}}`,
	} {
		// The endpoint URL Zoom is given names the partner.
		if got := whPostTo(t, e, "/webhooks/zoom?partner="+itoa(p.ID), whSecret, []byte(body), time.Now()); got != http.StatusBadRequest {
			t.Errorf("webhook %q: %d, want 400", body, got)
		}
	}
	// Signed with another secret: refused the same, but it is nobody's to audit.
	if got := whPostTo(t, e, "/webhooks/zoom?partner="+itoa(p.ID), "not-the-secret-token-0", []byte(`{"event":"x\u0000"}`), time.Now()); got != http.StatusBadRequest {
		t.Errorf("unsigned webhook: %d, want 400", got)
	}
	if n := events() - before; n != 0 {
		t.Errorf("%d events recorded", n)
	}
	if m := b.get(e.URL + "/metrics").Body; !strings.Contains(m, `tierdesk_input_refused_total{where="webhook"} 4`) {
		t.Error("the refused webhooks are not counted")
	}
	// The three Zoom signed are in the partner's log, as seen from Zoom, with where and why.
	refused := auditOf(t, e, p.ID, string(audit.RequestRefused))
	if len(refused) != 3 {
		t.Fatalf("%d refused webhooks in the audit log, want 3", len(refused))
	}
	var d map[string]any
	if err := json.Unmarshal(refused[0].Details, &d); err != nil {
		t.Fatal(err)
	}
	if !refused[0].External || refused[0].StaffID != nil || refused[0].Outcome != store.OutcomeDenied || d["where"] != "webhook" ||
		d["reason"] != `not text: the event's payload.object."na\x00me" (a key) holds a NUL character` {
		t.Errorf("refused webhook event: external %v, staff %v, %s, %v", refused[0].External, refused[0].StaffID, refused[0].Outcome, d)
	}
}

// 5,000 requests with made-up method names leave the number of metrics series as it was:
// methods that are not HTTP's fold into one label value, as unmatched routes do.
func TestMadeUpMethodsDoNotGrowTheMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	series := func() (int, string) {
		body := b.get(e.URL + "/metrics").Body
		n := 0
		for _, line := range strings.Split(body, "\n") {
			if line != "" && !strings.HasPrefix(line, "#") && !strings.Contains(line, `route="/metrics"`) {
				n++
			}
		}
		return n, body
	}
	send := func(method, path string) {
		req, _ := http.NewRequest(method, e.URL+path, nil)
		if got := b.do(req); got.StatusCode < 400 {
			t.Fatalf("%s %s: %d", method, path, got.StatusCode)
		}
	}
	send("WARMUP", "/")
	send("WARMUP", "/no/such/page")
	before, _ := series()
	for i := range 5000 {
		send(fmt.Sprintf("M%dX", i), []string{"/", "/no/such/page"}[i%2])
	}
	after, body := series()
	if after != before {
		t.Errorf("%d series after 5,000 made-up methods, %d before", after, before)
	}
	if !strings.Contains(body, `method="OTHER"`) || strings.Contains(body, `method="M1X"`) {
		t.Error("made-up methods are not folded into OTHER")
	}
}

// A client's X-Request-Id is not taken from a caller that is not a trusted proxy: the audit
// log holds the portal's own request id.
func TestClientRequestIDIsNotTrusted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn(e, distOwner)
	p := e.partnerOf(distOwner)
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/customers/no-such-customer", nil)
	req.Header.Set("X-Request-Id", "chosen-by-the-client")
	if got := b.do(req); got.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown customer: %d", got.StatusCode)
	}
	denied := auditOf(t, e, p.ID, "customer.view")
	if len(denied) == 0 {
		t.Fatal("no denied event")
	}
	if id := denied[0].RequestID; id == "" || id == "chosen-by-the-client" {
		t.Errorf("the event's request id is %q", id)
	}
}
