package service_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/service/servicetest"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// The service layer runs here without HTTP between a page and it: a real PostgreSQL (a fresh
// database), the demo sandbox over real HTTP, and a partner registered the way sign-in does.

type svEnv struct {
	*servicetest.Env
	t        *testing.T
	st       *store.Store
	super    *pgxpool.Pool
	sb       *sandbox.Sandbox
	svc      *service.Service
	partner  store.Partner
	actor    service.Actor
	customer store.Customer
}

const svOwner = "owner@contoso.example"

func svNewEnv(t *testing.T) *svEnv {
	t.Helper()
	ctx := context.Background()
	se := servicetest.New(t)
	e := &svEnv{Env: se, t: t, st: se.Store, super: se.Super, sb: se.SB, svc: se.Svc}
	p, owner, grantID := se.Register(svOwner)
	e.partner, e.actor = p, service.Actor{PartnerID: p.ID, StaffID: owner.ID, GrantID: grantID}
	// One of its customers with members, in the cache with its user directory.
	sub := se.User(func(o sandbox.UserInfo) bool {
		if o.Role != "Owner" || o.Primary || o.ParentAccountID != p.ZoomAccountID {
			return false
		}
		for _, m := range se.SB.Users() {
			if m.AccountID == o.AccountID && m.Role == "Member" && m.Status == "active" {
				return true
			}
		}
		return false
	})
	now, err := e.st.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SaveSyncedCustomers(ctx, p.ID, []store.SyncedCustomer{{ZoomAccountID: sub.AccountID, AccountName: sub.AccountName}}, now, ""); err != nil {
		t.Fatal(err)
	}
	if e.customer, err = e.st.CustomerByAccount(ctx, p.ID, sub.AccountID); err != nil {
		t.Fatal(err)
	}
	zr, err := e.svc.ForRead(ctx, p.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.RefreshUserDirectory(ctx, zr, p.ID, e.customer, store.AuditEvent{}); err != nil {
		t.Fatal(err)
	}
	return e
}

// member is an active member of the env's customer, as the directory has them.
func (e *svEnv) member() store.CustomerUser {
	e.t.Helper()
	m := e.User(func(u sandbox.UserInfo) bool {
		return u.AccountID == e.customer.ZoomAccountID && u.Role == "Member" && u.Status == "active"
	})
	cu, err := e.st.CustomerUserByKey(context.Background(), e.partner.ID, e.customer.ID, m.Email)
	if err != nil {
		e.t.Fatal(err)
	}
	return cu
}

// patches counts the sandbox's PATCH requests for a user.
func (e *svEnv) patches(userKey string) int {
	n := 0
	for _, r := range e.sb.Requests() {
		if r.Method == http.MethodPatch && strings.HasSuffix(r.Path, "/users/"+userKey) {
			n++
		}
	}
	return n
}

// events returns the partner's events of action about target.
func (e *svEnv) events(action, target string) []store.AuditEvent {
	e.t.Helper()
	page, err := e.st.AuditEvents(context.Background(), e.partner.ID, store.AuditFilter{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.AuditEvent
	for _, ev := range page.Events {
		if ev.TargetLabel == target || ev.TargetID == target {
			out = append(out, ev)
		}
	}
	return out
}

// failAuditFor makes PostgreSQL refuse audit events about label (a trigger, as a database
// that fails the write would), and returns the function that lifts it.
func (e *svEnv) failAuditFor(label string) func() {
	e.t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE OR REPLACE FUNCTION sv_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.target_label = '` + label + `' THEN RAISE EXCEPTION 'injected audit failure'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER sv_fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION sv_fail_audit()`,
	} {
		if _, err := e.super.Exec(ctx, q); err != nil {
			e.t.Fatal(err)
		}
	}
	return func() {
		if _, err := e.super.Exec(ctx, "DROP TRIGGER sv_fail_audit ON audit_events"); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *svEnv) openIntents() int {
	e.t.Helper()
	n, err := e.st.OpenIntents(context.Background(), e.partner.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func update(u store.CustomerUser, last string) (*zoom.UserUpdate, map[string]any, map[string]any, store.DirUser) {
	save := store.DirUser{ZoomUserID: u.ZoomUserID, Email: u.Email, FirstName: u.FirstName, LastName: last, Type: u.Type, Status: u.Status, RoleID: u.RoleID}
	return &zoom.UserUpdate{LastName: &last}, map[string]any{"last_name": u.LastName}, map[string]any{"last_name": last}, save
}

// A change Zoom made whose audit write fails leaves its intent open (the page is told it is
// not recorded yet); the resolver looks the user up and audits it once, with the directory
// updated, and a second run finds nothing more to do.
func TestAChangeWhoseAuditWriteFailsIsResolvedAndAuditedOnce(t *testing.T) {
	t.Parallel()
	e := svNewEnv(t)
	ctx := context.Background()
	u := e.member()
	lift := e.failAuditFor(u.Email)
	upd, before, after, save := update(u, "Resolved")
	_, err := e.svc.UpdateUser(ctx, e.actor, store.AuditEvent{RequestID: "req-1"}, e.customer, u, upd, before, after, save)
	var nr *service.NotRecordedError
	if !errors.As(err, &nr) || nr.Kind != service.Done {
		t.Fatalf("UpdateUser with the audit write failing: %v, want a NotRecordedError of a change Zoom made", err)
	}
	if n := e.patches(u.Key()); n != 1 {
		t.Fatalf("%d PATCH requests at Zoom, want 1", n)
	}
	if got := e.events("user.update", u.Email); len(got) != 0 {
		t.Fatalf("events before the resolver: %+v", got)
	}
	if n := e.openIntents(); n != 1 {
		t.Fatalf("%d open intents after the failed write, want 1", n)
	}
	lift()
	n, err := e.svc.ResolveStaleIntents(ctx, e.partner.ID)
	if err != nil || n != 1 {
		t.Fatalf("resolver: %d resolved, %v", n, err)
	}
	got := e.events("user.update", u.Email)
	if len(got) != 1 || got[0].Outcome != store.OutcomeSucceeded || got[0].RequestID != "req-1" || got[0].StaffID == nil || *got[0].StaffID != e.actor.StaffID {
		t.Fatalf("user.update events after the resolver: %+v", got)
	}
	if !strings.Contains(string(got[0].Details), "Zoom shows the change was made") || !strings.Contains(string(got[0].Details), `"last_name":"Resolved"`) {
		t.Fatalf("the resolution's details: %s", got[0].Details)
	}
	if cu, err := e.st.CustomerUserByKey(ctx, e.partner.ID, e.customer.ID, u.Email); err != nil || cu.LastName != "Resolved" {
		t.Fatalf("the directory after the resolver: %q %v", cu.LastName, err)
	}
	if n, err := e.svc.ResolveStaleIntents(ctx, e.partner.ID); err != nil || n != 0 || e.openIntents() != 0 {
		t.Fatalf("second resolver run: %d resolved, %v, %d open", n, err, e.openIntents())
	}
	if n := e.patches(u.Key()); n != 1 {
		t.Fatalf("%d PATCH requests at Zoom after resolving, want still 1 (the resolver only looks)", n)
	}
	if got := e.events("user.update", u.Email); len(got) != 1 {
		t.Fatalf("%d user.update events after a second run, want 1", len(got))
	}
}

// An intent that cannot be written stops the change before Zoom: no request, nothing audited.
func TestNoIntentNoCall(t *testing.T) {
	t.Parallel()
	e := svNewEnv(t)
	ctx := context.Background()
	u := e.member()
	for _, q := range []string{
		`CREATE FUNCTION sv_fail_intent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected intent failure'; END $$`,
		`CREATE TRIGGER sv_fail_intent BEFORE INSERT ON zoom_intents FOR EACH ROW EXECUTE FUNCTION sv_fail_intent()`,
	} {
		if _, err := e.super.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	upd, before, after, save := update(u, "Never")
	if _, err := e.svc.UpdateUser(ctx, e.actor, store.AuditEvent{}, e.customer, u, upd, before, after, save); err == nil || !strings.Contains(err.Error(), "injected intent failure") {
		t.Fatalf("UpdateUser without an intent: %v", err)
	}
	if n := e.patches(u.Key()); n != 0 {
		t.Fatalf("%d PATCH requests at Zoom without an intent, want 0", n)
	}
	if got := e.events("user.update", u.Email); len(got) != 0 {
		t.Fatalf("events: %+v", got)
	}
}

// A change recorded normally closes its intent in the same transaction as its event.
func TestARecordedChangeClosesItsIntent(t *testing.T) {
	t.Parallel()
	e := svNewEnv(t)
	ctx := context.Background()
	u := e.member()
	res, err := e.svc.SetUserStatus(ctx, e.actor, store.AuditEvent{}, e.customer, u, zoom.StatusDeactivate)
	if err != nil || !res.Done {
		t.Fatalf("deactivate: %+v %v", res, err)
	}
	if n := e.openIntents(); n != 0 {
		t.Fatalf("%d open intents after a recorded change", n)
	}
	var outcome string
	var eventID int64
	if err := e.super.QueryRow(ctx, "SELECT outcome, audit_event_id FROM zoom_intents WHERE partner_id = $1 AND action = 'user.deactivate'", e.partner.ID).Scan(&outcome, &eventID); err != nil {
		t.Fatal(err)
	}
	evs := e.events("user.deactivate", u.Email)
	if outcome != "succeeded" || len(evs) != 1 || evs[0].ID != eventID {
		t.Fatalf("intent closed as %q by event id %d; events %+v", outcome, eventID, evs)
	}
	// Zoom's refusal is recorded too: reactivating someone who is not there is refused.
	gone := u
	gone.Email, gone.ZoomUserID = "nobody@nowhere.example", "nobody-id"
	res, err = e.svc.SetUserStatus(ctx, e.actor, store.AuditEvent{}, e.customer, gone, zoom.StatusActivate)
	if err != nil || res.Done || res.Refusal == nil || res.Message == "" {
		t.Fatalf("refused change: %+v %v", res, err)
	}
	if n := e.openIntents(); n != 0 {
		t.Fatalf("%d open intents after a refused change", n)
	}
	if evs := e.events("user.activate", "nobody@nowhere.example"); len(evs) != 1 || evs[0].Outcome != store.OutcomeFailed || evs[0].ZoomCode == 0 {
		t.Fatalf("refusal events: %+v", evs)
	}
}
