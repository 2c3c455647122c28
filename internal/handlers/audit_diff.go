package handlers

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/tierdesk/tierdesk/web/templates"
)

// diffDetails compares the "before" and "after" objects of audit details field by field
// (nested objects flattened to dotted paths) and returns the fields that differ.
func diffDetails(raw json.RawMessage) []templates.DiffRow {
	var d struct {
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	}
	if json.Unmarshal(raw, &d) != nil || (d.Before == nil && d.After == nil) {
		return nil
	}
	before, after := flatten(d.Before), flatten(d.After)
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var rows []templates.DiffRow
	for _, k := range sorted {
		b, inB := before[k]
		a, inA := after[k]
		switch {
		case inB && inA && b == a:
			continue
		case inB && inA:
			rows = append(rows, templates.DiffRow{Field: k, Before: b, After: a, Kind: "changed"})
		case inA:
			rows = append(rows, templates.DiffRow{Field: k, Before: "—", After: a, Kind: "added"})
		default:
			rows = append(rows, templates.DiffRow{Field: k, Before: b, After: "—", Kind: "removed"})
		}
	}
	return rows
}

// flatten turns a JSON object into dotted paths and display values.
func flatten(raw json.RawMessage) map[string]string {
	out := map[string]string{}
	if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "null" {
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return out
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			if len(t) == 0 && prefix != "" {
				out[prefix] = "{}"
			}
			for k, val := range t {
				walk(strings.TrimPrefix(prefix+"."+k, "."), val)
			}
		case nil:
			out[prefix] = "null"
		case string:
			out[prefix] = t
		default:
			b, _ := json.Marshal(t)
			out[prefix] = string(b)
		}
	}
	if _, ok := v.(map[string]any); !ok {
		walk("value", v)
		return out
	}
	walk("", v)
	return out
}
