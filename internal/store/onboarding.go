package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// OnboardingForm is what the onboarding wizard collects. It never holds a password: Zoom
// emails the new owner, who chooses their own.
type OnboardingForm struct {
	AccountName string         `json:"account_name"`
	FirstName   string         `json:"first_name"`
	LastName    string         `json:"last_name"`
	Email       string         `json:"email"`
	PayMode     string         `json:"pay_mode"`
	AutoRenew   bool           `json:"auto_renew"`
	Plan        *PlanChoice    `json:"plan,omitempty"`
	TemplateID  int64          `json:"template_id,omitempty"`
	Users       []NewUserInput `json:"users,omitempty"`
	Reached     string         `json:"reached"` // the last wizard step saved
}

// PlanChoice is the plan the wizard subscribes, with its billing contact.
type PlanChoice struct {
	Type    string            `json:"type"`
	Hosts   int               `json:"hosts"`
	Contact map[string]string `json:"contact"`
}

// NewUserInput is a first user of the customer.
type NewUserInput struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Type      int    `json:"type"` // 1 basic, 2 licensed
}

// Onboarding statuses.
const (
	OnboardingDraft     = "draft"
	OnboardingRunning   = "running"
	OnboardingStopped   = "stopped"
	OnboardingSucceeded = "succeeded"
	OnboardingAbandoned = "abandoned"
)

// Onboarding is a wizard's draft, and once started its saga.
type Onboarding struct {
	ID         string         `db:"id"`
	PartnerID  int64          `db:"partner_id"`
	Status     string         `db:"status"`
	Form       OnboardingForm `db:"form"`
	CustomerID *int64         `db:"customer_id"`
	JobID      *string        `db:"job_id"`
	CreatedBy  *int64         `db:"created_by"`
	UpdatedBy  *int64         `db:"updated_by"`
	CreatedAt  time.Time      `db:"created_at"`
	UpdatedAt  time.Time      `db:"updated_at"`
	StartedAt  *time.Time     `db:"started_at"`
	FinishedAt *time.Time     `db:"finished_at"`
}

const onboardingColumns = "id::text, partner_id, status, form, customer_id, job_id::text, created_by, updated_by, created_at, updated_at, started_at, finished_at"

// Step statuses.
const (
	StepPending   = "pending"
	StepRunning   = "running"
	StepSucceeded = "succeeded"
	StepFailed    = "failed"
	StepSkipped   = "skipped"
)

// OnboardingStep is one step of an onboarding saga.
type OnboardingStep struct {
	OnboardingID   string          `db:"onboarding_id"`
	Seq            int             `db:"seq"`
	PartnerID      int64           `db:"partner_id"`
	Kind           string          `db:"kind"`
	Subject        string          `db:"subject"`
	IdempotencyKey string          `db:"idempotency_key"`
	Status         string          `db:"status"`
	Attempts       int             `db:"attempts"`
	Result         json.RawMessage `db:"result"`
	Error          string          `db:"error"`
	ZoomCode       int             `db:"zoom_code"`
	StartedAt      *time.Time      `db:"started_at"`
	FinishedAt     *time.Time      `db:"finished_at"`
	LeaseJob       *int64          `db:"lease_job"`
}

const stepColumns = "onboarding_id::text, seq, partner_id, kind, subject, idempotency_key, status, attempts, result, error, zoom_code, started_at, finished_at, lease_job"

// StepEnqueuer queues the River job of a step in tx (the transaction that made it due) and
// returns the River job's id, which becomes the step's owner.
type StepEnqueuer func(ctx context.Context, tx pgx.Tx, step OnboardingStep) (int64, error)

// enqueueStep queues st through enqueue and records the River job as its owner.
func enqueueStep(ctx context.Context, tx pgx.Tx, st OnboardingStep, enqueue StepEnqueuer) (int64, error) {
	riverID, err := enqueue(ctx, tx, st)
	if err != nil {
		return 0, fmt.Errorf("enqueue step %d: %w", st.Seq, err)
	}
	// The new owner has a while to start; a River job lost before it started (or given up on)
	// leaves the lease to run out, and the watchdog queues the step again.
	_, err = tx.Exec(ctx, `UPDATE onboarding_steps SET lease_job = $3, lease_until = now() + $4 * interval '1 second'
		WHERE onboarding_id = $1::uuid AND seq = $2`, st.OnboardingID, st.Seq, riverID, stepClaimGrace.Seconds())
	return riverID, err
}

// StepSpec is a step to create when an onboarding starts.
type StepSpec struct {
	Kind    string
	Subject string
}

// CreateOnboardingDraft starts a new wizard draft of partnerID.
func (s *Store) CreateOnboardingDraft(ctx context.Context, partnerID, staffID int64) (Onboarding, error) {
	var o Onboarding
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `INSERT INTO onboardings (partner_id, form, created_by, updated_by) VALUES ($1, $2, $3, $3) RETURNING `+onboardingColumns,
			partnerID, mustJSON(OnboardingForm{PayMode: "master"}), staffID)
		var err error
		o, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Onboarding])
		return translate(err)
	})
	if err != nil {
		return Onboarding{}, fmt.Errorf("create onboarding draft: %w", err)
	}
	return o, nil
}

// OnboardingByID returns one of partnerID's onboardings, or ErrNotFound (also for a
// malformed id).
func (s *Store) OnboardingByID(ctx context.Context, partnerID int64, id string) (Onboarding, error) {
	var o Onboarding
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		o, err = onboardingInTx(ctx, tx, partnerID, "id = $2::uuid", id, false)
		return err
	})
	if err != nil {
		return Onboarding{}, fmt.Errorf("onboarding %s: %w", id, err)
	}
	return o, nil
}

func onboardingInTx(ctx context.Context, tx pgx.Tx, partnerID int64, cond string, arg any, lock bool) (Onboarding, error) {
	q := "SELECT " + onboardingColumns + " FROM onboardings WHERE partner_id = $1 AND " + cond
	if lock {
		q += " FOR UPDATE"
	}
	rows, _ := tx.Query(ctx, q, partnerID, arg)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Onboarding])
	return o, translate(err)
}

// OnboardingOfJob returns the onboarding a job runs, or ErrNotFound.
func (s *Store) OnboardingOfJob(ctx context.Context, partnerID int64, jobID string) (Onboarding, error) {
	var o Onboarding
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		o, err = onboardingInTx(ctx, tx, partnerID, "job_id = $2::uuid", jobID, false)
		return err
	})
	return o, err
}

// OnboardingOfCustomer returns how a customer was onboarded, or ErrNotFound.
func (s *Store) OnboardingOfCustomer(ctx context.Context, partnerID, customerID int64) (Onboarding, error) {
	var o Onboarding
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		o, err = onboardingInTx(ctx, tx, partnerID, "customer_id = $2", customerID, false)
		return err
	})
	return o, err
}

// OnboardingDrafts lists partnerID's unfinished drafts, most recently changed first.
func (s *Store) OnboardingDrafts(ctx context.Context, partnerID int64) ([]Onboarding, error) {
	var out []Onboarding
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+onboardingColumns+" FROM onboardings WHERE partner_id = $1 AND status = 'draft' ORDER BY updated_at DESC LIMIT 50", partnerID)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Onboarding])
		return err
	})
	return out, err
}

// onboardingsOfDrafts fills in the onboarding of each of cs being onboarded by partnerID (a
// draft customer of its own): one look-up, only when the page holds such a customer.
func onboardingsOfDrafts(ctx context.Context, tx pgx.Tx, partnerID int64, cs []Customer) error {
	var ids []int64
	for _, c := range cs {
		if c.Status == CustomerDraft && c.PartnerID == partnerID {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT customer_id, id::text, status FROM onboardings
		WHERE partner_id = $1 AND status IN ('running', 'stopped') AND customer_id = ANY ($2)`, partnerID, ids)
	if err != nil {
		return err
	}
	type row struct {
		CustomerID int64  `db:"customer_id"`
		ID         string `db:"id"`
		Status     string `db:"status"`
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return err
	}
	for _, f := range found {
		for i := range cs {
			if cs[i].ID == f.CustomerID {
				cs[i].OnboardingID, cs[i].OnboardingStatus = f.ID, f.Status
			}
		}
	}
	return nil
}

// OnboardingUnderway is an onboarding that was started and has not finished (running, or
// stopped at a step Zoom refused), with how far it got.
type OnboardingUnderway struct {
	Onboarding
	Total       int    // steps
	Done        int    // steps that succeeded
	FailedSeq   int    // the failed step a stopped onboarding waits at, 0 when none
	FailedKind  string // its kind
	FailedError string // why it failed, in plain words
}

// OnboardingsUnderway lists partnerID's started, unfinished onboardings, those that stopped
// and need someone first, then the most recently changed.
func (s *Store) OnboardingsUnderway(ctx context.Context, partnerID int64) ([]OnboardingUnderway, error) {
	var out []OnboardingUnderway
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+onboardingColumns+`,
				(SELECT count(*) FROM onboarding_steps s WHERE s.onboarding_id = o.id)::int AS total,
				(SELECT count(*) FROM onboarding_steps s WHERE s.onboarding_id = o.id AND s.status = 'succeeded')::int AS done,
				coalesce(f.seq, 0) AS failed_seq, coalesce(f.kind, '') AS failed_kind, coalesce(f.error, '') AS failed_error
			FROM onboardings o
			LEFT JOIN LATERAL (SELECT seq, kind, error FROM onboarding_steps s WHERE s.onboarding_id = o.id AND s.status = 'failed'
				ORDER BY seq LIMIT 1) f ON true
			WHERE o.partner_id = $1 AND o.status IN ('running', 'stopped')
			ORDER BY o.status = 'stopped' DESC, o.updated_at DESC LIMIT 50`, partnerID)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[OnboardingUnderway])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("onboardings underway of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// SaveOnboardingDraft stores the wizard's form of a draft. A draft that was started meanwhile
// (by another admin) is ErrConflict.
func (s *Store) SaveOnboardingDraft(ctx context.Context, partnerID int64, id string, form OnboardingForm, staffID int64) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE onboardings SET form = $3, updated_by = $4, updated_at = now()
			WHERE partner_id = $1 AND id = $2::uuid AND status = 'draft'`, partnerID, id, mustJSON(form), staffID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if _, err := onboardingInTx(ctx, tx, partnerID, "id = $2::uuid", id, false); err != nil {
				return err
			}
			return fmt.Errorf("onboarding %s is no longer a draft: %w", id, ErrConflict)
		}
		return nil
	})
}

// DeleteOnboardingDraft removes a draft that was never started.
func (s *Store) DeleteOnboardingDraft(ctx context.Context, partnerID int64, id string) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM onboardings WHERE partner_id = $1 AND id = $2::uuid AND status = 'draft'", partnerID, id)
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrNotFound
		}
		return err
	})
}

// StartOnboarding turns draft id into a running saga, in one transaction: a customer row in
// status draft (with a placeholder account id until Zoom gives one), the steps, a job row
// for the progress page, and the first step's River job (enqueue, given the job id, the
// onboarding id and the first step). ev is appended as "onboarding.start".
// No password is kept: the create step gives the owner a random first password, which Zoom's
// confirmation email lets them replace.
func (s *Store) StartOnboarding(ctx context.Context, partnerID int64, id string, staffID int64, steps []StepSpec,
	ev AuditEvent, enqueue StepEnqueuer) (Onboarding, error) {
	var o Onboarding
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		if o, err = onboardingInTx(ctx, tx, partnerID, "id = $2::uuid", id, true); err != nil {
			return err
		}
		if o.Status != OnboardingDraft {
			return fmt.Errorf("onboarding %s is %s: %w", id, o.Status, ErrConflict)
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		var customerID int64
		if err := tx.QueryRow(ctx, `INSERT INTO customers (partner_id, zoom_account_id, account_name, owner_email, pay_mode, status)
			VALUES ($1, $2, $3, $4, $5, 'draft') RETURNING id`, partnerID, draftAccountPrefix+hex.EncodeToString(b), o.Form.AccountName,
			o.Form.Email, o.Form.PayMode).Scan(&customerID); err != nil {
			return translate(err)
		}
		var jobID string
		if err := tx.QueryRow(ctx, `INSERT INTO jobs (partner_id, kind, title, created_by, total, status, customer_id) VALUES ($1, 'onboarding', $2, $3, $4, 'running', $5)
			RETURNING id::text`, partnerID, "Onboard "+o.Form.AccountName, staffID, len(steps), customerID).Scan(&jobID); err != nil {
			return err
		}
		var first OnboardingStep
		for i, sp := range steps {
			rows, _ := tx.Query(ctx, `INSERT INTO onboarding_steps (onboarding_id, seq, partner_id, kind, subject, idempotency_key)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+stepColumns, o.ID, i+1, partnerID, sp.Kind, sp.Subject,
				"onboarding:"+o.ID+":"+strconv.Itoa(i+1)+":"+sp.Kind)
			st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OnboardingStep])
			if err != nil {
				return translate(err)
			}
			if i == 0 {
				first = st
			}
		}
		rows, _ := tx.Query(ctx, `UPDATE onboardings SET status = 'running', customer_id = $3, job_id = $4::uuid, started_at = now(),
				updated_by = $5, updated_at = now()
			WHERE partner_id = $1 AND id = $2::uuid RETURNING `+onboardingColumns,
			partnerID, id, customerID, jobID, staffID)
		if o, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Onboarding]); err != nil {
			return translate(err)
		}
		riverID, err := enqueueStep(ctx, tx, first, enqueue)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE jobs SET river_job_id = $2, started_at = now() WHERE id = $1::uuid", jobID, riverID); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome, ev.JobID = partnerID, audit.OnboardingStart, OutcomeSucceeded, jobID
		ev.TargetType, ev.TargetID, ev.TargetLabel = "customer", "draft", o.Form.AccountName
		form := o.Form
		ev.Details = mustJSON(map[string]any{"after": form, "steps": len(steps)})
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Onboarding{}, fmt.Errorf("start onboarding %s: %w", id, err)
	}
	return o, nil
}

// OnboardingSteps lists an onboarding's steps in order.
func (s *Store) OnboardingSteps(ctx context.Context, partnerID int64, id string) ([]OnboardingStep, error) {
	var out []OnboardingStep
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+stepColumns+" FROM onboarding_steps WHERE partner_id = $1 AND onboarding_id = $2::uuid ORDER BY seq", partnerID, id)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[OnboardingStep])
		return err
	})
	return out, err
}

// ErrStepDone means a step runs no more (it succeeded, was skipped, the onboarding is no
// longer running, or another River job owns it now): the job that asked has nothing to do.
var ErrStepDone = errors.New("onboarding step is not to run")

// StepLease is how long a worker holds a step without renewing it; a step whose lease ran out
// is taken over by the watchdog.
const StepLease = 10 * time.Second

// stepClaimGrace is how long a queued step's River job has to start before the watchdog
// queues the step again (River starts jobs within a second when it is not busy).
const stepClaimGrace = time.Minute

// BeginStep claims step seq of an onboarding for River job riverJobID: it marks the step
// running, counts the attempt and takes the lease. A step with more than one attempt has run
// before (a retry, an interrupted attempt): the caller must find out what happened before
// doing it again. A step that is done, or owned by another River job, is ErrStepDone.
func (s *Store) BeginStep(ctx context.Context, partnerID int64, onboardingID string, seq int, riverJobID int64) (o Onboarding, st OnboardingStep, err error) {
	err = s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		if o, err = onboardingInTx(ctx, tx, partnerID, "id = $2::uuid", onboardingID, true); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, "SELECT "+stepColumns+" FROM onboarding_steps WHERE partner_id = $1 AND onboarding_id = $2::uuid AND seq = $3 FOR UPDATE",
			partnerID, onboardingID, seq)
		if st, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OnboardingStep]); err != nil {
			return translate(err)
		}
		if o.Status != OnboardingRunning || (st.Status != StepPending && st.Status != StepRunning) ||
			(st.LeaseJob != nil && *st.LeaseJob != riverJobID) {
			return ErrStepDone
		}
		rows, _ = tx.Query(ctx, `UPDATE onboarding_steps SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now()),
				error = '', lease_job = $3, lease_until = now() + $4 * interval '1 second'
			WHERE onboarding_id = $1::uuid AND seq = $2 RETURNING `+stepColumns, onboardingID, seq, riverJobID, StepLease.Seconds())
		st, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OnboardingStep])
		return translate(err)
	})
	return o, st, err
}

// HoldStep extends River job riverJobID's lease on a running step by d. It reports false
// when the job no longer owns the step.
func (s *Store) HoldStep(ctx context.Context, partnerID int64, onboardingID string, seq int, riverJobID int64, d time.Duration) (bool, error) {
	var ok bool
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE onboarding_steps SET lease_until = now() + $4 * interval '1 second'
			WHERE onboarding_id = $1::uuid AND seq = $2 AND lease_job = $3 AND status = 'running'`, onboardingID, seq, riverJobID, d.Seconds())
		ok = tag.RowsAffected() == 1
		return err
	})
	return ok, err
}

// StalledStep is a running onboarding step whose worker stopped renewing its lease.
type StalledStep struct {
	PartnerID    int64
	OnboardingID string
	Seq          int
}

// TakeOverStalledSteps finds every partner's running onboarding steps whose lease ran out (the
// process running them died, or their River job was given up) and hands each to a new River
// job (enqueue, in the same transaction), which becomes the step's owner and checks what the
// lost attempt did before doing anything.
func (s *Store) TakeOverStalledSteps(ctx context.Context, enqueue StepEnqueuer) ([]StalledStep, error) {
	var out []StalledStep
	err := s.eachPartner(ctx, func(tx pgx.Tx, pid int64) error {
		rows, _ := tx.Query(ctx, `SELECT `+stepColumns+` FROM onboarding_steps st WHERE partner_id = $1 AND status IN ('pending', 'running')
				AND lease_until < now() AND EXISTS (SELECT 1 FROM onboardings o WHERE o.id = st.onboarding_id AND o.status = 'running')
			FOR UPDATE SKIP LOCKED`, pid)
		stalled, err := pgx.CollectRows(rows, pgx.RowToStructByName[OnboardingStep])
		if err != nil {
			return err
		}
		for _, st := range stalled {
			if _, err := enqueueStep(ctx, tx, st, enqueue); err != nil {
				return err
			}
			out = append(out, StalledStep{PartnerID: pid, OnboardingID: st.OnboardingID, Seq: st.Seq})
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("take over stalled onboarding steps: %w", err)
	}
	return out, nil
}

// StepOutcome is how a step ended.
type StepOutcome struct {
	Status   string // succeeded, skipped or failed
	Result   any
	Error    string
	ZoomCode int
	ZoomMsg  string
	GrantRef string
	Intent   int64 // the intent of the step's change at Zoom, closed by the step's event
}

// FinishStep records a step's end with its audit event ("onboarding.step", with the job),
// and moves the saga on, in one transaction: after a success or skip the next pending step
// is enqueued (next), or when none is left the onboarding succeeds, the customer becomes
// active and the job finishes; after a failure the onboarding stops and waits for retry,
// skip or abandon. ev carries who and the request id. Only the step's owner (River job
// riverJobID) may finish it: anyone else gets ErrStepDone and nothing is recorded.
func (s *Store) FinishStep(ctx context.Context, partnerID int64, onboardingID string, seq int, riverJobID int64, out StepOutcome, ev AuditEvent,
	next StepEnqueuer) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		o, err := onboardingInTx(ctx, tx, partnerID, "id = $2::uuid", onboardingID, true)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `UPDATE onboarding_steps SET status = $3, result = $4, error = $5, zoom_code = $6, finished_at = now(), lease_until = NULL
			WHERE onboarding_id = $1::uuid AND seq = $2 AND status = 'running' AND lease_job = $7 RETURNING `+stepColumns,
			onboardingID, seq, out.Status, mustJSON(out.Result), out.Error, out.ZoomCode, riverJobID)
		st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OnboardingStep])
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrStepDone
		} else if err != nil {
			return translate(err)
		}
		jobID := ""
		if o.JobID != nil {
			jobID = *o.JobID
		}
		customerID := ""
		if o.CustomerID != nil {
			var zid string
			if err := tx.QueryRow(ctx, "SELECT zoom_account_id FROM customers WHERE id = $1", *o.CustomerID).Scan(&zid); err == nil {
				customerID = zid
			}
		}
		ev.PartnerID, ev.Action, ev.JobID, ev.GrantRef, ev.Intent = partnerID, audit.OnboardingStep, jobID, out.GrantRef, out.Intent
		ev.Outcome = OutcomeSucceeded
		if out.Status == StepFailed {
			ev.Outcome = OutcomeFailed
		}
		ev.ZoomCode, ev.ZoomMessage, ev.CustomerID = out.ZoomCode, out.ZoomMsg, customerID
		ev.TargetType, ev.TargetID, ev.TargetLabel = "customer", customerID, o.Form.AccountName
		ev.Details = mustJSON(map[string]any{"step": seq, "kind": st.Kind, "subject": st.Subject, "status": out.Status,
			"attempts": st.Attempts, "result": out.Result, "error": out.Error, "idempotency_key": st.IdempotencyKey})
		if _, err := s.appendAudit(ctx, tx, ev); err != nil {
			return err
		}
		var done, failed int
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status IN ('succeeded', 'skipped')), count(*) FILTER (WHERE status = 'failed')
			FROM onboarding_steps WHERE onboarding_id = $1::uuid`, onboardingID).Scan(&done, &failed); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE jobs SET done = $2, failed = $3, updated_at = now() WHERE id = $1::uuid", jobID, done, failed); err != nil {
			return err
		}
		if out.Status == StepFailed {
			if _, err := tx.Exec(ctx, "UPDATE onboardings SET status = 'stopped', updated_at = now() WHERE id = $1::uuid", onboardingID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE jobs SET status = 'failed', message = $2, updated_at = now() WHERE id = $1::uuid", jobID,
				fmt.Sprintf("Stopped at step %d (%s): %s", seq, stepLabel(st), out.Error))
			return err
		}
		rows, _ = tx.Query(ctx, "SELECT "+stepColumns+" FROM onboarding_steps WHERE onboarding_id = $1::uuid AND status = 'pending' ORDER BY seq LIMIT 1", onboardingID)
		nextStep, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OnboardingStep])
		if err == nil {
			_, err := enqueueStep(ctx, tx, nextStep, next)
			return err
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return s.completeOnboarding(ctx, tx, o, jobID, ev)
	})
}

func stepLabel(st OnboardingStep) string {
	if st.Subject != "" {
		return st.Kind + " " + st.Subject
	}
	return st.Kind
}

// completeOnboarding ends a saga whose steps are all done: the customer becomes active.
func (s *Store) completeOnboarding(ctx context.Context, tx pgx.Tx, o Onboarding, jobID string, ev AuditEvent) error {
	if _, err := tx.Exec(ctx, "UPDATE onboardings SET status = 'succeeded', finished_at = now(), updated_at = now() WHERE id = $1::uuid", o.ID); err != nil {
		return err
	}
	if o.CustomerID != nil {
		if _, err := tx.Exec(ctx, "UPDATE customers SET status = 'active', updated_at = now() WHERE id = $1 AND status = 'draft'", *o.CustomerID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'succeeded', message = 'Every step is done.', finished_at = now(), updated_at = now() WHERE id = $1::uuid", jobID); err != nil {
		return err
	}
	ev.Action, ev.Outcome = audit.OnboardingFinish, OutcomeSucceeded
	ev.ZoomCode, ev.ZoomMessage = 0, ""
	// The last step's event closed its intent; this one records none (closing it again failed
	// the whole transaction, and the last step ran a second time).
	ev.Intent = 0
	ev.Details = mustJSON(map[string]any{"after": map[string]any{"status": "active"}})
	_, err := s.appendAudit(ctx, tx, ev)
	return err
}

// AttachOnboardedAccount records the Zoom account the create step made (or found) for an
// onboarding's customer; the customer stays a draft until every step is done.
func (s *Store) AttachOnboardedAccount(ctx context.Context, partnerID, customerID int64, zoomAccountID string, createdAt *time.Time) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var existing int64
		err := tx.QueryRow(ctx, "SELECT id FROM customers WHERE zoom_account_id = $1", zoomAccountID).Scan(&existing)
		switch {
		case err == nil && existing != customerID:
			// A sync brought the account in first: keep one row, the onboarding's.
			if _, err := tx.Exec(ctx, "DELETE FROM customers WHERE id = $1", existing); err != nil {
				return err
			}
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE customers SET zoom_account_id = $2, zoom_created_at = coalesce($3, zoom_created_at), synced_at = now(), updated_at = now()
			WHERE id = $1`, customerID, zoomAccountID, createdAt); err != nil {
			return translate(err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO account_directory (zoom_account_id, partner_id) VALUES ($1, $2)
			ON CONFLICT (zoom_account_id) DO UPDATE SET partner_id = EXCLUDED.partner_id, updated_at = now()`, zoomAccountID, partnerID)
		return err
	})
}

// RetryStep puts a failed step back to pending and the onboarding back to running, and
// enqueues it (next), with ev ("onboarding.retry") in one transaction.
func (s *Store) RetryStep(ctx context.Context, partnerID int64, onboardingID string, seq int, skip bool, ev AuditEvent,
	next StepEnqueuer) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		o, err := onboardingInTx(ctx, tx, partnerID, "id = $2::uuid", onboardingID, true)
		if err != nil {
			return err
		}
		if o.Status != OnboardingStopped {
			return fmt.Errorf("onboarding %s is %s: %w", onboardingID, o.Status, ErrConflict)
		}
		return s.retryStep(ctx, tx, partnerID, o, seq, skip, ev, next)
	})
}

// StepEdit corrects the values of a step Zoom refused: the onboarding's form with the new
// values, the step's new subject (the plan code, the user's or the owner's email), and what
// changed, as the audit event records it.
type StepEdit struct {
	Form    OnboardingForm
	Subject string
	Before  map[string]any
	After   map[string]any
}

// EditAndRetryStep corrects failed step seq of a stopped onboarding with edit and retries it,
// in one transaction: the form and the step's subject change (and, for the step that creates
// the account, the draft customer's name and owner), ev is recorded as "onboarding.edit" with
// the values before and after, then the step is put back in line as RetryStep does (its
// "onboarding.retry" event, its River job through next). The step then runs with the new
// values through the saga, which looks before it acts. An onboarding that is not stopped, or
// a step that is not failed, is ErrConflict and changes nothing.
func (s *Store) EditAndRetryStep(ctx context.Context, partnerID int64, onboardingID string, seq int, edit StepEdit, ev AuditEvent,
	next StepEnqueuer) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		o, err := onboardingInTx(ctx, tx, partnerID, "id = $2::uuid", onboardingID, true)
		if err != nil {
			return err
		}
		if o.Status != OnboardingStopped {
			return fmt.Errorf("onboarding %s is %s: %w", onboardingID, o.Status, ErrConflict)
		}
		var kind string
		err = tx.QueryRow(ctx, `UPDATE onboarding_steps SET subject = $3 WHERE onboarding_id = $1::uuid AND seq = $2 AND status = 'failed'
			RETURNING kind`, onboardingID, seq, edit.Subject).Scan(&kind)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("step %d of onboarding %s is not failed: %w", seq, onboardingID, ErrConflict)
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE onboardings SET form = $2, updated_by = coalesce($3, updated_by), updated_at = now() WHERE id = $1::uuid",
			onboardingID, mustJSON(edit.Form), ev.StaffID); err != nil {
			return err
		}
		if o.CustomerID != nil && (edit.Form.AccountName != o.Form.AccountName || edit.Form.Email != o.Form.Email) {
			// Only a customer Zoom has not created yet takes the new name and owner here; Zoom's
			// own answer names one that exists.
			if _, err := tx.Exec(ctx, `UPDATE customers SET account_name = $2, owner_email = $3, updated_at = now()
				WHERE id = $1 AND starts_with(zoom_account_id, $4)`, *o.CustomerID, edit.Form.AccountName, edit.Form.Email, draftAccountPrefix); err != nil {
				return translate(err)
			}
			if _, err := tx.Exec(ctx, "UPDATE jobs SET title = $2, updated_at = now() WHERE id = $1::uuid", *o.JobID, "Onboard "+edit.Form.AccountName); err != nil {
				return err
			}
		}
		jobID := *o.JobID
		edited := ev
		edited.PartnerID, edited.Action, edited.Outcome, edited.JobID = partnerID, audit.OnboardingEdit, OutcomeSucceeded, jobID
		edited.TargetType, edited.TargetLabel = "customer", edit.Form.AccountName
		edited.Details = mustJSON(map[string]any{"step": seq, "kind": kind, "subject": edit.Subject, "before": edit.Before, "after": edit.After})
		if _, err := s.appendAudit(ctx, tx, edited); err != nil {
			return err
		}
		o.Form = edit.Form
		return s.retryStep(ctx, tx, partnerID, o, seq, false, ev, next)
	})
}

// retryStep puts failed step seq of stopped onboarding o (locked by tx) back in line, or skips
// it, with ev.
func (s *Store) retryStep(ctx context.Context, tx pgx.Tx, partnerID int64, o Onboarding, seq int, skip bool, ev AuditEvent, next StepEnqueuer) error {
	onboardingID := o.ID
	status := StepPending
	if skip {
		status = StepSkipped
	}
	rows, _ := tx.Query(ctx, `UPDATE onboarding_steps SET status = $3, error = CASE WHEN $3 = 'skipped' THEN error ELSE '' END,
				finished_at = CASE WHEN $3 = 'skipped' THEN now() ELSE NULL END
			WHERE onboarding_id = $1::uuid AND seq = $2 AND status = 'failed' AND NOT ($3 = 'skipped' AND kind = 'create_account')
			RETURNING `+stepColumns, onboardingID, seq, status)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OnboardingStep])
	if err != nil {
		return translate(err)
	}
	if _, err := tx.Exec(ctx, "UPDATE onboardings SET status = 'running', updated_at = now() WHERE id = $1::uuid", onboardingID); err != nil {
		return err
	}
	jobID := *o.JobID
	if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'running', message = '', finished_at = NULL, updated_at = now() WHERE id = $1::uuid", jobID); err != nil {
		return err
	}
	ev.PartnerID, ev.Action, ev.Outcome, ev.JobID = partnerID, audit.OnboardingRetry, OutcomeSucceeded, jobID
	if skip {
		ev.Action = audit.OnboardingSkip
	}
	ev.TargetType, ev.TargetLabel = "customer", o.Form.AccountName
	ev.Details = mustJSON(map[string]any{"step": seq, "kind": st.Kind, "subject": st.Subject})
	if _, err := s.appendAudit(ctx, tx, ev); err != nil {
		return err
	}
	if !skip {
		_, err := enqueueStep(ctx, tx, st, next)
		return err
	}
	rows, _ = tx.Query(ctx, "SELECT "+stepColumns+" FROM onboarding_steps WHERE onboarding_id = $1::uuid AND status = 'pending' ORDER BY seq LIMIT 1", onboardingID)
	nextStep, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OnboardingStep])
	if errors.Is(err, pgx.ErrNoRows) {
		return s.completeOnboarding(ctx, tx, o, jobID, ev)
	} else if err != nil {
		return err
	}
	_, err = enqueueStep(ctx, tx, nextStep, next)
	return err
}

// AbandonOnboarding stops a stopped saga for good, with ev ("onboarding.abandon"): the
// customer row goes (it stays in Zoom if the create step made it; the caller offers to
// disassociate it), the job is cancelled.
func (s *Store) AbandonOnboarding(ctx context.Context, partnerID int64, onboardingID string, ev AuditEvent) (Onboarding, error) {
	var o Onboarding
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		if o, err = onboardingInTx(ctx, tx, partnerID, "id = $2::uuid", onboardingID, true); err != nil {
			return err
		}
		if o.Status != OnboardingStopped {
			return fmt.Errorf("onboarding %s is %s: %w", onboardingID, o.Status, ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE onboardings SET status = 'abandoned', finished_at = now(), updated_at = now()
			WHERE id = $1::uuid`, onboardingID); err != nil {
			return err
		}
		if o.CustomerID != nil {
			// A customer Zoom never created simply goes; one that exists in Zoom stays, active, for the
			// admin to disassociate or keep.
			if _, err := tx.Exec(ctx, `UPDATE customers SET status = 'active', updated_at = now() WHERE id = $1 AND NOT starts_with(zoom_account_id, $2)`, *o.CustomerID, draftAccountPrefix); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE onboardings SET customer_id = NULL WHERE id = $1::uuid AND
				starts_with((SELECT zoom_account_id FROM customers WHERE id = $2), $3)`, onboardingID, *o.CustomerID, draftAccountPrefix); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM customers WHERE id = $1 AND starts_with(zoom_account_id, $2)", *o.CustomerID, draftAccountPrefix); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'cancelled', message = 'Abandoned.', finished_at = now(), updated_at = now() WHERE id = $1::uuid", *o.JobID); err != nil {
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome, ev.JobID = partnerID, audit.OnboardingAbandon, OutcomeSucceeded, *o.JobID
		ev.TargetType, ev.TargetLabel = "customer", o.Form.AccountName
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Onboarding{}, fmt.Errorf("abandon onboarding %s: %w", onboardingID, err)
	}
	return o, nil
}

// CustomerByID returns customer id in partnerID's reach, or ErrNotFound.
func (s *Store) CustomerByID(ctx context.Context, partnerID, id int64) (Customer, error) {
	var c Customer
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var err error
		c, err = customerByID(ctx, tx, id)
		return err
	})
	return c, err
}

// CustomerByOwnerEmail returns partnerID's own customer (not gone, not disassociated) whose
// owner has email, or ErrNotFound.
func (s *Store) CustomerByOwnerEmail(ctx context.Context, partnerID int64, email string) (Customer, error) {
	var c Customer
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+customerColumns+customerFrom+` WHERE c.partner_id = $1 AND lower(c.owner_email) = lower($2)
			AND c.status NOT IN ('gone', 'disassociated') ORDER BY c.id LIMIT 1`, partnerID, email)
		var err error
		c, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Customer])
		return translate(err)
	})
	return c, err
}
