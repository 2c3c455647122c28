package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/store"
)

func TestOwnerConnectsServerToServerApp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p := registerNorthwind(t, e)
	var id, secret, otherID, otherSecret string
	for _, a := range e.Sandbox.Apps() {
		if a.Type != "s2s" {
			continue
		}
		if a.AccountID == p.ZoomAccountID {
			id, secret = a.ClientID, a.ClientSecret
		} else if otherID == "" {
			otherID, otherSecret = a.ClientID, a.ClientSecret
		}
	}
	if got := owner.get(e.URL + "/settings"); got.TestID("s2s-status") != "Not configured" {
		t.Fatalf("settings before: %q", got.TestID("s2s-status"))
	}
	bad := owner.post(e.URL+"/settings/s2s", url.Values{"client_id": {id}, "client_secret": {"wrong"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.TestID("error-client_secret") == "" ||
		bad.Doc().Find("#s2s-client-id").AttrOr("value", "") != id {
		t.Fatalf("wrong secret: %d %q", bad.StatusCode, bad.TestID("error-client_secret"))
	}
	foreign := owner.post(e.URL+"/settings/s2s", url.Values{"client_id": {otherID}, "client_secret": {otherSecret}})
	if foreign.StatusCode != http.StatusUnprocessableEntity || foreign.TestID("error-client_id")+foreign.TestID("error-client_secret") == "" {
		t.Fatalf("another account's app: %d", foreign.StatusCode)
	}
	refusals := auditOf(t, e, p.ID, "grant.s2s.save")
	if len(refusals) != 2 || refusals[1].Outcome != store.OutcomeFailed || refusals[1].TargetLabel != id ||
		(refusals[0].Outcome != store.OutcomeFailed && refusals[0].Outcome != store.OutcomeDenied) || refusals[0].TargetLabel != otherID {
		t.Fatalf("audit of the refused credentials: %+v", refusals)
	}
	if got := owner.post(e.URL+"/settings/s2s", url.Values{"client_id": {id}, "client_secret": {secret}}); got.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %.500s", got.StatusCode, got.Body)
	}
	if got := owner.get(e.URL + "/settings"); got.TestID("s2s-status") != "Connected" {
		t.Fatalf("settings after: %q", got.TestID("s2s-status"))
	}
	// The sync now goes through the app.
	syncAndWait(t, e, owner)
	evs, err := e.Store.AuditEvents(context.Background(), p.ID, store.AuditFilter{Action: "job.finish", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs.Events) != 1 || !strings.HasPrefix(evs.Events[0].GrantRef, "s2s:") {
		t.Fatalf("sync's grant: %+v", evs.Events)
	}
	// The secret is nowhere in the audit log.
	var n int
	if err := e.super().QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE row_to_json(audit_events)::text LIKE '%' || $1 || '%'", secret).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the client secret is in %d audit events: %v", n, err)
	}
	var stored []byte
	if err := e.super().QueryRow(context.Background(), "SELECT client_secret FROM zoom_grants WHERE kind = 's2s'").Scan(&stored); err != nil || len(stored) == 0 || strings.Contains(string(stored), secret) {
		t.Fatalf("the client secret is not encrypted at rest: %v", err)
	}
}
