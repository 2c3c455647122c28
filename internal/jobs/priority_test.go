package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/jobs"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/service/servicetest"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// priorities is a zoom.RateLimiter that notes the priority of every call it paces.
type priorities struct {
	zoom.RateLimiter
	mu   sync.Mutex
	seen map[zoom.Priority]int
}

func (p *priorities) Reserve(ctx context.Context, key zoom.RateKey, pace zoom.Pace) (zoom.Reservation, error) {
	p.mu.Lock()
	p.seen[zoom.PriorityOf(ctx)]++
	p.mu.Unlock()
	return p.RateLimiter.Reserve(ctx, key, pace)
}

func (p *priorities) counts() (interactive, background int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[zoom.Interactive], p.seen[zoom.Background]
}

// Every River job's Zoom calls wait for their budget as background work, behind people's: the
// portal's River client (the periodic sync it runs at start, and the customer sync that one
// queues) calls Zoom with zoom.Background, and a call made outside a job is Interactive.
func TestJobsCallZoomAsBackgroundWork(t *testing.T) {
	se := servicetest.New(t)
	lim := &priorities{RateLimiter: service.RateLimiter(se.Store), seen: map[zoom.Priority]int{}}
	zs, err := zoom.NewService(zoom.Config{APIURL: se.App.OAuthURL + "/v2", App: se.App, Grants: service.GrantStore(se.Store), Limiter: lim})
	if err != nil {
		t.Fatal(err)
	}
	p, owner, _ := se.Register("owner@contoso.example")
	rc, err := jobs.NewClient(se.Store, zs, se.Log, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := rc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		rc.Stop(stop)
	})
	// The sync River runs when the process starts (once it leads) reads the partner's sub
	// accounts from Zoom.
	for deadline := time.Now().Add(60 * time.Second); ; {
		var done int
		if err := se.Super.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'sync_customers' AND state = 'completed'`).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no customer sync ran within 60 s")
		}
		time.Sleep(20 * time.Millisecond) // polling a row: the event is the sync's completion
	}
	if inter, bg := lim.counts(); inter != 0 || bg == 0 {
		t.Fatalf("River jobs made %d interactive and %d background calls, want only background ones", inter, bg)
	}
	svc := service.New(se.Store, zs, se.Log)
	zc, err := svc.ForRead(ctx, p.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := zc.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if inter, _ := lim.counts(); inter != 1 {
		t.Fatalf("a call outside a job was counted %d times as interactive, want 1", inter)
	}
}
