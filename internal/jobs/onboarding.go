package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// OnboardingKind is the jobs.kind of onboarding sagas.
const OnboardingKind = "onboarding"

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

// OnboardingStepArgs runs one step of an onboarding saga. Key is the step's idempotency key;
// a step runs only from pending (or, after an interruption, running) in the database, so a
// job queued twice does it once.
type OnboardingStepArgs struct {
	PartnerID    int64  `json:"partner_id"`
	OnboardingID string `json:"onboarding_id"`
	Seq          int    `json:"seq"`
	Key          string `json:"key"`
}

// Kind names the job for River.
func (OnboardingStepArgs) Kind() string { return "onboarding_step" }

// InsertOpts retries a step a few times on transient trouble (Zoom unreachable); a refusal
// by Zoom stops the saga instead, for a person to decide.
func (OnboardingStepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5}
}

// StepEnqueuer queues onboarding steps with River client rc (the transaction is the one
// that made the step due).
func StepEnqueuer(rc *river.Client[pgx.Tx]) store.StepEnqueuer {
	return func(ctx context.Context, tx pgx.Tx, st store.OnboardingStep) (int64, error) {
		return insert(ctx, rc, tx, OnboardingStepArgs{PartnerID: st.PartnerID, OnboardingID: st.OnboardingID, Seq: st.Seq, Key: st.IdempotencyKey})
	}
}

// takeOverStalledSteps hands every onboarding step whose worker died (its lease ran out) to
// a new River job; the watchdog calls it.
func takeOverStalledSteps(ctx context.Context, st *store.Store, rc *river.Client[pgx.Tx], log *slog.Logger) error {
	taken, err := st.TakeOverStalledSteps(ctx, StepEnqueuer(rc))
	for _, s := range taken {
		log.LogAttrs(ctx, slog.LevelWarn, "onboarding step resumed after its worker stopped", slog.String("onboarding", s.OnboardingID),
			slog.Int("step", s.Seq), slog.Int64("partner_id", s.PartnerID))
	}
	return err
}

// OnboardingWorker runs OnboardingStepArgs.
type OnboardingWorker struct {
	river.WorkerDefaults[OnboardingStepArgs]
	Store *store.Store
	Zoom  ZoomClients
	River func() *river.Client[pgx.Tx]
	Log   *slog.Logger
}

// NextRetry spaces River's attempts of a step that met transient trouble (Zoom unreachable,
// busy or failing): 1, 2, 4 and 8 seconds, so that a blip heals by itself and an outage stops
// the saga within a quarter of a minute, for a person to retry.
func (w *OnboardingWorker) NextRetry(job *river.Job[OnboardingStepArgs]) time.Time {
	return time.Now().Add(time.Second << min(job.Attempt-1, 4))
}

// Timeout bounds one step.
func (w *OnboardingWorker) Timeout(*river.Job[OnboardingStepArgs]) time.Duration {
	return 2 * time.Minute
}

// errTransient marks trouble worth trying again later (River retries the job).
type errTransient struct{ error }

// Work runs the step: it finds out first whether an earlier, interrupted attempt already did
// it (so nothing is done twice), does it, and records the outcome, which moves the saga on.
func (w *OnboardingWorker) Work(ctx context.Context, job *river.Job[OnboardingStepArgs]) error {
	a := job.Args
	o, st, err := w.Store.BeginStep(ctx, a.PartnerID, a.OnboardingID, a.Seq, job.ID)
	if errors.Is(err, store.ErrStepDone) || errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	// The lease is renewed while the step runs; losing it (the watchdog gave the step to
	// another job, which only happens when renewals failed) stops this attempt.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(store.StepLease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ok, err := w.Store.HoldStep(ctx, a.PartnerID, a.OnboardingID, a.Seq, job.ID, store.StepLease); err == nil && !ok {
					cancel()
					return
				}
			}
		}
	}()
	ev := store.AuditEvent{RequestID: fmt.Sprintf("river-%d", job.ID)}
	if o.JobID != nil {
		ev.JobID = *o.JobID
	}
	var preferred int64
	if o.CreatedBy != nil {
		ev.StaffID, preferred = o.CreatedBy, *o.CreatedBy
		if s, err := w.Store.StaffByID(ctx, a.PartnerID, *o.CreatedBy); err == nil {
			ev.StaffEmail = s.Email
		}
	}
	var out store.StepOutcome
	zc, err := PartnerClient(ctx, w.Store, w.Zoom, a.PartnerID, preferred)
	if errors.Is(err, store.ErrNoGrant) {
		out, err = store.StepOutcome{Status: store.StepFailed, Error: NoGrantMessage + " Then retry the step."}, nil
	} else if err == nil {
		// A step that ran before (a retry, an interrupted or lost attempt) looks before it acts.
		out, err = w.run(ctx, zc, o, st, ev, st.Attempts > 1)
		out.GrantRef = zc.Grant()
	}
	if err != nil {
		if job.Attempt < job.MaxAttempts {
			// River tries again after its backoff (seconds); the step stays running, held for
			// this job, and the next attempt checks first.
			if _, herr := w.Store.HoldStep(context.WithoutCancel(ctx), a.PartnerID, a.OnboardingID, a.Seq, job.ID, 2*time.Minute); herr != nil {
				return herr
			}
			return err
		}
		// Out of attempts: the saga stops here, for a person to retry, skip or abandon.
		var te errTransient
		if errors.As(err, &te) {
			out = store.StepOutcome{Status: store.StepFailed, Error: "Zoom could not be reached: " + zoom.Explain(te.error), GrantRef: out.GrantRef}
		} else {
			w.Log.LogAttrs(ctx, slog.LevelError, "onboarding step failed", slog.String("onboarding", a.OnboardingID), slog.Int("step", a.Seq), slog.String("error", err.Error()))
			out = store.StepOutcome{Status: store.StepFailed, Error: "Tierdesk could not record this step (an internal error, logged for the operators); retry it.", GrantRef: out.GrantRef}
		}
	}
	err = w.Store.FinishStep(context.WithoutCancel(ctx), a.PartnerID, a.OnboardingID, a.Seq, job.ID, out, ev, StepEnqueuer(w.River()))
	if errors.Is(err, store.ErrStepDone) {
		return nil
	}
	return err
}

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
	return store.StepOutcome{}, errTransient{err}
}

func (w *OnboardingWorker) run(ctx context.Context, zc *zoom.Client, o store.Onboarding, st store.OnboardingStep, ev store.AuditEvent, checkFirst bool) (store.StepOutcome, error) {
	if o.CustomerID == nil {
		return store.StepOutcome{Status: store.StepFailed, Error: "The onboarding has no customer."}, nil
	}
	c, err := w.Store.CustomerByID(ctx, o.PartnerID, *o.CustomerID)
	if err != nil {
		return store.StepOutcome{}, err
	}
	f := o.Form
	if st.Kind != StepCreateAccount && !c.InZoom() {
		return store.StepOutcome{Status: store.StepFailed, Error: "The sub account was not created: retry the first step."}, nil
	}
	switch st.Kind {
	case StepCreateAccount:
		return w.createAccount(ctx, zc, o, c, checkFirst)
	case StepSetOptions:
		upd := &zoom.AccountOptionsUpdate{PayMode: f.PayMode, BillingAutoRenew: zoom.Bool(f.AutoRenew)}
		if _, err := zc.UpdateSubAccountOptions(ctx, c.ZoomAccountID, upd); err != nil {
			return zoomFailure(err)
		}
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"pay_mode": f.PayMode, "auto_renew": f.AutoRenew}}, nil
	case StepSubscribePlan:
		return w.subscribePlan(ctx, zc, c, f, ev)
	case StepApplyTemplate:
		t, err := w.Store.SettingsTemplateByID(ctx, o.PartnerID, f.TemplateID)
		if errors.Is(err, store.ErrNotFound) {
			return store.StepOutcome{Status: store.StepFailed, Error: "The settings template was deleted: skip this step, or abandon."}, nil
		} else if err != nil {
			return store.StepOutcome{}, err
		}
		if err := ApplySettingsTemplate(ctx, zc, c.ZoomAccountID, t); err != nil {
			return zoomFailure(err)
		}
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"template": t.Name}}, nil
	case StepCreateUser:
		return w.createUser(ctx, zc, o, c, st.Subject)
	}
	return store.StepOutcome{Status: store.StepFailed, Error: "Unknown step " + st.Kind}, nil
}

// createAccount creates the sub account once: a retried or interrupted attempt looks for it by
// its owner's email first, and so does a create whose answer was lost.
func (w *OnboardingWorker) createAccount(ctx context.Context, zc *zoom.Client, o store.Onboarding, c store.Customer, checkFirst bool) (store.StepOutcome, error) {
	done := func(id string, created zoom.Time, how string) (store.StepOutcome, error) {
		if err := w.Store.AttachOnboardedAccount(ctx, o.PartnerID, c.ID, id, created.Ptr()); err != nil {
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
			return store.StepOutcome{}, errTransient{err}
		}
		if sa != nil {
			return done(sa.ID, sa.CreatedAt, "found by the owner's email after an interrupted attempt")
		}
	}
	created, _, err := zc.CreateSubAccount(ctx, &zoom.CreateSubAccountRequest{FirstName: o.Form.FirstName, LastName: o.Form.LastName,
		Email: o.Form.Email, Password: newOwnerPassword(), AccountName: o.Form.AccountName})
	switch {
	case err == nil:
		return done(created.ID, created.CreatedAt, "created")
	case zoom.IsOutcomeUnknown(err):
		sa, ferr := find()
		if ferr != nil {
			return store.StepOutcome{}, errTransient{ferr}
		}
		if sa != nil {
			return done(sa.ID, sa.CreatedAt, "created (its answer was lost; found by the owner's email)")
		}
		return store.StepOutcome{}, errTransient{err}
	}
	return zoomFailure(err)
}

// subscribePlan subscribes the base plan unless the account already has it.
func (w *OnboardingWorker) subscribePlan(ctx context.Context, zc *zoom.Client, c store.Customer, f store.OnboardingForm, ev store.AuditEvent) (store.StepOutcome, error) {
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
	_, _, err := zc.SubscribePlans(ctx, c.ZoomAccountID, req)
	if zoom.IsOutcomeUnknown(err) {
		if ok, herr := has(); herr == nil && ok {
			err = nil
		}
	}
	if err != nil {
		return zoomFailure(err)
	}
	seats := f.Plan.Hosts
	ev.Action, ev.GrantRef = "customer.plan.subscribe", zc.Grant()
	ev.Details = mustJSON(map[string]any{"after": map[string]any{"type": f.Plan.Type, "hosts": f.Plan.Hosts}})
	if _, err := w.Store.RecordCustomerChange(ctx, c.PartnerID, c.ID, store.CustomerUpdate{Seats: &seats}, ev); err != nil {
		return store.StepOutcome{}, err
	}
	return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"plan": f.Plan.Type, "hosts": f.Plan.Hosts}}, nil
}

// createUser creates one first user unless the account already has them.
func (w *OnboardingWorker) createUser(ctx context.Context, zc *zoom.Client, o store.Onboarding, c store.Customer, email string) (store.StepOutcome, error) {
	var in store.NewUserInput
	for _, u := range o.Form.Users {
		if strings.EqualFold(u.Email, email) {
			in = u
		}
	}
	if in.Type == 0 {
		in.Type = zoom.UserBasic
	}
	if _, _, ok, err := lookUpUser(ctx, zc, c.ZoomAccountID, email, email); err != nil {
		return store.StepOutcome{}, errTransient{err}
	} else if ok {
		return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"email": email, "how": "already in the account"}}, nil
	}
	nu, _, err := zc.CreateUser(ctx, c.ZoomAccountID, &zoom.CreateUserRequest{Action: zoom.ActionCreate,
		UserInfo: zoom.CreateUserInfo{Email: email, Type: in.Type, FirstName: in.FirstName, LastName: in.LastName}})
	if zoom.IsOutcomeUnknown(err) {
		if _, _, ok, herr := lookUpUser(ctx, zc, c.ZoomAccountID, email, email); herr == nil && ok {
			return store.StepOutcome{Status: store.StepSucceeded, Result: map[string]any{"email": email, "how": "created (its answer was lost; found by email)"}}, nil
		}
		return store.StepOutcome{}, errTransient{err}
	}
	if err != nil {
		return zoomFailure(err)
	}
	_ = w.Store.CacheCustomerUser(ctx, c.PartnerID, c.ID, store.DirUser{ZoomUserID: nu.ID, Email: nu.Email, FirstName: nu.FirstName,
		LastName: nu.LastName, Type: nu.Type, Status: "pending"})
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
