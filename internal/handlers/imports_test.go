package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// upload sends a CSV file to /imports as a browser form would.
func (b *browser) upload(e *env, kind, customer, name, content string) *page {
	b.t.Helper()
	return b.postMultipart(e.URL+"/imports", url.Values{"kind": {kind}, "customer": {customer}}, name, []byte(content))
}

// waitJob waits until a job's page says it finished, and returns the page.
func waitJob(t testing.TB, b *browser, jobURL string) *page {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		p := b.get(jobURL)
		status, _ := p.Doc().Find(`[data-testid="job-progress"]`).Attr("data-status")
		if status == "succeeded" || status == "failed" || status == "cancelled" {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("job did not finish; status %q; %q", status, p.TestID("job-message"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// poll fetches a job's page as htmx's poll of its progress panel does.
func poll(b *browser, jobURL string) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, jobURL, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "job-progress")
	return b.do(req)
}

// outerHTML is a selection's markup, for failure messages.
func outerHTML(s *goquery.Selection) string {
	h, _ := goquery.OuterHtml(s)
	return h
}

// results reads a bulk job's results file, by line.
func results(t testing.TB, b *browser, jobURL string) map[string]map[string]string {
	t.Helper()
	got := b.get(jobURL + "/results.csv")
	if got.StatusCode != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("results: %d %s", got.StatusCode, got.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(got.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		out[row["line"]] = row
	}
	return out
}

func TestImportChecksEveryRowThenCreatesUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	existing := ""
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == c.ZoomAccountID && u.Role == "Member" {
			existing = u.Email
		}
	}
	file := "email,first_name,last_name,type,action,customer\n" +
		"good1@new.example,Ann,One,1,create," + c.ZoomAccountID + "\n" + // 2
		"good2@new.example,Bo,Two,licensed,create,\n" + // 3: the form's customer
		"not-an-email,Cy,Bad,1,create,\n" + // 4
		"GOOD1@new.example,Ann,Again,1,create,\n" + // 5: same email as line 2
		"auto@new.example,Al,Auto,1,autoCreate,\n" + // 6: needs a password
		"sso@new.example,Si,So,99,create,\n" + // 7: 99 only with ssoCreate
		"who@new.example,Wu,Who,1,create,No Such Customer\n" + // 8
		existing + ",Ex,Isting,1,create,\n" + // 9: already a user
		"\n" +
		"bad@blocked.example,Bl,Ocked,1,create,\n" + // 11: passes the check; Zoom refuses (1107)
		"good3@new.example,Cu,Three,1,custCreate,\n" // 12
	support := staffBrowser(t, e, owner, resSupport, store.RoleSupport)
	if got := support.upload(e, "create", c.ZoomAccountID, "users.csv", file); got.StatusCode != http.StatusForbidden {
		t.Fatalf("support uploading: %d", got.StatusCode)
	}
	before := len(e.sandboxRequests("POST", "/v2/accounts/"))
	up := owner.upload(e, "create", c.ZoomAccountID, "users.csv", file)
	preview := owner.get(up.location(t))
	if preview.TestID("preview-total") != "10" || preview.TestID("preview-valid") != "4" || preview.TestID("preview-invalid") != "6" {
		t.Fatalf("preview: total %q valid %q invalid %q", preview.TestID("preview-total"), preview.TestID("preview-valid"), preview.TestID("preview-invalid"))
	}
	if preview.TestID("sample-title") != "All 4 rows to send" || preview.Doc().Find(`[data-testid="preview-back"]`).AttrOr("href", "") != "/imports" ||
		!strings.Contains(preview.Doc().Find(`thead`).First().Text(), "Line") || !strings.Contains(preview.Doc().Find(`thead`).First().Text(), "Action") {
		t.Fatalf("preview: sample %q, back %q, columns %q", preview.TestID("sample-title"), preview.Doc().Find(`[data-testid="preview-back"]`).AttrOr("href", ""),
			preview.Doc().Find(`thead`).First().Text())
	}
	// Discard sits next to the main button, in the start form.
	if d := preview.Doc().Find(`form[action$="/start"] .actions [data-testid="discard-import"]`); d.AttrOr("formaction", "") == "" ||
		!strings.HasSuffix(d.AttrOr("formaction", ""), "/discard") || !d.HasClass("btn") || d.HasClass("small") ||
		preview.Doc().Find(`[data-testid="start-import"]`).HasClass("danger") {
		t.Fatalf("preview actions: %s", outerHTML(preview.Doc().Find(`form[action$="/start"] .actions`)))
	}
	problems := preview.Doc().Find(`[data-testid="problem-row"]`).Text()
	for _, want := range []string{"not an email", "Same email as line 2", "autoCreate needs a password", "only for ssoCreate", "Unknown customer", "Already a user of this customer"} {
		if !strings.Contains(problems, want) {
			t.Errorf("the preview does not say %q", want)
		}
	}
	if n := len(e.sandboxRequests("POST", "/v2/accounts/")) - before; n != 0 {
		t.Fatalf("the check sent %d changes to Zoom", n)
	}
	// A malformed file is refused as a whole, on the form.
	if bad := owner.upload(e, "create", "", "x.csv", "mail,name\na@b.example,x\n"); bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.TestID("error-file"), "missing") {
		t.Fatalf("bad header: %d %q", bad.StatusCode, bad.TestID("error-file"))
	}

	start := owner.post(up.location(t)+"/start", nil)
	jobURL := start.location(t)
	done := waitJob(t, owner, jobURL)
	if done.TestID("job-status") != "succeeded" || done.TestID("job-done") != "3" || done.TestID("job-failed") != "1" || done.TestID("job-left") != "0" {
		t.Fatalf("job: %q done %q failed %q left %q: %q", done.TestID("job-status"), done.TestID("job-done"), done.TestID("job-failed"), done.TestID("job-left"), done.TestID("job-message"))
	}
	if !strings.Contains(done.Doc().Find(`[data-testid="failure-row"]`).Text(), "1107") || done.Doc().Find(`#failures-h`).Text() != "Refused by Zoom" {
		t.Fatalf("the refused row is not listed with Zoom's code under %q", done.Doc().Find(`#failures-h`).Text())
	}
	// htmx's poll of the finished job reloads the whole page once (the cancel button goes), and
	// the finished page does not poll.
	if got := poll(owner, jobURL); got.StatusCode != http.StatusOK || got.Header.Get("HX-Refresh") != "true" {
		t.Fatalf("poll of a finished job: %d HX-Refresh %q", got.StatusCode, got.Header.Get("HX-Refresh"))
	}
	if done.Header.Get("HX-Refresh") != "" || done.Doc().Find(`[hx-get]`).Length() != 0 || done.Doc().Find(`[data-testid="cancel-job"]`).Length() != 0 {
		t.Fatalf("the finished page: HX-Refresh %q, %d pollers, %d cancel buttons", done.Header.Get("HX-Refresh"),
			done.Doc().Find(`[hx-get]`).Length(), done.Doc().Find(`[data-testid="cancel-job"]`).Length())
	}
	res := results(t, owner, jobURL)
	if len(res) != 10 || res["2"]["result"] != "succeeded" || res["11"]["result"] != "failed" || res["11"]["zoom_code"] != "1107" ||
		!strings.HasPrefix(res["5"]["result"], "skipped") || res["12"]["zoom_user_id"] == "" {
		t.Fatalf("results: %+v", res)
	}
	if n := len(e.sandboxRequests("POST", "/v2/accounts/")) - before; n != 4 {
		t.Fatalf("%d creates sent, want 4", n)
	}
	for _, email := range []string{"good1@new.example", "good2@new.example", "good3@new.example"} {
		if u, ok := sandboxUser(e, email); !ok || u.AccountID != c.ZoomAccountID {
			t.Errorf("%s not in Zoom: %+v", email, u)
		}
	}
	if u, ok := sandboxUser(e, "good2@new.example"); !ok {
		t.Error("good2 missing")
	} else if d, err := e.Store.CustomerUserByKey(context.Background(), p.ID, c.ID, u.Email); err != nil || d.Type != 2 {
		t.Errorf("directory entry of good2: %+v %v", d, err)
	}
	// One event per row sent, and the job's start and finish.
	jobID := jobURL[strings.LastIndex(jobURL, "/")+1:]
	perRow := 0
	for _, ev := range auditOf(t, e, p.ID, "user.create") {
		if ev.JobID == jobID {
			perRow++
		}
	}
	if perRow != 4 || len(auditOf(t, e, p.ID, "job.finish")) == 0 {
		t.Fatalf("%d row events, want 4", perRow)
	}
}

func TestImportSurvivesLostAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, _, c := contoso(t, e)
	var file strings.Builder
	file.WriteString("email,first_name,last_name,type,action\n")
	const n = 24
	for i := range n {
		fmt.Fprintf(&file, "lost%02d@new.example,L,%d,1,create\n", i, i)
	}
	// The first sends are done but answered 504, the next ones refused with 502 (nothing done);
	// counted, not random, so that no row meets more failures than its attempts allow.
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", ApplyThen: "504", Count: 8})
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Status: 502, Count: 6})
	up := owner.upload(e, "create", c.ZoomAccountID, "lost.csv", file.String())
	jobURL := owner.post(up.location(t)+"/start", nil).location(t)
	done := waitJob(t, owner, jobURL)
	e.Sandbox.ClearFaults()
	if done.TestID("job-status") != "succeeded" || done.TestID("job-done") != itoa(n) {
		t.Fatalf("job: %q done %q: %q", done.TestID("job-status"), done.TestID("job-done"), done.TestID("job-message"))
	}
	count := map[string]int{}
	for _, u := range e.Sandbox.Users() {
		if strings.HasPrefix(u.Email, "lost") {
			count[u.Email]++
		}
	}
	for i := range n {
		if email := fmt.Sprintf("lost%02d@new.example", i); count[email] != 1 {
			t.Errorf("%s exists %d times in Zoom", email, count[email])
		}
	}
}

func TestBulkDeactivateSelectionAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, _, c := contoso(t, e)
	users := usersURLOf(e, c)
	// The list (it fills the directory) offers both; the Pending tab only remove: pending users
	// cannot be deactivated.
	if all := owner.get(users); all.Doc().Find(`[data-testid="bulk-deactivate"]`).Length() != 1 || all.Doc().Find(`[data-testid="bulk-remove"]`).Length() != 1 ||
		all.Doc().Find(`[data-testid="bulk-count"][hidden]`).Length() != 1 {
		t.Fatalf("bulk bar: %s", outerHTML(all.Doc().Find(`.bulk-bar`)))
	}
	if pending := owner.get(users + "?status=pending"); pending.Doc().Find(`[data-testid="user-row"]`).Length() == 0 ||
		pending.Doc().Find(`[data-testid="bulk-deactivate"]`).Length() != 0 || pending.Doc().Find(`[data-testid="bulk-remove"]`).Length() != 1 {
		t.Fatalf("pending tab's bulk bar: %s", outerHTML(pending.Doc().Find(`.bulk-bar`)))
	}
	var pick []string
	var ownerEmail string
	for _, u := range e.Sandbox.Users() {
		switch {
		case u.AccountID != c.ZoomAccountID:
		case u.Role == "Owner":
			ownerEmail = u.Email
		case u.Role == "Member" && u.Status == "active" && len(pick) < 3:
			pick = append(pick, u.Email)
		}
	}
	form := url.Values{"op": {"deactivate"}, "email": append(pick, ownerEmail)}
	preview := owner.get(owner.post(users+"/bulk", form).location(t))
	if preview.TestID("preview-valid") != "3" || !strings.Contains(preview.Doc().Find(`[data-testid="problem-row"]`).Text(), "owner") {
		t.Fatalf("selection preview: valid %q: %q", preview.TestID("preview-valid"), preview.Doc().Find(`[data-testid="problem-row"]`).Text())
	}
	// A selection has no file lines and a deactivation no create action; it goes back to the
	// users it was made on.
	if head := preview.Doc().Find(`thead`).First().Text(); strings.Contains(head, "Line") || strings.Contains(head, "Action") || !strings.Contains(head, "Email") {
		t.Fatalf("selection columns: %q", head)
	}
	if back := preview.Doc().Find(`[data-testid="preview-back"]`); e.URL+back.AttrOr("href", "") != users || !strings.Contains(back.Text(), "Users of") {
		t.Fatalf("selection's back link: %s", outerHTML(back))
	}
	start := preview.Doc().Find(`form[action$="/start"]`).AttrOr("action", "")
	done := waitJob(t, owner, owner.post(e.URL+start, nil).location(t))
	if done.TestID("job-status") != "succeeded" || done.TestID("job-done") != "3" {
		t.Fatalf("deactivate job: %q %q", done.TestID("job-status"), done.TestID("job-message"))
	}
	for _, email := range pick {
		if u, _ := sandboxUser(e, email); u.Status != "inactive" {
			t.Errorf("%s is %s in Zoom", email, u.Status)
		}
	}

	// Cancel: the rows in flight finish, the others are not sent. (400 rows take 10 s at the
	// budget's 40/s: the cancel, made once the first is done, lands long before the end.)
	var file strings.Builder
	file.WriteString("email,first_name,last_name,type,action\n")
	const rows = 400
	for i := range rows {
		fmt.Fprintf(&file, "slow%03d@new.example,S,%d,1,create\n", i, i)
	}
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: 300 * time.Millisecond})
	up := owner.upload(e, "create", c.ZoomAccountID, "slow.csv", file.String())
	jobURL := owner.post(up.location(t)+"/start", nil).location(t)
	for deadline := time.Now().Add(30 * time.Second); ; {
		if p := owner.get(jobURL); p.TestID("job-done") != "0" && p.TestID("job-done") != "" {
			break
		}
		// htmx's poll of a running job gets the panel, without a reload.
		if p := poll(owner, jobURL); p.Doc().Find(`[data-testid="job-progress"][data-status="running"]`).Length() == 1 && p.Header.Get("HX-Refresh") != "" {
			t.Fatal("a poll of a running job asks for a reload")
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing done")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := owner.post(jobURL+"/cancel", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", got.StatusCode)
	}
	done = waitJob(t, owner, jobURL)
	e.Sandbox.ClearFaults()
	res := results(t, owner, jobURL)
	created, cancelled := 0, 0
	for _, r := range res {
		switch {
		case r["result"] == "succeeded":
			created++
		case strings.HasPrefix(r["result"], "not sent (cancelled)"):
			cancelled++
		default:
			t.Errorf("row %s: %s %s", r["line"], r["result"], r["message"])
		}
	}
	inZoom := 0
	for _, u := range e.Sandbox.Users() {
		if strings.HasPrefix(u.Email, "slow") {
			inZoom++
		}
	}
	if done.TestID("job-status") != "cancelled" || cancelled == 0 || created+cancelled != rows || inZoom != created {
		t.Fatalf("cancelled job: %q, %d created, %d cancelled, %d in Zoom", done.TestID("job-status"), created, cancelled, inZoom)
	}
}

// A bulk remove from a CSV: the check finds the users in the directory; the options are
// chosen before starting.
func TestBulkRemoveFromCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	owner.get(usersURLOf(e, c))
	var emails []string
	for _, u := range e.Sandbox.Users() {
		if u.AccountID == c.ZoomAccountID && u.Role == "Member" && u.Status == "pending" && len(emails) < 2 {
			emails = append(emails, u.Email)
		}
	}
	file := "email,customer\n" + emails[0] + "," + c.ZoomAccountID + "\n" + emails[1] + ",\nnobody@new.example,\n"
	up := owner.upload(e, "remove", c.ZoomAccountID, "leavers.csv", file)
	preview := owner.get(up.location(t))
	if preview.TestID("preview-valid") != "2" || !strings.Contains(preview.Doc().Find(`[data-testid="problem-row"]`).Text(), "Not a user of this customer") {
		t.Fatalf("preview: %q valid", preview.TestID("preview-valid"))
	}
	// Removing is red; the transfers belong to Delete (shown only while it is chosen); a file
	// keeps its lines and goes back to the bulk jobs.
	if !preview.Doc().Find(`[data-testid="start-import"]`).HasClass("danger") || preview.TestID("start-import") != "Remove 2 users" ||
		preview.Doc().Find(`.if-delete #u-transfer_email`).Length() != 1 || !strings.Contains(preview.Doc().Find(`thead`).First().Text(), "Line") ||
		preview.Doc().Find(`[data-testid="preview-back"]`).AttrOr("href", "") != "/imports" {
		t.Fatalf("remove preview: %s", outerHTML(preview.Doc().Find(`form[action$="/start"]`)))
	}
	if bad := owner.post(up.location(t)+"/start", url.Values{"remove_action": {"delete"}, "transfer_meeting": {"true"}}); bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-transfer_email") == "" {
		t.Fatalf("transfers without a recipient: %d", bad.StatusCode)
	}
	jobURL := owner.post(up.location(t)+"/start", url.Values{"remove_action": {"disassociate"}}).location(t)
	if done := waitJob(t, owner, jobURL); done.TestID("job-status") != "succeeded" || done.TestID("job-done") != "2" {
		t.Fatalf("remove job: %q %q", done.TestID("job-status"), done.TestID("job-message"))
	}
	for _, email := range emails {
		if u, ok := sandboxUser(e, email); ok && u.AccountID == c.ZoomAccountID {
			t.Errorf("%s is still in the customer", email)
		}
		if _, err := e.Store.CustomerUserByKey(context.Background(), p.ID, c.ID, email); err == nil {
			t.Errorf("%s is still in the directory", email)
		}
	}
	if evs := auditOf(t, e, p.ID, "user.disassociate"); len(evs) != 2 || evs[0].JobID == "" {
		t.Fatalf("row events: %+v", evs)
	}
	// How the users were removed is in the job's start event.
	if !slices.ContainsFunc(auditOf(t, e, p.ID, "job.start"), func(ev store.AuditEvent) bool {
		return ev.JobID == strings.TrimPrefix(jobURL, e.URL+"/jobs/") && strings.Contains(string(ev.Details), `"remove_action":"disassociate"`)
	}) {
		t.Fatal("the remove job's start event does not say how users are removed")
	}
}
