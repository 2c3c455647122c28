package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// twoWidths saves screenshot name at 1440 and at 390 CSS pixels wide (a laptop, a phone),
// then goes back to the wide view.
func twoWidths(name string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(1440, 900), screenshot(name + "-1440"),
		chromedp.EmulateViewport(390, 844), screenshot(name + "-390"),
		chromedp.EmulateViewport(1440, 900),
	}
}

// TestBrowserPlanPickerAndStoppedOnboarding: an admin picks a plan from the catalogue in the
// wizard (one below its minimum is refused on its field, before Zoom), Zoom then refuses the
// plan step, and the stopped onboarding's page shows its true progress and takes the
// correction, after which the onboarding completes. Screenshots 60–63 at 1440 and 390 px.
func TestBrowserPlanPickerAndStoppedOnboarding(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	signInAs(t, ctx, p, "admin@northwind.example")

	do(t, ctx,
		chromedp.Navigate(p.URL+"/customers/new"),
		chromedp.WaitVisible(css(`[data-testid="new-onboarding"]`)),
		chromedp.Click(css(`[data-testid="new-onboarding"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-customer"]`)),
		setField(`#f-account_name`, "Harbor Lights Clinic"),
		setField(`#f-first_name`, "Ines"),
		setField(`#f-last_name`, "Harbor"),
		setField(`#f-email`, "ines@harbor-lights.example"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-options"]`)),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-plan"]`)),
		chromedp.Click(css(`input[name="plan"][value="subscribe"]`)),
		chromedp.SetValue(css(`#f-type`), "business_annual"),
	)
	for sel, v := range map[string]string{"#f-hosts": "5", "#f-contact_first_name": "Ines", "#f-contact_last_name": "Harbor",
		"#f-contact_email": "billing@harbor-lights.example", "#f-contact_phone_number": "+1 555 0177", "#f-contact_address": "4 Quay St",
		"#f-contact_city": "Portland", "#f-contact_state": "ME", "#f-contact_zip": "04101", "#f-contact_country": "US"} {
		do(t, ctx, setField(sel, v))
	}
	do(t, ctx, twoWidths("70-plan-picker")...)
	// Below Business's minimum: refused on its field, the input kept, nothing sent.
	do(t, ctx,
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="error-hosts"]`)),
	)
	if got := text(t, ctx, `[data-testid="error-hosts"]`); got != "Zoom's Business plan needs at least 10 hosts." {
		t.Fatalf("hosts error: %q", got)
	}
	if got := value(t, ctx, chromedp.Evaluate[string](`document.querySelector('#f-type').value + ' ' + document.querySelector('#f-hosts').value`)); got != "business_annual 5" {
		t.Fatalf("the plan step keeps %q", got)
	}
	do(t, ctx, twoWidths("71-plan-below-minimum")...)
	do(t, ctx,
		setField(`#f-hosts`, "10"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-template"]`)),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-users"]`)),
		chromedp.SetValue(css(`#f-users`), "ana@harbor-lights.example, Ana, Lima, licensed\nbo@harbor-lights.example, Bo, Berg, basic"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="start-onboarding"]`)),
	)

	// Zoom refuses the plan step once.
	sandboxPost(t, p.SandboxURL+"/_sandbox/faults", map[string]any{"method": "POST", "path": "/v2/accounts/*/plans", "status": 400, "code": 300,
		"message": "Buy hosts must equal or larger than 12", "count": 1})
	do(t, ctx,
		chromedp.Click(css(`[data-testid="start-onboarding"]`)),
		chromedp.WaitVisible(css(`[data-testid="onboarding-steps"]`)),
	)
	if status := jobStatus(t, ctx); status != "stopped" {
		t.Fatalf("the onboarding ended %s", status)
	}
	do(t, ctx, chromedp.WaitVisible(css(`[data-testid="step-edit"]`)))
	if got := text(t, ctx, `[data-testid="onboarding-summary"]`); !strings.Contains(got, "2 of 5 steps done.") || !strings.Contains(got, "Stopped at step 3 of 5.") {
		t.Fatalf("summary of the stopped onboarding: %q", got)
	}
	if got := value(t, ctx, chromedp.Evaluate[string](`(b => b.value + '/' + b.max)(document.querySelector('[data-testid="job-bar"]'))`)); got != "2/5" {
		t.Fatalf("the bar shows %s", got)
	}
	do(t, ctx, twoWidths("72-onboarding-stopped")...)

	// The correction: Business monthly with 12 hosts, retried; the onboarding completes.
	do(t, ctx,
		chromedp.SetValue(css(`[data-testid="step-edit"] #f-type`), "business_monthly"),
		setField(`[data-testid="step-edit"] #f-hosts`, "12"),
		chromedp.Click(css(`[data-testid="edit-retry"]`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
	)
	if status := jobStatus(t, ctx); status != "succeeded" {
		t.Fatalf("after the correction the onboarding ended %s", status)
	}
	if got := text(t, ctx, `[data-testid="steps-done"]`); got != "5 of 5 steps done." {
		t.Fatalf("after the correction: %q", got)
	}
	do(t, ctx, twoWidths("73-onboarding-corrected")...)
}
