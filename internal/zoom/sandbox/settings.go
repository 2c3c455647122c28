package sandbox

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tierdesk/tierdesk/internal/zoom/spec"
)

// Settings, lock settings and user settings are stored per ?option= variant: the stored map
// holds, under each option ("" for the plain GET), that variant's object as the GET answers
// it. nil (or a missing variant) means the defaults. A GET answers the defaults' shape
// (settings_defaults.json, which has exactly the fields of Zoom's type) with the stored values
// where they are of the same JSON type, so the answer never has a field Zoom's type lacks.

// settingRanges are numeric settings with bounds that Zoom documents but its types do not
// carry (ZOOM_API.md §1.7).
var settingRanges = map[string][2]float64{
	"security.password_requirement.minimum_password_length": {8, 14},
}

// errDomains is the code 300 answer for a bad domain list.
func errDomains() *apiError {
	return zerr(400, 300, "The domains provided are invalid. If you are providing multiple domains, separate each domain with a comma.")
}

// baseOption is the stored variant an option reads: option "security" is the plain
// variant's security section.
func baseOption(option string) string {
	if option == "security" {
		return ""
	}
	return option
}

// variant returns the stored variant of option shaped by the defaults (a fresh copy).
func (k settingsKind) variant(stored map[string]any, option string) map[string]any {
	base := baseOption(option)
	out, _ := project(k.defaults[base], stored[base]).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// project returns a copy of def's shape with have's values where they have def's JSON type:
// objects field by field, arrays whole.
func project(def, have any) any {
	switch d := def.(type) {
	case map[string]any:
		h, _ := have.(map[string]any)
		out := make(map[string]any, len(d))
		for k, v := range d {
			out[k] = project(v, h[k])
		}
		return out
	case []any:
		if h, ok := have.([]any); ok {
			return deepCopy(h)
		}
		return deepCopy(d)
	}
	if have != nil && reflect.TypeOf(have) == reflect.TypeOf(def) {
		return have
	}
	return def
}

// view renders a settings GET with ?option= and ?custom_query_fields=.
func (k settingsKind) view(stored map[string]any, option, fields string) (any, error) {
	if !k.get.HasOption(option) {
		return nil, errParam("option")
	}
	out := k.variant(stored, option)
	if option == "security" {
		out = map[string]any{"security": out["security"]}
	}
	if fields != "" && option == "" {
		out = filterFields(out, fields)
	}
	return out, nil
}

// filterFields keeps only the named leaf fields (or whole sections), inside their section.
func filterFields(all map[string]any, fields string) map[string]any {
	want := map[string]bool{}
	for _, f := range strings.Split(fields, ",") {
		want[strings.TrimSpace(f)] = true
	}
	out := map[string]any{}
	for name, sec := range all {
		m, ok := sec.(map[string]any)
		if want[name] || !ok {
			if want[name] {
				out[name] = sec
			}
			continue
		}
		kept := map[string]any{}
		for k, v := range m {
			if want[k] {
				kept[k] = v
			}
		}
		if len(kept) > 0 {
			out[name] = kept
		}
	}
	return out
}

// settingsPatch is the outcome of a settings PATCH.
type settingsPatch struct {
	next    map[string]any // the whole new stored settings
	changed map[string]any // top-level field -> changed fields (new values)
	old     map[string]any // top-level field -> changed fields (old values)
}

// errSettingFields is the answer to a PATCH body that does not fit Zoom's type of the body:
// HTTP 400, code 300 "Validation Failed.", one errors[] entry per field, named by its dotted
// path with the message "Invalid field." (ZOOM_API.md §5). UNCERTAIN: Zoom documents this
// shape for invalid values; what it answers for a field its type does not have is not
// documented (it may ignore it): the sandbox refuses it the same way, so that a portal that
// sends a setting Zoom lacks finds out in tests rather than silently changing nothing.
func errSettingFields(errs []*spec.Error) error {
	var v validation
	for _, e := range errs {
		v.add(e.Path, "Invalid field.")
	}
	return v.err()
}

// patch applies a PATCH body to a copy of stored: the body is checked against Zoom's type
// of the body for the option (unknown fields, types, enums), then each field is set where the
// answer has it with the same type (a field only the body type has is accepted and not
// shown, as Zoom does with write-only fields).
func (k settingsKind) patch(stored map[string]any, body []byte, option string) (settingsPatch, error) {
	var in map[string]any
	if err := decodeObject(body, &in); err != nil {
		return settingsPatch{}, err
	}
	if !k.update.HasOption(option) {
		return settingsPatch{}, errParam("option")
	}
	if errs := k.update.Errors(option, in); len(errs) > 0 {
		return settingsPatch{}, errSettingFields(errs)
	}
	base := baseOption(option)
	p := settingsPatch{changed: map[string]any{}, old: map[string]any{}}
	if stored == nil {
		p.next = map[string]any{}
	} else {
		p.next = deepCopy(stored).(map[string]any)
	}
	cur := k.variant(stored, base)
	var v validation
	if slices.Contains(authOptions, option) {
		if err := patchAuthOption(&p, option, cur, in, &v); err != nil {
			return settingsPatch{}, err
		}
	} else {
		for name, src := range in {
			dst, ok := cur[name].(map[string]any)
			m, isMap := src.(map[string]any)
			if !ok || !isMap {
				if _, has := cur[name]; has && !reflect.DeepEqual(cur[name], src) && sameKind(cur[name], src) {
					p.changed[name], p.old[name] = src, cur[name]
					cur[name] = src
				}
				continue
			}
			chg, old := map[string]any{}, map[string]any{}
			mergeSection(dst, m, name, &v, chg, old)
			if len(chg) > 0 {
				p.changed[name], p.old[name] = chg, old
			}
		}
	}
	if err := v.err(); err != nil {
		return settingsPatch{}, err
	}
	if ms, ok := cur["meeting_security"].(map[string]any); ok && !k.lock {
		if list, ok := ms["block_user_domain_list"].([]any); ok {
			for _, d := range list {
				if s, ok := d.(string); !ok || !validDomain(s) {
					return settingsPatch{}, errDomains()
				}
			}
		}
	}
	p.next[base] = cur
	return p, nil
}

// mergeSection merges src into dst (an object of the answer), field by field; fields the
// answer does not have, or has with another JSON type, are skipped (the body was checked
// against Zoom's type already). Ranges Zoom documents are checked here.
func mergeSection(dst, src map[string]any, path string, v *validation, chg, old map[string]any) {
	for k, sv := range src {
		dv, exists := dst[k]
		if !exists {
			continue
		}
		field := path + "." + k
		if sub, ok := dv.(map[string]any); ok {
			in, ok := sv.(map[string]any)
			if !ok {
				continue
			}
			before := deepCopy(sub)
			mergeSection(sub, in, field, v, map[string]any{}, map[string]any{})
			if !reflect.DeepEqual(before, sub) {
				chg[k], old[k] = deepCopy(sub), before
			}
			continue
		}
		if !sameKind(dv, sv) {
			continue
		}
		if r, ok := settingRanges[field]; ok {
			if n, _ := sv.(float64); n < r[0] || n > r[1] {
				v.add(field, "Invalid field.")
				continue
			}
		}
		if !reflect.DeepEqual(dv, sv) {
			chg[k], old[k] = sv, dv
			dst[k] = sv
		}
	}
}

// sameKind reports whether two decoded JSON values have the same type.
func sameKind(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b)
}

// patchAuthOption applies {"meeting_authentication": bool, "authentication_option": {...}}
// (or the recording variant; type and enum already checked) to the variant entry.
func patchAuthOption(p *settingsPatch, option string, entry, in map[string]any, v *validation) error {
	before := deepCopy(entry)
	if raw, ok := in[option]; ok {
		entry[option] = raw
	}
	if raw, ok := in["allow_authentication_exception"]; ok {
		if _, has := entry["allow_authentication_exception"]; has {
			entry["allow_authentication_exception"] = raw
		}
	}
	if raw, ok := in["authentication_option"]; ok {
		data, _ := json.Marshal(raw)
		var o struct {
			Action        string `json:"action"`
			ID            string `json:"id"`
			Name          string `json:"name"`
			Type          string `json:"type"`
			Domains       string `json:"domains"`
			DefaultOption *bool  `json:"default_option"`
		}
		if err := json.Unmarshal(data, &o); err != nil {
			return errors.New("sandbox: authentication_option passed the type check but does not decode")
		}
		opts, _ := entry["authentication_options"].([]any)
		idx := slices.IndexFunc(opts, func(x any) bool { m, _ := x.(map[string]any); return m != nil && m["id"] == o.ID })
		if strings.HasSuffix(o.Type, "_with_domains") || o.Domains != "" {
			for _, d := range strings.Split(o.Domains, ",") {
				if !validDomain(d) {
					return errDomains()
				}
			}
		}
		switch o.Action {
		case "add":
			if o.Type == "" || o.Name == "" {
				v.add("authentication_option", "Invalid field.")
				return nil
			}
			opts = append(opts, map[string]any{"id": "opt_" + strconv.Itoa(len(opts)+1), "name": o.Name, "type": o.Type,
				"default_option": o.DefaultOption != nil && *o.DefaultOption, "visible": true, "domains": o.Domains})
		default: // update, delete, and at user level show and hide
			if idx < 0 {
				v.add("authentication_option.id", "Invalid field.")
				return nil
			}
			m := opts[idx].(map[string]any)
			switch o.Action {
			case "delete":
				opts = slices.Delete(opts, idx, idx+1)
			case "show", "hide":
				m["visible"] = o.Action == "show"
			default:
				for k, val := range map[string]string{"name": o.Name, "type": o.Type, "domains": o.Domains} {
					if val != "" {
						m[k] = val
					}
				}
				if o.DefaultOption != nil {
					m["default_option"] = *o.DefaultOption
				}
			}
		}
		entry["authentication_options"] = opts
	}
	if !reflect.DeepEqual(before, entry) {
		p.changed[option], p.old[option] = deepCopy(entry), before
	}
	return nil
}
