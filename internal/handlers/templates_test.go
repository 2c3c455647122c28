package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

func TestSettingsTemplateCopyPreviewAndApply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	// A paid customer (settings need a paid account): the one with the most seats.
	page, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	src, dst := page.Customers[0], page.Customers[1]
	// Copy the source's settings into a template: the form is filled from Zoom.
	form := b.get(e.URL + "/settings/templates/new?from=" + src.ZoomAccountID)
	if form.StatusCode != http.StatusOK || form.Doc().Find(`#t-in_meeting\.chat option[selected]`).AttrOr("value", "") == "" {
		t.Fatalf("copied template form: %d", form.StatusCode)
	}
	// An empty template is refused.
	if got := b.post(e.URL+"/settings/templates", url.Values{"name": {"Nothing"}}); got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-template") == "" {
		t.Fatalf("empty template: %d", got.StatusCode)
	}
	vals := url.Values{"name": {"Locked-down"}, "set.in_meeting.chat": {"false"}, "set.meeting_security.waiting_room": {"true"}, "lock.in_meeting.chat": {"locked"}}
	if got := b.post(e.URL+"/settings/templates", vals); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("save template: %d %.400s", got.StatusCode, got.Body)
	}
	tpls, err := e.Store.SettingsTemplates(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tpls) != 1 || tpls[0].Settings["in_meeting"]["chat"] != false || !tpls[0].Locks["in_meeting"]["chat"] {
		t.Fatalf("stored template: %+v", tpls)
	}
	id := itoa(tpls[0].ID)
	// Preview on the destination: chat on→off and its lock; waiting room may already match.
	preview := b.get(e.URL + "/customers/" + dst.ZoomAccountID + "/settings/template?id=" + id)
	diff := preview.Doc().Find(`[data-testid="diff"]`).Text()
	if !strings.Contains(diff, "Chat") || !strings.Contains(diff, "lock") {
		t.Fatalf("preview: %q %s", diff, preview.TestID("nothing-to-change"))
	}
	if n := len(e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+dst.ZoomAccountID)); n != 0 {
		t.Fatal("the preview changed Zoom")
	}
	if got := b.post(e.URL+"/customers/"+dst.ZoomAccountID+"/settings/template", url.Values{"id": {id}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", got.StatusCode)
	}
	after := b.get(e.URL + "/customers/" + dst.ZoomAccountID + "/settings/template?id=" + id)
	if after.TestID("nothing-to-change") == "" {
		t.Fatalf("after applying, the preview still shows changes: %s", after.Doc().Find(`[data-testid="diff"]`).Text())
	}
	ev, err := e.Store.AuditEvents(ctx, p.ID, store.AuditFilter{Action: "customer.settings.template", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Events) != 1 || ev.Events[0].CustomerID != dst.ZoomAccountID || !strings.Contains(string(ev.Events[0].Details), "Locked-down") {
		t.Fatalf("apply audit: %+v", ev.Events)
	}
}

// Applying a template reads Zoom's values first: when Zoom cannot be reached, or does not
// give a free account's settings, nothing is sent and the refusal is audited; when the
// settings go through and the locks do not, both are recorded as they happened.
func TestApplyTemplateGuardsAndRecordsPartialSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	dst := list.Customers[1]
	vals := url.Values{"name": {"Locked-down"}, "set.in_meeting.chat": {"false"}, "lock.in_meeting.chat": {"locked"}}
	if got := b.post(e.URL+"/settings/templates", vals); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("save template: %d", got.StatusCode)
	}
	tpls, err := e.Store.SettingsTemplates(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(tpls[0].ID)
	apply := func(accountID string) *page {
		return b.post(e.URL+"/customers/"+accountID+"/settings/template", url.Values{"id": {id}})
	}
	patches := func(accountID string) int { return len(e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+accountID)) }
	latest := func() store.AuditEvent {
		evs := auditOf(t, e, p.ID, "customer.settings.template")
		if len(evs) == 0 {
			t.Fatal("no customer.settings.template event")
		}
		return evs[0]
	}

	// Zoom cannot be reached: the stale cache is not used to decide anything.
	b.get(e.URL + "/customers/" + dst.ZoomAccountID + "/settings") // fill the cache
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodGet, Path: "/v2/accounts/*/settings", Status: 503})
	before := patches(dst.ZoomAccountID)
	got := apply(dst.ZoomAccountID)
	if got.StatusCode != http.StatusBadGateway || patches(dst.ZoomAccountID) != before {
		t.Fatalf("apply while Zoom is down: %d, %d changes sent", got.StatusCode, patches(dst.ZoomAccountID)-before)
	}
	if ev := latest(); ev.Outcome != store.OutcomeFailed || ev.CustomerID != dst.ZoomAccountID || !strings.Contains(string(ev.Details), "Locked-down") {
		t.Fatalf("audit while Zoom is down: %+v", ev)
	}
	e.Sandbox.ClearFaults()

	// A free account: Zoom's reason is shown, not "Zoom is not answering".
	free := strings.TrimPrefix(b.post(e.URL+"/customers/quick", newCustomerForm("free@template.example")).location(t), e.URL+"/customers/")
	before = patches(free)
	got = apply(free)
	if got.StatusCode != http.StatusConflict || !strings.Contains(got.Body, "Paid account") || patches(free) != before {
		t.Fatalf("apply to a free account: %d %.400s", got.StatusCode, got.Body)
	}
	if ev := latest(); ev.Outcome != store.OutcomeFailed || ev.CustomerID != free {
		t.Fatalf("audit of a free account: %+v", ev)
	}

	// The settings go through, the locks are refused: one succeeded and one failed event.
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPatch, Path: "/v2/accounts/*/lock_settings", Status: 400, Code: 200, Count: 1})
	got = apply(dst.ZoomAccountID)
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply with refused locks: %d", got.StatusCode)
	}
	if flash := b.get(got.location(t)).Body; !strings.Contains(flash, "The settings were changed in Zoom, but Zoom refused the locks, so they were not changed") {
		t.Fatal("the page does not say that only the locks were refused")
	}
	evs := auditOf(t, e, p.ID, "customer.settings.template")
	if len(evs) < 2 || evs[0].Outcome != store.OutcomeFailed || evs[0].ZoomCode != 200 || !strings.Contains(string(evs[0].Details), "locked.in_meeting.chat") ||
		evs[1].Outcome != store.OutcomeSucceeded || !strings.Contains(string(evs[1].Details), `"in_meeting.chat"`) || strings.Contains(string(evs[1].Details), "locked.") {
		t.Fatalf("audit of the partial change: %+v", evs[:min(2, len(evs))])
	}
	// Applying again sends only the lock that is still missing.
	if got := apply(dst.ZoomAccountID); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply again: %d", got.StatusCode)
	}
	if ev := latest(); ev.Outcome != store.OutcomeSucceeded || strings.Contains(string(ev.Details), `"in_meeting.chat"`) {
		t.Fatalf("audit of the second apply: %+v", ev)
	}
	if after := b.get(e.URL + "/customers/" + dst.ZoomAccountID + "/settings/template?id=" + id); after.TestID("nothing-to-change") == "" {
		t.Fatal("the template still has changes to make")
	}
}

// A template may hold any setting of Zoom's catalogue: one with settings from six sections
// (one nested, one a list, one behind ?option=meeting_security) and a lock is saved, applied
// to a paid customer, and each value reads back from Zoom as the template set it.
func TestTemplateFromSixSectionsAppliesAndReadsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	page, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	dst := page.Customers[0]
	want := map[string]any{
		"schedule_meeting.host_video":                           true,
		"in_meeting.entry_exit_chime":                           "none",
		"meeting_security.waiting_room":                         false,
		"recording.auto_recording":                              "cloud",
		"security.password_requirement.minimum_password_length": 10.0,
		"chat.share_files.restrictions.file_type_restrictions":  []any{".zip", ".pdf"},
	}
	vals := url.Values{"name": {"Six sections"}, "lock.schedule_meeting.host_video": {"locked"},
		"set.chat.share_files.restrictions.file_type_restrictions": {".zip, .pdf"}}
	for k, v := range want {
		if _, list := v.([]any); !list {
			vals.Set("set."+k, fmt.Sprint(v))
		}
	}
	if got := b.post(e.URL+"/settings/templates", vals); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("save template: %d %q %.300s", got.StatusCode, got.TestID("error-template"), got.Body)
	}
	tpls, err := e.Store.SettingsTemplates(ctx, p.ID)
	if err != nil || len(tpls) != 1 {
		t.Fatalf("templates: %+v %v", tpls, err)
	}
	// A value Zoom would not take is refused on its row, with what was typed kept.
	bad := url.Values{"name": {"Bad"}, "set.in_meeting.entry_exit_chime": {"sometimes"}, "set.schedule_meeting.host_video": {"true"}}
	if got := b.post(e.URL+"/settings/templates", bad); got.StatusCode != http.StatusUnprocessableEntity ||
		got.TestID("error-in_meeting.entry_exit_chime") == "" || got.Doc().Find(`#t-schedule_meeting\.host_video option[selected]`).AttrOr("value", "") != "true" {
		t.Fatalf("a template with a value Zoom would not take: %d %q", got.StatusCode, got.TestID("error-in_meeting.entry_exit_chime"))
	}
	if got := b.post(e.URL+"/customers/"+dst.ZoomAccountID+"/settings/template", url.Values{"id": {itoa(tpls[0].ID)}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", got.StatusCode)
	}
	_, plain := umZoom(t, e, p.ZoomAccountID, http.MethodGet, "/accounts/"+dst.ZoomAccountID+"/settings", nil)
	_, ms := umZoom(t, e, p.ZoomAccountID, http.MethodGet, "/accounts/"+dst.ZoomAccountID+"/settings?option=meeting_security", nil)
	_, locks := umZoom(t, e, p.ZoomAccountID, http.MethodGet, "/accounts/"+dst.ZoomAccountID+"/lock_settings", nil)
	for k, v := range want {
		from := plain
		if strings.HasPrefix(k, "meeting_security.") {
			from = ms
		}
		if got, ok := jsonAt(from, k); !ok || fmt.Sprint(got) != fmt.Sprint(v) {
			t.Errorf("%s in Zoom after applying: %v (%v), want %v", k, got, ok, v)
		}
	}
	if got, _ := jsonAt(locks, "schedule_meeting.host_video"); got != true {
		t.Errorf("host video's lock in Zoom after applying: %v", got)
	}
}

// jsonAt reads the value at a dotted path of decoded JSON.
func jsonAt(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, el := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[el]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// A change that takes two PATCHes of settings (the plain ones, then meeting_security with its
// option): when Zoom takes the first and refuses the second, the first is audited as done and
// the second as failed, and the page says which part was not changed.
func TestSettingsChangeAcrossTwoPatchesRecordsEachPart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	list, err := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := list.Customers[0]
	tab := b.get(e.URL + "/customers/" + c.ZoomAccountID + "/settings")
	chat := tab.Doc().Find(`#s-in_meeting\.chat option[selected]`).AttrOr("value", "")
	room := tab.Doc().Find(`#s-meeting_security\.waiting_room option[selected]`).AttrOr("value", "")
	if chat == "" || room == "" {
		t.Fatalf("the tab's chat %q and waiting room %q", chat, room)
	}
	flip := map[string]string{"true": "false", "false": "true"}
	e.Sandbox.AddFault(sandbox.Fault{Method: http.MethodPatch, Path: "/v2/accounts/*/settings", Status: 400, Code: 300, Message: "Invalid field.", After: 1, Count: 1})
	got := b.post(e.URL+"/customers/"+c.ZoomAccountID+"/settings", url.Values{"set.in_meeting.chat": {flip[chat]}, "set.meeting_security.waiting_room": {flip[room]}})
	if got.StatusCode != http.StatusSeeOther {
		t.Fatalf("the change: %d", got.StatusCode)
	}
	if flash := b.get(got.location(t)).Body; !strings.Contains(flash, "The settings were changed in Zoom, but Zoom refused the meeting security settings, so they were not changed") {
		t.Fatalf("the page does not say which part was refused: %q", b.get(got.location(t)).Doc().Find(".flash").Text())
	}
	evs := auditOf(t, e, p.ID, "customer.settings")
	if len(evs) < 2 || evs[0].Outcome != store.OutcomeFailed || !strings.Contains(string(evs[0].Details), "meeting_security.waiting_room") ||
		strings.Contains(string(evs[0].Details), "in_meeting.chat") || evs[1].Outcome != store.OutcomeSucceeded ||
		!strings.Contains(string(evs[1].Details), "in_meeting.chat") || strings.Contains(string(evs[1].Details), "waiting_room") {
		t.Fatalf("audit of the two parts: %+v", evs[:min(2, len(evs))])
	}
	patches := e.sandboxRequests(http.MethodPatch, "/v2/accounts/"+c.ZoomAccountID+"/settings")
	if len(patches) != 2 || patches[0].Status != http.StatusNoContent || patches[1].Query != "option=meeting_security" || patches[1].Status != http.StatusBadRequest {
		t.Fatalf("PATCHes Zoom received: %+v", patches)
	}
}
