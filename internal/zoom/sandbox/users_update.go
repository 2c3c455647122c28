package sandbox

import (
	"strconv"
	"strings"
)

// userPatch is the body of PATCH .../users/{userId}; nil fields are absent.
type userPatch struct {
	FirstName        *string            `json:"first_name"`
	LastName         *string            `json:"last_name"`
	DisplayName      *string            `json:"display_name"`
	Type             *int               `json:"type"`
	PMI              *int64             `json:"pmi"`
	UsePMI           *bool              `json:"use_pmi"`
	Timezone         *string            `json:"timezone"`
	Language         *string            `json:"language"`
	Dept             *string            `json:"dept"`
	VanityName       *string            `json:"vanity_name"`
	HostKey          *string            `json:"host_key"`
	CMSUserID        *string            `json:"cms_user_id"`
	JobTitle         *string            `json:"job_title"`
	Company          *string            `json:"company"`
	Location         *string            `json:"location"`
	Manager          *string            `json:"manager"`
	Pronouns         *string            `json:"pronouns"`
	PronounsOption   *int               `json:"pronouns_option"`
	PlanUnitedType   *string            `json:"plan_united_type"`
	ZoomOneType      *int               `json:"zoom_one_type"`
	GroupID          *string            `json:"group_id"`
	PhoneNumbers     *[]phoneNumber     `json:"phone_numbers"`
	CustomAttributes *[]customAttribute `json:"custom_attributes"`
}

// validate checks field limits (ZOOM_API.md §2.5).
func (p *userPatch) validate() error {
	var v validation
	if p.FirstName != nil && tooLong(*p.FirstName, 64) {
		v.add("first_name", "Invalid field.")
	}
	if p.LastName != nil && tooLong(*p.LastName, 64) {
		v.add("last_name", "Invalid field.")
	}
	if p.DisplayName != nil && tooLong(*p.DisplayName, 128) {
		v.add("display_name", "Invalid field.")
	}
	if p.Type != nil && !contains([]string{"1", "2", "4", "99"}, itoa(*p.Type)) {
		v.add("type", "Invalid field.")
	}
	if p.PMI != nil && (*p.PMI < 1000000000 || *p.PMI > 9999999999) {
		v.add("pmi", "Invalid field.")
	}
	if p.HostKey != nil && (len(*p.HostKey) < 6 || len(*p.HostKey) > 10) {
		v.add("host_key", "Invalid field.")
	}
	if p.PronounsOption != nil && (*p.PronounsOption < 1 || *p.PronounsOption > 3) {
		v.add("pronouns_option", "Invalid field.")
	}
	if p.VanityName != nil && (tooLong(*p.VanityName, 40) || strings.ContainsAny(*p.VanityName, " /?#")) {
		v.add("vanity_name", "Invalid field.")
	}
	return v.err()
}

// patchUser is PATCH .../users/{userId}.
func patchUser(c *call) (any, error) {
	var p userPatch
	if err := decodeObject(c.body, &p); err != nil {
		return nil, err
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	u, err := c.findUser(c.r.PathValue("userId"))
	if err != nil {
		return nil, err
	}
	if u.Status == statusPending && u.InviteExpired {
		return nil, errInviteGone()
	}
	if w := invalidWord(deref(p.FirstName), deref(p.LastName), deref(p.DisplayName)); w != "" {
		return nil, zerr(400, 300, "Your request could not be completed because the name contains an invalid word: %s", w)
	}
	if p.GroupID != nil && *p.GroupID != "" {
		return nil, zerr(404, 4130, "Group does not exist: %s", *p.GroupID)
	}
	if p.Type != nil && *p.Type == 2 && u.Type != 2 && u.Status != statusInactive {
		if err := c.checkQuota(c.target, 2); err != nil {
			return nil, err
		}
	}
	chg, old := map[string]any{}, map[string]any{}
	str := func(name string, src *string, dst *string) {
		if src != nil && *src != *dst {
			old[name], chg[name] = *dst, *src
			*dst = *src
		}
	}
	oldFull := u.FirstName + " " + u.LastName
	str("first_name", p.FirstName, &u.FirstName)
	str("last_name", p.LastName, &u.LastName)
	if p.DisplayName == nil && u.DisplayName == oldFull && (p.FirstName != nil || p.LastName != nil) {
		full := strings.TrimSpace(u.FirstName + " " + u.LastName)
		p.DisplayName = &full
	}
	str("display_name", p.DisplayName, &u.DisplayName)
	for name, f := range map[string][2]*string{
		"timezone": {p.Timezone, &u.Timezone}, "language": {p.Language, &u.Language}, "dept": {p.Dept, &u.Dept},
		"vanity_name": {p.VanityName, &u.VanityName}, "host_key": {p.HostKey, &u.HostKey}, "cms_user_id": {p.CMSUserID, &u.CMSUserID},
		"job_title": {p.JobTitle, &u.JobTitle}, "company": {p.Company, &u.Company}, "location": {p.Location, &u.Location},
		"manager": {p.Manager, &u.Manager}, "pronouns": {p.Pronouns, &u.Pronouns}, "plan_united_type": {p.PlanUnitedType, &u.PlanUnitedType},
	} {
		str(name, f[0], f[1])
	}
	for name, f := range map[string][2]*int{"type": {p.Type, &u.Type}, "pronouns_option": {p.PronounsOption, &u.PronounsOption}, "zoom_one_type": {p.ZoomOneType, &u.ZoomOneType}} {
		if f[0] != nil && *f[0] != *f[1] {
			old[name], chg[name] = *f[1], *f[0]
			*f[1] = *f[0]
		}
	}
	if p.PMI != nil && *p.PMI != u.PMI {
		old["pmi"], chg["pmi"], u.PMI = u.PMI, *p.PMI, *p.PMI
	}
	if p.UsePMI != nil && *p.UsePMI != u.UsePMI {
		old["use_pmi"], chg["use_pmi"], u.UsePMI = u.UsePMI, *p.UsePMI, *p.UsePMI
	}
	if p.PhoneNumbers != nil {
		old["phone_numbers"], chg["phone_numbers"], u.PhoneNumbers = u.PhoneNumbers, *p.PhoneNumbers, *p.PhoneNumbers
	}
	if p.CustomAttributes != nil {
		old["custom_attributes"], chg["custom_attributes"], u.CustomAttributes = u.CustomAttributes, *p.CustomAttributes, *p.CustomAttributes
	}
	if len(chg) > 0 {
		chg["id"], old["id"] = u.ID, u.ID
		c.emit("user.updated", u.AccountID, chg, map[string]any{"old_object": old, "time_stamp": c.now.UnixMilli()})
	}
	return nil, nil
}

// deref returns *p or "".
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// itoa formats an int.
func itoa(n int) string { return strconv.Itoa(n) }

// getUserSettings is GET .../users/{userId}/settings.
func getUserSettings(c *call) (any, error) {
	u, err := c.findUser(c.r.PathValue("userId"))
	if err != nil {
		return nil, err
	}
	if u.Status == statusPending && u.InviteExpired {
		return nil, errInviteGone()
	}
	stored := u.Settings
	if stored == nil {
		stored = userDefaults(u)
	}
	return userSettingsKind.view(stored, c.query("option"), c.query("custom_query_fields"))
}

// patchUserSettings is PATCH .../users/{userId}/settings.
func patchUserSettings(c *call) (any, error) {
	u, err := c.findUser(c.r.PathValue("userId"))
	if err != nil {
		return nil, err
	}
	if u.Status == statusPending && u.InviteExpired {
		return nil, errInviteGone()
	}
	stored := u.Settings
	if stored == nil {
		stored = userDefaults(u)
	}
	p, err := userSettingsKind.patch(stored, c.body, c.query("option"))
	if err != nil {
		return nil, err
	}
	u.Settings = p.next
	if len(p.changed) > 0 {
		c.emit("user.settings_updated", u.AccountID, map[string]any{"id": u.ID, "settings": p.changed},
			map[string]any{"old_object": map[string]any{"id": u.ID, "settings": p.old}, "time_stamp": c.now.UnixMilli()})
	}
	return nil, nil
}

// putUserPassword is PUT .../users/{userId}/password.
func putUserPassword(c *call) (any, error) {
	var b struct {
		Password string `json:"password"`
	}
	if err := decodeObject(c.body, &b); err != nil {
		return nil, err
	}
	u, err := c.findUser(c.r.PathValue("userId"))
	if err != nil {
		return nil, err
	}
	if u.admin() && u.ID != c.me.ID {
		return nil, zerr(400, 1117, "Can not update Admin's password")
	}
	if !validUserPassword(b.Password) {
		return nil, errParam("password")
	}
	return nil, nil
}

// putUserEmail is PUT .../users/{userId}/email.
func putUserEmail(c *call) (any, error) {
	var b struct {
		Email string `json:"email"`
	}
	if err := decodeObject(c.body, &b); err != nil {
		return nil, err
	}
	if !validEmail(b.Email) || tooLong(b.Email, 128) {
		var v validation
		v.add("email", "Invalid field.")
		return nil, v.err()
	}
	u, err := c.findUser(c.r.PathValue("userId"))
	if err != nil {
		return nil, err
	}
	if other := c.st.userByEmail(b.Email); other != nil {
		return nil, zerr(409, 1005, "Email %s has already been used.", b.Email)
	}
	if domainBlocked(b.Email) {
		return nil, zerr(400, 1107, "Email domain is blocked")
	}
	old := u.Email
	c.st.changeEmail(u, b.Email)
	c.emit("user.updated", u.AccountID, map[string]any{"id": u.ID, "email": u.Email},
		map[string]any{"old_object": map[string]any{"id": u.ID, "email": old}, "time_stamp": c.now.UnixMilli()})
	return nil, nil
}

// moveUser is PUT /accounts/{accountId}/users/{userId}/account: move a user from the primary
// (or one of its sub accounts) to another of its sub accounts.
func moveUser(c *call) (any, error) {
	var b struct {
		AccountID string `json:"account_id"`
	}
	if err := decodeObject(c.body, &b); err != nil {
		return nil, err
	}
	if b.AccountID == "" {
		var v validation
		v.add("account_id", "Invalid field.")
		return nil, v.err()
	}
	param := c.r.PathValue("userId")
	u, err := c.findUser(param)
	if err != nil {
		return nil, zerr(404, 1001, "User %s does not exist or does not belong to this account.", param)
	}
	dest := c.st.Accounts[b.AccountID]
	if dest == nil || dest.ParentID != c.caller.ID || dest.ID == u.AccountID {
		return nil, errNoAccount(b.AccountID)
	}
	switch {
	case u.admin():
		return nil, zerr(400, 1117, "Can not disassociate Admin user")
	case u.Status == statusPending:
		return nil, zerr(400, 1120, "Invite not exist")
	case onManagedDomain(c.target, u):
		return nil, zerr(400, 1107, "You can not disassociate a user with managed domain.")
	}
	if u.Status != statusInactive {
		if err := c.checkQuota(dest, u.Type); err != nil {
			return nil, err
		}
	}
	from := u.AccountID
	c.st.moveUser(u, dest.ID)
	c.emit("user.updated", dest.ID, map[string]any{"id": u.ID, "account_id": dest.ID},
		map[string]any{"old_object": map[string]any{"id": u.ID, "account_id": from}, "time_stamp": c.now.UnixMilli()})
	return nil, nil
}
