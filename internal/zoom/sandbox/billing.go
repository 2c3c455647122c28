package sandbox

import (
	"slices"
	"strings"
)

// countries are the country IDs the sandbox accepts in billing contacts.
var countries = strings.Fields("US CA MX GB IE FR DE NL BE LU ES PT IT CH AT DK SE NO FI PL CZ AU NZ JP SG IN BR AR ZA IL AE")

// usStates are the state abbreviations accepted for country US.
var usStates = strings.Fields("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY")

// errSelfPay is the 2100 answer for billing and plans of a sub account that pays itself.
func errSelfPay() *apiError { return zerr(400, 2100, "This sub account is on self pay mode.") }

// Missing billing records (ZOOM_API.md §1.10, §1.12, §1.13, §5): HTTP 404.
func errNoBillingAccount(id string) *apiError {
	return zerr(404, 3201, "Cannot find a billing account for this: %s", id)
}
func errNoBillingContact(id string) *apiError {
	return zerr(404, 3211, "Cannot find a billing contact for this: %s", id)
}
func errNoSubscription(id string) *apiError {
	return zerr(404, 3200, "Cannot find Zuora subscription for account:%s", id)
}

// contactInput is a billing contact in a request; nil fields are absent.
type contactInput struct {
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
	Address     *string `json:"address"`
	Apt         *string `json:"apt"`
	City        *string `json:"city"`
	State       *string `json:"state"`
	Zip         *string `json:"zip"`
	Country     *string `json:"country"`
}

// fields pairs each JSON name with its input and its destination.
func (in *contactInput) fields(dst *billingContact) []struct {
	name string
	src  *string
	dst  *string
} {
	return []struct {
		name string
		src  *string
		dst  *string
	}{
		{"first_name", in.FirstName, &dst.FirstName}, {"last_name", in.LastName, &dst.LastName},
		{"email", in.Email, &dst.Email}, {"phone_number", in.PhoneNumber, &dst.PhoneNumber},
		{"address", in.Address, &dst.Address}, {"apt", in.Apt, &dst.Apt}, {"city", in.City, &dst.City},
		{"state", in.State, &dst.State}, {"zip", in.Zip, &dst.Zip}, {"country", in.Country, &dst.Country},
	}
}

// apply validates the input and merges it into dst. required makes every field but apt
// mandatory (subscribing a plan).
func (in *contactInput) apply(dst *billingContact, required bool) error {
	next := *dst
	for _, f := range in.fields(&next) {
		switch {
		case f.src == nil && required && f.name != "apt":
			return zerr(400, 2100, "Invalid parameter: %s", f.name)
		case f.src == nil:
			continue
		case strings.TrimSpace(*f.src) == "" && f.name != "apt":
			return zerr(400, 2100, "Invalid parameter: %s", f.name)
		}
		*f.dst = strings.TrimSpace(*f.src)
	}
	if next.Email != "" && !validEmail(next.Email) {
		return zerr(400, 2100, "Invalid parameter: email")
	}
	next.Country = strings.ToUpper(next.Country)
	if !slices.Contains(countries, next.Country) {
		return zerr(400, 2100, "Invalid country parameter: %s", next.Country)
	}
	if next.Country == "US" && !slices.Contains(usStates, strings.ToUpper(next.State)) {
		return zerr(400, 2100, "Invalid state parameter: %s", next.State)
	}
	*dst = next
	return nil
}

// getBilling is GET /accounts/{accountId}/billing.
func getBilling(c *call) (any, error) {
	a := c.target
	if a.Options.PayMode == "sub" {
		return nil, errSelfPay()
	}
	if !a.hasBillingAccount() {
		return nil, errNoBillingAccount(a.ID)
	}
	if a.Billing == nil {
		return nil, errNoBillingContact(a.ID)
	}
	return *a.Billing, nil
}

// patchBilling is PATCH /accounts/{accountId}/billing.
func patchBilling(c *call) (any, error) {
	a := c.target
	if a.Options.PayMode == "sub" {
		return nil, errSelfPay()
	}
	var in contactInput
	if err := decodeObject(c.body, &in); err != nil {
		return nil, err
	}
	if !a.paid() {
		return nil, zerr(400, 200, "Please subscribe a plan for this sub account first.")
	}
	if !a.hasBillingAccount() {
		return nil, errNoBillingAccount(a.ID)
	}
	if a.Billing == nil {
		return nil, errNoBillingContact(a.ID)
	}
	contact := *a.Billing
	if err := in.apply(&contact, false); err != nil {
		return nil, err
	}
	a.Billing = &contact
	return nil, nil
}
