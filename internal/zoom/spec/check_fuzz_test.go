package spec

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzValidate: any JSON object a PATCH may bring is judged without panicking; Validate
// refuses exactly when Errors finds a problem, with the first of them; each problem names a
// path (an unknown one is not in the catalogue), and a body that is accepted has Zoom's shape.
func FuzzValidate(f *testing.F) {
	f.Add("", `{"in_meeting":{"chat":true,"entry_exit_chime":"all"}}`)
	f.Add("", `{"in_meeting":{"waiting_room":true},"zzz":1}`)
	f.Add("meeting_security", `{"meeting_security":{"meeting_password_requirement":{"consecutive_characters_length":4},"block_user_domain_list":["a.example",3]}}`)
	f.Add("security", `{"security":{"user_modifiable_info_by_admin":["name","x"]}}`)
	f.Add("meeting_authentication", `{"meeting_authentication":true,"authentication_option":{"action":"add","type":"enforce_login"}}`)
	f.Add("bogus", `{}`)
	f.Add("", `{"chat":{"allow_delete_message":{"time":30.5}},"recording":null}`)
	f.Fuzz(func(t *testing.T, opt, body string) {
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) != nil || m == nil {
			return
		}
		for _, c := range []*Catalogue{AccountSettingsUpdate, LockSettingsUpdate, UserSettingsUpdate} {
			err := c.Validate(opt, m)
			all := c.Errors(opt, m)
			if (err == nil) != (len(all) == 0) {
				t.Fatalf("%s %q %s: Validate %v, Errors %v", c.Name(), opt, body, err, all)
			}
			if err == nil {
				if got := c.CheckShape(opt, m); len(got) > 0 {
					t.Fatalf("%s %q %s: accepted, but CheckShape says %q", c.Name(), opt, body, got)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) || e.Path != all[0].Path || e.Problem != all[0].Problem {
				t.Fatalf("%s %q %s: Validate %v, first of Errors %v", c.Name(), opt, body, err, all[0])
			}
			for _, e := range all {
				if e.Path == "" || e.Problem == "" {
					t.Fatalf("%s %q %s: an error without path or problem: %+v", c.Name(), opt, body, e)
				}
				if e.Unknown {
					p := strings.NewReplacer("[", ".[", "]", "]").Replace(e.Path)
					var clean []string
					for _, el := range strings.Split(p, ".") {
						if strings.HasPrefix(el, "[") {
							clean[len(clean)-1] += "[]"
							continue
						}
						clean = append(clean, el)
					}
					if _, ok := c.LookupOption(opt, strings.Join(clean, ".")); ok {
						t.Fatalf("%s %q %s: %s called unknown, but the catalogue has it", c.Name(), opt, body, e.Path)
					}
				}
			}
		}
	})
}
