package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// JobStatus is where a job stands.
type JobStatus string

// Job statuses.
const (
	JobQueued    JobStatus = "queued"
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded"
	JobFailed    JobStatus = "failed"
	JobCancelled JobStatus = "cancelled"
)

// Finished reports whether the job has ended.
func (s JobStatus) Finished() bool {
	return s == JobSucceeded || s == JobFailed || s == JobCancelled
}

// Job is long work with visible progress, run by River.
type Job struct {
	ID         string     `db:"id"`
	PartnerID  int64      `db:"partner_id"`
	Kind       string     `db:"kind"`
	Title      string     `db:"title"`
	Status     JobStatus  `db:"status"`
	Total      int        `db:"total"`
	Done       int        `db:"done"`
	Failed     int        `db:"failed"`
	Message    string     `db:"message"`
	CreatedBy  *int64     `db:"created_by"`
	RiverJobID *int64     `db:"river_job_id"`
	CreatedAt  time.Time  `db:"created_at"`
	StartedAt  *time.Time `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
}

const jobColumns = "id::text, partner_id, kind, title, status, total, done, failed, message, created_by, river_job_id, created_at, started_at, finished_at, updated_at"

// CreateJob records a new job of partnerID, calls enqueue with the job's id inside the same
// transaction (so that River's job and this row exist together or not at all), and appends ev
// (with the action "job.start") to the audit log. enqueue returns River's job id.
func (s *Store) CreateJob(ctx context.Context, partnerID int64, kind, title string, createdBy *int64, ev AuditEvent,
	enqueue func(ctx context.Context, tx pgx.Tx, jobID string) (int64, error)) (Job, error) {
	var j Job
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		// A job about one customer (ev names it) is that customer's: a member limited to groups
		// sees it only while the customer is in scope.
		rows, _ := tx.Query(ctx, `INSERT INTO jobs (partner_id, kind, title, created_by, customer_id)
			VALUES ($1, $2, $3, $4, (SELECT id FROM customers WHERE zoom_account_id = $5 AND $5 <> '')) RETURNING `+jobColumns,
			partnerID, kind, title, createdBy, ev.CustomerID)
		var err error
		if j, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Job]); err != nil {
			return translate(err)
		}
		riverID, err := enqueue(ctx, tx, j.ID)
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE jobs SET river_job_id = $2 WHERE id = $1", j.ID, riverID); err != nil {
			return err
		}
		j.RiverJobID = &riverID
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.JobStart, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.JobID = "job", j.ID, title, j.ID
		d := map[string]any{}
		_ = json.Unmarshal(ev.Details, &d) // what the caller says about the job (options), if anything
		d["kind"] = kind
		ev.Details = mustJSON(d)
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("create %s job of partner %d: %w", kind, partnerID, err)
	}
	return j, nil
}

// JobByID returns a job in partnerID's reach, or ErrNotFound (also for a malformed id).
func (s *Store) JobByID(ctx context.Context, partnerID int64, id string) (Job, error) {
	var j Job
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = $1::uuid", id)
		var err error
		j, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Job])
		return translate(err)
	})
	if err != nil {
		return Job{}, fmt.Errorf("job %s: %w", id, err)
	}
	return j, nil
}

// StartJob marks a job running.
func (s *Store) StartJob(ctx context.Context, partnerID int64, id string) error {
	return s.updateJob(ctx, partnerID, id, `status = 'running', started_at = coalesce(started_at, now())`)
}

// JobProgress records a job's counts so far.
func (s *Store) JobProgress(ctx context.Context, partnerID int64, id string, total, done, failed int) error {
	return s.updateJob(ctx, partnerID, id, `total = $3, done = $4, failed = $5`, total, done, failed)
}

func (s *Store) updateJob(ctx context.Context, partnerID int64, id, set string, args ...any) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE jobs SET "+set+", updated_at = now() WHERE partner_id = $1 AND id = $2::uuid",
			append([]any{partnerID, id}, args...)...)
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("update job %s: %w", id, err)
		}
		return nil
	})
}

// FinishJob records a job's end (succeeded, failed or cancelled) with a message for people,
// and appends a "job.finish" event with its counts (ev carries who and details).
func (s *Store) FinishJob(ctx context.Context, partnerID int64, id string, status JobStatus, message string, ev AuditEvent) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `UPDATE jobs SET status = $3, message = $4, finished_at = now(), updated_at = now()
			WHERE partner_id = $1 AND id = $2::uuid RETURNING `+jobColumns, partnerID, id, status, message)
		j, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Job])
		if err != nil {
			return fmt.Errorf("finish job %s: %w", id, translate(err))
		}
		ev.PartnerID, ev.Action = partnerID, audit.JobFinish
		ev.Outcome = OutcomeSucceeded
		if status == JobFailed {
			ev.Outcome = OutcomeFailed
		}
		if status == JobCancelled {
			ev.Action = audit.JobCancel
		}
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.JobID = "job", j.ID, j.Title, j.ID
		if len(ev.Details) == 0 {
			ev.Details = mustJSON(map[string]any{"kind": j.Kind, "status": status, "total": j.Total, "done": j.Done, "failed": j.Failed, "message": message})
		}
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
}

// ActiveJobs lists partnerID's queued and running jobs, newest first.
func (s *Store) ActiveJobs(ctx context.Context, partnerID int64) ([]Job, error) {
	var out []Job
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE partner_id = $1 AND status IN ('queued', 'running') ORDER BY created_at DESC LIMIT 20", partnerID)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Job])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("active jobs of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// LatestJob returns partnerID's most recent job of a kind, or ErrNotFound.
func (s *Store) LatestJob(ctx context.Context, partnerID int64, kind string) (Job, error) {
	var j Job
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE partner_id = $1 AND kind = $2 ORDER BY created_at DESC LIMIT 1", partnerID, kind)
		var err error
		j, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Job])
		return translate(err)
	})
	return j, err
}
