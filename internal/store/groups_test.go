package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

func TestNormalizeTags(t *testing.T) {
	t.Parallel()
	got, err := store.NormalizeTags([]string{" VIP ", "North  America", "vip", "", "eu"})
	if err != nil || strings.Join(got, ",") != "eu,north-america,vip" {
		t.Fatalf("normalized %q, %v; want eu,north-america,vip", got, err)
	}
	for _, tc := range []struct {
		tags []string
		want string
	}{
		{[]string{strings.Repeat("x", store.MaxTagLength+1)}, "at most 30"},
		{[]string{"a/b"}, "holds “/”"},
		{func() []string {
			var many []string
			for i := range store.MaxTags + 1 {
				many = append(many, "t"+string(rune('a'+i)))
			}
			return many
		}(), "at most 20"},
	} {
		if _, err := store.NormalizeTags(tc.tags); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want a refusal saying %q", tc.tags, err, tc.want)
		}
	}
}

// customerNamed finds a customer in reach of partnerID by account id.
func customerNamed(t *testing.T, st *store.Store, partnerID int64, account string) store.Customer {
	t.Helper()
	c, err := st.CustomerByAccount(context.Background(), partnerID, account)
	if err != nil {
		t.Fatalf("customer %s: %v", account, err)
	}
	return c
}

// accountsOf lists the account ids of the customers of f in reach of partnerID.
func accountsOf(t *testing.T, st *store.Store, partnerID int64, f store.CustomerFilter) string {
	t.Helper()
	page, err := st.Customers(context.Background(), partnerID, f)
	if err != nil {
		t.Fatalf("customers of %+v: %v", f, err)
	}
	var out []string
	for _, c := range page.Customers {
		out = append(out, c.ZoomAccountID)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

func TestCustomerTagsAreNormalizedAuditedAndFilter(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, _ := threeTiers(t, st)
	d1 := customerNamed(t, st, dist.ID, "c-d1")
	c, err := st.SetCustomerTags(ctx, dist.ID, d1.ID, []string{"Healthcare", " eu "}, store.AuditEvent{})
	if err != nil || strings.Join(c.Tags, ",") != "eu,healthcare" {
		t.Fatalf("tags saved: %q %v", c.Tags, err)
	}
	// The same tags again change nothing and record nothing.
	if _, err := st.SetCustomerTags(ctx, dist.ID, d1.ID, []string{"EU", "healthcare"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	page, err := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: string(audit.CustomerTags)})
	if err != nil || len(page.Events) != 1 || !strings.Contains(string(page.Events[0].Details), `"after":{"tags":["eu","healthcare"]}`) {
		t.Fatalf("tag events: %+v %v", page.Events, err)
	}
	if audit.CustomerTags.ChangesZoom() {
		t.Error("a tag change is Tierdesk's own record, not a change at Zoom")
	}
	// Refused: too many, said on the field.
	var verr *store.ValidationError
	if _, err := st.SetCustomerTags(ctx, dist.ID, d1.ID, []string{"a b c/d"}, store.AuditEvent{}); !errors.As(err, &verr) || verr.Fields["tags"] == "" {
		t.Fatalf("a refused tag: %v", err)
	}
	// The distributor reads its reseller's customers but may not tag them.
	r1 := customerNamed(t, st, dist.ID, "c-r1")
	if _, err := st.SetCustomerTags(ctx, dist.ID, r1.ID, []string{"vip"}, store.AuditEvent{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the distributor tagging its reseller's customer: %v, want not found", err)
	}
	if _, err := st.SetCustomerTags(ctx, res.ID, r1.ID, []string{"vip"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if got := accountsOf(t, st, dist.ID, store.CustomerFilter{Tag: "eu"}); got != "c-d1" {
		t.Errorf("the list by tag eu: %q", got)
	}
	tags, err := st.CustomerTags(ctx, dist.ID)
	if err != nil || len(tags) != 3 || tags[0] != (store.TagCount{Tag: "eu", Customers: 1}) {
		t.Fatalf("tags in the distributor's reach: %+v %v", tags, err)
	}
}

func TestGroupMembershipOfEachKindIsEvaluatedOnUse(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, other := threeTiers(t, st)
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, []store.SyncedCustomer{
		{ZoomAccountID: "c-d2", AccountName: "D2 Clinic", AccountType: "Pro"},
		{ZoomAccountID: "c-d3", AccountName: "D3 Shop", AccountType: "Business"}}, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	save := func(g store.Group) store.Group {
		t.Helper()
		out, err := st.SaveGroup(ctx, dist.ID, g, store.AuditEvent{})
		if err != nil {
			t.Fatalf("save group %+v: %v", g, err)
		}
		return out
	}
	tagGroup := save(store.Group{Name: "Healthcare", Kind: store.GroupByTag, Tag: "Healthcare"})
	tier := save(store.Group{Name: "Reseller tier", Kind: store.GroupByTier, TierPartnerID: &res.ID})
	filter := save(store.Group{Name: "Pro clinics", Kind: store.GroupByFilter, Filter: store.GroupFilter{Plan: "pro", Query: "clinic"}})
	list := save(store.Group{Name: "Hand picked", Kind: store.GroupByList, Accounts: []string{"c-d1", "c-r2", " c-d1 "}})
	if tagGroup.Tag != "healthcare" || len(list.Accounts) != 2 {
		t.Fatalf("saved as %+v and %+v", tagGroup, list)
	}
	members := func(g store.Group) string {
		return accountsOf(t, st, dist.ID, store.CustomerFilter{GroupID: g.ID})
	}
	if got := members(tagGroup); got != "" {
		t.Errorf("the tag group before any customer has the tag: %q", got)
	}
	// A customer tagged after the group was saved is in it on the next use.
	if _, err := st.SetCustomerTags(ctx, dist.ID, customerNamed(t, st, dist.ID, "c-d3").ID, []string{"healthcare"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		g    store.Group
		want string
	}{
		{tagGroup, "c-d3"},
		{tier, "c-r1,c-r2"},
		{filter, "c-d2"},
		{list, "c-d1,c-r2"},
	} {
		if got := members(tc.g); got != tc.want {
			t.Errorf("group %s holds %q, want %q", tc.g.Name, got, tc.want)
		}
	}
	// The group and the list's own filter both hold.
	if got := accountsOf(t, st, dist.ID, store.CustomerFilter{GroupID: list.ID, Query: "d1"}); got != "c-d1" {
		t.Errorf("the list group searched for d1: %q", got)
	}
	if got := accountsOf(t, st, dist.ID, store.CustomerFilter{GroupID: filter.ID, Plan: "Business"}); got != "" {
		t.Errorf("a Pro filter group filtered to Business: %q", got)
	}
	// A new customer that fits the filter is a member on the next use.
	if _, err := st.SaveSyncedCustomers(ctx, dist.ID, []store.SyncedCustomer{{ZoomAccountID: "c-d4", AccountName: "D4 Clinic", AccountType: "Pro"}}, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	if got := members(filter); got != "c-d2,c-d4" {
		t.Errorf("the filter group after a new customer: %q", got)
	}
	groups, err := st.Groups(ctx, dist.ID)
	if err != nil || len(groups) != 4 {
		t.Fatalf("groups: %+v %v", groups, err)
	}
	counts := map[string]int{}
	for _, g := range groups {
		counts[g.Name] = g.Members
	}
	if counts["Healthcare"] != 1 || counts["Reseller tier"] != 2 || counts["Pro clinics"] != 2 || counts["Hand picked"] != 2 {
		t.Errorf("member counts: %v", counts)
	}
	// The export takes the same filter.
	var exported []string
	if err := st.ExportCustomers(ctx, dist.ID, store.CustomerFilter{GroupID: tier.ID}, func(c store.Customer) error {
		exported = append(exported, c.ZoomAccountID)
		return nil
	}); err != nil || strings.Join(exported, ",") != "c-r1,c-r2" {
		t.Errorf("export of the tier group: %q %v", exported, err)
	}

	// Refusals name their field.
	var verr *store.ValidationError
	for _, tc := range []struct {
		g     store.Group
		field string
	}{
		{store.Group{Name: "", Kind: store.GroupByTag, Tag: "x"}, "name"},
		{store.Group{Name: "Healthcare", Kind: store.GroupByTag, Tag: "x"}, "name"},
		{store.Group{ID: list.ID, Name: "healthcare", Kind: store.GroupByTag, Tag: "x"}, "name"}, // renamed onto another
		{store.Group{Name: "No tag", Kind: store.GroupByTag}, "tag"},
		{store.Group{Name: "Self", Kind: store.GroupByTier, TierPartnerID: &dist.ID}, "tier"},
		{store.Group{Name: "Sibling", Kind: store.GroupByTier, TierPartnerID: &other.ID}, "tier"},
		{store.Group{Name: "Everything", Kind: store.GroupByFilter}, "filter"},
		{store.Group{Name: "Foreign", Kind: store.GroupByList, Accounts: []string{"c-o1"}}, "accounts"},
		{store.Group{Name: "Odd", Kind: "odd"}, "kind"},
	} {
		if _, err := st.SaveGroup(ctx, dist.ID, tc.g, store.AuditEvent{}); !errors.As(err, &verr) || verr.Fields[tc.field] == "" {
			t.Errorf("%+v: %v, want a refusal on %s", tc.g, err, tc.field)
		}
	}

	// Another partner sees none of them: not by id, not in its list, not through the filter,
	// not by SQL.
	for _, p := range []store.Partner{res, other} {
		if _, err := st.Group(ctx, p.ID, list.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("partner %s reading the distributor's group: %v", p.Name, err)
		}
		if gs, err := st.Groups(ctx, p.ID); err != nil || len(gs) != 0 {
			t.Errorf("partner %s lists %d groups (%v)", p.Name, len(gs), err)
		}
		if _, err := st.Customers(ctx, p.ID, store.CustomerFilter{GroupID: list.ID}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("partner %s filtering by the distributor's group: %v, want not found", p.Name, err)
		}
		if err := st.DeleteGroup(ctx, p.ID, list.ID, store.AuditEvent{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("partner %s deleting the distributor's group: %v", p.Name, err)
		}
		if _, err := st.SaveGroup(ctx, p.ID, store.Group{ID: list.ID, Name: "Taken", Kind: store.GroupByTag, Tag: "x"}, store.AuditEvent{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("partner %s changing the distributor's group: %v", p.Name, err)
		}
		tx, err := st.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var groups, members int
		if err := tx.QueryRow(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), (SELECT count(*) FROM customer_groups), (SELECT count(*) FROM customer_group_members)",
			itoa(p.ID)).Scan(new(string), &groups, &members); err != nil {
			t.Fatal(err)
		}
		tx.Rollback(ctx)
		if groups != 0 || members != 0 {
			t.Errorf("partner %s sees %d groups and %d members by SQL", p.Name, groups, members)
		}
	}

	if err := st.DeleteGroup(ctx, dist.ID, list.ID, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Group(ctx, dist.ID, list.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted group: %v", err)
	}
	page, err := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: "group."})
	if err != nil || len(page.Events) != 5 {
		t.Errorf("group events: %d %v, want 4 creates and a delete", len(page.Events), err)
	}
}

// TestNotesLeaveTagsAlone: tags have one writer (SetCustomerTags); saving a customer's notes
// leaves them as they are, and the notes' event records no tags.
func TestNotesLeaveTagsAlone(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, _, _ := threeTiers(t, st)
	d1 := customerNamed(t, st, dist.ID, "c-d1")
	if _, err := st.SetCustomerTags(ctx, dist.ID, d1.ID, []string{"eu", "vip"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	c, err := st.SaveCustomerNotes(ctx, dist.ID, d1.ID, store.CustomerNotes{ExternalRef: "CRM-1", Notes: "call first"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Tags, ",") != "eu,vip" || c.ExternalRef != "CRM-1" || c.Notes != "call first" {
		t.Fatalf("after saving notes: tags %q, ref %q, notes %q", c.Tags, c.ExternalRef, c.Notes)
	}
	page, err := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: string(audit.CustomerNotes)})
	if err != nil || len(page.Events) != 1 || strings.Contains(string(page.Events[0].Details), "tags") ||
		!strings.Contains(string(page.Events[0].Details), `"external_ref":"CRM-1"`) {
		t.Fatalf("customer.notes events: %+v %v", page.Events, err)
	}
}
