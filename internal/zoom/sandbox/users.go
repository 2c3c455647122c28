package sandbox

import (
	"strconv"
	"strings"
	"time"
)

// userStatuses are the values of ?status= on the users list.
var userStatuses = []string{statusActive, statusInactive, statusPending}

// createDailyCap is the daily cap of users created with action=create, per plan tier.
var createDailyCap = map[string]int{"free": 50, "pro": 1500, "business": 10000}

// basicUserQuota is the most Basic users an account may hold.
const basicUserQuota = 9999

// listUsers is GET /users and GET /accounts/{accountId}/users.
func listUsers(c *call) (any, error) {
	status := c.query("status")
	if status == "" {
		status = statusActive
	}
	if !contains(userStatuses, status) {
		return nil, errParam("status")
	}
	roleID := c.query("role_id")
	var match []*user
	for _, u := range c.st.usersOf(c.target.ID) {
		if u.Status == status && (roleID == "" || u.roleID() == roleID) {
			match = append(match, u)
		}
	}
	start, end, env, err := c.paginate("users|"+c.target.ID+"|"+status+"|"+roleID, len(match), 2000)
	if err != nil {
		return nil, err
	}
	include := c.query("include_fields")
	items := make([]userListItem, 0, end-start)
	for _, u := range match[start:end] {
		items = append(items, c.listItem(u, include))
	}
	return struct {
		pageEnvelope
		Users []userListItem `json:"users"`
	}{env, items}, nil
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// licensedUsers counts the users holding a licence (type 2, not deactivated).
func (c *call) licensedUsers(a *account) (licensed, basic int) {
	for _, u := range c.st.usersOf(a.ID) {
		switch {
		case u.Status == statusInactive:
		case u.Type == 2:
			licensed++
		default:
			basic++
		}
	}
	return licensed, basic
}

// checkQuota refuses one more user of type typ when the account has no room for it.
func (c *call) checkQuota(a *account, typ int) error {
	licensed, basic := c.licensedUsers(a)
	if typ == 2 && licensed >= a.seats() {
		return zerr(400, 2034, "Your request to add a new Licensed user could not be approved at this time because your account has reached the permitted maximum number of %d paid users. Please purchase additional licenses or contact the Zoom support team.", a.seats())
	}
	if typ != 2 && basic >= basicUserQuota {
		return zerr(400, 2033, "Your request to add a new Basic user could not be approved at this time because your account has reached the permitted maximum number of %d Basic users. Please purchase additional licenses or contact the Zoom support team.", basicUserQuota)
	}
	return nil
}

// validUserPassword checks Zoom's user password rules: 8-32 characters with letters,
// digits and both cases, and no long repeated or consecutive runs.
func validUserPassword(p string) bool {
	if len(p) < 8 || len(p) > 32 || passwordRun(p) != "" {
		return false
	}
	var lower, upper, digit bool
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	return lower && upper && digit
}

// createUser is POST /users and POST /accounts/{accountId}/users.
func createUser(c *call) (any, error) {
	var b struct {
		Action   string `json:"action"`
		UserInfo *struct {
			Email       string `json:"email"`
			Type        *int   `json:"type"`
			FirstName   string `json:"first_name"`
			LastName    string `json:"last_name"`
			DisplayName string `json:"display_name"`
			Password    string `json:"password"`
		} `json:"user_info"`
	}
	if err := decodeObject(c.body, &b); err != nil {
		return nil, err
	}
	var v validation
	if !contains([]string{"create", "autoCreate", "custCreate", "ssoCreate"}, b.Action) {
		v.add("action", "Invalid field.")
	}
	if b.UserInfo == nil {
		v.add("user_info", "Invalid field.")
		return nil, v.err()
	}
	in := b.UserInfo
	if !validEmail(in.Email) || tooLong(in.Email, 128) {
		v.add("user_info.email", "Invalid field.")
	}
	if in.Type == nil || !contains([]string{"1", "2", "3", "4", "99"}, strconv.Itoa(*in.Type)) || (*in.Type == 99 && b.Action != "ssoCreate") {
		v.add("user_info.type", "Invalid field.")
	}
	if tooLong(in.FirstName, 64) {
		v.add("user_info.first_name", "Invalid field.")
	}
	if tooLong(in.LastName, 64) {
		v.add("user_info.last_name", "Invalid field.")
	}
	if tooLong(in.DisplayName, 128) {
		v.add("user_info.display_name", "Invalid field.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if b.Action == "autoCreate" && !validUserPassword(in.Password) {
		return nil, errParam("password")
	}
	if w := invalidWord(in.FirstName, in.LastName, in.DisplayName); w != "" {
		return nil, zerr(400, 300, "Your request could not be completed because the name contains an invalid word: %s", w)
	}
	if domainBlocked(in.Email) {
		return nil, zerr(400, 1107, "Email domain is blocked")
	}
	a := c.target
	if u := c.st.userByEmail(in.Email); u != nil {
		if u.AccountID == a.ID {
			return nil, zerr(409, 1005, "Email %s has already been used.", in.Email)
		}
		return nil, zerr(400, 1009, "The user %s already holds an active account.", in.Email)
	}
	if err := c.checkQuota(a, *in.Type); err != nil {
		return nil, err
	}
	status := statusActive
	if b.Action == "create" {
		if !c.s.limits.takeDaily("create|"+a.ID, createDailyCap[a.tier()], c.now) {
			next := time.Unix((c.now.Unix()/86400+1)*86400, 0).UTC()
			e := zerr(429, 429, msgDaily)
			e.Headers = map[string]string{"Retry-After": next.Format(time.RFC3339), "X-RateLimit-Type": "Daily-limit"}
			return nil, e
		}
		status = statusPending
	}
	u := c.newUser(a, in.FirstName, in.LastName, in.Email, roleMember, status, *in.Type, b.Action)
	if in.DisplayName != "" {
		u.DisplayName = in.DisplayName
	}
	c.emit("user.created", a.ID, map[string]any{"id": u.ID, "first_name": u.FirstName, "last_name": u.LastName,
		"display_name": u.DisplayName, "email": u.Email, "type": u.Type}, map[string]any{"creation_type": b.Action})
	return map[string]any{"id": u.ID, "first_name": u.FirstName, "last_name": u.LastName, "email": u.Email, "type": u.Type}, nil
}

// userEventObject is the object of user lifecycle events.
func userEventObject(u *user) map[string]any {
	return map[string]any{"id": u.ID, "first_name": u.FirstName, "last_name": u.LastName, "email": u.Email, "type": u.Type}
}

// onManagedDomain reports whether the user's email is on a verified managed domain of a.
func onManagedDomain(a *account, u *user) bool {
	d := emailDomain(u.Email)
	for _, m := range a.ManagedDomains {
		if m.Status == "verified" && strings.EqualFold(m.Domain, d) {
			return true
		}
	}
	return false
}

// deleteUser is DELETE /users/{userId} (and the sub account form): disassociate or delete.
func deleteUser(c *call) (any, error) {
	u, err := c.findUser(c.r.PathValue("userId"))
	if err != nil {
		return nil, err
	}
	action := c.query("action")
	if action == "" {
		action = "disassociate"
	}
	if action != "disassociate" && action != "delete" {
		return nil, errParam("action")
	}
	if u.admin() {
		return nil, zerr(400, 1117, "You can not disassociate an Admin user.")
	}
	if te := c.query("transfer_email"); te != "" {
		if strings.EqualFold(te, u.Email) {
			return nil, zerr(400, 300, "The transfer-to email address cannot be the same as the unlinked or deleted user's email address.")
		}
		if t := c.st.userByEmail(te); t == nil || t.AccountID != u.AccountID {
			return nil, errNoUser(te)
		}
	}
	if action == "disassociate" && u.Status != statusPending && onManagedDomain(c.target, u) {
		return nil, zerr(400, 1107, "You can not disassociate a user with managed domain.")
	}
	event := "user.disassociated"
	if action == "delete" {
		event = "user.deleted"
	}
	c.emit(event, u.AccountID, userEventObject(u), nil)
	c.st.removeUser(u)
	return nil, nil
}

// putUserStatus is PUT .../users/{userId}/status: activate or deactivate.
func putUserStatus(c *call) (any, error) {
	var b struct {
		Action string `json:"action"`
	}
	if err := decodeObject(c.body, &b); err != nil {
		return nil, err
	}
	if b.Action != "activate" && b.Action != "deactivate" {
		var v validation
		v.add("action", "Invalid field.")
		return nil, v.err()
	}
	u, err := c.findUser(c.r.PathValue("userId"))
	if err != nil {
		return nil, err
	}
	switch {
	case u.admin():
		return nil, zerr(400, 200, "Zoom Room and Admin users' status cannot be activated or deactivated.")
	case u.Status == statusPending && u.InviteExpired:
		return nil, errInviteGone()
	case u.Status == statusPending:
		return nil, zerr(400, 200, "No permission.")
	}
	want := statusActive
	if b.Action == "deactivate" {
		want = statusInactive
	}
	if u.Status == want {
		return nil, nil
	}
	if want == statusActive {
		if err := c.checkQuota(c.target, u.Type); err != nil {
			return nil, err
		}
	}
	u.Status = want
	c.emit("user."+b.Action+"d", u.AccountID, userEventObject(u), nil)
	return nil, nil
}

// usersEmail is GET /users/email?email=: whether an email is taken anywhere.
func usersEmail(c *call) (any, error) {
	email := c.query("email")
	if !validEmail(email) {
		return nil, errParam("email")
	}
	return map[string]bool{"existed_email": c.st.userByEmail(email) != nil}, nil
}
