package sandbox

import (
	"strconv"
	"strings"
	"time"
)

// ts formats a time as Zoom does: RFC 3339 UTC without fractions.
func ts(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// tsOpt is ts, or "" for the zero time.
func tsOpt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ts(t)
}

// userView is the user object of GET /users/{userId} (ZOOM_API.md §2.4). It has no host_key:
// Zoom's type of this answer (spec.User) lacks it; only list items carry it, when asked for.
type userView struct {
	ID                 string            `json:"id"`
	FirstName          string            `json:"first_name"`
	LastName           string            `json:"last_name"`
	DisplayName        string            `json:"display_name"`
	Email              string            `json:"email"`
	Type               int               `json:"type"`
	RoleName           string            `json:"role_name"`
	PMI                int64             `json:"pmi"`
	UsePMI             bool              `json:"use_pmi"`
	PersonalMeetingURL string            `json:"personal_meeting_url"`
	VanityURL          string            `json:"vanity_url,omitempty"`
	Timezone           string            `json:"timezone"`
	Verified           int               `json:"verified"`
	Dept               string            `json:"dept"`
	CreatedAt          string            `json:"created_at"`
	UserCreatedAt      string            `json:"user_created_at"`
	LastLoginTime      string            `json:"last_login_time,omitempty"`
	LastClientVersion  string            `json:"last_client_version,omitempty"`
	PicURL             string            `json:"pic_url"`
	CMSUserID          string            `json:"cms_user_id"`
	JID                string            `json:"jid"`
	GroupIDs           []string          `json:"group_ids"`
	IMGroupIDs         []string          `json:"im_group_ids"`
	AccountID          string            `json:"account_id"`
	AccountNumber      int64             `json:"account_number"`
	Language           string            `json:"language"`
	PhoneNumbers       []phoneNumber     `json:"phone_numbers,omitempty"`
	Status             string            `json:"status"`
	RoleID             string            `json:"role_id"`
	Cluster            string            `json:"cluster"`
	LoginTypes         []int             `json:"login_types"`
	Company            string            `json:"company"`
	JobTitle           string            `json:"job_title"`
	Location           string            `json:"location"`
	Manager            string            `json:"manager,omitempty"`
	Pronouns           string            `json:"pronouns,omitempty"`
	PronounsOption     int               `json:"pronouns_option,omitempty"`
	CustomAttributes   []customAttribute `json:"custom_attributes,omitempty"`
	EmployeeUniqueID   string            `json:"employee_unique_id,omitempty"`
	PlanUnitedType     string            `json:"plan_united_type,omitempty"`
	ZoomOneType        int               `json:"zoom_one_type,omitempty"`
}

// userListItem is one item of GET .../users (ZOOM_API.md §2.2): no id for pending users,
// no role_name.
type userListItem struct {
	ID                string            `json:"id,omitempty"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	DisplayName       string            `json:"display_name"`
	Email             string            `json:"email"`
	Type              int               `json:"type"`
	PMI               int64             `json:"pmi"`
	Timezone          string            `json:"timezone"`
	Verified          int               `json:"verified"`
	Dept              string            `json:"dept"`
	CreatedAt         string            `json:"created_at"`
	UserCreatedAt     string            `json:"user_created_at"`
	LastLoginTime     string            `json:"last_login_time,omitempty"`
	LastClientVersion string            `json:"last_client_version,omitempty"`
	GroupIDs          []string          `json:"group_ids"`
	IMGroupIDs        []string          `json:"im_group_ids"`
	Status            string            `json:"status"`
	RoleID            string            `json:"role_id"`
	EmployeeUniqueID  string            `json:"employee_unique_id,omitempty"`
	PlanUnitedType    string            `json:"plan_united_type,omitempty"`
	HostKey           string            `json:"host_key,omitempty"`
	CustomAttributes  []customAttribute `json:"custom_attributes,omitempty"`
}

// createdAt is the created_at Zoom shows: the call time for pending users.
func (c *call) createdAt(u *user) string {
	if u.Status == statusPending {
		return ts(c.now)
	}
	return ts(u.CreatedAt)
}

// verified is 1 once the user confirmed the email.
func verified(u *user) int {
	if u.Status == statusPending {
		return 0
	}
	return 1
}

// strs returns a non-nil copy of a string slice (JSON [] rather than null).
func strs(in []string) []string { return append([]string{}, in...) }

// userView builds the single-user object.
func (c *call) userView(u *user) userView {
	a := c.st.Accounts[u.AccountID]
	pmiURL := c.s.baseURL(c.r) + "/j/" + strconv.FormatInt(u.PMI, 10)
	vanity := ""
	if u.VanityName != "" {
		vanity = c.s.baseURL(c.r) + "/my/" + u.VanityName
		pmiURL = vanity
	}
	return userView{
		ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName, Email: u.Email,
		Type: u.Type, RoleName: u.Role, PMI: u.PMI, UsePMI: u.UsePMI, PersonalMeetingURL: pmiURL, VanityURL: vanity,
		Timezone: u.Timezone, Verified: verified(u), Dept: u.Dept, CreatedAt: c.createdAt(u), UserCreatedAt: ts(u.CreatedAt),
		LastLoginTime: tsOpt(u.LastLoginTime), LastClientVersion: u.LastClient, CMSUserID: u.CMSUserID,
		JID: strings.ToLower(u.ID) + "@xmpp.zoom.us", GroupIDs: strs(u.GroupIDs), IMGroupIDs: []string{},
		AccountID: u.AccountID, AccountNumber: a.Number, Language: u.Language, PhoneNumbers: u.PhoneNumbers,
		Status: u.Status, RoleID: u.roleID(), Cluster: "us05", LoginTypes: []int{100},
		Company: u.Company, JobTitle: u.JobTitle, Location: u.Location, Manager: u.Manager,
		Pronouns: u.Pronouns, PronounsOption: u.PronounsOption, CustomAttributes: u.CustomAttributes,
		EmployeeUniqueID: u.EmployeeUniqueID, PlanUnitedType: u.PlanUnitedType, ZoomOneType: u.ZoomOneType,
	}
}

// listItem builds one list item; include holds the include_fields values.
func (c *call) listItem(u *user, include string) userListItem {
	it := userListItem{
		FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName, Email: u.Email,
		Type: u.Type, PMI: u.PMI, Timezone: u.Timezone, Verified: verified(u), Dept: u.Dept,
		CreatedAt: c.createdAt(u), UserCreatedAt: ts(u.CreatedAt), LastLoginTime: tsOpt(u.LastLoginTime),
		LastClientVersion: u.LastClient, GroupIDs: strs(u.GroupIDs), IMGroupIDs: []string{},
		Status: u.Status, RoleID: u.roleID(), EmployeeUniqueID: u.EmployeeUniqueID, PlanUnitedType: u.PlanUnitedType,
	}
	if u.Status != statusPending {
		it.ID = u.ID
	}
	if strings.Contains(include, "host_key") {
		it.HostKey = u.HostKey
	}
	if strings.Contains(include, "custom_attributes") {
		it.CustomAttributes = append([]customAttribute{}, u.CustomAttributes...)
	}
	return it
}

// findUser resolves a {userId} path value (id, email or "me") inside the target account.
func (c *call) findUser(param string) (*user, error) {
	var u *user
	switch {
	case param == "me":
		u = c.me
	case strings.Contains(param, "@"):
		u = c.st.userByEmail(param)
	default:
		u = c.st.Users[param]
	}
	if u == nil {
		return nil, errNoUser(param)
	}
	if u.AccountID != c.target.ID {
		if owner := c.st.Accounts[u.AccountID]; owner != nil && (owner.ID == c.caller.ID || (c.caller.Primary && owner.ParentID == c.caller.ID)) {
			return nil, zerr(404, 1010, "User does not belong to this account.")
		}
		return nil, errNoUser(param)
	}
	return u, nil
}

// getUser is GET /users/{userId} and GET /accounts/{accountId}/users/{userId}.
func getUser(c *call) (any, error) {
	u, err := c.findUser(c.r.PathValue("userId"))
	if err != nil {
		return nil, err
	}
	if u.Status == statusPending && u.InviteExpired {
		return nil, errInviteGone()
	}
	return c.userView(u), nil
}
