package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/tierdesk/tierdesk/internal/store/storetest"
	"github.com/tierdesk/tierdesk/migrations"
)

// Migration 00018 keeps webhook events as Zoom sent them: an event recorded before it (in
// Tierdesk's own reading, request facts inside) and not applied yet is rewritten into Zoom's
// envelope with the request facts in their columns, so it is applied after the upgrade; an
// applied one is left alone.
func TestMigrationRewritesPendingWebhookEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	su := storetest.Superuser(t, st)
	p, _ := registerPartner(t, st, "acct-mig", "owner@mig.example")
	db := stdlib.OpenDBFromPool(su)
	t.Cleanup(func() { _ = db.Close() })
	// Migrating below 00019 needs every audit event sealed.
	if _, err := st.SealAudit(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	gp, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gp.DownTo(ctx, 17); err != nil {
		t.Fatal(err)
	}
	old := map[string]string{
		"pending-user": `{"event":"user.updated","event_ts":1772618400000,"account_id":"c-1","operator":"o@x.example","operator_id":"zu-o",
			"object":{"id":"u-1","first_name":"Annie"},"old_object":{"id":"u-1","first_name":"Ann"},"request_id":"req-9","ip":"192.0.2.1","user_agent":"Zoom Marketplace/1.0a"}`,
		"pending-deauth": `{"event":"app_deauthorized","event_ts":1772618400001,"account_id":"acct-mig","object":{"account_id":"acct-mig","user_id":"zu-o","client_id":"c"}}`,
	}
	for digest, body := range old {
		if _, err := su.Exec(ctx, "INSERT INTO webhook_events (partner_id, digest, event, body) VALUES ($1, $2, $3, $4)",
			p.ID, []byte(digest), "x", body); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := su.Exec(ctx, `INSERT INTO webhook_events (partner_id, digest, event, body, outcome) VALUES ($1, 'applied', 'x', '{"event":"user.deleted"}', 'applied')`, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := gp.UpTo(ctx, 18); err != nil {
		t.Fatal(err)
	}
	row := func(digest string) (env map[string]any, requestID, ip, ua string) {
		t.Helper()
		var body []byte
		if err := su.QueryRow(ctx, "SELECT body::text, request_id, ip, user_agent FROM webhook_events WHERE digest = $1", []byte(digest)).
			Scan(&body, &requestID, &ip, &ua); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		return
	}
	env, req, ip, ua := row("pending-user")
	payload, _ := env["payload"].(map[string]any)
	object, _ := payload["object"].(map[string]any)
	if env["event"] != "user.updated" || env["event_ts"] != float64(1772618400000) || payload["account_id"] != "c-1" || payload["operator"] != "o@x.example" ||
		object["first_name"] != "Annie" || payload["old_object"] == nil || req != "req-9" || ip != "192.0.2.1" || ua != "Zoom Marketplace/1.0a" {
		t.Fatalf("rewritten user event: %v (request %q %q %q)", env, req, ip, ua)
	}
	env, _, _, _ = row("pending-deauth")
	if payload, _ := env["payload"].(map[string]any); env["event"] != "app_deauthorized" || payload["user_id"] != "zu-o" || payload["client_id"] != "c" {
		t.Fatalf("rewritten app_deauthorized: %v", env)
	}
	if env, _, _, _ := row("applied"); env["payload"] != nil || env["event"] != "user.deleted" {
		t.Fatalf("an applied event was rewritten: %v", env)
	}
}
