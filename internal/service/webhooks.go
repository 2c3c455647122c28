package service

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Webhook outcomes, as ApplyWebhookEvent reports them (and webhook_events records them).
const (
	WebhookDuplicate = store.WebhookDuplicate // this very event was handled before (a retry)
	WebhookApplied   = "applied"              // the cache changed and the change is audited as external
	WebhookEcho      = "echo"                 // the cache followed a change Tierdesk itself made moments ago (audited then)
	WebhookKnown     = "known"                // the cache already said so
	WebhookStale     = "stale"                // older than the cache's last change of its object (a late retry): not applied
	WebhookIgnored   = "ignored"              // not an event Tierdesk follows, or not about this partner's accounts
	WebhookSync      = "sync"                 // a sub account Tierdesk does not know: the caller runs a sync
)

// EchoWindow is how recent an own change must be for an event to be taken as Zoom reporting
// it back rather than as a change made in Zoom. Zoom reports a change within seconds, and an
// event waits a few seconds (jobs.WebhookDelay) before it is applied.
const EchoWindow = 2 * time.Minute

// echoes are Tierdesk's own audited actions that Zoom reports back as each event.
var echoes = map[string][]audit.Action{
	zoom.EventAccountUpdated: {audit.CustomerCreate, audit.CustomerUpdate, audit.CustomerOptions, audit.CustomerOwner, audit.CustomerPlanSubscribe,
		audit.CustomerPlanBase, audit.CustomerPlanAddon, audit.CustomerPlanAddonUpdate, audit.CustomerPlanCancel, audit.OnboardingStep},
	zoom.EventAccountSettings:     {audit.CustomerSettings, audit.CustomerSettingsTemplate, audit.OnboardingStep},
	zoom.EventAccountLocks:        {audit.CustomerSettings, audit.CustomerSettingsTemplate, audit.OnboardingStep},
	zoom.EventAccountDisassociate: {audit.CustomerDisassociate},
	zoom.EventUserCreated:         {audit.UserCreate, audit.OnboardingStep},
	zoom.EventUserInvitation:      {audit.UserCreate},
	zoom.EventUserActivated:       {audit.UserActivate, audit.UserCreate},
	zoom.EventUserDeactivated:     {audit.UserDeactivate},
	zoom.EventUserUpdated:         {audit.UserUpdate, audit.UserMove},
	zoom.EventUserDeleted:         {audit.UserDelete},
	zoom.EventUserDisassociated:   {audit.UserDisassociate, audit.UserMove},
}

// Fields of account.updated, and Tierdesk's own actions that change each.
const (
	fieldAccountName = "account_name"
	fieldOwnerEmail  = "owner_email"
	fieldAccountType = "account_type"
	fieldSeats       = "seats"
	fieldPayMode     = "pay_mode"
)

var fieldEchoes = map[string][]audit.Action{
	fieldAccountName: {audit.CustomerCreate, audit.CustomerUpdate, audit.OnboardingStep},
	fieldOwnerEmail:  {audit.CustomerOwner},
	fieldAccountType: {audit.CustomerPlanSubscribe, audit.CustomerPlanBase, audit.CustomerPlanCancel, audit.OnboardingStep},
	fieldSeats:       {audit.CustomerPlanSubscribe, audit.CustomerPlanBase, audit.CustomerPlanCancel, audit.OnboardingStep},
	fieldPayMode:     {audit.CustomerOptions, audit.CustomerCreate, audit.OnboardingStep},
}

// WebhookResult is what applying a webhook event did, and what should follow it.
type WebhookResult struct {
	Outcome string // Webhook*
	// ReadSettingsOf, when not 0, is the customer whose settings or locks Zoom said changed
	// (marked stale): the caller has them read again soon (ReadSettingsOf), so that the
	// cache, and the drift report, hold Zoom's values rather than the event's summary.
	ReadSettingsOf int64
}

// ApplyWebhookEvent applies partnerID's recorded webhook event whose body has digest: the
// partner's cache converges with what Zoom reports, and a change made in Zoom is audited as
// seen from Zoom (external), all in one transaction. An event that only reports back a change
// Tierdesk made moments before (an echo: audited when it was made) converges the cache without
// a second event; what the cache already says changes nothing; a late copy older than the
// cache's last change is not applied. Only the partner's own customers are touched: its Secret
// Token vouches for nothing else. A WebhookSync outcome asks the caller to sync the partner's
// customers; the result also says whose settings to read again.
func (s *Service) ApplyWebhookEvent(ctx context.Context, partnerID int64, digest []byte) (WebhookResult, error) {
	var res WebhookResult
	outcome, err := s.Store.ApplyWebhook(ctx, partnerID, digest, func(ctx context.Context, w *store.WebhookTx, rec store.RecordedWebhook) (string, error) {
		res.ReadSettingsOf = 0 // the transaction may be retried
		e, err := zoom.ParseWebhook(rec.Body)
		if err != nil {
			return WebhookIgnored, nil // it was read when received; a body that no longer reads is not Tierdesk's to apply
		}
		a := webhookApply{w: w, e: e, rec: rec, reread: &res.ReadSettingsOf}
		switch e.Name {
		case zoom.EventAppDeauthorized:
			return a.deauthorized(ctx)
		case zoom.EventAccountCreated:
			return a.accountCreated(ctx)
		case zoom.EventAccountDisassociate:
			return a.accountDisassociated(ctx)
		case zoom.EventAccountUpdated:
			return a.accountUpdated(ctx)
		case zoom.EventAccountSettings, zoom.EventAccountLocks:
			return a.settingsUpdated(ctx)
		case zoom.EventUserCreated, zoom.EventUserInvitation, zoom.EventUserActivated, zoom.EventUserDeactivated,
			zoom.EventUserDeleted, zoom.EventUserDisassociated, zoom.EventUserUpdated:
			return a.user(ctx)
		}
		return WebhookIgnored, nil
	})
	if err != nil {
		return WebhookResult{}, err
	}
	res.Outcome = outcome
	return res, nil
}

// webhookApply applies one event inside the store's transaction.
type webhookApply struct {
	w      *store.WebhookTx
	e      zoom.WebhookEvent
	rec    store.RecordedWebhook
	reread *int64 // set to a customer whose settings are to be read again
}

// stale reports whether the event happened before updated, the last change of the cached row:
// Zoom retries an event for over an hour, and a late copy must not undo what came after.
func (a webhookApply) stale(updated time.Time) bool {
	at := a.e.At()
	return !at.IsZero() && at.Before(updated)
}

// audit appends an external event about a target.
func (a webhookApply) audit(ctx context.Context, action audit.Action, targetType, targetID, label, customerID string, before, after map[string]any) error {
	d := map[string]any{"event": a.e.Name, "before": before, "after": after}
	if a.e.Operator != "" {
		d["operator"] = a.e.Operator
	}
	return a.w.Audit(ctx, store.AuditEvent{Action: action, Outcome: store.OutcomeSucceeded, ZoomUserID: a.e.OperatorID,
		TargetType: targetType, TargetID: targetID, TargetLabel: label, CustomerID: customerID,
		RequestID: a.rec.RequestID, IP: a.rec.IP, UserAgent: a.rec.UserAgent, Details: mustJSON(d)})
}

// auditUnlessEcho audits a change seen from Zoom, unless Tierdesk itself made such a change
// of the target moments ago (then the event is its echo, audited when it was made).
func (a webhookApply) auditUnlessEcho(ctx context.Context, action audit.Action, targetType, targetID, label, customerID string, before, after map[string]any) (string, error) {
	userID, email := "", ""
	if targetType == "user" {
		userID, email = targetID, label
	}
	if echo, err := a.w.OwnChange(ctx, customerID, userID, email, echoes[a.e.Name], EchoWindow); err != nil || echo {
		return WebhookEcho, err
	}
	return WebhookApplied, a.audit(ctx, action, targetType, targetID, label, customerID, before, after)
}

// accountCreated: a sub account created elsewhere is audited and loaded by a sync (which knows
// its details). UNCERTAIN (ZOOM_API.md §7.2): account.* events of sub accounts reach the
// primary's app.
func (a webhookApply) accountCreated(ctx context.Context) (string, error) {
	id, email := a.e.Account.ID, a.e.Account.OwnerEmail
	if _, known, err := a.w.Customer(ctx, id); err != nil || known {
		return WebhookKnown, err
	}
	// Tierdesk's own create (onboarding, or a create whose answer is awaited) may be told
	// before it has recorded the new account's id: its customer waits under a placeholder with
	// the owner's email.
	if ours, err := a.w.CreateUnderWay(ctx, email); err != nil || ours {
		return WebhookKnown, err
	}
	if err := a.audit(ctx, audit.CustomerCreate, "customer", id, email, id, nil, map[string]any{"id": id, "owner_email": email}); err != nil {
		return "", err
	}
	return WebhookSync, nil
}

func (a webhookApply) accountDisassociated(ctx context.Context) (string, error) {
	c, ok, err := a.w.Customer(ctx, a.e.Account.ID)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return WebhookIgnored, nil
	case a.stale(c.UpdatedAt):
		return WebhookStale, nil
	case c.Status != store.CustomerActive:
		return WebhookKnown, nil
	}
	gone := store.CustomerGone
	if err := a.w.UpdateCustomer(ctx, c.ID, store.CustomerUpdate{Status: &gone}); err != nil {
		return "", err
	}
	return a.auditUnlessEcho(ctx, audit.CustomerGone, "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID,
		map[string]any{"status": string(c.Status)}, map[string]any{"status": string(gone)})
}

func (a webhookApply) accountUpdated(ctx context.Context) (string, error) {
	c, ok, err := a.w.Customer(ctx, a.e.Account.ID)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return WebhookIgnored, nil
	case a.stale(c.UpdatedAt):
		return WebhookStale, nil
	}
	ch := a.e.Account.Changed
	var u store.CustomerUpdate
	before, after := map[string]any{}, map[string]any{}
	text := func(field string, now *string, was string, set **string) {
		if now != nil && *now != was {
			before[field], after[field] = was, *now
			*set = now
		}
	}
	text(fieldAccountName, ch.AccountName, c.AccountName, &u.AccountName)
	text(fieldOwnerEmail, ch.OwnerEmail, c.OwnerEmail, &u.OwnerEmail)
	text(fieldAccountType, ch.AccountType, c.AccountType, &u.AccountType)
	text(fieldPayMode, ch.PayMode, c.PayMode, &u.PayMode)
	if ch.Seats != nil && *ch.Seats != c.Seats {
		before[fieldSeats], after[fieldSeats] = c.Seats, *ch.Seats
		u.Seats = ch.Seats
	}
	if len(after) == 0 {
		return WebhookKnown, nil
	}
	if err := a.w.UpdateCustomer(ctx, c.ID, u); err != nil {
		return "", err
	}
	if err := a.w.ExpireDetails(ctx, c.ID); err != nil {
		return "", err
	}
	label := c.AccountName
	if u.AccountName != nil {
		label = *u.AccountName
	}
	// An echo only if each changed field is one an own change of the moment made.
	for _, field := range slices.Sorted(maps.Keys(after)) {
		if echo, err := a.w.OwnChange(ctx, c.ZoomAccountID, "", "", fieldEchoes[field], EchoWindow); err != nil {
			return "", err
		} else if !echo {
			return WebhookApplied, a.audit(ctx, audit.CustomerUpdate, "customer", c.ZoomAccountID, label, c.ZoomAccountID, before, after)
		}
	}
	return WebhookEcho, nil
}

func (a webhookApply) settingsUpdated(ctx context.Context) (string, error) {
	c, ok, err := a.w.Customer(ctx, a.e.Account.ID)
	if err != nil || !ok {
		return WebhookIgnored, err
	}
	locks := a.e.Name == zoom.EventAccountLocks
	action := audit.CustomerSettings
	if locks {
		action = audit.CustomerLockSettings
	}
	cached, err := a.w.CachedSettings(ctx, c.ID, locks)
	if err != nil {
		return "", err
	}
	if len(a.e.Settings) > 0 && coveredBy(a.e.Settings, cached) {
		return WebhookKnown, nil
	}
	if err := a.w.ExpireDetails(ctx, c.ID); err != nil {
		return "", err
	}
	if err := a.w.MarkSettingsStale(ctx, c.ID); err != nil {
		return "", err
	}
	*a.reread = c.ID
	return a.auditUnlessEcho(ctx, action, "customer", c.ZoomAccountID, c.AccountName, c.ZoomAccountID, a.e.OldSettings, a.e.Settings)
}

// coveredBy reports whether every value in changed (nested sections of settings) equals the
// cached value: then the cache already has the change.
func coveredBy(changed, cached map[string]any) bool {
	if cached == nil {
		return false
	}
	for k, v := range changed {
		if sub, ok := v.(map[string]any); ok {
			hs, ok := cached[k].(map[string]any)
			if !ok || !coveredBy(sub, hs) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(v, cached[k]) {
			return false
		}
	}
	return true
}

// user applies a user.* event. UNCERTAIN (ZOOM_API.md §7.2): whether a primary's app hears
// user.* events inside its sub accounts; when it does, payload.account_id names the sub
// account. Events of the partner's own account are not about a customer.
func (a webhookApply) user(ctx context.Context) (string, error) {
	c, ok, err := a.w.Customer(ctx, a.e.AccountID)
	if err != nil || !ok {
		return WebhookIgnored, err
	}
	zu := a.e.User
	email := zu.EmailOr("")
	row, found, err := a.w.User(ctx, c.ID, zu.ID, email)
	if err != nil {
		return "", err
	}
	label := email
	if label == "" && found {
		label = row.Email
	}
	if found && a.stale(row.UpdatedAt) {
		return WebhookStale, nil
	}
	audit1 := func(action audit.Action, before, after map[string]any) (string, error) {
		return a.auditUnlessEcho(ctx, action, "user", zu.ID, label, c.ZoomAccountID, before, after)
	}
	switch a.e.Name {
	case zoom.EventUserCreated, zoom.EventUserInvitation, zoom.EventUserActivated, zoom.EventUserDeactivated:
		status := store.UserActive
		switch {
		case a.e.Name == zoom.EventUserDeactivated:
			status = store.UserInactive
		case a.e.Name == zoom.EventUserCreated && (a.e.CreationType == "" || a.e.CreationType == zoom.ActionCreate):
			status = store.UserPending
		}
		if found && (row.Status == string(status) || a.e.Name == zoom.EventUserCreated) {
			return WebhookKnown, nil // a user created here is listed already (its activation follows on its own)
		}
		if email == "" {
			return WebhookIgnored, nil
		}
		if !found {
			typ := 1
			if zu.Type != nil {
				typ = *zu.Type
			}
			first, last := "", ""
			if zu.FirstName != nil {
				first = *zu.FirstName
			}
			if zu.LastName != nil {
				last = *zu.LastName
			}
			if err := a.w.AddUser(ctx, c.ID, store.DirUser{ZoomUserID: zu.ID, Email: email, FirstName: first, LastName: last, Type: typ, Status: string(status)}); err != nil {
				return "", err
			}
			action := map[string]audit.Action{zoom.EventUserCreated: audit.UserCreate, zoom.EventUserInvitation: audit.UserActivate,
				zoom.EventUserActivated: audit.UserActivate, zoom.EventUserDeactivated: audit.UserDeactivate}[a.e.Name]
			return audit1(action, nil, map[string]any{"email": email, "status": string(status), "type": typ})
		}
		if err := a.w.SetUserStatus(ctx, row.ID, string(status), zu.ID); err != nil {
			return "", err
		}
		action := audit.UserActivate
		if status == store.UserInactive {
			action = audit.UserDeactivate
		}
		return audit1(action, map[string]any{"status": row.Status}, map[string]any{"status": string(status)})
	case zoom.EventUserDeleted, zoom.EventUserDisassociated:
		if !found {
			return WebhookKnown, nil
		}
		if err := a.w.RemoveUser(ctx, row.ID); err != nil {
			return "", err
		}
		action := audit.UserDelete
		if a.e.Name == zoom.EventUserDisassociated {
			action = audit.UserDisassociate
		}
		return audit1(action, map[string]any{"email": row.Email, "status": row.Status}, nil)
	default: // zoom.EventUserUpdated
		if !found {
			return WebhookIgnored, nil
		}
		before, after := map[string]any{}, map[string]any{}
		next := row
		for _, f := range []struct {
			field string
			now   *string
			cur   *string
		}{{"email", zu.Email, &next.Email}, {"first_name", zu.FirstName, &next.FirstName}, {"last_name", zu.LastName, &next.LastName}} {
			if f.now != nil && *f.now != *f.cur {
				before[f.field], after[f.field] = *f.cur, *f.now
				*f.cur = *f.now
			}
		}
		if zu.Type != nil && *zu.Type != row.Type {
			before["type"], after["type"] = row.Type, *zu.Type
			next.Type = *zu.Type
		}
		if len(after) == 0 {
			return WebhookKnown, nil
		}
		if err := a.w.UpdateUser(ctx, next); err != nil {
			return "", err
		}
		label = next.Email
		return audit1(audit.UserUpdate, before, after)
	}
}

// deauthorized handles app_deauthorized: the Zoom user removed Tierdesk's app, so the grants
// of theirs that Tierdesk holds for that app are dead; they are marked expired (the person
// signs in again). Only grants of the app that was removed: the partner's webhook app may not
// be the one Tierdesk signs people in with.
func (a webhookApply) deauthorized(ctx context.Context) (string, error) {
	d := a.e.Deauthorized
	if d.UserID == "" || d.ClientID == "" {
		return WebhookIgnored, nil
	}
	ids, err := a.w.ExpireUserGrants(ctx, d.UserID, d.ClientID)
	if err != nil || len(ids) == 0 {
		return WebhookKnown, err
	}
	for _, id := range ids {
		if err := a.audit(ctx, audit.GrantDeauthorized, "grant", id, d.UserID, "",
			map[string]any{"status": "active"}, map[string]any{"status": "expired"}); err != nil {
			return "", err
		}
	}
	return WebhookApplied, nil
}
