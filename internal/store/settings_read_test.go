package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// The drift report's history reads, in a log of 60,000 events, only the changes of settings:
// each action's from audit_events_action_idx, newest first, stopping at the limit, never the
// whole log, under row-level security; what it returns is the newest of the group's customers.
func TestSettingsHistoryReadsTheActionIndexOnly(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, _, _ := threeTiers(t, st)
	su := storetest.Superuser(t, st)
	// 60,000 events of 1,000 customers: every 100th a change of settings (or its locks, or a
	// template) of one of 600 customers, a fifth of them in the group; the rest changes of users.
	if _, err := su.Exec(ctx, `INSERT INTO audit_events (partner_id, occurred_at, action, outcome, customer_id, details, key_id)
		SELECT $1, now() - (60000 - i) * interval '1 second',
			CASE WHEN i % 100 = 0 THEN (ARRAY['customer.settings', 'customer.lock_settings', 'customer.settings.template'])[1 + i / 100 % 3] ELSE 'user.update' END,
			'succeeded', 'c-' || CASE WHEN i % 100 = 0 THEN i / 100 ELSE i % 1000 END, '{"before":{"in_meeting.chat":true},"after":{"in_meeting.chat":false}}', 'k'
		FROM generate_series(1, 60000) i`, dist.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := su.Exec(ctx, "VACUUM ANALYZE audit_events"); err != nil {
		t.Fatal(err)
	}
	// The group: 200 of those customers, tagged.
	var group []string
	for i := range 200 {
		group = append(group, fmt.Sprintf("c-%d", i*5))
	}
	if _, err := su.Exec(ctx, `INSERT INTO customers (partner_id, zoom_account_id, account_name, tags)
		SELECT $1, a, a, ARRAY['hist'] FROM unnest($2::text[]) a`, dist.ID, group); err != nil {
		t.Fatal(err)
	}
	g, err := st.SaveGroup(ctx, dist.ID, store.Group{Name: "History", Kind: store.GroupByTag, Tag: "hist"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	actions := []audit.Action{audit.CustomerSettings, audit.CustomerLockSettings, audit.CustomerSettingsTemplate}
	plan, err := st.ExplainSettingsHistory(ctx, dist.ID, g.ID, actions, 100)
	if err != nil {
		t.Fatal(err)
	}
	s := shapeOf(planNodes(t, plan), "audit_events")
	if len(s.scans) != 3 || s.read > 3*600 {
		t.Fatalf("want three scans of audit_events_action_idx reading at most the 600 changes of settings: %v", s)
	}
	for _, n := range s.scans {
		if n.Index != "audit_events_action_idx" {
			t.Fatalf("a scan not of the action index: %v", s)
		}
	}
	t.Logf("history: %.0f rows read in %d scans", s.read, len(s.scans))

	got, err := st.SettingsHistoryOfGroup(ctx, dist.ID, g.ID, actions, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 || !slices.IsSortedFunc(got, func(a, b store.SettingsEvent) int { return int(b.ID - a.ID) }) {
		t.Fatalf("%d events, newest first: %v", len(got), len(got) > 0)
	}
	for _, e := range got {
		if !slices.Contains(group, e.CustomerID) || !slices.Contains(actions, e.Action) {
			t.Fatalf("an event of %s %s", e.CustomerID, e.Action)
		}
	}
}
