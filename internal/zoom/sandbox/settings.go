package sandbox

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// settingEnums are the enumerated settings the sandbox checks (ZOOM_API.md §1.7).
var settingEnums = map[string][]any{
	"schedule_meeting.audio_type":                             {"both", "telephony", "voip", "thirdParty"},
	"schedule_meeting.jbh_time":                               {0.0, 5.0, 10.0, 15.0},
	"schedule_meeting.require_password_for_pmi_meetings":      {"jbh_only", "all", "none"},
	"in_meeting.entry_exit_chime":                             {"host", "all", "none"},
	"in_meeting.who_can_share_screen":                         {"host", "all"},
	"in_meeting.who_can_share_screen_when_someone_is_sharing": {"host", "all"},
	"recording.auto_recording":                                {"local", "cloud", "none"},
	"security.sign_in_with_two_factor_auth":                   {"all", "group", "role", "none"},
	"meeting_security.encryption_type":                        {"enhanced_encryption", "e2ee"},
}

// settingRanges are numeric settings with bounds.
var settingRanges = map[string][2]float64{
	"security.password_requirement.minimum_password_length": {8, 14},
	"recording.auto_delete_cmr_days":                        {1, 365},
}

// authTypes are the authentication option types per option.
var authTypes = map[string][]string{
	"meeting_authentication":   {"enforce_login", "enforce_login_with_same_account", "enforce_login_with_domains"},
	"recording_authentication": {"internally", "enforce_login", "enforce_login_with_domains"},
}

// errDomains is the code 300 answer for a bad domain list.
func errDomains() *apiError {
	return zerr(400, 300, "The domains provided are invalid. If you are providing multiple domains, separate each domain with a comma.")
}

// settingsView renders a settings object for GET with ?option= and ?custom_query_fields=.
func settingsView(stored map[string]any, option, fields string, allowed []string) (any, error) {
	if option == "" {
		out := map[string]any{}
		for k, v := range stored {
			if !slices.Contains(authOptions, k) {
				out[k] = deepCopy(v)
			}
		}
		if fields != "" {
			out = filterFields(out, fields)
		}
		return out, nil
	}
	if !slices.Contains(allowed, option) {
		return nil, errParam("option")
	}
	if slices.Contains(authOptions, option) {
		return deepCopy(stored[option]), nil
	}
	return map[string]any{option: deepCopy(stored[option])}, nil
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
	next    map[string]any // the whole new settings
	changed map[string]any // section -> changed fields (new values)
	old     map[string]any // section -> changed fields (old values)
}

// patchSettings applies a PATCH body to a copy of stored. lock=true means every leaf is a
// boolean (lock settings).
func patchSettings(stored map[string]any, body []byte, option string, allowed []string, lock bool) (settingsPatch, error) {
	var in map[string]any
	if err := decodeObject(body, &in); err != nil {
		return settingsPatch{}, err
	}
	p := settingsPatch{next: deepCopy(stored).(map[string]any), changed: map[string]any{}, old: map[string]any{}}
	var v validation
	section := func(name string, src any) {
		dst, ok := p.next[name].(map[string]any)
		if !ok {
			return
		}
		chg, old := map[string]any{}, map[string]any{}
		mergeSection(dst, src, name, lock, &v, chg, old)
		if len(chg) > 0 {
			p.changed[name], p.old[name] = chg, old
		}
	}
	switch {
	case option == "":
		for name, src := range in {
			if !slices.Contains(authOptions, name) {
				section(name, src)
			}
		}
	case !slices.Contains(allowed, option):
		return settingsPatch{}, errParam("option")
	case slices.Contains(authOptions, option):
		if err := patchAuthOption(&p, option, in, &v); err != nil {
			return settingsPatch{}, err
		}
	default:
		src := any(in)
		if inner, ok := in[option].(map[string]any); ok {
			src = inner
		}
		section(option, src)
	}
	if err := v.err(); err != nil {
		return settingsPatch{}, err
	}
	if ms, ok := p.next["meeting_security"].(map[string]any); ok && !lock {
		if list, ok := ms["block_user_domain_list"].([]any); ok {
			for _, d := range list {
				if s, ok := d.(string); !ok || !validDomain(s) {
					return settingsPatch{}, errDomains()
				}
			}
		}
	}
	return p, nil
}

// mergeSection merges src into dst (an existing section), checking JSON types, enums and
// ranges; unknown fields are ignored as Zoom does.
func mergeSection(dst map[string]any, src any, path string, lock bool, v *validation, chg, old map[string]any) {
	m, ok := src.(map[string]any)
	if !ok {
		v.add(path, "Invalid field.")
		return
	}
	for k, sv := range m {
		dv, exists := dst[k]
		if !exists {
			continue
		}
		field := path + "." + k
		if sub, ok := dv.(map[string]any); ok && !lock {
			before := deepCopy(sub)
			mergeSection(sub, sv, field, lock, v, map[string]any{}, map[string]any{})
			if !reflect.DeepEqual(before, sub) {
				chg[k], old[k] = deepCopy(sub), before
			}
			continue
		}
		if !sameKind(dv, sv) || !allowedValue(field, sv) {
			v.add(field, "Invalid field.")
			continue
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

// allowedValue checks enums and ranges.
func allowedValue(field string, v any) bool {
	if enum, ok := settingEnums[field]; ok && !slices.Contains(enum, v) {
		return false
	}
	if r, ok := settingRanges[field]; ok {
		n, _ := v.(float64)
		return n >= r[0] && n <= r[1]
	}
	return true
}

// patchAuthOption applies {"meeting_authentication": bool, "authentication_option": {...}}
// (or the recording variant) to the stored entry.
func patchAuthOption(p *settingsPatch, option string, in map[string]any, v *validation) error {
	entry, _ := p.next[option].(map[string]any)
	if entry == nil {
		return errParam("option")
	}
	before := deepCopy(entry)
	if raw, ok := in[option]; ok {
		b, isBool := raw.(bool)
		if !isBool {
			v.add(option, "Invalid field.")
			return nil
		}
		entry[option] = b
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
			v.add("authentication_option", "Invalid field.")
			return nil
		}
		opts, _ := entry["authentication_options"].([]any)
		idx := slices.IndexFunc(opts, func(x any) bool { m, _ := x.(map[string]any); return m != nil && m["id"] == o.ID })
		if o.Type != "" && !slices.Contains(authTypes[option], o.Type) {
			v.add("authentication_option.type", "Invalid field.")
			return nil
		}
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
		case "update", "delete", "show", "hide":
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
		default:
			v.add("authentication_option.action", "Invalid field.")
			return nil
		}
		entry["authentication_options"] = opts
	}
	if !reflect.DeepEqual(before, entry) {
		p.changed[option], p.old[option] = deepCopy(entry), before
	}
	return nil
}
