package zoom

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Sub account endpoints (ZOOM_API §1). The {accountId} of a sub account is its Zoom account
// id; "me" addresses the caller's own account where Zoom allows it (settings, lock settings,
// domains, plans usage, owner).
var (
	epListSubAccounts   = endpoint{http.MethodGet, "/accounts", Medium}
	epCreateSubAccount  = endpoint{http.MethodPost, "/accounts", Light}
	epGetSubAccount     = endpoint{http.MethodGet, "/accounts/{accountId}", Light}
	epDisassociate      = endpoint{http.MethodDelete, "/accounts/{accountId}", Light}
	epUpdateOptions     = endpoint{http.MethodPatch, "/accounts/{accountId}/options", Light}
	epManagedDomains    = endpoint{http.MethodGet, "/accounts/{accountId}/managed_domains", Light}
	epTrustedDomains    = endpoint{http.MethodGet, "/accounts/{accountId}/trusted_domains", Light}
	epChangeOwner       = endpoint{http.MethodPut, "/accounts/{accountId}/owner", Heavy}
	epMoveUserToAccount = endpoint{http.MethodPut, "/accounts/{accountId}/users/{userId}/account", Light}
)

// SubAccount is an item of GET /accounts (ZOOM_API §1.2).
type SubAccount struct {
	ID                    string `json:"id"`
	AccountName           string `json:"account_name"`
	OwnerEmail            string `json:"owner_email"`
	AccountType           string `json:"account_type"` // free text, e.g. a plan name
	Seats                 int    `json:"seats"`
	SubscriptionStartTime Time   `json:"subscription_start_time,omitzero"`
	SubscriptionEndTime   Time   `json:"subscription_end_time,omitzero"`
	CreatedAt             Time   `json:"created_at,omitzero"`
	AccountNumber         string `json:"account_number,omitempty"`
}

// SubAccountPage is one page of GET /accounts.
type SubAccountPage struct {
	Page
	Accounts []SubAccount `json:"accounts"`
}

// ListSubAccountsOptions filters GET /accounts.
type ListSubAccountsOptions struct {
	// PageSize is the number of accounts per page; 0 means 300, Zoom's maximum.
	PageSize int
	// SubResellerID appears only in Zoom's newer Postman collection, undocumented; it
	// plausibly selects a second-level reseller (ZOOM_API §0, UNCERTAIN). Leave it empty.
	SubResellerID string
}

// ListSubAccountsPage returns one page of the caller's sub accounts: GET /accounts. pageSize
// 0 means Zoom's default (30); Zoom allows at most 300. pageToken is the previous page's
// NextPageToken ("" for the first page); a token older than 15 minutes is refused (400).
// https://developers.zoom.us/docs/api/ma/#tag/accounts/GET/accounts
func (c *Client) ListSubAccountsPage(ctx context.Context, pageSize int, pageToken string) (*SubAccountPage, *Response, error) {
	return c.listSubAccountsPage(ctx, &ListSubAccountsOptions{PageSize: pageSize}, pageToken)
}

func (c *Client) listSubAccountsPage(ctx context.Context, opts *ListSubAccountsOptions, pageToken string) (*SubAccountPage, *Response, error) {
	q := url.Values{}
	if opts != nil && opts.PageSize > 0 {
		q.Set("page_size", strconv.Itoa(opts.PageSize))
	}
	if opts != nil && opts.SubResellerID != "" {
		q.Set("sub_reseller_id", opts.SubResellerID)
	}
	if pageToken != "" {
		q.Set("next_page_token", pageToken)
	}
	page := new(SubAccountPage)
	resp, err := c.call(ctx, epListSubAccounts, nil, q, nil, page)
	if err != nil {
		return nil, resp, err
	}
	return page, resp, nil
}

// SubAccounts iterates over all the caller's sub accounts (GET /accounts, page after page),
// starting again from the first page if a page token expires; each account is yielded once.
// A call that fails ends the iteration with its error. opts may be nil.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/GET/accounts
func (c *Client) SubAccounts(ctx context.Context, opts *ListSubAccountsOptions) iter.Seq2[SubAccount, error] {
	o := ListSubAccountsOptions{PageSize: 300}
	if opts != nil {
		o = *opts
		if o.PageSize <= 0 {
			o.PageSize = 300
		}
	}
	return walk(ctx, c, epListSubAccounts.route, func(ctx context.Context, token string) ([]SubAccount, string, error) {
		p, _, err := c.listSubAccountsPage(ctx, &o, token)
		if err != nil {
			return nil, "", err
		}
		return p.Accounts, p.NextPageToken, nil
	}, func(a SubAccount) string { return a.ID })
}

// AccountOptions is a sub account's options object as Zoom returns it (ZOOM_API §1.3).
type AccountOptions struct {
	ShareRC              bool     `json:"share_rc"`               // use the primary's Virtual Room Connectors (on-prem)
	RoomConnectorList    []string `json:"room_connector_list"`    // IPs of shared room connectors; empty means all
	ShareMC              bool     `json:"share_mc"`               // use the primary's Meeting Connectors (on-prem)
	MeetingConnectorList []string `json:"meeting_connector_list"` // IPs of shared meeting connectors
	PayMode              string   `json:"pay_mode"`               // "master" (the primary pays) or "sub"
	BillingAutoRenew     bool     `json:"billing_auto_renew"`
}

// Pay modes of a sub account.
const (
	PayModeMaster = "master" // the primary account pays
	PayModeSub    = "sub"    // the sub account pays itself
)

// AccountOptionsUpdate is the options object of POST /accounts and PATCH .../options: nil
// fields are left as they are. Use the array forms (room_connector_list,
// meeting_connector_list); the older comma-separated string forms (room_connectors,
// meeting_connectors) are sent only when set (ZOOM_API §1.3).
type AccountOptionsUpdate struct {
	ShareRC              *bool    `json:"share_rc,omitempty"`
	RoomConnectorList    []string `json:"room_connector_list,omitempty"`
	ShareMC              *bool    `json:"share_mc,omitempty"`
	MeetingConnectorList []string `json:"meeting_connector_list,omitempty"`
	PayMode              string   `json:"pay_mode,omitempty"` // PayModeMaster or PayModeSub
	BillingAutoRenew     *bool    `json:"billing_auto_renew,omitempty"`
	// RoomConnectors and MeetingConnectors are the 2017 docs' comma-separated string forms
	// of the connector lists (UNCERTAIN: the 2021 spec has only the array forms; whether Zoom
	// still accepts these is not established). Leave them empty and set the lists instead.
	RoomConnectors    string `json:"room_connectors,omitempty"`
	MeetingConnectors string `json:"meeting_connectors,omitempty"`
}

// CreateSubAccountRequest is the body of POST /accounts (ZOOM_API §1.3).
type CreateSubAccountRequest struct {
	FirstName   string                `json:"first_name"`             // required, at most 64
	LastName    string                `json:"last_name"`              // required, at most 64
	Email       string                `json:"email"`                  // required; must be a brand-new Zoom user
	Password    string                `json:"password"`               // required, at least 8; sent to Zoom, never stored or logged
	AccountName string                `json:"account_name,omitempty"` // defaults to first + last name
	Options     *AccountOptionsUpdate `json:"options,omitempty"`
	VanityURL   string                `json:"vanity_url,omitempty"`      // in newer client types only (UNCERTAIN)
	SubReseller string                `json:"sub_reseller_id,omitempty"` // newer Postman collection only (UNCERTAIN)
}

// CreatedSubAccount is the answer to POST /accounts.
type CreatedSubAccount struct {
	ID         string `json:"id"`
	OwnerID    string `json:"owner_id"`
	OwnerEmail string `json:"owner_email"`
	CreatedAt  Time   `json:"created_at,omitzero"`
}

// CreateSubAccount creates a sub account and its owner: POST /accounts. Zoom answers 409
// code 1005 when the email already has a Zoom user (IsConflict), 400 code 300 for invalid
// input or names, 1107 for a blocked domain, 1111 for a weak password. A lost answer is
// *OutcomeUnknownError: look the account up by its owner's email before trying again.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/POST/accounts
func (c *Client) CreateSubAccount(ctx context.Context, req *CreateSubAccountRequest) (*CreatedSubAccount, *Response, error) {
	out := new(CreatedSubAccount)
	resp, err := c.call(ctx, epCreateSubAccount, nil, nil, req, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// SubAccountDetail is GET /accounts/{accountId} (ZOOM_API §1.4).
type SubAccountDetail struct {
	ID         string         `json:"id"`
	OwnerID    string         `json:"owner_id"`
	OwnerEmail string         `json:"owner_email"`
	CreatedAt  Time           `json:"created_at,omitzero"`
	Options    AccountOptions `json:"options"`
	VanityURL  string         `json:"vanity_url"`
}

// GetSubAccount returns a sub account: GET /accounts/{accountId}. A sub account that does not
// exist or is not the caller's is 404 code 2001 (IsNotFound).
// https://developers.zoom.us/docs/api/ma/#tag/accounts/GET/accounts/{accountId}
func (c *Client) GetSubAccount(ctx context.Context, accountID string) (*SubAccountDetail, *Response, error) {
	out := new(SubAccountDetail)
	resp, err := c.call(ctx, epGetSubAccount, []string{accountID}, nil, nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// DisassociateSubAccount unlinks a sub account from the caller (the account itself stays):
// DELETE /accounts/{accountId}. A paid sub account cannot be disassociated (code 2000, filed
// under HTTP 404 by Zoom's spec, so test the code, not IsNotFound); an unknown one is 2001.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/DELETE/accounts/{accountId}
func (c *Client) DisassociateSubAccount(ctx context.Context, accountID string) (*Response, error) {
	return c.call(ctx, epDisassociate, []string{accountID}, nil, nil, nil)
}

// UpdateSubAccountOptions changes a sub account's options: PATCH /accounts/{accountId}/options.
// The pay mode of an account that already has a plan cannot change (code 200); code 2100 when
// the collection method is fixed.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/PATCH/accounts/{accountId}/options
func (c *Client) UpdateSubAccountOptions(ctx context.Context, accountID string, opts *AccountOptionsUpdate) (*Response, error) {
	return c.call(ctx, epUpdateOptions, []string{accountID}, nil, opts, nil)
}

// ManagedDomain is a domain of GET .../managed_domains.
type ManagedDomain struct {
	Domain string `json:"domain"`
	Status string `json:"status"` // e.g. "verified"
}

// ManagedDomains is the answer of GET /accounts/{accountId}/managed_domains.
type ManagedDomains struct {
	TotalRecords int             `json:"total_records"`
	Domains      []ManagedDomain `json:"domains"`
}

// ManagedDomains returns an account's managed domains: GET /accounts/{accountId}/managed_domains
// ("me" for the caller's own). Only paid accounts have them (code 200 otherwise).
// https://developers.zoom.us/docs/api/ma/#tag/accounts/GET/accounts/{accountId}/managed_domains
func (c *Client) ManagedDomains(ctx context.Context, accountID string) (*ManagedDomains, *Response, error) {
	out := new(ManagedDomains)
	resp, err := c.call(ctx, epManagedDomains, []string{accountID}, nil, nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// TrustedDomains returns an account's trusted domains: GET /accounts/{accountId}/trusted_domains.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/GET/accounts/{accountId}/trusted_domains
func (c *Client) TrustedDomains(ctx context.Context, accountID string) ([]string, *Response, error) {
	var out struct {
		TrustedDomains []string `json:"trusted_domains"`
	}
	resp, err := c.call(ctx, epTrustedDomains, []string{accountID}, nil, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return out.TrustedDomains, resp, nil
}

// ChangeOwner makes email, an active admin of the account, its owner: PUT
// /accounts/{accountId}/owner. Zoom refuses with code 200 a user outside the account, one
// that is not an admin, or the current owner; 3201/3211 when billing records are missing.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/PUT/accounts/{accountId}/owner
func (c *Client) ChangeOwner(ctx context.Context, accountID, email string) (*Response, error) {
	body := struct {
		Email string `json:"email"`
	}{strings.TrimSpace(email)}
	return c.call(ctx, epChangeOwner, []string{accountID}, nil, body, nil)
}

// MoveUser moves a user to another sub account of the same primary: PUT
// /accounts/{accountId}/users/{userId}/account, where accountID is the user's current
// account ("me" for the primary itself) and toAccountID the target. Admins and owners cannot
// be moved (code 1117), nor users on the owner's managed domain; unknown users are 1001/1010.
// https://developers.zoom.us/docs/api/ma/#tag/accounts/PUT/accounts/{accountId}/users/{userId}/account
func (c *Client) MoveUser(ctx context.Context, accountID, userID, toAccountID string) (*Response, error) {
	body := struct {
		AccountID string `json:"account_id"`
	}{toAccountID}
	return c.call(ctx, epMoveUserToAccount, []string{accountID, userID}, nil, body, nil)
}
