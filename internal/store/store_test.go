package store_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/store/storetest"
)

func registerPartner(t *testing.T, st *store.Store, account, email string) (store.Partner, store.Staff) {
	t.Helper()
	ctx := context.Background()
	grantID, err := st.SavePendingGrant(ctx, account, "zu-"+email, "client", store.Tokens{AccessToken: "at-" + email, RefreshToken: "rt-" + email, Expiry: time.Now().Add(time.Hour), Scopes: "account:master"})
	if err != nil {
		t.Fatal(err)
	}
	p, owner, err := st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: account, Name: "Partner " + account,
		Owner: store.StaffIdentity{ZoomUserID: "zu-" + email, Email: email, FirstName: "Olive", LastName: "Owner"}, GrantID: grantID}, store.AuditEvent{RequestID: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	return p, owner
}

func TestRegisterPartner(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, owner := registerPartner(t, st, "acct1", "owner@one.example")
	if owner.Role != store.RoleOwner || owner.Status != store.StaffActive || owner.PartnerID != p.ID {
		t.Fatalf("owner = %+v", owner)
	}
	g, err := st.StaffGrant(ctx, p.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Tokens.RefreshToken != "rt-owner@one.example" || g.Status != store.GrantActive {
		t.Fatalf("grant = %+v", g)
	}
	// A second registration of the same account conflicts, and its grant stays unclaimed.
	grant2, err := st.SavePendingGrant(ctx, "acct1", "zu-2", "client", store.Tokens{AccessToken: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: "acct1", Name: "Again",
		Owner: store.StaffIdentity{ZoomUserID: "zu-2", Email: "admin@one.example"}, GrantID: grant2}, store.AuditEvent{})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second registration err = %v, want ErrConflict", err)
	}
	// A grant of another account cannot be claimed.
	grant3, err := st.SavePendingGrant(ctx, "acct-other", "zu-3", "client", store.Tokens{AccessToken: "y"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: "acct2", Name: "Two",
		Owner: store.StaffIdentity{ZoomUserID: "zu-3", Email: "o@two.example"}, GrantID: grant3}, store.AuditEvent{})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("claim of a foreign grant err = %v, want ErrNotFound", err)
	}
	if _, err := st.PartnerByZoomAccount(ctx, "acct2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failed registration left a partner: %v", err)
	}
}

func TestTokensEncryptedAtRest(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, owner := registerPartner(t, st, "acct-enc", "owner@enc.example")
	var access, refresh []byte
	var keyID string
	err := storetest.Superuser(t, st).QueryRow(ctx, "SELECT access_token, refresh_token, key_id FROM zoom_grants WHERE staff_id = $1", owner.ID).Scan(&access, &refresh, &keyID)
	if err != nil {
		t.Fatal(err)
	}
	if keyID != "test" || len(access) == 0 || len(refresh) == 0 {
		t.Fatalf("key id %q, %d/%d bytes", keyID, len(access), len(refresh))
	}
	if bytes.Contains(access, []byte("at-owner")) || bytes.Contains(refresh, []byte("rt-owner")) {
		t.Fatal("a token is stored in the clear")
	}
	tokens, err := st.RevokeGrant(ctx, p.ID, mustGrant(t, st, p.ID, owner.ID), nil)
	if err != nil || tokens.AccessToken != "at-owner@enc.example" {
		t.Fatalf("revoke = %+v, %v", tokens, err)
	}
	g, err := st.StaffGrant(ctx, p.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Status != store.GrantRevoked || g.Tokens.AccessToken != "" || g.Tokens.RefreshToken != "" {
		t.Fatalf("after revoke: %+v", g)
	}
}

func mustGrant(t *testing.T, st *store.Store, partnerID, staffID int64) int64 {
	t.Helper()
	g, err := st.StaffGrant(context.Background(), partnerID, staffID)
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

func TestSignInStaff(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, owner := registerPartner(t, st, "acct-s", "owner@s.example")
	other, _ := registerPartner(t, st, "acct-t", "owner@t.example")

	invited, err := st.InviteStaff(ctx, p.ID, "Sue@S.example", store.RoleSupport, &owner.ID, store.AuditEvent{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.InviteStaff(ctx, p.ID, "sue@s.example", store.RoleViewer, &owner.ID, store.AuditEvent{}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate invite err = %v", err)
	}
	// Another partner's staff cannot sign in here, even with the invited email.
	if _, err := signIn(st, other.ID, store.StaffIdentity{ZoomUserID: "zu-sue", Email: "sue@s.example"}); !errors.Is(err, store.ErrNotStaff) {
		t.Fatalf("sign-in at other partner err = %v", err)
	}
	s, err := signIn(st, p.ID, store.StaffIdentity{ZoomUserID: "zu-sue", Email: "sue@s.example", FirstName: "Sue"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != invited.ID || s.Status != store.StaffActive || s.Role != store.RoleSupport || s.LastSignInAt == nil || s.FirstName != "Sue" {
		t.Fatalf("signed in = %+v", s)
	}
	// Later sign-ins match on the Zoom user id, even if the email changed at Zoom.
	s2, err := signIn(st, p.ID, store.StaffIdentity{ZoomUserID: "zu-sue", Email: "sue.new@s.example"})
	if err != nil || s2.ID != invited.ID || s2.Email != "sue.new@s.example" {
		t.Fatalf("second sign-in = %+v, %v", s2, err)
	}
	// Sue's email at Zoom changes to one an invitation holds: she still signs in, keeping hers.
	if _, err := st.InviteStaff(ctx, p.ID, "taken@s.example", store.RoleViewer, nil, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	if s3, err := signIn(st, p.ID, store.StaffIdentity{ZoomUserID: "zu-sue", Email: "taken@s.example"}); err != nil || s3.Email != "sue.new@s.example" {
		t.Fatalf("sign-in with a taken email: %+v %v", s3.Email, err)
	}
	// Someone else with the old email address is not Sue.
	if _, err := signIn(st, p.ID, store.StaffIdentity{ZoomUserID: "zu-mallory", Email: "sue@s.example"}); !errors.Is(err, store.ErrNotStaff) {
		t.Fatalf("impostor err = %v", err)
	}
	if _, err := storetest.Superuser(t, st).Exec(ctx, "UPDATE staff SET status = 'suspended' WHERE id = $1", invited.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := signIn(st, p.ID, store.StaffIdentity{ZoomUserID: "zu-sue", Email: "sue.new@s.example"}); !errors.Is(err, store.ErrStaffSuspended) {
		t.Fatalf("suspended err = %v", err)
	}
}

func TestSignInStateSingleUseBoundAndExpiring(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	if err := st.CreateSignInState(ctx, "state-1", "browser-1", "verifier-1"); err != nil {
		t.Fatal(err)
	}
	// A foreign browser is refused, and the attempt burns the state.
	if _, err := st.ConsumeSignInState(ctx, "state-1", "browser-2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("foreign binding err = %v", err)
	}
	if _, err := st.ConsumeSignInState(ctx, "state-1", "browser-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after a foreign attempt err = %v", err)
	}
	if err := st.CreateSignInState(ctx, "state-2", "browser-1", "verifier-2"); err != nil {
		t.Fatal(err)
	}
	v, err := st.ConsumeSignInState(ctx, "state-2", "browser-1")
	if err != nil || v != "verifier-2" {
		t.Fatalf("consume = %q, %v", v, err)
	}
	if _, err := st.ConsumeSignInState(ctx, "state-2", "browser-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("replay err = %v", err)
	}
	if err := st.CreateSignInState(ctx, "state-3", "browser-1", "verifier-3"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, "UPDATE signin_states SET created_at = now() - interval '11 minutes'"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConsumeSignInState(ctx, "state-3", "browser-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired err = %v", err)
	}
}

func TestConcurrentRegistrationOneWins(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		grant, err := st.SavePendingGrant(ctx, "acct-race", "zu", "client", store.Tokens{AccessToken: "t"})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(i int, grant int64) {
			defer wg.Done()
			_, _, err := st.RegisterPartner(ctx, store.RegisterPartnerParams{ZoomAccountID: "acct-race", Name: "Race",
				Owner: store.StaffIdentity{ZoomUserID: "zu", Email: "o@race.example"}, GrantID: grant}, store.AuditEvent{})
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, store.ErrConflict) {
				t.Errorf("registration %d: %v", i, err)
			}
		}(i, grant)
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d registrations won, want 1", wins)
	}
}

func TestRefreshUserGrantRefreshesOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, owner := registerPartner(t, st, "acct-r", "owner@r.example")
	g, err := st.StaffGrant(ctx, p.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	stale := g.Tokens.AccessToken
	var mu sync.Mutex
	calls := 0
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := st.RefreshUserGrant(ctx, p.ID, g.ID, stale, func(cur store.Tokens) (store.Tokens, error) {
				mu.Lock()
				calls++
				mu.Unlock()
				if cur.RefreshToken != "rt-owner@r.example" {
					t.Errorf("refresh got refresh token %q", cur.RefreshToken)
				}
				return store.Tokens{AccessToken: "at-2", RefreshToken: "rt-2", Expiry: time.Now().Add(time.Hour)}, nil
			})
			if err != nil || got.AccessToken != "at-2" {
				t.Errorf("refresh = %+v, %v", got, err)
			}
		}()
	}
	wg.Wait()
	if calls != 1 {
		t.Fatalf("refresh called %d times, want 1", calls)
	}
	g, err = st.StaffGrant(ctx, p.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Tokens.RefreshToken != "rt-2" || g.Tokens.Scopes != "account:master" {
		t.Fatalf("stored after refresh: %+v", g.Tokens)
	}
	// Zoom refused a refresh token the grant no longer holds (a newer sign-in replaced it):
	// the grant stays active.
	if err := st.MarkGrantExpired(ctx, p.ID, g.ID, "rt-owner@r.example"); !errors.Is(err, store.ErrGrantSuperseded) {
		t.Fatalf("expiring for a superseded refresh token: %v", err)
	}
	if g, err = st.StaffGrant(ctx, p.ID, owner.ID); err != nil || g.Status != store.GrantActive || g.Tokens.RefreshToken != "rt-2" {
		t.Fatalf("after a superseded refusal: %s %+v (%v)", g.Status, g.Tokens, err)
	}
	if err := st.MarkGrantExpired(ctx, p.ID, g.ID, "rt-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RefreshUserGrant(ctx, p.ID, g.ID, "at-2", nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("refresh of an expired grant: %v", err)
	}
}

// signIn signs a Zoom user in with a throwaway grant.
func signIn(st *store.Store, partnerID int64, who store.StaffIdentity) (store.Staff, error) {
	s, _, err := st.SignIn(context.Background(), partnerID, who, store.GrantInput{ZoomAccountID: "acct", ZoomUserID: who.ZoomUserID,
		Tokens: store.Tokens{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}}, store.AuditEvent{})
	return s, err
}

func TestSealedTokenMovedToAnotherRowDoesNotDecrypt(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	ctx := context.Background()
	p, a := registerPartner(t, st, "acct-mv", "a@mv.example")
	if _, err := st.InviteStaff(ctx, p.ID, "b@mv.example", store.RoleAdmin, nil, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	b, err := signIn(st, p.ID, store.StaffIdentity{ZoomUserID: "zu-b", Email: "b@mv.example"})
	if err != nil {
		t.Fatal(err)
	}
	su := storetest.Superuser(t, st)
	if _, err := su.Exec(ctx, `UPDATE zoom_grants SET refresh_token = (SELECT refresh_token FROM zoom_grants WHERE staff_id = $1),
		key_id = (SELECT key_id FROM zoom_grants WHERE staff_id = $1) WHERE staff_id = $2`, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if g, err := st.StaffGrant(ctx, p.ID, b.ID); err == nil {
		t.Fatalf("b's grant decrypted a's token: %q", g.Tokens.RefreshToken)
	}
}
