package zoom_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

func TestDebugLower(t *testing.T) {
	e := newEnv(t, sandbox.Options{LimitsMultiplier: 0.25}, zoom.Config{RateLimitPause: time.Second})
	c := e.s2s(e.svc, "tierdesk-s2s-northwind")
	c.Me(context.Background())
	e.clearRequests()
	burst(t, []*zoom.Client{c}, 45)
	reqs := e.requests("GET", "/v2/accounts")
	t0 := reqs[0].Time
	for _, r := range reqs {
		fmt.Printf("%6d %d\n", r.Time.Sub(t0).Milliseconds(), r.Status)
	}
}
