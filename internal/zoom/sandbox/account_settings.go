package sandbox

// getAccountSettings is GET /accounts/{accountId}/settings (and /accounts/me/settings).
func getAccountSettings(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for Paid account.")
	}
	return accountSettingsKind.view(a.Settings, c.query("option"), c.query("custom_query_fields"))
}

// patchAccountSettings is PATCH /accounts/{accountId}/settings.
func patchAccountSettings(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for Paid account.")
	}
	p, err := accountSettingsKind.patch(a.Settings, c.body, c.query("option"))
	if err != nil {
		return nil, err
	}
	a.Settings = p.next
	if len(p.changed) > 0 {
		c.emit("account.settings_updated", c.caller.ID, map[string]any{"id": a.ID, "settings": p.changed},
			map[string]any{"old_object": map[string]any{"id": a.ID, "settings": p.old}})
	}
	return nil, nil
}

// getLockSettings is GET /accounts/{accountId}/lock_settings.
func getLockSettings(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for paid account: %s", a.ID)
	}
	return lockSettingsKind.view(a.LockSettings, c.query("option"), c.query("custom_query_fields"))
}

// patchLockSettings is PATCH /accounts/{accountId}/lock_settings.
func patchLockSettings(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for paid account: %s", a.ID)
	}
	p, err := lockSettingsKind.patch(a.LockSettings, c.body, c.query("option"))
	if err != nil {
		return nil, err
	}
	a.LockSettings = p.next
	if len(p.changed) > 0 {
		c.emit("account.lock_settings_updated", c.caller.ID, map[string]any{"id": a.ID, "settings": p.changed},
			map[string]any{"old_object": map[string]any{"id": a.ID, "settings": p.old}})
	}
	return nil, nil
}
