package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// readCheckpointFile returns the checkpoints of a checkpoint file, each checked for its MAC.
func readCheckpointFile(t *testing.T, st *store.Store, path string) []store.AuditCheckpoint {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditCheckpoint
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		var cp store.AuditCheckpoint
		if err := json.Unmarshal([]byte(line), &cp); err != nil {
			t.Fatalf("checkpoint line %q: %v", line, err)
		}
		if err := st.VerifyCheckpoint(cp); err != nil {
			t.Fatalf("checkpoint line %q: %v", line, err)
		}
		out = append(out, cp)
	}
	return out
}

// waitForLines waits until the file at path has at least n lines (an event, not a time: the
// deadline only keeps a broken test from hanging).
func waitForLines(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if got := bytes.Count(b, []byte("\n")); got >= n {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%s has %d lines, want %d:\n%s", path, got, n, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cutTail does what a database owner could: it removes partnerID's events after keep and
// points the chain head at event keep, consistently, behind the triggers' back.
func cutTail(t *testing.T, super *pgxpool.Pool, partnerID, keep int64) {
	t.Helper()
	ctx := context.Background()
	tx, err := super.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{
		"SET LOCAL session_replication_role = replica",
		"DELETE FROM audit_seals WHERE partner_id = $1 AND seq > $2",
		"DELETE FROM audit_events e WHERE partner_id = $1 AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)",
		"UPDATE audit_heads SET seq = $2, hash = (SELECT hash FROM audit_seals WHERE partner_id = $1 AND seq = $2) WHERE partner_id = $1",
	} {
		var args []any
		if strings.Contains(q, "$2") {
			args = []any{partnerID, keep}
		} else if strings.Contains(q, "$1") {
			args = []any{partnerID}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAuditCheckpointerWritesMovedHeads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := auditStore(t, newTestDB(t))
	p, err := st.EnsurePartner(ctx, "acct-1", "Partner 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	audit := func(partnerID int64) store.AuditEvent {
		t.Helper()
		e, err := st.Audit(ctx, store.AuditEvent{PartnerID: partnerID, Action: "customer.update", Outcome: store.OutcomeSucceeded})
		if err != nil {
			t.Fatal(err)
		}
		// Sealed, as a running portal's sequencer does.
		if _, err := st.SealAudit(ctx, partnerID); err != nil {
			t.Fatal(err)
		}
		if e, err = st.AuditEventByID(ctx, partnerID, e.ID); err != nil || !e.Sealed() {
			t.Fatalf("event %d after sealing: %+v %v", e.ID, e, err)
		}
		return e
	}
	audit(p.ID)
	last := audit(p.ID)
	sys := audit(store.SystemChain)

	path := filepath.Join(t.TempDir(), "checkpoints.ndjson")
	logs := &syncBuffer{}
	now := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)
	c, err := newCheckpointer(st, path, slog.New(slog.NewJSONHandler(logs, nil)), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.pass(ctx); err != nil || n != 2 {
		t.Fatalf("first pass: %d checkpoints, %v; want the system chain's and the partner's", n, err)
	}
	cps := readCheckpointFile(t, st, path)
	if len(cps) != 2 || cps[0].PartnerID != store.SystemChain || cps[0].Seq != sys.Seq || !bytes.Equal(cps[0].Hash, sys.Hash) ||
		cps[1].PartnerID != p.ID || cps[1].Seq != last.Seq || !bytes.Equal(cps[1].Hash, last.Hash) ||
		!cps[1].At.Equal(now) || cps[1].KeyID != "t1" {
		t.Fatalf("checkpoints: %+v", cps)
	}
	wantLog := fmt.Sprintf(`"msg":"audit checkpoint","partner_id":%d,"seq":%d,"hash":"%x","at":"2026-03-01T12:00:00.123456Z","key_id":"t1","mac":"%x"`,
		p.ID, last.Seq, last.Hash, cps[1].MAC)
	if !strings.Contains(logs.String(), wantLog) {
		t.Fatalf("log lacks %q:\n%s", wantLog, logs)
	}
	// No head moved: nothing is written.
	if n, err := c.pass(ctx); err != nil || n != 0 {
		t.Fatalf("pass with no new event: %d checkpoints, %v", n, err)
	}
	if got := len(readCheckpointFile(t, st, path)); got != 2 {
		t.Fatalf("%d checkpoints after a pass with no new event, want 2", got)
	}

	// The loop: a pass at once, then one at every tick.
	last = audit(p.ID)
	ticks := make(chan time.Time)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(runCtx, ticks)
	}()
	waitForLines(t, path, 3)
	last = audit(p.ID)
	ticks <- now
	waitForLines(t, path, 4)
	cancel()
	<-done
	cps = readCheckpointFile(t, st, path)
	if got := cps[len(cps)-1]; len(cps) != 4 || got.PartnerID != p.ID || got.Seq != last.Seq || !bytes.Equal(got.Hash, last.Hash) {
		t.Fatalf("checkpoints after two ticks: %+v", cps)
	}

	// A head that goes back under a running portal is logged, and checkpointed as it is.
	cutTail(t, storetest.Superuser(t, st), p.ID, last.Seq-1)
	if n, err := c.pass(ctx); err != nil || n != 1 {
		t.Fatalf("pass after the cut: %d checkpoints, %v", n, err)
	}
	if !strings.Contains(logs.String(), "audit chain head went back") {
		t.Fatalf("the cut is not logged:\n%s", logs)
	}

	// The last pass, at close, writes what moved since.
	now = now.Add(time.Minute)
	last = audit(p.ID)
	if err := c.close(ctx); err != nil {
		t.Fatal(err)
	}
	cps = readCheckpointFile(t, st, path)
	if got := cps[len(cps)-1]; len(cps) != 6 || got.Seq != last.Seq || !bytes.Equal(got.Hash, last.Hash) || !got.At.Equal(now) {
		t.Fatalf("checkpoints after close: %+v", cps)
	}

	// The JSON log stream carries the same checkpoints, which verify reads too.
	logFile := filepath.Join(t.TempDir(), "portal.log")
	if err := os.WriteFile(logFile, []byte(logs.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	logged, bad, err := readCheckpoints(st, logFile)
	if err != nil || len(bad) > 0 || len(logged) != len(cps) || !bytes.Equal(logged[5].MAC, cps[5].MAC) {
		t.Fatalf("checkpoints read from the log: %d of %d, %v %v", len(logged), len(cps), bad, err)
	}
}

func TestAuditCheckpointsCatchACutTail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := baseEnv(t, newTestDB(t))
	dataDir := t.TempDir()
	env["PORTAL_DATA_DIR"] = dataDir
	env["PORTAL_AUDIT_CHECKPOINT_INTERVAL"] = "1h" // checkpoints at start and at shutdown only
	p := startPortal(t, "dev", env)
	keys, err := secret.ParseKeyring(env["PORTAL_SECRET_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	pool, err := store.Open(ctx, env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := store.New(pool, keys)

	// Northwind's owner signs in and downloads the NDJSON export: its last line is a signed
	// checkpoint.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(p.URL + "/auth/zoom/login?login_hint=owner@northwind.example")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path == "/signin" {
		t.Fatalf("sign-in ended at %s with %d", resp.Request.URL, resp.StatusCode)
	}
	resp, err = client.Get(p.URL + "/audit.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	export, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	exportFile := filepath.Join(t.TempDir(), "export.ndjson")
	if err := os.WriteFile(exportFile, export, 0o600); err != nil {
		t.Fatal(err)
	}
	hashes := map[int64]string{} // the exported events' hashes by seq
	var trailer struct {
		Head store.AuditCheckpoint `json:"chain_head"`
	}
	sc := bufio.NewScanner(bytes.NewReader(export))
	for sc.Scan() {
		var e struct {
			Seq  int64  `json:"seq"`
			Hash string `json:"hash"`
		}
		if strings.HasPrefix(sc.Text(), `{"chain_head"`) {
			if err := json.Unmarshal(sc.Bytes(), &trailer); err != nil {
				t.Fatalf("trailer %s: %v", sc.Text(), err)
			}
		} else if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		hashes[e.Seq] = e.Hash
	}
	nw, exported := trailer.Head.PartnerID, trailer.Head.Seq
	if err := st.VerifyCheckpoint(trailer.Head); err != nil || exported < 3 || hex.EncodeToString(trailer.Head.Hash) != hashes[exported] {
		t.Fatalf("export trailer %+v (MAC: %v), events %v", trailer.Head, err, hashes)
	}

	// An event after the export; then the portal stops, checkpointing the heads it leaves.
	if _, err := st.Audit(ctx, store.AuditEvent{PartnerID: nw, Action: "customer.update", Outcome: store.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	p.stop()
	if err := <-p.done; err != nil {
		t.Fatalf("portal exited with %v", err)
	}
	p.done <- nil
	checkpoints := filepath.Join(dataDir, "audit-checkpoints.ndjson") // make run's default
	head, err := st.AuditChainHead(ctx, nw)
	if err != nil {
		t.Fatal(err)
	}
	cps := readCheckpointFile(t, st, checkpoints)
	if !slices.ContainsFunc(cps, func(cp store.AuditCheckpoint) bool {
		return cp.PartnerID == nw && cp.Seq == head.Seq && bytes.Equal(cp.Hash, head.Hash)
	}) {
		t.Fatalf("no checkpoint of Northwind's head at shutdown (event %d): %+v", head.Seq, cps)
	}

	verify := func(extra map[string]string, args ...string) (string, error) {
		vars := map[string]string{"DATABASE_URL": env["DATABASE_URL"], "PORTAL_SECRET_KEY": env["PORTAL_SECRET_KEY"]}
		for k, v := range extra {
			vars[k] = v
		}
		var out strings.Builder
		err := run(ctx, append([]string{"audit", "verify"}, args...), func(k string) string { return vars[k] }, &out, io.Discard)
		return out.String(), err
	}
	withFile := map[string]string{"PORTAL_AUDIT_CHECKPOINTS": checkpoints}
	out, err := verify(withFile)
	if err != nil || !strings.Contains(out, fmt.Sprintf("partner %d: %s, the latest of event %d", nw, countCheckpoints(countFor(cps, nw)), head.Seq)) {
		t.Fatalf("verify of an intact log with its checkpoints: %v\n%s", err, out)
	}
	if out, err := verify(nil, "--checkpoints", exportFile); err != nil || !strings.Contains(out, fmt.Sprintf("partner %d: 1 checkpoint holds, the latest of event %d", nw, exported)) {
		t.Fatalf("verify against the export: %v\n%s", err, out)
	}

	// The database's owner cuts Northwind's chain short and rewrites its head to match.
	keep := exported - 1
	cutTail(t, storetest.Superuser(t, st), nw, keep)
	if out, err := verify(nil); err != nil || !strings.Contains(out, "no checkpoint file") {
		t.Fatalf("without checkpoints the cut goes unnoticed, and verify says so: %v\n%s", err, out)
	}
	_, err = verify(withFile)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("partner %d event ", nw)) ||
		!strings.Contains(err.Error(), "is missing, but the checkpoint of ") ||
		!strings.Contains(err.Error(), fmt.Sprintf("the chain was cut after that checkpoint (it now ends at event %d)", keep)) {
		t.Fatalf("verify with no flags after the cut: %v", err)
	}
	_, err = verify(nil, "--checkpoints", exportFile)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("partner %d event %d is missing", nw, exported)) {
		t.Fatalf("verify against the export after the cut: %v", err)
	}

	// --expect still works.
	out, err = verify(nil, "--expect", fmt.Sprintf("%d:%d:%s", nw, keep, hashes[keep]))
	if err != nil || !strings.Contains(out, fmt.Sprintf("anchor partner %d event %d: present and unchanged", nw, keep)) {
		t.Fatalf("verify with an anchor that holds: %v\n%s", err, out)
	}
	_, err = verify(nil, "--expect", fmt.Sprintf("%d:%d:%s", nw, exported, hashes[exported]))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("event %d is missing", exported)) {
		t.Fatalf("verify with an anchor past the cut: %v", err)
	}

	// A checkpoint whose MAC was altered is reported as forged.
	lines, err := os.ReadFile(checkpoints)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := bytes.Cut(lines, []byte("\n"))
	i := bytes.Index(first, []byte(`"mac":"`)) + len(`"mac":"`)
	altered := bytes.Clone(first)
	if altered[i] == '0' {
		altered[i] = '1'
	} else {
		altered[i] = '0'
	}
	forged := filepath.Join(t.TempDir(), "forged.ndjson")
	if err := os.WriteFile(forged, append(append(altered, '\n'), rest...), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = verify(map[string]string{"PORTAL_AUDIT_CHECKPOINTS": forged})
	if err == nil || !strings.Contains(err.Error(), forged+" line 1: forged or damaged checkpoint") ||
		!strings.Contains(err.Error(), "its MAC does not match") {
		t.Fatalf("verify with an altered checkpoint: %v", err)
	}

	// The portal goes on writing after the cut: the chain's new event takes the number of one
	// that was checkpointed, which now has another hash.
	if _, err := st.Audit(ctx, store.AuditEvent{PartnerID: nw, Action: "customer.update", Outcome: store.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SealAudit(ctx, nw); err != nil {
		t.Fatal(err)
	}
	_, err = verify(nil, "--checkpoints", exportFile)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("partner %d event %d now has hash ", nw, exported)) ||
		!strings.Contains(err.Error(), "the chain was rewritten after that checkpoint") {
		t.Fatalf("verify against the export after the cut and a new event: %v", err)
	}

	// A configured checkpoint file that is gone fails verification.
	gone := filepath.Join(dataDir, "gone.ndjson")
	_, err = verify(map[string]string{"PORTAL_AUDIT_CHECKPOINTS": gone})
	if err == nil || !strings.Contains(err.Error(), "checkpoint file "+gone+" (PORTAL_AUDIT_CHECKPOINTS) cannot be read") {
		t.Fatalf("verify with a missing checkpoint file: %v", err)
	}
}

// countFor counts the checkpoints of one chain.
func countFor(cps []store.AuditCheckpoint, partnerID int64) int {
	n := 0
	for _, cp := range cps {
		if cp.PartnerID == partnerID {
			n++
		}
	}
	return n
}
