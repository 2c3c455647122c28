package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// umCustomers lists a partner's active customers with Zoom's users of each.
func umCustomers(t testing.TB, e *env, p store.Partner) ([]store.Customer, map[string][]sandbox.UserInfo) {
	t.Helper()
	page, err := e.Store.Customers(context.Background(), p.ID, store.CustomerFilter{PartnerID: p.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	byAccount := map[string][]sandbox.UserInfo{}
	for _, u := range e.Sandbox.Users() {
		byAccount[u.AccountID] = append(byAccount[u.AccountID], u)
	}
	return page.Customers, byAccount
}

// umJobEvents lists the audit events of a job with an action.
func umJobEvents(t testing.TB, e *env, partnerID int64, action, jobID string) []store.AuditEvent {
	t.Helper()
	var out []store.AuditEvent
	for _, ev := range auditOf(t, e, partnerID, action) {
		if ev.JobID == jobID {
			out = append(out, ev)
		}
	}
	return out
}

// One file with a customer column fills two customers (named by account id or by name); the
// check refuses an email that belongs to another customer (Zoom's 1009) before anything is
// sent.
func TestUmImportFillsTwoCustomersFromOneFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c1 := contoso(t, e)
	customers, users := umCustomers(t, e, p)
	var c2 store.Customer
	for _, c := range customers {
		if c.ID != c1.ID && c.Seats > 0 && len(users[c.ZoomAccountID]) > 3 && c2.ID == 0 {
			c2 = c
		}
	}
	if c2.ID == 0 {
		t.Fatal("no second paid customer")
	}
	memberOf := func(c store.Customer) string {
		for _, u := range users[c.ZoomAccountID] {
			if u.Role == "Member" && u.Status == "active" {
				return u.Email
			}
		}
		t.Fatalf("no active member in %s", c.AccountName)
		return ""
	}
	file := "email,first_name,last_name,type,action,customer\n" +
		"um.a1@new.example,Ann,One,1,create," + c1.ZoomAccountID + "\n" + // 2
		"um.b1@new.example,Bea,One,1,create," + c2.AccountName + "\n" + // 3: by name
		"um.a2@new.example,Ann,Two,2,custCreate," + strings.ToUpper(c1.AccountName) + "\n" + // 4: by name, any case
		"um.b2@new.example,Bea,Two,1,create," + c2.ZoomAccountID + "\n" + // 5
		memberOf(c2) + ",Ex,Other,1,create," + c1.ZoomAccountID + "\n" + // 6: a user of c2 (1009)
		memberOf(c1) + ",Ex,Here,1,create," + c1.ZoomAccountID + "\n" + // 7: a user of c1 (1005)
		"um.none@new.example,No,Customer,1,create,\n" // 8: no customer, and none chosen for the file
	before := len(e.sandboxRequests("POST", "/v2/accounts/"))
	up := owner.upload(e, "create", "", "two.csv", file)
	preview := owner.get(up.location(t))
	if preview.TestID("preview-total") != "7" || preview.TestID("preview-valid") != "4" || preview.TestID("preview-invalid") != "3" {
		t.Fatalf("preview: total %q valid %q invalid %q; %q", preview.TestID("preview-total"), preview.TestID("preview-valid"), preview.TestID("preview-invalid"),
			preview.Doc().Find(`[data-testid="problem-row"]`).Text())
	}
	if per := umFacts(preview, "per-customer"); len(per) != 2 || per[c1.AccountName] != "2" || per[c2.AccountName] != "2" {
		t.Fatalf("users per customer: %v", per)
	}
	problems := map[string]string{}
	for _, s := range preview.Doc().Find(`[data-testid="problem-row"]`).EachIter() {
		problems[strings.TrimSpace(s.Find("td").First().Text())] = strings.Join(strings.Fields(s.Text()), " ")
	}
	if want := "Already a user of " + c2.AccountName + ": Zoom refuses an email that belongs to another account (code 1009). Move the user instead."; !strings.Contains(problems["6"], want) {
		t.Errorf("line 6: %q, want %q", problems["6"], want)
	}
	if !strings.Contains(problems["7"], "Already a user of this customer") || !strings.Contains(problems["7"], "1005") {
		t.Errorf("line 7: %q", problems["7"])
	}
	if !strings.Contains(problems["8"], "No customer") {
		t.Errorf("line 8: %q", problems["8"])
	}
	if n := len(e.sandboxRequests("POST", "/v2/accounts/")) - before; n != 0 {
		t.Fatalf("the check sent %d creates", n)
	}

	jobURL := owner.post(up.location(t)+"/start", nil).location(t)
	jobID := strings.TrimPrefix(jobURL, e.URL+"/jobs/")
	done := waitJob(t, owner, jobURL)
	if done.TestID("job-status") != "succeeded" || done.TestID("job-done") != "4" || done.TestID("job-failed") != "0" || done.TestID("job-invalid") != "3" {
		t.Fatalf("job: %q done %q failed %q invalid %q: %q", done.TestID("job-status"), done.TestID("job-done"), done.TestID("job-failed"),
			done.TestID("job-invalid"), done.TestID("job-message"))
	}
	want := map[string]store.Customer{"um.a1@new.example": c1, "um.a2@new.example": c1, "um.b1@new.example": c2, "um.b2@new.example": c2}
	for email, c := range want {
		if u, ok := sandboxUser(e, email); !ok || u.AccountID != c.ZoomAccountID {
			t.Errorf("%s in Zoom: %+v, want in %s", email, u, c.AccountName)
		}
		if _, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, email); err != nil {
			t.Errorf("%s not in %s's directory: %v", email, c.AccountName, err)
		}
	}
	for _, c := range []store.Customer{c1, c2} {
		if n := len(e.sandboxRequests("POST", "/v2/accounts/"+c.ZoomAccountID+"/users")); n != 2 {
			t.Errorf("%d creates sent to %s, want 2", n, c.AccountName)
		}
	}
	res := results(t, owner, jobURL)
	for line, c := range map[string]store.Customer{"2": c1, "3": c2, "4": c1, "5": c2} {
		if res[line]["customer_account_id"] != c.ZoomAccountID || res[line]["customer"] != c.AccountName || res[line]["result"] != "succeeded" || res[line]["zoom_user_id"] == "" {
			t.Errorf("results line %s: %v", line, res[line])
		}
	}
	if res["4"]["action"] != "custCreate" || res["4"]["type"] != "2" || !strings.HasPrefix(res["6"]["result"], "skipped") || !strings.Contains(res["6"]["message"], "1009") {
		t.Errorf("results: line 4 %v, line 6 %v", res["4"], res["6"])
	}
	evs := umJobEvents(t, e, p.ID, "user.create", jobID)
	if len(evs) != 4 {
		t.Fatalf("%d row events, want 4", len(evs))
	}
	for _, ev := range evs {
		if c, ok := want[ev.TargetLabel]; !ok || ev.CustomerID != c.ZoomAccountID || ev.Outcome != store.OutcomeSucceeded {
			t.Errorf("row event %s for %s: %s", ev.TargetLabel, ev.CustomerID, ev.Outcome)
		}
	}
}

var (
	umRateRe = regexp.MustCompile(`^(\d+\.\d) rows/s$`)
	umETARe  = regexp.MustCompile(`^(?:about )?(?:(\d+) min )?(\d+) s$`)
)

// umSeconds reads a duration the job page shows ("about 1 min 5 s", "12 s").
func umSeconds(t testing.TB, s string) float64 {
	t.Helper()
	m := umETARe.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("not a duration: %q", s)
	}
	mins, _ := strconv.Atoi(m[1])
	secs, _ := strconv.Atoi(m[2])
	return float64(mins*60 + secs)
}

// umRate reads a rate the job page shows.
func umRate(t testing.TB, s string) float64 {
	t.Helper()
	m := umRateRe.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("not a rate: %q", s)
	}
	r, _ := strconv.ParseFloat(m[1], 64)
	return r
}

// umLabelOf is the <dt> before the element with data-testid id.
func umLabelOf(p *page, id string) string {
	return strings.TrimSpace(p.Doc().Find(`[data-testid="` + id + `"]`).First().PrevFiltered("dt").Text())
}

// While a bulk job runs its page shows the rate and the time to finish, consistent with
// what is left and with how fast Zoom answers; once finished, the overall rate and how long
// it took.
func TestUmImportProgressShowsRateAndTimeToFinish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, _, c := contoso(t, e)
	const rows, latency, concurrency = 72, 400 * time.Millisecond, zoom.DefaultMaxInFlight
	// At most this many rows a second can finish: the most the job keeps in flight, each
	// taking the latency.
	ceiling := float64(concurrency) / latency.Seconds()
	var file strings.Builder
	file.WriteString("email,first_name,last_name,type,action\n")
	for i := range rows {
		fmt.Fprintf(&file, "um.rate%02d@new.example,R,%d,1,create\n", i, i)
	}
	// The creates after the 40th are held at Zoom until the test has seen the running page
	// twice: the job cannot finish before it has been looked at, however slow the machine.
	hold := e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Hold: true, After: 40})
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: latency})
	defer e.Sandbox.ClearFaults()
	up := owner.upload(e, "create", c.ZoomAccountID, "rate.csv", file.String())
	jobURL := owner.post(up.location(t)+"/start", nil).location(t)

	seen := 0
	for deadline := time.Now().Add(60 * time.Second); seen < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("no rate shown while the job ran (%d seen)", seen)
		}
		// htmx's poll and a reload of the page both show them.
		var p *page
		if seen == 0 {
			p = poll(owner, jobURL)
		} else {
			p = owner.get(jobURL)
		}
		status, _ := p.Doc().Find(`[data-testid="job-progress"]`).Attr("data-status")
		if status != "running" {
			if status == "succeeded" || status == "failed" || status == "cancelled" {
				t.Fatalf("the job finished (%s) before its rate was seen twice", status)
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if p.TestID("job-rate") == "—" {
			if p.TestID("job-eta") != "—" {
				t.Fatalf("a time to finish %q without a rate", p.TestID("job-eta"))
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		rate := umRate(t, p.TestID("job-rate"))
		left, _ := strconv.Atoi(p.TestID("job-left"))
		if rate <= 0 || rate > ceiling*1.25 {
			t.Fatalf("rate %v rows/s; at most %v can finish a second", rate, ceiling)
		}
		if umLabelOf(p, "job-eta") != "Time to finish" || !strings.HasPrefix(p.TestID("job-eta"), "about ") {
			t.Fatalf("running: %q %q", umLabelOf(p, "job-eta"), p.TestID("job-eta"))
		}
		eta, want := umSeconds(t, p.TestID("job-eta")), float64(left)/rate
		if left > 0 && (eta < want-1.5 || eta > want+1.5) {
			t.Fatalf("time to finish %q with %d left at %v rows/s (want about %.1f s)", p.TestID("job-eta"), left, rate, want)
		}
		seen++
	}
	if !e.Sandbox.ReleaseFault(hold) {
		t.Fatal("the hold on creates was gone")
	}
	done := waitJob(t, owner, jobURL)
	if done.TestID("job-status") != "succeeded" || done.TestID("job-done") != strconv.Itoa(rows) {
		t.Fatalf("job: %q done %q", done.TestID("job-status"), done.TestID("job-done"))
	}
	// Finished: how long it took, and the rate over the whole run.
	took, rate := umSeconds(t, done.TestID("job-eta")), umRate(t, done.TestID("job-rate"))
	if umLabelOf(done, "job-eta") != "Took" || strings.HasPrefix(done.TestID("job-eta"), "about") {
		t.Fatalf("finished: %q %q", umLabelOf(done, "job-eta"), done.TestID("job-eta"))
	}
	if minimum := float64(rows) / ceiling; took < minimum-1 || rate > ceiling*1.25 || rate <= 0 {
		t.Fatalf("took %v s at %v rows/s; %d rows cannot take less than %.1f s", took, rate, rows, minimum)
	}
	if product := rate * max(took, 1); product < rows*0.7 || product > rows*1.4 {
		t.Fatalf("%v rows/s for %v s is %v rows, not %d", rate, took, product, rows)
	}
}

// A bulk deactivate from a CSV: the check refuses what Zoom would (owner and admin, inactive,
// pending, unknown, another customer's user, duplicates); the valid rows are deactivated in
// Zoom, one status call and one event each, and the directory follows.
func TestUmBulkDeactivateFromCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c := contoso(t, e)
	customers, users := umCustomers(t, e, p)
	owner.get(usersURLOf(e, c))
	var active []sandbox.UserInfo
	var inactive, pending, admin, elsewhere string
	var other store.Customer
	for _, u := range users[c.ZoomAccountID] {
		switch {
		case u.Role == "Admin" && admin == "":
			admin = u.Email
		case u.Role != "Member":
		case u.Status == "active" && len(active) < 2:
			active = append(active, u)
		case u.Status == "inactive" && inactive == "":
			inactive = u.Email
		case u.Status == "pending" && pending == "":
			pending = u.Email
		}
	}
	for _, oc := range customers {
		for _, u := range users[oc.ZoomAccountID] {
			if oc.ID != c.ID && elsewhere == "" && u.Role == "Member" {
				other, elsewhere = oc, u.Email
			}
		}
	}
	owner.get(usersURLOf(e, other)) // the directory knows where that user is
	file := "Email Address,Customer\n" +
		active[0].Email + "," + c.ZoomAccountID + "\n" + // 2
		strings.ToUpper(active[1].Email) + ",\n" + // 3: the form's customer; any case
		inactive + ",\n" + // 4
		pending + ",\n" + // 5
		admin + ",\n" + // 6
		"nobody.um@new.example,\n" + // 7
		elsewhere + ",\n" + // 8
		active[0].Email + ",\n" // 9: duplicate of line 2
	up := owner.upload(e, "deactivate", c.ZoomAccountID, "leave.csv", file)
	preview := owner.get(up.location(t))
	if preview.TestID("preview-total") != "8" || preview.TestID("preview-valid") != "2" || preview.TestID("preview-invalid") != "6" {
		t.Fatalf("preview: total %q valid %q invalid %q: %q", preview.TestID("preview-total"), preview.TestID("preview-valid"), preview.TestID("preview-invalid"),
			preview.Doc().Find(`[data-testid="problem-row"]`).Text())
	}
	problems := map[string]string{}
	for _, s := range preview.Doc().Find(`[data-testid="problem-row"]`).EachIter() {
		problems[strings.TrimSpace(s.Find("td").First().Text())] = s.Text()
	}
	for line, want := range map[string]string{"4": "Already inactive.", "5": "Remove the user instead", "6": "Zoom does not allow this for an owner or admin",
		"7": "Not a user of this customer.", "8": "the directory has this email in " + other.AccountName, "9": "Same email as line 2"} {
		if !strings.Contains(problems[line], want) {
			t.Errorf("line %s: %q, want %q", line, problems[line], want)
		}
	}
	// A deactivation is not red, has no create action and no remove options.
	start := preview.Doc().Find(`[data-testid="start-import"]`)
	if start.Text() != "Deactivate 2 users" || start.HasClass("danger") || preview.Doc().Find(`[data-testid="transfer-fields"]`).Length() != 0 ||
		strings.Contains(preview.Doc().Find(`thead`).First().Text(), "Action") {
		t.Fatalf("deactivate preview: %s", outerHTML(preview.Doc().Find(`form[action$="/start"]`)))
	}
	statusCalls := func() []sandbox.RequestRecord {
		var out []sandbox.RequestRecord
		for _, r := range e.sandboxRequests("PUT", "/v2/accounts/"+c.ZoomAccountID+"/users/") {
			if strings.HasSuffix(r.Path, "/status") {
				out = append(out, r)
			}
		}
		return out
	}
	before := len(statusCalls())
	jobURL := owner.post(up.location(t)+"/start", nil).location(t)
	jobID := strings.TrimPrefix(jobURL, e.URL+"/jobs/")
	done := waitJob(t, owner, jobURL)
	if done.TestID("job-status") != "succeeded" || done.TestID("job-done") != "2" || done.TestID("job-failed") != "0" || done.TestID("job-left") != "0" ||
		done.TestID("job-message") != "2 users deactivated, 0 failed, 6 rows skipped by the check." {
		t.Fatalf("job: %q done %q failed %q: %q", done.TestID("job-status"), done.TestID("job-done"), done.TestID("job-failed"), done.TestID("job-message"))
	}
	calls := statusCalls()[before:]
	if len(calls) != 2 {
		t.Fatalf("%d status calls, want 2", len(calls))
	}
	for i, u := range active {
		if calls[0].Path != "/v2/accounts/"+c.ZoomAccountID+"/users/"+u.ID+"/status" && calls[1].Path != "/v2/accounts/"+c.ZoomAccountID+"/users/"+u.ID+"/status" {
			t.Errorf("no status call for %s: %s, %s", u.Email, calls[0].Path, calls[1].Path)
		}
		if got, _ := sandboxUser(e, u.Email); got.Status != "inactive" {
			t.Errorf("%s is %s in Zoom", u.Email, got.Status)
		}
		if d, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, u.ID); err != nil || d.Status != store.UserInactive {
			t.Errorf("%s in the directory: %s %v", u.Email, d.Status, err)
		}
		if r := results(t, owner, jobURL)[strconv.Itoa(i+2)]; r["result"] != "succeeded" || r["message"] != "Deactivated." || !strings.EqualFold(r["email"], u.Email) {
			t.Errorf("result of line %d: %v", i+2, r)
		}
	}
	for _, email := range []string{admin, pending, elsewhere} {
		if u, _ := sandboxUser(e, email); u.Status == "inactive" {
			t.Errorf("%s was deactivated", email)
		}
	}
	evs := umJobEvents(t, e, p.ID, "user.deactivate", jobID)
	if len(evs) != 2 || evs[0].Outcome != store.OutcomeSucceeded || evs[1].Outcome != store.OutcomeSucceeded || evs[0].CustomerID != c.ZoomAccountID ||
		evs[0].StaffEmail != resOwner || !strings.Contains(string(evs[0].Details), `"after":{"status":"inactive"}`) {
		t.Fatalf("row events: %+v", evs)
	}
	if fin := umJobEvents(t, e, p.ID, "job.finish", jobID); len(fin) != 1 || !strings.Contains(string(fin[0].Details), `"kind":"deactivate"`) {
		t.Fatalf("job events: %+v", fin)
	}
	// The Inactive tab shows them now.
	tab := owner.get(usersURLOf(e, c) + "?status=inactive&q=" + url.QueryEscape(active[0].Email))
	if tab.Doc().Find(`[data-testid="user-row"][data-status="inactive"]`).Length() != 1 {
		t.Fatalf("the Inactive tab does not list %s", active[0].Email)
	}
}

// A bulk remove of users selected on the users page, run to the end: each removal reaches
// Zoom with the chosen action; Zoom's refusal of one row (a user on the managed domain
// cannot be disassociated) is recorded and explained; results, audit and directory agree.
func TestUmBulkRemoveSelectionRunsToTheEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c := contoso(t, e)
	users := usersURLOf(e, c)
	owner.get(users)
	domain := strings.Split(c.OwnerEmail, "@")[1]
	var free, managed, pending sandbox.UserInfo
	for _, u := range e.Sandbox.Users() {
		switch {
		case u.AccountID != c.ZoomAccountID || u.Role != "Member":
		case u.Status == "pending" && pending.Email == "":
			pending = u
		case u.Status == "active" && !strings.HasSuffix(u.Email, "@"+domain) && free.ID == "":
			free = u
		case u.Status == "active" && strings.HasSuffix(u.Email, "@"+domain) && managed.ID == "":
			managed = u
		}
	}
	if free.ID == "" || managed.ID == "" || pending.Email == "" {
		t.Fatal("the customer lacks a member off and one on its domain, or a pending one")
	}
	// The boxes on the users page carry the emails the selection sends.
	for _, u := range []sandbox.UserInfo{free, managed, pending} {
		if got := owner.get(users + "?q=" + url.QueryEscape(u.Email)); got.Doc().Find(`#bulk-form input[type="checkbox"][name="email"][value="`+u.Email+`"]`).Length() != 1 {
			t.Fatalf("no selection box for %s", u.Email)
		}
	}
	prev := owner.get(owner.post(users+"/bulk", url.Values{"op": {"remove"}, "email": {free.Email, managed.Email, pending.Email}}).location(t))
	if prev.TestID("preview-valid") != "3" || prev.TestID("start-import") != "Remove 3 users" {
		t.Fatalf("selection preview: valid %q, %q: %q", prev.TestID("preview-valid"), prev.TestID("start-import"), prev.Doc().Find(`[data-testid="problem-row"]`).Text())
	}
	startURL := e.URL + prev.Doc().Find(`form[action$="/start"]`).AttrOr("action", "")
	deletes := func() []sandbox.RequestRecord {
		return e.sandboxRequests("DELETE", "/v2/accounts/"+c.ZoomAccountID+"/users/")
	}
	before := len(deletes())
	// Zoom deletes no pending user: a delete of this selection is refused before it starts,
	// the choice kept.
	refused := owner.post(startURL, url.Values{"remove_action": {"delete"}})
	if refused.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(refused.TestID("error-remove_action"), "1 of these users is pending") ||
		!refused.Doc().Find(`input[name="remove_action"][value="delete"]`).Is("[checked]") {
		t.Fatalf("delete with a pending user: %d %q", refused.StatusCode, refused.TestID("error-remove_action"))
	}
	if imp, err := e.Store.ImportByID(ctx, p.ID, strings.TrimSuffix(strings.TrimPrefix(startURL, e.URL+"/imports/"), "/start")); err != nil || imp.Status != "preview" || imp.JobID != "" {
		t.Fatalf("the refused start started it: %+v %v", imp, err)
	}
	jobURL := owner.post(startURL, url.Values{"remove_action": {"disassociate"}, "transfer_email": {free.Email}}).location(t)
	jobID := strings.TrimPrefix(jobURL, e.URL+"/jobs/")
	done := waitJob(t, owner, jobURL)
	if done.TestID("job-status") != "succeeded" || done.TestID("job-done") != "2" || done.TestID("job-failed") != "1" || done.TestID("job-left") != "0" {
		t.Fatalf("remove job: %q done %q failed %q: %q", done.TestID("job-status"), done.TestID("job-done"), done.TestID("job-failed"), done.TestID("job-message"))
	}
	failure := done.Doc().Find(`[data-testid="failure-row"]`)
	if failure.Length() != 1 || !strings.Contains(failure.Text(), managed.Email) || !strings.Contains(failure.Text(), "managed domain") || !strings.Contains(failure.Text(), "1107") {
		t.Fatalf("the refused row: %q", failure.Text())
	}
	// Zoom got one disassociation per user, without transfers (they belong to delete).
	calls := deletes()[before:]
	if len(calls) != 3 {
		t.Fatalf("%d removals reached Zoom, want 3", len(calls))
	}
	byPath := map[string]sandbox.RequestRecord{}
	for _, r := range calls {
		q, _ := url.ParseQuery(r.Query)
		if q.Get("action") != "disassociate" || q.Has("transfer_email") {
			t.Errorf("removal sent as %s?%s", r.Path, r.Query)
		}
		byPath[r.Path] = r
	}
	base := "/v2/accounts/" + c.ZoomAccountID + "/users/"
	if byPath[base+free.ID].Status != http.StatusNoContent || byPath[base+managed.ID].Code != 1107 || byPath[base+url.PathEscape(pending.Email)].Status != http.StatusNoContent &&
		byPath[base+pending.Email].Status != http.StatusNoContent {
		t.Fatalf("Zoom's answers: %+v", byPath)
	}
	if u, found := sandboxUser(e, free.Email); found && u.AccountID == c.ZoomAccountID {
		t.Error("the member off the domain is still in the customer")
	}
	if _, found := sandboxUser(e, pending.Email); found {
		t.Error("the pending invitation is still in Zoom")
	}
	if u, _ := sandboxUser(e, managed.Email); u.AccountID != c.ZoomAccountID {
		t.Error("the member on the managed domain left although Zoom refused")
	}
	// Results and audit say the same, row by row.
	res := map[string]map[string]string{}
	for _, r := range results(t, owner, jobURL) {
		res[strings.ToLower(r["email"])] = r
	}
	if res[strings.ToLower(free.Email)]["result"] != "succeeded" || res[strings.ToLower(pending.Email)]["result"] != "succeeded" ||
		res[strings.ToLower(managed.Email)]["result"] != "failed" || res[strings.ToLower(managed.Email)]["zoom_code"] != "1107" ||
		!strings.Contains(res[strings.ToLower(managed.Email)]["message"], "Delete them instead") {
		t.Fatalf("results: %v", res)
	}
	outcomes := map[string]store.Outcome{}
	for _, ev := range umJobEvents(t, e, p.ID, "user.disassociate", jobID) {
		if _, dup := outcomes[ev.TargetLabel]; dup {
			t.Fatalf("two events for %s", ev.TargetLabel)
		}
		outcomes[ev.TargetLabel] = ev.Outcome
		if ev.TargetLabel == managed.Email && ev.ZoomCode != 1107 {
			t.Fatalf("the refusal's event: %+v", ev)
		}
	}
	if len(outcomes) != 3 || outcomes[free.Email] != store.OutcomeSucceeded || outcomes[pending.Email] != store.OutcomeSucceeded || outcomes[managed.Email] != store.OutcomeFailed {
		t.Fatalf("row events: %v", outcomes)
	}
	if len(umJobEvents(t, e, p.ID, "job.finish", jobID)) != 1 {
		t.Fatal("no job.finish event")
	}
	// The directory and the list follow.
	for email, gone := range map[string]bool{free.Email: true, pending.Email: true, managed.Email: false} {
		_, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, email)
		if gone != (err != nil) {
			t.Errorf("%s in the directory: %v (want gone %v)", email, err, gone)
		}
		if n := owner.get(users + "?q=" + url.QueryEscape(email)).Doc().Find(`[data-testid="user-row"]`).Length(); (n == 0) != gone {
			t.Errorf("%s listed %d times", email, n)
		}
	}
}

// A bulk delete whose users are in several customers cannot send their data to one
// recipient (a Zoom user belongs to one account): refused at the start, nothing sent.
func TestBulkDeleteAcrossCustomersRefusesOneTransferRecipient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	var other string
	for _, u := range e.Sandbox.Users() {
		if u.Role == "Owner" && !u.Primary && u.ParentAccountID == p.ZoomAccountID && u.AccountID != c.ZoomAccountID {
			other = u.AccountID
			break
		}
	}
	if other == "" {
		t.Fatal("Contoso has one customer")
	}
	var lines []string
	for _, acct := range []string{c.ZoomAccountID, other} {
		owner.get(e.URL + "/customers/" + url.PathEscape(acct) + "/users")
		for _, u := range e.Sandbox.Users() {
			if u.AccountID == acct && u.Role == "Member" && u.Status == "active" {
				lines = append(lines, u.Email+","+acct)
				break
			}
		}
	}
	e.waitJobsIdle()
	up := owner.upload(e, "remove", c.ZoomAccountID, "leavers.csv", "email,customer\n"+strings.Join(lines, "\n")+"\n")
	if preview := owner.get(up.location(t)); preview.TestID("preview-valid") != "2" {
		t.Fatalf("preview: %q valid of %v", preview.TestID("preview-valid"), lines)
	}
	before := len(e.sandboxRequests(http.MethodDelete, "/v2/accounts/"))
	got := owner.post(up.location(t)+"/start", url.Values{"remove_action": {"delete"}, "transfer_email": {"keeper@example.com"}, "transfer_meeting": {"true"}})
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-transfer_email"), "2 customers") {
		t.Fatalf("one recipient for two customers: %d %q", got.StatusCode, got.TestID("error-transfer_email"))
	}
	e.waitJobsIdle()
	if n := len(e.sandboxRequests(http.MethodDelete, "/v2/accounts/")) - before; n != 0 {
		t.Fatalf("%d deletes sent", n)
	}
}
