package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/secret"
)

// AuditCheckpoint is a signed statement, kept outside the database, that a chain's head was
// event Seq with hash Hash at time At. MAC is HMAC-SHA256, under a key derived from key KeyID
// of PORTAL_SECRET_KEY (which the database does not hold), of the other fields. A chain that
// no longer holds event Seq with that hash was cut short or rewritten after the checkpoint.
type AuditCheckpoint struct {
	PartnerID int64
	Seq       int64
	Hash      []byte
	At        time.Time
	KeyID     string
	MAC       []byte
}

// checkpointKeyLabel names the derived key that signs checkpoints: not the chain's key, so a
// checkpoint can never pass for an event's hash or the other way round.
const checkpointKeyLabel = "audit-checkpoint"

// checkpointTime is how a checkpoint's time is written and signed: UTC, microseconds.
const checkpointTime = "2006-01-02T15:04:05.000000Z"

// checkpointJSON is a checkpoint as one NDJSON line: hashes in hex.
type checkpointJSON struct {
	PartnerID *int64 `json:"partner_id"`
	Seq       *int64 `json:"seq"`
	Hash      string `json:"hash"`
	At        string `json:"at"`
	KeyID     string `json:"key_id"`
	MAC       string `json:"mac"`
}

// MarshalJSON writes {"partner_id", "seq", "hash", "at", "key_id", "mac"}, hashes in hex.
func (c AuditCheckpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkpointJSON{PartnerID: &c.PartnerID, Seq: &c.Seq, Hash: hex.EncodeToString(c.Hash),
		At: c.At.UTC().Format(checkpointTime), KeyID: c.KeyID, MAC: hex.EncodeToString(c.MAC)})
}

// UnmarshalJSON reads what MarshalJSON writes (other fields are ignored, so a JSON log line
// of the checkpoint reads too). A missing or malformed field is an error; an unsigned head
// (no key_id and mac, as exports made before checkpoints were signed) is ErrUnsignedCheckpoint.
func (c *AuditCheckpoint) UnmarshalJSON(b []byte) error {
	var j checkpointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.PartnerID == nil || j.Seq == nil || *j.PartnerID < 0 || *j.Seq < 0 {
		return errors.New("no partner_id and seq")
	}
	hash, err := hex.DecodeString(j.Hash)
	if err != nil || len(hash) != sha256.Size {
		return errors.New("hash is not 64 hex digits")
	}
	*c = AuditCheckpoint{PartnerID: *j.PartnerID, Seq: *j.Seq, Hash: hash, KeyID: j.KeyID}
	if j.MAC == "" && j.KeyID == "" {
		return ErrUnsignedCheckpoint
	}
	if c.At, err = time.Parse(time.RFC3339Nano, j.At); err != nil {
		return errors.New("at is not an RFC 3339 time")
	}
	if c.MAC, err = hex.DecodeString(j.MAC); err != nil || len(c.MAC) != sha256.Size {
		return errors.New("mac is not 64 hex digits")
	}
	return nil
}

// ErrUnsignedCheckpoint means a chain head carries no key id and MAC.
var ErrUnsignedCheckpoint = errors.New("unsigned chain head")

// mac returns HMAC-SHA256 of the checkpoint's signed fields under its key id's checkpoint key.
func (s *Store) checkpointMAC(c AuditCheckpoint) ([]byte, error) {
	key, err := s.keys.Derive(c.KeyID, checkpointKeyLabel)
	if err != nil {
		return nil, err
	}
	msg, err := json.Marshal([]any{"tierdesk audit checkpoint v1", c.KeyID, c.PartnerID, c.Seq,
		hex.EncodeToString(c.Hash), c.At.UTC().Format(checkpointTime)})
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil), nil
}

// SignCheckpoint returns a checkpoint of head at time at, signed with the current key.
func (s *Store) SignCheckpoint(head AuditHead, at time.Time) (AuditCheckpoint, error) {
	c := AuditCheckpoint{PartnerID: head.PartnerID, Seq: head.Seq, Hash: head.Hash,
		At: at.UTC().Truncate(time.Microsecond), KeyID: s.keys.CurrentKeyID()}
	var err error
	c.MAC, err = s.checkpointMAC(c)
	return c, err
}

// VerifyCheckpoint checks c's MAC: it fails when c names a key this portal does not hold
// (secret.ErrUnknownKey) or when any field was changed after it was signed.
func (s *Store) VerifyCheckpoint(c AuditCheckpoint) error {
	want, err := s.checkpointMAC(c)
	if errors.Is(err, secret.ErrUnknownKey) {
		return fmt.Errorf("signed with key %q, which PORTAL_SECRET_KEY does not hold: %w", c.KeyID, err)
	} else if err != nil {
		return err
	}
	if !hmac.Equal(want, c.MAC) {
		return errors.New("its MAC does not match its fields")
	}
	return nil
}

// AuditChainHeads returns the head of every chain that has events: the system chain's and
// every partner's. Row-level security shows a transaction one partner's head, so each head is
// read in its partner's own transaction.
func (s *Store) AuditChainHeads(ctx context.Context) ([]AuditHead, error) {
	partners, err := s.partnerIDs(ctx)
	if err != nil {
		return nil, err
	}
	heads := make([]AuditHead, 0, len(partners)+1)
	for _, id := range append([]int64{SystemChain}, partners...) {
		h, err := s.AuditChainHead(ctx, id)
		if err != nil {
			return heads, fmt.Errorf("read audit chain head of partner %d: %w", id, err)
		}
		if h.Seq > 0 {
			heads = append(heads, h)
		}
	}
	return heads, nil
}

// AuditEventHashes returns the stored hashes of partnerID's events with the given sequence
// numbers; an event that is not there is absent from the map.
func (s *Store) AuditEventHashes(ctx context.Context, partnerID int64, seqs []int64) (map[int64][]byte, error) {
	out := make(map[int64][]byte, len(seqs))
	err := s.inChainTx(WithScope(ctx, nil), partnerID, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT seq, hash FROM audit_seals WHERE partner_id = $1 AND seq = ANY($2)", partnerID, seqs)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var hash []byte
			if err := rows.Scan(&seq, &hash); err != nil {
				return err
			}
			out[seq] = hash
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read audit events of partner %d: %w", partnerID, err)
	}
	return out, nil
}
