package zoom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// An expired page token restarts the walk, which yields every account exactly once.
func TestExpiredPageTokenRestartsTheWalk(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-contoso")
	ctx := context.Background()

	want := map[string]bool{}
	for a, err := range c.SubAccounts(ctx, &zoom.ListSubAccountsOptions{PageSize: 300}) {
		if err != nil {
			t.Fatal(err)
		}
		want[a.ID] = true
	}
	if len(want) < 30 {
		t.Fatalf("Contoso has %d sub accounts, want 30 or more for several pages", len(want))
	}

	e.clearRequests()
	got := map[string]int{}
	n := 0
	for a, err := range c.SubAccounts(ctx, &zoom.ListSubAccountsOptions{PageSize: 10}) {
		if err != nil {
			t.Fatalf("walk: %v", err)
		}
		got[a.ID]++
		if n++; n == 15 { // a slow consumer: the next page token is now older than 15 minutes
			e.sb.Advance(16 * time.Minute)
		}
	}
	for id, k := range got {
		if k != 1 {
			t.Errorf("account %s yielded %d times", id, k)
		}
		if !want[id] {
			t.Errorf("account %s is not a sub account of Contoso", id)
		}
	}
	if len(got) != len(want) {
		t.Errorf("walk yielded %d accounts, want %d", len(got), len(want))
	}

	reqs := e.requests("GET", "/v2/accounts")
	refused, restarts := 0, 0
	for i, r := range reqs {
		if r.Status == 400 && r.Code == 300 && strings.Contains(r.Query, "next_page_token") {
			refused++
			if i+1 < len(reqs) && !strings.Contains(reqs[i+1].Query, "next_page_token") {
				restarts++
			}
		}
	}
	if refused != 1 || restarts != 1 {
		t.Errorf("sandbox saw %d refused page tokens and %d restarts, want 1 and 1 (log %v)", refused, restarts, statuses(reqs))
	}
}

// Users walks every status when asked, and pending users (no id in lists) are yielded too.
func TestUsersAllStatuses(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, zoom.Config{})
	c := e.s2s(e.svc, "tierdesk-s2s-contoso")
	ctx := context.Background()
	sub := firstSubAccount(t, c)
	byStatus := map[string]int{}
	emails := map[string]bool{}
	for u, err := range c.Users(ctx, sub, &zoom.ListUsersOptions{Status: zoom.AllStatuses, PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		byStatus[u.Status]++
		if emails[strings.ToLower(u.Email)] {
			t.Errorf("user %s yielded twice", u.Email)
		}
		emails[strings.ToLower(u.Email)] = true
		if u.Status == zoom.UserPending && u.ID != "" {
			t.Errorf("pending user %s has an id in the list", u.Email)
		}
	}
	if byStatus[zoom.UserActive] == 0 || byStatus[zoom.UserPending] == 0 || byStatus[zoom.UserInactive] == 0 {
		t.Errorf("statuses seen: %v, want active, inactive and pending users", byStatus)
	}
	// Stopping early stops fetching.
	e.clearRequests()
	for range c.Users(ctx, sub, &zoom.ListUsersOptions{PageSize: 1}) {
		break
	}
	if n := len(e.requests("", "*")); n != 1 {
		t.Errorf("breaking after the first user made %d requests, want 1", n)
	}
}
