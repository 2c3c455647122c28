package zoom

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxInFlight bounds the units of work a Flow keeps in flight when its caller sets no
// bound: 32 calls cover Business+'s Light budget (40 calls/s at Tierdesk's share) at up to
// 800 ms of Zoom latency per call.
const DefaultMaxInFlight = 32

// flowStart is how many units a Flow starts with before it has measured any.
const flowStart = 8

// Flow runs units of work (a bulk row, a customer's directory) that each make Zoom calls on
// one budget (a Client's account and one label), with as many in flight as the budget and
// Zoom's latency need: by Little's law, rate × the time a unit takes when it does not wait for
// the budget, measured as the flow runs (with a quarter more, and one more, so that the budget
// and not the round trips sets the pace), within [1, max]. More would only wait for the
// budget; fewer would leave it unused. A Flow is safe for concurrent use; its Run calls may
// overlap.
type Flow struct {
	c     *Client
	label Label
	max   int
	share float64 // the part of the budget's rate the flow may use; 0 for all of it

	mu    sync.Mutex
	n     int     // units measured
	busy  float64 // seconds a unit takes besides waiting for the budget (moving average)
	calls float64 // calls a unit makes (moving average)
}

// Flow returns a Flow for units of work whose calls spend c's budget for label, with at most
// max in flight (max ≤ 0 means DefaultMaxInFlight).
func (c *Client) Flow(label Label, max int) *Flow {
	if max <= 0 {
		max = DefaultMaxInFlight
	}
	return &Flow{c: c, label: label, max: max}
}

// Rate is the calls per second c's budget for label allows (0: not paced).
func (c *Client) Rate(label Label) float64 {
	account := ""
	if c.grant != nil {
		account = c.grant.ZoomAccountID()
	}
	p := c.rt.pace(RateKey{ZoomAccountID: account, Label: label})
	if p.Interval <= 0 {
		return 0
	}
	return float64(time.Second) / float64(p.Interval)
}

// Share limits the flow to fraction (0 to 1) of its budget's rate: units start no faster than
// that rate allows for the calls a unit makes (as measured so far; one before any), however
// many may be in flight. Background work that must leave the budget to other work (the steady
// refresh of user directories) runs with a small share. It returns f.
func (f *Flow) Share(fraction float64) *Flow {
	f.share = min(max(fraction, 0), 1)
	return f
}

// unitGap is how long after a unit's start the next may start under the flow's share (0 when
// the flow has none or its budget is not paced).
func (f *Flow) unitGap() time.Duration {
	if f.share <= 0 {
		return 0
	}
	rate := f.c.Rate(f.label) * f.share
	if rate <= 0 {
		return 0
	}
	f.mu.Lock()
	calls := 1.0
	if f.n > 0 {
		calls = math.Max(f.calls, 1)
	}
	f.mu.Unlock()
	return time.Duration(calls / rate * float64(time.Second))
}

// InFlight is how many units the flow keeps in flight now.
func (f *Flow) InFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		return min(flowStart, f.max)
	}
	rate := f.c.Rate(f.label)
	if rate <= 0 {
		return f.max
	}
	want := rate / math.Max(f.calls, 1) * f.busy * 1.25
	return max(1, min(f.max, int(math.Ceil(want))+1))
}

// observe records a unit that took d in all, of which it waited wait for the budget, making
// calls calls.
func (f *Flow) observe(d, wait time.Duration, calls int64) {
	if calls <= 0 {
		return // it made no call: nothing learnt about Zoom
	}
	busy := max(d-wait, 0).Seconds()
	f.mu.Lock()
	defer f.mu.Unlock()
	const weight = 0.2
	if f.n == 0 {
		f.busy, f.calls = busy, float64(calls)
	} else {
		f.busy += weight * (busy - f.busy)
		f.calls += weight * (float64(calls) - f.calls)
	}
	f.n++
}

// Run calls do(ctx, i) for i from 0 to n-1, in order, each in its own goroutine, with at most
// InFlight running at once, and returns when every one it started has returned. It starts no
// more once ctx is done or a do returned false. do's context carries ctx's values and
// cancellation, and measures the calls made with it.
func (f *Flow) Run(ctx context.Context, n int, do func(ctx context.Context, i int) bool) {
	var (
		wg      sync.WaitGroup
		stop    atomic.Bool
		mu      sync.Mutex
		running int
		freed   = make(chan struct{}, 1)
	)
	// acquire waits until fewer than InFlight units run, and counts one more; false when no
	// more may start.
	acquire := func() bool {
		for {
			if ctx.Err() != nil || stop.Load() {
				return false
			}
			mu.Lock()
			if running < f.InFlight() {
				running++
				mu.Unlock()
				return true
			}
			mu.Unlock()
			select {
			case <-freed:
			case <-ctx.Done():
			}
		}
	}
	var next time.Time // the earliest start of the next unit, under the flow's share
	for i := range n {
		if wait := time.Until(next); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		if !acquire() {
			break
		}
		if gap := f.unitGap(); gap > 0 {
			next = time.Now().Add(gap)
		}
		wg.Go(func() {
			m := &meter{}
			start := time.Now()
			more := do(context.WithValue(ctx, meterKey{}, m), i)
			f.observe(time.Since(start), time.Duration(m.wait.Load()), m.calls.Load())
			if !more {
				stop.Store(true)
			}
			mu.Lock()
			running--
			mu.Unlock()
			select {
			case freed <- struct{}{}:
			default:
			}
		})
	}
	wg.Wait()
}

// meter adds up the calls made with a context and their waits for the budget.
type meter struct {
	calls atomic.Int64 // HTTP attempts sent
	wait  atomic.Int64 // nanoseconds waited for the budget
}

// meterKey is the context key of a Flow unit's meter.
type meterKey struct{}

// metered adds a call's attempts and throttle wait to ctx's meter, if any.
func metered(ctx context.Context, r *Response) {
	if m, ok := ctx.Value(meterKey{}).(*meter); ok {
		m.calls.Add(int64(r.Attempts))
		m.wait.Add(int64(r.ThrottleWait))
	}
}
