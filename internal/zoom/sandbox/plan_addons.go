package sandbox

// findAddon returns the active add-on of a type.
func findAddon(a *account, t string) *planItem {
	if a.Plans == nil {
		return nil
	}
	for _, p := range a.Plans.Addons {
		if p.Type == t && p.Status == "active" {
			return p
		}
	}
	return nil
}

// addAddon is POST /accounts/{accountId}/plans/addons.
func addAddon(c *call) (any, error) {
	a := c.target
	if a.Options.PayMode == "sub" {
		return nil, errSelfPay()
	}
	var p planInput
	if err := decodeObject(c.body, &p); err != nil {
		return nil, err
	}
	var v validation
	p.check("", &v, p.Type != "plan_phone")
	if err := v.err(); err != nil {
		return nil, err
	}
	if !a.paid() {
		return nil, zerr(400, 3261, "Must subscribe to a major plan first.")
	}
	if !a.hasSubscription() {
		return nil, errNoSubscription(a.ID)
	}
	if findAddon(a, p.Type) != nil {
		return nil, zerr(400, 2100, "This sub account already has the additional plan: %s", p.Type)
	}
	a.Plans.Addons = append(a.Plans.Addons, &planItem{Category: addonCategory(p.Type), Type: p.Type, Hosts: p.hosts(),
		ServiceEffectiveDate: c.now, NextInvoiceDate: c.now.AddDate(1, 0, 0), Status: "active"})
	c.planChanged(a, a.accountType(), a.seats())
	return plansView(a), nil
}

// updateAddon is PUT /accounts/{accountId}/plans/addons.
func updateAddon(c *call) (any, error) {
	a := c.target
	if a.Options.PayMode == "sub" {
		return nil, errSelfPay()
	}
	var p planInput
	if err := decodeObject(c.body, &p); err != nil {
		return nil, err
	}
	var v validation
	p.check("", &v, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	if !a.paid() {
		return nil, zerr(400, 2100, "Cannot update Additional plan for a sub account under free plan")
	}
	if !a.hasSubscription() {
		return nil, errNoSubscription(a.ID)
	}
	addon := findAddon(a, p.Type)
	if addon == nil {
		return nil, zerr(400, 3261, "Failed to change sub plan of account")
	}
	addon.Hosts = p.hosts()
	c.planChanged(a, a.accountType(), a.seats())
	return nil, nil
}
