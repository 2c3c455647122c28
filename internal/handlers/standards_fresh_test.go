package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// awaitJob waits for River to finish a job of kind that match accepts (by its arguments),
// from events subscribed before the work that queues it began (subscribe first, then act, then
// call it). A job that fails fails the test with River's error.
func awaitJob(t testing.TB, events <-chan *river.Event, kind string, match func(args []byte) bool) *rivertype.JobRow {
	t.Helper()
	timeout := time.After(2 * time.Minute) // only keeps a broken test from hanging
	for {
		select {
		case ev := <-events:
			if ev == nil || ev.Job == nil || ev.Job.Kind != kind || (match != nil && !match(ev.Job.EncodedArgs)) {
				continue
			}
			if ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("job %s %d: %s (%v)", kind, ev.Job.ID, ev.Kind, ev.Job.Errors)
			}
			return ev.Job
		case <-timeout:
			t.Fatalf("job %s did not finish within 2 minutes", kind)
		}
	}
}

// runJob queues args with the portal's River client and waits for it to finish.
func runJob(t testing.TB, e *env, args river.JobArgs) {
	t.Helper()
	events, cancel := e.River.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	res, err := e.River.Insert(context.Background(), args, nil)
	if err != nil {
		t.Fatal(err)
	}
	awaitJob(t, events, args.Kind(), func([]byte) bool { return true })
	_ = res
}

// externalSettingsEvents are the external customer.settings events of a customer, oldest first.
func externalSettingsEvents(t testing.TB, e *env, account string) []map[string]any {
	t.Helper()
	rows, err := e.super().Query(context.Background(), `SELECT details::text FROM audit_events
		WHERE external AND action = 'customer.settings' AND customer_id = $1 ORDER BY id`, account)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// driftCellOf is the drifted (or lock) cell of a customer's row: its state, value and source.
func driftCellOf(p *page, account string) (state, value, source string) {
	p.Doc().Find(`[data-testid="drift-row"]`).Each(func(_ int, row *goquery.Selection) {
		if !strings.Contains(row.Find(`[data-testid="drift-customer"]`).AttrOr("href", ""), account) {
			return
		}
		c := row.Find("td[data-state]").First()
		state = c.AttrOr("data-state", "")
		source = strings.Join(strings.Fields(c.Find(`[data-testid="drift-source"]`).Text()), " ")
		c.Find(`[data-testid="drift-source"]`).Remove()
		value = strings.TrimSpace(c.Text())
	})
	return state, value, source
}

// A standard in report mode over a group of 50 customers (real sub accounts at the sandbox):
// a setting changed in Zoom itself shows as drifted with Zoom's value and "seen in Zoom",
// found by the next steady refresh (no webhook) and by the re-read that follows Zoom's
// account.settings_updated; a change made through Tierdesk is found by the refresh too, but
// adds no external event and shows who made it; the history lists both kinds.
func TestStandardSeesSettingsChangedInZoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if err := e.Sandbox.AddLoad(distOwner, 50, 1); err != nil {
		t.Fatal(err)
	}
	dist, nw := registerNorthwind(t, e)
	if _, err := e.super().Exec(ctx, "UPDATE customers SET tags = ARRAY['fleet'] WHERE partner_id = $1 AND account_name LIKE 'Load Customer %'", nw.ID); err != nil {
		t.Fatal(err)
	}
	tpl, err := e.Store.SaveSettingsTemplate(ctx, nw.ID, store.SettingsTemplate{Name: "Chat on",
		Settings: map[string]map[string]any{"in_meeting": {"chat": true}}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.Store.SaveGroup(ctx, nw.ID, store.Group{Name: "Fleet", Kind: store.GroupByTag, Tag: "fleet"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.Store.SaveStandard(ctx, nw.ID, store.Standard{Name: "Chat everywhere", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardReport}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	reportURL := e.URL + "/standards/" + itoa(st.ID)
	account := func(n int) string {
		c, err := e.Store.Customers(ctx, nw.ID, store.CustomerFilter{PartnerID: nw.ID, Query: fmt.Sprintf("Load Customer %04d", n), Limit: 1})
		if err != nil || len(c.Customers) != 1 {
			t.Fatalf("Load Customer %04d: %v", n, err)
		}
		return c.Customers[0].ZoomAccountID
	}
	inZoom, byTierdesk, byWebhook := account(7), account(8), account(9)

	// The first steady refresh reads every customer (a run at the whole budget, so that the test
	// does not wait for a twentieth of it): 50 compliant, each with when it was read.
	runJob(t, e, jobs.RefreshSettingsArgs{PartnerID: nw.ID, Share: 1})
	report := dist.get(reportURL)
	if n := report.Doc().Find(`[data-testid="drift-row"]`).Length(); n != 50 || report.TestID("drift-compliant") != "50" {
		t.Fatalf("after the first read: %d rows, %q compliant, %q not read", n, report.TestID("drift-compliant"), report.TestID("drift-unread"))
	}
	report.Doc().Find(`[data-testid="drift-read"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Text()) == "—" {
			t.Errorf("a customer read by the refresh shows no read time")
		}
	})
	if got := externalSettingsEvents(t, e, inZoom); len(got) != 0 {
		t.Fatalf("a first read audited %d changes", len(got))
	}

	// Changed in Zoom's own portal (no webhook configured yet), and through Tierdesk.
	if err := e.Sandbox.ChangeSettingsInZoom(inZoom, false, "", map[string]any{"in_meeting": map[string]any{"chat": false}}); err != nil {
		t.Fatal(err)
	}
	if got := dist.post(e.URL+"/customers/"+byTierdesk+"/settings", url.Values{"set.in_meeting.chat": {"false"}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("the change through Tierdesk: %d %.300s", got.StatusCode, got.Body)
	}
	// Nothing has read them since: the report still says compliant for the change made in Zoom.
	if state, _, _ := driftCellOf(dist.get(reportURL), inZoom); state != "compliant" {
		t.Fatalf("before any read, the change made in Zoom shows as %q", state)
	}

	// The next steady refresh reads it: drifted, Zoom's value, seen in Zoom; one external event
	// listing only the changed path.
	runJob(t, e, jobs.RefreshSettingsArgs{PartnerID: nw.ID, Share: 1})
	report = dist.get(reportURL)
	if state, value, source := driftCellOf(report, inZoom); state != "drifted" || value != "Off" || !strings.HasPrefix(source, "seen in Zoom 20") {
		t.Fatalf("the change made in Zoom after the refresh: %q %q %q", state, value, source)
	}
	evs := externalSettingsEvents(t, e, inZoom)
	if len(evs) != 1 || evs[0]["read_by"] != "refresh" || fmt.Sprint(evs[0]["before"]) != "map[in_meeting.chat:true]" || fmt.Sprint(evs[0]["after"]) != "map[in_meeting.chat:false]" {
		t.Fatalf("external events of the change made in Zoom: %v", evs)
	}
	// Tierdesk's own change: drifted too, by whom, and no external event.
	if state, value, source := driftCellOf(report, byTierdesk); state != "drifted" || value != "Off" || !strings.HasPrefix(source, distOwner+" 20") {
		t.Fatalf("Tierdesk's own change: %q %q %q", state, value, source)
	}
	if evs := externalSettingsEvents(t, e, byTierdesk); len(evs) != 0 {
		t.Fatalf("Tierdesk's own change was audited as seen in Zoom: %v", evs)
	}
	if report.TestID("drift-drifted") != "2" {
		t.Fatalf("drifted customers: %q", report.TestID("drift-drifted"))
	}

	// With Zoom's webhook: the change is read again soon after the event, and shows at once.
	if p := dist.post(e.URL+"/settings/webhook", url.Values{"secret_token": {whSecret}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("save the webhook token: %d", p.StatusCode)
	}
	if err := e.Sandbox.SetWebhook(e.URL+"/webhooks/zoom?partner="+itoa(nw.ID), whSecret); err != nil {
		t.Fatal(err)
	}
	events, cancel := e.River.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	if err := e.Sandbox.ChangeSettingsInZoom(byWebhook, false, "", map[string]any{"in_meeting": map[string]any{"chat": false}}); err != nil {
		t.Fatal(err)
	}
	awaitJob(t, events, jobs.ReadSettingsArgs{}.Kind(), nil)
	report = dist.get(reportURL)
	if state, value, source := driftCellOf(report, byWebhook); state != "drifted" || value != "Off" || !strings.HasPrefix(source, "seen in Zoom 20") {
		t.Fatalf("the change made in Zoom after its webhook: %q %q %q", state, value, source)
	}
	// One event for it: the webhook's; the read that followed found the same values.
	if evs := externalSettingsEvents(t, e, byWebhook); len(evs) != 1 || evs[0]["event"] != "account.settings_updated" {
		t.Fatalf("external events of the change seen by the webhook: %v", evs)
	}

	// The history lists the three changes: two seen in Zoom, one by the staff member.
	by := map[string]string{}
	report.Doc().Find(`[data-testid="drift-change"]`).Each(func(_ int, s *goquery.Selection) {
		href := s.Find(`[data-testid="drift-change-customer"]`).AttrOr("href", "")
		for _, a := range []string{inZoom, byTierdesk, byWebhook} {
			if strings.Contains(href, a) {
				by[a] = strings.TrimSpace(s.Find(`[data-testid="drift-change-by"]`).Text()) + " | " + strings.Join(strings.Fields(s.Find(`[data-testid="drift-change-values"]`).Text()), " ")
			}
		}
	})
	if by[inZoom] != "Seen in Zoom | On → Off" || by[byTierdesk] != distOwner+" | On → Off" || !strings.HasPrefix(by[byWebhook], "Seen in Zoom (by ") ||
		!strings.HasSuffix(by[byWebhook], "| On → Off") {
		t.Fatalf("history: %q", by)
	}
}
