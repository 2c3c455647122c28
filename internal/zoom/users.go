package zoom

import (
	"context"
	"net/http"
)

// User is a Zoom user as GET /users/{userId} returns it (ZOOM_API §2.4; the union of the 2021
// and 2025 specs). List items carry a subset: no role_name, and no id for pending users.
type User struct {
	ID                 string        `json:"id,omitempty"`
	AccountID          string        `json:"account_id,omitempty"`
	AccountNumber      int64         `json:"account_number,omitempty"`
	Email              string        `json:"email"`
	FirstName          string        `json:"first_name,omitempty"`
	LastName           string        `json:"last_name,omitempty"`
	DisplayName        string        `json:"display_name,omitempty"`
	Type               int           `json:"type"`
	RoleName           string        `json:"role_name,omitempty"`
	RoleID             string        `json:"role_id,omitempty"`
	Status             string        `json:"status,omitempty"`
	PMI                int64         `json:"pmi,omitempty"`
	UsePMI             bool          `json:"use_pmi,omitempty"`
	PersonalMeetingURL string        `json:"personal_meeting_url,omitempty"`
	VanityURL          string        `json:"vanity_url,omitempty"`
	Timezone           string        `json:"timezone,omitempty"`
	Language           string        `json:"language,omitempty"`
	Dept               string        `json:"dept,omitempty"`
	Company            string        `json:"company,omitempty"`
	JobTitle           string        `json:"job_title,omitempty"`
	Location           string        `json:"location,omitempty"`
	Manager            string        `json:"manager,omitempty"`
	CreatedAt          string        `json:"created_at,omitempty"`
	UserCreatedAt      string        `json:"user_created_at,omitempty"`
	LastLoginTime      string        `json:"last_login_time,omitempty"`
	LastClientVersion  string        `json:"last_client_version,omitempty"`
	PicURL             string        `json:"pic_url,omitempty"`
	Verified           int           `json:"verified,omitempty"`
	HostKey            string        `json:"host_key,omitempty"`
	CMSUserID          string        `json:"cms_user_id,omitempty"`
	JID                string        `json:"jid,omitempty"`
	Cluster            string        `json:"cluster,omitempty"`
	GroupIDs           []string      `json:"group_ids,omitempty"`
	IMGroupIDs         []string      `json:"im_group_ids,omitempty"`
	LoginTypes         []int         `json:"login_types,omitempty"`
	PhoneNumbers       []PhoneNumber `json:"phone_numbers,omitempty"`
	PlanUnitedType     string        `json:"plan_united_type,omitempty"`
	EmployeeUniqueID   string        `json:"employee_unique_id,omitempty"`
	Pronouns           string        `json:"pronouns,omitempty"`
	PronounsOption     int           `json:"pronouns_option,omitempty"`
}

// PhoneNumber is one of a user's phone numbers.
type PhoneNumber struct {
	Code     string `json:"code,omitempty"`
	Country  string `json:"country,omitempty"`
	Label    string `json:"label,omitempty"`
	Number   string `json:"number,omitempty"`
	Verified bool   `json:"verified,omitempty"`
}

// IsOwnerOrAdmin reports whether the user's role is the account's owner or an admin.
// Zoom's role names are "Owner", "Admin" and "Member" by default; the check is on the name,
// case-insensitively (custom admin roles with other names are not recognized).
func (u *User) IsOwnerOrAdmin() bool {
	switch {
	case equalFold(u.RoleName, "owner"), equalFold(u.RoleName, "admin"):
		return true
	}
	return false
}

// Me returns the user the client's token belongs to: GET /users/me.
// https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}
func (c *Client) Me(ctx context.Context) (*User, *Response, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "users/me", nil, nil)
	if err != nil {
		return nil, nil, err
	}
	u := new(User)
	resp, err := c.do(req, u)
	if err != nil {
		return nil, resp, err
	}
	return u, resp, nil
}
