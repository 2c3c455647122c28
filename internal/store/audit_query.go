package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
)

// AuditFilter selects audit events. Zero fields do not filter.
type AuditFilter struct {
	StaffID    int64     // events by this staff member
	Action     string    // an action ("customer.create") or a prefix ending in "." ("customer.")
	TargetType string    // customer, user, staff, grant, job, partner, session
	TargetID   string    // with TargetType
	CustomerID string    // events about this customer (Zoom account id)
	Outcome    Outcome   // succeeded, failed, denied, pending
	From, To   time.Time // occurred at or after From, before To
	Text       string    // words that must all appear (prefixes match)
	Before     int64     // keyset: only events recorded before the event with this id
	Limit      int       // page size; 0 means 50, at most 500
	// CustomerIDs are more customers (Zoom account ids): an event about any of them, or
	// about CustomerID, matches (the customers of one name).
	CustomerIDs []string
}

// where returns the SQL conditions and arguments of f, after "partner_id = $1".
func (f AuditFilter) where(args []any) (string, []any) {
	var conds []string
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.StaffID != 0 {
		add("staff_id = ?", f.StaffID)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add("action LIKE ?", strings.ReplaceAll(f.Action, "%", "")+"%")
		} else {
			add("action = ?", f.Action)
		}
	}
	if f.TargetType != "" {
		add("target_type = ?", f.TargetType)
		if f.TargetID != "" {
			add("target_id = ?", f.TargetID)
		}
	}
	customers := f.CustomerIDs
	if f.CustomerID != "" {
		customers = append([]string{f.CustomerID}, customers...)
	}
	switch len(customers) {
	case 0:
	case 1:
		add("customer_id = ?", customers[0])
	default:
		add("customer_id = ANY(?)", customers)
	}
	if f.Outcome != "" {
		add("outcome = ?", string(f.Outcome))
	}
	if !f.From.IsZero() {
		add("occurred_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("occurred_at < ?", f.To)
	}
	if q := textQuery(f.Text); q != "" {
		add("search @@ to_tsquery('simple', ?)", q)
	}
	if f.Before > 0 {
		add("e.id < ?", f.Before)
	}
	if len(conds) == 0 {
		return "", args
	}
	return " AND " + strings.Join(conds, " AND "), args
}

// textQuery turns free text into a tsquery where every word must match as a prefix, split
// the way the search column splits text: "alice@exam" → 'alice':* & 'exam':*.
func textQuery(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var terms []string
	for _, w := range words {
		terms = append(terms, "'"+w+"':*")
		if len(terms) == 8 {
			break
		}
	}
	return strings.Join(terms, " & ")
}

func (f AuditFilter) limit() int {
	switch {
	case f.Limit <= 0:
		return 50
	case f.Limit > 500:
		return 500
	}
	return f.Limit
}

// AuditPage is one page of events, newest first, and the cursor of the next (older) page.
type AuditPage struct {
	Events    []AuditEvent
	Next      int64 // pass as Before for the next page; 0 when there is none
	ChainHead AuditHead
}

// AuditEvents returns a page of partnerID's events matching f, newest first (keyset
// pagination on the permanent id, so that events recorded and not sealed yet are listed too,
// with Seq 0).
func (s *Store) AuditEvents(ctx context.Context, partnerID int64, f AuditFilter) (AuditPage, error) {
	var page AuditPage
	err := s.read(ctx, partnerID, func(b *pgx.Batch) {
		where, args := f.where([]any{partnerID})
		n := f.limit()
		b.Queue("SELECT "+auditColumns+" FROM "+auditFrom+" WHERE e.partner_id = $1"+where+
			" ORDER BY e.id DESC LIMIT "+strconv.Itoa(n+1), args...).Query(func(rows pgx.Rows) error {
			events, err := pgx.CollectRows(rows, scanAudit)
			if err != nil {
				return err
			}
			if len(events) > n {
				events = events[:n]
				page.Next = events[n-1].ID
			}
			page.Events = events
			return nil
		})
	})
	if err != nil {
		return AuditPage{}, fmt.Errorf("audit events of partner %d: %w", partnerID, err)
	}
	return page, nil
}

// AuditEventByID returns one of partnerID's events (SystemChain's included) by its permanent
// id, sealed or not, or ErrNotFound.
func (s *Store) AuditEventByID(ctx context.Context, partnerID, id int64) (AuditEvent, error) {
	var e AuditEvent
	err := s.inChainTx(ctx, partnerID, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+auditColumns+" FROM "+auditFrom+" WHERE e.partner_id = $1 AND e.id = $2", partnerID, id)
		var err error
		e, err = pgx.CollectExactlyOneRow(rows, scanAudit)
		return translate(err)
	})
	if err != nil {
		return AuditEvent{}, fmt.Errorf("audit event id %d of partner %d: %w", id, partnerID, err)
	}
	return e, nil
}

// AuditEventBySeq returns one of partnerID's sealed events by its place in the chain, or
// ErrNotFound.
func (s *Store) AuditEventBySeq(ctx context.Context, partnerID, seq int64) (AuditEvent, error) {
	var e AuditEvent
	err := s.inChainTx(ctx, partnerID, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT "+auditColumns+" FROM audit_seals s JOIN audit_events e ON e.id = s.event_id WHERE s.partner_id = $1 AND s.seq = $2", partnerID, seq)
		var err error
		e, err = pgx.CollectExactlyOneRow(rows, scanAudit)
		return translate(err)
	})
	if err != nil {
		return AuditEvent{}, fmt.Errorf("audit event %d of partner %d: %w", seq, partnerID, err)
	}
	return e, nil
}

// ExportAudit streams every sealed event of partnerID matching f (ignoring Before and Limit)
// in chain order to fn, from one consistent snapshot, and returns the chain head that snapshot
// ends on, so an auditor can check the export against a later verification. It seals the
// chain first (SealAudit), so that the export holds every event committed before it began.
func (s *Store) ExportAudit(ctx context.Context, partnerID int64, f AuditFilter, fn func(AuditEvent) error) (AuditHead, error) {
	head := AuditHead{PartnerID: partnerID, Hash: make([]byte, 32)}
	if _, err := s.SealAudit(ctx, partnerID); err != nil {
		return head, fmt.Errorf("export audit of partner %d: %w", partnerID, err)
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := setActing(ctx, tx, partnerID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT set_config('statement_timeout', '0', true)"); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_heads WHERE partner_id = $1", partnerID).Scan(&head.Seq, &head.Hash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		f.Before = 0
		where, args := f.where([]any{partnerID})
		rows, err := tx.Query(ctx, "SELECT "+auditColumns+" FROM audit_seals s JOIN audit_events e ON e.id = s.event_id WHERE s.partner_id = $1"+where+" ORDER BY s.seq", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return head, fmt.Errorf("export audit of partner %d: %w", partnerID, err)
	}
	return head, nil
}

// AuditActions lists the distinct actions in partnerID's log, for the filter menu.
func (s *Store) AuditActions(ctx context.Context, partnerID int64) ([]audit.Action, error) {
	var out []audit.Action
	err := s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		// A loose index scan: one probe per distinct action, fast on a large log.
		rows, _ := tx.Query(ctx, `WITH RECURSIVE a(action) AS (
				(SELECT action FROM audit_events WHERE partner_id = $1 ORDER BY action LIMIT 1)
				UNION ALL
				SELECT (SELECT action FROM audit_events WHERE partner_id = $1 AND action > a.action ORDER BY action LIMIT 1)
				FROM a WHERE a.action IS NOT NULL)
			SELECT action FROM a WHERE action IS NOT NULL`, partnerID)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowTo[audit.Action])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit actions of partner %d: %w", partnerID, err)
	}
	return out, nil
}
