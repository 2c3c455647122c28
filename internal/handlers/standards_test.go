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

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
)

// fleetSettings are a cached customer's settings and locks as the drift tests seed them.
func fleetSettings(chat, waitingRoom any, chatLocked bool) (set, lock json.RawMessage) {
	s := map[string]any{"in_meeting": map[string]any{"chat": chat, "polling": true}}
	if waitingRoom != nil {
		s["meeting_security"] = map[string]any{"waiting_room": waitingRoom}
	}
	set, _ = json.Marshal(s)
	lock, _ = json.Marshal(map[string]any{"in_meeting": map[string]any{"chat": chatLocked}})
	return set, lock
}

// loadFleet gives partner p n customers tagged tag (fleet000…), each with cached settings
// from settings(i) (nil: never read). It waits for the start-up syncs first, which would mark
// customers only the database has as gone.
func loadFleet(tb testing.TB, e *env, p store.Partner, n int, tag string, settings func(i int) (set, lock json.RawMessage)) []store.Customer {
	tb.Helper()
	ctx := context.Background()
	tnWaitStartupSync(tb, e)
	now := time.Now()
	var batch []store.SyncedCustomer
	for i := range n {
		batch = append(batch, store.SyncedCustomer{ZoomAccountID: fmt.Sprintf("fleet%04d", i), AccountName: fmt.Sprintf("Fleet %04d", i),
			OwnerEmail: fmt.Sprintf("owner%d@fleet.example", i), AccountType: "Business", Seats: 10})
	}
	if _, err := e.Store.SaveSyncedCustomers(ctx, p.ID, batch, now, ""); err != nil {
		tb.Fatal(err)
	}
	if _, err := e.super().Exec(ctx, "UPDATE customers SET tags = ARRAY[$2::text] WHERE partner_id = $1 AND zoom_account_id LIKE 'fleet%'", p.ID, tag); err != nil {
		tb.Fatal(err)
	}
	var out []store.Customer
	for i := range n {
		c, err := e.Store.CustomerByAccount(ctx, p.ID, fmt.Sprintf("fleet%04d", i))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, c)
		set, lock := settings(i)
		if set == nil {
			continue
		}
		if err := e.Store.SaveCustomerDetails(ctx, p.ID, c.ID, map[string]json.RawMessage{"settings": set, "lock_settings": lock}, nil); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// driftCells are the states of a drift report's row for account, with the cells' text.
func driftCells(p *page, account string) (states, texts []string) {
	p.Doc().Find(`[data-testid="drift-row"]`).Each(func(_ int, row *goquery.Selection) {
		if !strings.Contains(row.Find(`[data-testid="drift-customer"]`).AttrOr("href", ""), account) {
			return
		}
		row.Find("td[data-state]").Each(func(_ int, c *goquery.Selection) {
			states = append(states, c.AttrOr("data-state", ""))
			texts = append(texts, strings.TrimSpace(c.Text()))
		})
	})
	return states, texts
}

func TestStandardDriftReportOverAGroupOf50(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dist, res := tree(t, e)
	ctx := context.Background()
	nw, contoso := e.partnerOf(distOwner), e.partnerOf(resOwner)
	// 50 customers: all as the template wants, but 7 (chat on: drifted), 8 (no waiting room
	// in its settings: missing), 9 (chat unlocked: lock differs) and 10 (never read).
	cs := loadFleet(t, e, nw, 50, "fleet", func(i int) (json.RawMessage, json.RawMessage) {
		switch i {
		case 7:
			return fleetSettings(true, true, true)
		case 8:
			return fleetSettings(false, nil, true)
		case 9:
			return fleetSettings(false, true, false)
		case 10:
			return nil, nil
		}
		return fleetSettings(false, true, true)
	})
	tpl, err := e.Store.SaveSettingsTemplate(ctx, nw.ID, store.SettingsTemplate{Name: "Fleet baseline",
		Settings: map[string]map[string]any{"in_meeting": {"chat": false}, "meeting_security": {"waiting_room": true}},
		Locks:    map[string]map[string]bool{"in_meeting": {"chat": true}}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.Store.SaveGroup(ctx, nw.ID, store.Group{Name: "Fleet", Kind: store.GroupByTag, Tag: "fleet"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}

	// The form: a refusal names its field; a standard is saved and audited as Tierdesk's own.
	if got := dist.post(e.URL+"/standards", url.Values{"name": {""}, "template": {itoa(tpl.ID)}, "group": {"nope"}, "mode": {"report"}}); got.StatusCode != http.StatusUnprocessableEntity ||
		got.TestID("error-name") == "" || got.TestID("error-group") == "" || got.Doc().Find(`#f-template option[selected]`).AttrOr("value", "") != itoa(tpl.ID) {
		t.Fatalf("a refused standard: %d name %q group %q", got.StatusCode, got.TestID("error-name"), got.TestID("error-group"))
	}
	loc := strings.TrimPrefix(dist.post(e.URL+"/standards", url.Values{"name": {"Fleet standard"}, "template": {itoa(tpl.ID)}, "group": {itoa(g.ID)}, "mode": {"report"}}).location(t), e.URL)
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/standards/"), 10, 64)
	if err != nil {
		t.Fatalf("create went to %q", loc)
	}
	events := auditOf(t, e, nw.ID, string(audit.StandardCreate))
	if len(events) != 1 || events[0].Outcome != store.OutcomeSucceeded || events[0].Action.ChangesZoom() {
		t.Fatalf("standard.create events: %+v", events)
	}
	if list := dist.get(e.URL + "/standards"); list.Doc().Find(`[data-testid="standard-row"]`).Length() != 1 || list.TestID("standard-name") != "Fleet standard" {
		t.Fatalf("the list: %.500s", list.Doc().Find("main").Text())
	}

	// The report, from the cache: no request reaches the sandbox.
	calls := len(e.Sandbox.Requests())
	report := dist.get(e.URL + loc)
	if report.StatusCode != http.StatusOK {
		t.Fatalf("report: %d", report.StatusCode)
	}
	if n := len(e.Sandbox.Requests()) - calls; n != 0 {
		t.Errorf("the report made %d requests at Zoom", n)
	}
	if n := report.Doc().Find(`[data-testid="drift-row"]`).Length(); n != 50 {
		t.Fatalf("report rows: %d, want 50", n)
	}
	if cols := report.Doc().Find(`[data-testid="drift-col"]`).Length(); cols != 3 {
		t.Errorf("columns: %d, want chat, its lock and the waiting room", cols)
	}
	for id, want := range map[string]string{"drift-customers": "50", "drift-compliant": "46", "drift-drifted": "2", "drift-missing": "1", "drift-unread": "1"} {
		if got := report.TestID(id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	check := func(i int, wantStates, wantTexts string) {
		t.Helper()
		states, texts := driftCells(report, cs[i].ZoomAccountID)
		if strings.Join(states, ",") != wantStates || (wantTexts != "" && strings.Join(texts, "|") != wantTexts) {
			t.Errorf("customer %d: %v %q, want %s %s", i, states, texts, wantStates, wantTexts)
		}
	}
	// Columns in the catalogue's order: chat, chat's lock, waiting room.
	check(0, "compliant,compliant,compliant", "")
	check(7, "drifted,compliant,compliant", "On|✓compliant|✓compliant")
	check(8, "compliant,compliant,missing", "")
	check(9, "compliant,lock,compliant", "✓compliant|unlocked|✓compliant")
	check(10, "unread,unread,unread", "")
	if counts := report.Doc().Find(`[data-testid="drift-col-count"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() }); strings.Join(counts, "|") != "1 drifted|1 drifted|0 drifted" {
		t.Errorf("per-setting counts: %q", counts)
	}

	// A setting changed at Zoom reaches the cache (as the next refresh would): drifted, with
	// the new value.
	set, lock := fleetSettings(false, false, true)
	if err := e.Store.SaveCustomerDetails(ctx, nw.ID, cs[20].ID, map[string]json.RawMessage{"settings": set, "lock_settings": lock}, nil); err != nil {
		t.Fatal(err)
	}
	report = dist.get(e.URL + loc)
	check(20, "compliant,compliant,drifted", "✓compliant|✓compliant|Off")
	if got := report.TestID("drift-drifted"); got != "3" {
		t.Errorf("drifted after the change: %q", got)
	}

	// Only drifted: customers 7, 9 and 20, each with its count.
	only := dist.get(e.URL + loc + "?only=drifted")
	var names []string
	only.Doc().Find(`[data-testid="drift-customer"]`).Each(func(_ int, s *goquery.Selection) { names = append(names, s.Text()) })
	if strings.Join(names, ",") != "Fleet 0007,Fleet 0009,Fleet 0020" {
		t.Errorf("only drifted: %q", names)
	}
	if counts := only.Doc().Find(`[data-testid="drift-row-count"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() }); strings.Join(counts, ",") != "1,1,1" {
		t.Errorf("per-customer counts: %q", counts)
	}

	// CSV: a row per customer and setting.
	rows, err := csv.NewReader(strings.NewReader(dist.get(e.URL + loc + "?format=csv").Body)).ReadAll()
	if err != nil || len(rows) != 1+50*3 || rows[0][5] != "state" {
		t.Fatalf("CSV: %d rows %v", len(rows), err)
	}
	found := false
	for _, r := range rows {
		if r[0] == cs[7].ZoomAccountID && r[5] == "drifted" {
			found = r[6] == "Off" && r[7] == "On" && r[2] != ""
		}
		if r[0] == cs[10].ZoomAccountID && (r[5] != "not read" || r[2] != "") {
			t.Errorf("CSV of a customer never read: %q", r)
		}
	}
	if !found {
		t.Errorf("CSV: no drifted row for customer 7 with Off → On")
	}
	if rows, _ := csv.NewReader(strings.NewReader(dist.get(e.URL + loc + "?format=csv&only=drifted").Body)).ReadAll(); len(rows) != 1+3*3 {
		t.Errorf("CSV of the drifted: %d rows", len(rows))
	}

	// A template or group in use is not deleted: the page names the standard, and the refusal
	// is audited as failed.
	for _, try := range []struct{ path, action, back string }{
		{"/groups/" + itoa(g.ID) + "/delete", "group.delete", "/groups/" + itoa(g.ID) + "/edit"},
		{"/settings/templates/" + itoa(tpl.ID) + "/delete", "settings_template.delete", "/settings/templates/" + itoa(tpl.ID)},
	} {
		got := dist.post(e.URL+try.path, nil)
		if got.StatusCode != http.StatusSeeOther || got.location(t) != e.URL+try.back ||
			!strings.Contains(dist.get(got.location(t)).Body, "is used by 1 standard: Fleet standard. Change or delete it first.") {
			t.Errorf("POST %s: %d to %s", try.path, got.StatusCode, got.Header.Get("Location"))
		}
		if evs := auditOf(t, e, nw.ID, try.action); len(evs) == 0 || evs[0].Outcome != store.OutcomeFailed || !strings.Contains(string(evs[0].Details), "Fleet standard") {
			t.Errorf("%s: the refusal is not audited: %+v", try.action, evs)
		}
	}
	if _, err := e.Store.Group(ctx, nw.ID, g.ID); err != nil {
		t.Errorf("a group a standard uses was deleted: %v", err)
	}
	if _, err := e.Store.SettingsTemplateByID(ctx, nw.ID, tpl.ID); err != nil {
		t.Errorf("a template a standard uses was deleted: %v", err)
	}

	// A viewer reads the list and the report, and changes nothing.
	invite(t, e, dist, "viewer@northwind.example", store.RoleViewer)
	viewer := e.browser()
	viewer.signIn(e, "viewer@northwind.example")
	if got := viewer.get(e.URL + "/standards"); got.StatusCode != http.StatusOK || got.Doc().Find(`[data-testid="new-standard"]`).Length() != 0 {
		t.Errorf("the viewer's list: %d", got.StatusCode)
	}
	if got := viewer.get(e.URL + loc); got.StatusCode != http.StatusOK || got.Doc().Find(`[data-testid="edit-standard"]`).Length() != 0 ||
		got.Doc().Find(`[data-testid="drift-row"]`).Length() != 50 {
		t.Errorf("the viewer's report: %d", got.StatusCode)
	}
	for _, try := range []struct{ method, path string }{{"GET", "/standards/new"}, {"POST", "/standards"}, {"GET", loc + "/edit"},
		{"POST", loc}, {"POST", loc + "/delete"}} {
		var got *page
		if try.method == "GET" {
			got = viewer.get(e.URL + try.path)
		} else {
			got = viewer.post(e.URL+try.path, url.Values{"name": {"Hijack"}, "template": {itoa(tpl.ID)}, "group": {itoa(g.ID)}, "mode": {"report"}})
		}
		if got.StatusCode != http.StatusForbidden {
			t.Errorf("viewer %s %s: %d", try.method, try.path, got.StatusCode)
		}
	}

	// Another partner: 404 with a denied event, for the report, its CSV and every change.
	for _, path := range []string{loc, loc + "?format=csv", loc + "/edit"} {
		before := deniedOf(t, e, contoso.ID)
		if got := res.get(e.URL + path); got.StatusCode != http.StatusNotFound {
			t.Errorf("Contoso opening %s: %d", path, got.StatusCode)
		}
		if n := deniedOf(t, e, contoso.ID) - before; n != 1 {
			t.Errorf("Contoso opening %s left %d denied events", path, n)
		}
	}
	before := deniedOf(t, e, contoso.ID)
	if got := res.post(e.URL+loc+"/delete", nil); got.StatusCode != http.StatusNotFound || deniedOf(t, e, contoso.ID)-before != 1 {
		t.Errorf("Contoso deleting Northwind's standard: %d", got.StatusCode)
	}
	if got := res.get(e.URL + "/standards"); got.Doc().Find(`[data-testid="standard-row"]`).Length() != 0 {
		t.Errorf("Contoso lists Northwind's standards")
	}

	// Edit, then delete: audited; the template and group stay.
	if got := dist.get(e.URL + loc + "/edit"); got.Doc().Find("#f-name").AttrOr("value", "") != "Fleet standard" {
		t.Errorf("the edit form: %d", got.StatusCode)
	}
	dist.post(e.URL+loc, url.Values{"name": {"Fleet standard"}, "template": {itoa(tpl.ID)}, "group": {itoa(g.ID)}, "mode": {"enforce"}})
	if st, err := e.Store.Standard(ctx, nw.ID, id); err != nil || st.Mode != store.StandardEnforce {
		t.Errorf("after the edit: %+v %v", st, err)
	}
	if got := dist.post(e.URL+loc+"/delete", nil).location(t); got != e.URL+"/standards" {
		t.Errorf("delete went to %q", got)
	}
	if n := len(auditOf(t, e, nw.ID, string(audit.StandardUpdate))) + len(auditOf(t, e, nw.ID, string(audit.StandardDelete))); n != 2 {
		t.Errorf("update and delete events: %d", n)
	}
	if got := dist.get(e.URL + loc); got.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted standard: %d", got.StatusCode)
	}
}
