package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
)

// sweepSkipped are the GET routes the sweep does not visit, each with why: they render no
// page of their own (files, probes, redirects).
var sweepSkipped = map[string]string{
	"/healthz":                            "a probe: plain text, no page",
	"/readyz":                             "a probe: plain text, no page",
	"/metrics":                            "Prometheus metrics: plain text, no page",
	`static.Prefix+"*"`:                   "static files (CSS, scripts, the logo)",
	"/auth/zoom/login":                    "redirects to Zoom's authorization page (the sandbox's, in dev)",
	"/auth/zoom/callback":                 "redirects to the dashboard or to /register after Zoom's answer",
	"/register":                           "redirects to /signin unless a sign-in of an unregistered primary is pending; `portal dev` registers every demo partner, so TestBrowserRegistersNewPartner (serve mode) runs the sweep's checks on it, with and without its form error",
	"/audit.csv":                          "a CSV download",
	"/audit.ndjson":                       "an NDJSON download",
	"/customers.csv":                      "a CSV download",
	"/customers/new/{draftId}":            "redirects to the draft's step (the step pages are swept)",
	"/onboardings/{onboardingId}":         "redirects to the onboarding's job page (swept) or to its draft",
	"/onboardings/{onboardingId}/abandon": "redirects to the job page unless the onboarding stopped on a refused step; TODO: sweep it with a fault injected through the sandbox",
	"/jobs/{jobId}/results.csv":           "a CSV download",
	"/imports/template.csv":               "a CSV download",
	"/account":                            "a customer's own page, for a customer session only: TestBrowserCustomerTransparency runs the sweep's checks on it",
	"/account.csv":                        "a CSV download",
}

// routeGets lists the GET routes of internal/handlers/routes.go as written there (a path in
// quotes, or the expression of the static files' prefix).
func routeGets(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "internal", "handlers", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`r\.(?:Get\(|Method\(http\.MethodGet, )("[^"]*"|[^,]+),`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		route := m[1]
		if strings.HasPrefix(route, `"`) {
			route = strings.Trim(route, `"`)
		}
		out = append(out, route)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d GET routes in routes.go: has its form changed?", len(out))
	}
	return out
}

// sweepPage is one page the sweep visits: the route it stands for, a name for screenshots,
// its URL and what shows that it has loaded.
type sweepPage struct {
	route, name, path, ready string
}

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Nodes   int      `json:"nodes"`
	Targets []string `json:"targets"`
	Summary string   `json:"summary"`
}

// runAxe injects axe-core into the page shown and fails the test on every serious or critical
// violation it reports.
func runAxe(t *testing.T, ctx context.Context, axeSrc, page string) {
	t.Helper()
	loaded := value(t, ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if !loaded {
		do(t, ctx, chromedp.Evaluate[chromedp.Void](axeSrc))
	}
	vs := value(t, ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length,
		targets: v.nodes.slice(0, 4).map(n => n.target.join(' ')),
		summary: (v.nodes[0] && v.nodes[0].failureSummary || "").split("\n").slice(0, 3).join(" ")})))`, chromedp.EvalAwaitPromise))
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: axe %s (%s) on %d elements: %s; %s: %s", page, v.ID, v.Impact, v.Nodes, v.Help, strings.Join(v.Targets, " | "), v.Summary)
		}
	}
}

// noClippedText fails when text inside a card, a panel, a stat or the account facts is cut
// off (wider than the box that hides it) or spills out of its card.
func noClippedText(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	clipped := value(t, ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		const sel = '.panel, .panel *, .card, .card *, .stat, .stat *, [data-testid="account-facts"] dd';
		for (const e of document.querySelectorAll(sel)) {
			if (['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'svg', 'SVG'].includes(e.tagName) || e.closest('svg, .visually-hidden, .table-wrap, pre, .tabs')) continue;
			const s = getComputedStyle(e);
			if (s.display === 'none' || s.display === 'inline' || s.display === 'contents') continue;
			if (s.overflowX === 'auto' || s.overflowX === 'scroll') continue;
			if (!e.textContent.trim()) continue;
			if (e.scrollWidth > e.clientWidth + 1) {
				out.push(e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') +
					(e.dataset.testid ? '[' + e.dataset.testid + ']' : '') + ' ' + e.scrollWidth + '>' + e.clientWidth + ' ' + s.overflowX + ' "' + e.textContent.trim().slice(0, 40) + '"');
			}
		}
		return out.slice(0, 6);
	})()`))
	if len(clipped) > 0 {
		t.Errorf("%s at 1440: text cut off or spilling out of its card: %s", page, strings.Join(clipped, "; "))
	}
}

// checkPage runs the sweep's checks on one page, at 1440×900 then at 390×844.
func checkPage(t *testing.T, ctx context.Context, axeSrc string, pg sweepPage, baseURL string) {
	t.Helper()
	do(t, ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(baseURL+pg.path), chromedp.WaitVisible(css(pg.ready)))
	checkShown(t, ctx, axeSrc, pg)
}

// checkShown runs the sweep's checks on the page shown as it is now (a state htmx reached,
// say), at 1440×900 then at 390×844, without loading it again.
func checkShown(t *testing.T, ctx context.Context, axeSrc string, pg sweepPage) {
	t.Helper()
	for _, w := range []struct{ width, height int }{{1440, 900}, {390, 844}} {
		do(t, ctx, chromedp.EmulateViewport(int64(w.width), int64(w.height)), chromedp.WaitVisible(css(pg.ready)),
			screenshot("sweep-"+pg.name+"-"+strconv.Itoa(w.width)))
		page := fmt.Sprintf("%s (%s)", pg.name, pg.path)
		noWiderThan(t, ctx, page, w.width)
		if w.width == 1440 {
			noClippedText(t, ctx, page)
		}
		runAxe(t, ctx, axeSrc, page+" at "+strconv.Itoa(w.width))
	}
}

// TestBrowserEveryPageAt1440And390 visits a page of every GET route that renders one, as
// the distributor's owner (and the sign-in page as a visitor), at 1440 and at 390 px: no page
// is wider than the window, no text is cut off in a card at 1440, and axe-core finds nothing
// serious or critical. A route of routes.go with no page here and no reason to skip it fails.
func TestBrowserEveryPageAt1440And390(t *testing.T) {
	axe, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	axeSrc := string(axe)
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)

	visited := map[string]bool{}
	visit := func(pg sweepPage) {
		t.Helper()
		visited[pg.route] = true
		checkPage(t, ctx, axeSrc, pg, p.URL)
	}
	visit(sweepPage{"/signin", "signin", "/signin", `[data-testid="signin-zoom"]`})

	for _, email := range []string{"owner@contoso.example", "owner@northwind.example"} {
		signInAs(t, ctx, p, email) // the partner's first pass reads every directory
		waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
		if email != "owner@northwind.example" {
			signOut(t, ctx)
		}
	}
	do(t, ctx, chromedp.EmulateViewport(1440, 900))

	// The ids the pages link to: a job (a sync), an own customer and one of its users, a
	// settings template, a bulk job's check, an onboarding draft, an audit event.
	do(t, ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(css(`[data-testid="sync-now"]`)))
	syncNow(t, ctx, "")
	jobPath := strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL)

	do(t, ctx, chromedp.Navigate(p.URL+"/customers"), chromedp.WaitVisible(css(`[data-testid="customer-row"]`)))
	customer := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="customer-row"]')].find(r => !r.querySelector('[data-testid="read-only"]'))?.querySelector('a')?.getAttribute('href') ?? ""`))
	if customer == "" {
		t.Fatal("the distributor has no own customer in the list")
	}
	do(t, ctx, chromedp.Navigate(p.URL+customer+"/users"), chromedp.WaitVisible(css(`h1`)))
	user := value(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('main a[href^="`+customer+`/users/"]')].map(a => a.getAttribute('href')).find(h => !h.endsWith('/new')) ?? ""`))
	if user == "" {
		t.Fatalf("no user of %s to open", customer)
	}

	do(t, ctx,
		chromedp.Navigate(p.URL+"/settings/templates/new"),
		chromedp.WaitVisible(css(`#f-name`)),
		setField(`#f-name`, "Northwind standard"),
		chromedp.SetValue(css(`#t-meeting_security\.waiting_room`), "true"),
		chromedp.Click(css(`[data-testid="save-template"]`)),
		chromedp.WaitVisible(css(`[data-testid="templates-table"]`)),
	)
	tmpl := value(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="templates-table"] a[href^="/settings/templates/"]')?.getAttribute('href') ?? ""`))
	if tmpl == "" {
		t.Fatal("no settings template to open")
	}
	tmplID := tmpl[strings.LastIndex(tmpl, "/")+1:]

	// Tags on the customer (htmx, in place), and a group of one of them.
	do(t, ctx,
		chromedp.Navigate(p.URL+customer),
		chromedp.WaitVisible(css(`#t-tags`)),
		setField(`#t-tags`, "Healthcare, EU, vip"),
		chromedp.Click(css(`[data-testid="save-tags"]`)),
		chromedp.WaitVisible(css(`#customer-tags [data-testid="tag"]`)),
		chromedp.Navigate(p.URL+"/groups/new"),
		chromedp.WaitVisible(css(`#f-name`)),
		setField(`#f-name`, "Healthcare customers"),
		setField(`#f-tag`, "healthcare"),
		chromedp.Click(css(`[data-testid="save-group"]`)),
		chromedp.WaitVisible(css(`[data-testid="group-title"]`)),
	)
	group := strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL)

	// A standard: the template on the group.
	do(t, ctx,
		chromedp.Navigate(p.URL+"/standards/new"),
		chromedp.WaitVisible(css(`#f-name`)),
		setField(`#f-name`, "Healthcare baseline"),
		chromedp.SetValue(css(`#f-template`), tmplID),
		chromedp.SetValue(css(`#f-group`), group[strings.LastIndex(group, "/")+1:]),
		chromedp.Click(css(`[data-testid="save-standard"]`)),
		chromedp.WaitVisible(css(`[data-testid="standard-title"]`)),
	)
	standard := strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL)

	file := filepath.Join(t.TempDir(), "users.csv")
	csv := "email,first_name,last_name,type,action\nsweep.one@bulk.example,Sweep,One,1,create\nnot-an-email,Bad,Email,1,create\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	account := customer[strings.LastIndex(customer, "/")+1:]
	do(t, ctx,
		chromedp.Navigate(p.URL+"/imports"),
		chromedp.WaitVisible(css(`[data-testid="import-file"]`)),
		chromedp.SetValue(css(`#i-customer`), account),
		chromedp.SetUploadFiles(css(`[data-testid="import-file"]`), []string{file}),
		chromedp.Click(css(`[data-testid="check-file"]`)),
		chromedp.WaitVisible(css(`[data-testid="preview-valid"]`)),
	)
	importPath := strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL)

	do(t, ctx,
		chromedp.Navigate(p.URL+"/customers/new"),
		chromedp.WaitVisible(css(`[data-testid="new-onboarding"]`)),
		chromedp.Click(css(`[data-testid="new-onboarding"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-customer"]`)),
		setField(`#f-account_name`, "Lakeside Dental Group"),
		setField(`#f-first_name`, "Maria"),
		setField(`#f-last_name`, "Okafor"),
		setField(`#f-email`, "maria@lakeside-dental.example"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-options"]`)),
	)
	draft := strings.TrimSuffix(strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL), "/options")
	do(t, ctx,
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-plan"]`)),
		chromedp.Click(css(`[data-testid="wizard-next"]`)), // not now: a free account
		chromedp.WaitVisible(css(`[data-testid="step-template"]`)),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-users"]`)),
		chromedp.SetValue(css(`#f-users`), "ana.long-surname-for-wrapping@lakeside-dental.example, Ana, Lopez, licensed\nben@lakeside-dental.example, Ben, Ode, basic"),
		chromedp.Click(css(`[data-testid="wizard-next"]`)),
		chromedp.WaitVisible(css(`[data-testid="step-review"]`)),
	)

	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	db, err := pgx.Connect(context.Background(), env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var eventID, eventSeq int64
	waitFor(t, jobPatience, "a sealed audit event of the owner's", func() bool {
		err := db.QueryRow(context.Background(), `SELECT a.id, s.seq FROM audit_events a JOIN audit_seals s ON s.event_id = a.id
			WHERE a.staff_email = 'owner@northwind.example' ORDER BY s.seq DESC LIMIT 1`).Scan(&eventID, &eventSeq)
		if err != nil && err != pgx.ErrNoRows {
			t.Fatal(err)
		}
		return err == nil
	})

	var supportID int64
	if err := db.QueryRow(context.Background(), "SELECT id FROM staff WHERE email = 'support@northwind.example'").Scan(&supportID); err != nil {
		t.Fatal(err)
	}

	// A request for delegated access to two of Contoso's customers, through the form.
	var contosoID int64
	if err := db.QueryRow(context.Background(), "SELECT id FROM partners WHERE name LIKE 'Contoso%'").Scan(&contosoID); err != nil {
		t.Fatal(err)
	}
	accessForm := "/access/new?side=delegate&partner=" + strconv.FormatInt(contosoID, 10)
	do(t, ctx,
		chromedp.Navigate(p.URL+accessForm),
		chromedp.WaitVisible(css(`[data-testid="delegation-customer-choices"]`)),
		chromedp.Click(css(`[data-testid="delegation-customer-choices"] label:nth-child(1) input`)),
		chromedp.Click(css(`[data-testid="delegation-customer-choices"] label:nth-child(2) input`)),
		chromedp.SetValue(css(`#f-reason`), "Their admin is on leave for two weeks."),
		chromedp.Click(css(`[data-testid="ask"]`)),
		chromedp.WaitVisible(css(`[data-testid="delegation-title"]`)),
	)
	delegation := strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL)

	h1 := `main h1`
	pages := []sweepPage{
		{"/", "dashboard", "/", `[data-testid="tier-table"]`},
		{"/renewals", "renewals", "/renewals", h1},
		{"/audit", "audit", "/audit", `[data-testid="audit-table"]`},
		{"/audit/{seq}", "audit-event", "/audit/" + strconv.FormatInt(eventSeq, 10), h1},
		{"/audit/events/{eventId}", "audit-event-by-id", "/audit/events/" + strconv.FormatInt(eventID, 10), h1},
		{"/customers", "customers", "/customers", `[data-testid="customers-table"]`},
		{"/customers/quick", "customer-quick", "/customers/quick", h1},
		{"/customers/new", "onboarding-start", "/customers/new", h1},
		{"/customers/new/{draftId}/{step}", "wizard-customer", draft + "/customer", `[data-testid="step-customer"]`},
		{"/customers/new/{draftId}/{step}", "wizard-options", draft + "/options", `[data-testid="step-options"]`},
		{"/customers/new/{draftId}/{step}", "wizard-plan", draft + "/plan", `[data-testid="step-plan"]`},
		{"/customers/new/{draftId}/{step}", "wizard-template", draft + "/template", `[data-testid="step-template"]`},
		{"/customers/new/{draftId}/{step}", "wizard-users", draft + "/users", `[data-testid="step-users"]`},
		{"/customers/new/{draftId}/{step}", "wizard-review", draft + "/review", `[data-testid="step-review"]`},
		{"/customers/{accountId}", "customer", customer, h1},
		{"/customers/{accountId}/activity", "customer-activity", customer + "/activity", h1},
		{"/customers/{accountId}/settings", "customer-settings", customer + "/settings", h1},
		{"/customers/{accountId}/plans", "customer-plans", customer + "/plans", h1},
		{"/customers/{accountId}/options", "customer-options", customer + "/options", h1},
		{"/customers/{accountId}/owner", "customer-owner", customer + "/owner", h1},
		{"/customers/{accountId}/disassociate", "customer-disassociate", customer + "/disassociate", h1},
		{"/customers/{accountId}/settings/template", "customer-template-preview", customer + "/settings/template?id=" + tmplID, h1},
		{"/jobs/{jobId}", "job", jobPath, `[data-testid="job-progress"]`},
		{"/customers/{accountId}/users", "users", customer + "/users", h1},
		{"/customers/{accountId}/users/new", "user-new", customer + "/users/new", h1},
		{"/customers/{accountId}/users/{userId}", "user", user, h1},
		{"/customers/{accountId}/users/{userId}/move", "user-move", user + "/move", h1},
		{"/customers/{accountId}/users/{userId}/settings", "user-settings", user + "/settings", h1},
		{"/search", "search", "/search?q=example", h1},
		{"/imports", "imports", "/imports", h1},
		{"/imports/{importId}", "import", importPath, `[data-testid="preview-valid"]`},
		{"/staff", "staff", "/staff", h1},
		{"/staff/{staffId}/scope", "staff-scope", "/staff/" + strconv.FormatInt(supportID, 10) + "/scope", `[data-testid="scope-form"]`},
		{"/settings", "settings", "/settings", h1},
		{"/settings/templates", "templates", "/settings/templates", `[data-testid="templates-table"]`},
		{"/settings/templates/new", "template-new", "/settings/templates/new", `#f-name`},
		{"/settings/templates/{templateId}", "template", tmpl, `#f-name`},
		{"/groups", "groups", "/groups", `[data-testid="groups-table"]`},
		{"/groups/new", "group-new", "/groups/new", `#f-name`},
		{"/groups/{groupId}", "group", group, `[data-testid="group-members-table"]`},
		{"/groups/{groupId}/edit", "group-edit", group + "/edit", `#f-name`},
		{"/standards", "standards", "/standards", `[data-testid="standards-table"]`},
		{"/standards/new", "standard-new", "/standards/new", `#f-name`},
		{"/standards/{standardId}", "standard", standard, `[data-testid="drift-table"]`},
		{"/standards/{standardId}/edit", "standard-edit", standard + "/edit", `#f-name`},
		{"/customers", "customers-by-group", "/customers?group=" + group[strings.LastIndex(group, "/")+1:], `[data-testid="tag-badges"]`},
		{"/fleet/new", "fleet-new", "/fleet/new?group=" + group[strings.LastIndex(group, "/")+1:], `#f-group`},
		{"/access", "access", "/access", `[data-testid="access-mine"]`},
		{"/access/new", "access-new", accessForm, `[data-testid="delegation-form"]`},
		{"/access/{delegationId}", "access-delegation", delegation, `[data-testid="delegation-facts"]`},
	}
	for _, pg := range pages {
		visit(pg)
	}
	// A change across the group's customers, previewed: the preview is the bulk job's page.
	do(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(p.URL+"/fleet/new?group="+group[strings.LastIndex(group, "/")+1:]),
		chromedp.WaitVisible(css(`[data-testid="fleet-form"]`)),
		chromedp.Click(css(`[data-testid="kind-settings"]`)),
		chromedp.SetValue(css(`[data-testid="fleet-settings"]`), "in_meeting.chat = off\nlock in_meeting.chat = locked"),
		chromedp.Click(css(`[data-testid="fleet-preview"]`)),
		chromedp.WaitVisible(css(`[data-testid="fleet-table"]`)),
	)
	visit(sweepPage{"/imports/{importId}", "fleet-preview", strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL), `[data-testid="fleet-table"]`})

	// The onboarding started, Zoom refusing its first user: the job page shows a stopped
	// onboarding with its correction form, and the abandon page is offered.
	sandboxPost(t, p.SandboxURL+"/_sandbox/faults", map[string]any{"method": "POST", "path": "/v2/accounts/*/users",
		"status": 400, "code": 1005, "message": "User already in the account.", "count": 1})
	do(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(p.URL+draft+"/review"),
		chromedp.WaitVisible(css(`[data-testid="start-onboarding"]`)),
		chromedp.Click(css(`[data-testid="start-onboarding"]`)),
		chromedp.WaitVisible(css(`[data-testid="onboarding-steps"]`)),
	)
	jobStatus(t, ctx)
	onboardingJob := strings.TrimPrefix(value(t, ctx, chromedp.Location()), p.URL)
	onboarding := "/onboardings/" + draft[strings.LastIndex(draft, "/")+1:]
	visit(sweepPage{"/jobs/{jobId}", "job-onboarding-stopped", onboardingJob, `[data-testid="onboarding-steps"]`})
	visit(sweepPage{"/onboardings/{onboardingId}/abandon", "onboarding-abandon", onboarding + "/abandon", h1})

	// Not a route: the page an address that matches none shows.
	visit(sweepPage{"(not found)", "not-found", "/no-such-page", h1})

	keyboardFlow(t, ctx, p.URL)

	// Every GET route of the router is visited or skipped with a reason.
	var missing []string
	for _, route := range routeGets(t) {
		if !visited[route] && sweepSkipped[route] == "" {
			missing = append(missing, route)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("GET routes the sweep neither visits nor skips with a reason: %s", strings.Join(missing, ", "))
	}
}

// tabTo presses Tab until the focused element matches sel, at most max times, and fails if
// it never does.
func tabTo(t *testing.T, ctx context.Context, sel string, max int) {
	t.Helper()
	for i := 0; i < max; i++ {
		do(t, ctx, chromedp.KeyEvent("\t"))
		if value(t, ctx, chromedp.Evaluate[bool](`document.activeElement.matches(`+"`"+sel+"`"+`)`)) {
			return
		}
	}
	got := value(t, ctx, chromedp.Evaluate[string](`document.activeElement.outerHTML.slice(0, 120)`))
	t.Fatalf("%d Tab presses did not reach %s (focus on %s)", max, sel, got)
}

// keyboardFlow checks the main flow by keyboard, at 1440 and 390 px: the skip link is the
// first Tab stop, is shown when focused and moves focus to the page's main column; the
// header search is reached by Tab and submitted with Enter.
func keyboardFlow(t *testing.T, ctx context.Context, baseURL string) {
	t.Helper()
	for _, width := range []int64{1440, 390} {
		do(t, ctx, chromedp.EmulateViewport(width, 844), chromedp.Navigate(baseURL+"/customers"), chromedp.WaitVisible(css(`main h1`)))
		tabTo(t, ctx, `a.skip[href="#main"]`, 1)
		if r := value(t, ctx, chromedp.Evaluate[[]float64](`(() => { const b = document.activeElement.getBoundingClientRect(); return [b.left, b.top, b.width] })()`)); r[0] < 0 || r[1] < 0 || r[2] == 0 {
			t.Errorf("at %d px the focused skip link is off screen: %v", width, r)
		}
		do(t, ctx, screenshot("sweep-keyboard-skip-link-"+strconv.FormatInt(width, 10)), chromedp.KeyEvent("\r"))
		waitTrue(t, ctx, `document.activeElement && document.activeElement.id === "main" && location.hash === "#main"`)
		// The next Tab goes on inside the page, not back to the header.
		do(t, ctx, chromedp.KeyEvent("\t"))
		if in := value(t, ctx, chromedp.Evaluate[bool](`document.activeElement.closest("main") !== null`)); !in {
			t.Errorf("at %d px the Tab after the skip link left the main column", width)
		}

		do(t, ctx, chromedp.Navigate(baseURL+"/customers"), chromedp.WaitVisible(css(`main h1`)))
		tabTo(t, ctx, `#top-q`, 4)
		do(t, ctx, chromedp.KeyEvent("adventure"), chromedp.KeyEvent("\r"))
		waitTrue(t, ctx, `location.pathname === "/search" && new URLSearchParams(location.search).get("q") === "adventure" && document.readyState === "complete"`)
		do(t, ctx, chromedp.WaitVisible(css(`main h1`)), screenshot("sweep-keyboard-search-"+strconv.FormatInt(width, 10)))
	}
}

// waitTrue evaluates expr until it is true, across the navigation a key press may start
// (an evaluation on the document being replaced fails and is tried again).
func waitTrue(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	wctx, cancel := patient(t, ctx, stepPatience)
	defer cancel()
	for {
		ok, err := chromedp.Run(wctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		select {
		case <-wctx.Done():
			t.Fatalf("never true: %s (%v)", expr, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
