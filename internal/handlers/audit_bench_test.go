package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
)

// auditBenchEvents is the size of the benchmark's audit log: 1,000,000 events across 100
// partners, as the issue asks (AUDIT_BENCH_EVENTS overrides it for a quick run).
func auditBenchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("AUDIT_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

var benchActions = []audit.Action{"user.create", "user.update", "user.deactivate", "user.activate", "user.delete",
	"customer.update", "customer.settings", "customer.plan", "session.sign_in", "session.sign_out", "job.finish", "sync.customer"}

// loadAuditLog fills the log with n events spread over 100 partners (the signed-in partner
// among them), chained exactly as the portal chains them, with COPY.
func loadAuditLog(b *testing.B, e *env, own store.Partner, n int) []store.Partner {
	b.Helper()
	ctx := context.Background()
	partners := []store.Partner{own}
	for i := 1; i < 100; i++ {
		p, err := e.Store.EnsurePartner(ctx, fmt.Sprintf("bench-acct-%03d", i), fmt.Sprintf("Bench Partner %03d", i), nil)
		if err != nil {
			b.Fatal(err)
		}
		partners = append(partners, p)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now().Add(-365 * 24 * time.Hour).UTC()
	cols := []string{"partner_id", "seq", "occurred_at", "staff_id", "staff_email", "zoom_user_id", "grant_ref", "action",
		"target_type", "target_id", "target_label", "customer_id", "outcome", "zoom_code", "zoom_message", "external",
		"request_id", "ip", "user_agent", "job_id", "details", "key_id", "prev_hash", "hash"}
	perPartner := n / len(partners)
	step := 365 * 24 * time.Hour / time.Duration(perPartner)
	for pi, p := range partners {
		// The signed-in partner already has a few events; continue its chain.
		head, err := e.Store.AuditChainHead(ctx, p.ID)
		if err != nil {
			b.Fatal(err)
		}
		rows := make([][]any, 0, perPartner)
		prev, seq := head.Hash, head.Seq
		for i := 0; i < perPartner; i++ {
			seq++
			cust := fmt.Sprintf("cust%03d-%05d", pi, rng.IntN(200))
			who := fmt.Sprintf("agent%d@partner%03d.example", rng.IntN(10), pi)
			userEmail := fmt.Sprintf("user%05d@%s.example", rng.IntN(100000), cust)
			outcome, code, msg := store.OutcomeSucceeded, 0, ""
			switch r := rng.IntN(100); {
			case r < 5:
				outcome, code, msg = store.OutcomeFailed, 1005, "Email "+userEmail+" has already been used."
			case r < 9:
				outcome = store.OutcomeDenied
			case r < 10:
				outcome = store.OutcomePending
			}
			det, err := store.RedactDetails(json.RawMessage(fmt.Sprintf(`{"before":{"email":%q,"type":1,"status":"active"},"after":{"email":%q,"type":2,"status":"active"}}`, userEmail, userEmail)))
			if err != nil {
				b.Fatal(err)
			}
			ev := store.AuditEvent{PartnerID: p.ID, Seq: seq, OccurredAt: start.Add(time.Duration(seq) * step).Truncate(time.Microsecond),
				StaffEmail: who, GrantRef: "user:1", Action: benchActions[rng.IntN(len(benchActions))], TargetType: "user",
				TargetID: strconv.Itoa(rng.IntN(1 << 30)), TargetLabel: userEmail, CustomerID: cust, Outcome: outcome,
				ZoomCode: code, ZoomMessage: msg, RequestID: "bench", IP: "10.0.0.1", UserAgent: "bench", Details: det, PrevHash: prev}
			ev.KeyID = e.Keys.CurrentKeyID()
			if ev.Hash, err = ev.ComputeHash(e.Keys); err != nil {
				b.Fatal(err)
			}
			prev = ev.Hash
			rows = append(rows, []any{ev.PartnerID, ev.Seq, ev.OccurredAt, nil, ev.StaffEmail, "", ev.GrantRef, ev.Action,
				ev.TargetType, ev.TargetID, ev.TargetLabel, ev.CustomerID, string(ev.Outcome), ev.ZoomCode, ev.ZoomMessage, false,
				ev.RequestID, ev.IP, ev.UserAgent, "", string(ev.Details), ev.KeyID, ev.PrevHash, ev.Hash})
		}
		if _, err := e.super().CopyFrom(ctx, pgx.Identifier{"audit_events"}, cols, pgx.CopyFromRows(rows)); err != nil {
			b.Fatal(err)
		}
		// The database's trigger checked every row's link and moved the chain head.
	}
	if _, err := e.super().Exec(ctx, "ANALYZE audit_events"); err != nil {
		b.Fatal(err)
	}
	return partners
}

// reportLatency runs fn b.N times and reports p50 and p95 in milliseconds.
func reportLatency(b *testing.B, fn func()) {
	d := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		fn()
		d = append(d, time.Since(t0))
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchmarkAudit measures the audit log at 1,000,000 events across 100 partners: the first
// page of a filtered view and a free-text search, server-side over real HTTP (query and
// render), and chained insert throughput for one partner and for 8 at once.
func BenchmarkAudit(b *testing.B) {
	e := newEnv(b)
	br, own := registerNorthwind(b, e)
	t0 := time.Now()
	partners := loadAuditLog(b, e, own, auditBenchEvents())
	b.Logf("loaded %d audit events in %s", auditBenchEvents(), time.Since(t0).Round(time.Millisecond))

	get := func(path string) {
		p := br.get(e.URL + path)
		if p.StatusCode != http.StatusOK || len(auditRows(p)) == 0 {
			b.Fatalf("%s: %d, %d rows", path, p.StatusCode, len(auditRows(p)))
		}
	}
	b.Run("first-page-unfiltered", func(b *testing.B) { reportLatency(b, func() { get("/audit") }) })
	b.Run("first-page-failed", func(b *testing.B) { reportLatency(b, func() { get("/audit?outcome=failed") }) })
	b.Run("first-page-action-and-staff-text", func(b *testing.B) {
		reportLatency(b, func() { get("/audit?action=user.create&q=agent3") })
	})
	b.Run("first-page-last-month", func(b *testing.B) {
		from := time.Now().AddDate(0, -1, 0).Format("2006-01-02")
		reportLatency(b, func() { get("/audit?from=" + from + "&outcome=denied") })
	})
	b.Run("free-text-email", func(b *testing.B) {
		// A user e-mail fragment that occurs in a handful of events.
		var q string
		if err := e.super().QueryRow(context.Background(), "SELECT target_label FROM audit_events WHERE partner_id = $1 AND target_label <> '' ORDER BY seq LIMIT 1", own.ID).Scan(&q); err != nil {
			b.Fatal(err)
		}
		reportLatency(b, func() { get("/audit?q=" + url.QueryEscape(q[:12])) })
	})

	ctx := context.Background()
	appendOne := func(p store.Partner) error {
		_, err := e.Store.Audit(ctx, store.AuditEvent{PartnerID: p.ID, Action: "user.update", Outcome: store.OutcomeSucceeded,
			TargetType: "user", TargetID: "u1", Details: json.RawMessage(`{"after":{"type":2}}`)})
		return err
	}
	// eightWriters appends b.N events (rounded up to a multiple of 8) from 8 goroutines, the
	// w-th writing to partnerOf(w)'s chain, and reports the throughput. Eight fixed goroutines,
	// whatever GOMAXPROCS is.
	eightWriters := func(b *testing.B, partnerOf func(w int) store.Partner) {
		per := b.N/8 + 1
		t0 := time.Now()
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(p store.Partner) {
				defer wg.Done()
				for j := 0; j < per; j++ {
					if err := appendOne(p); err != nil {
						b.Error(err) // not Fatal: this is not the benchmark's goroutine
						return
					}
				}
			}(partnerOf(w))
		}
		wg.Wait()
		b.ReportMetric(float64(per*8)/time.Since(t0).Seconds(), "events/s")
	}
	b.Run("append-1-partner-8-writers", func(b *testing.B) {
		eightWriters(b, func(int) store.Partner { return partners[1] })
	})
	b.Run("append-8-partners", func(b *testing.B) {
		eightWriters(b, func(w int) store.Partner { return partners[2+w] })
	})
	b.StopTimer()
	// The chains are still whole after all that.
	for _, p := range []store.Partner{own, partners[1], partners[2]} {
		r, err := e.Store.VerifyAudit(ctx, p.ID)
		if err != nil || !r[0].OK {
			b.Fatalf("verify partner %d after the benchmark: %v %v", p.ID, r, err)
		}
	}
}
