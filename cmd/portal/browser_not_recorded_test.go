package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestBrowserChangeNotRecordedPage: an admin edits a user while the database refuses the
// change's audit event after Zoom made it. The browser shows the 503 page in plain words,
// with the way back to the user; following it shows the user as Zoom has them.
func TestBrowserChangeNotRecordedPage(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	signInAs(t, ctx, p, "admin@contoso.example")
	syncNow(t, ctx, "")
	db, err := pgxpool.New(context.Background(), env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var account string
	if err := db.QueryRow(context.Background(), `SELECT c.zoom_account_id FROM customers c JOIN partners p ON p.id = c.partner_id
		WHERE p.name LIKE 'Contoso%' AND c.status = 'active' ORDER BY c.seats DESC, c.id LIMIT 1`).Scan(&account); err != nil {
		t.Fatal(err)
	}
	users := p.URL + "/customers/" + account + "/users"
	memberID, memberEmail := sandboxMember(t, p.SandboxURL, account)
	do(t, ctx,
		chromedp.Navigate(users),
		chromedp.WaitVisible(css(`[data-testid="user-row"]`)),
		chromedp.Navigate(users+"/"+memberID),
		chromedp.WaitVisible(css(`[data-testid="save-user"]`)),
	)
	// The database refuses this user's update events (and only those) from now on.
	for _, q := range []string{
		`CREATE FUNCTION br_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.action = 'user.update' AND NEW.target_label = '` + memberEmail + `' THEN RAISE EXCEPTION 'injected audit failure'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER br_fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION br_fail_audit()`,
	} {
		if _, err := db.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx,
		setField(`#u-last_name`, "Unrecorded"),
		chromedp.Click(css(`[data-testid="save-user"]`)),
		chromedp.WaitVisible(css(`[data-testid="message-title"]`)),
		screenshot("50-change-not-recorded"),
	)
	title, msg := text(t, ctx, `[data-testid="message-title"]`), text(t, ctx, `[data-testid="message-text"]`)
	if title != "Done in Zoom, not yet recorded" || !strings.Contains(msg, "Zoom made this change") || strings.Contains(msg, "injected") {
		t.Fatalf("the page says %q: %q", title, msg)
	}
	if got := sandboxUserByEmail(t, p.SandboxURL, memberEmail); got.LastName != "Unrecorded" {
		t.Fatalf("Zoom has last name %q", got.LastName)
	}
	// The way back leads to the user, as Zoom has them now.
	do(t, ctx,
		chromedp.Click(css(`[data-testid="message-action"]`)),
		chromedp.WaitVisible(css(`[data-testid="save-user"]`)),
	)
	if url := value(t, ctx, chromedp.Location()); url != users+"/"+memberID {
		t.Fatalf("the way back led to %s", url)
	}
	if v := value(t, ctx, chromedp.Evaluate[string](`document.querySelector('#u-last_name').value`)); v != "Unrecorded" {
		t.Fatalf("the user's page after the way back shows last name %q", v)
	}
}
