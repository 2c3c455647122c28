package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"errors"
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
	HeadSeq   int64  // the chain head verified against
	HeadHash  []byte
	// Pending counts the events recorded but not sealed yet when the chain was read: they
	// have no place in the chain to verify, and are no break (the sequencer seals them).
	Pending int64
}

// ChainName names a chain in messages: "partner 3", or "system chain".
func ChainName(partnerID int64) string {
	if partnerID == SystemChain {
		return "system chain"
	}
	return fmt.Sprintf("partner %d", partnerID)
}

// String describes the report in one line.
func (r ChainReport) String() string {
	who := ChainName(r.PartnerID)
	if r.OK {
		pending := ""
		if r.Pending > 0 {
			pending = fmt.Sprintf(" (%d recorded events still sealing)", r.Pending)
		}
		return fmt.Sprintf("%s: %d events verified, head %x%s", who, r.Verified, r.HeadHash, pending)
	}
	return fmt.Sprintf("%s: event %d is broken: %s (%d events verified before it)", who, r.BrokenSeq, r.Reason, r.Verified)
}

// VerifyAudit recomputes the audit chain of partnerID (0 means every partner, and the system
// chain): each event must follow the one before with no gap, link to its hash, and carry the
// keyed hash of its content. It stops each chain at the first broken event and says why: an
// event was changed (its hash does not match its content, or was not signed with a key this
// portal holds), is missing (a gap in the sequence, or the chain ends before its head), or
// was reordered (it does not link to the event before it). An event recorded since sealing was
// separate must also carry the record MAC this portal gave it (one written into the table by
// anyone else, then sealed like any other, is "changed"). Each chain is read from one
// snapshot, so appends made meanwhile are not mistaken for breaks; events recorded and not
// sealed yet are counted as pending (ChainReport.Pending), not verified.
func (s *Store) VerifyAudit(ctx context.Context, partnerID int64) ([]ChainReport, error) {
	var partners []int64
	if partnerID != 0 {
		if _, err := s.Partner(ctx, partnerID); err != nil {
			return nil, err
		}
		partners = []int64{partnerID}
	} else {
		var err error
		if partners, err = s.partnerIDs(ctx); err != nil {
			return nil, err
		}
		head, err := s.AuditChainHead(ctx, SystemChain)
		if err != nil {
			return nil, err
		}
		if head.Seq > 0 {
			partners = append([]int64{SystemChain}, partners...)
		}
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
	r := ChainReport{PartnerID: partnerID, OK: true, HeadHash: make([]byte, 32)}
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := s.inChainTx(WithScope(ctx, nil), partnerID, opts, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_heads WHERE partner_id = $1", partnerID).Scan(&r.HeadSeq, &r.HeadHash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_events e WHERE e.partner_id = $1
			AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)`, partnerID).Scan(&r.Pending); err != nil {
			return err
		}
		// A seal whose event is gone is a gap: the join leaves it out.
		rows, err := tx.Query(ctx, "SELECT "+auditColumns+" FROM audit_seals s JOIN audit_events e ON e.id = s.event_id WHERE s.partner_id = $1 ORDER BY s.seq", partnerID)
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
			if e.Seq > r.HeadSeq && e.Seq == want {
				r.OK, r.BrokenSeq, r.Reason = false, r.HeadSeq+1, fmt.Sprintf("the chain head says event %d is last, but it goes on to %d", r.HeadSeq, e.Seq)
				return nil
			}
			switch hash, herr := e.ComputeHash(s.keys); {
			case e.Seq != want:
				r.OK, r.BrokenSeq, r.Reason = false, want, fmt.Sprintf("missing: the chain jumps from event %d to event %d", want-1, e.Seq)
			case !bytes.Equal(e.PrevHash, prev):
				r.OK, r.BrokenSeq, r.Reason = false, e.Seq, fmt.Sprintf("reordered: it does not link to event %d before it", e.Seq-1)
			case herr != nil:
				r.OK, r.BrokenSeq, r.Reason = false, e.Seq, "changed: "+herr.Error()
			case !bytes.Equal(hash, e.Hash):
				r.OK, r.BrokenSeq, r.Reason = false, e.Seq, "changed: its content does not match its signed hash"
			case e.RecordMAC != nil:
				if mac, err := e.ComputeRecordMAC(s.keys); err != nil || !hmac.Equal(mac, e.RecordMAC) {
					r.OK, r.BrokenSeq, r.Reason = false, e.Seq, "changed: it does not carry the record MAC this portal gives what it records (written by someone else, or changed before it was sealed)"
				}
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
		case r.HeadSeq > r.Verified:
			r.OK, r.BrokenSeq, r.Reason = false, r.Verified+1, fmt.Sprintf("missing: the chain ends at event %d but its head is event %d", r.Verified, r.HeadSeq)
		case !bytes.Equal(r.HeadHash, prev):
			r.OK, r.BrokenSeq, r.Reason = false, r.HeadSeq, "changed: the chain head's hash does not match the last event"
		}
		return nil
	})
	return r, err
}

// CheckAnchor reports whether partnerID's chain still contains event seq with the given hash
// (an anchor kept outside the database: an export's trailer, a logged head). A chain that was
// cut short or rewritten, even consistently, fails it.
func (s *Store) CheckAnchor(ctx context.Context, partnerID, seq int64, hash []byte) error {
	hashes, err := s.AuditEventHashes(ctx, partnerID, []int64{seq})
	got, found := hashes[seq]
	switch {
	case err != nil:
		return err
	case !found:
		return fmt.Errorf("anchor %d:%d:%x: event %d is missing", partnerID, seq, hash, seq)
	case !bytes.Equal(got, hash):
		return fmt.Errorf("anchor %d:%d:%x: event %d now has hash %x", partnerID, seq, hash, seq, got)
	}
	return nil
}
