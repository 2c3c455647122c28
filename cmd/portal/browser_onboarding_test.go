package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestBrowserOnboardingWizard: an admin makes a settings template, then onboards a customer
// through every step of the wizard (a plan, the template, 20 first users), watches the
// progress page and finds the customer active, with how it was onboarded on its page.
func TestBrowserOnboardingWizard(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)

	// The owner connects Zoom's webhook first, so that the whole onboarding runs with Zoom
	// reporting every change back (Tierdesk's own changes must not come back as external ones).
	signInAs(t, ctx, p, "owner@northwind.example")
	do(t, ctx,
		chromedp.Navigate(p.URL+"/settings"),
		chromedp.WaitVisible(css(`[data-testid="webhook-panel"]`)),
		setField(`#webhook-secret`, "LakesideWebhookSecret01"),
		chromedp.Click(css(`[data-testid="save-webhook"]`)),
		chromedp.WaitVisible(css(`[data-testid="webhook-last-event"]`)), // shown once a token is saved
	)
	endpoint := text(t, ctx, `[data-testid="webhook-url"]`)
	if !strings.HasPrefix(endpoint, p.URL+"/webhooks/zoom?partner=") {
		t.Fatalf("endpoint URL shown: %q", endpoint)
	}
	validated := sandboxPost(t, p.SandboxURL+"/_sandbox/webhook", map[string]any{"url": endpoint, "secret_token": "LakesideWebhookSecret01"})
	if validated["validated"] != true {
		t.Fatalf("Zoom's URL validation: %v", validated)
	}
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(css(`[data-testid="webhook-status"]`)), screenshot("30b-settings-webhook"))
	if got := text(t, ctx, `[data-testid="webhook-status"]`); !strings.HasPrefix(got, "Validated by Zoom") {
		t.Fatalf("webhook status after validation: %q", got)
	}
	signOut(t, ctx)
	signInAs(t, ctx, p, "admin@northwind.example")

	// The partner's standard settings.
	do(t, ctx,
		chromedp.Navigate(p.URL+"/settings/templates/new"),
		chromedp.WaitVisible(css(`#f-name`)),
		setField(`#f-name`, "Northwind standard"),
		chromedp.SetValue(css(`#t-meeting_security\.waiting_room`), "true"),
		chromedp.SetValue(css(`select[name="lock.meeting_security.waiting_room"]`), "locked"),
		chromedp.SetValue(css(`#t-recording\.cloud_recording`), "true"),
		chromedp.Click(css(`[data-testid="save-template"]`)),
		chromedp.WaitVisible(css(`[data-testid="templates-table"]`)),
	)

	// The wizard, step by step.
	do(t, ctx,
		chromedp.Navigate(p.URL+"/customers/new"),
		chromedp.WaitVisible(css(`[data-testid="new-onboarding"]`)),
		screenshot("31-onboarding-start"),
		chromedp.Click(css(`[data-testid="new-onboarding"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-customer"]`)),
		setField(`#f-account_name`, "Lakeside Dental Group"),
		setField(`#f-first_name`, "Maria"),
		setField(`#f-last_name`, "Okafor"),
		setField(`#f-email`, "maria@lakeside"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="error-email"]`)),
		screenshot("32-onboarding-customer-error"),
		setField(`#f-email`, "maria@lakeside-dental.example"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-options"]`)),
		chromedp.Click(css(`input[name="billing_auto_renew"]`)),
		screenshot("33-onboarding-options"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-plan"]`)),
		chromedp.Click(css(`input[name="plan"][value="subscribe"]`)),
	)
	do(t, ctx, chromedp.SetValue(css(`#f-type`), "business_annual")) // the plan picker
	for sel, v := range map[string]string{"#f-hosts": "15", "#f-contact_first_name": "Maria",
		"#f-contact_last_name": "Okafor", "#f-contact_email": "billing@lakeside-dental.example", "#f-contact_phone_number": "+1 555 0142",
		"#f-contact_address": "12 Shore Drive", "#f-contact_city": "Madison", "#f-contact_state": "WI", "#f-contact_zip": "53703", "#f-contact_country": "US"} {
		do(t, ctx, setField(sel, v))
	}
	do(t, ctx,
		screenshot("34-onboarding-plan"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-template"]`)),
	)
	tplValue := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#f-template option')].find(o => o.textContent === 'Northwind standard').value`))
	do(t, ctx,
		chromedp.SetValue(css(`#f-template`), tplValue),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-users"]`)),
	)
	draft := strings.TrimSuffix(value(t, ctx, chromedp.Location()), "/users")
	do(t, ctx,
		chromedp.Navigate(draft+"/template"),
		chromedp.WaitVisible(css(`[data-testid="template-lines"]`)),
		screenshot("35-onboarding-template"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-users"]`)),
	)
	var lines []string
	for i := range 20 {
		typ := "basic"
		if i < 10 {
			typ = "licensed"
		}
		lines = append(lines, fmt.Sprintf("staff%02d@lakeside-dental.example, Staff, Member %02d, %s", i+1, i+1, typ))
	}
	bad := append([]string{"staff01@lakeside-dental.example, Staff, Twice, basic"}, lines...)
	do(t, ctx,
		chromedp.SetValue(css(`#f-users`), strings.Join(bad, "\n")),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="error-users"]`)),
		screenshot("36-onboarding-users-error"),
		chromedp.SetValue(css(`#f-users`), strings.Join(lines, "\n")),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-review"]`)),
		screenshot("37-onboarding-review"),
	)
	if n := count(t, ctx, `[data-testid="review-call"]`); n != 4+20 {
		t.Fatalf("the review lists %d calls, want 24", n)
	}
	// Back to the users step: the 20 are kept.
	do(t, ctx,
		chromedp.Navigate(draft+"/users"),
		chromedp.WaitVisible(css(`[data-testid="first-users"]`)),
		screenshot("38-onboarding-users"),
	)
	if n := count(t, ctx, `[data-testid="first-users"] tbody tr`); n != 20 {
		t.Fatalf("the users step shows %d saved users", n)
	}

	// Start, and watch it.
	do(t, ctx,
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="start-onboarding"]`)),
		chromedp.Click(css(`[data-testid="start-onboarding"]`)),
		chromedp.WaitVisible(css(`[data-testid="onboarding-steps"]`)),
		screenshot("39-onboarding-progress"),
	)
	if status := jobStatus(t, ctx); status != "succeeded" {
		t.Fatalf("the onboarding ended %s", status)
	}
	do(t, ctx, screenshot("40-onboarding-done"))
	if n := count(t, ctx, `[data-testid="onboarding-step"][data-status="succeeded"]`); n != 24 {
		t.Fatalf("%d steps succeeded, want 24", n)
	}
	do(t, ctx,
		chromedp.Click(css(`[data-testid="onboarded-customer"]`)),
		chromedp.WaitVisible(css(`[data-testid="onboarding-panel"]`)),
		screenshot("41-onboarded-customer"),
	)
	if got := text(t, ctx, `[data-testid="onboarding-panel"]`); !strings.Contains(got, "24 of 24 steps done") || !strings.Contains(got, "admin@northwind.example") {
		t.Fatalf("onboarding panel: %q", got)
	}

	// Zoom has the account, active here, and each first user once.
	db, err := pgxpool.New(context.Background(), env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var status string
	if err := db.QueryRow(context.Background(), "SELECT status FROM customers WHERE owner_email = 'maria@lakeside-dental.example'").Scan(&status); err != nil || status != "active" {
		t.Fatalf("customer status %q (%v)", status, err)
	}
	for i := range 20 {
		if u := sandboxUserByEmail(t, p.SandboxURL, fmt.Sprintf("staff%02d@lakeside-dental.example", i+1)); u.AccountName != "Lakeside Dental Group" {
			t.Fatalf("staff%02d is in %q", i+1, u.AccountName)
		}
	}
	// Zoom reported the onboarding's changes back through the webhook; none of them reads as a
	// change made outside Tierdesk.
	var handled, waiting, external int
	waitFor(t, jobPatience, "the onboarding's webhook events, all handled", func() bool {
		if err := db.QueryRow(context.Background(), "SELECT count(*) FILTER (WHERE outcome <> ''), count(*) FILTER (WHERE outcome = '') FROM webhook_events").
			Scan(&handled, &waiting); err != nil {
			t.Fatal(err)
		}
		return handled >= 20 && waiting == 0
	})
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM audit_events a JOIN customers c ON c.zoom_account_id = a.customer_id
		WHERE a.external AND c.owner_email = 'maria@lakeside-dental.example'`).Scan(&external); err != nil || external != 0 {
		rows, _ := db.Query(context.Background(), `SELECT a.action || ' ' || a.target_label || ' ' || a.details::text FROM audit_events a
			JOIN customers c ON c.zoom_account_id = a.customer_id WHERE a.external AND c.owner_email = 'maria@lakeside-dental.example' ORDER BY a.seq`)
		seen, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		t.Fatalf("%d external events about the onboarded customer (%v):\n%s", external, err, strings.Join(seen, "\n"))
	}
}

// sandboxPost posts JSON to the sandbox's introspection API and returns its JSON answer.
func sandboxPost(t *testing.T, url string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s answered %d: %v", url, resp.StatusCode, err)
	}
	return out
}
