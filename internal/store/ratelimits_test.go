package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

// BookZoomRate books a batch as single bookings would, only within a horizon when it has one,
// never the same slot twice under concurrency, nothing while a daily limit blocks, and after a
// pause; the table costs no WAL flush (UNLOGGED).
func TestBookZoomRate(t *testing.T) {
	st := storetest.NewStore(t)
	ctx := context.Background()
	book := func(account string, interval time.Duration, burst, n int, horizon time.Duration) (int, time.Duration) {
		t.Helper()
		b, err := st.BookZoomRate(ctx, account, "Light", interval, burst, n, horizon)
		if err != nil || !b.BlockedUntil.IsZero() {
			t.Fatalf("BookZoomRate(%s, n %d) = %+v, %v", account, n, b, err)
		}
		return b.Count, b.Offset
	}
	// A fresh budget at 1/s with no burst: the first slot now, one a second after.
	start := time.Now()
	if n, off := book("batch", time.Second, 1, 4, 0); n != 4 || off != 0 {
		t.Fatalf("a batch of 4 on a fresh budget: %d from %v, want 4 from 0", n, off)
	}
	for range 4 {
		if n, _ := book("single", time.Second, 1, 1, 0); n != 1 {
			t.Fatalf("a single booking booked %d", n)
		}
	}
	// The next slot of both lies 4 s after their first (less the time since).
	for _, account := range []string{"batch", "single"} {
		n, off := book(account, time.Second, 1, 1, 0)
		if since := time.Since(start); n != 1 || off > 4*time.Second || off < 4*time.Second-since {
			t.Errorf("%s: the fifth slot is %v away (%v after the first), want 4 s less the time since", account, off, since)
		}
	}
	// With a horizon, only what falls within it: 0, 1 and 2 s within 2.5 s; then nothing, and
	// where the next slot lies.
	if n, off := book("horizon", time.Second, 1, 10, 2500*time.Millisecond); n != 3 || off != 0 {
		t.Fatalf("10 asked within 2.5 s of a fresh budget: %d from %v, want 3 from 0", n, off)
	}
	if n, off := book("horizon", time.Second, 1, 10, 2500*time.Millisecond); n != 0 || off > 3*time.Second || off < 2500*time.Millisecond {
		t.Fatalf("10 asked within 2.5 s, budget booked 3 s ahead: %d, next at %v; want none, next about 3 s away", n, off)
	}
	// Concurrent bookings never share a slot: 20 × 5 calls at 10 ms move the schedule 1 s.
	start = time.Now()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if b, err := st.BookZoomRate(ctx, "concurrent", "Light", 10*time.Millisecond, 1, 5, 0); err != nil || b.Count != 5 {
				t.Errorf("concurrent booking: %+v, %v", b, err)
			}
		})
	}
	wg.Wait()
	if n, off := book("concurrent", 10*time.Millisecond, 1, 1, 0); n != 1 || off > time.Second || off < time.Second-time.Since(start) {
		t.Errorf("after 100 concurrent calls at 10 ms the next slot is %v away, want 1 s less the time since", off)
	}
	// A pause moves the schedule; the burst allowance stays usable.
	paused := time.Now()
	if err := st.PauseZoomRate(ctx, "paused", "Light", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n, off := book("paused", 100*time.Millisecond, 3, 1, 0); n != 1 || off > 4800*time.Millisecond || off < 4800*time.Millisecond-time.Since(paused) {
		t.Errorf("after a 5 s pause the next slot is %v away, want 4.8 s less the time since", off)
	}
	// A daily block books nothing.
	until := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	if err := st.BlockZoomRate(ctx, "blocked", "Light", until); err != nil {
		t.Fatal(err)
	}
	if b, err := st.BookZoomRate(ctx, "blocked", "Light", time.Second, 1, 3, 0); err != nil || b.Count != 0 || !b.BlockedUntil.Equal(until) {
		t.Errorf("a blocked budget: %+v, %v; want nothing booked, blocked until %v", b, err, until)
	}
	if _, err := st.BookZoomRate(ctx, "x", "Light", 0, 1, 1, 0); err == nil {
		t.Error("a booking with no interval was accepted")
	}
	var persistence string
	if err := storetest.Superuser(t, st).QueryRow(ctx, `SELECT relpersistence FROM pg_class WHERE relname = 'zoom_rate_limits'`).Scan(&persistence); err != nil || persistence != "u" {
		t.Errorf("zoom_rate_limits persistence %q (%v), want u (UNLOGGED: a booking flushes no WAL)", persistence, err)
	}
}
