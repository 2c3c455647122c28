package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// userGrant registers a partner whose owner signed in with tokens, and returns the partner
// and the owner's user grant.
func userGrant(t *testing.T, st *store.Store, tokens store.Tokens) (partnerID, grantID int64) {
	t.Helper()
	ctx := context.Background()
	grantID, err := st.SavePendingGrant(ctx, "acct-northwind", "user-owner", "client-1", tokens)
	if err != nil {
		t.Fatalf("SavePendingGrant: %v", err)
	}
	owner := store.StaffIdentity{ZoomUserID: "user-owner", Email: "owner@northwind.example", FirstName: "Olive", LastName: "Owner"}
	p, _, err := st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: "acct-northwind", Name: "Northwind",
		Owner: owner, GrantID: grantID}, store.AuditEvent{})
	if err != nil {
		t.Fatalf("RegisterPartner: %v", err)
	}
	return p.ID, grantID
}

// The grant adapter reads and refreshes a user grant in PostgreSQL, and speaks the zoom
// package's language about it: a grant that is missing, expired or refused needs a new
// sign-in (zoom.NeedsReauth), a Server-to-Server grant is not a user grant, a refusal of a
// refresh token the grant no longer holds is "superseded", and expiring a grant twice is
// no error.
func TestGrantStore(t *testing.T) {
	st := storetest.NewStore(t)
	g := service.GrantStore(st)
	ctx := context.Background()
	first := store.Tokens{AccessToken: "access-1", RefreshToken: "refresh-1",
		Expiry: time.Now().Add(time.Hour).Truncate(time.Microsecond), Scopes: "user:read:admin"}
	partnerID, grantID := userGrant(t, st, first)

	acct, got, err := g.UserGrant(ctx, partnerID, grantID)
	if err != nil || acct != "acct-northwind" || got.AccessToken != first.AccessToken || got.RefreshToken != first.RefreshToken ||
		!got.Expiry.Equal(first.Expiry) || got.Scopes != first.Scopes {
		t.Fatalf("UserGrant = %q, %+v, %v; want acct-northwind and %+v", acct, got, err, first)
	}
	if _, _, err := g.UserGrant(ctx, partnerID, grantID+1000); !zoom.NeedsReauth(err) {
		t.Errorf("UserGrant of a missing grant: err %v, want NeedsReauth", err)
	}
	s2s, err := st.SaveS2SGrant(ctx, partnerID, "acct-northwind", "s2s-client", "s2s-secret", store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.UserGrant(ctx, partnerID, s2s); err == nil || zoom.NeedsReauth(err) {
		t.Errorf("UserGrant of a Server-to-Server grant: err %v, want an error that is not NeedsReauth", err)
	}

	// A refresh gets the stored tokens and stores what it returns (the scopes kept when Zoom
	// does not repeat them).
	second := zoom.Tokens{AccessToken: "access-2", RefreshToken: "refresh-2", Expiry: time.Now().Add(2 * time.Hour).Truncate(time.Microsecond)}
	var seen zoom.Tokens
	refreshed, err := g.RefreshUserGrant(ctx, partnerID, grantID, first.AccessToken, func(cur zoom.Tokens) (zoom.Tokens, error) {
		seen = cur
		return second, nil
	})
	if err != nil || refreshed.AccessToken != second.AccessToken {
		t.Fatalf("RefreshUserGrant = %+v, %v; want %+v", refreshed, err, second)
	}
	if seen.RefreshToken != first.RefreshToken {
		t.Errorf("refresh was given refresh token %q, want the stored %q", seen.RefreshToken, first.RefreshToken)
	}
	if _, got, err := g.UserGrant(ctx, partnerID, grantID); err != nil || got.RefreshToken != "refresh-2" ||
		!got.Expiry.Equal(second.Expiry) || got.Scopes != first.Scopes {
		t.Errorf("after the refresh UserGrant = %+v, %v; want refresh-2, expiry %v, scopes %q", got, err, second.Expiry, first.Scopes)
	}

	// Zoom refused a refresh token the grant no longer holds: a newer sign-in replaced it.
	if superseded, err := g.MarkGrantExpired(ctx, partnerID, grantID, "refresh-1"); err != nil || !superseded {
		t.Fatalf("MarkGrantExpired of an old refresh token = %v, %v; want superseded", superseded, err)
	}
	if _, _, err := g.UserGrant(ctx, partnerID, grantID); err != nil {
		t.Fatalf("a superseded refusal expired the grant: %v", err)
	}
	if superseded, err := g.MarkGrantExpired(ctx, partnerID, grantID, "refresh-2"); err != nil || superseded {
		t.Fatalf("MarkGrantExpired = %v, %v; want the grant expired", superseded, err)
	}
	if _, _, err := g.UserGrant(ctx, partnerID, grantID); !zoom.NeedsReauth(err) {
		t.Errorf("UserGrant of an expired grant: err %v, want NeedsReauth", err)
	}
	called := false
	_, err = g.RefreshUserGrant(ctx, partnerID, grantID, "access-2", func(zoom.Tokens) (zoom.Tokens, error) {
		called = true
		return zoom.Tokens{}, errors.New("not expected")
	})
	if !zoom.NeedsReauth(err) || called {
		t.Errorf("RefreshUserGrant of an expired grant: err %v, refresh called %v; want NeedsReauth without a refresh", err, called)
	}
	if superseded, err := g.MarkGrantExpired(ctx, partnerID, grantID, "refresh-2"); err != nil || superseded {
		t.Errorf("MarkGrantExpired of an expired grant = %v, %v; want no error", superseded, err)
	}
}

// The PostgreSQL rate limiter: a burst goes at once, then the pace; a pause holds the budget back;
// a daily block refuses until its time; budgets are per account and label.
func TestRateLimiter(t *testing.T) {
	l := service.RateLimiter(storetest.NewStore(t))
	ctx := context.Background()
	key, pace := zoom.RateKey{ZoomAccountID: "acct-1", Label: zoom.Light}, zoom.Pace{Interval: 100 * time.Millisecond, Burst: 3}
	// The database clock runs on between the reservations: each wait is its schedule's less
	// the time since the first reservation, which is at most the time measured here around
	// them (however slow the machine, and without guessing a margin).
	start := time.Now()
	var waits, elapsed []time.Duration
	for range 5 {
		r, err := l.Reserve(ctx, key, pace)
		if err != nil {
			t.Fatal(err)
		}
		waits, elapsed = append(waits, r.Wait), append(elapsed, time.Since(start))
	}
	for i, want := range []time.Duration{0, 0, 0, 100 * time.Millisecond, 200 * time.Millisecond} {
		if waits[i] > want || waits[i] < want-elapsed[i] {
			t.Fatalf("waits = %v (%v after the first reservation), want [0 0 0 100ms 200ms] less the time since the first", waits, elapsed)
		}
	}
	if r, err := l.Reserve(ctx, zoom.RateKey{ZoomAccountID: "acct-1", Label: zoom.Medium}, pace); err != nil || r.Wait != 0 {
		t.Errorf("another label waits %v: %v", r.Wait, err)
	}
	paused := time.Now()
	if err := l.Pause(ctx, key, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// The schedule moved 5 s ahead; a burst's worth of it (2 × 100 ms) is still usable at once.
	r, err := l.Reserve(ctx, key, pace)
	if since := time.Since(paused); err != nil || r.Wait > 4800*time.Millisecond || r.Wait < 4800*time.Millisecond-since {
		t.Errorf("after a 5 s pause the wait is %v (%v after the pause), want 4.8 s less the time since the pause: %v", r.Wait, since, err)
	}
	until := time.Now().Add(time.Hour).Truncate(time.Microsecond)
	if err := l.Block(ctx, key, until); err != nil {
		t.Fatal(err)
	}
	if r, err := l.Reserve(ctx, key, pace); err != nil || !r.BlockedUntil.Equal(until) {
		t.Errorf("blocked reservation = %+v, %v; want BlockedUntil %v", r, err, until)
	}
	if err := l.Block(ctx, key, time.Now().Add(-time.Hour)); err != nil { // an earlier block never shortens
		t.Fatal(err)
	}
	if r, err := l.Reserve(ctx, key, pace); err != nil || !r.BlockedUntil.Equal(until) {
		t.Errorf("an older block shortened the current one: %+v, %v", r, err)
	}
	if r, err := l.Reserve(ctx, zoom.RateKey{ZoomAccountID: "acct-2", Label: zoom.Light}, pace); err != nil || !r.BlockedUntil.IsZero() || r.Wait != 0 {
		t.Errorf("another account is affected: %+v, %v", r, err)
	}
}
