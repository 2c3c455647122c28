package service

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// A change across many customers (a settings template, a settings change or an option change
// applied to a customer group, or a standard in enforce mode bringing its drifted customers
// back) is a bulk job whose rows are customers (store.ImportFleet). Each row keeps its change
// (FleetChange: the PATCHes the preview showed) and is sent through the customer change
// operations every page uses (SetCustomerSettings, SetCustomerOptions): one intent, the
// calls, one audit event. The intent belongs to the job ("fleet:<id>"), which settles what a
// previous run left sending when it resumes, by reading the customer back from Zoom
// (ResolveFleetRow): no change is sent twice, none is lost.

// FleetChange is one customer's part of a change across customers: its settings and locks, or
// its options, with what the audit event records, and what it leaves out.
type FleetChange struct {
	Action  audit.Action               `json:"action"` // customer.settings, customer.settings_template or customer.options
	Set     zoom.Settings              `json:"set,omitempty"`
	Locks   zoom.Settings              `json:"locks,omitempty"`
	Options *zoom.AccountOptionsUpdate `json:"options,omitempty"`
	// Before and After are by key: a setting's path, "locked." and its path for a lock, an
	// option's name. Before holds nil for a value not read yet.
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
	Extra  map[string]any `json:"extra,omitempty"` // the template's or standard's name
	// Missing are the setting paths the customer's settings lack (its plan has no such
	// feature): reported, never sent.
	Missing []string `json:"missing,omitempty"`
}

// Empty reports whether the change sends nothing.
func (c FleetChange) Empty() bool { return len(c.After) == 0 }

// settings is the change as SetCustomerSettings takes it.
func (c FleetChange) settings() SettingsChange {
	set, locks := c.Set, c.Locks
	if set == nil {
		set = zoom.Settings{}
	}
	if locks == nil {
		locks = zoom.Settings{}
	}
	return SettingsChange{Action: c.Action, Set: set, Locks: locks, Before: c.Before, After: c.After, Extra: c.Extra}
}

// FleetCall is one call a customer's change makes, for the preview: the endpoint, the option
// section it goes under, and the keys (of After) it carries.
type FleetCall struct {
	Call   zoom.Call
	Option string
	Keys   []string
}

// Calls lists the calls the change makes, in the order they are sent: the options' PATCH, or
// the settings' PATCHes (plain, then each option section), then the locks' the same way, as
// SetCustomerSettings sends them.
func (c FleetChange) Calls() []FleetCall {
	if c.Empty() {
		return nil
	}
	if c.Options != nil {
		return []FleetCall{{Call: zoom.CallUpdateOptions, Keys: slices.Sorted(maps.Keys(c.After))}}
	}
	var out []FleetCall
	for _, sc := range c.settings().calls() {
		call := zoom.CallUpdateAccountSettings
		if sc.locks {
			call = zoom.CallUpdateLockSettings
		}
		out = append(out, FleetCall{Call: call, Option: sc.option, Keys: slices.Sorted(maps.Keys(sc.keys))})
	}
	return out
}

// FleetRun is one run of a change across customers.
type FleetRun struct {
	PartnerID int64
	Imp       store.Import
	Actor     Actor            // who started the job: the changes are theirs
	Event     store.AuditEvent // which job, for every row's event
	Zoom      *zoom.Client     // the reads that settle a previous run's rows
	// Stop ends the sending of new rows for a reason the whole job shares (Zoom refused the
	// grant, a daily limit): why for people, state for the rows not sent, Zoom's code.
	Stop func(why, state string, code int)
}

// owner is who resolves the intents of this job's rows: the job itself, when it resumes.
func (r *FleetRun) owner() string { return "fleet:" + r.Imp.ID }

// FleetChangeOf reads a fleet row's change.
func FleetChangeOf(row store.ImportRow) (FleetChange, error) {
	var ch FleetChange
	if err := json.Unmarshal(row.Change, &ch); err != nil {
		return ch, fmt.Errorf("change of row %d: %w", row.Line, err)
	}
	return ch, nil
}

// FleetLabel is the rate budget a change across customers' calls count against, by the job's
// action: an option change's are Light calls, a settings change's Medium ones. The job paces
// its rows by it and the preview estimates its duration by it.
func FleetLabel(imp store.Import) zoom.Label {
	var o struct {
		Action audit.Action `json:"action"`
	}
	_ = json.Unmarshal(imp.Options, &o)
	if o.Action == audit.CustomerOptions {
		return zoom.Light
	}
	return zoom.Medium
}

// Label is the rate budget the run's calls count against (FleetLabel).
func (r *FleetRun) Label() zoom.Label { return FleetLabel(r.Imp) }

// customerOf is the customer a row changes, as the change operations need it.
func (r *FleetRun) customerOf(row store.ImportRow) store.Customer {
	return store.Customer{ID: *row.CustomerID, PartnerID: r.PartnerID, ZoomAccountID: row.ZoomAccountID, AccountName: row.CustomerName}
}

// missingNote says which settings a customer's plan lacks, for its row.
func missingNote(ch FleetChange) string {
	if len(ch.Missing) == 0 {
		return ""
	}
	return " Not sent, as its plan lacks them: " + strings.Join(ch.Missing, ", ") + "."
}

// SendFleetRow sends one ready row's change through the customer change operations and
// records the row's result. It returns an error only when the database fails or Zoom's answer
// could not be recorded (the row then stays sending, and its intent open, for the job's next
// run to settle).
func (s *Service) SendFleetRow(ctx context.Context, r *FleetRun, row store.ImportRow) error {
	ch, err := FleetChangeOf(row)
	if err != nil {
		return err
	}
	ok, err := s.Store.MarkRowSending(ctx, r.PartnerID, r.Imp.ID, row.Line)
	if err != nil || !ok {
		return err
	}
	row.Attempts++
	// Once the row is marked sending, a stop (River's shutdown) cuts neither the calls nor the
	// recording of their answer.
	ctx = context.WithoutCancel(ctx)
	c := r.customerOf(row)
	job := &JobRow{Owner: r.owner(), Line: row.Line}
	var res CustomerResult
	partly, partErr := "", error(nil)
	if ch.Options != nil {
		res, err = s.setCustomerOptions(ctx, r.Actor, r.Event, c, ch.Options, pick(ch.Before), pick(ch.After), job)
	} else {
		sc := ch.settings()
		sc.Job = job
		var sr SettingsResult
		sr, err = s.SetCustomerSettings(ctx, r.Actor, r.Event, c, sc)
		res, partly, partErr = sr.CustomerResult, sr.Message, sr.PartError
	}
	finish := func(res store.RowResult) error {
		return s.Store.FinishImportRow(ctx, r.PartnerID, r.Imp.ID, row.Line, res, nil)
	}
	switch {
	case zoom.NeedsReauth(err):
		// The token was refused (the refusal is audited): Zoom did nothing. The row waits.
		r.Stop("Zoom no longer accepts the Zoom sign-in or app the job used: "+zoom.Explain(err), store.RowFailed, 0)
		return finish(store.RowResult{State: store.RowReady})
	case errors.Is(err, store.ErrNoGrant):
		r.Stop(NoGrantMessage+" Then start the job anew.", store.RowFailed, 0)
		return finish(store.RowResult{State: store.RowReady})
	case err != nil:
		var nr *NotRecordedError
		if errors.As(err, &nr) {
			return nr.Err
		}
		return err
	case res.Done && partly != "":
		out := store.RowResult{State: store.RowFailed, Message: partly}
		if ze, ok := zoom.AsError(partErr); ok { // the refusal of the part not made, for the results' zoom_code
			out.ZoomCode, out.ZoomMessage = ze.Code, ze.Message
		}
		return finish(out)
	case res.Done:
		return finish(store.RowResult{State: store.RowSucceeded, Message: "Done." + missingNote(ch)})
	case res.Lost:
		// Recorded pending: read Zoom back now.
		return s.ResolveFleetRow(ctx, r, row, &store.OwnedIntent{Closed: true, Outcome: string(store.OutcomePending)})
	}
	ze, isZoom := zoom.AsError(res.Refusal)
	switch {
	case isZoom && ze.DailyLimit:
		r.Stop("Zoom's daily limit for this is used up: "+zoom.Explain(res.Refusal), store.RowFailed, ze.Code)
	case !isZoom && row.Attempts < MaxRowAttempts:
		// Not sent (the connection failed before the request left): send it again later.
		return finish(store.RowResult{State: store.RowReady})
	}
	out := store.RowResult{State: store.RowFailed, Message: zoom.Explain(res.Refusal) + missingNote(ch)}
	if isZoom {
		out.ZoomCode, out.ZoomMessage = ze.Code, ze.Message
	}
	return finish(out)
}

// pick is a change's before or after as SetCustomerOptions records them.
func pick(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// ResolveFleetSending settles the rows a previous run left sending: each is read back from
// Zoom (ResolveFleetRow), with what its job's intents say was recorded.
func (s *Service) ResolveFleetSending(ctx context.Context, r *FleetRun) error {
	rows, err := s.Store.ImportRows(ctx, r.PartnerID, r.Imp.ID, store.RowFilter{States: []string{store.RowSending}})
	if err != nil || len(rows) == 0 {
		return err
	}
	intents, err := s.Store.IntentsOfOwner(ctx, r.PartnerID, r.owner())
	if err != nil {
		return err
	}
	byLine := map[int]*store.OwnedIntent{} // the latest intent of each row
	for i := range intents {
		var w rowWanted
		if err := json.Unmarshal(intents[i].Wanted, &w); err == nil {
			byLine[w.Line] = &intents[i]
		}
	}
	var stop firstError
	r.Zoom.Flow(zoom.Medium, 0).Run(ctx, len(rows), func(ctx context.Context, i int) bool {
		if err := s.ResolveFleetRow(ctx, r, rows[i], byLine[rows[i].Line]); err != nil {
			return stop.set(err)
		}
		return true
	})
	return cmp.Or(stop.get(), ctx.Err())
}

// ResolveFleetRow settles a row whose change was sent but whose outcome the row does not hold
// (its process died, or Zoom's answer was lost), by reading the customer back from Zoom. in is
// the row's latest intent (nil: the change never reached the protocol). What the intent
// recorded decides first: a change recorded done or refused is the row's result, with no second
// event. Otherwise Zoom's state decides: what Zoom holds is audited done (closing the intent
// when it is open); what it does not is sent again (its intent closed as not done), or failed
// when its attempts are used up. A read that fails leaves the row sending for the next run.
func (s *Service) ResolveFleetRow(ctx context.Context, r *FleetRun, row store.ImportRow, in *store.OwnedIntent) error {
	ch, err := FleetChangeOf(row)
	if err != nil {
		return err
	}
	st := s.Store
	finish := func(res store.RowResult) error {
		return st.FinishImportRow(ctx, r.PartnerID, r.Imp.ID, row.Line, res, nil)
	}
	if in != nil && in.Closed {
		switch store.Outcome(in.Outcome) {
		case store.OutcomeSucceeded:
			return finish(store.RowResult{State: store.RowSucceeded, Message: "Done." + missingNote(ch)})
		case store.OutcomeFailed:
			return finish(store.RowResult{State: store.RowFailed, Message: "Zoom refused the change; the audit log has Zoom's words and code."})
		}
	}
	done, grant, err := s.fleetDone(ctx, r.Zoom, row.ZoomAccountID, ch)
	if err != nil {
		s.Log.LogAttrs(ctx, slog.LevelWarn, "reading a customer back after a lost answer failed; trying again later", slog.String("import", r.Imp.ID),
			slog.Int("line", row.Line), slog.String("error", err.Error()))
		return nil
	}
	open := in != nil && !in.Closed
	ev := r.Actor.event(r.Event)
	if open {
		ev = in.Event
		ev.PartnerID, ev.Intent = r.PartnerID, in.ID
	}
	ev.Action, ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = ch.Action, "customer", row.ZoomAccountID, row.CustomerName, row.ZoomAccountID
	if grant != "" {
		ev.GrantRef = grant
	}
	details := map[string]any{"before": ch.Before, "after": ch.After}
	maps.Copy(details, ch.Extra)
	switch {
	case done && in == nil:
		// Nothing was sent (the process died before the intent): Zoom holds it already.
		return finish(store.RowResult{State: store.RowSucceeded, Message: "Nothing to send: Zoom holds these values already."})
	case done:
		details["resolution"] = "Zoom's answer was not recorded; reading the customer back from Zoom shows the change was made"
		ev.Outcome, ev.Details = store.OutcomeSucceeded, mustJSON(details)
		if _, err := st.RecordCustomerChange(ctx, r.PartnerID, *row.CustomerID, store.CustomerUpdate{}, ev); err != nil && !errors.Is(err, store.ErrIntentClosed) {
			return err
		}
		return finish(store.RowResult{State: store.RowSucceeded, Message: "Done (Zoom's answer was lost; reading Zoom back shows it was made)." + missingNote(ch)})
	case row.Attempts >= MaxRowAttempts:
		msg := "Not done: Zoom's answers were lost and reading Zoom back shows nothing changed; not sent again. Try again later."
		if open {
			details["resolution"] = "reading the customer back from Zoom shows the change was not made"
			ev.Outcome, ev.Details = store.OutcomeFailed, mustJSON(details)
			if _, err := st.Audit(ctx, ev); err != nil && !errors.Is(err, store.ErrIntentClosed) {
				return err
			}
		}
		return finish(store.RowResult{State: store.RowFailed, Message: msg})
	}
	// Not made: the row is simply sent again.
	if err := finish(store.RowResult{State: store.RowReady}); err != nil {
		return err
	}
	if open {
		return st.CloseIntent(ctx, r.PartnerID, in.ID, "not done")
	}
	return nil
}

// fleetDone reads a customer back from Zoom and reports whether it holds every value of the
// change, and the grant that read it.
func (s *Service) fleetDone(ctx context.Context, zc *zoom.Client, account string, ch FleetChange) (bool, string, error) {
	if ch.Options != nil {
		sa, resp, err := zc.GetSubAccount(ctx, account)
		if err != nil {
			return false, "", err
		}
		var have map[string]any
		b, _ := json.Marshal(sa.Options)
		_ = json.Unmarshal(b, &have)
		return settingsHold(zoom.Settings(have), ch.After), resp.Grant, nil
	}
	set, locks := map[string]any{}, map[string]any{}
	for k, v := range ch.After {
		if p, ok := strings.CutPrefix(k, "locked."); ok {
			locks[p] = v
		} else {
			set[k] = v
		}
	}
	grant := zc.Grant()
	for _, part := range []struct {
		want map[string]any
		get  func(*zoom.SettingsOptions) (zoom.Settings, *zoom.Response, error)
	}{
		{set, func(o *zoom.SettingsOptions) (zoom.Settings, *zoom.Response, error) {
			return zc.GetAccountSettings(ctx, account, o)
		}},
		{locks, func(o *zoom.SettingsOptions) (zoom.Settings, *zoom.Response, error) {
			return zc.GetLockSettings(ctx, account, o)
		}},
	} {
		if len(part.want) == 0 {
			continue
		}
		got, err := zoom.ReadWhole(func(o *zoom.SettingsOptions) (zoom.Settings, error) {
			v, resp, err := part.get(o)
			if resp != nil && resp.Grant != "" {
				grant = resp.Grant
			}
			return v, err
		})
		if err != nil {
			return false, "", err
		}
		if !settingsHold(got, part.want) {
			return false, grant, nil
		}
	}
	return true, grant, nil
}
