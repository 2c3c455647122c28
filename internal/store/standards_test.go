package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

func TestStandardsSaveReadMembersAndRLS(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	dist, res, other := threeTiers(t, st)
	d1 := customerNamed(t, st, dist.ID, "c-d1")
	if _, err := st.SetCustomerTags(ctx, dist.ID, d1.ID, []string{"vip"}, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	tpl, err := st.SaveSettingsTemplate(ctx, dist.ID, store.SettingsTemplate{Name: "Baseline",
		Settings: map[string]map[string]any{"in_meeting": {"chat": false}}, Locks: map[string]map[string]bool{"in_meeting": {"chat": true}}}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := st.SaveGroup(ctx, dist.ID, store.Group{Name: "VIP", Kind: store.GroupByTag, Tag: "vip"}, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}

	// Refusals name their field.
	_, err = st.SaveStandard(ctx, dist.ID, store.Standard{Name: " ", TemplateID: 0, GroupID: g.ID, Mode: "sometimes"}, store.AuditEvent{})
	var verr *store.ValidationError
	if !errors.As(err, &verr) || verr.Fields["name"] == "" || verr.Fields["template"] == "" || verr.Fields["mode"] == "" || verr.Fields["group"] != "" {
		t.Fatalf("an empty standard: %v", err)
	}
	s, err := st.SaveStandard(ctx, dist.ID, store.Standard{Name: "VIP baseline", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardReport}, store.AuditEvent{})
	if err != nil || s.TemplateName != "Baseline" || s.GroupName != "VIP" || s.Mode != store.StandardReport {
		t.Fatalf("saved %+v, %v", s, err)
	}
	if _, err := st.SaveStandard(ctx, dist.ID, store.Standard{Name: "vip BASELINE", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardReport}, store.AuditEvent{}); !errors.As(err, &verr) || verr.Fields["name"] == "" {
		t.Fatalf("a second standard of the same name: %v", err)
	}
	if s, err = st.SaveStandard(ctx, dist.ID, store.Standard{ID: s.ID, Name: "VIP baseline", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardEnforce}, store.AuditEvent{}); err != nil || s.Mode != store.StandardEnforce {
		t.Fatalf("changed %+v, %v", s, err)
	}
	if names, err := st.StandardsUsing(ctx, dist.ID, tpl.ID, 0); err != nil || len(names) != 1 {
		t.Fatalf("standards using the template: %v %v", names, err)
	}

	// Members: the group's customers now, with only the values asked for.
	settings, _ := json.Marshal(map[string]any{"in_meeting": map[string]any{"chat": true, "polling": true}, "big": map[string]any{"blob": "x"}})
	locks, _ := json.Marshal(map[string]any{"in_meeting": map[string]any{"chat": false}})
	if err := st.SaveCustomerDetails(ctx, dist.ID, d1.ID, map[string]json.RawMessage{"settings": settings, "lock_settings": locks}, nil); err != nil {
		t.Fatal(err)
	}
	ms, err := st.StandardMembers(ctx, dist.ID, g.ID, []string{"in_meeting.chat", "in_meeting.nothing"}, []string{"in_meeting.chat"})
	if err != nil || len(ms) != 1 {
		t.Fatalf("members: %+v %v", ms, err)
	}
	m := ms[0]
	if m.ZoomAccountID != "c-d1" || !m.SettingsRead || !m.LocksRead || m.ReadAt == nil || m.Settings["in_meeting.chat"] != true ||
		len(m.Settings) != 1 || m.Locks["in_meeting.chat"] != false {
		t.Errorf("member %+v", m)
	}

	// Another partner, below or beside, sees nothing of it.
	for _, p := range []store.Partner{res, other} {
		if _, err := st.Standard(ctx, p.ID, s.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("partner %s reading the standard: %v", p.Name, err)
		}
		if list, err := st.Standards(ctx, p.ID); err != nil || len(list) != 0 {
			t.Errorf("partner %s lists %d standards (%v)", p.Name, len(list), err)
		}
		if err := st.DeleteStandard(ctx, p.ID, s.ID, store.AuditEvent{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("partner %s deleting the standard: %v", p.Name, err)
		}
		if _, err := st.SaveStandard(ctx, p.ID, store.Standard{ID: s.ID, Name: "Taken", TemplateID: tpl.ID, GroupID: g.ID, Mode: store.StandardReport}, store.AuditEvent{}); err == nil {
			t.Errorf("partner %s changed the standard", p.Name)
		}
		if _, err := st.StandardMembers(ctx, p.ID, g.ID, nil, nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("partner %s reading the group's members: %v", p.Name, err)
		}
		tx, err := st.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), (SELECT count(*) FROM standards)", itoa(p.ID)).Scan(new(string), &n); err != nil {
			t.Fatal(err)
		}
		tx.Rollback(ctx)
		if n != 0 {
			t.Errorf("partner %s sees %d standards by SQL", p.Name, n)
		}
	}

	if err := st.DeleteStandard(ctx, dist.ID, s.ID, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if list, err := st.Standards(ctx, dist.ID); err != nil || len(list) != 0 {
		t.Errorf("after delete: %d standards, %v", len(list), err)
	}
	page, err := st.AuditEvents(ctx, dist.ID, store.AuditFilter{Action: "standard."})
	if err != nil || len(page.Events) != 3 {
		t.Errorf("standard events: %d %v, want a create, an update and a delete", len(page.Events), err)
	}
}
