package handlers_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
)

// postHX posts a form as htmx does.
func postHX(b *browser, u string, form url.Values) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	return b.do(req)
}

// ownCustomers are partnerID's own active customers, by name.
func ownCustomers(t *testing.T, e *env, partnerID int64) []store.Customer {
	t.Helper()
	page, err := e.Store.Customers(context.Background(), partnerID, store.CustomerFilter{PartnerID: partnerID, Status: store.CustomerActive})
	if err != nil || len(page.Customers) < 3 {
		t.Fatalf("customers of %d: %d %v", partnerID, len(page.Customers), err)
	}
	return page.Customers
}

// listedAccounts are the account ids a customer list page shows.
func listedAccounts(p *page) []string {
	var out []string
	p.Doc().Find(`[data-testid="customer-row"] td.col-id code`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	slices.Sort(out)
	return out
}

func deniedOf(t *testing.T, e *env, partnerID int64) int {
	t.Helper()
	page, err := e.Store.AuditEvents(context.Background(), partnerID, store.AuditFilter{Outcome: store.OutcomeDenied, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Events)
}

func TestCustomerTagsFormBadgesAndListFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, p := registerNorthwind(t, e)
	cs := ownCustomers(t, e, p.ID)
	c, other := cs[0], cs[1]
	tagsURL := e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID) + "/tags"

	// htmx: the panel comes back in place, normalized.
	got := postHX(b, tagsURL, url.Values{"tags": {"Healthcare, North  America, healthcare"}})
	if got.StatusCode != http.StatusOK || strings.Contains(got.Body, "<html") || !strings.Contains(got.Body, "Saved.") {
		t.Fatalf("htmx save: %d %.300s", got.StatusCode, got.Body)
	}
	if tags := got.Doc().Find(`[data-testid="tag"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() }); strings.Join(tags, ",") != "healthcare,north-america" {
		t.Fatalf("tags shown: %q", tags)
	}
	// Refused: the panel keeps what was typed and says why, on the field.
	got = postHX(b, tagsURL, url.Values{"tags": {"vip, a/b"}})
	if got.Doc().Find("#t-tags").AttrOr("value", "") != "vip, a/b" || !strings.Contains(got.TestID("error-tags"), "“a/b”") {
		t.Fatalf("refused tags: input %q, error %q", got.Doc().Find("#t-tags").AttrOr("value", ""), got.TestID("error-tags"))
	}
	// Without JavaScript: add and remove one, back to the page.
	if loc := b.post(tagsURL, url.Values{"add": {"VIP"}}).location(t); !strings.HasSuffix(loc, url.PathEscape(c.ZoomAccountID)) {
		t.Fatalf("plain add went to %s", loc)
	}
	b.post(tagsURL, url.Values{"remove": {"north-america"}})
	b.post(e.URL+"/customers/"+url.PathEscape(other.ZoomAccountID)+"/tags", url.Values{"tags": {"eu"}})
	view := b.get(e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID))
	if tags := view.Doc().Find(`#customer-tags [data-testid="tag"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() }); strings.Join(tags, ",") != "healthcare,vip" {
		t.Fatalf("tags on the page: %q", tags)
	}
	events := auditOf(t, e, p.ID, string(audit.CustomerTags))
	if len(events) != 4 || events[0].Outcome != store.OutcomeSucceeded {
		t.Fatalf("tag events: %d, want 4 (the refusal changed nothing)", len(events))
	}

	// The list by tag: only that customer, with its badges; the tag menu offers both.
	list := b.get(e.URL + "/customers?tag=VIP")
	if got := listedAccounts(list); len(got) != 1 || got[0] != c.ZoomAccountID {
		t.Fatalf("the list by tag vip: %v", got)
	}
	if list.Doc().Find(`[data-testid="customer-row"] [data-testid="tag-badges"] .tag`).Length() != 2 {
		t.Errorf("badges in the row: %.500s", list.Doc().Find(`[data-testid="customer-row"]`).Text())
	}
	if sel := list.Doc().Find(`#c-tag option[selected]`).AttrOr("value", ""); sel != "vip" {
		t.Errorf("the tag menu selects %q", sel)
	}
	if href := list.Doc().Find(`[data-testid="export"]`).AttrOr("href", ""); !strings.Contains(href, "tag=VIP") {
		t.Errorf("the export link drops the tag: %q", href)
	}
	// "Save this filter as a group" fills the new group's form: a tag group here, a filter group
	// for the list's other filters.
	href := list.Doc().Find(`[data-testid="save-as-group"]`).AttrOr("href", "")
	if form := b.get(e.URL + href); form.Doc().Find("#f-tag").AttrOr("value", "") != "vip" || form.Doc().Find(`[data-testid="kind-tag"][checked]`).Length() != 1 {
		t.Errorf("save as group (%s): tag %q", href, form.Doc().Find("#f-tag").AttrOr("value", ""))
	}
	byPlan := b.get(e.URL + "/customers?plan=" + url.QueryEscape(c.AccountType) + "&seats=near")
	href = byPlan.Doc().Find(`[data-testid="save-as-group"]`).AttrOr("href", "")
	if form := b.get(e.URL + href); form.Doc().Find(`[data-testid="kind-filter"][checked]`).Length() != 1 ||
		form.Doc().Find(`#f-plan option[selected]`).AttrOr("value", "") != c.AccountType || form.Doc().Find(`#f-seats option[selected]`).AttrOr("value", "") != "near" {
		t.Errorf("save the plan filter as a group (%s): %.300s", href, form.Doc().Find("form").Text())
	}
	// The CSV has the filter and a Tags column.
	rows, err := csv.NewReader(strings.NewReader(b.get(e.URL + "/customers.csv?tag=vip").Body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][len(rows[0])-1] != "tags" || rows[1][0] != c.ZoomAccountID || rows[1][len(rows[1])-1] != "healthcare, vip" {
		t.Fatalf("CSV by tag: %q %v", rows, err)
	}

	// A viewer sees the tags and cannot change them.
	invite(t, e, b, "viewer@northwind.example", store.RoleViewer)
	viewer := e.browser()
	viewer.signIn(e, "viewer@northwind.example")
	if v := viewer.get(e.URL + "/customers/" + url.PathEscape(c.ZoomAccountID)); v.Doc().Find("#t-tags").Length() != 0 || v.Doc().Find(`#customer-tags [data-testid="tag"]`).Length() != 2 {
		t.Errorf("the viewer's tags panel: %.500s", v.Doc().Find("#customer-tags").Text())
	}
	if got := viewer.post(tagsURL, url.Values{"tags": {"hijack"}}); got.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer changing tags: %d", got.StatusCode)
	}
	if now, _ := e.Store.CustomerByAccount(context.Background(), p.ID, c.ZoomAccountID); strings.Join(now.Tags, ",") != "healthcare,vip" {
		t.Errorf("tags after the viewer's try: %q", now.Tags)
	}
}

func TestGroupsFormsPagesListFilterAndExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dist, res := tree(t, e)
	ctx := context.Background()
	nw, contoso := e.partnerOf(distOwner), e.partnerOf(resOwner)
	cs := ownCustomers(t, e, nw.ID)
	if _, err := e.Store.SetCustomerTags(ctx, nw.ID, cs[0].ID, []string{"healthcare"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}

	// A refused form keeps what was typed and names the field.
	got := dist.post(e.URL+"/groups", url.Values{"name": {"  "}, "kind": {"tag"}, "tag": {"a/b"}, "accounts": {"kept-too"}})
	if got.StatusCode != http.StatusUnprocessableEntity || got.TestID("error-name") == "" || !strings.Contains(got.TestID("error-tag"), "“a/b”") ||
		got.Doc().Find("#f-tag").AttrOr("value", "") != "a/b" || strings.TrimSpace(got.Doc().Find("#f-accounts").Text()) != "kept-too" ||
		got.Doc().Find(`[data-testid="kind-tag"][checked]`).Length() != 1 {
		t.Fatalf("refused group: %d name %q tag %q", got.StatusCode, got.TestID("error-name"), got.TestID("error-tag"))
	}
	got = dist.post(e.URL+"/groups", url.Values{"name": {"Picked"}, "kind": {"list"}, "accounts": {cs[1].ZoomAccountID + "\nnot-a-customer"}})
	if got.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got.TestID("error-accounts"), "not-a-customer") {
		t.Fatalf("a list with an unknown account: %d %q", got.StatusCode, got.TestID("error-accounts"))
	}

	create := func(form url.Values) int64 {
		t.Helper()
		got := dist.post(e.URL+"/groups", form)
		loc := strings.TrimPrefix(got.location(t), e.URL)
		id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/groups/"), 10, 64)
		if err != nil {
			t.Fatalf("create %v went to %q", form, loc)
		}
		return id
	}
	tagGroup := create(url.Values{"name": {"Healthcare"}, "kind": {"tag"}, "tag": {"Healthcare"}})
	tier := create(url.Values{"name": {"Contoso's"}, "kind": {"tier"}, "tier": {itoa(contoso.ID)}})
	picked := create(url.Values{"name": {"Picked"}, "kind": {"list"}, "accounts": {cs[1].ZoomAccountID + ", " + cs[2].ZoomAccountID}})
	if n := len(auditOf(t, e, nw.ID, string(audit.GroupCreate))); n != 3 {
		t.Errorf("group.create events: %d", n)
	}
	if log := dist.get(e.URL + "/audit?action=" + string(audit.GroupCreate)); !strings.Contains(log.Body, "Created a customer group") || !strings.Contains(log.Body, "Customer group") ||
		!strings.Contains(log.Body, "Contoso&#39;s") {
		t.Errorf("the audit log's group events: %.500s", log.Doc().Find("main").Text())
	}

	// The list of groups counts the members now; a customer tagged later counts at once.
	if _, err := e.Store.SetCustomerTags(ctx, nw.ID, cs[3].ID, []string{"healthcare"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	contosoCustomers, err := e.Store.Customers(ctx, contoso.ID, store.CustomerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	groups := dist.get(e.URL + "/groups")
	counts := groups.Doc().Find(`[data-testid="group-members"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	// By name: Contoso's, Healthcare, Picked.
	if strings.Join(counts, "|") != strconv.Itoa(len(contosoCustomers.Customers))+" customers|2 customers|2 customers" {
		t.Errorf("member counts: %q", counts)
	}

	// A group's page lists its members.
	gp := dist.get(e.URL + "/groups/" + itoa(tagGroup))
	if gp.StatusCode != http.StatusOK || gp.Doc().Find(`[data-testid="group-member"]`).Length() != 2 || gp.TestID("group-count") != "2 customers" {
		t.Fatalf("the tag group's page: %d %q", gp.StatusCode, gp.TestID("group-count"))
	}
	// The list filtered by a group: its members, the menu and the links keep the group.
	list := dist.get(e.URL + "/customers?group=" + itoa(picked))
	if got := listedAccounts(list); !slices.Equal(got, sorted(cs[1].ZoomAccountID, cs[2].ZoomAccountID)) {
		t.Errorf("the list by the picked group: %v", got)
	}
	if sel := list.Doc().Find(`#c-group option[selected]`).AttrOr("value", ""); sel != itoa(picked) {
		t.Errorf("the group menu selects %q", sel)
	}
	if href := list.Doc().Find(`[data-testid="export"]`).AttrOr("href", ""); !strings.Contains(href, "group="+itoa(picked)) {
		t.Errorf("the export link drops the group: %q", href)
	}
	tierList := dist.get(e.URL + "/customers?group=" + itoa(tier) + "&sort=newest")
	if n := len(listedAccounts(tierList)); n != len(contosoCustomers.Customers) || tierList.Doc().Find(`[data-testid="read-only"]`).Length() != n {
		t.Errorf("the tier group lists %d customers, want Contoso's %d, read only", n, len(contosoCustomers.Customers))
	}
	// And the CSV export honours it.
	rows, err := csv.NewReader(strings.NewReader(dist.get(e.URL + "/customers.csv?group=" + itoa(tagGroup)).Body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][len(rows[0])-1] != "tags" || rows[1][len(rows[1])-1] != "healthcare" {
		t.Fatalf("CSV of the tag group: %q %v", rows, err)
	}

	// Edit: the form holds the rule; a change is saved and audited.
	edit := dist.get(e.URL + "/groups/" + itoa(picked) + "/edit")
	if edit.StatusCode != http.StatusOK || !strings.Contains(edit.Doc().Find("#f-accounts").Text(), cs[1].ZoomAccountID) {
		t.Fatalf("edit form: %d", edit.StatusCode)
	}
	if loc := dist.post(e.URL+"/groups/"+itoa(picked), url.Values{"name": {"Picked"}, "kind": {"list"}, "accounts": {cs[1].ZoomAccountID}}).location(t); loc != e.URL+"/groups/"+itoa(picked) {
		t.Fatalf("update went to %q", loc)
	}
	if got := listedAccounts(dist.get(e.URL + "/customers?group=" + itoa(picked))); !slices.Equal(got, []string{cs[1].ZoomAccountID}) {
		t.Errorf("after the edit: %v", got)
	}

	// Another partner: every group route is 404 with a denied event, and so is the filter.
	for _, path := range []string{"/groups/" + itoa(picked), "/groups/" + itoa(picked) + "/edit", "/customers?group=" + itoa(picked), "/customers.csv?group=" + itoa(picked)} {
		before := deniedOf(t, e, contoso.ID)
		if got := res.get(e.URL + path); got.StatusCode != http.StatusNotFound {
			t.Errorf("Contoso opening %s: %d", path, got.StatusCode)
		}
		if n := deniedOf(t, e, contoso.ID) - before; n != 1 {
			t.Errorf("Contoso opening %s left %d denied events", path, n)
		}
	}
	before := deniedOf(t, e, contoso.ID)
	if got := res.post(e.URL+"/groups/"+itoa(picked)+"/delete", nil); got.StatusCode != http.StatusNotFound || deniedOf(t, e, contoso.ID)-before != 1 {
		t.Errorf("Contoso deleting Northwind's group: %d", got.StatusCode)
	}
	if gs := res.get(e.URL + "/groups"); gs.Doc().Find(`[data-testid="group-row"]`).Length() != 0 {
		t.Errorf("Contoso lists Northwind's groups")
	}

	// A viewer reads groups and cannot change them.
	invite(t, e, dist, "viewer@northwind.example", store.RoleViewer)
	viewer := e.browser()
	viewer.signIn(e, "viewer@northwind.example")
	if got := viewer.get(e.URL + "/groups"); got.StatusCode != http.StatusOK || got.Doc().Find(`[data-testid="new-group"]`).Length() != 0 {
		t.Errorf("the viewer's groups page: %d", got.StatusCode)
	}
	if got := viewer.get(e.URL + "/groups/" + itoa(picked)); got.StatusCode != http.StatusOK || got.Doc().Find(`[data-testid="edit-group"]`).Length() != 0 {
		t.Errorf("the viewer's group page: %d", got.StatusCode)
	}
	for _, try := range []struct{ method, path string }{{"GET", "/groups/new"}, {"POST", "/groups"}, {"GET", "/groups/" + itoa(picked) + "/edit"},
		{"POST", "/groups/" + itoa(picked)}, {"POST", "/groups/" + itoa(picked) + "/delete"}} {
		var got *page
		if try.method == "GET" {
			got = viewer.get(e.URL + try.path)
		} else {
			got = viewer.post(e.URL+try.path, url.Values{"name": {"Hijack"}, "kind": {"tag"}, "tag": {"x"}})
		}
		if got.StatusCode != http.StatusForbidden {
			t.Errorf("viewer %s %s: %d", try.method, try.path, got.StatusCode)
		}
	}

	// Delete: gone, audited, customers unchanged.
	if loc := dist.post(e.URL+"/groups/"+itoa(tagGroup)+"/delete", nil).location(t); loc != e.URL+"/groups" {
		t.Fatalf("delete went to %q", loc)
	}
	if got := dist.get(e.URL + "/groups/" + itoa(tagGroup)); got.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted group: %d", got.StatusCode)
	}
	if n := len(auditOf(t, e, nw.ID, string(audit.GroupDelete))); n != 1 {
		t.Errorf("group.delete events: %d", n)
	}
	if c, _ := e.Store.CustomerByAccount(ctx, nw.ID, cs[0].ZoomAccountID); !slices.Equal(c.Tags, []string{"healthcare"}) {
		t.Errorf("the customer's tags after the group's deletion: %q", c.Tags)
	}
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}
