package zoom

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedBudget is a memory Budget whose first booking waits for gate, and which counts what it
// booked.
type gatedBudget struct {
	Budget
	gate    chan struct{}
	entered chan struct{} // closed when the first booking waits at the gate
	first   sync.Once

	mu     sync.Mutex
	calls  int
	booked int
}

func newGatedBudget() *gatedBudget {
	return &gatedBudget{Budget: NewMemoryBudget(nil), gate: make(chan struct{}), entered: make(chan struct{})}
}

func (g *gatedBudget) Book(ctx context.Context, key RateKey, p Pace, n int, horizon time.Duration) (Booking, error) {
	g.first.Do(func() {
		close(g.entered)
		<-g.gate
	})
	b, err := g.Budget.Book(ctx, key, p, n, horizon)
	g.mu.Lock()
	g.calls++
	g.booked += b.Count
	g.mu.Unlock()
	return b, err
}

func (g *gatedBudget) counts() (calls, booked int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls, g.booked
}

// queueWatch counts the callers a budgetLimiter has seen wait, and lets a test wait for them.
type queueWatch struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    [2]int
}

func watchQueue(l *budgetLimiter) *queueWatch {
	w := &queueWatch{}
	w.cond = sync.NewCond(&w.mu)
	l.queued = func(_ RateKey, p Priority) {
		w.mu.Lock()
		w.n[p]++
		w.mu.Unlock()
		w.cond.Broadcast()
	}
	return w
}

// until waits until n callers of priority p have waited.
func (w *queueWatch) until(p Priority, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.n[p] < n {
		w.cond.Wait()
	}
}

// A memory budget books a batch as single bookings would, and with a horizon only the calls
// that fall within it.
func TestMemoryBudgetBooksWithinTheHorizon(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewMemoryBudget(func() time.Time { return now })
	key, p, ctx := RateKey{"A", Light}, Pace{100 * time.Millisecond, 3}, context.Background()
	// The burst (3 at once) and two more within 250 ms: 0, 0, 0, 100 ms, 200 ms.
	got, err := b.Book(ctx, key, p, 10, 250*time.Millisecond)
	if err != nil || got.Count != 5 || got.Offset != -200*time.Millisecond {
		t.Fatalf("first booking = %+v, %v; want 5 calls from -200ms", got, err)
	}
	// The look-ahead is full: nothing, and the next slot is 300 ms away.
	if got, err := b.Book(ctx, key, p, 10, 250*time.Millisecond); err != nil || got.Count != 0 || got.Offset != 300*time.Millisecond {
		t.Fatalf("second booking = %+v, %v; want none, next slot at 300ms", got, err)
	}
	// Without a horizon every call is booked, behind the others.
	if got, err := b.Book(ctx, key, p, 4, 0); err != nil || got.Count != 4 || got.Offset != 300*time.Millisecond {
		t.Fatalf("booking without a horizon = %+v, %v; want 4 calls from 300ms", got, err)
	}
	if err := b.Block(ctx, key, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Book(ctx, key, p, 1, 0); err != nil || got.Count != 0 || !got.BlockedUntil.Equal(now.Add(time.Hour)) {
		t.Fatalf("blocked booking = %+v, %v", got, err)
	}
}

// Background callers waiting at the same time are booked in few round trips (each booking
// takes as many as fit in the look-ahead), every one gets a slot, and no slot is booked twice
// or wasted.
func TestBudgetLimiterCoalescesWaitingCallers(t *testing.T) {
	gb := newGatedBudget()
	l := NewBudgetLimiter(gb).(*budgetLimiter)
	w := watchQueue(l)
	key, p := RateKey{"A", Light}, Pace{Interval: 2 * time.Millisecond, Burst: 4}
	ctx := WithPriority(context.Background(), Background)
	const n = 100
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range n {
		wg.Go(func() {
			if _, err := l.Reserve(ctx, key, p); err != nil {
				failed.Add(1)
			}
		})
	}
	<-gb.entered // the first caller's booking waits at the gate...
	w.until(Background, n)
	close(gb.gate) // ...until all of them wait
	wg.Wait()
	calls, booked := gb.counts()
	if failed.Load() != 0 || booked != n {
		t.Fatalf("%d callers failed; %d slots booked for %d callers", failed.Load(), booked, n)
	}
	// The first booking (the gated one) asked for one; the second takes the burst and the
	// look-ahead (4 + 8); each later one at least a batch of 4 (half the look-ahead).
	if limit := 2 + (n-12+3)/4; calls > limit {
		t.Fatalf("%d bookings for %d callers, want at most %d", calls, n, limit)
	}
	t.Logf("%d callers booked in %d round trips", n, calls)
}

// A person's call that comes while background callers wait for a booking gets the first
// slot that booking brings, ahead of them all.
func TestBudgetLimiterHandsSlotsToInteractiveFirst(t *testing.T) {
	gb := newGatedBudget()
	l := NewBudgetLimiter(gb).(*budgetLimiter)
	w := watchQueue(l)
	key, p := RateKey{"A", Light}, Pace{Interval: 10 * time.Millisecond, Burst: 1}
	bg := WithPriority(context.Background(), Background)
	const backlog = 60
	var wg sync.WaitGroup
	for range backlog {
		wg.Go(func() {
			if _, err := l.Reserve(bg, key, p); err != nil {
				t.Error(err)
			}
		})
	}
	<-gb.entered // the first background booking waits at the gate
	w.until(Background, backlog)
	var res Reservation
	done := make(chan error)
	go func() {
		var err error
		res, err = l.Reserve(context.Background(), key, p)
		done <- err
	}()
	w.until(Interactive, 1)
	close(gb.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if res.Wait != 0 {
		t.Fatalf("the interactive call waits %v, want the first slot (at once)", res.Wait)
	}
	wg.Wait()
	if _, booked := gb.counts(); booked != backlog+1 {
		t.Fatalf("%d slots booked for %d callers", booked, backlog+1)
	}
}

// Background work books only within the look-ahead, so a person's call that comes while it
// has a long backlog is booked right behind the look-ahead, not behind the backlog; if the
// booking goroutine sleeps (the look-ahead is full), the person's call wakes it.
func TestBudgetLimiterBooksInteractiveAheadOfBacklog(t *testing.T) {
	b := NewMemoryBudget(nil)
	l := NewBudgetLimiter(b).(*budgetLimiter)
	key, p := RateKey{"A", Light}, Pace{Interval: 20 * time.Millisecond, Burst: 1}
	const backlog = 50 // a second of calls
	var mu sync.Mutex
	changed := sync.NewCond(&mu)
	full, booked := false, 0
	l.booked = func(_ RateKey, prio Priority, asked int, got Booking) {
		mu.Lock()
		defer mu.Unlock()
		if prio == Background {
			booked += got.Count
			full = full || got.Count < asked // the booking goroutine goes to sleep
		}
		changed.Broadcast()
	}
	bg := WithPriority(context.Background(), Background)
	var wg sync.WaitGroup
	for range backlog {
		wg.Go(func() {
			if _, err := l.Reserve(bg, key, p); err != nil {
				t.Error(err)
			}
		})
	}
	mu.Lock()
	for !full && booked < backlog {
		changed.Wait()
	}
	mu.Unlock()
	res, err := l.Reserve(context.Background(), key, p)
	if err != nil {
		t.Fatal(err)
	}
	if bound := LookAhead(p) + p.Interval; res.Wait > bound {
		t.Fatalf("the interactive call waits %v behind a backlog of %d, want at most %v", res.Wait, backlog, bound)
	}
	wg.Wait()
}

// A caller that gives up leaves the queue; a slot it was given goes to the next caller.
func TestBudgetLimiterCallerGivesUp(t *testing.T) {
	gb := newGatedBudget()
	l := NewBudgetLimiter(gb).(*budgetLimiter)
	w := watchQueue(l)
	key, p := RateKey{"A", Light}, Pace{Interval: time.Millisecond, Burst: 1}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := l.Reserve(ctx, key, p)
		errc <- err
	}()
	<-gb.entered
	w.until(Interactive, 1)
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("Reserve after its context ended: %v", err)
	}
	close(gb.gate)
	if _, err := l.Reserve(context.Background(), key, p); err != nil {
		t.Fatal(err)
	}
	if _, booked := gb.counts(); booked > 2 {
		t.Fatalf("%d slots booked for one call and one that gave up", booked)
	}
}

// A Flow keeps rate × latency (measured) in flight, within its bounds.
func TestFlowInFlightFollowsLatency(t *testing.T) {
	c := &Client{rt: defaultRuntime()} // Business+ at 50 %: Light 40 calls/s
	f := c.Flow(Light, 0)
	if got := f.InFlight(); got != flowStart {
		t.Fatalf("before any measure: %d in flight, want %d", got, flowStart)
	}
	// Units of one call, 250 ms each besides 100 ms waiting for the budget: 40/s × 0.25 s ×
	// 1.25 = 12.5 → 13, and one more.
	for range 20 {
		f.observe(350*time.Millisecond, 100*time.Millisecond, 1)
	}
	if got := f.InFlight(); got != 14 {
		t.Fatalf("at 250 ms per unit: %d in flight, want 14", got)
	}
	// Two calls a unit: half the units.
	g := c.Flow(Light, 0)
	g.observe(250*time.Millisecond, 0, 2)
	if got := g.InFlight(); got != 8 {
		t.Fatalf("two calls of 250 ms per unit: %d in flight, want 8", got)
	}
	// Slow Zoom: capped.
	h := c.Flow(Light, 10)
	h.observe(5*time.Second, 0, 1)
	if got := h.InFlight(); got != 10 {
		t.Fatalf("at 5 s per unit with a cap of 10: %d in flight", got)
	}
	// A unit that made no call teaches nothing.
	k := c.Flow(Light, 0)
	k.observe(time.Hour, 0, 0)
	if got := k.InFlight(); got != flowStart {
		t.Fatalf("after a unit with no call: %d in flight", got)
	}
}

// Flow.Run runs every unit with at most InFlight at once, all of them when none stops, and
// starts no more after a unit says stop.
func TestFlowRun(t *testing.T) {
	c := &Client{rt: defaultRuntime()}
	f := c.Flow(Light, 0)
	const n = 50
	started := make(chan int, n)
	release := make(chan struct{})
	var running, most, ran atomic.Int32
	finished := make(chan struct{})
	go func() {
		f.Run(context.Background(), n, func(ctx context.Context, i int) bool {
			r := running.Add(1)
			for m := most.Load(); r > m && !most.CompareAndSwap(m, r); m = most.Load() {
			}
			started <- i
			<-release
			running.Add(-1)
			ran.Add(1)
			return true
		})
		close(finished)
	}()
	first := map[int]bool{}
	for range flowStart {
		first[<-started] = true
	}
	for i := range flowStart {
		if !first[i] {
			t.Fatalf("the first %d units to start are %v, want 0 to %d", flowStart, first, flowStart-1)
		}
	}
	close(release)
	<-finished
	if ran.Load() != n || most.Load() != flowStart {
		t.Fatalf("%d units ran, at most %d at once; want %d, %d", ran.Load(), most.Load(), n, flowStart)
	}

	// One at a time (at most 1 in flight), a unit that says stop is the last to start.
	var count atomic.Int32
	c.Flow(Light, 1).Run(context.Background(), n, func(ctx context.Context, i int) bool {
		count.Add(1)
		return i != 20
	})
	if got := count.Load(); got != 21 {
		t.Fatalf("%d units ran, unit 20 said stop; want 21", got)
	}
}

// A flow with a share starts its units no faster than that part of its budget's rate allows
// for the calls a unit makes.
func TestFlowShareSpacesUnits(t *testing.T) {
	c := &Client{rt: defaultRuntime()} // Business+ at 50 %: Light 40 calls/s
	f := c.Flow(Light, 0)
	if got := f.unitGap(); got != 0 {
		t.Fatalf("a flow without a share spaces its units by %s", got)
	}
	f.Share(0.1) // 4 calls/s
	if got := f.unitGap(); got != 250*time.Millisecond {
		t.Fatalf("a tenth of 40 calls/s, one call a unit before any measure: %s between units, want 250ms", got)
	}
	f.observe(time.Second, 0, 3)
	if got := f.unitGap(); got != 750*time.Millisecond {
		t.Fatalf("three calls a unit: %s between units, want 750ms", got)
	}
	if got := c.Flow(Light, 0).Share(7).share; got != 1 {
		t.Fatalf("a share above the whole budget is %v, want 1", got)
	}
}
