package zoom

import (
	"context"
	"net/http"
)

// Billing and plan endpoints (ZOOM_API §1.12, §1.13). They work for sub accounts paid by the
// primary (pay mode "master"); a self-paying sub account answers code 2100.
var (
	epGetBilling     = endpoint{http.MethodGet, "/accounts/{accountId}/billing", Medium}
	epUpdateBilling  = endpoint{http.MethodPatch, "/accounts/{accountId}/billing", Heavy}
	epGetPlans       = endpoint{http.MethodGet, "/accounts/{accountId}/plans", Medium}
	epSubscribePlans = endpoint{http.MethodPost, "/accounts/{accountId}/plans", Heavy} // label not stated by Zoom: Heavy, like every other plan change
	epUpdateBase     = endpoint{http.MethodPut, "/accounts/{accountId}/plans/base", Heavy}
	epSubscribeAddon = endpoint{http.MethodPost, "/accounts/{accountId}/plans/addons", Heavy}
	epUpdateAddon    = endpoint{http.MethodPut, "/accounts/{accountId}/plans/addons", Heavy}
	epCancelBase     = endpoint{http.MethodPatch, "/accounts/{accountId}/plans/base/status", Heavy}
	epCancelAddons   = endpoint{http.MethodPatch, "/accounts/{accountId}/plans/addons/status", Heavy}
	epPlanUsage      = endpoint{http.MethodGet, "/accounts/{accountId}/plans/usage", Heavy}
)

// BillingContact is a sub account's billing contact (ZOOM_API §1.12). In an update, empty
// fields are left as they are.
type BillingContact struct {
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Address     string `json:"address,omitempty"`
	Apt         string `json:"apt,omitempty"` // optional
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"` // country ID, abbreviated (e.g. "US")
}

// GetBilling returns a sub account's billing contact: GET /accounts/{accountId}/billing. Code
// 2100 when the sub account pays itself; 3201/3211 when Zoom has no billing records.
// https://developers.zoom.us/docs/api/ma/#tag/billing/GET/accounts/{accountId}/billing
func (c *Client) GetBilling(ctx context.Context, accountID string) (*BillingContact, *Response, error) {
	out := new(BillingContact)
	resp, err := c.call(ctx, epGetBilling, []string{accountID}, nil, nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// UpdateBilling changes a sub account's billing contact: PATCH /accounts/{accountId}/billing.
// Invalid country or state is code 2100; an account without a plan is code 200.
// https://developers.zoom.us/docs/api/ma/#tag/billing/PATCH/accounts/{accountId}/billing
func (c *Client) UpdateBilling(ctx context.Context, accountID string, contact *BillingContact) (*Response, error) {
	return c.call(ctx, epUpdateBilling, []string{accountID}, nil, contact, nil)
}

// PlanItem is one subscribed plan (base, Zoom Rooms, room connector, large meeting, webinar).
type PlanItem struct {
	Type                 string `json:"type"` // Zoom's billing plan code, opaque
	Hosts                int    `json:"hosts"`
	ServiceEffectiveDate Time   `json:"service_effective_date,omitzero"`
	NextInvoiceDate      Time   `json:"next_invoice_date,omitzero"`
	Status               string `json:"status,omitempty"` // active, cancel, expired
}

// PlanAudio is the audio conferencing plan.
type PlanAudio struct {
	Type                 string `json:"type"`
	TollfreeCountries    string `json:"tollfree_countries,omitempty"` // comma-separated country IDs
	PremiumCountries     string `json:"premium_countries,omitempty"`
	CalloutCountries     string `json:"callout_countries,omitempty"`
	DDINumbers           int    `json:"ddi_numbers,omitempty"`
	ServiceEffectiveDate Time   `json:"service_effective_date,omitzero"`
	NextInvoiceDate      Time   `json:"next_invoice_date,omitzero"`
	Status               string `json:"status,omitempty"`
}

// PlanPhone is the Zoom Phone plan.
type PlanPhone struct {
	PlanBase    *PlanPhoneBase `json:"plan_base,omitempty"`
	PlanCalling []PlanItem     `json:"plan_calling,omitempty"`
	PlanNumber  []PlanItem     `json:"plan_number,omitempty"`
}

// PlanPhoneBase is the base of a Zoom Phone plan.
type PlanPhoneBase struct {
	Type                 string `json:"type"`
	CalloutCountries     string `json:"callout_countries,omitempty"`
	ServiceEffectiveDate Time   `json:"service_effective_date,omitzero"`
	NextInvoiceDate      Time   `json:"next_invoice_date,omitzero"`
	Status               string `json:"status,omitempty"`
}

// Plans is a sub account's subscription: GET /accounts/{accountId}/plans (ZOOM_API §1.13).
type Plans struct {
	PlanBase                          *PlanItem  `json:"plan_base,omitempty"`
	PlanZoomRooms                     *PlanItem  `json:"plan_zoom_rooms,omitempty"`
	PlanRoomConnector                 *PlanItem  `json:"plan_room_connector,omitempty"`
	PlanLargeMeeting                  []PlanItem `json:"plan_large_meeting,omitempty"`
	PlanWebinar                       []PlanItem `json:"plan_webinar,omitempty"`
	PlanRecording                     string     `json:"plan_recording,omitempty"`
	PlanRecordingServiceEffectiveDate Time       `json:"plan_recording_service_effective_date,omitzero"`
	PlanRecordingNextInvoiceDate      Time       `json:"plan_recording_next_invoice_date,omitzero"`
	PlanRecordingStatus               string     `json:"plan_recording_status,omitempty"` // Active, Cancelled
	PlanAudio                         *PlanAudio `json:"plan_audio,omitempty"`
	PlanPhone                         *PlanPhone `json:"plan_phone,omitempty"`
}

// GetPlans returns a sub account's plans: GET /accounts/{accountId}/plans. Code 2100 when the
// sub account pays itself.
// https://developers.zoom.us/docs/api/ma/#tag/billing/GET/accounts/{accountId}/plans
func (c *Client) GetPlans(ctx context.Context, accountID string) (*Plans, *Response, error) {
	out := new(Plans)
	resp, err := c.call(ctx, epGetPlans, []string{accountID}, nil, nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// PlanOrder is a plan to subscribe or change to: a plan code and a number of hosts.
type PlanOrder struct {
	Type  string `json:"type"`
	Hosts int    `json:"hosts"`
}

// PlanAudioOrder is an audio plan to subscribe.
type PlanAudioOrder struct {
	Type              string `json:"type"`
	TollfreeCountries string `json:"tollfree_countries,omitempty"`
	PremiumCountries  string `json:"premium_countries,omitempty"`
	CalloutCountries  string `json:"callout_countries,omitempty"`
	DDINumbers        int    `json:"ddi_numbers,omitempty"`
}

// PlanPhoneOrder is a Zoom Phone plan to subscribe.
type PlanPhoneOrder struct {
	PlanBase    *PlanPhoneBaseOrder `json:"plan_base,omitempty"`
	PlanCalling []PlanOrder         `json:"plan_calling,omitempty"`
	PlanNumber  []PlanOrder         `json:"plan_number,omitempty"`
}

// PlanPhoneBaseOrder is the base of a Zoom Phone plan to subscribe.
type PlanPhoneBaseOrder struct {
	Type             string `json:"type"`
	CalloutCountries string `json:"callout_countries,omitempty"`
}

// SubscribePlansRequest is the body of POST /accounts/{accountId}/plans. Contact (all fields
// but Apt) and PlanBase are required.
type SubscribePlansRequest struct {
	Contact           BillingContact  `json:"contact"`
	PlanBase          PlanOrder       `json:"plan_base"`
	PlanZoomRooms     *PlanOrder      `json:"plan_zoom_rooms,omitempty"`
	PlanRoomConnector *PlanOrder      `json:"plan_room_connector,omitempty"`
	PlanLargeMeeting  []PlanOrder     `json:"plan_large_meeting,omitempty"`
	PlanWebinar       []PlanOrder     `json:"plan_webinar,omitempty"`
	PlanRecording     string          `json:"plan_recording,omitempty"`
	PlanAudio         *PlanAudioOrder `json:"plan_audio,omitempty"`
	PlanPhone         *PlanPhoneOrder `json:"plan_phone,omitempty"`
}

// SubscribePlans subscribes a free sub account paid by the primary to plans: POST
// /accounts/{accountId}/plans. Host counts outside the plan's range are code 300, contact
// fields code 2100, a self-paying account 2100. A lost answer is *OutcomeUnknownError: read
// the plans (GetPlans) before trying again.
// https://developers.zoom.us/docs/api/ma/#tag/billing/POST/accounts/{accountId}/plans
func (c *Client) SubscribePlans(ctx context.Context, accountID string, req *SubscribePlansRequest) (*Plans, *Response, error) {
	out := new(Plans)
	resp, err := c.call(ctx, epSubscribePlans, []string{accountID}, nil, req, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// UpdateBasePlan changes the base plan: PUT /accounts/{accountId}/plans/base. Code 300 for
// too few hosts or mismatched plan types, 200 for free trial and VIP accounts, 2100 for
// self-paying accounts and bulk licences.
// https://developers.zoom.us/docs/api/ma/#tag/billing/PUT/accounts/{accountId}/plans/base
func (c *Client) UpdateBasePlan(ctx context.Context, accountID string, plan PlanOrder) (*Response, error) {
	return c.call(ctx, epUpdateBase, []string{accountID}, nil, plan, nil)
}

// AddonRequest is the body of POST .../plans/addons: a plan code and hosts, or (Type
// "plan_phone") a Zoom Phone plan in PlanDetails.
type AddonRequest struct {
	Type        string          `json:"type"`
	Hosts       int             `json:"hosts,omitempty"`
	PlanDetails *PlanPhoneOrder `json:"plan_details,omitempty"`
}

// SubscribeAddon adds an add-on plan: POST /accounts/{accountId}/plans/addons. An add-on the
// account already has is code 2100; no base plan is 3261.
// https://developers.zoom.us/docs/api/ma/#tag/billing/POST/accounts/{accountId}/plans/addons
func (c *Client) SubscribeAddon(ctx context.Context, accountID string, addon *AddonRequest) (*Response, error) {
	return c.call(ctx, epSubscribeAddon, []string{accountID}, nil, addon, nil)
}

// UpdateAddon changes an add-on plan's hosts: PUT /accounts/{accountId}/plans/addons.
// https://developers.zoom.us/docs/api/ma/#tag/billing/PUT/accounts/{accountId}/plans/addons
func (c *Client) UpdateAddon(ctx context.Context, accountID string, plan PlanOrder) (*Response, error) {
	return c.call(ctx, epUpdateAddon, []string{accountID}, nil, plan, nil)
}

// CancelPlanRequest is the body of the plan cancellations. Reason is one of Zoom's six fixed
// reasons, 1 to 6 (1 "no longer working remote", 2 "support challenges", 3 "features", ...);
// Type names the add-on plan to cancel (add-ons only).
type CancelPlanRequest struct {
	Type    string `json:"type,omitempty"`
	Reason  int    `json:"reason,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// CancelBasePlan cancels the base plan: PATCH /accounts/{accountId}/plans/base/status with
// action "cancel".
// https://developers.zoom.us/docs/api/ma/#tag/billing/PATCH/accounts/{accountId}/plans/base/status
func (c *Client) CancelBasePlan(ctx context.Context, accountID string, req CancelPlanRequest) (*Response, error) {
	req.Type = ""
	return c.call(ctx, epCancelBase, []string{accountID}, nil, cancelBody(req), nil)
}

// CancelAddon cancels an add-on plan: PATCH /accounts/{accountId}/plans/addons/status with
// action "cancel" and req.Type (required, code 300 without it).
// https://developers.zoom.us/docs/api/ma/#tag/billing/PATCH/accounts/{accountId}/plans/addons/status
func (c *Client) CancelAddon(ctx context.Context, accountID string, req CancelPlanRequest) (*Response, error) {
	return c.call(ctx, epCancelAddons, []string{accountID}, nil, cancelBody(req), nil)
}

// cancelBody adds action "cancel" to a cancellation.
func cancelBody(r CancelPlanRequest) any {
	return struct {
		Action string `json:"action"`
		CancelPlanRequest
	}{"cancel", r}
}

// UsageItem is the usage of one plan.
type UsageItem struct {
	Type  string `json:"type"`
	Hosts int    `json:"hosts"`
	Usage int    `json:"usage"`
}

// RecordingUsage is cloud recording storage (Zoom sends the sizes as strings, e.g. "1 GB").
type RecordingUsage struct {
	Type              string `json:"type"`
	FreeStorage       string `json:"free_storage"`
	FreeStorageUsage  string `json:"free_storage_usage"`
	PlanStorage       string `json:"plan_storage"`
	PlanStorageUsage  string `json:"plan_storage_usage"`
	PlanStorageExceed string `json:"plan_storage_exceed"`
}

// UnitedUsage is the usage of a Zoom One (united) plan.
type UnitedUsage struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Hosts int    `json:"hosts"`
	Usage int    `json:"usage"`
}

// PlanUsage is GET /accounts/{accountId}/plans/usage (ZOOM_API §1.13).
type PlanUsage struct {
	PlanBase         []UsageItem     `json:"plan_base"`
	PlanWebinar      []UsageItem     `json:"plan_webinar"`
	PlanLargeMeeting []UsageItem     `json:"plan_large_meeting"`
	PlanZoomRooms    []UsageItem     `json:"plan_zoom_rooms"`
	PlanRecording    *RecordingUsage `json:"plan_recording,omitempty"`
	PlanUnited       *UnitedUsage    `json:"plan_united,omitempty"`
}

// GetPlanUsage returns how much of its plans an account uses: GET
// /accounts/{accountId}/plans/usage ("me" for the caller's own). Paid accounts only (code 200).
// https://developers.zoom.us/docs/api/ma/#tag/billing/GET/accounts/{accountId}/plans/usage
func (c *Client) GetPlanUsage(ctx context.Context, accountID string) (*PlanUsage, *Response, error) {
	out := new(PlanUsage)
	resp, err := c.call(ctx, epPlanUsage, []string{accountID}, nil, nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}
