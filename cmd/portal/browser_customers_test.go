package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// setField clears a form field and types a value into it.
func setField(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Clear(css(sel))(ctx, tg); err != nil {
			return err
		}
		_, err := chromedp.SendKeys(css(sel), v)(ctx, tg)
		return err
	})
}

// TestBrowserCustomerLifecycle: an admin creates a customer, finds it in the list by search,
// changes its pay mode, subscribes a plan and changes a setting, cancels the plan and
// disassociates it.
func TestBrowserCustomerLifecycle(t *testing.T) {
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	signInAs(t, ctx, p, "admin@northwind.example")
	do(t, ctx, chromedp.Navigate(p.URL+"/customers"), chromedp.WaitVisible(css(`[data-testid="customer-row"]`)), screenshot("11-customers-list"))

	// Create.
	do(t, ctx,
		chromedp.Click(css(`[data-testid="new-customer"]`)),
		chromedp.WaitVisible(css(`[data-testid="quick-create"]`)),
		chromedp.Click(css(`[data-testid="quick-create"]`)),
		chromedp.WaitVisible(css(`#f-account_name`)),
		setField(`#f-account_name`, "Blue Harbor Clinic"),
		setField(`#f-first_name`, "Grace"),
		setField(`#f-last_name`, "Hopper"),
		setField(`#f-email`, "not-an-email"),
		setField(`#f-password`, "Harb0rLights7"),
		chromedp.Click(css(`[data-testid="create-customer"]`)),
		chromedp.WaitVisible(css(`[data-testid="error-email"]`)),
		screenshot("12-new-customer-error"),
		setField(`#f-email`, "grace@blueharbor.example"),
		setField(`#f-password`, "Harb0rLights7"),
		chromedp.Click(css(`[data-testid="create-customer"]`)),
		chromedp.WaitVisible(css(`[data-testid="customer-name"]`)),
		screenshot("13-customer-page"),
	)
	if got := text(t, ctx, `[data-testid="customer-name"]`); got != "Blue Harbor Clinic" {
		t.Fatalf("customer page of %q", got)
	}
	customerURL := value(t, ctx, chromedp.Location())

	// Search as you type, with a typo.
	do(t, ctx,
		chromedp.Navigate(p.URL+"/customers"),
		chromedp.WaitVisible(css(`#c-q`)),
		chromedp.SendKeys(css(`#c-q`), "blue harbr"),
	)
	value(t, ctx, chromedp.Poll[bool](`location.search.includes("q=blue")`))
	do(t, ctx, screenshot("14-customers-search"))
	if first := text(t, ctx, `[data-testid="customer-row"] td a`); first != "Blue Harbor Clinic" {
		t.Fatalf("search result: %q", first)
	}

	// Pay mode: to the customer and back, each confirmed.
	for i, mode := range []string{"sub", "master"} {
		do(t, ctx,
			chromedp.Navigate(customerURL+"/options"),
			chromedp.WaitVisible(css(`[data-testid="save-options"]`)),
			chromedp.Click(css(`input[name="pay_mode"][value="`+mode+`"]`)),
			chromedp.Click(css(`[data-testid="save-options"]`)),
			chromedp.WaitVisible(css(`[data-testid="confirm-yes"]`)),
		)
		if i == 0 {
			do(t, ctx, screenshot("15-confirm-pay-mode"))
		}
		do(t, ctx, chromedp.Click(css(`[data-testid="confirm-yes"]`)), chromedp.WaitVisible(css(`[data-testid="options"]`)))
		want := map[string]string{"sub": "The customer pays", "master": "You pay"}[mode]
		if got := text(t, ctx, `[data-testid="options"]`); !strings.Contains(got, want) {
			t.Fatalf("options after pay mode %s: %q", mode, got)
		}
	}

	// A plan, so that settings can change (Zoom offers settings to paid accounts only).
	do(t, ctx, chromedp.Navigate(customerURL+"/plans"), chromedp.WaitVisible(css(`[data-testid="subscribe"]`)))
	do(t, ctx, chromedp.SetValue(css(`#subscribe-type`), "business_annual")) // the plan picker
	for sel, v := range map[string]string{"#subscribe-hosts": "10", "#f-first_name": "Grace",
		"#f-last_name": "Hopper", "#f-email": "billing@blueharbor.example", "#f-phone_number": "+1 555 0199", "#f-address": "9 Pier Rd",
		"#f-city": "Portland", "#f-state": "ME", "#f-zip": "04101", "#f-country": "US"} {
		do(t, ctx, setField(sel, v))
	}
	do(t, ctx,
		screenshot("16-plans-subscribe"),
		chromedp.Click(css(`[data-testid="subscribe"]`)),
		chromedp.WaitVisible(css(`[data-testid="confirm-yes"]`)),
		chromedp.Click(css(`[data-testid="confirm-yes"]`)),
		chromedp.WaitVisible(css(`[data-testid="plans-table"]`)),
	)

	// A setting.
	do(t, ctx,
		chromedp.Navigate(customerURL+"/settings"),
		chromedp.WaitVisible(css(`[data-testid="settings-table"]`)),
		chromedp.SetValue(css(`#s-meeting_security\.waiting_room`), "false"),
		chromedp.Click(css(`[data-testid="review-settings"]`)),
		chromedp.WaitVisible(css(`[data-testid="review-row"]`)),
		chromedp.Click(css(`[data-testid="send-settings"]`)),
		// The table is on the page before the save too: wait for the answer's message.
		chromedp.WaitVisible(css(`.flash.ok`)),
		screenshot("17-settings-saved"),
	)
	if got := value(t, ctx, chromedp.Value(css(`#s-meeting_security\.waiting_room`))); got != "false" {
		t.Fatalf("waiting room after saving: %q", got)
	}

	// Cancel the plan (Zoom refuses to disassociate a paid account), then disassociate.
	do(t, ctx,
		chromedp.Navigate(customerURL+"/plans"),
		chromedp.WaitVisible(css(`[data-testid="plan-row"] button`)),
		chromedp.Click(css(`[data-testid="plan-row"] button`)),
		chromedp.WaitVisible(css(`#c-reason`)),
		screenshot("18-confirm-cancel-plan"),
		chromedp.Click(css(`[data-testid="confirm-yes"]`)),
		chromedp.WaitVisible(css(`[data-testid="plans-table"]`)),
		chromedp.Navigate(customerURL+"/disassociate"),
		chromedp.WaitVisible(css(`#f-confirm_name`)),
		chromedp.SendKeys(css(`#f-confirm_name`), "Blue Harbor Clinic"),
		screenshot("19-disassociate"),
		chromedp.Click(css(`[data-testid="confirm-disassociate"]`)),
		chromedp.WaitVisible(css(`[role="status"]`)),
	)
	if got := text(t, ctx, `[role="status"]`); !strings.Contains(got, "disassociated") {
		t.Fatalf("after disassociating: %q", got)
	}
}
