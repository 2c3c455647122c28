package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// zoomGet reads path from the sandbox's API as the primary account primary (through its
// Server-to-Server app), to see Zoom's state as Zoom has it.
func (e *env) zoomGet(t *testing.T, primary, path string) map[string]any {
	t.Helper()
	var id, secret string
	for _, a := range e.Sandbox.Apps() {
		if a.Type == "s2s" && a.AccountID == primary {
			id, secret = a.ClientID, a.ClientSecret
		}
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
	req, _ = http.NewRequest(http.MethodGet, e.SbURL+"/v2"+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{"_status": float64(resp.StatusCode)}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("GET %s: %d %v: %.300s", path, resp.StatusCode, err, b)
		}
	}
	return out
}

// draftWith fills a new onboarding draft through the wizard's forms, step by step, and
// returns its id.
func draftWith(t *testing.T, e *env, b *browser, owner string, users int, templateID string) string {
	t.Helper()
	loc := b.post(e.URL+"/customers/new", nil).location(t)
	id := strings.TrimSuffix(strings.TrimPrefix(loc, e.URL+"/customers/new/"), "/customer")
	step := func(name string, form url.Values, next string) {
		t.Helper()
		got := b.post(e.URL+"/customers/new/"+id+"/"+name, form)
		if got.StatusCode != http.StatusSeeOther || !strings.HasSuffix(got.Header.Get("Location"), "/"+next) {
			t.Fatalf("step %s: %d to %q\n%.2000s", name, got.StatusCode, got.Header.Get("Location"), got.Body)
		}
	}
	step("customer", url.Values{"account_name": {"Onboard " + owner}, "first_name": {"Olga"}, "last_name": {"Owner"}, "email": {owner}}, "options")
	step("options", url.Values{"pay_mode": {"master"}, "billing_auto_renew": {"1"}}, "plan")
	step("plan", url.Values{"plan": {"subscribe"}, "type": {"business_annual"}, "hosts": {"10"}, "contact_first_name": {"Bill"},
		"contact_last_name": {"Payer"}, "contact_email": {"billing@" + strings.Split(owner, "@")[1]}, "contact_phone_number": {"+1 555 0100"},
		"contact_address": {"1 Main St"}, "contact_city": {"Springfield"}, "contact_state": {"IL"}, "contact_zip": {"62701"}, "contact_country": {"us"}}, "template")
	step("template", url.Values{"template_id": {templateID}}, "users")
	var lines []string
	for i := range users {
		typ := "basic"
		if i%2 == 0 {
			typ = "licensed"
		}
		lines = append(lines, fmt.Sprintf("u%02d.%s, User, %d, %s", i, owner, i, typ))
	}
	step("users", url.Values{"users": {strings.Join(lines, "\n")}}, "review")
	return id
}

// standardTemplate makes the partner's standard settings template through its form.
func standardTemplate(t *testing.T, e *env, b *browser, p store.Partner) string {
	t.Helper()
	got := b.post(e.URL+"/settings/templates", url.Values{"name": {"Standard"}, "set.meeting_security.waiting_room": {"true"},
		"lock.meeting_security.waiting_room": {"locked"}, "set.in_meeting.chat": {"false"}})
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("template: %d %.1000s", got.StatusCode, got.Body)
	}
	list, err := e.Store.SettingsTemplates(context.Background(), p.ID)
	if err != nil || len(list) == 0 {
		t.Fatalf("templates: %v %d", err, len(list))
	}
	return itoa(list[0].ID)
}

// waitOnboarding waits until the onboarding of job jobID is no longer running.
func waitOnboarding(t *testing.T, e *env, b *browser, jobPath string) *page {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := b.get(e.URL + jobPath)
		if status := got.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); status != "running" {
			if got.StatusCode != http.StatusOK {
				t.Fatalf("progress page: %d", got.StatusCode)
			}
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the onboarding still runs after 60 s:\n%s", got.TestID("onboarding-steps"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOnboardingWizardValidatesEveryStepAndKeepsTheDraft(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	loc := owner.post(e.URL+"/customers/new", nil).location(t)
	if !strings.HasSuffix(loc, "/customer") {
		t.Fatalf("a new draft opens at %s", loc)
	}
	base := strings.TrimSuffix(loc, "/customer")
	// The customer step names each problem and keeps what was typed.
	got := owner.post(base+"/customer", url.Values{"account_name": {"Blue Harbor"}, "first_name": {""}, "last_name": {strings.Repeat("x", 65)}, "email": {"not-an-email"}})
	if got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-first_name") == "" || got.TestID("error-last_name") == "" ||
		got.TestID("error-email") == "" || got.Doc().Find("#f-account_name").AttrOr("value", "") != "Blue Harbor" {
		t.Fatalf("bad customer step: %d %q %q", got.StatusCode, got.TestID("error-email"), got.TestID("wizard-errors"))
	}
	// An owner who already owns a customer is refused before Zoom is asked.
	customers, err := e.Store.Customers(context.Background(), p.ID, store.CustomerFilter{PartnerID: p.ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	taken := customers.Customers[0]
	got = owner.post(base+"/customer", url.Values{"first_name": {"A"}, "last_name": {"B"}, "email": {taken.OwnerEmail}})
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-email"), taken.AccountName) {
		t.Fatalf("taken owner: %d %q", got.StatusCode, got.TestID("error-email"))
	}
	if got := owner.post(base+"/customer", url.Values{"account_name": {"Blue Harbor"}, "first_name": {"Grace"}, "last_name": {"Hopper"}, "email": {"grace@blueharbor.example"}, "go": {"leave"}}); got.location(t) != e.URL+"/customers/new" {
		t.Fatalf("save and leave went to %s", got.location(t))
	}
	// Another admin sees the draft and continues it where it was left.
	invite(t, e, owner, "admin@northwind.example", store.RoleAdmin)
	admin := e.browser()
	admin.signIn(e, "admin@northwind.example")
	list := admin.get(e.URL + "/customers/new")
	if !strings.Contains(list.TestID("drafts"), "Blue Harbor") || !strings.Contains(list.TestID("drafts"), "owner@northwind.example") {
		t.Fatalf("drafts seen by another admin: %q", list.TestID("drafts"))
	}
	if got := admin.get(base); got.location(t) != base+"/options" {
		t.Fatalf("continue goes to %s", got.location(t))
	}
	if got := admin.get(base + "/customer"); got.Doc().Find("#f-email").AttrOr("value", "") != "grace@blueharbor.example" {
		t.Fatal("the saved customer step is not shown to the other admin")
	}
	// Who pays: the customer paying Zoom skips the plan step.
	if got := admin.post(base+"/options", url.Values{"pay_mode": {"sub"}}); got.location(t) != base+"/template" {
		t.Fatalf("sub pay mode goes to %s", got.location(t))
	}
	if got := admin.post(base+"/options", url.Values{"pay_mode": {"bogus"}}); got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-pay_mode") == "" {
		t.Fatalf("bad pay mode: %d", got.StatusCode)
	}
	admin.post(base+"/options", url.Values{"pay_mode": {"master"}})
	got = admin.post(base+"/plan", url.Values{"plan": {"subscribe"}, "type": {"business_annual"}, "hosts": {"0"}, "contact_country": {"USA"}})
	if got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-hosts") == "" || got.TestID("error-contact_country") == "" || got.TestID("error-contact_email") == "" {
		t.Fatalf("bad plan: %d", got.StatusCode)
	}
	admin.post(base+"/plan", url.Values{"plan": {"subscribe"}, "type": {"pro_monthly"}, "hosts": {"2"}, "contact_first_name": {"B"}, "contact_last_name": {"P"},
		"contact_email": {"b@blueharbor.example"}, "contact_phone_number": {"1"}, "contact_address": {"a"}, "contact_city": {"c"}, "contact_state": {"s"}, "contact_zip": {"z"}, "contact_country": {"US"}})
	// Users: every bad line is named with its number; the licensed count must fit the plan.
	got = admin.post(base+"/users", url.Values{"users": {"email,first_name,last_name,type\nann@blueharbor.example,Ann,A,licensed\nbad-address,B,B,basic\nann@blueharbor.example,Ann,Again,basic\ngrace@blueharbor.example,G,H,basic\nzed@blueharbor.example,Z,Z,gold"}})
	msg := got.TestID("error-users")
	for _, want := range []string{"Line 3", "Line 4 (ann@blueharbor.example): listed already on line 2", "Line 5 (grace@blueharbor.example): this is the owner", "Line 6 (zed@blueharbor.example): Choose a type"} {
		if !strings.Contains(msg, want) {
			t.Errorf("users errors lack %q:\n%s", want, msg)
		}
	}
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.Doc().Find("#f-users").Text(), "zed@blueharbor.example") {
		t.Fatalf("bad users: %d, text kept: %q", got.StatusCode, got.Doc().Find("#f-users").Text())
	}
	got = admin.post(base+"/users", url.Values{"users": {"a@blueharbor.example,A,A,licensed\nb@blueharbor.example,B,B,licensed\nc@blueharbor.example,C,C,licensed"}})
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-users"), "3 users are licensed but the plan has 2 hosts") {
		t.Fatalf("too many licensed: %d %q", got.StatusCode, got.TestID("error-users"))
	}
	// A CSV file, as a bulk user file is written, adds to what is typed.
	if got := admin.postMultipart(base+"/users", url.Values{"users": {"a@blueharbor.example,A,A,licensed"}}, "first-users.csv",
		[]byte("\xef\xbb\xbfEmail,First Name,Last Name,Type\r\nb@blueharbor.example,B,B,basic\r\n")); got.StatusCode != http.StatusSeeOther || got.location(t) != base+"/review" {
		t.Fatalf("users with a file: %d %q %q", got.StatusCode, got.TestID("error-users"), got.TestID("error-file"))
	}
	if saved := admin.get(base + "/users"); saved.Doc().Find(`[data-testid="first-users"] tbody tr`).Length() != 2 ||
		!strings.Contains(saved.TestID("first-users"), "b@blueharbor.example") {
		t.Fatalf("saved first users: %q", saved.TestID("first-users"))
	}
	// The review lists every call, in order; nothing has reached Zoom.
	e.waitJobsIdle()
	before := len(e.Sandbox.Requests())
	review := admin.get(base + "/review")
	calls := review.Doc().Find(`[data-testid="review-call"]`)
	if calls.Length() != 5 || !strings.Contains(calls.Eq(0).Text(), "POST /accounts") || !strings.Contains(calls.Eq(2).Text(), "POST /accounts/{accountId}/plans") ||
		!strings.Contains(calls.Eq(4).Text(), "b@blueharbor.example") {
		t.Fatalf("review calls: %d\n%s", calls.Length(), review.TestID("review-calls"))
	}
	if n := len(e.Sandbox.Requests()) - before; n != 0 {
		t.Fatalf("the wizard made %d Zoom requests before starting", n)
	}
	// No password is asked for: Tierdesk would have to keep it until the step runs.
	if note := review.TestID("owner-password-note"); !strings.Contains(note, "never keeps") || review.Doc().Find(`input[type="password"]`).Length() != 0 {
		t.Fatalf("review page password note %q", note)
	}
	if n := review.Doc().Find(`[data-testid="review-warning"]`).Length(); n != 0 {
		t.Fatalf("%d warnings for a paid customer", n)
	}
	// The customer paying Zoom: no plan here, so licensed users are a warning (not a block).
	admin.post(base+"/options", url.Values{"pay_mode": {"sub"}})
	review = admin.get(base + "/review")
	if w := review.TestID("review-warning"); !strings.Contains(w, "licensed") || review.Doc().Find(`[data-testid="review-call"]`).Length() != 4 {
		t.Fatalf("review for a self-paying customer: warning %q, %d calls", w, review.Doc().Find(`[data-testid="review-call"]`).Length())
	}
	// A draft of another partner is a 404 (the isolation suite covers every route; here, one).
	fab := e.browser()
	fab.signIn(e, fabOwner)
	if got := fab.get(base + "/customer"); got.StatusCode != http.StatusNotFound {
		t.Fatalf("another partner's draft: %d", got.StatusCode)
	}
}

func TestOnboardingRunsEveryStepOnceAndActivatesTheCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	tpl := standardTemplate(t, e, owner, p)
	const email = "olga@happy.example"
	id := draftWith(t, e, owner, email, 4, tpl)
	got := owner.post(e.URL+"/customers/new/"+id+"/start", url.Values{})
	jobPath := strings.TrimPrefix(got.location(t), e.URL)
	if !strings.HasPrefix(jobPath, "/jobs/") {
		t.Fatalf("start went to %s: %.1000s", jobPath, got.Body)
	}
	// The customer exists at once, as a draft.
	c, err := e.Store.CustomerByOwnerEmail(context.Background(), p.ID, email)
	if err != nil || (c.Status != store.CustomerDraft && c.Status != store.CustomerActive) {
		t.Fatalf("customer right after the start: %v %s", err, c.Status)
	}
	done := waitOnboarding(t, e, owner, jobPath)
	if status := done.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); status != "succeeded" {
		t.Fatalf("onboarding ended %s:\n%s", status, done.TestID("onboarding-steps"))
	}
	steps := done.Doc().Find(`[data-testid="onboarding-step"][data-status="succeeded"]`).Length()
	if steps != 4+4 {
		t.Fatalf("%d steps succeeded, want 8", steps)
	}
	c, err = e.Store.CustomerByOwnerEmail(context.Background(), p.ID, email)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.CustomerActive || strings.HasPrefix(c.ZoomAccountID, "draft:") {
		t.Fatalf("customer after: %s %s", c.Status, c.ZoomAccountID)
	}
	e.expectOnboarded(t, p, c.ZoomAccountID, email, 4)
	// Every step is audited with the job.
	var events int
	if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE action = 'onboarding.step' AND job_id::text = $1 AND outcome = 'succeeded'",
		strings.TrimPrefix(jobPath, "/jobs/")).Scan(&events); err != nil || events != 8 {
		t.Fatalf("%d step events, want 8: %v", events, err)
	}
	// The customer's page says how it was onboarded.
	page := owner.get(e.URL + "/customers/" + c.ZoomAccountID)
	if panel := page.TestID("onboarding-panel"); !strings.Contains(panel, "8 of 8 steps done") || !strings.Contains(panel, distOwner) {
		t.Fatalf("onboarding panel: %q", panel)
	}
}

// expectOnboarded checks Zoom's state: one sub account for the owner, the plan, the template's
// settings, and every first user exactly once.
func (e *env) expectOnboarded(t *testing.T, p store.Partner, accountID, ownerEmail string, users int) {
	t.Helper()
	accounts, members := 0, map[string]int{}
	for _, u := range e.Sandbox.Users() {
		if strings.EqualFold(u.Email, ownerEmail) {
			accounts++
		}
		if u.AccountID == accountID && strings.HasSuffix(u.Email, "."+ownerEmail) {
			members[u.Email]++
		}
	}
	if accounts != 1 {
		t.Errorf("%s is in Zoom %d times", ownerEmail, accounts)
	}
	if len(members) != users {
		t.Errorf("%d first users in Zoom, want %d", len(members), users)
	}
	for email, n := range members {
		if n != 1 {
			t.Errorf("%s is %d times in Zoom", email, n)
		}
	}
	plans := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+accountID+"/plans")
	base, _ := plans["plan_base"].(map[string]any)
	if base == nil || base["type"] != "business_annual" || base["hosts"] != float64(10) {
		t.Errorf("plans in Zoom: %v", plans)
	}
	settings := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+accountID+"/settings")
	in, _ := settings["in_meeting"].(map[string]any)
	security := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+accountID+"/settings?option=meeting_security")
	ms, _ := security["meeting_security"].(map[string]any)
	if in == nil || ms == nil || ms["waiting_room"] != true || in["chat"] != false {
		t.Errorf("settings in Zoom: waiting_room %v, chat %v", ms["waiting_room"], in["chat"])
	}
	locks := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+accountID+"/lock_settings?option=meeting_security")
	lms, _ := locks["meeting_security"].(map[string]any)
	if lms == nil || lms["waiting_room"] != true {
		t.Errorf("lock settings in Zoom: %v", locks)
	}
}

// TestOnboardingFaultAtEachStepThenRetry makes each step fail in turn, Zoom refusing it or
// doing it and losing the answer, and checks that retrying the step (or the saga's own
// check) ends with one sub account, the plan, the settings and every user once.
func TestOnboardingFaultAtEachStepThenRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	tpl := standardTemplate(t, e, owner, p)
	faults := []struct {
		name  string
		fault sandbox.Fault
		code  string // the Zoom code the page names, for refusals
	}{
		{"create refused", sandbox.Fault{Method: "POST", Path: "/v2/accounts", Status: 400, Code: 1107, Message: "Email domain is blocked.", Count: 1}, "1107"},
		{"create answer lost", sandbox.Fault{Method: "POST", Path: "/v2/accounts", ApplyThen: "drop", Count: 1}, ""},
		{"options refused", sandbox.Fault{Method: "PATCH", Path: "/v2/accounts/*/options", Status: 400, Code: 300, Message: "Invalid parameter: pay_mode", Count: 1}, "300"},
		{"options answer lost", sandbox.Fault{Method: "PATCH", Path: "/v2/accounts/*/options", ApplyThen: "504", Count: 1}, ""},
		{"plan refused", sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/plans", Status: 400, Code: 4010, Message: "Billing information is invalid.", Count: 1}, "4010"},
		{"plan answer lost", sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/plans", ApplyThen: "drop", Count: 1}, ""},
		{"settings refused", sandbox.Fault{Method: "PATCH", Path: "/v2/accounts/*/settings", Status: 400, Code: 300, Message: "Invalid field", Count: 1}, "300"},
		{"locks answer lost", sandbox.Fault{Method: "PATCH", Path: "/v2/accounts/*/lock_settings", ApplyThen: "504", Count: 1}, ""},
		{"user refused", sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Status: 400, Code: 1107, Message: "Email domain is blocked.", Count: 1}, "1107"},
		{"user answer lost", sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", ApplyThen: "drop", Count: 1}, ""},
		{"zoom busy", sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Status: 429, Code: 429, Message: "Too many requests", Count: 2}, ""},
		{"zoom down a moment", sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Status: 503, Count: 2}, ""},
	}
	for i, f := range faults {
		email := fmt.Sprintf("case%02d@fault%02d.example", i, i)
		id := draftWith(t, e, owner, email, 3, tpl)
		e.Sandbox.ClearFaults()
		e.Sandbox.AddFault(f.fault)
		jobPath := strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", nil).location(t), e.URL)
		got := waitOnboarding(t, e, owner, jobPath)
		status := got.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", "")
		if f.code != "" {
			// A refusal stops the saga at that step, explained, with retry.
			failed := got.Doc().Find(`[data-testid="onboarding-step"][data-status="failed"]`)
			if status != "stopped" || failed.Length() != 1 || !strings.Contains(failed.Text(), f.code) {
				t.Fatalf("%s: ended %s, failed steps %d: %q", f.name, status, failed.Length(), failed.Text())
			}
			if failed.Find(`[data-testid="retry-step"]`).Length() != 1 {
				t.Fatalf("%s: no retry button", f.name)
			}
			// Until every step has succeeded, the customer stays a draft.
			if c, err := e.Store.CustomerByOwnerEmail(context.Background(), p.ID, email); err != nil || c.Status != store.CustomerDraft {
				t.Fatalf("%s: customer of a stopped onboarding: %v %s, want draft", f.name, err, c.Status)
			}
			e.Sandbox.ClearFaults()
			retry := failed.Find("form").First().AttrOr("action", "")
			if got := owner.post(e.URL+retry, nil); got.location(t) != e.URL+jobPath {
				t.Fatalf("%s: retry went to %s", f.name, got.location(t))
			}
			got = waitOnboarding(t, e, owner, jobPath)
			status = got.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", "")
		}
		if status != "succeeded" {
			t.Fatalf("%s: ended %s:\n%s", f.name, status, got.TestID("onboarding-steps"))
		}
		c, err := e.Store.CustomerByOwnerEmail(context.Background(), p.ID, email)
		if err != nil || c.Status != store.CustomerActive {
			t.Fatalf("%s: customer %v %s", f.name, err, c.Status)
		}
		e.expectOnboarded(t, p, c.ZoomAccountID, email, 3)
		// No step succeeded twice.
		var dup int
		if err := e.super().QueryRow(context.Background(), `SELECT count(*) FROM (SELECT details->>'step' FROM audit_events WHERE action = 'onboarding.step'
			AND outcome = 'succeeded' AND job_id::text = $1 GROUP BY 1 HAVING count(*) > 1) d`, strings.TrimPrefix(jobPath, "/jobs/")).Scan(&dup); err != nil || dup != 0 {
			t.Fatalf("%s: %d steps recorded as succeeded twice: %v", f.name, dup, err)
		}
	}
	// Zoom was asked to create each sub account exactly once and answered 201 for it.
	creates := 0
	for _, r := range e.Sandbox.Requests() {
		if r.Method == "POST" && r.Path == "/v2/accounts" && (r.Status == http.StatusCreated || r.Status == 0) {
			creates++
		}
	}
	if creates != len(faults) {
		t.Fatalf("%d sub account creates reached Zoom for %d onboardings", creates, len(faults))
	}
}

func TestOnboardingSkipAndAbandon(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	tpl := standardTemplate(t, e, owner, p)
	// Skip: the settings are refused; skipping them finishes the rest, and the customer's page
	// shows the step still open.
	id := draftWith(t, e, owner, "skip@settings.example", 2, tpl)
	e.Sandbox.AddFault(sandbox.Fault{Method: "PATCH", Path: "/v2/accounts/*/settings", Status: 400, Code: 300, Message: "Invalid field.", Count: 1})
	jobPath := strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", nil).location(t), e.URL)
	got := waitOnboarding(t, e, owner, jobPath)
	skip := got.Doc().Find(`[data-testid="onboarding-step"][data-status="failed"] [data-testid="skip-step"]`).Closest("form").AttrOr("action", "")
	if skip == "" {
		t.Fatalf("no skip for failed settings:\n%s", got.TestID("onboarding-steps"))
	}
	// The create step cannot be skipped.
	if got.Doc().Find(`[data-testid="onboarding-step"][data-step="1"] [data-testid="skip-step"]`).Length() != 0 {
		t.Fatal("the create step offers skip")
	}
	owner.post(e.URL+skip, nil)
	got = waitOnboarding(t, e, owner, jobPath)
	if s := got.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); s != "succeeded" {
		t.Fatalf("after skip: %s\n%s", s, got.TestID("onboarding-steps"))
	}
	c, err := e.Store.CustomerByOwnerEmail(context.Background(), p.ID, "skip@settings.example")
	if err != nil {
		t.Fatal(err)
	}
	if panel := owner.get(e.URL + "/customers/" + c.ZoomAccountID).TestID("onboarding-panel"); !strings.Contains(panel, "1 skipped; 1 still open") {
		t.Fatalf("customer panel after skip: %q", panel)
	}
	// Abandon after the account exists: offered to disassociate it.
	id = draftWith(t, e, owner, "abandon@users.example", 2, tpl)
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Status: 400, Code: 1107, Message: "Email domain is blocked.", Count: 1})
	jobPath = strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", nil).location(t), e.URL)
	waitOnboarding(t, e, owner, jobPath)
	o, err := e.Store.OnboardingByID(context.Background(), p.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	confirm := owner.get(e.URL + "/onboardings/" + o.ID + "/abandon")
	if confirm.StatusCode != http.StatusOK || confirm.Doc().Find(`[data-testid="abandon-disassociate"]`).Length() != 1 {
		t.Fatalf("abandon page: %d", confirm.StatusCode)
	}
	c, err = e.Store.CustomerByOwnerEmail(context.Background(), p.ID, "abandon@users.example")
	if err != nil {
		t.Fatal(err)
	}
	if loc := owner.post(e.URL+"/onboardings/"+o.ID+"/abandon", url.Values{"then": {"disassociate"}}).location(t); loc != e.URL+"/customers/"+c.ZoomAccountID+"/disassociate" {
		t.Fatalf("abandon then disassociate went to %s", loc)
	}
	c, err = e.Store.CustomerByOwnerEmail(context.Background(), p.ID, "abandon@users.example")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.CustomerActive {
		t.Fatalf("the created account after abandon: %s", c.Status)
	}
	var users int
	for _, u := range e.Sandbox.Users() {
		if strings.HasSuffix(u.Email, ".abandon@users.example") {
			users++
		}
	}
	if users != 0 {
		t.Fatalf("%d users were created after the abandon", users)
	}
	// Abandon before the account exists: the draft customer goes; the answers can be copied.
	id = draftWith(t, e, owner, "never@created.example", 1, tpl)
	e.Sandbox.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts", Status: 409, Code: 1005, Message: "Email never@created.example has already been used.", Count: 1})
	jobPath = strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", nil).location(t), e.URL)
	got = waitOnboarding(t, e, owner, jobPath)
	if !strings.Contains(got.TestID("step-error"), "1005") {
		t.Fatalf("the create refusal is not explained: %q", got.TestID("step-error"))
	}
	if loc := owner.post(e.URL+"/onboardings/"+id+"/abandon", url.Values{"then": {"keep"}}).location(t); loc != e.URL+jobPath {
		t.Fatalf("abandon went to %s", loc)
	}
	if _, err := e.Store.CustomerByOwnerEmail(context.Background(), p.ID, "never@created.example"); err == nil {
		t.Fatal("the never-created customer is still listed")
	}
	copied := owner.post(e.URL+"/onboardings/"+id+"/copy", nil).location(t)
	if got := owner.get(copied); got.Doc().Find("#f-email").AttrOr("value", "") != "never@created.example" {
		t.Fatalf("the copy does not carry the answers: %s", copied)
	}
	var abandons int
	if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE action = 'onboarding.abandon'").Scan(&abandons); err != nil || abandons != 2 {
		t.Fatalf("%d abandon events, want 2: %v", abandons, err)
	}
}

// A first user whose invitation Zoom says has expired (code 1120 on the look-up, as when a
// step is run again) is there already: the step succeeds without creating them again.
func TestOnboardingUserWithExpiredInvitationIsThereAlready(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	tpl := standardTemplate(t, e, owner, p)
	const email = "expired@invite.example"
	id := draftWith(t, e, owner, email, 1, tpl)
	e.waitJobsIdle()
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts/*/users/*", Status: 400, Code: 1120,
		Message: "Invite does not exist or has expired.", Count: 1})
	jobPath := strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", nil).location(t), e.URL)
	done := waitOnboarding(t, e, owner, jobPath)
	if status := done.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); status != "succeeded" {
		t.Fatalf("onboarding ended %s:\n%s", status, done.TestID("onboarding-steps"))
	}
	if step := done.Doc().Find(`[data-testid="onboarding-step"]`).Last().Text(); !strings.Contains(step, "already in the account") {
		t.Fatalf("the user step: %q", step)
	}
	for _, r := range e.Sandbox.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/users") {
			t.Fatalf("a user was created although Zoom had them: %s %s", r.Method, r.Path)
		}
	}
}
