package zoom

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Priority says who waits for a call: a person (a page's call: Interactive, the default) or
// background work (syncs, bulk jobs, sagas, resolvers: Background). Calls of both spend the
// same budget; a person's call never queues behind background work's backlog.
type Priority int

// The priorities of a call, most urgent first.
const (
	Interactive Priority = iota
	Background
)

// priorityKey is the context key of a call's Priority.
type priorityKey struct{}

// WithPriority returns ctx whose Zoom calls wait for their rate budget with priority p. The
// portal marks every River job Background; a request's calls are Interactive.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf is the Priority of ctx's calls: Interactive unless WithPriority said otherwise.
func PriorityOf(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok && p == Background {
		return Background
	}
	return Interactive
}

// Budget keeps rate budgets that several limiters share (the portal's processes, through
// PostgreSQL: service.RateBudget) and books calls in batches. A budget is a GCRA schedule per
// key: n calls booked at once get the same slots as n calls booked one after another, so a
// batch never lets more through than single reservations would. Implementations must be safe
// for concurrent use; their errors are database errors.
type Budget interface {
	// Book books up to n calls of key at pace in one step. With horizon > 0 it books only the
	// calls whose slots fall within horizon of now (possibly none); with horizon ≤ 0 all n.
	// While Zoom's daily limit for key is known to be reached it books nothing and says until
	// when.
	Book(ctx context.Context, key RateKey, pace Pace, n int, horizon time.Duration) (Booking, error)
	// Pause moves key's schedule to at least d from now, as RateLimiter.Pause.
	Pause(ctx context.Context, key RateKey, d time.Duration) error
	// Block refuses key until until, as RateLimiter.Block.
	Block(ctx context.Context, key RateKey, until time.Time) error
}

// Booking is what Budget.Book booked: Count calls, the i-th (from 0) to be sent no earlier
// than Offset + i × pace.Interval from the budget's now (a negative time is the burst
// allowance: at once). With Count 0 and no block, Offset still says where the next slot lies.
type Booking struct {
	Count        int
	Offset       time.Duration
	BlockedUntil time.Time // set (and nothing booked) while the daily limit is reached
}

// Tuning of the budget limiter.
const (
	// lookAheadSlots and maxLookAhead bound how far ahead of now background work books calls:
	// a person's call booked behind it waits at most that long plus one interval, however
	// large the background backlog.
	lookAheadSlots = 8
	maxLookAhead   = 250 * time.Millisecond
	// maxBooking is the most calls booked in one round trip.
	maxBooking = 64
	// slotGrace is how late a booked slot handed back by a caller that gave up may still be
	// handed out: sending much later than its slot could bunch calls up.
	slotGrace = 10 * time.Millisecond
	// bookTimeout bounds one round trip to the budget.
	bookTimeout = 5 * time.Second
)

// LookAhead is how far ahead of now background calls of a budget paced at p are booked: 8
// intervals, at most 250 ms. It is also what a person's call can wait behind background work,
// besides one interval.
func LookAhead(p Pace) time.Duration {
	return min(lookAheadSlots*p.Interval, maxLookAhead)
}

// NewBudgetLimiter returns the RateLimiter of one process over a Budget that every process
// shares (service.RateLimiter does this with PostgreSQL; create one per process). It books in
// batches: the calls of a budget that wait at the same time are booked in one round trip, and
// their slots are handed out in this process. Interactive calls are booked and served first;
// background calls are booked only within LookAhead of now, so that a person's call, from this
// process or another, is booked behind at most that much background work.
func NewBudgetLimiter(b Budget) RateLimiter {
	return &budgetLimiter{b: b, q: map[RateKey]*keyQueue{}}
}

// budgetLimiter implements NewBudgetLimiter.
type budgetLimiter struct {
	b  Budget
	mu sync.Mutex
	q  map[RateKey]*keyQueue // keys with callers waiting or slots to spare
	// queued and booked are told of every caller that waits and every booking (tests).
	queued func(key RateKey, p Priority)
	booked func(key RateKey, p Priority, asked int, got Booking)
}

// keyQueue is one budget's local state: who waits, and slots booked but not handed out.
type keyQueue struct {
	waiting [2][]*slotWaiter // by Priority, first come first served
	spare   []time.Time      // booked slots not handed out, earliest first
	pumping bool             // a goroutine books for the waiting callers
	wake    chan struct{}    // wakes the booking goroutine early (an Interactive caller came)
}

// slotWaiter is a caller waiting for a slot.
type slotWaiter struct {
	pace  Pace
	ready chan struct{} // closed once answered
	done  bool
	at    time.Time // the slot (local clock)
	res   Reservation
	err   error
}

// Reserve implements RateLimiter: it waits until this process has booked a slot for the call
// (or ctx ends) and says how long to wait for it.
func (l *budgetLimiter) Reserve(ctx context.Context, key RateKey, pace Pace) (Reservation, error) {
	if pace.Interval <= 0 {
		return Reservation{}, nil
	}
	w := &slotWaiter{pace: pace, ready: make(chan struct{})}
	prio := PriorityOf(ctx)
	l.mu.Lock()
	q := l.q[key]
	if q == nil {
		q = &keyQueue{wake: make(chan struct{}, 1)}
		l.q[key] = q
	}
	q.waiting[prio] = append(q.waiting[prio], w)
	if l.queued != nil {
		l.queued(key, prio)
	}
	q.handOut(time.Now())
	if !w.done {
		if !q.pumping {
			q.pumping = true
			go l.pump(key, q)
		} else if prio == Interactive {
			select {
			case q.wake <- struct{}{}:
			default:
			}
		}
	}
	l.mu.Unlock()
	select {
	case <-w.ready:
	case <-ctx.Done():
		l.mu.Lock()
		if w.done {
			if w.err == nil && w.res.BlockedUntil.IsZero() {
				q.giveBack(w.at)
			}
		} else {
			q.waiting[prio] = slices.DeleteFunc(q.waiting[prio], func(x *slotWaiter) bool { return x == w })
		}
		l.mu.Unlock()
		return Reservation{}, ctx.Err()
	}
	if w.err != nil || !w.res.BlockedUntil.IsZero() {
		return w.res, w.err
	}
	return Reservation{Wait: max(time.Until(w.at), 0)}, nil
}

// Pause implements RateLimiter: the budget's schedule moves, and slots this process booked
// before the pause are dropped.
func (l *budgetLimiter) Pause(ctx context.Context, key RateKey, d time.Duration) error {
	l.dropSpare(key)
	return l.b.Pause(ctx, key, d)
}

// Block implements RateLimiter.
func (l *budgetLimiter) Block(ctx context.Context, key RateKey, until time.Time) error {
	l.dropSpare(key)
	return l.b.Block(ctx, key, until)
}

// dropSpare forgets the slots key has to spare.
func (l *budgetLimiter) dropSpare(key RateKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if q := l.q[key]; q != nil {
		q.spare = nil
	}
}

// pump books slots for key's waiting callers, one round trip at a time, until none waits:
// interactive callers first (all of them, however far ahead), then background callers within
// the look-ahead; when the look-ahead is full it sleeps until a batch fits again, or until an
// interactive caller comes.
func (l *budgetLimiter) pump(key RateKey, q *keyQueue) {
	for {
		l.mu.Lock()
		q.handOut(time.Now())
		inter, bg := len(q.waiting[Interactive]), len(q.waiting[Background])
		if inter+bg == 0 {
			q.pumping = false
			if len(q.spare) == 0 {
				delete(l.q, key)
			}
			l.mu.Unlock()
			return
		}
		prio, n := Interactive, inter
		if inter == 0 {
			prio, n = Background, bg
		}
		pace := q.pace(prio)
		horizon := time.Duration(0)
		if prio == Background {
			horizon = LookAhead(pace)
		}
		n = min(n, maxBooking)
		l.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), bookTimeout)
		bk, err := l.b.Book(ctx, key, pace, n, horizon)
		cancel()
		at := time.Now()
		if l.booked != nil {
			l.booked(key, prio, n, bk)
		}

		l.mu.Lock()
		var sleep time.Duration
		switch {
		case err != nil:
			q.answerAll(Reservation{}, err) // each caller falls back to pacing in memory
		case !bk.BlockedUntil.IsZero():
			q.spare = nil
			q.answerAll(Reservation{BlockedUntil: bk.BlockedUntil}, nil)
		default:
			for i := range bk.Count {
				q.spare = append(q.spare, at.Add(max(bk.Offset+time.Duration(i)*pace.Interval, 0)))
			}
			slices.SortFunc(q.spare, func(a, b time.Time) int { return a.Compare(b) })
			q.handOut(at)
			if prio == Background && bk.Count < n && len(q.waiting[Background]) > 0 {
				// Booked up to the look-ahead: sleep until a batch of slots fits in it again.
				next := bk.Offset + time.Duration(bk.Count)*pace.Interval
				fill := min(len(q.waiting[Background]), max(1, int(horizon/(2*pace.Interval))))
				sleep = next + time.Duration(fill-1)*pace.Interval - horizon - time.Since(at)
			}
		}
		l.mu.Unlock()
		if sleep > 0 {
			t := time.NewTimer(sleep)
			select {
			case <-t.C:
			case <-q.wake:
			}
			t.Stop()
		}
	}
}

// pace is the slowest pace the callers of priority p wait at (a budget whose limit Zoom
// reported lower is paced at it from the next caller on).
func (q *keyQueue) pace(p Priority) Pace {
	out := q.waiting[p][0].pace
	for _, w := range q.waiting[p][1:] {
		if w.pace.Interval > out.Interval {
			out = w.pace
		}
	}
	return out
}

// handOut gives spare slots to waiting callers, interactive ones first, earliest slot first;
// slots too late to use are dropped.
func (q *keyQueue) handOut(now time.Time) {
	for len(q.spare) > 0 && now.Sub(q.spare[0]) > slotGrace {
		q.spare = q.spare[1:]
	}
	for _, p := range []Priority{Interactive, Background} {
		for len(q.spare) > 0 && len(q.waiting[p]) > 0 {
			w := q.waiting[p][0]
			q.waiting[p] = q.waiting[p][1:]
			w.at = q.spare[0]
			q.spare = q.spare[1:]
			w.answer(Reservation{}, nil)
		}
	}
}

// giveBack returns the slot of a caller that gave up, for the next caller.
func (q *keyQueue) giveBack(at time.Time) {
	q.spare = append(q.spare, at)
	slices.SortFunc(q.spare, func(a, b time.Time) int { return a.Compare(b) })
}

// answerAll answers every waiting caller with res or err.
func (q *keyQueue) answerAll(res Reservation, err error) {
	for p := range q.waiting {
		for _, w := range q.waiting[p] {
			w.answer(res, err)
		}
		q.waiting[p] = nil
	}
}

// answer answers the caller (under the limiter's lock).
func (w *slotWaiter) answer(res Reservation, err error) {
	w.res, w.err, w.done = res, err, true
	close(w.ready)
}
