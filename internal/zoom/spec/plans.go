package spec

import "strings"

// planOnlyPaths are the parts of Zoom's settings that Zoom documents for some accounts only,
// kept by hand (Zoom's types do not say it): a path, or the start of paths ("x" covers "x"
// and "x.…"). The sandbox still answers them for its Business accounts, as Zoom's type lists
// them; the portal can say why a customer may not see one at Zoom.
var planOnlyPaths = []struct{ prefix, reason string }{
	{"audio_conferencing", "Audio Conferencing add-on (toll-free and fee-based call-in numbers)"},
	{"tsp", "accounts with a TSP (third-party audio provider) configured"},
	{"telephony.third_party_audio", "accounts with third-party audio enabled by Zoom"},
	{"zoom_rooms", "accounts with Zoom Rooms"},
	{"in_session", "Video SDK accounts"},
	{"session_security", "Video SDK accounts"},
	{"feature.meeting_capacity", "raised by the Large Meetings add-on"},
	{"in_meeting.language_interpretation", "Business plans and up, or the Webinars add-on"},
	{"recording.archive", "Archiving add-on"},
	{"chat.send_data_to_third_party_archiving_service", "Archiving add-on"},
}

// planOnly says why Zoom answers a path for some accounts only: the hand-kept list above, and
// every field named for webinars (Zoom Webinars licence). "" when every account has it.
func planOnly(path string) string {
	for _, p := range planOnlyPaths {
		if path == p.prefix || strings.HasPrefix(path, p.prefix+".") || strings.HasPrefix(path, p.prefix+"[]") {
			return p.reason
		}
	}
	name := path[strings.LastIndexByte(path, '.')+1:]
	if strings.Contains(name, "webinar") {
		return "Zoom Webinars licence"
	}
	return ""
}

// PlanOnly says why Zoom answers the field for some accounts only (a plan, an add-on, a kind
// of account), or "" when every account has it.
func (f Field) PlanOnly() string { return planOnly(f.Path) }
