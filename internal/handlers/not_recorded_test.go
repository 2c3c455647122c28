package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// A change Zoom made whose audit event could not be written, shown and then settled: the
// page says so plainly (503), Zoom has the change (one request), the intent stays open with
// no event; once the database writes again, the resolver that production runs (River's
// ResolvePendingWorker) audits the change once, and a second run adds nothing.

// nrFailAudit makes PostgreSQL refuse the audit events of action whose target id or label is
// target (a trigger, as a database that fails the write would; every other event is written),
// and returns the function that lifts the fault.
func nrFailAudit(t *testing.T, e *env, action, target string) func() {
	t.Helper()
	ctx := context.Background()
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	for _, q := range []string{
		`CREATE FUNCTION nr_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.action = ` + lit(action) + ` AND (NEW.target_id = ` + lit(target) + ` OR NEW.target_label = ` + lit(target) + `) THEN
				RAISE EXCEPTION 'injected audit failure';
			END IF;
			RETURN NEW;
		END $$`,
		`CREATE TRIGGER nr_fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION nr_fail_audit()`,
	} {
		if _, err := e.super().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	lifted := false
	lift := func() {
		if lifted {
			return
		}
		lifted = true
		if _, err := e.super().Exec(ctx, "DROP TRIGGER nr_fail_audit ON audit_events; DROP FUNCTION nr_fail_audit()"); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(lift)
	return lift
}

// nrIntent is a row of zoom_intents as the tests look at it.
type nrIntent struct {
	ID         int64
	Open       bool // not closed
	Released   bool // its lease ran out or was given up: the resolver may take it
	Outcome    string
	AuditEvent *int64 // the id of the event that closed it
}

// nrIntents lists partnerID's intents of action about target (id or label), oldest first.
func nrIntents(t *testing.T, e *env, partnerID int64, action, target string) []nrIntent {
	t.Helper()
	rows, err := e.super().Query(context.Background(), `SELECT id, closed_at IS NULL, lease_until <= now(), outcome, audit_event_id
		FROM zoom_intents WHERE partner_id = $1 AND action = $2 AND (target_id = $3 OR target_label = $3) ORDER BY id`, partnerID, action, target)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []nrIntent
	for rows.Next() {
		var in nrIntent
		if err := rows.Scan(&in.ID, &in.Open, &in.Released, &in.Outcome, &in.AuditEvent); err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// nrEvents lists partnerID's audit events of action whose target id or label is target,
// newest first.
func nrEvents(t *testing.T, e *env, partnerID int64, action, target string) []store.AuditEvent {
	t.Helper()
	var out []store.AuditEvent
	for _, ev := range auditOf(t, e, partnerID, action) {
		if string(ev.Action) == action && (ev.TargetID == target || ev.TargetLabel == target) {
			out = append(out, ev)
		}
	}
	return out
}

// nrResolve runs the resolver as production does, a River job of the portal's own client
// (ResolvePendingArgs, the periodic job every two minutes), queued now instead of at its
// time, and waits until River records the job completed.
func nrResolve(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	res, err := umInsertOnly(t, e).Insert(ctx, jobs.ResolvePendingArgs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute) // only keeps a broken test from hanging
	for {
		var state string
		if err := e.super().QueryRow(ctx, "SELECT state FROM river_job WHERE id = $1", res.Job.ID).Scan(&state); err != nil {
			t.Fatal(err)
		}
		switch state {
		case "completed":
			return
		case "discarded", "cancelled", "retryable":
			t.Fatalf("the resolve job %d ended %s", res.Job.ID, state)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the resolve job %d is still %s", res.Job.ID, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nrRequestID is the request id the error page shows.
func nrRequestID(p *page) string {
	return strings.TrimSpace(p.Doc().Find(`[data-testid="request-id"]`).Text())
}

// A support staff member edits a user while the audit write fails after Zoom answered: the
// page says the change was made in Zoom and not recorded yet (503) with a way back to the
// user; Zoom got exactly one request and has the change; the intent is open (and released
// for the resolver) with no event. After the fault, the resolver audits the change once, as
// succeeded, for the request the page named, updates the directory and closes the intent; a
// second run adds nothing and sends nothing.
func TestAUserEditWhoseAuditWriteFailsIsShownThenAuditedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c := contoso(t, e)
	support := staffBrowser(t, e, owner, resSupport, store.RoleSupport)
	users := usersURLOf(e, c)
	support.get(users) // the directory, read from Zoom
	memberID := contosoUserID(t, e, c.ZoomAccountID)
	var email, first string
	for _, u := range e.Sandbox.Users() {
		if u.ID == memberID {
			email, first = u.Email, u.FirstName
		}
	}
	userPage := users + "/" + url.PathEscape(memberID)
	form := support.get(userPage)
	if form.StatusCode != http.StatusOK || form.Doc().Find(`[data-testid="save-user"]`).Length() != 1 {
		t.Fatalf("user page: %d", form.StatusCode)
	}
	e.waitJobsIdle() // from now on every request at Zoom is the test's
	patchPath := "/v2/accounts/" + c.ZoomAccountID + "/users/" + memberID
	lift := nrFailAudit(t, e, "user.update", email)

	got := support.post(userPage, url.Values{"first_name": {first}, "last_name": {"Unrecorded"}, "type": {"1"}})
	if got.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("edit with the audit write failing: %d %.500s", got.StatusCode, got.Body)
	}
	title, msg := got.TestID("message-title"), got.TestID("message-text")
	if title != "Done in Zoom, not yet recorded" || !strings.Contains(msg, "Zoom made this change") || !strings.Contains(msg, "Do not make it again") ||
		strings.Contains(msg, "injected") || strings.Contains(got.Body, "injected audit failure") {
		t.Fatalf("the page says %q: %q", title, msg)
	}
	back := got.Doc().Find(`[data-testid="message-action"]`)
	if href, _ := back.Attr("href"); href != "/customers/"+url.PathEscape(c.ZoomAccountID)+"/users/"+url.PathEscape(memberID) {
		t.Fatalf("the way back is %q (%q)", href, back.Text())
	}
	reqID := nrRequestID(got)
	if reqID == "" {
		t.Fatal("the page shows no request id")
	}
	if patches := e.sandboxRequests(http.MethodPatch, patchPath); len(patches) != 1 || patches[0].Status != http.StatusNoContent {
		t.Fatalf("PATCH at Zoom: %+v", patches)
	}
	if u, _ := sandboxUser(e, email); u.LastName != "Unrecorded" {
		t.Fatalf("Zoom has last name %q", u.LastName)
	}
	ins := nrIntents(t, e, p.ID, "user.update", email)
	if len(ins) != 1 || !ins[0].Open || !ins[0].Released || ins[0].AuditEvent != nil {
		t.Fatalf("intents after the failed write: %+v", ins)
	}
	if evs := nrEvents(t, e, p.ID, "user.update", email); len(evs) != 0 {
		t.Fatalf("events before the resolver: %+v", evs)
	}

	// The database writes again; the resolver runs as in production.
	lift()
	nrResolve(t, e)
	evs := nrEvents(t, e, p.ID, "user.update", email)
	if len(evs) != 1 {
		t.Fatalf("%d user.update events after the resolver, want 1: %+v", len(evs), evs)
	}
	ev := evs[0]
	if ev.Outcome != store.OutcomeSucceeded || ev.RequestID != reqID || ev.StaffEmail != resSupport || ev.TargetID != memberID ||
		!strings.Contains(string(ev.Details), "Zoom shows the change was made") || !strings.Contains(string(ev.Details), `"last_name":"Unrecorded"`) {
		t.Fatalf("the resolution (page's request %s): %+v %s", reqID, ev, ev.Details)
	}
	ins = nrIntents(t, e, p.ID, "user.update", email)
	if len(ins) != 1 || ins[0].Open || ins[0].Outcome != string(store.OutcomeSucceeded) || ins[0].AuditEvent == nil || *ins[0].AuditEvent != ev.ID {
		t.Fatalf("the intent after the resolver: %+v (event id %d)", ins, ev.ID)
	}
	if d, err := e.Store.CustomerUserByKey(ctx, p.ID, c.ID, memberID); err != nil || d.LastName != "Unrecorded" {
		t.Fatalf("the directory after the resolver: %q %v", d.LastName, err)
	}
	if got := support.get(userPage); got.StatusCode != http.StatusOK || !strings.Contains(got.Body, "Unrecorded") {
		t.Fatalf("the user's page after the resolver: %d", got.StatusCode)
	}

	// A second run finds nothing to do: no event, no change sent.
	zoomBefore := len(e.Sandbox.Requests())
	nrResolve(t, e)
	if evs := nrEvents(t, e, p.ID, "user.update", email); len(evs) != 1 {
		t.Fatalf("%d user.update events after a second run, want 1", len(evs))
	}
	if n, err := e.Store.OpenIntents(ctx, p.ID); err != nil || n != 0 {
		t.Fatalf("%d open intents after a second run (%v)", n, err)
	}
	if n := len(e.Sandbox.Requests()) - zoomBefore; n != 0 {
		t.Fatalf("a second run made %d requests to Zoom", n)
	}
	if patches := e.sandboxRequests(http.MethodPatch, patchPath); len(patches) != 1 {
		t.Fatalf("%d PATCH requests at Zoom in all, want 1", len(patches))
	}
}

// An admin changes a customer's options while the audit write fails after Zoom answered: the
// same page, with a way back to the customer; Zoom has the options (one request); the intent
// is open with no event. The resolver audits the change once, as pending (whether a customer
// change happened is read back from Zoom), closes the intent and expires the cached details,
// so the customer's page shows Zoom's new values; a second run adds nothing.
func TestACustomerChangeWhoseAuditWriteFailsIsShownThenAuditedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner, p, c := contoso(t, e)
	admin := staffBrowser(t, e, owner, "admin@contoso.example", store.RoleAdmin)
	id := c.ZoomAccountID
	customer := e.URL + "/customers/" + url.PathEscape(id)
	if got := admin.get(customer); got.StatusCode != http.StatusOK {
		t.Fatalf("customer page: %d", got.StatusCode)
	}
	before := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id)["options"].(map[string]any)
	on := func(v any) []string {
		if v == true {
			return []string{"1"}
		}
		return nil
	}
	// Room connectors flipped; pay mode as it is (a pay mode change asks to confirm first).
	form := url.Values{"pay_mode": {before["pay_mode"].(string)}, "billing_auto_renew": on(before["billing_auto_renew"]),
		"share_rc": on(before["share_rc"] != true), "share_mc": on(before["share_mc"])}
	e.waitJobsIdle()
	optsPath := "/v2/accounts/" + id + "/options"
	lift := nrFailAudit(t, e, "customer.options", id)

	got := admin.post(customer+"/options", form)
	if got.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("options with the audit write failing: %d %.500s", got.StatusCode, got.Body)
	}
	if title, msg := got.TestID("message-title"), got.TestID("message-text"); title != "Done in Zoom, not yet recorded" ||
		!strings.Contains(msg, "Zoom made this change") || strings.Contains(got.Body, "injected audit failure") {
		t.Fatalf("the page says %q: %q", title, msg)
	}
	if href := got.Doc().Find(`[data-testid="message-action"]`).AttrOr("href", ""); href != "/customers/"+url.PathEscape(id) {
		t.Fatalf("the way back is %q", href)
	}
	reqID := nrRequestID(got)
	if patches := e.sandboxRequests(http.MethodPatch, optsPath); len(patches) != 1 || patches[0].Status != http.StatusNoContent {
		t.Fatalf("PATCH options at Zoom: %+v", patches)
	}
	after := e.zoomGet(t, p.ZoomAccountID, "/accounts/"+id)["options"].(map[string]any)
	if after["share_rc"] == before["share_rc"] || after["share_mc"] != before["share_mc"] || after["pay_mode"] != before["pay_mode"] {
		t.Fatalf("options in Zoom: %v, before %v", after, before)
	}
	ins := nrIntents(t, e, p.ID, "customer.options", id)
	if len(ins) != 1 || !ins[0].Open || !ins[0].Released {
		t.Fatalf("intents after the failed write: %+v", ins)
	}
	if evs := nrEvents(t, e, p.ID, "customer.options", id); len(evs) != 0 {
		t.Fatalf("events before the resolver: %+v", evs)
	}

	lift()
	nrResolve(t, e)
	evs := nrEvents(t, e, p.ID, "customer.options", id)
	if len(evs) != 1 || evs[0].Outcome != store.OutcomePending || evs[0].RequestID != reqID || evs[0].StaffEmail != "admin@contoso.example" ||
		!strings.Contains(string(evs[0].Details), "read back from Zoom") || !strings.Contains(string(evs[0].Details), `"share_rc"`) {
		t.Fatalf("customer.options events after the resolver (page's request %s): %+v", reqID, evs)
	}
	ins = nrIntents(t, e, p.ID, "customer.options", id)
	if len(ins) != 1 || ins[0].Open || ins[0].Outcome != string(store.OutcomePending) || ins[0].AuditEvent == nil || *ins[0].AuditEvent != evs[0].ID {
		t.Fatalf("the intent after the resolver: %+v", ins)
	}
	// The customer's next view reads Zoom's values back.
	yesNo := map[bool]string{true: "yes", false: "no"}
	if opts := cmFacts(admin.get(customer), "options"); cmFact(opts, "Shares room connectors") != yesNo[after["share_rc"] == true] {
		t.Fatalf("options on the page after the resolver: %v; Zoom has %v", opts, after)
	}

	zoomBefore := len(e.sandboxRequests(http.MethodPatch, ""))
	nrResolve(t, e)
	if evs := nrEvents(t, e, p.ID, "customer.options", id); len(evs) != 1 {
		t.Fatalf("%d customer.options events after a second run, want 1", len(evs))
	}
	if n, err := e.Store.OpenIntents(ctx, p.ID); err != nil || n != 0 {
		t.Fatalf("%d open intents after a second run (%v)", n, err)
	}
	if n := len(e.sandboxRequests(http.MethodPatch, "")) - zoomBefore; n != 0 {
		t.Fatalf("a second run sent %d changes to Zoom", n)
	}
}
