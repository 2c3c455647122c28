package zoom

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SubAccount is an item of GET /accounts (ZOOM_API §1.2).
type SubAccount struct {
	ID                    string `json:"id"`
	AccountName           string `json:"account_name"`
	OwnerEmail            string `json:"owner_email"`
	AccountType           string `json:"account_type"`
	Seats                 int    `json:"seats"`
	SubscriptionStartTime string `json:"subscription_start_time,omitempty"`
	SubscriptionEndTime   string `json:"subscription_end_time,omitempty"`
	CreatedAt             string `json:"created_at,omitempty"`
	AccountNumber         string `json:"account_number,omitempty"`
}

// SubAccountPage is one page of GET /accounts.
type SubAccountPage struct {
	PageCount     int          `json:"page_count"`
	PageNumber    int          `json:"page_number"`
	PageSize      int          `json:"page_size"`
	TotalRecords  int          `json:"total_records"`
	NextPageToken string       `json:"next_page_token"`
	Accounts      []SubAccount `json:"accounts"`
}

// ListSubAccountsPage returns one page of the caller's sub accounts: GET /accounts.
// pageSize is clamped by Zoom to 300. https://developers.zoom.us/docs/api/ma/#tag/accounts/GET/accounts
func (c *Client) ListSubAccountsPage(ctx context.Context, pageSize int, pageToken string) (*SubAccountPage, *Response, error) {
	q := url.Values{}
	if pageSize > 0 {
		q.Set("page_size", strconv.Itoa(pageSize))
	}
	if pageToken != "" {
		q.Set("next_page_token", pageToken)
	}
	req, err := c.newRequest(ctx, http.MethodGet, "accounts", q, nil)
	if err != nil {
		return nil, nil, err
	}
	page := new(SubAccountPage)
	resp, err := c.do(req, page)
	if err != nil {
		return nil, resp, err
	}
	return page, resp, nil
}

func equalFold(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), b) }
