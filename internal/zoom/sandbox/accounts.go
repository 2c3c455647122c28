package sandbox

import (
	"strconv"
	"strings"
)

// accountItem is one item of GET /accounts (ZOOM_API.md §1.2).
type accountItem struct {
	ID                    string `json:"id"`
	AccountName           string `json:"account_name"`
	OwnerEmail            string `json:"owner_email"`
	AccountType           string `json:"account_type"`
	Seats                 int    `json:"seats"`
	SubscriptionStartTime string `json:"subscription_start_time,omitempty"`
	SubscriptionEndTime   string `json:"subscription_end_time,omitempty"`
	CreatedAt             string `json:"created_at"`
	AccountNumber         string `json:"account_number"`
}

// optionsView is the options object as Zoom echoes it (array forms).
type optionsView struct {
	ShareRC              bool     `json:"share_rc"`
	RoomConnectorList    []string `json:"room_connector_list"`
	ShareMC              bool     `json:"share_mc"`
	MeetingConnectorList []string `json:"meeting_connector_list"`
	PayMode              string   `json:"pay_mode"`
	BillingAutoRenew     bool     `json:"billing_auto_renew"`
}

// accountView is GET /accounts/{accountId} (ZOOM_API.md §1.4).
type accountView struct {
	ID         string      `json:"id"`
	OwnerID    string      `json:"owner_id"`
	OwnerEmail string      `json:"owner_email"`
	CreatedAt  string      `json:"created_at"`
	Options    optionsView `json:"options"`
	VanityURL  string      `json:"vanity_url"`
}

// ownerEmail is the account owner's email ("" when it has no owner).
func (c *call) ownerEmail(a *account) string {
	if u := c.st.owner(a); u != nil {
		return u.Email
	}
	return ""
}

// accountItem builds a list item.
func (c *call) accountItem(a *account) accountItem {
	it := accountItem{ID: a.ID, AccountName: a.Name, OwnerEmail: c.ownerEmail(a), AccountType: a.accountType(),
		Seats: a.seats(), CreatedAt: ts(a.CreatedAt), AccountNumber: strconv.FormatInt(a.Number, 10)}
	if a.paid() {
		it.SubscriptionStartTime = ts(a.Plans.Base.ServiceEffectiveDate)
		it.SubscriptionEndTime = ts(a.Plans.Base.NextInvoiceDate)
	}
	return it
}

// listAccounts is GET /accounts: the caller's direct sub accounts.
func listAccounts(c *call) (any, error) {
	if !c.caller.Primary {
		return nil, errNoPermission()
	}
	subs := c.st.subsOf(c.caller.ID)
	start, end, env, err := c.paginate("accounts", len(subs), 300)
	if err != nil {
		return nil, err
	}
	items := make([]accountItem, 0, end-start)
	for _, a := range subs[start:end] {
		items = append(items, c.accountItem(a))
	}
	return struct {
		pageEnvelope
		Accounts []accountItem `json:"accounts"`
	}{env, items}, nil
}

// getAccount is GET /accounts/{accountId}.
func getAccount(c *call) (any, error) {
	a := c.target
	o := a.Options
	return accountView{ID: a.ID, OwnerID: a.OwnerID, OwnerEmail: c.ownerEmail(a), CreatedAt: ts(a.CreatedAt),
		Options: optionsView{ShareRC: o.ShareRC, RoomConnectorList: strs(o.RoomConnectorList), ShareMC: o.ShareMC,
			MeetingConnectorList: strs(o.MeetingConnectorList), PayMode: o.PayMode, BillingAutoRenew: o.BillingAutoRenew},
		VanityURL: a.VanityURL}, nil
}

// optionsInput is the options object of a request; both the array and the older
// comma-separated string forms of the connector lists are accepted.
type optionsInput struct {
	ShareRC              *bool    `json:"share_rc"`
	RoomConnectorList    []string `json:"room_connector_list"`
	RoomConnectors       *string  `json:"room_connectors"`
	ShareMC              *bool    `json:"share_mc"`
	MeetingConnectorList []string `json:"meeting_connector_list"`
	MeetingConnectors    *string  `json:"meeting_connectors"`
	PayMode              *string  `json:"pay_mode"`
	BillingAutoRenew     *bool    `json:"billing_auto_renew"`
}

// apply validates the input and applies it to o; changed lists the fields that changed.
func (in *optionsInput) apply(o *accountOptions, prefix string, v *validation) map[string]any {
	changed := map[string]any{}
	setBool := func(dst *bool, src *bool, name string) {
		if src != nil && *src != *dst {
			*dst = *src
			changed[name] = *src
		}
	}
	splitList := func(list []string, str *string) []string {
		if list != nil || str == nil {
			return list
		}
		var out []string
		for _, p := range strings.Split(*str, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	setBool(&o.ShareRC, in.ShareRC, "share_rc")
	setBool(&o.ShareMC, in.ShareMC, "share_mc")
	setBool(&o.BillingAutoRenew, in.BillingAutoRenew, "billing_auto_renew")
	if l := splitList(in.RoomConnectorList, in.RoomConnectors); l != nil {
		o.RoomConnectorList, changed["room_connector_list"] = l, l
	}
	if l := splitList(in.MeetingConnectorList, in.MeetingConnectors); l != nil {
		o.MeetingConnectorList, changed["meeting_connector_list"] = l, l
	}
	if in.PayMode != nil {
		if *in.PayMode != "master" && *in.PayMode != "sub" {
			v.add(prefix+"pay_mode", "Invalid field.")
		} else if *in.PayMode != o.PayMode {
			o.PayMode, changed["pay_mode"] = *in.PayMode, *in.PayMode
		}
	}
	return changed
}

// createAccount is POST /accounts: a new sub account and its owner.
func createAccount(c *call) (any, error) {
	if !c.caller.Primary {
		return nil, errNoPermission()
	}
	var b struct {
		FirstName   string        `json:"first_name"`
		LastName    string        `json:"last_name"`
		Email       string        `json:"email"`
		Password    string        `json:"password"`
		AccountName string        `json:"account_name"`
		VanityURL   string        `json:"vanity_url"`
		Options     *optionsInput `json:"options"`
	}
	if err := decodeObject(c.body, &b); err != nil {
		return nil, err
	}
	var v validation
	required := func(field, val string, max int) {
		if val == "" || tooLong(val, max) {
			v.add(field, "Invalid field.")
		}
	}
	required("first_name", b.FirstName, 64)
	required("last_name", b.LastName, 64)
	required("email", b.Email, 128)
	if b.Email != "" && !validEmail(b.Email) {
		v.add("email", "Invalid field.")
	}
	if len(b.Password) < 8 || tooLong(b.Password, 32) {
		v.add("password", "Invalid field.")
	}
	if tooLong(b.AccountName, 64) {
		v.add("account_name", "Invalid field.")
	}
	opts := accountOptions{PayMode: "master"}
	if b.Options != nil {
		b.Options.apply(&opts, "options.", &v)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if w := invalidWord(b.FirstName, b.LastName, b.AccountName); w != "" {
		return nil, zerr(400, 300, "Your request could not be completed because the name contains an invalid word: %s", w)
	}
	if domainBlocked(b.Email) {
		return nil, zerr(400, 1107, "Email domain is blocked.")
	}
	switch passwordRun(b.Password) {
	case "repeated":
		return nil, zerr(400, 1111, "Password should not contain repeated characters such as 'aaaaaa'.")
	case "consecutive":
		return nil, zerr(400, 1111, "Password should not contain consecutive characters such as 'abc','123'.")
	}
	if c.st.userByEmail(b.Email) != nil {
		return nil, zerr(409, 1005, "Email %s has already been used.", b.Email)
	}
	name := b.AccountName
	if name == "" {
		name = b.FirstName + " " + b.LastName
	}
	id, seq := c.st.newAccountID()
	a := &account{ID: id, Seq: seq, Name: name, Number: numberFor(c.st.Seed, "account", seq, 9), ParentID: c.caller.ID,
		VanityURL: b.VanityURL, Options: opts, CreatedAt: c.now}
	c.st.addAccount(a)
	owner := c.newUser(a, b.FirstName, b.LastName, b.Email, roleOwner, statusActive, 1, "create")
	a.OwnerID = owner.ID
	c.emit("account.created", c.caller.ID, map[string]any{"id": a.ID, "owner_id": owner.ID, "email": owner.Email}, nil)
	return map[string]any{"id": a.ID, "owner_id": owner.ID, "owner_email": owner.Email, "created_at": ts(a.CreatedAt)}, nil
}

// newUser creates a user in an account.
func (c *call) newUser(a *account, first, last, email, role, status string, typ int, how string) *user {
	id, seq := c.st.newUserID()
	display := strings.TrimSpace(first + " " + last)
	u := &user{ID: id, Seq: seq, AccountID: a.ID, Email: email, FirstName: first, LastName: last, DisplayName: display,
		Type: typ, Role: role, Status: status, CreationType: how, CreatedAt: c.now,
		PMI: numberFor(c.st.Seed, "pmi", seq, 10), HostKey: strconv.FormatInt(numberFor(c.st.Seed, "hostkey", seq, 6), 10),
		Timezone: "America/New_York", Language: "en-US"}
	c.st.addUser(u)
	return u
}

// deleteAccount is DELETE /accounts/{accountId}: disassociate a sub account.
func deleteAccount(c *call) (any, error) {
	a := c.target
	if a.paid() {
		// HTTP 404, as ZOOM_API.md §1.5 and §5 file code 2000 (the 2021 spec); clients must go by
		// the code, not by the status.
		return nil, zerr(404, 2000, "You cannot disassociate a paid account.")
	}
	a.ParentID = ""
	c.emit("account.disassociated", c.caller.ID, map[string]any{"id": a.ID, "owner_id": a.OwnerID, "owner_email": c.ownerEmail(a)}, nil)
	return nil, nil
}

// patchOptions is PATCH /accounts/{accountId}/options.
func patchOptions(c *call) (any, error) {
	var in optionsInput
	if err := decodeObject(c.body, &in); err != nil {
		return nil, err
	}
	a := c.target
	o := a.Options
	var v validation
	changed := in.apply(&o, "", &v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, ok := changed["pay_mode"]; ok && a.Plans != nil && a.Plans.Base != nil {
		return nil, zerr(400, 200, "The pay mode cannot be updated for a sub account which already has an existing plan")
	}
	old := map[string]any{"id": a.ID}
	for k := range changed {
		old[k] = optionValue(a.Options, k)
	}
	a.Options = o
	if len(changed) > 0 {
		changed["id"] = a.ID
		c.emit("account.updated", c.caller.ID, changed, map[string]any{"old_object": old})
	}
	return nil, nil
}

// optionValue reads one option by its JSON name.
func optionValue(o accountOptions, name string) any {
	switch name {
	case "share_rc":
		return o.ShareRC
	case "share_mc":
		return o.ShareMC
	case "billing_auto_renew":
		return o.BillingAutoRenew
	case "room_connector_list":
		return strs(o.RoomConnectorList)
	case "meeting_connector_list":
		return strs(o.MeetingConnectorList)
	}
	return o.PayMode
}

// putOwner is PUT /accounts/{accountId}/owner: an admin of the account becomes its owner.
func putOwner(c *call) (any, error) {
	var b struct {
		Email string `json:"email"`
	}
	if err := decodeObject(c.body, &b); err != nil {
		return nil, err
	}
	if !validEmail(b.Email) {
		var v validation
		v.add("email", "Invalid field.")
		return nil, v.err()
	}
	a := c.target
	u := c.st.userByEmail(b.Email)
	switch {
	case u == nil || u.AccountID != a.ID:
		return nil, zerr(400, 200, "Cannot make a user outside of your account an owner.")
	case u.Role == roleOwner:
		return nil, zerr(400, 200, "Cannot update the role of an account owner.")
	case u.Role != roleAdmin || u.Status != statusActive:
		return nil, zerr(400, 200, "User is not an admin or is an API user or doesn't belong to this account: %s.", a.ID)
	}
	// ZOOM_API.md §1.10 lists codes 3201 and 3211 for owner changes: answered for a sub
	// account billed to its primary whose billing account or contact is missing.
	if !c.own && a.Options.PayMode == "master" && a.Plans != nil {
		if !a.hasBillingAccount() {
			return nil, errNoBillingAccount(a.ID)
		}
		if a.Billing == nil {
			return nil, errNoBillingContact(a.ID)
		}
	}
	oldOwner := c.st.owner(a)
	oldEmail := ""
	if oldOwner != nil {
		oldOwner.Role, oldEmail = roleAdmin, oldOwner.Email
	}
	old := map[string]any{"id": a.ID, "owner_id": a.OwnerID, "owner_email": oldEmail}
	u.Role, a.OwnerID = roleOwner, u.ID
	c.emit("account.updated", c.caller.ID, map[string]any{"id": a.ID, "owner_id": u.ID, "owner_email": u.Email}, map[string]any{"old_object": old})
	return nil, nil
}

// managedDomains is GET /accounts/{accountId}/managed_domains.
func managedDomains(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for paid account")
	}
	ds := append([]managedDomain{}, a.ManagedDomains...)
	return map[string]any{"total_records": len(ds), "domains": ds}, nil
}

// trustedDomains is GET /accounts/{accountId}/trusted_domains.
func trustedDomains(c *call) (any, error) {
	return map[string]any{"trusted_domains": strs(c.target.TrustedDomains)}, nil
}
