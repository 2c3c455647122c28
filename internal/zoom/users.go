package zoom

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// User endpoints exist for the caller's own account (/users/...) and for a sub account
// (/accounts/{accountId}/users/...), with identical shapes (ZOOM_API §2). Methods take the
// account first: OwnAccount ("") or "me" means the caller's own account, anything else a sub
// account id. userId is a user id, an email, or "me" (own account only).

// OwnAccount is the accountID that addresses the caller's own account in user methods.
const OwnAccount = ""

// usersEndpoint returns the endpoint and arguments for the users route with suffix (e.g.
// "/{userId}/status"), in the own-account or sub-account form.
func usersEndpoint(method, suffix string, label Label, accountID string, args ...string) (endpoint, []string) {
	if accountID == OwnAccount || accountID == "me" {
		return endpoint{method, "/users" + suffix, label}, args
	}
	return endpoint{method, "/accounts/{accountId}/users" + suffix, label}, append([]string{accountID}, args...)
}

// UserPage is one page of GET .../users.
type UserPage struct {
	Page
	Users []User `json:"users"`
}

// ListUsersOptions filters GET .../users.
type ListUsersOptions struct {
	// Status is UserActive (Zoom's default when empty), UserInactive or UserPending: one
	// value per list; Users with AllStatuses walks all three.
	Status string
	// PageSize is the number of users per page; 0 means 300 for iterators and Zoom's default
	// (30) for ListUsersPage. Zoom allows 300 (2021 spec) or 2000 (2025 spec); ask for 300.
	PageSize int
	// RoleID filters by role.
	RoleID string
	// IncludeFields adds "custom_attributes" and/or "host_key" to the items.
	IncludeFields []string
	// License filters by licence (zoom_workforce_management, zoom_compliance_management).
	License string
}

// AllStatuses, as ListUsersOptions.Status of Users, walks active, inactive and pending users.
const AllStatuses = "all"

// ListUsersPage returns one page of an account's users: GET /users or GET
// /accounts/{accountId}/users. pageToken is the previous page's NextPageToken ("" first).
// https://developers.zoom.us/docs/api/users/#tag/users/GET/users
func (c *Client) ListUsersPage(ctx context.Context, accountID string, opts *ListUsersOptions, pageToken string) (*UserPage, *Response, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Status != "" {
			q.Set("status", opts.Status)
		}
		if opts.PageSize > 0 {
			q.Set("page_size", strconv.Itoa(opts.PageSize))
		}
		if opts.RoleID != "" {
			q.Set("role_id", opts.RoleID)
		}
		if len(opts.IncludeFields) > 0 {
			q.Set("include_fields", strings.Join(opts.IncludeFields, ","))
		}
		if opts.License != "" {
			q.Set("license", opts.License)
		}
	}
	if pageToken != "" {
		q.Set("next_page_token", pageToken)
	}
	ep, args := usersEndpoint(http.MethodGet, "", Medium, accountID)
	page := new(UserPage)
	resp, err := c.call(ctx, ep, args, q, nil, page)
	if err != nil {
		return nil, resp, err
	}
	return page, resp, nil
}

// Users iterates over all users of an account (GET .../users, page after page), starting
// again from the first page if a page token expires; each user (by id, or by email for
// pending users, who have no id in lists) is yielded once. With Status AllStatuses it walks
// active, inactive and pending users in turn. A call that fails ends the iteration with its
// error. opts may be nil.
// https://developers.zoom.us/docs/api/users/#tag/users/GET/users
func (c *Client) Users(ctx context.Context, accountID string, opts *ListUsersOptions) iter.Seq2[User, error] {
	o := ListUsersOptions{}
	if opts != nil {
		o = *opts
	}
	if o.PageSize <= 0 {
		o.PageSize = 300
	}
	statuses := []string{o.Status}
	if o.Status == AllStatuses {
		statuses = []string{UserActive, UserInactive, UserPending}
	}
	ep, _ := usersEndpoint(http.MethodGet, "", Medium, accountID)
	return func(yield func(User, error) bool) {
		for _, st := range statuses {
			so := o
			so.Status = st
			seq := walk(ctx, c, ep.route, func(ctx context.Context, token string) ([]User, string, error) {
				p, _, err := c.ListUsersPage(ctx, accountID, &so, token)
				if err != nil {
					return nil, "", err
				}
				return p.Users, p.NextPageToken, nil
			}, userKey)
			for u, err := range seq {
				if !yield(u, err) || err != nil {
					return
				}
			}
		}
	}
}

// userKey identifies a user in a list: pending users have no id.
func userKey(u User) string {
	if u.ID != "" {
		return "id:" + u.ID
	}
	return "email:" + strings.ToLower(u.Email)
}

// User creation actions (ZOOM_API §2.3).
const (
	ActionCreate     = "create"     // Zoom emails a confirmation link; the user stays pending until they accept
	ActionAutoCreate = "autoCreate" // managed domains only; no email; password from the request
	ActionCustCreate = "custCreate" // no password, cannot sign in; needs Zoom's approval
	ActionSSOCreate  = "ssoCreate"  // pre-provisioned SSO user; no password
)

// CreateUserRequest is the body of POST .../users.
type CreateUserRequest struct {
	Action   string         `json:"action"` // ActionCreate, ActionAutoCreate, ActionCustCreate, ActionSSOCreate
	UserInfo CreateUserInfo `json:"user_info"`
}

// CreateUserInfo is the user to create.
type CreateUserInfo struct {
	Email          string       `json:"email"` // required, at most 128
	Type           int          `json:"type"`  // required: UserBasic, UserLicensed, UserUnassigned, UserNone
	FirstName      string       `json:"first_name,omitempty"`
	LastName       string       `json:"last_name,omitempty"`
	DisplayName    string       `json:"display_name,omitempty"`
	Password       string       `json:"password,omitempty"` // autoCreate only; never stored or logged
	Feature        *UserFeature `json:"feature,omitempty"`
	PlanUnitedType string       `json:"plan_united_type,omitempty"`
}

// UserFeature are licence features of a user.
type UserFeature struct {
	ZoomPhone   *bool `json:"zoom_phone,omitempty"`
	ZoomOneType int   `json:"zoom_one_type,omitempty"`
}

// CreatedUser is the answer to POST .../users.
type CreatedUser struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Type      int    `json:"type"`
}

// CreateUser adds a user to an account: POST /users or POST /accounts/{accountId}/users. An
// email already in use is 409 code 1005 or 400 code 1009 (IsConflict); a blocked domain 1107;
// licence quotas 2033/2034/3412; an unknown group 4130. While the creation runs, Zoom answers
// other calls on that user 429 ("too many concurrent requests"). A lost answer is
// *OutcomeUnknownError: look the user up by email (GetUser accepts an email) before trying
// again. https://developers.zoom.us/docs/api/users/#tag/users/POST/users
func (c *Client) CreateUser(ctx context.Context, accountID string, req *CreateUserRequest) (*CreatedUser, *Response, error) {
	ep, args := usersEndpoint(http.MethodPost, "", Light, accountID)
	out := new(CreatedUser)
	resp, err := c.call(ctx, ep, args, nil, req, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// GetUserOptions are the query parameters of GET .../users/{userId}.
type GetUserOptions struct {
	LoginType        *int // 0 Facebook, 1 Google, 24 Apple, 27 Microsoft, 97 mobile, 98 RingCentral, 99 API, 100 Zoom work email, 101 SSO
	EncryptedEmail   bool
	SearchByUniqueID bool
}

// GetUser returns a user by id or email: GET /users/{userId} or GET
// /accounts/{accountId}/users/{userId}. Unknown users are 404 code 1001, users of another
// account 1010 (IsNotFound); a pending user whose invitation expired is 400 code 1120. opts
// may be nil. https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}
func (c *Client) GetUser(ctx context.Context, accountID, userID string, opts *GetUserOptions) (*User, *Response, error) {
	q := url.Values{}
	if opts != nil {
		if opts.LoginType != nil {
			q.Set("login_type", itoa(*opts.LoginType))
		}
		if opts.EncryptedEmail {
			q.Set("encrypted_email", "true")
		}
		if opts.SearchByUniqueID {
			q.Set("search_by_unique_id", "true")
		}
	}
	ep, args := usersEndpoint(http.MethodGet, "/{userId}", Light, accountID, userID)
	u := new(User)
	resp, err := c.call(ctx, ep, args, q, nil, u)
	if err != nil {
		return nil, resp, err
	}
	return u, resp, nil
}

// UserUpdate is the body of PATCH .../users/{userId}: nil fields are left as they are.
type UserUpdate struct {
	FirstName        *string           `json:"first_name,omitempty"`
	LastName         *string           `json:"last_name,omitempty"`
	DisplayName      *string           `json:"display_name,omitempty"`
	Type             *int              `json:"type,omitempty"`
	PMI              *int64            `json:"pmi,omitempty"` // 10 digits, 1000000000-9999999999
	UsePMI           *bool             `json:"use_pmi,omitempty"`
	Timezone         *string           `json:"timezone,omitempty"`
	Language         *string           `json:"language,omitempty"`
	Dept             *string           `json:"dept,omitempty"`
	VanityName       *string           `json:"vanity_name,omitempty"`
	HostKey          *string           `json:"host_key,omitempty"` // 6-10 characters
	CMSUserID        *string           `json:"cms_user_id,omitempty"`
	JobTitle         *string           `json:"job_title,omitempty"`
	Company          *string           `json:"company,omitempty"`
	Location         *string           `json:"location,omitempty"`
	Manager          *string           `json:"manager,omitempty"`
	PhoneNumbers     []PhoneNumber     `json:"phone_numbers,omitempty"`
	CustomAttributes []CustomAttribute `json:"custom_attributes,omitempty"`
	GroupID          *string           `json:"group_id,omitempty"`
	Pronouns         *string           `json:"pronouns,omitempty"`
	PronounsOption   *int              `json:"pronouns_option,omitempty"` // 1 ask, 2 always, 3 never
	ZoomOneType      *int              `json:"zoom_one_type,omitempty"`
	PlanUnitedType   *string           `json:"plan_united_type,omitempty"`
	Feature          *UserFeature      `json:"feature,omitempty"`
	AboutMe          *string           `json:"about_me,omitempty"`
	LinkedInURL      *string           `json:"linkedin_url,omitempty"`
}

// UpdateUserOptions are the query parameters of PATCH .../users/{userId}.
type UpdateUserOptions struct {
	LoginType            *int
	RemoveTSPCredentials bool
}

// UpdateUser changes a user: PATCH /users/{userId} or PATCH
// /accounts/{accountId}/users/{userId}. Code 200 when the caller may not change those fields,
// 300 for invalid values, 1108 type permission, 1109 "Host is not a paid user", 2033/2034
// licence quotas, 1001 unknown user. opts may be nil.
// https://developers.zoom.us/docs/api/users/#tag/users/PATCH/users/{userId}
func (c *Client) UpdateUser(ctx context.Context, accountID, userID string, update *UserUpdate, opts *UpdateUserOptions) (*Response, error) {
	q := url.Values{}
	if opts != nil {
		if opts.LoginType != nil {
			q.Set("login_type", itoa(*opts.LoginType))
		}
		if opts.RemoveTSPCredentials {
			q.Set("remove_tsp_credentials", "true")
		}
	}
	ep, args := usersEndpoint(http.MethodPatch, "/{userId}", Light, accountID, userID)
	return c.call(ctx, ep, args, q, update, nil)
}

// Delete actions.
const (
	DeleteDisassociate = "disassociate" // unlink: the user keeps a free basic account (also removes pending users)
	DeletePermanently  = "delete"       // delete the user for good
)

// DeleteUserOptions are the query parameters of DELETE .../users/{userId}.
type DeleteUserOptions struct {
	Action             string // DeleteDisassociate (Zoom's default) or DeletePermanently
	TransferEmail      string // who receives the transfers below
	TransferMeeting    bool
	TransferWebinar    bool
	TransferRecording  bool
	TransferWhiteboard bool
	TransferClipfiles  bool
	TransferNotes      bool
	TransferVisitors   bool
	TransferDocs       bool
	EncryptedEmail     bool
}

// DeleteUser disassociates or deletes a user: DELETE /users/{userId} or DELETE
// /accounts/{accountId}/users/{userId}. Admins cannot be removed (1117), nor users on a
// managed domain (1107), Zoom Rooms (200) or call-queue managers (1000). opts may be nil. A
// lost answer is *OutcomeUnknownError: look the user up before trying again.
// https://developers.zoom.us/docs/api/users/#tag/users/DELETE/users/{userId}
func (c *Client) DeleteUser(ctx context.Context, accountID, userID string, opts *DeleteUserOptions) (*Response, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Action != "" {
			q.Set("action", opts.Action)
		}
		if opts.TransferEmail != "" {
			q.Set("transfer_email", opts.TransferEmail)
		}
		for name, on := range map[string]bool{
			"transfer_meeting": opts.TransferMeeting, "transfer_webinar": opts.TransferWebinar,
			"transfer_recording": opts.TransferRecording, "transfer_whiteboard": opts.TransferWhiteboard,
			"transfer_clipfiles": opts.TransferClipfiles, "transfer_notes": opts.TransferNotes,
			"transfer_visitors": opts.TransferVisitors, "transfer_docs": opts.TransferDocs,
			"encrypted_email": opts.EncryptedEmail,
		} {
			if on {
				q.Set(name, "true")
			}
		}
	}
	ep, args := usersEndpoint(http.MethodDelete, "/{userId}", Light, accountID, userID)
	return c.call(ctx, ep, args, q, nil, nil)
}
