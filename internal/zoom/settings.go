package zoom

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Settings endpoints (ZOOM_API §1.7, §1.8, §2.8).
var (
	epGetAccountSettings    = endpoint{http.MethodGet, "/accounts/{accountId}/settings", Medium}
	epUpdateAccountSettings = endpoint{http.MethodPatch, "/accounts/{accountId}/settings", Medium}
	epGetLockSettings       = endpoint{http.MethodGet, "/accounts/{accountId}/lock_settings", Medium}
	epUpdateLockSettings    = endpoint{http.MethodPatch, "/accounts/{accountId}/lock_settings", Medium}
)

// Settings is an account's or a user's settings as Zoom sends them: sections by name
// (schedule_meeting, in_meeting, email_notification, zoom_rooms, security, recording,
// telephony, integration, feature, tsp, profile, meeting_security, and newer ones), each an
// object of fields. Zoom's settings object has hundreds of fields that change often, so it is
// kept as decoded JSON rather than a struct; Section and the typed getters read it, and an
// update is a Settings holding only what changes. For lock settings every leaf is a boolean
// meaning "locked". With SettingsOptions.Option the answer is that option's object instead
// (see AuthenticationSettings).
type Settings map[string]any

// Section returns a section's fields, or nil.
func (s Settings) Section(name string) map[string]any {
	m, _ := s[name].(map[string]any)
	return m
}

// Bool returns a boolean field of a section and whether it was present.
func (s Settings) Bool(section, field string) (bool, bool) {
	v, ok := s.Section(section)[field].(bool)
	return v, ok
}

// String returns a string field of a section and whether it was present.
func (s Settings) String(section, field string) (string, bool) {
	v, ok := s.Section(section)[field].(string)
	return v, ok
}

// Number returns a numeric field of a section and whether it was present.
func (s Settings) Number(section, field string) (float64, bool) {
	v, ok := s.Section(section)[field].(float64)
	return v, ok
}

// Set records field = value in section (creating the section), for building an update.
func (s Settings) Set(section, field string, value any) Settings {
	m := s.Section(section)
	if m == nil {
		m = map[string]any{}
		s[section] = m
	}
	m[field] = value
	return s
}

// At reads the value at a dotted path ("security.password_requirement.minimum_password_length")
// and whether it was present.
func (s Settings) At(path string) (any, bool) {
	var cur any = map[string]any(s)
	for _, el := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[el]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// SetAt records value at a dotted path, creating the objects above it, for building an update.
func (s Settings) SetAt(path string, value any) Settings {
	m := map[string]any(s)
	els := strings.Split(path, ".")
	for _, el := range els[:len(els)-1] {
		next, ok := m[el].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[el] = next
		}
		m = next
	}
	m[els[len(els)-1]] = value
	return s
}

// Settings options (the option query parameter).
const (
	OptionMeetingAuthentication   = "meeting_authentication"
	OptionRecordingAuthentication = "recording_authentication"
	OptionSecurity                = "security"
	OptionMeetingSecurity         = "meeting_security"
)

// OptionSections are the settings sections that Zoom answers and changes only with an option
// of the same name (a variant of their own in Zoom's types): a GET without option does not
// answer them and a PATCH without option does not take them.
var OptionSections = []string{OptionMeetingSecurity}

// OptionPart is the part of an update that one PATCH sends: Option "" for the plain body.
type OptionPart struct {
	Option   string
	Settings Settings
}

// OptionOf is the option a setting at a dotted path is read and changed under: its section
// when the section is one of OptionSections, else "" (the plain GET and PATCH).
func OptionOf(path string) string {
	section, _, _ := strings.Cut(strings.TrimPrefix(path, "locked."), ".")
	if slices.Contains(OptionSections, section) {
		return section
	}
	return ""
}

// ReadWhole reads settings (or lock settings) whole with get: the plain GET, and each section
// of OptionSections with its own option, added under its name, so that
// "meeting_security.waiting_room" reads like any other setting.
func ReadWhole(get func(*SettingsOptions) (Settings, error)) (Settings, error) {
	all, err := get(nil)
	if err != nil {
		return nil, err
	}
	for _, o := range OptionSections {
		part, err := get(&SettingsOptions{Option: o})
		if err != nil {
			return nil, err
		}
		if sec := part.Section(o); sec != nil {
			all[o] = sec
		}
	}
	return all, nil
}

// ByOption splits an update into the PATCHes Zoom takes: first the sections a plain PATCH
// takes, then each section of OptionSections alone, under its option. Empty parts are left
// out, so an empty update has none.
func (s Settings) ByOption() []OptionPart {
	var parts []OptionPart
	plain := Settings{}
	for k, v := range s {
		if !slices.Contains(OptionSections, k) {
			plain[k] = v
		}
	}
	if len(plain) > 0 {
		parts = append(parts, OptionPart{Settings: plain})
	}
	for _, o := range OptionSections {
		if v, ok := s[o]; ok {
			parts = append(parts, OptionPart{Option: o, Settings: Settings{o: v}})
		}
	}
	return parts
}

// SettingsOptions are the query parameters of the settings endpoints.
type SettingsOptions struct {
	// Option selects one part: OptionMeetingAuthentication, OptionRecordingAuthentication,
	// OptionSecurity or OptionMeetingSecurity (lock settings: meeting_security only). On an
	// update it says which shape the body has.
	Option string
	// CustomQueryFields keeps only these fields in a GET answer (inside their sections).
	CustomQueryFields []string
	// LoginType is the user's login type for user settings (ZOOM_API §2.4); nil means unset.
	LoginType *int
}

// query encodes the options.
func (o *SettingsOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	if o.Option != "" {
		q.Set("option", o.Option)
	}
	if len(o.CustomQueryFields) > 0 {
		q.Set("custom_query_fields", strings.Join(o.CustomQueryFields, ","))
	}
	if o.LoginType != nil {
		q.Set("login_type", itoa(*o.LoginType))
	}
	return q
}

// AuthenticationSettings is the answer to a settings GET with option meeting_authentication
// or recording_authentication; the flag is under the option's own name.
type AuthenticationSettings struct {
	AllowAuthenticationException *bool                  `json:"allow_authentication_exception,omitempty"` // meetings only
	MeetingAuthentication        *bool                  `json:"meeting_authentication,omitempty"`
	RecordingAuthentication      *bool                  `json:"recording_authentication,omitempty"`
	AuthenticationOptions        []AuthenticationOption `json:"authentication_options"`
}

// AuthenticationOption is one authentication profile. Type is enforce_login,
// enforce_login_with_same_account or enforce_login_with_domains (meetings), internally,
// enforce_login or enforce_login_with_domains (recordings).
type AuthenticationOption struct {
	ID            string `json:"id,omitempty"`
	Name          string `json:"name,omitempty"`
	Type          string `json:"type,omitempty"`
	DefaultOption bool   `json:"default_option"`
	Visible       bool   `json:"visible"`
	Domains       string `json:"domains,omitempty"` // comma-separated
}

// Authentication decodes the answer of a GET with an authentication option.
func (s Settings) Authentication() (*AuthenticationSettings, error) {
	out := new(AuthenticationSettings)
	if err := remarshal(s, out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetAccountSettings returns an account's settings: GET /accounts/{accountId}/settings ("me"
// for the caller's own account). Only paid accounts have settings (code 200 otherwise,
// IsPermission); an unknown sub account is 2001. opts may be nil.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/GET/accounts/{accountId}/settings
func (c *Client) GetAccountSettings(ctx context.Context, accountID string, opts *SettingsOptions) (Settings, *Response, error) {
	out := Settings{}
	resp, err := c.call(ctx, epGetAccountSettings, []string{accountID}, opts.query(), nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// UpdateAccountSettings changes some of an account's settings: PATCH
// /accounts/{accountId}/settings with only the fields to change. Invalid values are code 300
// (Error.Fields names them). opts may be nil; with an Option, the body is that option's shape.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/PATCH/accounts/{accountId}/settings
func (c *Client) UpdateAccountSettings(ctx context.Context, accountID string, update Settings, opts *SettingsOptions) (*Response, error) {
	return c.call(ctx, epUpdateAccountSettings, []string{accountID}, opts.query(), update, nil)
}

// GetLockSettings returns which of an account's settings are locked for its users: GET
// /accounts/{accountId}/lock_settings (every leaf a boolean). Paid accounts only (code 200).
// https://developers.zoom.us/docs/api/ma/#tag/accounts/GET/accounts/{accountId}/lock_settings
func (c *Client) GetLockSettings(ctx context.Context, accountID string, opts *SettingsOptions) (Settings, *Response, error) {
	out := Settings{}
	resp, err := c.call(ctx, epGetLockSettings, []string{accountID}, opts.query(), nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// UpdateLockSettings locks or unlocks settings: PATCH /accounts/{accountId}/lock_settings with
// booleans for the fields to change.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/PATCH/accounts/{accountId}/lock_settings
func (c *Client) UpdateLockSettings(ctx context.Context, accountID string, update Settings, opts *SettingsOptions) (*Response, error) {
	return c.call(ctx, epUpdateLockSettings, []string{accountID}, opts.query(), update, nil)
}
