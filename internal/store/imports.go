package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// Bulk user job kinds.
const (
	ImportCreate     = "create"     // create users
	ImportDeactivate = "deactivate" // deactivate users
	ImportRemove     = "remove"     // disassociate or delete users
	ImportFleet      = "fleet"      // change customers of a group (a row per customer; see fleet.go)
)

// Import row states.
const (
	RowInvalid   = "invalid"   // refused by the check; never sent
	RowReady     = "ready"     // to send
	RowSending   = "sending"   // sent; the answer is not recorded yet (look the user up before anything else)
	RowSucceeded = "succeeded" // Zoom did it
	RowFailed    = "failed"    // Zoom refused, or it could not be sent
	RowCancelled = "cancelled" // not sent: the job was cancelled
)

// Import is a bulk user job: a checked CSV or selection, and, once started, its job.
type Import struct {
	ID              string          `db:"id"`
	PartnerID       int64           `db:"partner_id"`
	Kind            string          `db:"kind"`
	Source          string          `db:"source"`
	Options         json.RawMessage `db:"options"`
	Status          string          `db:"status"` // preview, started, discarded
	Notes           []string        `db:"notes"`  // warnings of the check, for people
	JobID           string          `db:"job_id"` // "" until started
	CreatedBy       *int64          `db:"created_by"`
	CreatorEmail    string          `db:"creator_email"`
	CreatedAt       time.Time       `db:"created_at"`
	CancelRequested bool            `db:"cancel_requested"`
}

// ImportRow is one row of a bulk user job.
type ImportRow struct {
	Line          int        `db:"line"`
	CustomerID    *int64     `db:"customer_id"`
	ZoomAccountID string     `db:"zoom_account_id"`
	CustomerName  string     `db:"customer_name"`
	Email         string     `db:"email"`
	FirstName     string     `db:"first_name"`
	LastName      string     `db:"last_name"`
	Type          int        `db:"user_type"`
	CreateAction  string     `db:"create_action"`
	ZoomUserID    string     `db:"zoom_user_id"`
	State         string     `db:"state"`
	Message       string     `db:"message"`
	ZoomCode      int        `db:"zoom_code"`
	ZoomMessage   string     `db:"zoom_message"`
	Attempts      int        `db:"attempts"`
	SentAt        *time.Time `db:"sent_at"`
	FinishedAt    *time.Time `db:"finished_at"`
	// Change is a fleet row's change (the PATCHes its preview showed), as the service wrote it.
	Change json.RawMessage `db:"change"`
}

const importColumns = `i.id::text, i.partner_id, i.kind, i.source, i.options, i.status, i.notes, coalesce(i.job_id::text, '') AS job_id,
	i.created_by, coalesce(s.email, '') AS creator_email, i.created_at, i.cancel_requested`

const importFrom = ` FROM user_imports i LEFT JOIN staff s ON s.id = i.created_by AND s.partner_id = i.partner_id`

const importRowColumns = `r.line, r.customer_id, r.zoom_account_id, coalesce(c.account_name, '') AS customer_name, r.email, r.first_name,
	r.last_name, r.user_type, r.create_action, r.zoom_user_id, r.state, r.message, r.zoom_code, r.zoom_message, r.attempts,
	r.sent_at, r.finished_at, r.change`

const importRowFrom = ` FROM user_import_rows r LEFT JOIN customers c ON c.id = r.customer_id`

// NewImport is a checked bulk job to record.
type NewImport struct {
	Kind      string
	Source    string // the file name, or "Selection in <customer>"
	Options   any    // remove: action and transfer options
	Notes     []string
	CreatedBy *int64
	Rows      []ImportRow // Line, customer, user fields, State (ready or invalid) and Message
}

// CreateImport records a checked bulk job of partnerID with its rows, waiting to be started,
// and appends ev ("import.check") to the audit log.
func (s *Store) CreateImport(ctx context.Context, partnerID int64, in NewImport, ev AuditEvent) (Import, error) {
	var imp Import
	opts := in.Options
	if opts == nil {
		opts = map[string]any{}
	}
	notes := in.Notes
	if notes == nil {
		notes = []string{}
	}
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, `INSERT INTO user_imports (partner_id, kind, source, options, notes, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text`, partnerID, in.Kind, truncate(in.Source, 200), string(mustJSON(opts)), notes, in.CreatedBy).Scan(&id); err != nil {
			return translate(err)
		}
		n := len(in.Rows)
		lines, custs, accts, emails, firsts, lasts := make([]int32, n), make([]*int64, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		types, actions, userIDs, states, msgs := make([]int32, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		changes := make([]string, n)
		valid := 0
		for i, r := range in.Rows {
			lines[i], custs[i], accts[i], emails[i], firsts[i], lasts[i] = int32(r.Line), r.CustomerID, r.ZoomAccountID, truncate(r.Email, 300), truncate(r.FirstName, 200), truncate(r.LastName, 200)
			types[i], actions[i], userIDs[i], states[i], msgs[i] = int32(r.Type), truncate(r.CreateAction, 50), r.ZoomUserID, r.State, r.Message
			changes[i] = string(nonEmpty(r.Change))
			if r.State != RowInvalid {
				valid++
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_import_rows (import_id, partner_id, line, customer_id, zoom_account_id, email,
				first_name, last_name, user_type, create_action, zoom_user_id, state, message, change)
			SELECT $1::uuid, $2, n.line, n.cust, n.acct, n.email, n.first, n.last, n.typ, n.action, n.uid, n.state, n.msg, n.change::json
			FROM unnest($3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[], $11::text[],
				$12::text[], $13::text[], $14::text[]) AS n(line, cust, acct, email, first, last, typ, action, uid, state, msg, change)`,
			id, partnerID, lines, custs, accts, emails, firsts, lasts, types, actions, userIDs, states, msgs, changes); err != nil {
			return translate(err)
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.ImportCheck, OutcomeSucceeded
		if in.Kind == ImportFleet {
			ev.Action = audit.FleetPreview
		}
		ev.TargetType, ev.TargetID, ev.TargetLabel = "import", id, in.Source
		ev.Details = mustJSON(map[string]any{"kind": in.Kind, "rows": n, "valid": valid, "invalid": n - valid, "notes": notes})
		if _, err := s.appendAudit(ctx, tx, ev); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, "SELECT "+importColumns+importFrom+" WHERE i.id = $1::uuid", id)
		var err error
		imp, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Import])
		return err
	})
	if err != nil {
		return Import{}, fmt.Errorf("create import of partner %d: %w", partnerID, err)
	}
	return imp, nil
}

// ImportByID returns a bulk job in partnerID's reach, or ErrNotFound (also for a malformed id).
func (s *Store) ImportByID(ctx context.Context, partnerID int64, id string) (Import, error) {
	return s.importWhere(ctx, partnerID, "i.id = $1::uuid", id)
}

// ImportByJob returns the bulk job run by a job in partnerID's reach, or ErrNotFound.
func (s *Store) ImportByJob(ctx context.Context, partnerID int64, jobID string) (Import, error) {
	return s.importWhere(ctx, partnerID, "i.job_id = $1::uuid", jobID)
}

func (s *Store) importWhere(ctx context.Context, partnerID int64, cond string, arg any) (Import, error) {
	var imp Import
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+importColumns+importFrom+" WHERE "+cond, arg)
		var err error
		imp, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Import])
		return translate(err)
	})
	if err != nil {
		return Import{}, fmt.Errorf("import %v: %w", arg, err)
	}
	return imp, nil
}

// Imports lists partnerID's own bulk jobs, newest first, at most limit (0 means 20).
func (s *Store) Imports(ctx context.Context, partnerID int64, limit int) ([]Import, error) {
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	var out []Import
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+importColumns+importFrom+" WHERE i.partner_id = $1 AND i.status <> 'discarded' ORDER BY i.created_at DESC LIMIT $2", partnerID, limit)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[Import])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("imports of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// RowFilter selects rows of a bulk job. Zero fields do not filter.
type RowFilter struct {
	States    []string
	AfterLine int
	Limit     int // 0 means every row
}

// ImportRows lists rows of a bulk job in partnerID's reach, by line.
func (s *Store) ImportRows(ctx context.Context, partnerID int64, importID string, f RowFilter) ([]ImportRow, error) {
	limit := "ALL"
	if f.Limit > 0 {
		limit = fmt.Sprint(f.Limit)
	}
	states := f.States
	var out []ImportRow
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+importRowColumns+importRowFrom+` WHERE r.import_id = $1::uuid AND r.line > $2
			AND (coalesce(cardinality($3::text[]), 0) = 0 OR r.state = ANY($3)) ORDER BY r.line LIMIT `+limit, importID, f.AfterLine, states)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowToStructByName[ImportRow])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rows of import %s: %w", importID, err)
	}
	return out, nil
}

// ImportTally counts a bulk job's rows by state, with the pace of the last seconds.
type ImportTally struct {
	Invalid, Ready, Sending, Succeeded, Failed, Cancelled, Total int
	Recent                                                       int     // rows finished (succeeded or failed) in the last RecentSeconds
	RecentSeconds                                                float64 // the window Recent covers (20 s, or less just after the start)
}

// Left is how many rows are still to be sent or answered.
func (t ImportTally) Left() int { return t.Ready + t.Sending }

// Rate is rows finished per second lately (0 when unknown).
func (t ImportTally) Rate() float64 {
	if t.RecentSeconds < 1 || t.Recent == 0 {
		return 0
	}
	return float64(t.Recent) / t.RecentSeconds
}

// ImportTally counts the rows of a bulk job in partnerID's reach.
func (s *Store) ImportTally(ctx context.Context, partnerID int64, importID string) (ImportTally, error) {
	var t ImportTally
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'invalid'), count(*) FILTER (WHERE state = 'ready'),
				count(*) FILTER (WHERE state = 'sending'), count(*) FILTER (WHERE state = 'succeeded'),
				count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state = 'cancelled'), count(*),
				count(*) FILTER (WHERE state IN ('succeeded', 'failed') AND finished_at > now() - interval '20 seconds'),
				coalesce(extract(epoch FROM least(interval '20 seconds', now() - min(sent_at))), 0)::float8
			FROM user_import_rows WHERE import_id = $1::uuid`, importID).
			Scan(&t.Invalid, &t.Ready, &t.Sending, &t.Succeeded, &t.Failed, &t.Cancelled, &t.Total, &t.Recent, &t.RecentSeconds)
	})
	if err != nil {
		return ImportTally{}, fmt.Errorf("tally of import %s: %w", importID, err)
	}
	return t, nil
}

// StartImport starts partnerID's checked bulk job: it creates its job (title, "job.start"
// audit event ev) and calls enqueue with the job's id in the same transaction. An import
// already started or discarded is ErrConflict.
func (s *Store) StartImport(ctx context.Context, partnerID int64, importID, kind, title string, createdBy *int64, ev AuditEvent,
	enqueue func(ctx context.Context, tx pgx.Tx, jobID string) (int64, error)) (Job, error) {
	return s.CreateJob(ctx, partnerID, kind, title, createdBy, ev, func(ctx context.Context, tx pgx.Tx, jobID string) (int64, error) {
		var valid int
		tag, err := tx.Exec(ctx, `UPDATE user_imports SET status = 'started', job_id = $3::uuid
			WHERE partner_id = $1 AND id = $2::uuid AND status = 'preview'`, partnerID, importID, jobID)
		if err != nil {
			return 0, err
		}
		if tag.RowsAffected() == 0 {
			return 0, ErrConflict
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM user_import_rows WHERE import_id = $1::uuid AND state <> 'invalid'", importID).Scan(&valid); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, "UPDATE jobs SET total = $2 WHERE id = $1::uuid", jobID, valid); err != nil {
			return 0, err
		}
		return enqueue(ctx, tx, jobID)
	})
}

// DiscardImport drops a checked bulk job that was not started. One already started is
// ErrConflict.
func (s *Store) DiscardImport(ctx context.Context, partnerID int64, importID string, ev AuditEvent) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var source string
		err := tx.QueryRow(ctx, "UPDATE user_imports SET status = 'discarded' WHERE partner_id = $1 AND id = $2::uuid AND status = 'preview' RETURNING source",
			partnerID, importID).Scan(&source)
		if err != nil {
			if errors.Is(translate(err), ErrNotFound) {
				return ErrConflict
			}
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.ImportDiscard, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel = "import", importID, source
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
}

// RequestImportCancel asks the worker of partnerID's running bulk job to stop before its next
// row, and appends ev ("job.cancel_request"). A job that already finished is ErrConflict.
func (s *Store) RequestImportCancel(ctx context.Context, partnerID int64, jobID string, staffID *int64, ev AuditEvent) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		var title string
		err := tx.QueryRow(ctx, `UPDATE user_imports i SET cancel_requested = true, cancelled_by = $3
			FROM jobs j WHERE j.id = i.job_id AND i.partner_id = $1 AND i.job_id = $2::uuid AND j.status IN ('queued', 'running')
			RETURNING j.title`, partnerID, jobID, staffID).Scan(&title)
		if err != nil {
			if errors.Is(translate(err), ErrNotFound) {
				return ErrConflict
			}
			return err
		}
		ev.PartnerID, ev.Action, ev.Outcome = partnerID, audit.JobCancelRequest, OutcomeSucceeded
		ev.TargetType, ev.TargetID, ev.TargetLabel, ev.JobID = "job", jobID, title, jobID
		_, err = s.appendAudit(ctx, tx, ev)
		return err
	})
}

// SetImportOptions replaces the options of partnerID's checked bulk job before it starts. One
// already started is ErrConflict.
func (s *Store) SetImportOptions(ctx context.Context, partnerID int64, importID string, opts any) error {
	return s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE user_imports SET options = $3 WHERE partner_id = $1 AND id = $2::uuid AND status = 'preview'",
			partnerID, importID, string(mustJSON(opts)))
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrConflict
		}
		return err
	})
}
