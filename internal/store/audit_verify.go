package store

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ChainReport is the result of verifying one partner's audit chain.
type ChainReport struct {
	PartnerID int64
	Verified  int64 // events whose link and hash checked out, before any break
	OK        bool
	BrokenSeq int64  // the first broken event's sequence number (when not OK)
	Reason    string // why it is broken: changed, missing, reordered
}

func (r ChainReport) String() string {
	if r.OK {
		return fmt.Sprintf("partner %d: %d events verified", r.PartnerID, r.Verified)
	}
	return fmt.Sprintf("partner %d: event %d is broken: %s (%d events verified before it)", r.PartnerID, r.BrokenSeq, r.Reason, r.Verified)
}

// VerifyAudit recomputes the audit chain of partnerID (0 means every partner): each event
// must follow the one before with no gap, link to its hash, and hash to what it says. It stops
// each chain at the first broken event and says why: an event was changed (its hash does not
// match its content), is missing (a gap in the sequence, or the chain ends before its head),
// or was reordered (it does not link to the event before it).
func (s *Store) VerifyAudit(ctx context.Context, partnerID int64) ([]ChainReport, error) {
	var partners []int64
	q := "SELECT id FROM partners ORDER BY id"
	args := []any{}
	if partnerID != 0 {
		q, args = "SELECT id FROM partners WHERE id = $1", []any{partnerID}
	}
	rows, _ := s.pool.Query(ctx, q, args...)
	partners, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	if partnerID != 0 && len(partners) == 0 {
		return nil, fmt.Errorf("partner %d: %w", partnerID, ErrNotFound)
	}
	reports := make([]ChainReport, 0, len(partners))
	for _, id := range partners {
		r, err := s.verifyChain(ctx, id)
		if err != nil {
			return reports, err
		}
		reports = append(reports, r)
	}
	return reports, nil
}

func (s *Store) verifyChain(ctx context.Context, partnerID int64) (ChainReport, error) {
	r := ChainReport{PartnerID: partnerID, OK: true}
	head, err := s.AuditChainHead(ctx, partnerID)
	if err != nil {
		return r, err
	}
	err = s.inTx(ctx, partnerID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+auditColumns+" FROM audit_events WHERE partner_id = $1 ORDER BY seq", partnerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		prev := make([]byte, 32)
		want := int64(1)
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				return err
			}
			switch {
			case e.Seq != want:
				r.OK, r.BrokenSeq, r.Reason = false, want, fmt.Sprintf("missing: the chain jumps from event %d to event %d", want-1, e.Seq)
			case !bytes.Equal(e.PrevHash, prev):
				r.OK, r.BrokenSeq, r.Reason = false, e.Seq, fmt.Sprintf("reordered: it does not link to event %d before it", e.Seq-1)
			case !bytes.Equal(e.ComputeHash(), e.Hash):
				r.OK, r.BrokenSeq, r.Reason = false, e.Seq, "changed: its content does not match its hash"
			}
			if !r.OK {
				return nil
			}
			prev, want = e.Hash, want+1
			r.Verified++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		switch {
		case head.Seq > r.Verified:
			r.OK, r.BrokenSeq, r.Reason = false, r.Verified+1, fmt.Sprintf("missing: the chain ends at event %d but its head is event %d", r.Verified, head.Seq)
		case head.Seq < r.Verified:
			r.OK, r.BrokenSeq, r.Reason = false, head.Seq+1, fmt.Sprintf("the chain head says event %d is last, but it goes on to %d", head.Seq, r.Verified)
		case !bytes.Equal(head.Hash, prev):
			r.OK, r.BrokenSeq, r.Reason = false, head.Seq, "changed: the chain head's hash does not match the last event"
		}
		return nil
	})
	return r, err
}
