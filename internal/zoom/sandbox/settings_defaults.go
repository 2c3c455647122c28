package sandbox

import "encoding/json"

// accountSettingsJSON is the default account settings object (ZOOM_API.md §1.7). The
// meeting_authentication and recording_authentication entries are only shown through
// ?option=.
const accountSettingsJSON = `{
"schedule_meeting":{"host_video":false,"participants_video":false,"audio_type":"both","join_before_host":false,"jbh_time":0,
 "force_pmi_jbh_password":false,"pstn_password_protected":false,"use_pmi_for_scheduled_meetings":false,"use_pmi_for_instant_meetings":false,
 "require_password_for_scheduling_new_meetings":true,"require_password_for_scheduled_meetings":true,"require_password_for_instant_meetings":true,
 "require_password_for_pmi_meetings":"all","mute_upon_entry":false,"personal_meeting":true},
"in_meeting":{"e2e_encryption":false,"chat":true,"private_chat":true,"auto_saving_chat":false,"entry_exit_chime":"host","record_play_voice":true,
 "file_transfer":true,"feedback":false,"co_host":true,"polling":true,"attendee_on_hold":false,"annotation":true,"whiteboard":true,
 "remote_control":true,"non_verbal_feedback":false,"breakout_room":true,"remote_support":false,"closed_caption":true,"group_hd":false,
 "virtual_background":true,"far_end_camera_control":false,"share_dual_camera":false,"waiting_room":true,"allow_live_streaming":false,
 "screen_sharing":true,"who_can_share_screen":"host","who_can_share_screen_when_someone_is_sharing":"host"},
"email_notification":{"cloud_recording_available_reminder":true,"jbh_reminder":true,"cancel_meeting_reminder":true,
 "low_host_count_reminder":true,"alternative_host_reminder":true,"schedule_for_reminder":true},
"zoom_rooms":{"upcoming_meeting_alert":true,"start_airplay_manually":false,"weekly_system_restart":true,"list_meetings_with_calendar":false,
 "zr_post_meeting_feedback":false,"ultrasonic":false,"force_private_meeting":false,"hide_host_information":false,
 "cmr_for_instant_meeting":false,"auto_start_stop_scheduled_meetings":false},
"security":{"admin_change_name_pic":false,"import_photos_from_devices":true,"hide_billing_info":false,
 "password_requirement":{"minimum_password_length":8,"have_special_character":false,"consecutive_characters_length":0,"weak_enhance_detection":false},
 "sign_in_with_two_factor_auth":"none","sign_in_with_two_factor_auth_groups":[],"sign_in_with_two_factor_auth_roles":[],
 "sign_again_period_for_inactivity_on_client":0,"sign_again_period_for_inactivity_on_web":0},
"recording":{"local_recording":true,"cloud_recording":true,"record_speaker_view":true,"record_gallery_view":false,"record_audio_file":true,
 "save_chat_text":true,"show_timestamp":false,"recording_audio_transcript":false,"auto_recording":"none","cloud_recording_download":true,
 "cloud_recording_download_host":true,"account_user_access_recording":false,"auto_delete_cmr":false,"auto_delete_cmr_days":30},
"telephony":{"third_party_audio":false,"audio_conference_info":"","show_international_numbers_link":true},
"integration":{"google_calendar":false,"google_drive":false,"dropbox":false,"box":false,"microsoft_one_drive":false,"kubi":false},
"feature":{"meeting_capacity":100,"large_meeting":false,"webinar":false,"cn_meeting":false,"in_meeting":false,"zoom_phone":false},
"tsp":{"call_out":false,"call_out_countries":[],"show_international_numbers_link":false,"display_toll_free_numbers":false},
"profile":{"recording_storage_location":{"allowed_values":["US"],"value":"US"}},
"meeting_security":{"auto_security":true,"block_user_domain":false,"block_user_domain_list":[],"embed_password_in_join_link":true,
 "encryption_type":"enhanced_encryption","end_to_end_encrypted_meetings":false,"meeting_password":true,
 "only_authenticated_can_join_from_webclient":false,"phone_password":false,"pmi_password":true,"waiting_room":true,
 "meeting_password_requirement":{"length":6,"have_letter":false,"have_number":false,"have_upper_and_lower_characters":false,
  "have_special_character":false,"only_allow_numeric":false,"consecutive_characters_length":0,"weak_enhance_detection":false}},
"meeting_authentication":{"meeting_authentication":false,"authentication_options":[
 {"id":"signin_zoom","name":"Sign in to Zoom","type":"enforce_login","default_option":true,"visible":true,"domains":""}]},
"recording_authentication":{"recording_authentication":false,"authentication_options":[
 {"id":"internally","name":"Internal users","type":"internally","default_option":true,"visible":true,"domains":""}]}
}`

// userSections are the account sections that also exist at user level (ZOOM_API.md §2.8).
var userSections = []string{"schedule_meeting", "in_meeting", "email_notification", "recording", "telephony", "feature", "tsp",
	"meeting_security", "meeting_authentication", "recording_authentication"}

// lockSections are the sections of lock settings.
var lockSections = []string{"schedule_meeting", "in_meeting", "email_notification", "recording", "telephony", "tsp", "meeting_security"}

// authOptions are the ?option= values stored as their own entries.
var authOptions = []string{"meeting_authentication", "recording_authentication"}

var defaultAccountSettings = mustJSON(accountSettingsJSON)

// mustJSON parses a constant JSON object.
func mustJSON(s string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic("sandbox: bad settings template: " + err.Error()) // a constant: caught by any test run
	}
	return m
}

// userDefaults returns a fresh copy of the default user settings for a user type.
func userDefaults(u *user) map[string]any {
	out := map[string]any{}
	for _, s := range userSections {
		out[s] = deepCopy(defaultAccountSettings[s])
	}
	f := out["feature"].(map[string]any)
	if u.Type == 2 {
		f["meeting_capacity"] = 300.0
	}
	return out
}

// lockDefaults returns fresh default lock settings: every leaf false.
func lockDefaults() map[string]any {
	out := map[string]any{}
	for _, s := range lockSections {
		sec := map[string]any{}
		for k := range defaultAccountSettings[s].(map[string]any) {
			sec[k] = false
		}
		out[s] = sec
	}
	return out
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}
