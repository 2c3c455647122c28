package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// planContact is a complete billing contact for the wizard's plan step.
func planContact(form url.Values) url.Values {
	for k, v := range map[string]string{"contact_first_name": "Bill", "contact_last_name": "Payer", "contact_email": "billing@minimum.example",
		"contact_phone_number": "+1 555 0100", "contact_address": "1 Main St", "contact_city": "Springfield", "contact_state": "IL",
		"contact_zip": "62701", "contact_country": "US"} {
		form.Set(k, v)
	}
	return form
}

// The wizard's plan step and the Plans tab check an order against the catalogue of Zoom's
// plans before anything reaches Zoom: a plan below its minimum is refused on its field, the
// form keeps what was sent (a code typed by hand before plans were picked too), and Zoom
// receives no subscription.
func TestWizardRefusesAPlanBelowItsMinimumBeforeZoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, p := registerNorthwind(t, e)
	base := strings.TrimSuffix(admin.post(e.URL+"/customers/new", nil).location(t), "/customer")
	admin.post(base+"/customer", url.Values{"account_name": {"Minimum Co"}, "first_name": {"Mina"}, "last_name": {"Mum"}, "email": {"mina@minimum.example"}})
	admin.post(base+"/options", url.Values{"pay_mode": {"master"}})
	e.waitJobsIdle()
	before := len(e.Sandbox.Requests())
	noPlanOrders := func(what string) {
		t.Helper()
		e.waitJobsIdle()
		for _, r := range e.Sandbox.Requests()[before:] {
			if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/plans") {
				t.Fatalf("%s: Zoom received a plan order the catalogue refuses: %s %s", what, r.Path, r.Body)
			}
		}
	}

	// The picker offers Zoom's plans with their names, codes and hosts.
	step := admin.get(base + "/plan")
	if opt := step.Doc().Find(`#f-type option[value="business_annual"]`).Text(); opt != "Business, annual: 10–49 hosts (business_annual)" {
		t.Fatalf("the picker offers business_annual as %q", opt)
	}
	if step.Doc().Find(`input[name="type"]`).Length() != 0 {
		t.Fatal("the plan code is still typed by hand")
	}

	got := admin.post(base+"/plan", planContact(url.Values{"plan": {"subscribe"}, "type": {"business_annual"}, "hosts": {"5"}}))
	if got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-hosts") != "Zoom's Business plan needs at least 10 hosts." {
		t.Fatalf("business with 5 hosts: %d %q", got.StatusCode, got.TestID("error-hosts"))
	}
	if sel := got.Doc().Find(`#f-type option[selected]`).AttrOr("value", ""); sel != "business_annual" ||
		got.Doc().Find("#f-hosts").AttrOr("value", "") != "5" || got.Doc().Find("#f-contact_city").AttrOr("value", "") != "Springfield" {
		t.Fatalf("the input is not kept: plan %q, hosts %q", sel, got.Doc().Find("#f-hosts").AttrOr("value", ""))
	}
	// A code typed by hand before plans were picked ("business") is kept, shown as unknown.
	got = admin.post(base+"/plan", planContact(url.Values{"plan": {"subscribe"}, "type": {"business"}, "hosts": {"5"}}))
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-type"), `"business" is not a plan Tierdesk knows`) ||
		!strings.Contains(got.Doc().Find(`#f-type option[selected]`).Text(), "business (not a plan Tierdesk knows)") {
		t.Fatalf("free-text business: %d %q", got.StatusCode, got.TestID("error-type"))
	}
	// Above the maximum, the message says which plan takes it.
	got = admin.post(base+"/plan", planContact(url.Values{"plan": {"subscribe"}, "type": {"pro_monthly"}, "hosts": {"12"}}))
	if got.TestID("error-hosts") != "Zoom's Pro plan takes at most 9 hosts. For 12 hosts choose Business." {
		t.Fatalf("pro with 12 hosts: %q", got.TestID("error-hosts"))
	}
	noPlanOrders("the wizard")
	if o, err := e.Store.OnboardingByID(context.Background(), p.ID, strings.TrimPrefix(base, e.URL+"/customers/new/")); err != nil || o.Form.Plan != nil {
		t.Fatalf("a refused plan step saved %+v (%v)", o.Form.Plan, err)
	}
	if loc := admin.post(base+"/plan", planContact(url.Values{"plan": {"subscribe"}, "type": {"business_annual"}, "hosts": {"10"}})).location(t); loc != base+"/template" {
		t.Fatalf("a plan at its minimum goes to %s", loc)
	}

	// The Plans tab checks the same way, before its confirmation.
	id := strings.TrimPrefix(admin.post(e.URL+"/customers/quick", newCustomerForm("tab@minimum.example")).location(t), e.URL+"/customers/")
	e.waitJobsIdle()
	before = len(e.Sandbox.Requests())
	got = admin.post(e.URL+"/customers/"+id+"/plans", cmSubscribe("business_monthly", "5"))
	if got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-hosts") != "Zoom's Business plan needs at least 10 hosts." ||
		got.Doc().Find(`#subscribe-type option[selected]`).AttrOr("value", "") != "business_monthly" {
		t.Fatalf("plans tab, business with 5 hosts: %d %q", got.StatusCode, got.TestID("error-hosts"))
	}
	noPlanOrders("the plans tab")
}

// onboardingStepEvents are the onboarding events of partnerID with action, oldest first.
func onboardingEvents(t *testing.T, e *env, partnerID int64, action audit.Action) []map[string]any {
	t.Helper()
	var out []map[string]any
	evs := auditOf(t, e, partnerID, string(action))
	for i := len(evs) - 1; i >= 0; i-- {
		var d map[string]any
		if err := json.Unmarshal(evs[i].Details, &d); err != nil {
			t.Fatal(err)
		}
		d["_staff"] = evs[i].StaffEmail
		out = append(out, d)
	}
	return out
}

// A plan Zoom refuses stops the onboarding at 2 of 7 steps: its page says so (not 100 %), the
// drafts page lists it as needing someone and the customer list says "Onboarding stopped".
// The plan is corrected on the onboarding's page (checked first: a correction Zoom would
// refuse is refused on its field, nothing sent), retried with the new values and the
// onboarding completes; Zoom received the corrected order and the audit log has the
// correction.
func TestStoppedOnboardingIsCorrectedAndRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	tpl := standardTemplate(t, e, owner, p)
	const email = "olga@refused.example"
	id := draftWith(t, e, owner, email, 3, tpl) // 7 steps: account, options, plan, template, 3 users
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts/*/plans", Status: 400, Code: 300,
		Message: "Buy hosts must equal or larger than 12", Count: 1})
	jobPath := strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", nil).location(t), e.URL)
	got := waitOnboarding(t, e, owner, jobPath)

	// Its true progress: 2 of 7, stopped at step 3, in words and colour.
	bar := got.Doc().Find(`[data-testid="job-bar"]`)
	if s := got.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); s != "stopped" {
		t.Fatalf("ended %s:\n%s", s, got.TestID("onboarding-steps"))
	}
	if got.TestID("steps-done") != "2 of 7 steps done." || got.TestID("stopped-at") != "Stopped at step 3 of 7." ||
		bar.AttrOr("value", "") != "2" || bar.AttrOr("max", "") != "7" || strings.TrimSpace(bar.Text()) != "28%" || !bar.HasClass("bad") {
		t.Fatalf("progress of a stopped onboarding: %q %q, bar %s of %s (%q), class %q", got.TestID("steps-done"), got.TestID("stopped-at"),
			bar.AttrOr("value", ""), bar.AttrOr("max", ""), bar.Text(), bar.AttrOr("class", ""))
	}
	if got.TestID("onboarding-status") != "stopped: needs you" || !strings.Contains(got.TestID("step-error"), "300") {
		t.Fatalf("status %q, error %q", got.TestID("onboarding-status"), got.TestID("step-error"))
	}
	edit := got.Doc().Find(`[data-testid="step-edit"]`)
	if edit.Length() != 1 || edit.Find(`#f-type option[selected]`).AttrOr("value", "") != "business_annual" || edit.Find("#f-hosts").AttrOr("value", "") != "10" {
		t.Fatalf("no correction form with the step's values:\n%s", got.TestID("step-edit"))
	}

	// Seen from the drafts page and the customer list.
	drafts := owner.get(e.URL + "/customers/new")
	if row := drafts.TestID("underway"); !strings.Contains(row, "Onboard "+email) || !strings.Contains(row, "Stopped: needs you") ||
		!strings.Contains(row, "Step 3, Subscribe the plan") || !strings.Contains(row, "2 of 7 steps done") || strings.Contains(drafts.Body, "No drafts.") {
		t.Fatalf("drafts page: %q / %q", row, drafts.TestID("drafts-empty"))
	}
	if href := drafts.Doc().Find(`[data-testid="underway-open"]`).AttrOr("href", ""); href != jobPath {
		t.Fatalf("the stopped onboarding opens at %q", href)
	}
	list := owner.get(e.URL + "/customers?q=" + url.QueryEscape("Onboard "+email))
	badge := list.Doc().Find(`[data-testid="row-status"]`)
	if badge.Length() != 1 || strings.TrimSpace(badge.Text()) != "Onboarding stopped" || badge.AttrOr("href", "") != "/onboardings/"+id ||
		strings.Contains(list.TestID("customers-table"), "draft\n") {
		t.Fatalf("customer list status: %d %q %q", badge.Length(), badge.Text(), badge.AttrOr("href", ""))
	}
	if loc := owner.get(e.URL + "/onboardings/" + id).location(t); loc != e.URL+jobPath {
		t.Fatalf("the badge's link goes to %s", loc)
	}
	// The dashboard's "Needs attention" names it once (not its job as a failed job too), with
	// the way to it.
	dash := owner.get(e.URL + "/")
	var stopped, failed int
	dash.Doc().Find(`[data-testid="attention-item"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "Onboarding of Onboard "+email+" stopped") && s.Find(`a[href="/onboardings/`+id+`"]`).Length() == 1 {
			stopped++
		}
		if s.Find(`a[href="`+jobPath+`"]`).Length() > 0 {
			failed++
		}
	})
	if stopped != 1 || failed != 0 {
		t.Fatalf("needs attention: %d items of the stopped onboarding, %d of its job: %q", stopped, failed, dash.TestID("attention"))
	}

	// A correction Zoom would refuse is refused on its field, keeps what was sent, sends nothing.
	e.waitJobsIdle()
	action := edit.AttrOr("action", "")
	plansSent := len(e.sandboxRequests(http.MethodPost, "/v2/accounts/"))
	form := url.Values{"type": {"business_monthly"}, "hosts": {"5"}}
	for _, k := range []string{"first_name", "last_name", "email", "phone_number", "address", "city", "state", "zip", "country"} {
		form.Set("contact_"+k, edit.Find("#f-contact_"+k).AttrOr("value", ""))
	}
	bad := owner.post(e.URL+action, form)
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-hosts") != "Zoom's Business plan needs at least 10 hosts." ||
		bad.Doc().Find(`[data-testid="step-edit"] #f-hosts`).AttrOr("value", "") != "5" ||
		bad.Doc().Find(`[data-testid="step-edit"] #f-type option[selected]`).AttrOr("value", "") != "business_monthly" {
		t.Fatalf("a correction below the minimum: %d %q", bad.StatusCode, bad.TestID("error-hosts"))
	}
	if bad.TestID("steps-done") != "2 of 7 steps done." {
		t.Fatalf("the refused correction's page: %q", bad.TestID("steps-done"))
	}
	e.waitJobsIdle()
	if n := len(e.sandboxRequests(http.MethodPost, "/v2/accounts/")); n != plansSent {
		t.Fatalf("a refused correction sent %d requests to Zoom", n-plansSent)
	}
	if evs := auditOf(t, e, p.ID, string(audit.OnboardingEdit)); len(evs) != 0 {
		t.Fatalf("a refused correction was recorded: %+v", evs)
	}

	// The correction: Business monthly with 12 hosts, retried, and the onboarding completes.
	form.Set("hosts", "12")
	if loc := owner.post(e.URL+action, form).location(t); loc != e.URL+jobPath {
		t.Fatalf("the correction went to %s", loc)
	}
	done := waitOnboarding(t, e, owner, jobPath)
	if s := done.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); s != "succeeded" || done.TestID("steps-done") != "7 of 7 steps done." {
		t.Fatalf("after the correction: %s %q\n%s", s, done.TestID("steps-done"), done.TestID("onboarding-steps"))
	}
	if done.Doc().Find(`[data-testid="step-edit"]`).Length() != 0 || !done.Doc().Find(`[data-testid="job-bar"]`).HasClass("ok") {
		t.Fatal("a finished onboarding still offers a correction, or its bar is not green")
	}
	c, err := e.Store.CustomerByOwnerEmail(context.Background(), p.ID, email)
	if err != nil || c.Status != store.CustomerActive {
		t.Fatalf("customer after the correction: %v %s", err, c.Status)
	}
	// Each step ran once, the plan step twice (refused, then corrected): the last step is not
	// run again to finish the onboarding.
	var attempts []string
	rows, err := e.super().Query(context.Background(), "SELECT seq || ':' || attempts FROM onboarding_steps WHERE onboarding_id = $1::uuid ORDER BY seq", id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		attempts = append(attempts, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(attempts, " ") != "1:1 2:1 3:2 4:1 5:1 6:1 7:1" {
		t.Fatalf("attempts of each step: %v", attempts)
	}
	// Zoom received the refused order once and the corrected one once.
	var orders []sandbox.RequestRecord
	for _, r := range e.sandboxRequests(http.MethodPost, "/v2/accounts/"+c.ZoomAccountID+"/plans") {
		if r.Path == "/v2/accounts/"+c.ZoomAccountID+"/plans" {
			orders = append(orders, r)
		}
	}
	if len(orders) != 2 || orders[0].Status != 400 || !strings.Contains(orders[0].Body, `"type":"business_annual"`) || !strings.Contains(orders[0].Body, `"hosts":10`) ||
		orders[1].Status != http.StatusCreated || !strings.Contains(orders[1].Body, `"type":"business_monthly"`) || !strings.Contains(orders[1].Body, `"hosts":12`) {
		t.Fatalf("plan orders Zoom received: %+v", orders)
	}
	plans := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+c.ZoomAccountID+"/plans")
	if pb, _ := plans["plan_base"].(map[string]any); pb == nil || pb["type"] != "business_monthly" || pb["hosts"] != float64(12) {
		t.Fatalf("plan in Zoom: %v", plans)
	}
	// The audit log has the correction (who, the values before and after), then the retry.
	edits := onboardingEvents(t, e, p.ID, audit.OnboardingEdit)
	if len(edits) != 1 || edits[0]["step"] != float64(3) || edits[0]["kind"] != "subscribe_plan" || edits[0]["_staff"] != distOwner ||
		mustJSON(t, edits[0]["before"]) != `{"hosts":10,"type":"business_annual"}` || mustJSON(t, edits[0]["after"]) != `{"hosts":12,"type":"business_monthly"}` {
		t.Fatalf("correction events: %v", edits)
	}
	if retries := onboardingEvents(t, e, p.ID, audit.OnboardingRetry); len(retries) != 1 || retries[0]["subject"] != "business_monthly" {
		t.Fatalf("retry events: %v", retries)
	}
	// Once done, the customer list shows it active; nothing is left on the drafts page.
	if got := owner.get(e.URL + "/customers?q=" + url.QueryEscape("Onboard "+email)).TestID("row-status"); got != "active" {
		t.Fatalf("customer list status after: %q", got)
	}
	if owner.get(e.URL+"/customers/new").Doc().Find(`[data-testid="underway-row"]`).Length() != 0 {
		t.Fatal("a finished onboarding is still listed as under way")
	}
	// A correction of a step that no longer waits changes nothing.
	if got := owner.post(e.URL+action, form); got.StatusCode != http.StatusSeeOther || got.location(t) != e.URL+jobPath {
		t.Fatalf("a late correction: %d", got.StatusCode)
	}
	if n := len(onboardingEvents(t, e, p.ID, audit.OnboardingEdit)); n != 1 {
		t.Fatalf("%d correction events after a late one", n)
	}
}

// A first user Zoom refuses is corrected (another email) and created with it; the refused
// address is never created.
func TestStoppedOnboardingUserIsCorrected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	tpl := standardTemplate(t, e, owner, p)
	const email = "uma@users.example"
	id := draftWith(t, e, owner, email, 2, tpl)
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPost, Path: "/v2/accounts/*/users", Status: 400, Code: 1107, Message: "Email domain is blocked.", Count: 1})
	jobPath := strings.TrimPrefix(owner.post(e.URL+"/customers/new/"+id+"/start", nil).location(t), e.URL)
	got := waitOnboarding(t, e, owner, jobPath)
	edit := got.Doc().Find(`[data-testid="step-edit"]`)
	if got.TestID("stopped-at") != "Stopped at step 5 of 6." || edit.Find("#f-email").AttrOr("value", "") != "u00."+email ||
		edit.Find(`#f-user-type option[selected]`).AttrOr("value", "") != "licensed" {
		t.Fatalf("stopped at %q, form:\n%s", got.TestID("stopped-at"), got.TestID("step-edit"))
	}
	// The owner's address, or another first user's, is refused.
	for _, taken := range []string{email, "u01." + email} {
		bad := owner.post(e.URL+edit.AttrOr("action", ""), url.Values{"email": {taken}, "first_name": {"User"}, "last_name": {"0"}, "type": {"licensed"}})
		if bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-email") == "" {
			t.Fatalf("correction to %s: %d", taken, bad.StatusCode)
		}
	}
	fixed := "u00.fixed@" + strings.Split(email, "@")[1]
	if loc := owner.post(e.URL+edit.AttrOr("action", ""), url.Values{"email": {fixed}, "first_name": {"Una"}, "last_name": {"Fixed"}, "type": {"licensed"}}).location(t); loc != e.URL+jobPath {
		t.Fatalf("correction went to %s", loc)
	}
	if s := waitOnboarding(t, e, owner, jobPath).Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); s != "succeeded" {
		t.Fatalf("after the correction: %s", s)
	}
	var created []string
	for _, u := range e.Sandbox.Users() {
		if strings.HasSuffix(u.Email, "@users.example") && u.Email != email {
			created = append(created, u.Email+" "+u.FirstName)
		}
	}
	if strings.Join(created, ",") != "u00.fixed@users.example Una,u01.uma@users.example User" && strings.Join(created, ",") != "u01.uma@users.example User,u00.fixed@users.example Una" {
		t.Fatalf("first users in Zoom: %v", created)
	}
	o, err := e.Store.OnboardingByID(context.Background(), p.ID, id)
	if err != nil || o.Form.Users[0].Email != fixed {
		t.Fatalf("the onboarding's answers: %v %+v", err, o.Form.Users)
	}
	if edits := onboardingEvents(t, e, p.ID, audit.OnboardingEdit); len(edits) != 1 || mustJSON(t, edits[0]["before"]) != `{"email":"u00.uma@users.example","first_name":"User","last_name":"0"}` {
		t.Fatalf("correction events: %v", edits)
	}
}

// mustJSON writes v as JSON (map keys sorted).
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
