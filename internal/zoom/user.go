package zoom

import (
	"context"
	"net/http"
	"strings"
)

// User is a Zoom user as GET /users/{userId} returns it (ZOOM_API §2.4; the union of the 2021
// and 2025 specs). List items (GET .../users) carry a subset: no role_name, and no id for
// pending users; host_key and custom_attributes only with ListUsersOptions.IncludeFields.
type User struct {
	ID                 string            `json:"id,omitempty"`
	AccountID          string            `json:"account_id,omitempty"`
	AccountNumber      int64             `json:"account_number,omitempty"`
	Email              string            `json:"email"`
	FirstName          string            `json:"first_name,omitempty"`
	LastName           string            `json:"last_name,omitempty"`
	DisplayName        string            `json:"display_name,omitempty"`
	Type               int               `json:"type"` // UserBasic, UserLicensed, ...
	RoleName           string            `json:"role_name,omitempty"`
	RoleID             string            `json:"role_id,omitempty"`
	Status             string            `json:"status,omitempty"` // UserActive, UserInactive, UserPending
	PMI                int64             `json:"pmi,omitempty"`
	UsePMI             bool              `json:"use_pmi,omitempty"`
	PersonalMeetingURL string            `json:"personal_meeting_url,omitempty"`
	VanityURL          string            `json:"vanity_url,omitempty"`
	Timezone           string            `json:"timezone,omitempty"`
	Language           string            `json:"language,omitempty"`
	Dept               string            `json:"dept,omitempty"`
	Company            string            `json:"company,omitempty"`
	JobTitle           string            `json:"job_title,omitempty"`
	Location           string            `json:"location,omitempty"`
	Manager            string            `json:"manager,omitempty"`
	CreatedAt          Time              `json:"created_at,omitzero"` // for pending users: the time of the call
	UserCreatedAt      Time              `json:"user_created_at,omitzero"`
	LastLoginTime      Time              `json:"last_login_time,omitzero"`
	LastClientVersion  string            `json:"last_client_version,omitempty"`
	PicURL             string            `json:"pic_url,omitempty"`
	Verified           int               `json:"verified,omitempty"` // 1 verified, 0 not
	HostKey            string            `json:"host_key,omitempty"`
	CMSUserID          string            `json:"cms_user_id,omitempty"`
	JID                string            `json:"jid,omitempty"`
	Cluster            string            `json:"cluster,omitempty"`
	GroupIDs           []string          `json:"group_ids,omitempty"`
	IMGroupIDs         []string          `json:"im_group_ids,omitempty"`
	LoginType          int               `json:"login_type,omitempty"`  // 2021 spec
	LoginTypes         []int             `json:"login_types,omitempty"` // 2025 spec
	PhoneNumbers       []PhoneNumber     `json:"phone_numbers,omitempty"`
	PhoneNumber        string            `json:"phone_number,omitempty"`  // deprecated by Zoom
	PhoneCountry       string            `json:"phone_country,omitempty"` // deprecated by Zoom
	CustomAttributes   []CustomAttribute `json:"custom_attributes,omitempty"`
	PlanUnitedType     string            `json:"plan_united_type,omitempty"`
	ZoomOneType        int               `json:"zoom_one_type,omitempty"`
	EmployeeUniqueID   string            `json:"employee_unique_id,omitempty"`
	Pronouns           string            `json:"pronouns,omitempty"`
	PronounsOption     int               `json:"pronouns_option,omitempty"` // 1 ask, 2 always, 3 never
}

// User types (ZOOM_API §2.3). 3 is the legacy on-prem type.
const (
	UserBasic      = 1
	UserLicensed   = 2
	UserOnPrem     = 3
	UserUnassigned = 4  // without Meetings Basic
	UserNone       = 99 // only with action ssoCreate
)

// User statuses.
const (
	UserActive   = "active"
	UserInactive = "inactive"
	UserPending  = "pending"
)

// PhoneNumber is one of a user's phone numbers.
type PhoneNumber struct {
	Code     string `json:"code,omitempty"`
	Country  string `json:"country,omitempty"`
	Label    string `json:"label,omitempty"` // Mobile, Office, Home, Fax
	Number   string `json:"number,omitempty"`
	Verified bool   `json:"verified,omitempty"`
}

// CustomAttribute is a user's custom attribute.
type CustomAttribute struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// IsOwnerOrAdmin reports whether the user's role is the account's owner or an admin. Zoom's
// role names are "Owner", "Admin" and "Member" by default; custom roles exist, so the check
// is on the name, case-insensitively.
func (u *User) IsOwnerOrAdmin() bool {
	return equalFold(u.RoleName, "owner") || equalFold(u.RoleName, "admin")
}

func equalFold(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), b) }

var epMe = endpoint{http.MethodGet, "/users/me", Light}

// Me returns the user the client's token belongs to: GET /users/me (for a Server-to-Server
// grant, the account owner).
// https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}
func (c *Client) Me(ctx context.Context) (*User, *Response, error) {
	u := new(User)
	resp, err := c.call(ctx, epMe, nil, nil, nil, u)
	if err != nil {
		return nil, resp, err
	}
	return u, resp, nil
}
