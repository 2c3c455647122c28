package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/input"
	"github.com/tierdesk/tierdesk/internal/secret"
)

// Outcome is how an audited action ended.
type Outcome string

// Audit outcomes.
const (
	OutcomeSucceeded Outcome = "succeeded"
	OutcomeFailed    Outcome = "failed" // with the Zoom code and message when Zoom refused
	OutcomeDenied    Outcome = "denied" // refused by Tierdesk's authorization
	OutcomePending   Outcome = "pending"
)

// AuditEvent is one entry of a partner's audit log. ID is its permanent identity, set when it
// is recorded; Seq, PrevHash and Hash are its place in the chain, set when the sequencer seals
// it (see SealAudit): an event with Seq 0 is recorded but not sealed yet ("pending").
type AuditEvent struct {
	ID          int64        `json:"id"`
	PartnerID   int64        `json:"partner_id"`
	Seq         int64        `json:"seq"`
	OccurredAt  time.Time    `json:"occurred_at"`
	StaffID     *int64       `json:"staff_id"`
	StaffEmail  string       `json:"staff_email"`
	ZoomUserID  string       `json:"zoom_user_id"`
	GrantRef    string       `json:"grant"` // which Zoom grant made the call, e.g. "user:42"
	Action      audit.Action `json:"action"`
	TargetType  string       `json:"target_type"` // customer, user, staff, grant, job, partner, session
	TargetID    string       `json:"target_id"`
	TargetLabel string       `json:"target_label"` // a name or email, for people reading the log
	CustomerID  string       `json:"customer_id"`  // Zoom account id of the customer concerned, if any
	Outcome     Outcome      `json:"outcome"`
	ZoomCode    int          `json:"zoom_code"`
	ZoomMessage string       `json:"zoom_message"`
	External    bool         `json:"external"` // seen from Zoom (webhook, sync), not made here
	RequestID   string       `json:"request_id"`
	IP          string       `json:"ip"`
	UserAgent   string       `json:"user_agent"`
	JobID       string       `json:"job_id"`
	// Details holds before/after and anything else, as a JSON object; secrets are redacted
	// before it is stored.
	Details json.RawMessage `json:"details"`
	KeyID   string          `json:"key_id"` // the key whose derived keys signed RecordMAC and Hash
	// RecordMAC is HMAC-SHA256, under the audit record key of KeyID, of the event's content and
	// ID (RecordCanonical): proof that this portal recorded it (VerifyAudit checks it). Events
	// chained at insert, before sealing was separate (migration 00019), have none.
	RecordMAC []byte `json:"record_mac"`
	PrevHash  []byte `json:"prev_hash"`
	Hash      []byte `json:"hash"`
	// Intent, when set, is the write-ahead intent (OpenIntent) this event records the outcome
	// of: appending the event closes it in the same transaction, or fails with
	// ErrIntentClosed when it was closed already (the resolver recorded it first). Not stored
	// with the event.
	Intent int64 `json:"-"`
}

// Sealed reports whether the sequencer gave e its place in the chain (Seq, PrevHash, Hash).
func (e AuditEvent) Sealed() bool { return e.Seq > 0 }

// SystemChain is the partner id of the system's own chain: events that belong to no partner,
// such as a refused sign-in of a Zoom account that is not registered.
const SystemChain int64 = 0

// auditColumns are an event's columns as scanAudit reads them, from auditFrom: its seal's (the
// place in the chain) are empty while it is not sealed.
const auditColumns = `e.id, e.partner_id, coalesce(s.seq, 0), e.occurred_at, e.staff_id, e.staff_email, e.zoom_user_id, e.grant_ref, e.action,
	e.target_type, e.target_id, e.target_label, e.customer_id, e.outcome, e.zoom_code, e.zoom_message, e.external, e.request_id, e.ip,
	e.user_agent, e.job_id, e.details::text, e.key_id, e.record_mac, s.prev_hash, s.hash`

// auditFrom is every event with its seal, if it has one.
const auditFrom = "audit_events e LEFT JOIN audit_seals s ON s.event_id = e.id"

func scanAudit(row pgx.CollectableRow) (AuditEvent, error) {
	var e AuditEvent
	var details string
	err := row.Scan(&e.ID, &e.PartnerID, &e.Seq, &e.OccurredAt, &e.StaffID, &e.StaffEmail, &e.ZoomUserID, &e.GrantRef, &e.Action,
		&e.TargetType, &e.TargetID, &e.TargetLabel, &e.CustomerID, &e.Outcome, &e.ZoomCode, &e.ZoomMessage, &e.External,
		&e.RequestID, &e.IP, &e.UserAgent, &e.JobID, &details, &e.KeyID, &e.RecordMAC, &e.PrevHash, &e.Hash)
	e.Details = json.RawMessage(details)
	return e, err
}

// contentFields are the fields every canonical form covers, after its version tag, key id and
// partner: what happened, who did it, to what.
func (e AuditEvent) contentFields() []any {
	var staff any
	if e.StaffID != nil {
		staff = *e.StaffID
	}
	return []any{e.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000Z"), staff,
		e.StaffEmail, e.ZoomUserID, e.GrantRef, e.Action, e.TargetType, e.TargetID, e.TargetLabel, e.CustomerID,
		string(e.Outcome), e.ZoomCode, e.ZoomMessage, e.External, e.RequestID, e.IP, e.UserAgent, e.JobID,
		json.RawMessage(e.Details)}
}

func marshalCanonical(e AuditEvent, head ...any) ([]byte, error) {
	b, err := json.Marshal(append(head, e.contentFields()...))
	if err != nil {
		return nil, fmt.Errorf("canonical form of audit event %d: %w", e.ID, err)
	}
	return b, nil
}

// Canonical is the byte string an event's chain hash covers, as a JSON array in fixed order.
// For an event recorded with a record MAC ("v3") that is its key id, partner, place in the
// chain, permanent id and record MAC: the record MAC covers the content (RecordCanonical), so
// the chain covers it through that, and the sequencer seals without reading the content. For
// one chained at insert before sealing was separate ("v2"), it is its key id, partner, place
// and every stored field of its content, times in UTC with microseconds (what PostgreSQL
// keeps). It fails only for details that are not valid JSON (a row changed behind the
// portal's back).
func (e AuditEvent) Canonical() ([]byte, error) {
	if e.RecordMAC == nil {
		return marshalCanonical(e, "v2", e.KeyID, e.PartnerID, e.Seq)
	}
	b, err := json.Marshal([]any{"v3", e.KeyID, e.PartnerID, e.Seq, e.ID, hex.EncodeToString(e.RecordMAC)})
	if err != nil {
		return nil, fmt.Errorf("canonical form of audit event %d: %w", e.ID, err)
	}
	return b, nil
}

// RecordCanonical is the byte string an event's record MAC covers: its key id, partner,
// permanent id and content, with no place in the chain (it has none when it is recorded).
func (e AuditEvent) RecordCanonical() ([]byte, error) {
	return marshalCanonical(e, "record-v3", e.KeyID, e.PartnerID, e.ID)
}

// auditKeyLabel names the derived key that signs audit chains.
const auditKeyLabel = "audit-chain"

// recordKeyLabel names the derived key that signs recorded events (record MACs): not the
// chain's key, so that a record MAC can never pass for a chain hash or the other way round.
const recordKeyLabel = "audit-record"

// ComputeHash returns HMAC-SHA256(audit key of e.KeyID, prev_hash || Canonical(e)): what
// Hash must be. The audit key is derived from PORTAL_SECRET_KEY, which the database does not
// hold, so someone who changes rows cannot recompute the chain. It fails for an unknown key
// or unreadable details.
func (e AuditEvent) ComputeHash(keys *secret.Keyring) ([]byte, error) {
	key, err := keys.Derive(e.KeyID, auditKeyLabel)
	if err != nil {
		return nil, err
	}
	c, err := e.Canonical()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write(e.PrevHash)
	m.Write(c)
	return m.Sum(nil), nil
}

// ComputeRecordMAC returns HMAC-SHA256(audit record key of e.KeyID, RecordCanonical(e)): what
// RecordMAC must be. Without PORTAL_SECRET_KEY nobody can make one, so an event written into
// the table by anyone but the portal (which the sequencer would seal like any other) is
// caught by VerifyAudit; and since it covers the id, a recorded event copied into a new row
// is caught too. It fails for an unknown key or unreadable details.
func (e AuditEvent) ComputeRecordMAC(keys *secret.Keyring) ([]byte, error) {
	key, err := keys.Derive(e.KeyID, recordKeyLabel)
	if err != nil {
		return nil, err
	}
	c, err := e.RecordCanonical()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write(c)
	return m.Sum(nil), nil
}

// secretKey matches keys whose values must never reach the audit log.
var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|authorization|api[_-]?key|credential|code_verifier)`)

// Redacted is what a secret value becomes in the audit log.
const Redacted = "[redacted]"

// RedactDetails returns details as canonical JSON (object keys sorted, numbers as written)
// with the value of every key that looks like a secret replaced by Redacted, at any depth.
// Anything that is not a JSON object becomes {"value": ...}.
func RedactDetails(details any) (json.RawMessage, error) {
	raw, ok := details.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(details); err != nil {
			return nil, fmt.Errorf("audit details: %w", err)
		}
	}
	m, err := detailsObject(raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(redact(m))
}

// detailsObject decodes audit details as an object (numbers as written): empty or null is
// {}, anything that is not an object becomes {"value": ...}.
func detailsObject(raw json.RawMessage) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("audit details: %w", err)
	}
	if m, isObject := v.(map[string]any); isObject {
		return m, nil
	}
	return map[string]any{"value": v}, nil
}

func redact(v any) any {
	switch t := v.(type) {
	case string:
		return input.Safe(t)
	case map[string]any:
		for k, val := range t {
			if sk := input.Safe(k); sk != k {
				delete(t, k)
				k = sk
			}
			if secretKey.MatchString(k) {
				if val != nil && val != "" {
					t[k] = Redacted
				}
				continue
			}
			t[k] = redact(val)
		}
	case []any:
		for i := range t {
			t[i] = redact(t[i])
		}
	}
	return v
}

// appendAudit records e in its partner's log inside tx and returns it as recorded: with its
// permanent ID, not sealed yet (Seq 0; the sequencer gives it its place in the chain once tx
// has committed, see SealAudit). When e concerns the own Zoom account of a partner directly
// below e's partner (a distributor changing a reseller primary, which is its sub account), the
// event is also recorded for that partner, in the same transaction: the partner whose account
// it is sees it too, with the acting partner named and the acting partner's event by its id
// (see ownAccountOf). Denied events are not copied: nothing was done.
//
// Under a delegation (WithDelegation), an event of its owner is recorded in the owner's log
// naming the delegation and who acted (no staff id: staff ids are per partner), and copied to
// the delegate's log with the acting staff member (delegatedCopy).
func (s *Store) appendAudit(ctx context.Context, tx pgx.Tx, e AuditEvent) (AuditEvent, error) {
	if d := DelegationFrom(ctx); d != nil && e.PartnerID == d.OwnerPartnerID {
		return s.delegatedCopy(ctx, tx, d, e)
	}
	below, err := s.ownAccountOf(ctx, tx, e)
	if err != nil {
		return e, err
	}
	if below.id == 0 {
		out, err := s.appendOne(ctx, tx, e)
		if err != nil {
			return out, err
		}
		return out, closeIntent(ctx, tx, out)
	}
	copied := e
	if e.Details, err = withDetails(e.Details, map[string]any{"also_recorded_for": map[string]any{"partner_id": below.id, "partner": below.name}}); err != nil {
		return e, err
	}
	out, err := s.appendOne(ctx, tx, e)
	if err != nil {
		return out, err
	}
	if err := closeIntent(ctx, tx, out); err != nil {
		return out, err
	}
	copied.StaffID = nil
	if copied.Details, err = withDetails(copied.Details, map[string]any{
		"acting_partner": map[string]any{"partner_id": out.PartnerID, "partner": below.parentName}}); err != nil {
		return out, err
	}
	return out, s.appendCopy(ctx, tx, out, copied, below.id)
}

// appendCopy records cp, a copy of out (recorded just now in tx, for out.PartnerID), in the log
// of partner: same time, no intent (out closes it), and copy_of naming out by its permanent
// id. tx acts for that partner for the one insert and then for out's partner again (under a
// delegation: as its delegate, see setActingPartner).
func (s *Store) appendCopy(ctx context.Context, tx pgx.Tx, out, cp AuditEvent, partner int64) error {
	var err error
	cp.ID, cp.PartnerID, cp.OccurredAt, cp.Intent = 0, partner, out.OccurredAt, 0
	if cp.Details, err = withDetails(cp.Details, map[string]any{"copy_of": map[string]any{"partner_id": out.PartnerID, "event": out.ID}}); err != nil {
		return err
	}
	if err := setActingPartner(ctx, tx, partner); err != nil {
		return err
	}
	if _, err := s.appendOne(ctx, tx, cp); err != nil {
		return fmt.Errorf("copy audit event to the log of partner %d: %w", partner, err)
	}
	return setActingPartner(ctx, tx, out.PartnerID)
}

// delegatedCopy records e, an event of d's owner made under d, in the owner's log and in the
// delegate's, in tx (acting under d): each names the delegation, the person and both
// partners; the delegate's copy carries the acting staff member's id and points at the owner's
// event, which closes e's intent.
func (s *Store) delegatedCopy(ctx context.Context, tx pgx.Tx, d *ActiveDelegation, e AuditEvent) (AuditEvent, error) {
	var err error
	e.StaffID = nil
	if d.StaffEmail != "" {
		e.StaffEmail = d.StaffEmail
	}
	facts := map[string]any{"id": d.ID, "role": string(d.Role), "owner_partner_id": d.OwnerPartnerID, "owner": d.OwnerName,
		"delegate_partner_id": d.DelegatePartnerID, "delegate": d.DelegateName, "staff_email": e.StaffEmail}
	if e.Details, err = withDetails(e.Details, map[string]any{"under_delegation": facts}); err != nil {
		return e, err
	}
	out, err := s.appendOne(ctx, tx, e)
	if err != nil {
		return out, err
	}
	if err := closeIntent(ctx, tx, out); err != nil {
		return out, err
	}
	cp := e
	if d.StaffID != 0 {
		id := d.StaffID
		cp.StaffID = &id
	}
	return out, s.appendCopy(ctx, tx, out, cp, d.DelegatePartnerID)
}

// partnerBelow is a partner registered directly below another one.
type partnerBelow struct {
	id               int64
	name, parentName string
}

// ownAccountOf returns the partner whose own Zoom account e concerns, when that partner is
// directly below e's partner (its account is one of e's partner's sub accounts) and e records
// a change e's partner made or tried at Zoom (an action that ChangesZoom, not denied and not
// seen from Zoom); else a zero partnerBelow.
func (s *Store) ownAccountOf(ctx context.Context, tx pgx.Tx, e AuditEvent) (partnerBelow, error) {
	var b partnerBelow
	if e.CustomerID == "" || e.PartnerID == SystemChain || e.Outcome == OutcomeDenied || e.External || !e.Action.ChangesZoom() {
		return b, nil
	}
	err := tx.QueryRow(ctx, `SELECT c.id, c.name, p.name FROM partners c JOIN partners p ON p.id = c.parent_id
		WHERE c.zoom_account_id = $1 AND c.parent_id = $2`, e.CustomerID, e.PartnerID).Scan(&b.id, &b.name, &b.parentName)
	if errors.Is(err, pgx.ErrNoRows) {
		return partnerBelow{}, nil
	}
	if err != nil {
		return b, fmt.Errorf("look up the partner of account %s: %w", e.CustomerID, err)
	}
	return b, nil
}

// withDetails returns details with the keys of add set.
func withDetails(details json.RawMessage, add map[string]any) (json.RawMessage, error) {
	m, err := detailsObject(details)
	if err != nil {
		return nil, err
	}
	maps.Copy(m, add)
	return json.Marshal(m)
}

// appendOne records e in its partner's log inside tx, unsealed: a permanent id drawn from the
// table's identity, the content, and the record MAC over both (ComputeRecordMAC). It takes no
// lock: writers of one partner do not wait on each other nor on the sequencer, which seals the
// event after tx commits (the store wakes its sequencer then, see recordTx). Text that
// PostgreSQL cannot hold (invalid UTF-8, NUL: a refused probe's value) is stored escaped, so
// that no event is lost to it.
func (s *Store) appendOne(ctx context.Context, tx pgx.Tx, e AuditEvent) (AuditEvent, error) {
	if e.Action == "" || e.Outcome == "" {
		return e, fmt.Errorf("audit event %q of partner %d needs an action and an outcome", e.Action, e.PartnerID)
	}
	details, err := RedactDetails(e.Details)
	if err != nil {
		return e, err
	}
	e.Details = details
	e.Action = audit.Action(input.Safe(string(e.Action)))
	for _, f := range []*string{&e.StaffEmail, &e.ZoomUserID, &e.GrantRef, &e.TargetType, &e.TargetID,
		&e.TargetLabel, &e.CustomerID, &e.ZoomMessage, &e.RequestID, &e.IP, &e.UserAgent, &e.JobID} {
		*f = input.Safe(*f)
	}
	e.ZoomMessage = truncate(e.ZoomMessage, 1000)
	e.UserAgent = truncate(e.UserAgent, 500)
	e.RequestID = truncate(e.RequestID, 100)
	if e.OccurredAt.IsZero() {
		e.OccurredAt = s.now()
	}
	e.OccurredAt = e.OccurredAt.UTC().Truncate(time.Microsecond)
	e.Seq, e.PrevHash, e.Hash = 0, nil, nil
	if e.ID == 0 {
		if err := tx.QueryRow(ctx, "SELECT nextval('audit_events_id_seq')").Scan(&e.ID); err != nil {
			return e, fmt.Errorf("draw an audit event id: %w", err)
		}
	}
	e.KeyID = s.keys.CurrentKeyID()
	if e.RecordMAC, err = e.ComputeRecordMAC(s.keys); err != nil {
		return e, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_events (id, partner_id, occurred_at, staff_id, staff_email, zoom_user_id, grant_ref,
			action, target_type, target_id, target_label, customer_id, outcome, zoom_code, zoom_message, external, request_id,
			ip, user_agent, job_id, details, key_id, record_mac)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
		e.ID, e.PartnerID, e.OccurredAt, e.StaffID, e.StaffEmail, e.ZoomUserID, e.GrantRef, e.Action, e.TargetType,
		e.TargetID, e.TargetLabel, e.CustomerID, e.Outcome, e.ZoomCode, e.ZoomMessage, e.External, e.RequestID, e.IP,
		e.UserAgent, e.JobID, string(e.Details), e.KeyID, e.RecordMAC)
	if err != nil {
		return e, fmt.Errorf("append audit event: %w", err)
	}
	s.recorded(tx, e.PartnerID)
	return e, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Audit records an event that goes with no other local change (a denial, a sign-in, a Zoom
// call that failed), in its own transaction, and returns it as recorded (with its ID, not
// sealed yet). PartnerID SystemChain writes to the system chain.
func (s *Store) Audit(ctx context.Context, e AuditEvent) (AuditEvent, error) {
	var out AuditEvent
	err := s.beginTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		// The acting partner and the event's id in one round trip.
		partner, delegation := actingSettings(ctx, e.PartnerID)
		if err := tx.QueryRow(ctx, "SELECT nextval('audit_events_id_seq'), set_config('tierdesk.partner_id', $1, true), set_config('tierdesk.delegation', $2, true)",
			partner, delegation).Scan(&e.ID, new(string), new(string)); err != nil {
			return err
		}
		var err error
		out, err = s.appendAudit(ctx, tx, e)
		return err
	})
	return out, err
}

// AuditHead is the last event of a partner's chain.
type AuditHead struct {
	PartnerID int64
	Seq       int64
	Hash      []byte
}

// AuditChainHead returns partnerID's chain head (seq 0 and a zero hash before any event).
func (s *Store) AuditChainHead(ctx context.Context, partnerID int64) (AuditHead, error) {
	h := AuditHead{PartnerID: partnerID, Hash: make([]byte, sha256.Size)}
	err := s.inChainTx(WithScope(ctx, nil), partnerID, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_heads WHERE partner_id = $1", partnerID).Scan(&h.Seq, &h.Hash)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	return h, err
}

// inChainTx runs fn in a transaction acting for an audit chain's partner, the system chain
// (SystemChain) included, within ctx's scope (a member limited to groups reads the events of
// their customers and those about no customer; the chain's own work drops the scope).
func (s *Store) inChainTx(ctx context.Context, partnerID int64, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	return s.beginTx(ctx, opts, func(tx pgx.Tx) error {
		if err := setActing(ctx, tx, partnerID); err != nil {
			return err
		}
		return fn(tx)
	})
}

// mustJSON encodes details made of plain values.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
