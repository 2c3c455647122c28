package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Where a read of a customer's settings came from, as its audit event says.
const (
	ReadByWebhook = "webhook" // Zoom said the settings changed (account.settings_updated)
	ReadByRefresh = "refresh" // the steady refresh
	ReadByPage    = "page"    // a page's view refreshed the cache
)

// SettingsActions are the audited actions that change a customer's settings or locks: made
// through Tierdesk (a change, a template) or seen in Zoom. The drift report's history reads
// them.
var SettingsActions = []audit.Action{audit.CustomerSettings, audit.CustomerLockSettings, audit.CustomerSettingsTemplate}

// readExplainers are the actions a read looks at to tell whether a difference it finds is
// already known: Tierdesk's own changes of settings (as the webhook's echo rule), and changes
// of settings and locks already seen in Zoom (a webhook's event).
var readExplainers = append(slices.Clone(echoes[zoom.EventAccountSettings]), audit.CustomerLockSettings)

// seenWindow is how far back a change already recorded as seen in Zoom (a webhook's event)
// explains the same values found by a read: the re-read follows the webhook within seconds,
// the steady refresh may come much later.
const seenWindow = time.Hour

// maxChangesAudited bounds the paths one event lists (a whole new plan can change hundreds).
const maxChangesAudited = 100

// SettingsReadResult says what a read of a customer's settings found.
type SettingsReadResult struct {
	Changed  int    // paths whose values differ from the cache (0 on a first read)
	Recorded bool   // an external event was recorded for them (no own change explained them)
	Refused  string // Zoom refused the settings (a free account), in words
}

// ReadCustomerSettings reads customer c's settings and lock settings whole from Zoom with
// client and records them (RecordSettingsRead). A Zoom refusal for this customer (no settings
// on a free account) is recorded as such; a failure to reach Zoom (timeout, 5xx, 429, an
// expired grant) is returned and the cache stays as it was.
func (s *Service) ReadCustomerSettings(ctx context.Context, client *zoom.Client, partnerID int64, c store.Customer, by string, ev store.AuditEvent) (SettingsReadResult, error) {
	started, err := s.Store.Now(ctx)
	if err != nil {
		return SettingsReadResult{}, err
	}
	read := store.SettingsRead{Started: started}
	set, err := zoom.ReadWhole(func(o *zoom.SettingsOptions) (zoom.Settings, error) {
		v, _, err := client.GetAccountSettings(ctx, c.ZoomAccountID, o)
		return v, err
	})
	var locks zoom.Settings
	var lockErr error
	if err == nil {
		locks, lockErr = zoom.ReadWhole(func(o *zoom.SettingsOptions) (zoom.Settings, error) {
			v, _, err := client.GetLockSettings(ctx, c.ZoomAccountID, o)
			return v, err
		})
		if lockErr != nil && !RefusedForCustomer(lockErr) {
			err = lockErr
		}
	}
	switch {
	case err == nil && lockErr == nil:
		read.Settings, read.Locks = mustJSON(set), mustJSON(locks)
	case err == nil:
		// Locks Zoom refused while it answered the settings keep their cached values, as a
		// page's read does.
		read.Settings = mustJSON(set)
	case RefusedForCustomer(err):
		read.Refused = zoom.Explain(err)
	default:
		return SettingsReadResult{}, &ZoomUnreachable{Err: fmt.Errorf("read settings of %s: %w", c.ZoomAccountID, err)}
	}
	ev.GrantRef = client.Grant()
	return s.RecordSettingsRead(ctx, partnerID, c, read, by, ev)
}

// RefusedForCustomer reports whether err is Zoom refusing a read for this customer (a 4xx
// other than 429 that no new sign-in would change: settings of a free account), as opposed to
// Zoom not answering.
func RefusedForCustomer(err error) bool {
	ze, ok := zoom.AsError(err)
	return ok && ze.Status >= 400 && ze.Status < 500 && ze.Status != http.StatusTooManyRequests && !zoom.NeedsReauth(err)
}

// RecordSettingsRead stores a read of customer c's settings and locks (by says what asked
// for it: ReadByWebhook, ReadByRefresh, ReadByPage). When the values at some paths differ from
// the cache and nothing Tierdesk knows explains them, one external customer.settings event
// lists those paths with their values before and after (secrets redacted by the store), in
// the transaction that updates the cache. A difference is explained by an own change of the
// customer's settings in the last EchoWindow (the webhook's echo rule: Zoom's state may lag or
// lead Tierdesk's record of its own change), or path by path by a change already recorded as
// seen in Zoom with the same value (the webhook's event). A first read compares with nothing.
func (s *Service) RecordSettingsRead(ctx context.Context, partnerID int64, c store.Customer, read store.SettingsRead, by string, ev store.AuditEvent) (SettingsReadResult, error) {
	out := SettingsReadResult{Refused: read.Refused}
	err := s.Store.RecordSettingsRead(ctx, partnerID, c.ID, read, func(ctx context.Context, w *store.SettingsReadTx, cached store.CachedSettings) error {
		before, after := map[string]any{}, map[string]any{}
		for _, part := range []struct {
			prefix string
			old    map[string]any
			now    json.RawMessage
		}{{"", cached.Settings, read.Settings}, {lockedPrefix, cached.Locks, read.Locks}} {
			if part.old == nil || part.now == nil {
				continue // nothing to compare with
			}
			var now map[string]any
			if json.Unmarshal(part.now, &now) != nil {
				continue
			}
			diffPaths(part.prefix, flatten("", part.old), flatten("", now), before, after)
		}
		changed := changedKeys(before, after)
		out.Changed = len(changed)
		if len(changed) == 0 {
			return nil
		}
		recent, err := w.RecentChanges(ctx, c.ZoomAccountID, readExplainers, seenWindow)
		if err != nil {
			return err
		}
		began := read.Started
		if began.IsZero() {
			began = time.Now() // a page's read, recorded as it ends
		}
		for _, e := range recent {
			if !e.External && e.OccurredAt.After(began.Add(-EchoWindow)) {
				return nil // Tierdesk's own change of a moment ago: audited when it was made
			}
		}
		for _, e := range recent {
			if !e.External {
				continue
			}
			seen := ChangedPaths(e.Action, e.Details)
			for _, k := range changed {
				if v, ok := seen[k]; ok && sameValue(v.After, after[k]) {
					delete(before, k)
					delete(after, k)
				}
			}
		}
		changed = changedKeys(before, after)
		if len(changed) == 0 {
			return nil
		}
		d := map[string]any{"read_by": by}
		if len(changed) > maxChangesAudited {
			for _, k := range changed[maxChangesAudited:] {
				delete(before, k)
				delete(after, k)
			}
			d["more"] = len(changed) - maxChangesAudited
		}
		d["before"], d["after"] = before, after
		ev.Action, ev.Outcome = audit.CustomerSettings, store.OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID = "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID
		ev.Details = mustJSON(d)
		out.Recorded = true
		return w.Audit(ctx, ev)
	})
	if err != nil {
		return SettingsReadResult{}, err
	}
	return out, nil
}

// lockedPrefix starts the audit key of a lock ("locked.in_meeting.chat"), as a change of
// settings records it.
const lockedPrefix = "locked."

// flatten lists the leaves of nested settings by dotted path (an array is a leaf).
func flatten(prefix string, m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			for sk, sv := range flatten(prefix+k+".", sub) {
				out[sk] = sv
			}
			continue
		}
		out[prefix+k] = v
	}
	return out
}

// diffPaths puts, for every path whose value differs between old and now (or that only one
// has), the values into before and after under prefix+path (absent: no key).
func diffPaths(prefix string, old, now, before, after map[string]any) {
	for k, v := range old {
		if nv, ok := now[k]; !ok || !sameValue(v, nv) {
			before[prefix+k] = v
			if ok {
				after[prefix+k] = nv
			}
		}
	}
	for k, nv := range now {
		if _, ok := old[k]; !ok {
			after[prefix+k] = nv
		}
	}
}

// changedKeys are the keys of before and after, sorted.
func changedKeys(before, after map[string]any) []string {
	var out []string
	for k := range before {
		out = append(out, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// sameValue compares two decoded JSON values (numbers as numbers, however they were decoded).
func sameValue(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && (fa == fb || math.IsNaN(fa) && math.IsNaN(fb))
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// PathChange is a path's value before and after one audited change of settings.
type PathChange struct {
	Before, After       any
	HasBefore, HasAfter bool
}

// ChangedPaths reads, from the details of an audited change of settings (action), the
// paths it changed with their values ("section.field"; a lock as "locked.section.field"),
// whichever way the event recorded them: flat keys (a change through Tierdesk, a read) or
// Zoom's nested sections (a webhook's event; locks under customer.lock_settings).
func ChangedPaths(action audit.Action, details json.RawMessage) map[string]PathChange {
	var d struct {
		Before map[string]any `json:"before"`
		After  map[string]any `json:"after"`
	}
	if json.Unmarshal(details, &d) != nil {
		return nil
	}
	prefix := ""
	if action == audit.CustomerLockSettings {
		prefix = lockedPrefix
	}
	out := map[string]PathChange{}
	for k, v := range flatten(prefix, d.Before) {
		out[k] = PathChange{Before: v, HasBefore: true}
	}
	for k, v := range flatten(prefix, d.After) {
		pc := out[k]
		pc.After, pc.HasAfter = v, true
		out[k] = pc
	}
	return out
}

// The steady refresh of customers' settings.
const (
	// SettingsRefreshEvery is how often the steady refresh runs for each partner with a standard.
	SettingsRefreshEvery = 5 * time.Minute
	// SettingsRefreshShare is the part of the Medium budget (where settings are read) the
	// steady refresh uses: a twentieth (1.5 of the 30 calls/s Tierdesk allows itself of a
	// Business+ account). With four calls a customer (settings and locks, each plain and
	// meeting_security), that is about 112 customers a run, so 1,000 customers are all read
	// within 9 runs (45 minutes), 5,000 within about 4 hours.
	SettingsRefreshShare = 0.05
	// settingsCallsPerCustomer are the GETs one read of settings and locks makes.
	settingsCallsPerCustomer = 4
	// settingsUnpacedRate is the rate assumed when the budget is not paced (tests, a client
	// without a limiter): Medium at Tierdesk's default share of Business+.
	settingsUnpacedRate = 30.0
)

// SettingsPerRun is how many customers one run of the steady refresh reads: what share of
// rate (calls/s of the Medium budget) allows over every (the period between runs), at least 1.
func SettingsPerRun(rate, share float64, every time.Duration) int {
	if rate <= 0 {
		rate = settingsUnpacedRate
	}
	return max(1, int(rate*share*every.Seconds()/settingsCallsPerCustomer))
}

// SettingsRefresh is what one run of the steady refresh did.
type SettingsRefresh struct {
	Customers int // customers it set out to read
	Read      int // of them read (or refused by Zoom for the customer)
	Failed    int // of them Zoom did not answer for
	Recorded  int // reads that found changes made in Zoom, audited
	// FirstFailure is the first of the Failed reads' failures (nil when none failed).
	FirstFailure error
}

// RefreshSettings is one run of the steady refresh for partnerID: the settings and locks of
// the customers Zoom said changed, then of those never read, then of the least recently read,
// as many as share of the Medium budget allows over every (SettingsPerRun), started no faster
// than that share (zoom.Flow.Share). A partner without a grant for background reads is
// skipped (store.ErrNoGrant). A customer Zoom does not answer for is counted and left for the
// next run.
func (s *Service) RefreshSettings(ctx context.Context, partnerID int64, share float64, every time.Duration, ev store.AuditEvent) (SettingsRefresh, error) {
	var out SettingsRefresh
	client, err := s.ForRead(ctx, partnerID, 0)
	if err != nil {
		return out, err
	}
	list, err := s.Store.SettingsToRead(ctx, partnerID, SettingsPerRun(client.Rate(zoom.Medium), share, every))
	if err != nil {
		return out, err
	}
	out.Customers = len(list)
	results := make([]error, len(list))
	recorded := make([]bool, len(list))
	var stop firstError
	client.Flow(zoom.Medium, 0).Share(share).Run(ctx, len(list), func(ctx context.Context, i int) bool {
		res, err := s.ReadCustomerSettings(ctx, client, partnerID, list[i], ReadByRefresh, ev)
		if err != nil && (ctx.Err() != nil || !isZoomTrouble(err)) {
			return stop.set(err)
		}
		results[i], recorded[i] = err, res.Recorded
		return true
	})
	if err := stop.get(); err != nil {
		return out, err
	}
	for i, err := range results {
		switch {
		case err != nil:
			out.Failed++
			if out.FirstFailure == nil {
				out.FirstFailure = err
			}
		default:
			out.Read++
			if recorded[i] {
				out.Recorded++
			}
		}
	}
	return out, nil
}

// ZoomUnreachable is a read that Zoom did not answer (no answer, a 5xx or 429, an expired
// grant): the cache stays as it was, and the read is worth trying again later.
type ZoomUnreachable struct{ Err error }

func (e *ZoomUnreachable) Error() string { return e.Err.Error() }

// Unwrap is the failure itself.
func (e *ZoomUnreachable) Unwrap() error { return e.Err }

// isZoomTrouble reports whether err came from reaching Zoom rather than from Tierdesk's
// database.
func isZoomTrouble(err error) bool {
	var zu *ZoomUnreachable
	return errors.As(err, &zu)
}

// ReadSettingsOf reads one customer's settings and locks now (the follow-up of Zoom's
// account.settings_updated), with the partner's grant for background reads. A customer no
// longer the partner's, or not active, is nothing to read.
func (s *Service) ReadSettingsOf(ctx context.Context, partnerID, customerID int64, ev store.AuditEvent) (SettingsReadResult, error) {
	c, err := s.Store.CustomerByID(ctx, partnerID, customerID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (c.Status != store.CustomerActive || c.PartnerID != partnerID)) {
		return SettingsReadResult{}, nil
	} else if err != nil {
		return SettingsReadResult{}, err
	}
	client, err := s.ForRead(ctx, partnerID, 0)
	if err != nil {
		return SettingsReadResult{}, err
	}
	return s.ReadCustomerSettings(ctx, client, partnerID, c, ReadByWebhook, ev)
}
