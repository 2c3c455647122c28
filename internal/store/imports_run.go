package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// A bulk job is worked on by one River job at a time: the one holding its lease. The worker
// renews the lease while it runs; a lease that runs out means the worker died (a killed
// process), and the watchdog hands the job to a new worker, which first resolves the rows
// whose answer was lost.

// ClaimImport gives partnerID's started bulk job to owner (a River job id) for ttl, when no
// other owner holds a valid lease. It reports whether owner holds it now.
func (s *Store) ClaimImport(ctx context.Context, partnerID int64, importID string, owner int64, ttl time.Duration) (bool, error) {
	var ok bool
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE user_imports SET lease_owner = $3, lease_until = now() + $4 * interval '1 second'
			WHERE partner_id = $1 AND id = $2::uuid AND status = 'started'
			  AND (lease_owner IS NULL OR lease_owner = $3 OR lease_until IS NULL OR lease_until < now())`,
			partnerID, importID, owner, ttl.Seconds())
		ok = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim import %s: %w", importID, err)
	}
	return ok, nil
}

// LeaseState is what a worker learns when it renews its lease.
type LeaseState struct {
	Held            bool // false: another worker took over; stop at once
	CancelRequested bool
}

// RenewImportLease extends owner's lease on a bulk job by ttl, and copies the rows' counts to
// the job (total to send, done, failed) so that lists and the dashboard show progress.
func (s *Store) RenewImportLease(ctx context.Context, partnerID int64, importID string, owner int64, ttl time.Duration) (LeaseState, error) {
	var ls LeaseState
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var jobID string
		err := tx.QueryRow(ctx, `UPDATE user_imports SET lease_until = now() + $4 * interval '1 second'
			WHERE partner_id = $1 AND id = $2::uuid AND lease_owner = $3 RETURNING cancel_requested, job_id::text`,
			partnerID, importID, owner, ttl.Seconds()).Scan(&ls.CancelRequested, &jobID)
		if err != nil {
			if errors.Is(translate(err), ErrNotFound) {
				return nil
			}
			return err
		}
		ls.Held = true
		_, err = tx.Exec(ctx, `UPDATE jobs j SET total = x.total, done = x.done, failed = x.failed, updated_at = now()
			FROM (SELECT count(*) FILTER (WHERE state <> 'invalid') AS total, count(*) FILTER (WHERE state = 'succeeded') AS done,
				count(*) FILTER (WHERE state = 'failed') AS failed FROM user_import_rows WHERE import_id = $2::uuid) x
			WHERE j.id = $3::uuid AND j.partner_id = $1`, partnerID, importID, jobID)
		return err
	})
	if err != nil {
		return LeaseState{}, fmt.Errorf("renew lease of import %s: %w", importID, err)
	}
	return ls, nil
}

// ReleaseImport gives up owner's lease (the next worker need not wait for it to run out).
func (s *Store) ReleaseImport(ctx context.Context, partnerID int64, importID string, owner int64) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE user_imports SET lease_until = now() WHERE partner_id = $1 AND id = $2::uuid AND lease_owner = $3",
			partnerID, importID, owner)
		return err
	})
}

// StalledImport is a started bulk job whose job has not finished and whose worker's lease
// ran out (or that nobody claimed within its grace period).
type StalledImport struct {
	ImportID, JobID string
	PartnerID       int64
	CreatedBy       *int64 // who started the job
}

// TakeOverStalledImports finds every partner's stalled bulk jobs and hands each to whoever
// calls enqueue (in the same transaction, with grace to claim it): a process that died
// mid-job leaves its job to the next. It returns the bulk jobs taken over.
func (s *Store) TakeOverStalledImports(ctx context.Context, grace time.Duration,
	enqueue func(ctx context.Context, tx pgx.Tx, si StalledImport) (int64, error)) ([]StalledImport, error) {
	var out []StalledImport
	err := s.eachPartner(ctx, func(tx pgx.Tx, pid int64) error {
		rows, _ := tx.Query(ctx, `UPDATE user_imports i SET lease_owner = NULL, lease_until = now() + $2 * interval '1 second'
			FROM jobs j WHERE j.id = i.job_id AND i.partner_id = $1 AND i.status = 'started' AND j.status IN ('queued', 'running')
			  AND coalesce(i.lease_until, j.created_at + $2 * interval '1 second') < now()
			RETURNING i.id::text, j.id::text, i.partner_id, i.created_by`, pid, grace.Seconds())
		stalled, err := pgx.CollectRows(rows, pgx.RowToStructByPos[StalledImport])
		if err != nil {
			return err
		}
		for _, si := range stalled {
			riverID, err := enqueue(ctx, tx, si)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE jobs SET river_job_id = $2 WHERE id = $1::uuid", si.JobID, riverID); err != nil {
				return err
			}
		}
		out = append(out, stalled...)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("take over stalled imports: %w", err)
	}
	return out, nil
}

// eachPartner runs fn in one transaction per partner, acting as that partner: background work
// that spans partners (the watchdogs) sees each one's rows through row-level security.
func (s *Store) eachPartner(ctx context.Context, fn func(tx pgx.Tx, partnerID int64) error) error {
	partners, err := s.partnerIDs(ctx)
	if err != nil {
		return err
	}
	for _, pid := range partners {
		if err := s.inTx(ctx, pid, func(tx pgx.Tx) error { return fn(tx, pid) }); err != nil {
			return fmt.Errorf("partner %d: %w", pid, err)
		}
	}
	return nil
}

// partnerIDs lists every partner's id.
func (s *Store) partnerIDs(ctx context.Context) ([]int64, error) {
	rows, _ := s.pool.Query(ctx, "SELECT id FROM partners ORDER BY id")
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("partners: %w", err)
	}
	return ids, nil
}

// MarkRowSending records that a row's change is about to be sent to Zoom. It reports false
// when the row is no longer ready (another worker has it).
func (s *Store) MarkRowSending(ctx context.Context, partnerID int64, importID string, line int) (bool, error) {
	var ok bool
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE user_import_rows SET state = 'sending', sent_at = now(), attempts = attempts + 1
			WHERE import_id = $1::uuid AND line = $2 AND state = 'ready'`, importID, line)
		ok = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("mark row %d of import %s sending: %w", line, importID, err)
	}
	return ok, nil
}

// RowResult is how a row ended.
type RowResult struct {
	State       string // succeeded or failed (or ready again: a look-up showed the change was not made)
	Message     string // for people
	ZoomCode    int
	ZoomMessage string
	ZoomUserID  string
}

// FinishImportRow records a row's result (or, with state sending, that its answer was lost,
// or, with state ready, that a look-up showed it was not done), applies change to the
// directory and appends its audit event, in one transaction. change may be nil (no directory
// change, no event).
func (s *Store) FinishImportRow(ctx context.Context, partnerID int64, importID string, line int, res RowResult, change *UserChange) error {
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		finished := "now()"
		if res.State == RowReady || res.State == RowSending {
			finished = "NULL"
		}
		if _, err := tx.Exec(ctx, `UPDATE user_import_rows SET state = $3, message = $4, zoom_code = $5, zoom_message = $6,
				zoom_user_id = CASE WHEN $7 = '' THEN zoom_user_id ELSE $7 END, finished_at = `+finished+`
			WHERE import_id = $1::uuid AND line = $2`, importID, line, res.State, truncate(res.Message, 1000), res.ZoomCode,
			truncate(res.ZoomMessage, 1000), res.ZoomUserID); err != nil {
			return err
		}
		if change == nil {
			return nil
		}
		_, err := s.applyUserChange(ctx, tx, partnerID, *change)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish row %d of import %s: %w", line, importID, err)
	}
	return nil
}

// CloseReadyRows ends every row of a bulk job still waiting to be sent, with state
// (cancelled, or failed when the job could not go on) and a message, and returns how many.
func (s *Store) CloseReadyRows(ctx context.Context, partnerID int64, importID, state, message string) (int, error) {
	var n int
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE user_import_rows SET state = $2, message = $3, finished_at = now()
			WHERE import_id = $1::uuid AND state = 'ready'`, importID, state, truncate(message, 1000))
		n = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("close rows of import %s: %w", importID, err)
	}
	return n, nil
}
