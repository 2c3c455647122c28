package handlers

import (
	"strings"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Every change of a user goes through the service layer (service.UpdateUser, SetUserStatus,
// RemoveUser, MoveUser, CreateUser), which writes the intent, sends, classifies and records.
// What stays here is the page's side: which form field a refusal concerns.

// fieldFor says which form field a refusal of op concerns ("" for the whole form).
func fieldFor(op string, err error, form map[string]string) string {
	ze, ok := zoom.AsError(err)
	if !ok {
		return ""
	}
	switch op {
	case service.OpStatus:
		return "status"
	case service.OpMove:
		return "to"
	case service.OpRemove:
		if te := form["transfer_email"]; te != "" && (ze.Code == 1001 || ze.Code == 1010 || strings.Contains(strings.ToLower(ze.Message), "transfer") ||
			strings.Contains(strings.ToLower(ze.Message), strings.ToLower(te))) {
			return "transfer_email"
		}
		return "form"
	}
	switch ze.Code {
	case 1005, 1009, 1107, 1116:
		return "email"
	case 2033, 2034, 3412, 1108, 1109:
		return "type"
	case 1111, 1123, 1124, 1125, 1126, 1127, 1128, 1129, 1130, 1131, 1136:
		return "password"
	case 300:
		msg := strings.ToLower(ze.Message)
		for _, f := range ze.Fields {
			name := f.Field[strings.LastIndex(f.Field, ".")+1:]
			if _, known := form[name]; known {
				return name
			}
		}
		if strings.Contains(msg, "password") {
			return "password"
		}
		if i := strings.Index(msg, "invalid word:"); i >= 0 {
			word := strings.TrimSpace(ze.Message[i+len("invalid word:"):])
			for _, name := range []string{"first_name", "last_name", "display_name"} {
				if v := form[name]; v != "" && strings.EqualFold(strings.TrimSpace(v), word) {
					return name
				}
			}
			return "first_name"
		}
	}
	return "form"
}
