package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/catalogue"
)

// Onboarding step kinds.
const (
	StepCreateAccount = "create_account"
	StepSetOptions    = "set_options"
	StepSubscribePlan = "subscribe_plan"
	StepApplyTemplate = "apply_template"
	StepCreateUser    = "create_user"
)

// SkippableStep reports whether a failed step may be skipped: every step but the one that
// creates the account (nothing after it can run without the account).
func SkippableStep(kind string) bool { return kind != StepCreateAccount }

// OnboardingSteps are the steps an onboarding form turns into, in order.
func OnboardingSteps(f store.OnboardingForm) []store.StepSpec {
	steps := []store.StepSpec{{Kind: StepCreateAccount, Subject: f.Email}, {Kind: StepSetOptions}}
	if f.Plan != nil && f.PayMode == zoom.PayModeMaster {
		steps = append(steps, store.StepSpec{Kind: StepSubscribePlan, Subject: f.Plan.Type})
	}
	if f.TemplateID != 0 {
		steps = append(steps, store.StepSpec{Kind: StepApplyTemplate})
	}
	for _, u := range f.Users {
		steps = append(steps, store.StepSpec{Kind: StepCreateUser, Subject: u.Email})
	}
	return steps
}

// StepCalls are the Zoom calls a step of kind makes: checks, when the step may have been sent
// before (a repeat looks before it acts), and sends, the change itself.
func StepCalls(kind string) (checks, sends []zoom.Call) {
	switch kind {
	case StepCreateAccount:
		return []zoom.Call{zoom.CallListSubAccounts}, []zoom.Call{zoom.CallCreateSubAccount}
	case StepSetOptions:
		return nil, []zoom.Call{zoom.CallUpdateOptions}
	case StepSubscribePlan:
		return []zoom.Call{zoom.CallGetPlans}, []zoom.Call{zoom.CallSubscribePlans}
	case StepApplyTemplate:
		return nil, []zoom.Call{zoom.CallUpdateAccountSettings, zoom.CallUpdateLockSettings}
	case StepCreateUser:
		return []zoom.Call{zoom.CallGetUser}, []zoom.Call{zoom.CallCreateUser}
	}
	return nil, nil
}

// TransientError marks trouble with Zoom worth trying again later (the job retries the step).
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return e.Err.Error() }

// Unwrap gives the cause.
func (e *TransientError) Unwrap() error { return e.Err }

// refused is the outcome of a step Zoom refused.
func refused(err error) store.StepOutcome {
	out := store.StepOutcome{Status: store.StepFailed, Error: zoom.Explain(err)}
	if ze, ok := zoom.AsError(err); ok {
		out.ZoomCode, out.ZoomMsg = ze.Code, ze.Message
	}
	return out
}

// zoomFailure sorts a Zoom call's error: a refusal ends the step as failed; anything else
// (timeouts, 5xx, a lost answer already checked) is transient.
func zoomFailure(err error) (store.StepOutcome, error) {
	if ze, ok := zoom.AsError(err); ok && ze.Status >= 400 && ze.Status < 500 && ze.Status != 429 {
		return refused(err), nil
	}
	if zoom.NeedsReauth(err) {
		return refused(err), nil
	}
	return store.StepOutcome{}, &TransientError{err}
}

// RunStep does one step of onboarding o at Zoom with client zc: a step that ran before
// (checkFirst: a retry, an interrupted or lost attempt) looks before it acts, so nothing is done
// twice. Its change goes out under an intent (owned by the saga) that the step's audit event
// closes (StepOutcome.Intent); a transient failure is a *TransientError for the job to retry.
func (s *Service) RunStep(ctx context.Context, zc *zoom.Client, o store.Onboarding, st store.OnboardingStep, ev store.AuditEvent, checkFirst bool) (store.StepOutcome, error) {
	sc := &stepCalls{s: s, zc: zc, o: o, st: st, ev: ev}
	// What earlier attempts of this step left open is settled by this attempt's look-up.
	if open, err := s.Store.OpenIntentsOf(ctx, o.PartnerID, sc.owner()); err == nil {
		for _, in := range open {
			if err := s.Store.CloseIntent(ctx, o.PartnerID, in.ID, "superseded by a retry that looks before it acts"); err != nil {
				return store.StepOutcome{}, err
			}
		}
	} else {
		return store.StepOutcome{}, err
	}
	out, err := s.runStep(ctx, sc, o, st, ev, checkFirst)
	out.Intent = sc.intent
	return out, err
}

// stepCalls sends a step's change under one intent.
type stepCalls struct {
	s      *Service
	zc     *zoom.Client
	o      store.Onboarding
	st     store.OnboardingStep
	ev     store.AuditEvent
	intent int64
}

func (sc *stepCalls) owner() string { return fmt.Sprintf("onboarding:%s:%d", sc.o.ID, sc.st.Seq) }

// send makes call under the step's intent (written first: if it cannot be, nothing is sent)
// and returns the call's error. The step's audit event closes the intent.
func (sc *stepCalls) send(ctx context.Context, action audit.Action, call func(ctx context.Context) (*zoom.Response, error)) error {
	var callErr error
	ch := Change{PartnerID: sc.o.PartnerID, Action: action, TargetType: "customer", TargetID: sc.o.ID, TargetLabel: sc.o.Form.AccountName,
		Event: sc.ev, Wanted: map[string]any{"step": sc.st.Seq, "kind": sc.st.Kind, "subject": sc.st.Subject}, Owner: sc.owner(), Lease: rowLease}
	if sc.o.CustomerID != nil {
		ch.CustomerID = *sc.o.CustomerID
	}
	_, err := sc.s.Send(ctx, sc.zc, ch, call, func(a Answer) (bool, error) {
		sc.intent, callErr = a.Intent, a.Err
		return true, nil // the step's event closes it (store.FinishStep)
	})
	if err != nil {
		return err
	}
	return callErr
}

func (s *Service) runStep(ctx context.Context, sc *stepCalls, o store.Onboarding, st store.OnboardingStep, ev store.AuditEvent, checkFirst bool) (store.StepOutcome, error) {
	zc := sc.zc
	if o.CustomerID == nil {
		return store.StepOutcome{Status: store.StepFailed, Error: "The onboarding has no customer."}, nil
	}
	c, err := s.Store.CustomerByID(ctx, o.PartnerID, *o.CustomerID)
	if err != nil {
		return store.StepOutcome{}, err
	}
	f := o.Form
	if st.Kind != StepCreateAccount && !c.InZoom() {
		return store.StepOutcome{Status: store.StepFailed, Error: "The sub account was not created: retry the first step."}, nil
	}
	switch st.Kind {
	case StepCreateAccount:
		return s.createAccount(ctx, sc, o, c, checkFirst)
	case StepSetOptions:
		upd := &zoom.AccountOptionsUpdate{PayMode: f.PayMode, BillingAutoRenew: zoom.Bool(f.AutoRenew)}
		if err := sc.send(ctx, audit.CustomerOptions, func(ctx context.Context) (*zoom.Response, error) {
			return zc.UpdateSubAccountOptions(ctx, c.ZoomAccountID, upd)
		}); err != nil {
			return zoomFailure(err)
		}
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"pay_mode": f.PayMode, "auto_renew": f.AutoRenew}}, nil
	case StepSubscribePlan:
		return s.subscribePlan(ctx, sc, c, f, ev)
	case StepApplyTemplate:
		t, err := s.Store.SettingsTemplateByID(ctx, o.PartnerID, f.TemplateID)
		if errors.Is(err, store.ErrNotFound) {
			return store.StepOutcome{Status: store.StepFailed, Error: "The settings template was deleted: skip this step, or abandon."}, nil
		} else if err != nil {
			return store.StepOutcome{}, err
		}
		if err := sc.send(ctx, audit.CustomerSettingsTemplate, func(ctx context.Context) (*zoom.Response, error) {
			return nil, ApplySettingsTemplate(ctx, zc, c.ZoomAccountID, t)
		}); err != nil {
			return zoomFailure(err)
		}
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"template": t.Name}}, nil
	case StepCreateUser:
		return s.createUser(ctx, sc, o, c, st.Subject)
	}
	return store.StepOutcome{Status: store.StepFailed, Error: "Unknown step " + st.Kind}, nil
}

// createAccount creates the sub account once: a retried or interrupted attempt looks for it by
// its owner's email first, and so does a create whose answer was lost.
func (s *Service) createAccount(ctx context.Context, sc *stepCalls, o store.Onboarding, c store.Customer, checkFirst bool) (store.StepOutcome, error) {
	zc := sc.zc
	done := func(id string, created zoom.Time, how string) (store.StepOutcome, error) {
		if err := s.Store.AttachOnboardedAccount(ctx, o.PartnerID, c.ID, id, created.Ptr()); err != nil {
			return store.StepOutcome{}, err
		}
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"zoom_account_id": id, "how": how}}, nil
	}
	if c.InZoom() {
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"zoom_account_id": c.ZoomAccountID, "how": "already attached"}}, nil
	}
	find := func() (*zoom.SubAccount, error) { return SubAccountOfOwner(ctx, zc, o.Form.Email) }
	if checkFirst {
		sa, err := find()
		if err != nil {
			return store.StepOutcome{}, &TransientError{err}
		}
		if sa != nil {
			return done(sa.ID, sa.CreatedAt, "found by the owner's email after an interrupted attempt")
		}
	}
	var created *zoom.CreatedSubAccount
	err := sc.send(ctx, audit.CustomerCreate, func(ctx context.Context) (resp *zoom.Response, err error) {
		created, resp, err = zc.CreateSubAccount(ctx, &zoom.CreateSubAccountRequest{FirstName: o.Form.FirstName, LastName: o.Form.LastName,
			Email: o.Form.Email, Password: newOwnerPassword(), AccountName: o.Form.AccountName})
		return resp, err
	})
	switch {
	case err == nil:
		return done(created.ID, created.CreatedAt, "created")
	case zoom.IsOutcomeUnknown(err):
		sa, ferr := find()
		if ferr != nil {
			return store.StepOutcome{}, &TransientError{ferr}
		}
		if sa != nil {
			return done(sa.ID, sa.CreatedAt, "created (its answer was lost; found by the owner's email)")
		}
		return store.StepOutcome{}, &TransientError{err}
	}
	return zoomFailure(err)
}

// subscribePlan subscribes the base plan unless the account already has it.
func (s *Service) subscribePlan(ctx context.Context, sc *stepCalls, c store.Customer, f store.OnboardingForm, ev store.AuditEvent) (store.StepOutcome, error) {
	zc := sc.zc
	// An order Zoom would refuse is not sent (a draft saved before plans were picked from the
	// catalogue): the step stops, for someone to correct it.
	if pr := catalogue.Check(f.Plan.Type, f.Plan.Hosts, true); pr != nil {
		return store.StepOutcome{Status: store.StepFailed, Error: pr.Message + " Nothing was sent to Zoom: correct the plan and retry."}, nil
	}
	has := func() (bool, error) {
		p, _, err := zc.GetPlans(ctx, c.ZoomAccountID)
		if err != nil {
			return false, err
		}
		return p.PlanBase != nil && p.PlanBase.Status == "active" && strings.EqualFold(p.PlanBase.Type, f.Plan.Type), nil
	}
	if ok, err := has(); err == nil && ok {
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"plan": f.Plan.Type, "how": "already subscribed"}}, nil
	}
	ct := f.Plan.Contact
	req := &zoom.SubscribePlansRequest{PlanBase: zoom.PlanOrder{Type: f.Plan.Type, Hosts: f.Plan.Hosts}, Contact: zoom.BillingContact{
		FirstName: ct["first_name"], LastName: ct["last_name"], Email: ct["email"], PhoneNumber: ct["phone_number"], Address: ct["address"],
		City: ct["city"], State: ct["state"], Zip: ct["zip"], Country: strings.ToUpper(ct["country"])}}
	err := sc.send(ctx, audit.CustomerPlanSubscribe, func(ctx context.Context) (resp *zoom.Response, err error) {
		_, resp, err = zc.SubscribePlans(ctx, c.ZoomAccountID, req)
		return resp, err
	})
	if zoom.IsOutcomeUnknown(err) {
		if ok, herr := has(); herr == nil && ok {
			err = nil
		}
	}
	if err != nil {
		return zoomFailure(err)
	}
	seats := f.Plan.Hosts
	ev.Action, ev.GrantRef = audit.CustomerPlanSubscribe, zc.Grant()
	ev.Details = mustJSON(map[string]any{"after": map[string]any{"type": f.Plan.Type, "hosts": f.Plan.Hosts}})
	if _, err := s.Store.RecordCustomerChange(ctx, c.PartnerID, c.ID, store.CustomerUpdate{Seats: &seats}, ev); err != nil {
		return store.StepOutcome{}, err
	}
	return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"plan": f.Plan.Type, "hosts": f.Plan.Hosts}}, nil
}

// createUser creates one first user unless the account already has them.
func (s *Service) createUser(ctx context.Context, sc *stepCalls, o store.Onboarding, c store.Customer, email string) (store.StepOutcome, error) {
	zc := sc.zc
	var in store.NewUserInput
	for _, u := range o.Form.Users {
		if strings.EqualFold(u.Email, email) {
			in = u
		}
	}
	if in.Type == 0 {
		in.Type = zoom.UserBasic
	}
	if _, _, ok, err := LookUpUser(ctx, zc, c.ZoomAccountID, email, email); err != nil {
		return store.StepOutcome{}, &TransientError{err}
	} else if ok {
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"email": email, "how": "already in the account"}}, nil
	}
	var nu *zoom.CreatedUser
	err := sc.send(ctx, audit.UserCreate, func(ctx context.Context) (resp *zoom.Response, err error) {
		nu, resp, err = zc.CreateUser(ctx, c.ZoomAccountID, &zoom.CreateUserRequest{Action: zoom.ActionCreate,
			UserInfo: zoom.CreateUserInfo{Email: email, Type: in.Type, FirstName: in.FirstName, LastName: in.LastName}})
		return resp, err
	})
	if zoom.IsOutcomeUnknown(err) {
		if _, _, ok, herr := LookUpUser(ctx, zc, c.ZoomAccountID, email, email); herr == nil && ok {
			return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"email": email, "how": "created (its answer was lost; found by email)"}}, nil
		}
		return store.StepOutcome{}, &TransientError{err}
	}
	if err != nil {
		return zoomFailure(err)
	}
	// The user is made: the step succeeded whatever the directory says. A failure to list them
	// now is logged; the next directory read lists them.
	if err := s.Store.CacheCustomerUser(ctx, c.PartnerID, c.ID, store.DirUser{ZoomUserID: nu.ID, Email: nu.Email, FirstName: nu.FirstName,
		LastName: nu.LastName, Type: nu.Type, Status: "pending"}); err != nil {
		s.Log.LogAttrs(ctx, slog.LevelWarn, "onboarding: list the new user", slog.String("customer", c.ZoomAccountID), slog.String("error", err.Error()))
	}
	return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"email": email, "user_id": nu.ID, "how": "created: Zoom emails an invitation"}}, nil
}

// newOwnerPassword is a strong random first password for a new sub account's owner: Zoom
// requires one, Tierdesk never keeps it, and the owner chooses their own through Zoom's
// confirmation email.
func newOwnerPassword() string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	const digits = "23456789"
	pick := func(set string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[n.Int64()]
	}
	for {
		b := []byte{pick("ABCDEFGHJKLMNPQRSTUVWXYZ"), pick("abcdefghijkmnopqrstuvwxyz"), pick(digits)}
		for len(b) < 20 {
			b = append(b, pick(letters+digits))
		}
		ok := true
		for i := 2; i < len(b); i++ {
			if (b[i] == b[i-1] && b[i-1] == b[i-2]) || (b[i]-b[i-1] == 1 && b[i-1]-b[i-2] == 1) {
				ok = false
			}
		}
		if ok {
			return string(b)
		}
	}
}
