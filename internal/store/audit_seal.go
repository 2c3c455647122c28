package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/secret"
)

// The audit log is written in two steps (see ARCHITECTURE.md, "The audit log"):
//
//  1. Recording (appendOne): the changing transaction inserts the event with a permanent id,
//     its content, its record MAC and (by default) the id of the transaction, and nothing of
//     the chain. No lock is taken; writers of one partner never wait on each other or on the
//     chain. audit_events is append-only: an event is never updated.
//  2. Sealing (SealAudit, run by the sequencer StartAuditSealer starts): one transaction per
//     round, holding each chain's sequencer lock, reads the chain head and the chain's events
//     that have no seal yet, as committed at that moment, in id order, and inserts their seals
//     (the next sequence numbers and their hashes) into audit_seals in one statement; the
//     database checks that they continue the head and moves it, and an event can have only
//     one seal (migrations/00019_audit_sealing.sql).
//
// What is sealed is what the sealing transaction sees committed. An event whose transaction
// commits later, whatever its id, is found by a later pass: a pass looks at the events
// without a seal recorded by transactions not older than the chain's sweep mark, and moves the
// mark only to the oldest transaction still running when it read (pg_snapshot_xmin), before
// which every transaction has ended: their events were all read (and sealed) or rolled back.
// So no late commit is ever skipped, and the mark spares each pass the rest of the log. The
// chain is in commit order between rounds and in id order within one.

// sealLockKey is the advisory lock class of a chain's sequencer (the chain's partner id is the
// other half of the key): one sequencer per chain at a time, across processes.
const sealLockKey = 7270001

// sealBatch is the most events one sealing transaction seals.
const sealBatch = 1000

// sealNotes are the chains in which this Store recorded events that its sequencer has not
// sealed yet, and the signals between writers, the sequencer and those waiting for it.
type sealNotes struct {
	mu    sync.Mutex
	dirty map[int64]struct{}
	wake  chan struct{} // one token: something was noted
	round chan struct{} // closed when a sealing round ends, then replaced
	// Sweep marks (see sealTx): this Store's, and when each was last written to audit_sweeps.
	marks     map[int64]string
	persisted map[int64]time.Time
}

func newSealNotes() *sealNotes {
	return &sealNotes{dirty: map[int64]struct{}{}, wake: make(chan struct{}, 1), round: make(chan struct{}),
		marks: map[int64]string{}, persisted: map[int64]time.Time{}}
}

// note marks chains as holding committed events to seal, and wakes the sequencer.
func (n *sealNotes) note(chains ...int64) {
	n.mu.Lock()
	for _, c := range chains {
		n.dirty[c] = struct{}{}
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// take returns the noted chains and forgets them.
func (n *sealNotes) take() []int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]int64, 0, len(n.dirty))
	for c := range n.dirty {
		out = append(out, c)
	}
	clear(n.dirty)
	slices.Sort(out)
	return out
}

// mark returns the sweep mark this Store keeps for chain ("0" when it has none).
func (n *sealNotes) mark(chain int64) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if m, ok := n.marks[chain]; ok {
		return m
	}
	return "0"
}

// setMarks moves the sweep marks of chains forward (never back), once their round committed.
func (n *sealNotes) setMarks(marks map[int64]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for c, m := range marks {
		if old, ok := n.marks[c]; !ok || xidAfter(m, old) {
			n.marks[c] = m
		}
	}
}

// persistDue reports whether chain's sweep mark is to be written now (five seconds after it
// last was), and counts it as written.
func (n *sealNotes) persistDue(chain int64) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if time.Since(n.persisted[chain]) < 5*time.Second {
		return false
	}
	n.persisted[chain] = time.Now()
	return true
}

// roundEnded returns a channel closed when the sequencer's current round ends.
func (n *sealNotes) roundEnded() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.round
}

func (n *sealNotes) endRound() {
	n.mu.Lock()
	close(n.round)
	n.round = make(chan struct{})
	n.mu.Unlock()
}

// recordTx is a transaction the store began: it remembers the chains it recorded audit events
// in, so that the store wakes its sequencer once the transaction has committed (not before:
// a sequencer that ran before the commit would not see the events).
type recordTx struct {
	pgx.Tx
	chains []int64
}

// beginTx runs fn in a transaction and commits it; once committed, the chains fn recorded
// audit events in are handed to the sequencer.
func (s *Store) beginTx(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) (err error) {
	ctx, end := txSpan(ctx, "tx", 0)
	defer func() { end(err) }()
	var rt *recordTx
	err = pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		rt = &recordTx{Tx: tx}
		return fn(rt)
	})
	if err == nil && rt != nil && len(rt.chains) > 0 {
		s.sealing.note(rt.chains...)
	}
	return err
}

// recorded notes that tx recorded an event in partnerID's chain.
func (s *Store) recorded(tx pgx.Tx, partnerID int64) {
	if rt, ok := tx.(*recordTx); ok {
		if !slices.Contains(rt.chains, partnerID) {
			rt.chains = append(rt.chains, partnerID)
		}
		return
	}
	// A transaction the store did not begin (a savepoint): its commit is not seen here. The
	// chain is noted at once; should the sequencer pass before the commit, its periodic sweep
	// finds the event.
	s.sealing.note(partnerID)
}

// SealResult is what a sealing pass did.
type SealResult struct {
	Sealed int // events given their place in the chain
	// Suspect lists the events sealed as found although they carry no record MAC (written into
	// the table by someone else) or could not be hashed (a key this portal does not hold):
	// VerifyAudit reports the chain broken at the first of them. (A record MAC that does not
	// fit its event is VerifyAudit's to find: the sequencer does not read the content.)
	Suspect []string
	// Lags are, for each event sealed, the time from when it was recorded to its seal's commit.
	Lags []time.Duration
}

// SealAudit seals partnerID's chain (SystemChain included): every event recorded and committed
// before the call is given its place, in batches of at most 1,000 events, each batch in one
// transaction. It waits for another sequencer of the same chain (another process) to finish
// first. A failed batch leaves its events unsealed, as they were, for the next pass: nothing is
// ever sealed twice (the database takes one seal per event, each continuing the head) nor
// skipped.
func (s *Store) SealAudit(ctx context.Context, partnerID int64) (SealResult, error) {
	var total SealResult
	for {
		r, full, err := s.sealTx(ctx, []int64{partnerID}, sealBatch)
		total.Sealed += r.Sealed
		total.Suspect = append(total.Suspect, r.Suspect...)
		total.Lags = append(total.Lags, r.Lags...)
		if err != nil || len(full) == 0 {
			return total, err
		}
	}
}

// sealTx seals at most limit unsealed events of each chain in one transaction and one INSERT
// (one durable commit, and one check by the database, for them all), holding the chains'
// sequencer locks, taken in ascending order (so that two sequencers sealing several chains
// never deadlock). It returns the chains whose batch was full (more may wait).
func (s *Store) sealTx(ctx context.Context, chains []int64, limit int) (SealResult, []int64, error) {
	var r SealResult
	var full []int64
	var sealed []AuditEvent
	var marks map[int64]string
	chains = slices.Compact(slices.Sorted(slices.Values(chains)))
	lockKeys := make([]int32, len(chains))
	for i, c := range chains {
		lockKeys[i] = int32(c)
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		r, full, sealed = SealResult{}, nil, nil
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::int[]) AS k", sealLockKey, lockKeys); err != nil {
			return fmt.Errorf("lock the audit sequencers: %w", err)
		}
		// Read Committed: each statement sees every transaction committed before it, the
		// previous sequencers' (whose locks these waited for) included.
		reads := make([]chainRead, len(chains))
		b := &pgx.Batch{}
		for i, id := range chains {
			reads[i].partnerID = id
			b.Queue("SELECT set_config('tierdesk.partner_id', $1, true)", strconv.FormatInt(id, 10))
			b.Queue(unsealedSQL, id, limit, s.sealing.mark(id)).Query(reads[i].scan)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("read the unsealed audit events: %w", err)
		}
		var partners, ids, seqs []int64
		var prevs, hashes [][]byte
		b = &pgx.Batch{}
		marks = map[int64]string{}
		for _, c := range reads {
			suspect := c.seal(s.keys)
			r.Suspect = append(r.Suspect, suspect...)
			for _, e := range c.events {
				partners, ids, seqs, prevs, hashes = append(partners, e.PartnerID), append(ids, e.ID), append(seqs, e.Seq),
					append(prevs, e.PrevHash), append(hashes, e.Hash)
			}
			sealed = append(sealed, c.events...)
			if len(c.events) == limit {
				full = append(full, c.partnerID)
			} else if xidAfter(c.horizon, c.swept) {
				// Everything recorded before the horizon is sealed once this commits: the next
				// pass may start there. (After a full batch, events before it may remain.) This
				// Store keeps the mark, and writes it for others (another process, the next
				// start) every few seconds: a stale mark costs a pass more reading, nothing else.
				marks[c.partnerID] = c.horizon
				if s.sealing.persistDue(c.partnerID) {
					b.Queue("SELECT set_config('tierdesk.partner_id', $1, true)", strconv.FormatInt(c.partnerID, 10))
					b.Queue(`INSERT INTO audit_sweeps (partner_id, swept_xid) VALUES ($1, $2::xid8)
						ON CONFLICT (partner_id) DO UPDATE SET swept_xid = greatest(audit_sweeps.swept_xid, EXCLUDED.swept_xid)`,
						c.partnerID, c.horizon)
				}
			}
		}
		if len(ids) > 0 {
			// The database checks that each chain's seals continue its head, and moves it.
			b.Queue(`INSERT INTO audit_seals (partner_id, seq, event_id, prev_hash, hash)
				SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[], $5::bytea[])`,
				partners, seqs, ids, prevs, hashes)
		}
		if b.Len() > 0 {
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return fmt.Errorf("seal %d audit events: %w", len(ids), err)
			}
		}
		return nil
	})
	if err != nil {
		return SealResult{}, nil, err
	}
	s.sealing.setMarks(marks)
	done := time.Now()
	r.Sealed = len(sealed)
	for _, e := range sealed {
		r.Lags = append(r.Lags, done.Sub(e.OccurredAt))
	}
	return r, full, nil
}

// unsealedSQL reads a chain's head and its events without a seal recorded by transactions not
// older than the chain's sweep mark (the later of the stored one and $3, this Store's), and, from the same snapshot, the oldest transaction still
// running: every event recorded by an older one is committed (and read here) or was rolled
// back. Only what the chain hash covers (Canonical) is read, not the content, which the record
// MAC covers.
const unsealedSQL = `SELECT h.horizon::text, h.swept::text, h.head_seq, h.head_hash, u.id, u.occurred_at, u.key_id, u.record_mac
	FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon,
			greatest($3::xid8, coalesce((SELECT swept_xid FROM audit_sweeps WHERE partner_id = $1), '0'::xid8)) AS swept,
			coalesce((SELECT seq FROM audit_heads WHERE partner_id = $1), 0) AS head_seq,
			coalesce((SELECT hash FROM audit_heads WHERE partner_id = $1), decode(repeat('00', 32), 'hex')) AS head_hash) h
		LEFT JOIN LATERAL (SELECT e.id, e.occurred_at, e.key_id, e.record_mac FROM audit_events e
			WHERE e.partner_id = $1 AND e.xid >= h.swept AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)
			ORDER BY e.id LIMIT $2) u ON true`

// chainRead is what a sealing transaction read of one chain.
type chainRead struct {
	partnerID      int64
	horizon, swept string // transaction ids, as text
	head           AuditHead
	events         []AuditEvent
}

func (c *chainRead) scan(rows pgx.Rows) error {
	for rows.Next() {
		var id *int64
		var at *time.Time
		var keyID *string
		var mac []byte
		if err := rows.Scan(&c.horizon, &c.swept, &c.head.Seq, &c.head.Hash, &id, &at, &keyID, &mac); err != nil {
			return err
		}
		if id != nil {
			c.events = append(c.events, AuditEvent{ID: *id, PartnerID: c.partnerID, OccurredAt: *at, KeyID: *keyID, RecordMAC: mac})
		}
	}
	return rows.Err()
}

// seal gives c's events their places after its head, in id order, and their hashes, and
// returns what looked suspect.
func (c *chainRead) seal(keys *secret.Keyring) (suspect []string) {
	prev, seq := c.head.Hash, c.head.Seq
	for i := range c.events {
		e := &c.events[i]
		seq++
		e.Seq, e.PrevHash = seq, prev
		hash, err := e.ComputeHash(keys)
		if e.RecordMAC == nil {
			// Only events chained before sealing was separate have no record MAC, and they
			// are all sealed: this one was written by someone else. It must not get the hash
			// such an event would have. (A record MAC that does not match its content is
			// VerifyAudit's to find: the sequencer does not read the content.)
			err = errors.New("it has no record MAC")
		}
		if err != nil {
			// An event no key of this portal can hash (a key it does not hold, no record
			// MAC): it still takes its place, with a hash that cannot verify.
			suspect = append(suspect, fmt.Sprintf("%s: event id %d cannot be sealed as recorded: %v", ChainName(c.partnerID), e.ID, err))
			hash = make([]byte, sha256.Size)
		}
		e.Hash = hash
		prev = hash
	}
	return suspect
}

// xidAfter reports whether transaction id a (as text) is after b.
func xidAfter(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	return errA == nil && errB == nil && x > y
}

// SealerOptions tunes the sequencer StartAuditSealer runs.
type SealerOptions struct {
	// Sweep is how often every chain is looked at for events left unsealed by someone else (a
	// process that died between recording and sealing, a transaction this Store did not
	// begin); 0 means 2 seconds. Events this Store records are sealed as soon as their
	// transaction commits.
	Sweep time.Duration
	// Every is the shortest time between the starts of two sealing rounds, so that under load
	// a round seals what several commits recorded; 0 means 200 ms.
	Every time.Duration
	// Log receives the sequencer's errors and suspect events; nil discards them.
	Log *slog.Logger
	// Observe, when set, is called with each sealed event's lag: the time from its recording
	// to its seal's commit.
	Observe func(lag time.Duration)
}

// StartAuditSealer starts the sequencer of this Store: a goroutine that seals the chains in
// which the Store recorded events, as soon as each recording transaction has committed, and
// every chain that holds unsealed events every Sweep. Any number of processes may run one on
// the same database: each chain is sealed by one of them at a time. stop seals every chain's
// events committed until then and returns when the goroutine has ended; cancelling ctx ends it
// without that last pass.
func (s *Store) StartAuditSealer(ctx context.Context, o SealerOptions) (stop func()) {
	if o.Sweep <= 0 {
		o.Sweep = 2 * time.Second
	}
	if o.Every <= 0 {
		o.Every = 200 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sweep := time.NewTicker(o.Sweep)
		defer sweep.Stop()
		retry := time.NewTimer(time.Hour)
		retry.Stop()
		failures := 0
		var lastRound time.Time
		for {
			var chains []int64
			select {
			case <-ctx.Done():
				return
			case <-quit:
				// The last pass: every chain left with unsealed events, not only this
				// Store's, so that the heads a stopping process leaves (and checkpoints)
				// hold everything committed before.
				found, err := s.unsealedChains(ctx)
				if err != nil && ctx.Err() == nil {
					o.Log.Error("audit sequencer: look for unsealed events", "error", err)
				}
				chains := append(s.sealing.take(), found...)
				for len(chains) > 0 {
					var more []int64
					if _, more = s.sealRound(ctx, chains, o); ctx.Err() != nil {
						break
					}
					chains = more
				}
				s.sealing.endRound()
				return
			case <-s.sealing.wake:
				chains = s.sealing.take()
			case <-retry.C:
				chains = s.sealing.take()
			case <-sweep.C:
				found, err := s.unsealedChains(ctx)
				if err != nil && ctx.Err() == nil {
					o.Log.Error("audit sequencer: look for unsealed events", "error", err)
				}
				chains = append(s.sealing.take(), found...)
			}
			// Rounds are spaced by Every: what commits meanwhile is sealed together.
			if wait := o.Every - time.Since(lastRound); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-quit: // sealed below, then the loop's quit case ends it
				case <-time.After(wait):
				}
				chains = append(chains, s.sealing.take()...)
			}
			lastRound = time.Now()
			failed, more := s.sealRound(ctx, chains, o)
			s.sealing.endRound()
			if len(more) > 0 {
				s.sealing.note(more...) // a full batch: at once again
			}
			if len(failed) == 0 {
				failures = 0
				continue
			}
			// Chains that failed are tried again, sooner at first.
			s.sealing.mu.Lock()
			for _, c := range failed {
				s.sealing.dirty[c] = struct{}{}
			}
			s.sealing.mu.Unlock()
			failures++
			retry.Reset(min(time.Duration(failures)*50*time.Millisecond, o.Sweep))
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// sealRound seals chains in one transaction, and, when that fails, each in a transaction of its
// own (so that one chain's trouble does not hold up the others). It returns the chains that
// failed and those that have more to seal.
func (s *Store) sealRound(ctx context.Context, chains []int64, o SealerOptions) (failed, more []int64) {
	if len(chains) == 0 {
		return nil, nil
	}
	observe := func(r SealResult) {
		for _, msg := range r.Suspect {
			o.Log.Error("audit sequencer: sealed a suspect event as found; verify will report it", "problem", msg)
		}
		if o.Observe != nil {
			for _, lag := range r.Lags {
				o.Observe(lag)
			}
		}
	}
	r, full, err := s.sealTx(ctx, chains, sealBatch)
	if err == nil {
		observe(r)
		return nil, full
	}
	if len(chains) == 1 {
		if ctx.Err() == nil {
			o.Log.Error("audit sequencer: seal failed; retrying", "chain", ChainName(chains[0]), "error", err)
		}
		return chains, nil
	}
	for _, c := range chains {
		r, err := s.SealAudit(ctx, c)
		observe(r)
		if err != nil {
			if ctx.Err() == nil {
				o.Log.Error("audit sequencer: seal failed; retrying", "chain", ChainName(c), "error", err)
			}
			failed = append(failed, c)
		}
	}
	return failed, nil
}

// unsealedChains returns the chains (SystemChain and partners) that hold unsealed events, each
// looked at as its own partner (row-level security shows a transaction one partner's events),
// all in one read-only transaction and one round trip.
func (s *Store) unsealedChains(ctx context.Context) ([]int64, error) {
	partners, err := s.partnerIDs(ctx)
	if err != nil {
		return nil, err
	}
	chains := append([]int64{SystemChain}, partners...)
	var out []int64
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, id := range chains {
			b.Queue("SELECT set_config('tierdesk.partner_id', $1, true)", strconv.FormatInt(id, 10))
			b.Queue(`SELECT EXISTS (SELECT 1 FROM audit_events e WHERE e.partner_id = $1
				AND e.xid >= coalesce((SELECT swept_xid FROM audit_sweeps WHERE partner_id = $1), '0'::xid8)
				AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id))`, id).QueryRow(func(row pgx.Row) error {
				var found bool
				if err := row.Scan(&found); err != nil {
					return err
				}
				if found {
					out = append(out, id)
				}
				return nil
			})
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return out, err
}

// AwaitSealed waits until every event of partnerID's chain recorded and committed before the
// call is sealed (by this Store's sequencer or another process's), or ctx ends.
func (s *Store) AwaitSealed(ctx context.Context, partnerID int64) error {
	var upTo int64
	for first := true; ; first = false {
		var pending int64
		err := s.inChainTx(WithScope(ctx, nil), partnerID, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			if first {
				if err := tx.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM audit_events WHERE partner_id = $1", partnerID).Scan(&upTo); err != nil {
					return err
				}
			}
			return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events e WHERE e.partner_id = $1 AND e.id <= $2
				AND e.xid >= coalesce((SELECT swept_xid FROM audit_sweeps WHERE partner_id = $1), '0'::xid8)
				AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)`, partnerID, upTo).Scan(&pending)
		})
		if err != nil {
			return fmt.Errorf("wait for the sealing of %s: %w", ChainName(partnerID), err)
		}
		if pending == 0 {
			return nil
		}
		// The sequencer of this Store says when a round ends; another process's is looked
		// at now and then.
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the sealing of %s: %d events still unsealed: %w", ChainName(partnerID), pending, ctx.Err())
		case <-s.sealing.roundEnded():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
