package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
)

func TestSettingsTemplateCopyPreviewAndApply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	ctx := context.Background()
	// A paid customer (settings need a paid account): the one with the most seats.
	page, _ := e.Store.Customers(ctx, p.ID, store.CustomerFilter{PartnerID: p.ID, Sort: store.SortSeats, Limit: 2})
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
	vals := url.Values{"name": {"Locked-down"}, "set.in_meeting.chat": {"false"}, "set.in_meeting.waiting_room": {"true"}, "lock.in_meeting.chat": {"locked"}}
	if got := b.post(e.URL+"/settings/templates", vals); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("save template: %d %.400s", got.StatusCode, got.Body)
	}
	tpls, _ := e.Store.SettingsTemplates(ctx, p.ID)
	if len(tpls) != 1 || tpls[0].Settings["in_meeting"]["chat"] != false || !tpls[0].Locks["in_meeting"]["chat"] {
		t.Fatalf("stored template: %+v", tpls)
	}
	id := itoa(tpls[0].ID)
	// Preview on the destination: chat on→off and its lock; waiting room may already match.
	preview := b.get(e.URL + "/customers/" + dst.ZoomAccountID + "/settings/template?id=" + id)
	diff := preview.Doc().Find(`[data-testid="diff"]`).Text()
	if !strings.Contains(diff, "In-meeting chat") || !strings.Contains(diff, "lock") {
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
	ev, _ := e.Store.AuditEvents(ctx, p.ID, store.AuditFilter{Action: "customer.settings.template", Limit: 1})
	if len(ev.Events) != 1 || ev.Events[0].CustomerID != dst.ZoomAccountID || !strings.Contains(string(ev.Events[0].Details), "Locked-down") {
		t.Fatalf("apply audit: %+v", ev.Events)
	}
}
