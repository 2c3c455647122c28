package handlers

import (
	"context"
	"fmt"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/store"
)

// DriftCounter counts the drifted customers of each of a partner's standards from the cache,
// with the drift report's own comparison (driftReport): the steady settings refresh uses it
// to notify standard.drift (jobs.Options.Drift). It reads as the partner, unscoped.
func DriftCounter(st *store.Store) jobs.DriftCounter {
	return func(ctx context.Context, partnerID int64) ([]jobs.StandardDrift, error) {
		standards, err := st.Standards(ctx, partnerID)
		if err != nil {
			return nil, err
		}
		out := make([]jobs.StandardDrift, 0, len(standards))
		for _, sd := range standards {
			t, err := st.SettingsTemplateByID(ctx, partnerID, sd.TemplateID)
			if err != nil {
				return nil, fmt.Errorf("drift of standard %d: %w", sd.ID, err)
			}
			setPaths, lockPaths := templatePaths(t)
			members, err := st.StandardMembers(ctx, partnerID, sd.GroupID, setPaths, lockPaths)
			if err != nil {
				return nil, fmt.Errorf("drift of standard %d: %w", sd.ID, err)
			}
			p := driftReport(t, members, true)
			out = append(out, jobs.StandardDrift{ID: sd.ID, Name: sd.Name, Mode: sd.Mode, Customers: p.Customers, Drifted: p.DriftedCustomers})
		}
		return out, nil
	}
}
