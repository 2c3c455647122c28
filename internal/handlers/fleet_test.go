package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// fleetOf tags customers with tag (straight in the database) and saves a group of that tag.
func fleetOf(t *testing.T, e *env, p store.Partner, tag string, cs ...store.Customer) store.Group {
	t.Helper()
	ctx := context.Background()
	for _, c := range cs {
		if _, err := e.super().Exec(ctx, "UPDATE customers SET tags = ARRAY[$2::text] WHERE id = $1", c.ID, tag); err != nil {
			t.Fatal(err)
		}
	}
	g, err := e.Store.SaveGroup(ctx, p.ID, store.Group{Name: "Group " + tag, Kind: store.GroupByTag, Tag: tag}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// patchesOf counts the PATCHes the sandbox received for an account, since the log had n
// requests.
func (e *env) patchesOf(account string, since int) []string {
	var out []string
	for _, r := range e.Sandbox.Requests()[since:] {
		if r.Method == http.MethodPatch && strings.HasPrefix(r.Path, "/v2/accounts/"+account+"/") {
			out = append(out, r.Path+"?"+r.Query+" "+r.Body)
		}
	}
	return out
}

// A standard in enforce mode over a group of three paid customers: one drifted in Zoom itself
// (chat flipped), one whose cached settings lack the waiting room (its plan has none), one
// compliant. The report offers to bring the one drifted customer back; its preview lists one
// call for it, none for the others (the missing one reported); the job sends exactly that call,
// audits it once, and Zoom holds the template's value again. A report-mode standard offers
// nothing of the kind.
func TestEnforceStandardBringsTheDriftedCustomerBackWithOneCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 3})
	if err != nil || len(list.Customers) != 3 {
		t.Fatalf("paid customers: %v %v", list.Customers, err)
	}
	drifted, missing, compliant := list.Customers[0], list.Customers[1], list.Customers[2]
	oc := e.outsideClient(p.ZoomAccountID)
	cur, _, err := oc.GetAccountSettings(ctx, compliant.ZoomAccountID, nil)
	if err != nil {
		t.Fatal(err)
	}
	chat, ok := cur.Bool("in_meeting", "chat")
	if !ok {
		t.Fatalf("the sandbox's settings have no chat: %v", cur.Section("in_meeting"))
	}
	sec, _, err := oc.GetAccountSettings(ctx, compliant.ZoomAccountID, &zoom.SettingsOptions{Option: "meeting_security"})
	if err != nil {
		t.Fatal(err)
	}
	waiting, ok := sec.Bool("meeting_security", "waiting_room")
	if !ok {
		t.Fatalf("the sandbox's meeting security has no waiting room: %v", sec)
	}
	// Someone flips chat in Zoom's own portal for one customer.
	if _, err := oc.UpdateAccountSettings(ctx, drifted.ZoomAccountID, zoom.Settings{"in_meeting": map[string]any{"chat": !chat}}, nil); err != nil {
		t.Fatal(err)
	}
	// Tierdesk reads two of them from Zoom (their Settings tab); the third's cached settings
	// have chat as wanted and no waiting room at all.
	for _, c := range []store.Customer{drifted, compliant} {
		if got := b.get(e.URL + "/customers/" + c.ZoomAccountID + "/settings"); got.StatusCode != http.StatusOK {
			t.Fatalf("settings of %s: %d", c.AccountName, got.StatusCode)
		}
	}
	set, _ := json.Marshal(map[string]any{"in_meeting": map[string]any{"chat": chat}})
	if err := e.Store.SaveCustomerDetails(ctx, p.ID, missing.ID, map[string]json.RawMessage{"settings": set, "lock_settings": json.RawMessage(`{}`)}, nil); err != nil {
		t.Fatal(err)
	}
	g := fleetOf(t, e, p, "enterprise", drifted, missing, compliant)
	tpl, err := e.Store.SaveSettingsTemplate(ctx, p.ID, store.SettingsTemplate{Name: "Enterprise baseline",
		Settings: map[string]map[string]any{"in_meeting": {"chat": chat}, "meeting_security": {"waiting_room": waiting}}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	report, err := e.Store.SaveStandard(ctx, p.ID, store.Standard{Name: "Reported", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardReport}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	enforce, err := e.Store.SaveStandard(ctx, p.ID, store.Standard{Name: "Enforced", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardEnforce}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}

	// Report mode offers no action, and refuses one.
	if got := b.get(e.URL + "/standards/" + itoa(report.ID)); got.TestID("drift-drifted") != "1" || got.TestID("enforce-standard") != "" {
		t.Fatalf("report mode: %s drifted, enforce button %q", got.TestID("drift-drifted"), got.TestID("enforce-standard"))
	}
	if got := b.post(e.URL+"/standards/"+itoa(report.ID)+"/enforce", nil); got.StatusCode != http.StatusConflict {
		t.Fatalf("enforcing a report-mode standard: %d", got.StatusCode)
	}
	// Enforce mode offers to bring the one drifted customer back.
	rep := b.get(e.URL + "/standards/" + itoa(enforce.ID))
	if got := rep.TestID("enforce-standard"); got != "Bring 1 drifted customer back" {
		t.Fatalf("enforce button: %q (drifted %s, missing %s)", got, rep.TestID("drift-drifted"), rep.TestID("drift-missing"))
	}
	preview := b.post(e.URL+"/standards/"+itoa(enforce.ID)+"/enforce", nil).location(t)
	if !strings.HasPrefix(preview, e.URL+"/imports/") {
		t.Fatalf("enforce went to %s", preview)
	}
	pv := b.get(preview)
	for id, want := range map[string]string{"fleet-customers": "3", "fleet-to-change": "1", "fleet-calls": "1", "fleet-compliant": "1", "fleet-missing": "1", "fleet-skipped": ""} {
		if got := pv.TestID(id); got != want {
			t.Errorf("preview %s = %q, want %s", id, got, want)
		}
	}
	states := map[string]string{}
	rows := pv.Doc().Find(`[data-testid="fleet-row"]`)
	for i := range rows.Length() {
		row := rows.Eq(i)
		states[strings.TrimSpace(row.Find(`[data-testid="fleet-customer"]`).Text())] = row.AttrOr("data-state", "") + " " + strings.TrimSpace(row.Find("td").Last().Text())
	}
	if got := states[drifted.AccountName]; !strings.HasPrefix(got, "will change") || !strings.Contains(got, "PATCH /accounts/{accountId}/settings") || !strings.Contains(got, "Chat") {
		t.Errorf("the drifted customer's preview: %q", got)
	}
	if got := states[missing.AccountName]; !strings.HasPrefix(got, "missing") || !strings.Contains(got, "lacks") {
		t.Errorf("the missing customer's preview: %q", got)
	}
	if got := states[compliant.AccountName]; !strings.HasPrefix(got, "compliant") {
		t.Errorf("the compliant customer's preview: %q", got)
	}
	if n := len(e.patchesOf(drifted.ZoomAccountID, 0)); n != 1 { // the outside change only
		t.Fatalf("the preview sent something: %d PATCHes", n)
	}

	// The job sends exactly one call, for the drifted customer, and audits it once.
	e.waitJobsIdle()
	since := len(e.Sandbox.Requests())
	jobURL := b.post(preview+"/start", nil).location(t)
	done := waitJob(t, b, jobURL)
	if s := done.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); s != "succeeded" || done.TestID("job-done") != "1" || done.TestID("job-failed") != "0" {
		t.Fatalf("job: %s done %s failed %s: %s", s, done.TestID("job-done"), done.TestID("job-failed"), done.TestID("job-message"))
	}
	if got := e.patchesOf(drifted.ZoomAccountID, since); len(got) != 1 || !strings.Contains(got[0], "/settings?") || !strings.Contains(got[0], `"chat"`) {
		t.Errorf("PATCHes for the drifted customer: %q, want one of its settings", got)
	}
	for _, c := range []store.Customer{missing, compliant} {
		if got := e.patchesOf(c.ZoomAccountID, since); len(got) != 0 {
			t.Errorf("PATCHes for %s: %q, want none", c.AccountName, got)
		}
	}
	jobID := strings.TrimPrefix(jobURL, e.URL+"/jobs/")
	var evs []store.AuditEvent
	for _, ev := range auditOf(t, e, p.ID, string(audit.CustomerSettingsTemplate)) {
		if ev.JobID == jobID {
			evs = append(evs, ev)
		}
	}
	if len(evs) != 1 || evs[0].CustomerID != drifted.ZoomAccountID || evs[0].Outcome != store.OutcomeSucceeded || !strings.Contains(string(evs[0].Details), "Enforced") {
		t.Fatalf("the job's audit events: %+v", evs)
	}
	now, _, err := oc.GetAccountSettings(ctx, drifted.ZoomAccountID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := now.Bool("in_meeting", "chat"); got != chat {
		t.Errorf("chat in Zoom after the job = %v, want %v", got, chat)
	}
	// The results file reports the missing customer (no call) with what its plan lacks.
	res := b.get(jobURL + "/results.csv")
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("results: %v %q", err, res.Body)
	}
	for _, rec := range recs[1:] {
		if rec[1] == missing.ZoomAccountID && (rec[3] != "no call" || !strings.Contains(rec[6], "meeting_security.waiting_room")) {
			t.Errorf("the missing customer's result: %q", rec)
		}
		if rec[1] == drifted.ZoomAccountID && rec[3] != "succeeded" {
			t.Errorf("the drifted customer's result: %q", rec)
		}
	}
}

// The form of a change across customers: each refusal names its field and keeps what was
// typed; a group of another partner is 404 with a denied event; a viewer is refused (403).
func TestFleetFormRefusalsAndReach(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dist, res := tree(t, e)
	ctx := context.Background()
	nw, contoso := e.partnerOf(distOwner), e.partnerOf(resOwner)
	g := fleetOf(t, e, nw, "fleetform")
	other, err := e.Store.SaveGroup(ctx, contoso.ID, store.Group{Name: "Contoso's", Kind: store.GroupByTag, Tag: "x"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	_ = res

	form := dist.get(e.URL + "/fleet/new?group=" + itoa(g.ID))
	if form.StatusCode != http.StatusOK || form.Doc().Find(`#f-group option[selected]`).AttrOr("value", "") != itoa(g.ID) {
		t.Fatalf("the form: %d", form.StatusCode)
	}
	typed := "in_meeting.chat = maybe"
	got := dist.post(e.URL+"/fleet", url.Values{"group": {""}, "kind": {"settings"}, "settings": {typed}})
	if got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-group") == "" || !strings.Contains(got.TestID("error-settings"), "Line 1") ||
		got.TestID("fleet-settings") != typed {
		t.Fatalf("refused settings: %d group %q settings %q kept %q", got.StatusCode, got.TestID("error-group"), got.TestID("error-settings"), got.TestID("fleet-settings"))
	}
	got = dist.post(e.URL+"/fleet", url.Values{"group": {itoa(g.ID)}, "kind": {"settings"}, "settings": {"in_meeting.chat = off\nin_meeting.nope = on"}})
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-settings"), "Line 2") ||
		got.Doc().Find(`#f-group option[selected]`).AttrOr("value", "") != itoa(g.ID) {
		t.Fatalf("an unknown setting: %d %q", got.StatusCode, got.TestID("error-settings"))
	}
	if got := dist.post(e.URL+"/fleet", url.Values{"group": {itoa(g.ID)}, "kind": {"options"}}); got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-options") == "" {
		t.Fatalf("no option chosen: %d %q", got.StatusCode, got.TestID("error-options"))
	}
	if got := dist.post(e.URL+"/fleet", url.Values{"group": {itoa(g.ID)}, "kind": {"template"}}); got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-template") == "" {
		t.Fatalf("no template chosen: %d %q", got.StatusCode, got.TestID("error-template"))
	}
	// Another partner's group: 404, one denied event.
	denied := func() int { return deniedOf(t, e, nw.ID) }
	before := denied()
	if got := dist.post(e.URL+"/fleet", url.Values{"group": {itoa(other.ID)}, "kind": {"options"}, "opt.billing_auto_renew": {"on"}}); got.StatusCode != http.StatusNotFound {
		t.Fatalf("another partner's group: %d", got.StatusCode)
	}
	if n := denied() - before; n != 1 {
		t.Fatalf("another partner's group left %d denied events", n)
	}
	// A valid change previews; nothing reaches Zoom before Start.
	sent := len(e.Sandbox.Requests())
	loc := dist.post(e.URL+"/fleet", url.Values{"group": {itoa(g.ID)}, "kind": {"options"}, "opt.billing_auto_renew": {"on"}}).location(t)
	if pv := dist.get(loc); pv.StatusCode != http.StatusOK || pv.TestID("fleet-customers") != "0" {
		t.Fatalf("preview of an empty group: %d %q", pv.StatusCode, pv.TestID("fleet-customers"))
	}
	for _, r := range e.Sandbox.Requests()[sent:] {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			t.Errorf("the preview sent %s %s", r.Method, r.Path)
		}
	}
	// A viewer: 403.
	viewer := staffBrowser(t, e, dist, "viewer@northwind.example", store.RoleViewer)
	if got := viewer.get(e.URL + "/fleet/new"); got.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer's form: %d", got.StatusCode)
	}
	if got := viewer.post(e.URL+"/fleet", url.Values{"group": {itoa(g.ID)}, "kind": {"options"}, "opt.billing_auto_renew": {"on"}}); got.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer's change: %d", got.StatusCode)
	}
}

// An option change across three customers: one done, one Zoom refuses (its code and words on
// the job's page and in the results), one whose answer is lost after Zoom made it (read back,
// not sent again, audited as done once resolved). Zoom's state matches the results.
func TestFleetOptionChangeRefusalAndLostAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 3})
	if err != nil || len(list.Customers) != 3 {
		t.Fatalf("customers: %v %v", list.Customers, err)
	}
	ok, refused, lost := list.Customers[0], list.Customers[1], list.Customers[2]
	oc := e.outsideClient(p.ZoomAccountID)
	optionsOf := func(c store.Customer) zoom.AccountOptions {
		sa, _, err := oc.GetSubAccount(ctx, c.ZoomAccountID)
		if err != nil {
			t.Fatal(err)
		}
		return sa.Options
	}
	refusedBefore := optionsOf(refused).ShareMC
	g := fleetOf(t, e, p, "options", ok, refused, lost)
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPatch, Path: "/v2/accounts/" + refused.ZoomAccountID + "/options", Status: 400, Code: 2100,
		Message: "This sub account is on self pay mode."})
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPatch, Path: "/v2/accounts/" + lost.ZoomAccountID + "/options", ApplyThen: "504"})

	preview := b.post(e.URL+"/fleet", url.Values{"group": {itoa(g.ID)}, "kind": {"options"}, "opt.share_mc": {"on"}}).location(t)
	pv := b.get(preview)
	if pv.TestID("fleet-calls") != "3" || !strings.Contains(pv.Doc().Find(`[data-testid="fleet-call"]`).First().Text(), "PATCH /accounts/{accountId}/options") {
		t.Fatalf("preview: %s calls: %s", pv.TestID("fleet-calls"), pv.Doc().Find(`[data-testid="fleet-call"]`).First().Text())
	}
	e.waitJobsIdle()
	since := len(e.Sandbox.Requests())
	jobURL := b.post(preview+"/start", nil).location(t)
	done := waitJob(t, b, jobURL)
	if done.TestID("job-done") != "2" || done.TestID("job-failed") != "1" {
		t.Fatalf("job: done %s failed %s: %s", done.TestID("job-done"), done.TestID("job-failed"), done.TestID("job-message"))
	}
	if got := done.Doc().Find(`[data-testid="failure-row"]`).Text(); !strings.Contains(got, refused.AccountName) || !strings.Contains(got, "2100") {
		t.Errorf("the refused customer on the job's page: %q", got)
	}
	for _, c := range []store.Customer{ok, refused, lost} {
		if got := e.patchesOf(c.ZoomAccountID, since); len(got) != 1 {
			t.Errorf("PATCHes for %s: %q, want exactly one", c.AccountName, got)
		}
	}
	res := b.get(jobURL + "/results.csv")
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("results: %v %q", err, res.Body)
	}
	byAccount := map[string][]string{}
	for _, rec := range recs[1:] {
		byAccount[strings.TrimPrefix(rec[1], "'")] = rec
	}
	if r := byAccount[ok.ZoomAccountID]; r[3] != "succeeded" || !optionsOf(ok).ShareMC {
		t.Errorf("done: %q, share_mc in Zoom %v", r, optionsOf(ok).ShareMC)
	}
	if r := byAccount[lost.ZoomAccountID]; r[3] != "succeeded" || !strings.Contains(r[4], "lost") || !optionsOf(lost).ShareMC {
		t.Errorf("lost answer: %q, share_mc in Zoom %v", r, optionsOf(lost).ShareMC)
	}
	if r := byAccount[refused.ZoomAccountID]; r[3] != "failed" || r[7] != "2100" || r[4] == "" || optionsOf(refused).ShareMC != refusedBefore {
		t.Errorf("refused: %q, share_mc in Zoom %v (was %v)", r, optionsOf(refused).ShareMC, refusedBefore)
	}
	// The audit log: one event per change, and the lost one pending then resolved done.
	jobID := strings.TrimPrefix(jobURL, e.URL+"/jobs/")
	outcomes := map[string][]store.Outcome{}
	for _, ev := range auditOf(t, e, p.ID, string(audit.CustomerOptions)) {
		if ev.JobID == jobID {
			outcomes[ev.CustomerID] = append(outcomes[ev.CustomerID], ev.Outcome)
		}
	}
	if got := outcomes[ok.ZoomAccountID]; len(got) != 1 || got[0] != store.OutcomeSucceeded {
		t.Errorf("done's events: %v", got)
	}
	if got := outcomes[refused.ZoomAccountID]; len(got) != 1 || got[0] != store.OutcomeFailed {
		t.Errorf("refused's events: %v", got)
	}
	if got := outcomes[lost.ZoomAccountID]; len(got) != 2 || got[0] != store.OutcomeSucceeded || got[1] != store.OutcomePending {
		t.Errorf("lost's events (newest first): %v", got)
	}
}

// A change across 20 customers cancelled while calls are at Zoom: the calls in flight finish
// and are recorded, no other customer is sent anything, the rest are "cancelled" in the
// results, and each customer got at most one call.
func TestFleetChangeCancelledMidway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p, _ := contoso(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Status: store.CustomerActive, Sort: store.SortSeats, Limit: 20})
	if err != nil || len(list.Customers) != 20 {
		t.Fatalf("customers: %d %v", len(list.Customers), err)
	}
	g := fleetOf(t, e, p, "cancelme", list.Customers...)
	preview := b.post(e.URL+"/fleet", url.Values{"group": {itoa(g.ID)}, "kind": {"options"}, "opt.share_mc": {"on"}}).location(t)
	pv := b.get(preview)
	calls := pv.TestID("fleet-calls")
	if calls == "0" || calls == "" {
		t.Fatalf("preview: %s calls: %s", calls, strings.Join(strings.Fields(pv.Doc().Find(`[data-testid="fleet-row"]`).First().Text()), " "))
	}
	// The first option change goes through; every later one is held at Zoom until released.
	hold := e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPatch, Path: "/v2/accounts/*/options", Hold: true, After: 1})
	defer e.Sandbox.ClearFaults()
	e.waitJobsIdle()
	since := len(e.Sandbox.Requests())
	jobURL := b.post(preview+"/start", nil).location(t)
	for deadline := time.Now().Add(60 * time.Second); e.Sandbox.Held(hold) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no option change reached Zoom")
		}
	}
	if got := b.post(jobURL+"/cancel", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", got.StatusCode)
	}
	if got := b.get(jobURL).TestID("cancel-requested"); got == "" {
		t.Fatal("the job's page does not say it is cancelling")
	}
	// The worker learns of the cancel when it next renews its lease (for 10 s, the jobs'
	// leaseTTL): wait for a renewal that began after the cancel was recorded, then let Zoom
	// answer the calls in flight.
	var cancelAt time.Time
	if err := e.super().QueryRow(ctx, "SELECT now()").Scan(&cancelAt); err != nil {
		t.Fatal(err)
	}
	jobID := strings.TrimPrefix(jobURL, e.URL+"/jobs/")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var renewed bool
		if err := e.super().QueryRow(ctx, `SELECT lease_until > $2::timestamptz + interval '10 seconds' FROM user_imports WHERE job_id = $1::uuid`,
			jobID, cancelAt).Scan(&renewed); err != nil {
			t.Fatal(err)
		}
		if renewed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker never renewed its lease after the cancel")
		}
	}
	if !e.Sandbox.ReleaseFault(hold) {
		t.Fatal("the hold was gone")
	}
	done := waitJob(t, b, jobURL)
	if s := done.Doc().Find(`[data-testid="job-progress"]`).AttrOr("data-status", ""); s != "cancelled" {
		t.Fatalf("job: %s: %s", s, done.TestID("job-message"))
	}
	sent := 0
	for _, c := range list.Customers {
		switch n := len(e.patchesOf(c.ZoomAccountID, since)); n {
		case 0:
		case 1:
			sent++
		default:
			t.Errorf("%s got %d PATCHes", c.AccountName, n)
		}
	}
	if sent < 2 || sent >= 20 {
		t.Fatalf("%d customers were sent their change; want the first, those held, and not all", sent)
	}
	res := b.get(jobURL + "/results.csv")
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(recs) != 21 {
		t.Fatalf("results: %v %q", err, res.Body)
	}
	results := map[string]int{}
	for _, rec := range recs[1:] {
		results[rec[3]]++
		acct := strings.TrimPrefix(rec[1], "'")
		if got := len(e.patchesOf(acct, since)); (rec[3] == "succeeded") != (got == 1) {
			t.Errorf("%s: result %q with %d PATCHes at Zoom", acct, rec[3], got)
		}
	}
	const cancelled = "not sent (cancelled)"
	if results["succeeded"] != sent || results[cancelled] == 0 || results["succeeded"]+results[cancelled]+results["no call"] != 20 {
		t.Errorf("results %v with %d sent", results, sent)
	}
	if got := done.TestID("job-cancelled"); got != strconv.Itoa(results[cancelled]) {
		t.Errorf("the job's page says %q not sent, the results %d", got, results[cancelled])
	}
}

// A settings change whose locks Zoom refuses for one customer: the settings went through, the
// row fails saying so, and the results carry Zoom's code of the refusal.
func TestFleetPartlyMadeChangeCarriesZoomsCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 2})
	if err != nil || len(list.Customers) != 2 {
		t.Fatalf("customers: %v %v", list.Customers, err)
	}
	ok, refused := list.Customers[0], list.Customers[1]
	for _, c := range list.Customers { // read their settings and locks, as the Settings tab does
		if got := b.get(e.URL + "/customers/" + c.ZoomAccountID + "/settings"); got.StatusCode != http.StatusOK {
			t.Fatalf("settings of %s: %d", c.AccountName, got.StatusCode)
		}
	}
	g := fleetOf(t, e, p, "partly", ok, refused)
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPatch, Path: "/v2/accounts/" + refused.ZoomAccountID + "/lock_settings", Status: 400, Code: 200, Message: "No permission."})
	defer e.Sandbox.ClearFaults()
	oc := e.outsideClient(p.ZoomAccountID)
	cur, _, err := oc.GetAccountSettings(ctx, ok.ZoomAccountID, nil)
	if err != nil {
		t.Fatal(err)
	}
	chat, _ := cur.Bool("in_meeting", "chat")
	lines := fmt.Sprintf("in_meeting.chat = %v\nlock in_meeting.chat = locked", map[bool]string{true: "off", false: "on"}[chat])
	pv := b.post(e.URL+"/fleet", url.Values{"group": {itoa(g.ID)}, "kind": {"settings"}, "settings": {lines}})
	if pv.StatusCode != http.StatusSeeOther {
		t.Fatalf("the change: %d %s %s", pv.StatusCode, pv.TestID("error-settings"), pv.TestID("error-group"))
	}
	preview := pv.location(t)
	e.waitJobsIdle()
	jobURL := b.post(preview+"/start", nil).location(t)
	done := waitJob(t, b, jobURL)
	if done.TestID("job-done") != "1" || done.TestID("job-failed") != "1" {
		t.Fatalf("job: done %s failed %s: %s", done.TestID("job-done"), done.TestID("job-failed"), done.TestID("job-message"))
	}
	res := b.get(jobURL + "/results.csv")
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("results: %v %q", err, res.Body)
	}
	for _, rec := range recs[1:] {
		acct := strings.TrimPrefix(rec[1], "'")
		switch acct {
		case refused.ZoomAccountID:
			if rec[3] != "failed" || rec[7] != "200" || !strings.Contains(rec[4], "refused") {
				t.Errorf("the customer whose locks Zoom refused: %q", rec)
			}
		case ok.ZoomAccountID:
			if rec[3] != "succeeded" || rec[7] != "0" && rec[7] != "" {
				t.Errorf("the customer changed: %q", rec)
			}
		}
	}
	// The settings of the refused customer did change in Zoom: the row says so, and Zoom agrees.
	now, _, err := oc.GetAccountSettings(ctx, refused.ZoomAccountID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := now.Bool("in_meeting", "chat"); got == chat {
		t.Errorf("chat of the refused customer in Zoom = %v: its settings were not changed", got)
	}
}
