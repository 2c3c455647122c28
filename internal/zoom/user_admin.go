package zoom

import (
	"context"
	"net/http"
)

// Status actions of PUT .../users/{userId}/status (ZOOM_API §2.7).
const (
	StatusActivate   = "activate"   // restore sign-in
	StatusDeactivate = "deactivate" // remove licences and block sign-in
	StatusClockIn    = "clock_in"   // 2025 spec
	StatusClockOut   = "clock_out"  // 2025 spec
)

// UpdateUserStatus activates or deactivates a user: PUT /users/{userId}/status or PUT
// /accounts/{accountId}/users/{userId}/status with action StatusActivate or
// StatusDeactivate. Owners, admins and Zoom Rooms cannot change status (code 200); activation
// may hit a licence quota (3412/2033). Zoom answers 204 (2021 spec) or 200 (2025 copy): both
// are success. https://developers.zoom.us/docs/api/users/#tag/users/PUT/users/{userId}/status
func (c *Client) UpdateUserStatus(ctx context.Context, accountID, userID, action string) (*Response, error) {
	body := struct {
		Action string `json:"action"`
	}{action}
	ep, args := usersEndpoint(http.MethodPut, "/{userId}/status", Light, accountID, userID)
	return c.call(ctx, ep, args, nil, body, nil)
}

// GetUserSettings returns a user's settings: GET /users/{userId}/settings or GET
// /accounts/{accountId}/users/{userId}/settings; the sections mirror the account's. A pending
// user's settings are 1120 (or, older, 1000). opts may be nil.
// https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}/settings
func (c *Client) GetUserSettings(ctx context.Context, accountID, userID string, opts *SettingsOptions) (Settings, *Response, error) {
	ep, args := usersEndpoint(http.MethodGet, "/{userId}/settings", Medium, accountID, userID)
	out := Settings{}
	resp, err := c.call(ctx, ep, args, opts.query(), nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// UpdateUserSettings changes some of a user's settings: PATCH .../users/{userId}/settings
// with only the fields to change. Settings locked by the account cannot change.
// https://developers.zoom.us/docs/api/users/#tag/users/PATCH/users/{userId}/settings
func (c *Client) UpdateUserSettings(ctx context.Context, accountID, userID string, update Settings, opts *SettingsOptions) (*Response, error) {
	ep, args := usersEndpoint(http.MethodPatch, "/{userId}/settings", Medium, accountID, userID)
	return c.call(ctx, ep, args, opts.query(), update, nil)
}

// UpdateUserPassword sets a user's password: PUT .../users/{userId}/password. The password is
// sent to Zoom and never stored or logged; policy violations are codes 1123-1136, an admin's
// password 1117. https://developers.zoom.us/docs/api/users/#tag/users/PUT/users/{userId}/password
func (c *Client) UpdateUserPassword(ctx context.Context, accountID, userID, password string) (*Response, error) {
	body := struct {
		Password string `json:"password"`
	}{password}
	ep, args := usersEndpoint(http.MethodPut, "/{userId}/password", Medium, accountID, userID)
	return c.call(ctx, ep, args, nil, body, nil)
}

// UpdateUserEmail changes a user's sign-in email: PUT .../users/{userId}/email. Zoom allows it
// only for users on a managed domain, at most 3 times in 24 hours; an address already in use
// is 409 code 1005. https://developers.zoom.us/docs/api/users/#tag/users/PUT/users/{userId}/email
func (c *Client) UpdateUserEmail(ctx context.Context, accountID, userID, email string) (*Response, error) {
	body := struct {
		Email string `json:"email"`
	}{email}
	ep, args := usersEndpoint(http.MethodPut, "/{userId}/email", Light, accountID, userID)
	return c.call(ctx, ep, args, nil, body, nil)
}
