package sandbox

// accountSettingOptions are the ?option= values of account settings.
var accountSettingOptions = []string{"meeting_authentication", "recording_authentication", "security", "meeting_security"}

// getAccountSettings is GET /accounts/{accountId}/settings (and /accounts/me/settings).
func getAccountSettings(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for Paid account.")
	}
	stored := a.Settings
	if stored == nil {
		stored = defaultAccountSettings
	}
	return settingsView(stored, c.query("option"), c.query("custom_query_fields"), accountSettingOptions)
}

// patchAccountSettings is PATCH /accounts/{accountId}/settings.
func patchAccountSettings(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for Paid account.")
	}
	stored := a.Settings
	if stored == nil {
		stored = defaultAccountSettings
	}
	p, err := patchSettings(stored, c.body, c.query("option"), accountSettingOptions, false)
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
	stored := a.LockSettings
	if stored == nil {
		stored = lockDefaults()
	}
	return settingsView(stored, c.query("option"), c.query("custom_query_fields"), []string{"meeting_security"})
}

// patchLockSettings is PATCH /accounts/{accountId}/lock_settings.
func patchLockSettings(c *call) (any, error) {
	a := c.target
	if !a.paid() {
		return nil, zerr(400, 200, "Only available for paid account: %s", a.ID)
	}
	stored := a.LockSettings
	if stored == nil {
		stored = lockDefaults()
	}
	p, err := patchSettings(stored, c.body, c.query("option"), []string{"meeting_security"}, true)
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
