package handlers

import (
	"encoding/json"
	"slices"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// driftEventsRead bounds the audit events a drift report reads for its history and its
// cells' sources: the newest changes of settings of the group's customers.
const driftEventsRead = 500

// driftHistoryShown bounds the changes the report's history lists.
const driftHistoryShown = 50

// itemKey is the audit key of a template item: the setting's path, or "locked." and its path.
func itemKey(it templateItem) string {
	if it.Lock {
		return "locked." + it.Field.Path
	}
	return it.Field.Path
}

// changeWords says a value at an item in words ("—" when absent).
func changeWords(it templateItem, v any, present bool) string {
	if !present {
		return "—"
	}
	if it.Lock {
		b, _ := v.(bool)
		return lockWord(b)
	}
	return displayValue(it.Field, formValue(it.Field, v))
}

// changedBy names who or what made an audited change of settings.
func changedBy(e store.SettingsEvent, operator string) string {
	switch {
	case e.External && operator != "":
		return "Seen in Zoom (by " + operator + ")"
	case e.External:
		return "Seen in Zoom"
	case e.StaffEmail != "":
		return e.StaffEmail
	case e.JobID != "":
		return "A Tierdesk job"
	}
	return "Tierdesk"
}

// driftHistory fills the report's history and its drifted cells' sources from events (the
// newest audited changes of settings of the group's customers, newest first): a cell shows
// who or what made its value's latest change (seen in Zoom, or a Tierdesk change by whom),
// and the history lists the changes at the template's paths.
func driftHistory(p *templates.DriftPage, t store.SettingsTemplate, members []store.StandardMember, events []store.SettingsEvent) {
	items := templateItemsOf(t)
	byKey := make(map[string]int, len(items))
	for i, it := range items {
		byKey[itemKey(it)] = i
	}
	names := make(map[string]string, len(members))
	for _, m := range members {
		names[m.ZoomAccountID] = m.AccountName
	}
	type cellKey struct {
		account string
		item    int
	}
	latest := map[cellKey]store.SettingsEvent{}
	for _, e := range events {
		changed := service.ChangedPaths(e.Action, e.Details)
		keys := make([]string, 0, len(changed))
		for k := range changed {
			if _, ok := byKey[k]; ok {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(a, b string) int { return byKey[a] - byKey[b] })
		operator := detailString(e.Details, "operator")
		for _, k := range keys {
			i := byKey[k]
			ck := cellKey{e.CustomerID, i}
			if _, seen := latest[ck]; !seen {
				latest[ck] = e
			}
			if len(p.History) == driftHistoryShown {
				p.HistoryMore = true
				continue
			}
			it, pc := items[i], changed[k]
			p.History = append(p.History, templates.DriftChange{At: e.OccurredAt, Customer: names[e.CustomerID],
				CustomerURL: paths.CustomerSettings(e.CustomerID), Setting: p.Columns[i].Label,
				Before: changeWords(it, pc.Before, pc.HasBefore), After: changeWords(it, pc.After, pc.HasAfter),
				By: changedBy(e, operator), External: e.External, EventURL: paths.AuditEventByID(e.ID)})
		}
	}
	if len(events) == driftEventsRead {
		p.HistoryMore = true
	}
	for r := range p.Rows {
		row := &p.Rows[r]
		for i := range row.Cells {
			cell := &row.Cells[i]
			if cell.State != templates.DriftDrifted && cell.State != templates.DriftLock {
				continue
			}
			e, ok := latest[cellKey{row.Account, i}]
			if !ok {
				continue
			}
			cell.SourceAt, cell.External = e.OccurredAt, e.External
			cell.Source = changedBy(e, "")
			if e.External {
				cell.Source = "seen in Zoom"
			}
		}
	}
}

// detailString reads a top-level string of audit details ("" when absent).
func detailString(details []byte, key string) string {
	m := map[string]any{}
	_ = json.Unmarshal(details, &m)
	s, _ := m[key].(string)
	return s
}
