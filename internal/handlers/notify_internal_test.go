package handlers

import (
	"testing"

	"github.com/tierdesk/tierdesk/internal/jobs"
)

// Every kind an outgoing webhook may receive has its label on the settings form, and no
// label names a kind that is not one.
func TestEveryNotificationKindIsLabelled(t *testing.T) {
	kinds := jobs.NotifyKinds()
	for _, k := range kinds {
		if notifyKindLabels[k] == "" {
			t.Errorf("kind %s has no label in notifyKindLabels", k)
		}
	}
	if len(notifyKindLabels) != len(kinds) {
		t.Errorf("%d labels for %d kinds", len(notifyKindLabels), len(kinds))
	}
}
