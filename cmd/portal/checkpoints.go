package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
)

// checkpointer anchors the audit chains outside the database: on each pass it reads every
// chain's head and, for each head that moved since its last checkpoint, writes a signed
// checkpoint (store.SignCheckpoint) as a log line ("audit checkpoint") and, when a file is
// configured, as one NDJSON line appended to it. `portal audit verify` reads the file back.
//
// Several processes may share one file: it is opened O_APPEND and each pass's lines go out in
// one write, so lines of different processes never interleave; each process writes its own
// checkpoints (the same head twice is harmless).
type checkpointer struct {
	st   *store.Store
	log  *slog.Logger
	now  func() time.Time
	file *os.File // nil: the log stream only
	path string
	last map[int64]store.AuditHead // the head of each chain as last checkpointed by this process
}

// newCheckpointer opens (creating) the checkpoint file at path, if any, for appending.
func newCheckpointer(st *store.Store, path string, log *slog.Logger, now func() time.Time) (*checkpointer, error) {
	c := &checkpointer{st: st, log: log, now: now, path: path, last: map[int64]store.AuditHead{}}
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, &configError{"PORTAL_AUDIT_CHECKPOINTS", "cannot be opened for appending (" + err.Error() + ")",
				"set it to a file the portal may append to, on storage the database's owner cannot rewrite"}
		}
		c.file = f
	}
	return c, nil
}

// pass checkpoints every chain head that moved since this process last checkpointed it, and
// returns how many checkpoints it wrote. A head that went back (the chain was cut or rewritten
// under a running portal) is logged as an error, and checkpointed as it now is.
func (c *checkpointer) pass(ctx context.Context) (int, error) {
	heads, err := c.st.AuditChainHeads(ctx)
	if err != nil {
		return 0, err
	}
	at := c.now()
	var lines bytes.Buffer
	var moved []store.AuditCheckpoint
	for _, h := range heads {
		last, seen := c.last[h.PartnerID]
		if seen && last.Seq == h.Seq && bytes.Equal(last.Hash, h.Hash) {
			continue
		}
		if seen && h.Seq <= last.Seq {
			c.log.Error("audit chain head went back: the chain was cut or rewritten", "partner_id", h.PartnerID,
				"checkpointed_seq", last.Seq, "checkpointed_hash", hex.EncodeToString(last.Hash), "seq", h.Seq, "hash", hex.EncodeToString(h.Hash))
		}
		cp, err := c.st.SignCheckpoint(h, at)
		if err != nil {
			return 0, err
		}
		line, err := json.Marshal(cp)
		if err != nil {
			return 0, err
		}
		lines.Write(line)
		lines.WriteByte('\n')
		moved = append(moved, cp)
	}
	for _, cp := range moved {
		c.log.Info("audit checkpoint", "partner_id", cp.PartnerID, "seq", cp.Seq, "hash", hex.EncodeToString(cp.Hash),
			"at", cp.At.Format("2006-01-02T15:04:05.000000Z"), "key_id", cp.KeyID, "mac", hex.EncodeToString(cp.MAC))
	}
	if c.file != nil && lines.Len() > 0 {
		// One write of whole lines, then fsync: the heads count as checkpointed only once on disk.
		if _, err := c.file.Write(lines.Bytes()); err != nil {
			return 0, fmt.Errorf("append audit checkpoints to %s: %w", c.path, err)
		}
		if err := c.file.Sync(); err != nil {
			return 0, fmt.Errorf("sync audit checkpoints in %s: %w", c.path, err)
		}
	}
	for _, cp := range moved {
		c.last[cp.PartnerID] = store.AuditHead{PartnerID: cp.PartnerID, Seq: cp.Seq, Hash: cp.Hash}
	}
	return len(moved), nil
}

// run makes a pass at once and then at every tick, until ctx ends. A failed pass is logged
// and retried at the next tick.
func (c *checkpointer) run(ctx context.Context, ticks <-chan time.Time) {
	for {
		if _, err := c.pass(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("audit checkpoint failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}

// close makes a last pass (the heads as the process leaves them) and closes the file.
func (c *checkpointer) close(ctx context.Context) error {
	_, err := c.pass(ctx)
	if c.file != nil {
		if cerr := c.file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// startCheckpoints runs a checkpointer every interval until the returned stop is called,
// which makes the last pass (call it once no more events are written, before the pool closes).
func startCheckpoints(ctx context.Context, st *store.Store, path string, interval time.Duration, log *slog.Logger) (stop func(), err error) {
	c, err := newCheckpointer(st, path, log, time.Now)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ticker := time.NewTicker(interval)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(runCtx, ticker.C)
	}()
	return func() {
		ticker.Stop()
		cancel()
		<-done
		closeCtx, cancelClose := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancelClose()
		if err := c.close(closeCtx); err != nil {
			log.Error("last audit checkpoint failed", "error", err)
		}
	}, nil
}

// fileCheckpoint is a checkpoint read back, with where it was read.
type fileCheckpoint struct {
	store.AuditCheckpoint
	where string // "FILE line N"
}

// checkCheckpoints reads the checkpoint files (named by source: PORTAL_AUDIT_CHECKPOINTS or
// --checkpoints) and checks each checkpoint's MAC, then each checkpoint of partner (0: of
// every chain) against the database: the event it names must still be there with its hash.
// A file may also be an NDJSON export (its events are skipped, its signed trailer is a
// checkpoint) or JSON log lines (other messages are skipped). It returns how many checkpoints
// hold, and a message for each file that cannot be read, each forged or damaged line, and
// each chain cut or rewritten after a checkpoint. Verified chains with no checkpoint are
// named, but do not fail: all their events may be newer than the last checkpoint.
func checkCheckpoints(ctx context.Context, st *store.Store, files []string, source string, partner int64, verified []int64, stdout io.Writer) (int, []string) {
	var problems []string
	byChain := map[int64][]fileCheckpoint{}
	for _, name := range files {
		cps, bad, err := readCheckpoints(st, name)
		if err != nil {
			problems = append(problems, fmt.Sprintf("checkpoint file %s (%s) cannot be read: %v", name, source, err))
			continue
		}
		problems = append(problems, bad...)
		for _, cp := range cps {
			if partner == 0 || cp.PartnerID == partner {
				byChain[cp.PartnerID] = append(byChain[cp.PartnerID], cp)
			}
		}
	}
	chains := slices.Sorted(maps.Keys(byChain))
	for _, id := range verified {
		if _, ok := byChain[id]; !ok {
			fmt.Fprintf(stdout, "%s: no checkpoint (none written yet, or its lines are gone from the files)\n", store.ChainName(id))
		}
	}
	held := 0
	for _, id := range chains {
		cps := byChain[id]
		slices.SortStableFunc(cps, func(a, b fileCheckpoint) int { return cmp.Compare(a.Seq, b.Seq) })
		seqs := make([]int64, 0, len(cps))
		for _, cp := range cps {
			if len(seqs) == 0 || seqs[len(seqs)-1] != cp.Seq {
				seqs = append(seqs, cp.Seq)
			}
		}
		hashes, err := st.AuditEventHashes(ctx, id, seqs)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		var first string
		failed := 0
		for _, cp := range cps {
			got, ok := hashes[cp.Seq]
			if ok && bytes.Equal(got, cp.Hash) {
				held++
				continue
			}
			if failed++; failed > 1 {
				continue
			}
			at := cp.At.UTC().Format(time.RFC3339)
			if !ok {
				ends := "its head could not be read"
				if head, err := st.AuditChainHead(ctx, id); err == nil {
					ends = fmt.Sprintf("it now ends at event %d", head.Seq)
				}
				first = fmt.Sprintf("%s event %d is missing, but the checkpoint of %s (%s) recorded it with hash %x: the chain was cut after that checkpoint (%s)",
					store.ChainName(id), cp.Seq, at, cp.where, cp.Hash, ends)
			} else {
				first = fmt.Sprintf("%s event %d now has hash %x, but the checkpoint of %s (%s) recorded %x: the chain was rewritten after that checkpoint",
					store.ChainName(id), cp.Seq, got, at, cp.where, cp.Hash)
			}
		}
		if failed > 0 {
			if failed > 1 {
				first += fmt.Sprintf(" (and %d later checkpoints of the chain fail too)", failed-1)
			}
			problems = append(problems, first)
			continue
		}
		latest := cps[len(cps)-1]
		fmt.Fprintf(stdout, "%s: %s, the latest of event %d at %s (%s)\n",
			store.ChainName(id), countCheckpoints(len(cps)), latest.Seq, latest.At.UTC().Format(time.RFC3339), latest.where)
	}
	return held, problems
}

// readCheckpoints reads the signed checkpoints of one file, with a message for each line that
// is damaged, unsigned, or whose MAC does not hold. It fails only when the file cannot be read.
func readCheckpoints(st *store.Store, name string) ([]fileCheckpoint, []string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var cps []fileCheckpoint
	var bad []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20) // an export's event lines can be long
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		where := fmt.Sprintf("%s line %d", name, n)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(line, &fields); err != nil {
			bad = append(bad, where+": damaged checkpoint: not a JSON object")
			continue
		}
		raw := line
		if head, ok := fields["chain_head"]; ok {
			raw = head // an export's trailer
		} else if _, ok := fields["action"]; ok {
			continue // an exported event
		} else if msg, ok := fields["msg"]; ok && string(msg) != `"audit checkpoint"` {
			continue // another JSON log line
		}
		var cp store.AuditCheckpoint
		if err := cp.UnmarshalJSON(raw); errors.Is(err, store.ErrUnsignedCheckpoint) {
			bad = append(bad, fmt.Sprintf("%s: an unsigned chain head (%s event %d), as exports made before checkpoints were signed end with: check it with --expect %d:%d:%x",
				where, store.ChainName(cp.PartnerID), cp.Seq, cp.PartnerID, cp.Seq, cp.Hash))
			continue
		} else if err != nil {
			bad = append(bad, fmt.Sprintf("%s: damaged checkpoint: %v", where, err))
			continue
		}
		if err := st.VerifyCheckpoint(cp); err != nil {
			bad = append(bad, fmt.Sprintf("%s: forged or damaged checkpoint (of %s event %d): %v", where, store.ChainName(cp.PartnerID), cp.Seq, err))
			continue
		}
		if cp.Seq > 0 { // seq 0: the chain was empty, which nothing can contradict
			cps = append(cps, fileCheckpoint{cp, where})
		}
	}
	return cps, bad, sc.Err()
}

// countCheckpoints says "1 checkpoint holds", "2 checkpoints hold".
func countCheckpoints(n int) string {
	if n == 1 {
		return "1 checkpoint holds"
	}
	return fmt.Sprintf("%d checkpoints hold", n)
}
