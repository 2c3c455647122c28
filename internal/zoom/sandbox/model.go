package sandbox

import (
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
)

// Roles of a user inside its account, as Zoom names them in role_name.
const (
	roleOwner  = "Owner"
	roleAdmin  = "Admin"
	roleMember = "Member"
)

// User statuses.
const (
	statusActive   = "active"
	statusInactive = "inactive"
	statusPending  = "pending"
)

// account is one Zoom account: a primary, a second-level primary or a plain sub account.
type account struct {
	ID             string          `json:"id"`
	Seq            int64           `json:"seq"`
	Name           string          `json:"name"`
	Number         int64           `json:"number"`
	ParentID       string          `json:"parent_id,omitempty"` // the primary that manages it; "" at the top or after disassociation
	Primary        bool            `json:"primary,omitempty"`
	OwnerID        string          `json:"owner_id"`
	VanityURL      string          `json:"vanity_url,omitempty"`
	Options        accountOptions  `json:"options"`
	CreatedAt      time.Time       `json:"created_at"`
	Plans          *plans          `json:"plans,omitempty"`
	Billing        *billingContact `json:"billing,omitempty"`
	ManagedDomains []managedDomain `json:"managed_domains,omitempty"`
	TrustedDomains []string        `json:"trusted_domains,omitempty"`
	Settings       map[string]any  `json:"settings,omitempty"`      // nil means the defaults
	LockSettings   map[string]any  `json:"lock_settings,omitempty"` // nil means the defaults
	// NoBillingAccount and NoSubscription say that Zoom's billing system lost the billing
	// account or the Zuora subscription of an account that has had a plan through its primary
	// (set by RemoveBillingRecords, cleared when a plan is subscribed again).
	NoBillingAccount bool `json:"no_billing_account,omitempty"`
	NoSubscription   bool `json:"no_subscription,omitempty"`
}

// accountOptions is the options object of POST /accounts and PATCH /accounts/{id}/options.
type accountOptions struct {
	ShareRC              bool     `json:"share_rc"`
	RoomConnectorList    []string `json:"room_connector_list,omitempty"`
	ShareMC              bool     `json:"share_mc"`
	MeetingConnectorList []string `json:"meeting_connector_list,omitempty"`
	PayMode              string   `json:"pay_mode"`
	BillingAutoRenew     bool     `json:"billing_auto_renew"`
}

type managedDomain struct {
	Domain string `json:"domain"`
	Status string `json:"status"`
}

// billingContact is the billing contact of an account paid by its primary.
type billingContact struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
	Address     string `json:"address"`
	Apt         string `json:"apt,omitempty"`
	City        string `json:"city"`
	State       string `json:"state"`
	Zip         string `json:"zip"`
	Country     string `json:"country"`
}

// planItem is one subscribed plan (base or add-on).
type planItem struct {
	Category             string    `json:"category,omitempty"` // add-ons only: which plans field it is shown under
	Type                 string    `json:"type"`
	Hosts                int       `json:"hosts"`
	ServiceEffectiveDate time.Time `json:"service_effective_date"`
	NextInvoiceDate      time.Time `json:"next_invoice_date"`
	Status               string    `json:"status"` // active | cancel | expired
}

// plans is an account's subscription.
type plans struct {
	Base   *planItem   `json:"base,omitempty"`
	Addons []*planItem `json:"addons,omitempty"`
}

// paid reports whether the account has an active base plan.
func (a *account) paid() bool {
	return a.Plans != nil && a.Plans.Base != nil && a.Plans.Base.Status == "active"
}

// hasBillingAccount reports whether Zoom's billing system holds a billing account for a: one
// is opened when a plan is first subscribed for it (seeded paid accounts have one).
func (a *account) hasBillingAccount() bool { return a.Plans != nil && !a.NoBillingAccount }

// hasSubscription reports whether a has a Zuora subscription: a base plan, active or not.
func (a *account) hasSubscription() bool {
	return a.Plans != nil && a.Plans.Base != nil && !a.NoSubscription
}

// tier is the rate-limit tier of the account: "free", "pro" or "business" (Business+).
func (a *account) tier() string {
	if !a.paid() {
		return "free"
	}
	if strings.Contains(strings.ToLower(a.Plans.Base.Type), "pro") {
		return "pro"
	}
	return "business"
}

// accountType is the human plan name shown in account_type.
func (a *account) accountType() string {
	if !a.paid() {
		return "Free"
	}
	t := strings.ToLower(a.Plans.Base.Type)
	if p, ok := catalogue.Lookup(t); ok {
		t += " " + strings.ToLower(p.Family) // edu20 is Education
	}
	for _, name := range []string{"Enterprise", "Education", "Business", "Pro"} {
		if strings.Contains(t, strings.ToLower(name)) {
			return name
		}
	}
	return "Business"
}

// seats is the number of licensed hosts of the base plan.
func (a *account) seats() int {
	if !a.paid() {
		return 0
	}
	return a.Plans.Base.Hosts
}

// user is one Zoom user. Users belong to exactly one account.
type user struct {
	ID               string            `json:"id"`
	Seq              int64             `json:"seq"`
	AccountID        string            `json:"account_id"`
	Email            string            `json:"email"`
	FirstName        string            `json:"first_name"`
	LastName         string            `json:"last_name"`
	DisplayName      string            `json:"display_name"`
	Type             int               `json:"type"`
	Role             string            `json:"role"`
	Status           string            `json:"status"`
	CreationType     string            `json:"creation_type,omitempty"`
	InviteExpired    bool              `json:"invite_expired,omitempty"`
	PMI              int64             `json:"pmi"`
	UsePMI           bool              `json:"use_pmi,omitempty"`
	VanityName       string            `json:"vanity_name,omitempty"`
	Timezone         string            `json:"timezone"`
	Language         string            `json:"language"`
	Dept             string            `json:"dept,omitempty"`
	Company          string            `json:"company,omitempty"`
	JobTitle         string            `json:"job_title,omitempty"`
	Location         string            `json:"location,omitempty"`
	Manager          string            `json:"manager,omitempty"`
	HostKey          string            `json:"host_key"`
	CMSUserID        string            `json:"cms_user_id,omitempty"`
	Pronouns         string            `json:"pronouns,omitempty"`
	PronounsOption   int               `json:"pronouns_option,omitempty"`
	PlanUnitedType   string            `json:"plan_united_type,omitempty"`
	ZoomOneType      int               `json:"zoom_one_type,omitempty"`
	EmployeeUniqueID string            `json:"employee_unique_id,omitempty"`
	PhoneNumbers     []phoneNumber     `json:"phone_numbers,omitempty"`
	CustomAttributes []customAttribute `json:"custom_attributes,omitempty"`
	GroupIDs         []string          `json:"group_ids,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	LastLoginTime    time.Time         `json:"last_login_time,omitzero"`
	LastClient       string            `json:"last_client_version,omitempty"`
	Settings         map[string]any    `json:"settings,omitempty"` // nil means the defaults
}

type phoneNumber struct {
	Code     string `json:"code,omitempty"`
	Country  string `json:"country,omitempty"`
	Label    string `json:"label,omitempty"`
	Number   string `json:"number,omitempty"`
	Verified bool   `json:"verified"`
}

type customAttribute struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// roleID is the role_id Zoom shows for the built-in roles.
func (u *user) roleID() string {
	switch u.Role {
	case roleOwner:
		return "0"
	case roleAdmin:
		return "1"
	default:
		return "2"
	}
}

// admin reports whether the user is the owner or an admin of its account.
func (u *user) admin() bool { return u.Role == roleOwner || u.Role == roleAdmin }

// App types.
const (
	appOAuth = "oauth" // user authorization code (+PKCE)
	appS2S   = "s2s"   // Server-to-Server OAuth (account_credentials)
)

// app is a registered OAuth or Server-to-Server OAuth app.
type app struct {
	ClientID          string   `json:"client_id"`
	ClientSecret      string   `json:"client_secret"`
	Name              string   `json:"name"`
	Type              string   `json:"type"`
	RedirectURIs      []string `json:"redirect_uris,omitempty"`
	LoopbackRedirects bool     `json:"loopback_redirects,omitempty"` // any http://127.0.0.1|localhost|[::1]:<port>/... is accepted
	AccountID         string   `json:"account_id,omitempty"`         // S2S: the account the app belongs to
	Scopes            []string `json:"scopes"`
}

// accessToken is an issued bearer token.
type accessToken struct {
	ClientID  string    `json:"client_id"`
	UserID    string    `json:"user_id"`
	AccountID string    `json:"account_id"`
	Scopes    []string  `json:"scopes"`
	ExpiresAt time.Time `json:"expires_at"`
}

// refreshToken is an issued refresh token; it is deleted when used (rotation).
type refreshToken struct {
	ClientID  string    `json:"client_id"`
	UserID    string    `json:"user_id"`
	Scopes    []string  `json:"scopes"`
	ExpiresAt time.Time `json:"expires_at"`
}

// authCode is an authorization code waiting to be exchanged.
type authCode struct {
	ClientID    string    `json:"client_id"`
	UserID      string    `json:"user_id"`
	RedirectURI string    `json:"redirect_uri"`
	Challenge   string    `json:"challenge,omitempty"`
	Method      string    `json:"method,omitempty"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// webhookConfig is where events go.
type webhookConfig struct {
	URL    string `json:"url,omitempty"`
	Secret string `json:"secret_token,omitempty"`
}
