package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/store"
)

// acRow is a delegation's row on the access page, by section.
type acRow struct {
	section, direction, text string
	approve, decline, end    string // the buttons' form actions ("" when absent)
}

// acRows reads the access page's rows, section by section.
func acRows(t *testing.T, p *page) []acRow {
	t.Helper()
	if p.StatusCode != http.StatusOK {
		t.Fatalf("access page: %d %.300s", p.StatusCode, p.Body)
	}
	var out []acRow
	for _, sec := range []string{"access-waiting", "access-mine", "access-active", "access-history"} {
		p.Doc().Find(`[data-testid="` + sec + `"] [data-testid="delegation-row"]`).Each(func(_ int, s *goquery.Selection) {
			action := func(id string) string {
				return s.Find(`[data-testid="`+id+`"]`).Closest("form").AttrOr("action", "")
			}
			out = append(out, acRow{section: strings.TrimPrefix(sec, "access-"), direction: s.Find(`[data-testid="delegation-direction"]`).Text(),
				text: strings.Join(strings.Fields(s.Text()), " "), approve: action("approve"), decline: action("decline"), end: action("end")})
		})
	}
	return out
}

// acSetup builds Northwind above Contoso, with an admin at Northwind, and returns Contoso's
// customers' account ids (at least three).
func acSetup(t *testing.T, e *env) (dist, admin, res *browser, nw, contoso store.Partner, accounts []string) {
	t.Helper()
	dist, res = tree(t, e)
	admin = staffBrowser(t, e, dist, distAdmin, store.RoleAdmin)
	nw, contoso = e.partnerOf(distOwner), e.partnerOf(resOwner)
	list, err := e.Store.Customers(context.Background(), contoso.ID, store.CustomerFilter{PartnerID: contoso.ID, Status: store.CustomerActive, Limit: 500})
	if err != nil || len(list.Customers) < 3 {
		t.Fatalf("Contoso's customers: %d %v", len(list.Customers), err)
	}
	for _, c := range list.Customers {
		accounts = append(accounts, c.ZoomAccountID)
	}
	return dist, admin, res, nw, contoso, accounts
}

// acAsk asks, as Northwind's admin, for access to Contoso's customers accounts; it returns
// the delegation's page path.
func acAsk(t *testing.T, e *env, admin *browser, contoso store.Partner, role, duration, unit string, accounts ...string) string {
	t.Helper()
	got := admin.post(e.URL+"/access", url.Values{"side": {"delegate"}, "partner": {itoa(contoso.ID)}, "customers": accounts,
		"role": {role}, "duration": {duration}, "unit": {unit}, "reason": {"Migrating their users to SSO"}})
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask for access: %d %q %.500s", got.StatusCode, got.TestID("delegation-form-error"), got.Body)
	}
	return strings.TrimPrefix(got.location(t), e.URL)
}

// acStatus reads a delegation's status in the database.
func acStatus(t *testing.T, e *env, delegationURL string) string {
	t.Helper()
	var status string
	id := delegationURL[strings.LastIndex(delegationURL, "/")+1:]
	if err := e.super().QueryRow(context.Background(), "SELECT status FROM delegations WHERE id = $1", id).Scan(&status); err != nil {
		t.Fatal(err)
	}
	return status
}

// A distributor's admin asks for access to two of a reseller's customers; the reseller sees it
// waiting; its approval is refused while it has no Server-to-Server app (nothing changes),
// then given; both sides see it active with the time left; the distributor ends it and both
// see it in the history. Every step is in both audit logs and on the delegation's page; a
// sibling reseller and a viewer are refused with a denied event; the dashboard lists what
// waits and what ends soon.
func TestAccessRequestApproveEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dist, admin, res, nw, contoso, accounts := acSetup(t, e)

	// The form lists Contoso's customers for Northwind.
	form := admin.get(e.URL + "/access/new?side=delegate&partner=" + itoa(contoso.ID))
	if form.StatusCode != http.StatusOK {
		t.Fatalf("form: %d", form.StatusCode)
	}
	if n := form.Doc().Find(`[data-testid="delegation-customer-choices"] input[name="customers"]`).Length(); n != len(accounts) {
		t.Errorf("the form offers %d of Contoso's %d customers", n, len(accounts))
	}
	loc := acAsk(t, e, admin, contoso, "support", "2", "days", accounts[0], accounts[1])

	// Contoso sees it waiting, Northwind sees its own request.
	rows := acRows(t, res.get(e.URL+"/access"))
	if len(rows) != 1 || rows[0].section != "waiting" || rows[0].direction != nw.Name+" acts for you" || rows[0].approve == "" ||
		!strings.Contains(rows[0].text, "2 customers") || !strings.Contains(rows[0].text, "Migrating their users to SSO") {
		t.Fatalf("Contoso's access page: %+v", rows)
	}
	if rows := acRows(t, admin.get(e.URL+"/access")); len(rows) != 1 || rows[0].section != "mine" || rows[0].end == "" || rows[0].approve != "" {
		t.Fatalf("Northwind's access page: %+v", rows)
	}
	if d := res.get(e.URL + "/"); !strings.Contains(d.Body, "1 request for delegated access waits for your answer") {
		t.Errorf("Contoso's dashboard does not list the request")
	}

	// Approval without Contoso's Server-to-Server app: refused, nothing changed.
	got := res.post(e.URL+rows[0].approve, nil)
	if got.StatusCode != http.StatusConflict || !strings.Contains(got.TestID("message-text"), contoso.Name+" has no Server-to-Server app") {
		t.Fatalf("approve without the app: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	if s := acStatus(t, e, loc); s != store.DelegationPending {
		t.Fatalf("after the refused approval: %s", s)
	}
	connectS2S(t, e, contoso)
	if got := res.post(e.URL+rows[0].approve, nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	for who, b := range map[string]*browser{"Contoso": res, "Northwind": admin} {
		rows := acRows(t, b.get(e.URL+"/access"))
		want := nw.Name + " acts for you"
		if b == admin {
			want = "You act for " + contoso.Name
		}
		if len(rows) != 1 || rows[0].section != "active" || rows[0].direction != want || !strings.Contains(rows[0].text, "1 day 23 h left") ||
			!strings.Contains(rows[0].text, "Support") || rows[0].end == "" {
			t.Errorf("%s's active delegations: %+v", who, rows)
		}
	}

	// Strangers: a sibling reseller gets 404, a viewer of Northwind 403; each leaves a denied event.
	sib := e.browser()
	sib.signIn(e, fabOwner)
	fab := e.partnerOf(fabOwner)
	before := deniedOf(t, e, fab.ID)
	for _, path := range []string{loc, loc + "/end", "/access/nope", "/access/99999999"} {
		var got *page
		if strings.HasSuffix(path, "/end") {
			got = sib.post(e.URL+path, nil)
		} else {
			got = sib.get(e.URL + path)
		}
		if got.StatusCode != http.StatusNotFound {
			t.Errorf("Fabrikam %s: %d, want 404", path, got.StatusCode)
		}
	}
	if n := deniedOf(t, e, fab.ID) - before; n != 4 {
		t.Errorf("Fabrikam's refusals left %d denied events, want 4", n)
	}
	viewer := staffBrowser(t, e, dist, distViewer, store.RoleViewer)
	before = deniedOf(t, e, nw.ID)
	if got := viewer.post(e.URL+loc+"/end", nil); got.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer ends it: %d", got.StatusCode)
	}
	if got := viewer.post(e.URL+"/access", url.Values{"side": {"delegate"}}); got.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer asks: %d", got.StatusCode)
	}
	if n := deniedOf(t, e, nw.ID) - before; n != 2 {
		t.Errorf("the viewer's refusals left %d denied events, want 2", n)
	}
	if rows := acRows(t, viewer.get(e.URL+"/access")); len(rows) != 1 || rows[0].end != "" {
		t.Errorf("the viewer's access page: %+v", rows)
	}
	if s := acStatus(t, e, loc); s != store.DelegationActive {
		t.Fatalf("after the refusals: %s", s)
	}

	// A short one ending within a day shows on both dashboards.
	short := acAsk(t, e, admin, contoso, "viewer", "12", "hours", accounts[2])
	if got := res.post(e.URL+short+"/approve", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve the short one: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	for _, b := range []*browser{res, admin} {
		if d := b.get(e.URL + "/"); !strings.Contains(d.Body, "1 delegation ends within a day") {
			t.Errorf("a dashboard does not list the delegation ending soon")
		}
	}

	// Northwind ends the first; both see it in the history.
	if got := admin.post(e.URL+loc+"/end", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("end: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	for who, b := range map[string]*browser{"Contoso": res, "Northwind": admin} {
		var found bool
		for _, r := range acRows(t, b.get(e.URL+"/access")) {
			if r.section == "history" && strings.Contains(r.text, "Ended by "+distAdmin) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s's history does not show the end", who)
		}
	}
	if got := res.post(e.URL+loc+"/end", nil); got.StatusCode != http.StatusConflict {
		t.Errorf("ending it again: %d", got.StatusCode)
	}

	// Both logs hold each step, and the page lists them.
	for _, action := range []string{"delegation.request", "delegation.approve", "delegation.end"} {
		for _, p := range []store.Partner{nw, contoso} {
			n := 0
			for _, ev := range auditOf(t, e, p.ID, action) {
				if loc == "/access/"+ev.TargetID {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: %d events in %s's log, want 1", action, n, p.Name)
			}
		}
	}
	detail := res.get(e.URL + loc)
	if n := detail.Doc().Find(`[data-testid="delegation-event"]`).Length(); detail.StatusCode != http.StatusOK || n != 3 {
		t.Errorf("the delegation's page: %d, %d events", detail.StatusCode, n)
	}
	if n := detail.Doc().Find(`[data-testid="delegation-customer"]`).Length(); n != 2 {
		t.Errorf("the delegation's page lists %d customers", n)
	}
	if s := detail.TestID("delegation-status"); s != "Ended" {
		t.Errorf("the delegation's page says %q", s)
	}
}

// A request is declined, another withdrawn, a third lapses after 7 days (and can no longer be
// approved); a refused form keeps what was typed and names the fields; the reseller's own
// request to its distributor needs its Server-to-Server app.
func TestAccessDeclineWithdrawLapseAndErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, admin, res, nw, contoso, accounts := acSetup(t, e)

	// A refused form keeps the input and names each field.
	got := admin.post(e.URL+"/access", url.Values{"side": {"delegate"}, "partner": {itoa(contoso.ID)}, "role": {"support"},
		"duration": {"200"}, "unit": {"days"}, "reason": {""}})
	if got.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad request: %d", got.StatusCode)
	}
	for _, f := range []string{"customers", "duration", "reason"} {
		if got.TestID("error-"+f) == "" {
			t.Errorf("no error for %s", f)
		}
	}
	if v := got.Doc().Find(`#f-duration`).AttrOr("value", ""); v != "200" {
		t.Errorf("the duration kept is %q", v)
	}
	got = admin.post(e.URL+"/access", url.Values{"side": {"delegate"}, "partner": {itoa(contoso.ID)}, "role": {"admin"},
		"duration": {"5"}, "unit": {"hours"}, "reason": {"Keep this reason"}})
	if got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-customers") == "" ||
		got.Doc().Find(`#f-reason`).Text() != "Keep this reason" || got.Doc().Find(`input[name="role"][value="admin"][checked]`).Length() != 1 {
		t.Errorf("the form after a missing customer: %d %q", got.StatusCode, got.TestID("error-customers"))
	}

	// Contoso asks Northwind to help: refused without its app, nothing recorded.
	got = res.post(e.URL+"/access", url.Values{"side": {"owner"}, "kind": {"list"}, "customers": {accounts[0]}, "role": {"viewer"},
		"duration": {"1"}, "unit": {"days"}, "reason": {"Help with the SSO setup"}})
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("delegation-form-error"), contoso.Name+" has no Server-to-Server app") ||
		got.Doc().Find(`input[name="customers"][value="`+accounts[0]+`"][checked]`).Length() != 1 {
		t.Errorf("Contoso asking without its app: %d %q", got.StatusCode, got.TestID("delegation-form-error"))
	}
	var n int
	if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM delegations").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d delegations after refusals (%v)", n, err)
	}

	// Declined.
	declined := acAsk(t, e, admin, contoso, "support", "1", "days", accounts[0])
	if got := res.post(e.URL+declined+"/decline", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	// Withdrawn by the side that asked; the other side cannot withdraw it, nor the asker answer it.
	withdrawn := acAsk(t, e, admin, contoso, "support", "1", "days", accounts[1])
	before := deniedOf(t, e, nw.ID)
	if got := admin.post(e.URL+withdrawn+"/approve", nil); got.StatusCode != http.StatusConflict {
		t.Errorf("the asker approves its own request: %d", got.StatusCode)
	}
	if n := deniedOf(t, e, nw.ID) - before; n != 1 {
		t.Errorf("the asker approving its own request left %d denied events, want 1", n)
	}
	if got := res.post(e.URL+withdrawn+"/end", nil); got.StatusCode != http.StatusConflict {
		t.Errorf("the other side withdraws: %d", got.StatusCode)
	}
	if got := admin.post(e.URL+withdrawn+"/end", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	lapsing := acAsk(t, e, admin, contoso, "viewer", "3", "days", accounts[2])
	for _, p := range []store.Partner{nw, contoso} {
		if len(auditOf(t, e, p.ID, "delegation.decline")) != 1 || len(auditOf(t, e, p.ID, "delegation.end")) != 1 {
			t.Errorf("%s's log misses the decline or the withdrawal", p.Name)
		}
	}

	// With its app, Contoso's own request to Northwind goes through, and Northwind accepts it.
	connectS2S(t, e, contoso)
	got = res.post(e.URL+"/access", url.Values{"side": {"owner"}, "kind": {"list"}, "customers": {accounts[0]}, "role": {"viewer"},
		"duration": {"1"}, "unit": {"days"}, "reason": {"Help with the SSO setup"}})
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("Contoso asks: %d %q", got.StatusCode, got.TestID("delegation-form-error"))
	}
	own := strings.TrimPrefix(got.location(t), e.URL)
	rows := acRows(t, admin.get(e.URL+"/access"))
	if len(rows) == 0 || rows[0].section != "waiting" || rows[0].direction != "You act for "+contoso.Name {
		t.Fatalf("Northwind's access page: %+v", rows)
	}
	if got := admin.post(e.URL+own+"/approve", nil); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("Northwind accepts: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	if s := acStatus(t, e, own); s != store.DelegationActive {
		t.Errorf("Contoso's request after Northwind's acceptance: %s", s)
	}
	// Seven days later (everyone signs in again) the third has lapsed, the accepted one expired.
	e.clock.Advance(store.DelegationLapseAfter + time.Minute)
	res = e.browser()
	res.signIn(e, resOwner)
	want := map[string]string{declined: "Declined", withdrawn: "Withdrawn", lapsing: "Lapsed", own: "Expired"}
	rows = acRows(t, res.get(e.URL+"/access"))
	if len(rows) != 4 {
		t.Fatalf("Contoso's access page after a week: %+v", rows)
	}
	for _, r := range rows {
		if r.section != "history" {
			t.Errorf("still %s: %+v", r.section, r)
		}
	}
	for loc, status := range want {
		if s := res.get(e.URL + loc).TestID("delegation-status"); s != status {
			t.Errorf("%s says %q, want %q", loc, s, status)
		}
	}
	got = res.post(e.URL+lapsing+"/approve", nil)
	if got.StatusCode != http.StatusConflict || !strings.Contains(got.TestID("message-text"), "already answered, withdrawn or has lapsed") {
		t.Errorf("approving the lapsed request: %d %q", got.StatusCode, got.TestID("message-text"))
	}
	if s := acStatus(t, e, lapsing); s != store.DelegationPending {
		t.Errorf("the lapsed request (before the sweep) is %s", s)
	}

}
