package sandbox

import (
	"encoding/json"
	"fmt"
)

// ChangeSettingsInZoom changes a paid account's settings (locks false) or lock settings (locks
// true) as its owner would in Zoom's own web portal: no API call (nothing in the request log,
// no app's token), the same checks as the PATCH with option (""), and the webhook event Zoom
// sends for it (account.settings_updated or account.lock_settings_updated, operated by the
// account's owner) when an endpoint is configured. update is the PATCH's body.
func (s *Sandbox) ChangeSettingsInZoom(accountID string, locks bool, option string, update map[string]any) error {
	body, err := json.Marshal(update)
	if err != nil {
		return err
	}
	s.mu.Lock()
	a := s.st.Accounts[accountID]
	if a == nil || !a.paid() {
		s.mu.Unlock()
		return fmt.Errorf("change settings in zoom: %s is not a paid account", accountID)
	}
	kind, stored, name := accountSettingsKind, a.Settings, "account.settings_updated"
	if locks {
		kind, stored, name = lockSettingsKind, a.LockSettings, "account.lock_settings_updated"
	}
	p, err := kind.patch(stored, body, option)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("change settings in zoom: %w", err)
	}
	if locks {
		a.LockSettings = p.next
	} else {
		a.Settings = p.next
	}
	var payload map[string]any
	if len(p.changed) > 0 {
		operator, operatorID := "", a.OwnerID
		if u := s.st.Users[a.OwnerID]; u != nil {
			operator = u.Email
		}
		payload = map[string]any{"account_id": a.ID, "operator": operator, "operator_id": operatorID,
			"object":     map[string]any{"id": a.ID, "settings": p.changed},
			"old_object": map[string]any{"id": a.ID, "settings": p.old}}
	}
	s.mu.Unlock()
	s.markDirty()
	if payload != nil {
		s.hooks.emit(name, payload)
	}
	return nil
}
