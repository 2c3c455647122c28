package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// seedEpoch anchors every seeded time, so a seed is the same whatever the clock says.
var seedEpoch = time.Date(2023, 1, 9, 15, 4, 5, 0, time.UTC)

// adminScopes is what the demo OAuth app grants owners and admins; members get only the
// scopes that are not admin-level (see grantedScopes).
var (
	adminScopes = []string{
		"account:master", "account:read:admin", "account:write:admin",
		"user:master", "user:read:admin", "user:write:admin",
		"billing:master", "user:read", "user:write", "user_info:read",
	}
)

// seeder builds a state deterministically.
type seeder struct {
	st     *state
	rng    *rand.Rand
	emails map[string]bool
	names  map[string]bool
}

// buildSeed returns a fresh state for the named seed ("demo" or "empty").
func buildSeed(seed string, _ time.Time) *state {
	sd := &seeder{
		st:     newState(seed),
		rng:    rand.New(rand.NewPCG(20240102, 150405)),
		emails: map[string]bool{},
		names:  map[string]bool{},
	}
	sd.st.Apps[DemoClientID] = &app{
		ClientID: DemoClientID, ClientSecret: DemoClientSecret, Name: "Tierdesk (demo)",
		Type: appOAuth, LoopbackRedirects: true, Scopes: adminScopes,
	}
	if seed == SeedEmpty {
		p := sd.primary("Sandbox Primary", "primary.example", "", "business_annual", 50)
		sd.s2s("tierdesk-s2s-primary", p)
		return sd.st
	}
	nw := sd.primary("Northwind Distribution", "northwind.example", "", "business_plus_annual", 500)
	contoso := sd.primary("Contoso Reseller", "contoso.example", nw.ID, "business_plus_annual", 120)
	fabrikam := sd.primary("Fabrikam Reseller", "fabrikam.example", nw.ID, "business_plus_annual", 80)
	sd.s2s("tierdesk-s2s-northwind", nw)
	sd.s2s("tierdesk-s2s-contoso", contoso)
	sd.s2s("tierdesk-s2s-fabrikam", fabrikam)
	for range 10 {
		sd.customer(nw)
	}
	for _, r := range []*account{contoso, fabrikam} {
		n := 30 + sd.rng.IntN(31)
		for range n {
			sd.customer(r)
		}
	}
	return sd.st
}

// day returns the seed epoch plus n days.
func day(n int) time.Time { return seedEpoch.AddDate(0, 0, n) }

// s2s registers a Server-to-Server app for an account.
func (sd *seeder) s2s(clientID string, a *account) {
	sd.st.Apps[clientID] = &app{
		ClientID: clientID, ClientSecret: clientID + "-secret", Name: a.Name + " (Server-to-Server)",
		Type: appS2S, AccountID: a.ID, Scopes: adminScopes,
	}
}

// primary seeds a primary account with owner, admin, support and viewer staff.
func (sd *seeder) primary(name, domain, parent, planType string, hosts int) *account {
	created := day(sd.rng.IntN(60))
	a := sd.account(name, domain, parent, created)
	a.Primary = true
	a.Plans = &plans{Base: &planItem{Type: planType, Hosts: hosts, ServiceEffectiveDate: created, NextInvoiceDate: created.AddDate(4, 0, 0), Status: "active"}}
	staff := []struct{ local, role string }{{"owner", roleOwner}, {"admin", roleAdmin}, {"support", roleMember}, {"viewer", roleMember}}
	for _, p := range staff {
		first, last := sd.personName()
		u := sd.user(a, first, last, p.local+"@"+domain, p.role, statusActive, 2, created.Add(time.Hour))
		if p.role == roleOwner {
			a.OwnerID = u.ID
		}
	}
	if parent != "" {
		a.Billing = sd.billing(a, sd.st.Users[a.OwnerID])
	}
	return a
}

// account seeds the bare account.
func (sd *seeder) account(name, domain, parent string, created time.Time) *account {
	id, seq := sd.st.newAccountID()
	a := &account{
		ID: id, Seq: seq, Name: name, Number: numberFor(sd.st.Seed, "account", seq, 9),
		ParentID: parent, CreatedAt: created,
		Options:        accountOptions{PayMode: "master", BillingAutoRenew: true},
		ManagedDomains: []managedDomain{{Domain: domain, Status: "verified"}},
	}
	sd.st.addAccount(a)
	return a
}

// user seeds a user.
func (sd *seeder) user(a *account, first, last, email, role, status string, typ int, created time.Time) *user {
	id, seq := sd.st.newUserID()
	u := &user{
		ID: id, Seq: seq, AccountID: a.ID, Email: email, FirstName: first, LastName: last,
		DisplayName: first + " " + last, Type: typ, Role: role, Status: status,
		CreationType: "create", CreatedAt: created,
		PMI:      numberFor(sd.st.Seed, "pmi", seq, 10),
		HostKey:  fmt.Sprintf("%06d", numberFor(sd.st.Seed, "hostkey", seq, 6)),
		Timezone: seedTimezones[sd.rng.IntN(len(seedTimezones))], Language: "en-US",
		Dept: seedDepts[sd.rng.IntN(len(seedDepts))],
	}
	if status == statusActive {
		u.LastLoginTime = created.AddDate(0, 0, 1+sd.rng.IntN(400))
		u.LastClient = "6.2.5.51234(mac)"
	}
	sd.emails[strings.ToLower(email)] = true
	sd.st.addUser(u)
	return u
}

// personName picks a first and last name.
func (sd *seeder) personName() (string, string) {
	return seedFirstNames[sd.rng.IntN(len(seedFirstNames))], seedLastNames[sd.rng.IntN(len(seedLastNames))]
}

// email returns an unused address first.last@domain (numbered on collision).
func (sd *seeder) email(first, last, domain string) string {
	base := strings.ToLower(first + "." + last)
	for i := 1; ; i++ {
		e := base + "@" + domain
		if i > 1 {
			e = fmt.Sprintf("%s%d@%s", base, i, domain)
		}
		if !sd.emails[e] {
			return e
		}
	}
}

// companyName returns an unused customer name and its domain.
func (sd *seeder) companyName() (string, string) {
	for {
		name := seedCompanyFirst[sd.rng.IntN(len(seedCompanyFirst))] + " " + seedCompanySecond[sd.rng.IntN(len(seedCompanySecond))]
		if sd.names[name] {
			continue
		}
		sd.names[name] = true
		slug := strings.NewReplacer(" ", "-", "'", "").Replace(strings.ToLower(name))
		return name, slug + ".example"
	}
}

// billing returns a billing contact for an account's owner.
func (sd *seeder) billing(a *account, owner *user) *billingContact {
	loc := seedStates[sd.rng.IntN(len(seedStates))]
	return &billingContact{
		FirstName: owner.FirstName, LastName: owner.LastName, Email: owner.Email,
		PhoneNumber: fmt.Sprintf("+1 555 01%02d", sd.rng.IntN(100)),
		Address:     fmt.Sprintf("%d %s Street", 10+sd.rng.IntN(900), strings.Fields(a.Name)[0]),
		City:        loc.city, State: loc.state, Zip: loc.zip, Country: "US",
	}
}

// customer seeds one customer sub account under a primary, with 3-200 users.
func (sd *seeder) customer(parent *account) {
	name, domain := sd.companyName()
	created := day(60 + sd.rng.IntN(700))
	a := sd.account(name, domain, parent.ID, created)
	var n int
	switch r := sd.rng.Float64(); {
	case r < 0.7:
		n = 3 + sd.rng.IntN(28)
	case r < 0.9:
		n = 31 + sd.rng.IntN(70)
	default:
		n = 101 + sd.rng.IntN(100)
	}
	paid := sd.rng.Float64() >= 0.2
	if sd.rng.Float64() < 0.25 {
		a.Options.PayMode = "sub"
	}
	licensed := 0
	if paid {
		licensed = max(1, n*6/10)
		typ, hosts := "pro_monthly", licensed
		if licensed > 9 {
			typ, hosts = "business_annual", max(10, licensed+sd.rng.IntN(5))
			if hosts > 49 { // Business takes 10-49 hosts (ZOOM_API.md §1.13)
				typ = "business_plus_annual"
			}
		} else if sd.rng.IntN(2) == 0 {
			typ = "pro_annual"
		}
		licensed = min(licensed, hosts)
		a.Plans = &plans{Base: &planItem{Type: typ, Hosts: hosts, ServiceEffectiveDate: created, NextInvoiceDate: created.AddDate(4, 0, 0), Status: "active"}}
		if sd.rng.IntN(4) == 0 {
			a.Plans.Addons = append(a.Plans.Addons, &planItem{Category: "plan_large_meeting", Type: "large500_monthly", Hosts: 1, ServiceEffectiveDate: created, NextInvoiceDate: created.AddDate(4, 0, 0), Status: "active"})
		}
		if sd.rng.IntN(3) == 0 {
			a.TrustedDomains = []string{"partner-" + domain}
		}
	}
	admins := 0
	if n >= 10 {
		admins = 1
	}
	if n >= 50 {
		admins = 2
	}
	for i := range n {
		first, last := sd.personName()
		role, status, typ := roleMember, statusActive, 1
		switch {
		case i == 0:
			role = roleOwner
		case i <= admins:
			role = roleAdmin
		case i == admins+1:
			status = statusPending
		case i == admins+2:
			status = statusInactive
		default:
			switch r := sd.rng.Float64(); {
			case r < 0.08:
				status = statusPending
			case r < 0.16:
				status = statusInactive
			}
		}
		if paid && i < licensed {
			typ = 2
		}
		dom := domain
		if role == roleMember && sd.rng.Float64() < 0.25 {
			dom = "mail.example"
		}
		u := sd.user(a, first, last, sd.email(first, last, dom), role, status, typ, created.Add(time.Duration(i+1)*time.Hour))
		if status == statusPending && sd.rng.IntN(5) == 0 {
			u.InviteExpired = true
		}
		if i == 0 {
			a.OwnerID = u.ID
		}
	}
	if paid && a.Options.PayMode == "master" {
		a.Billing = sd.billing(a, sd.st.Users[a.OwnerID])
	}
}
