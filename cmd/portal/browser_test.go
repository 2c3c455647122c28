package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromePath finds Chromium: $CHROME_PATH, else Debian's /usr/bin/chromium. A missing browser
// fails the test (make test installs it); it never skips.
func chromePath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROME_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("Chromium not found: install Debian's chromium package (make test does) or set CHROME_PATH")
	return ""
}

// newBrowser starts a headless Chromium for the test: background networking off (this
// machine has no internet), no sandbox when running as root, a fresh profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromePath(t)),
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser; it must not have a timeout of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// stepPatience bounds one browser step. Each step waits for its event (a page loaded, an
// element shown), however long a busy machine takes: the first step of a test, a sign-in
// through the sandbox (four requests, the portal's token exchange and sign-in, and Chromium's
// first page, with the tab blank until the last answer arrives), took half a second on an
// idle machine, 12 s beside 14 busy loops while the portal's start-up sync ran (hence
// waitPortalIdle), 3 s without it. The bound is far above that; it only keeps a step that
// waits for something that never comes from hanging the run.
const stepPatience = 2 * time.Minute

// jobPatience bounds the wait for a job (a sync, an import, an onboarding) to finish.
const jobPatience = 5 * time.Minute

// patient returns ctx bounded by patience, and by the test binary's deadline less a margin,
// so that a step that never ends fails with its screenshot before the binary's timeout.
func patient(t *testing.T, ctx context.Context, patience time.Duration) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(patience)
	if d, ok := t.Deadline(); ok && d.Add(-time.Minute).Before(deadline) {
		deadline = d.Add(-time.Minute)
	}
	return context.WithDeadline(ctx, deadline)
}

// do runs steps, each step bounded so a missing element fails the test instead of hanging.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, step := range steps {
		sctx, cancel := patient(t, ctx, stepPatience)
		err := chromedp.Do(sctx, step)
		// A step finds its element by a query, then acts on the node id the query gave. When
		// the document is replaced in between (the navigation a previous step started lands
		// late on a busy machine), Chromium no longer knows that id and the step did nothing:
		// it is run again, on the new document.
		for retry := 0; retry < 3 && err != nil && staleNode(err); retry++ {
			err = chromedp.Do(sctx, step)
		}
		cancel()
		if err != nil {
			// What the page shows, for whoever reads the failure.
			name := "FAILED-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-step" + strconv.Itoa(i+1)
			fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			_ = chromedp.Do(fctx, screenshot(name))
			url, _ := chromedp.Run(fctx, chromedp.Location())
			cancel()
			t.Fatalf("browser step %d: %v (page %s; screenshot %s.png)", i+1, err, url, name)
		}
	}
}

// value runs one action that returns a value.
func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := patient(t, ctx, stepPatience)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	for retry := 0; retry < 3 && err != nil && staleNode(err); retry++ {
		v, err = chromedp.Run(sctx, a) // see do
	}
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// staleNode reports whether err is Chromium's answer to an action on a node of a document
// that was replaced after the node was found.
func staleNode(err error) bool {
	return strings.Contains(err.Error(), "Could not find node with given id") || strings.Contains(err.Error(), "No node with given id found")
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return strings.TrimSpace(value(t, ctx, chromedp.Text(chromedp.CSS(css))))
}

// jobStatus waits until the job page shown is finished and returns its status. The poll that
// finds a job finished reloads the page, so reads between documents are tried again.
func jobStatus(t *testing.T, ctx context.Context) string {
	t.Helper()
	jctx, cancel := patient(t, ctx, jobPatience)
	defer cancel()
	for {
		sctx, cancel := patient(t, jctx, stepPatience)
		status, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="job-progress"]')?.dataset.status ?? ""`))
		cancel()
		if err == nil && status != "" && status != "running" {
			// Let the reload the last poll asked for land before reading the page.
			do(t, ctx, chromedp.WaitVisible(css(`[data-testid="job-progress"][data-status="`+status+`"]`)))
			return status
		}
		select {
		case <-jctx.Done():
			t.Fatalf("the job did not finish within %s", jobPatience)
		case <-time.After(100 * time.Millisecond): // the page's own poll refreshes the status
		}
	}
}

// screenshot saves a full-page PNG under testdata/screenshots (git-ignored).
func screenshot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		buf, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		dir := filepath.Join("testdata", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
	})
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// count returns how many elements match a CSS selector now (without waiting for one).
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	return value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
}

type sandboxUser struct {
	Email, FirstName, LastName, Role string
	AccountName                      string `json:"account_name"`
}

func sandboxUserByEmail(t *testing.T, sandboxURL, email string) sandboxUser {
	t.Helper()
	resp, err := http.Get(sandboxURL + "/_sandbox/users")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var users []struct {
		Email       string `json:"email"`
		FirstName   string `json:"first_name"`
		LastName    string `json:"last_name"`
		Role        string `json:"role"`
		AccountName string `json:"account_name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil {
		t.Fatalf("/_sandbox/users: %v", err)
	}
	for _, u := range users {
		if u.Email == email {
			return sandboxUser{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Role: u.Role, AccountName: u.AccountName}
		}
	}
	t.Fatalf("no sandbox user %s", email)
	return sandboxUser{}
}

// TestBrowserSignInAsDemoStaff is `make run` in a browser: the demo partners are seeded, a
// visitor is sent to sign-in, signs in through the sandbox's page as a demo staff member,
// lands on the dashboard showing their name, and signs out.
func TestBrowserSignInAsDemoStaff(t *testing.T) {
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX") // `portal dev` turns the sandbox on by itself
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	const email = "admin@northwind.example"
	if !strings.Contains(p.Output.String(), email) {
		t.Fatalf("`portal dev` did not print the demo sign-in %s:\n%s", email, p.Output)
	}
	who := sandboxUserByEmail(t, p.SandboxURL, email)
	ctx := newBrowser(t)

	do(t, ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(css(`[data-testid="signin-zoom"]`)), screenshot("01-signin"))
	if url := value(t, ctx, chromedp.Location()); url != p.URL+"/signin" {
		t.Fatalf("/ sent the visitor to %s, want /signin", url)
	}
	user := css(`button[data-testid="signin-user"][value="` + email + `"]`)
	do(t, ctx,
		chromedp.Click(css(`[data-testid="signin-zoom"]`)),
		chromedp.WaitVisible(user),
		screenshot("02-sandbox-authorize"),
		chromedp.Click(user),
		chromedp.WaitVisible(css(`[data-testid="staff-name"]`)),
		screenshot("03-dashboard"),
	)
	url := value(t, ctx, chromedp.Location())
	staffName, role, partner := text(t, ctx, `[data-testid="staff-name"]`), text(t, ctx, `[data-testid="staff-role"]`), text(t, ctx, `[data-testid="partner-name"]`)
	if url != p.URL+"/" || staffName != who.FirstName+" "+who.LastName || role != "Admin" || partner != who.AccountName {
		t.Fatalf("dashboard at %s shows %q (%q) of %q; want %q %q (Admin) of %q", url, staffName, role, partner, who.FirstName, who.LastName, who.AccountName)
	}
	// The audit log shows the sign-in; typing in the search narrows it without a page load.
	do(t, ctx,
		chromedp.Click(css(`nav a[href="/audit"]`)),
		chromedp.WaitVisible(css(`[data-testid="audit-table"]`)),
		screenshot("03b-audit"),
	)
	if count(t, ctx, `[data-testid="audit-row"]`) == 0 {
		t.Fatal("the audit log is empty after a sign-in")
	}
	do(t, ctx,
		chromedp.SendKeys(css(`#f-q`), "no-such-thing"),
		chromedp.WaitVisible(css(`[data-testid="audit-empty"]`)),
		screenshot("03c-audit-search"),
	)
	if url := value(t, ctx, chromedp.Location()); !strings.Contains(url, "q=no-such-thing") {
		t.Fatalf("the search is not in the address bar: %s", url)
	}
	do(t, ctx,
		chromedp.Click(css(`[data-testid="signout"]`)),
		chromedp.WaitVisible(css(`[data-testid="signin-zoom"]`)),
		screenshot("04-signed-out"),
	)
	signedOut := text(t, ctx, `[role="status"]`)
	do(t, ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(css(`[data-testid="signin-zoom"]`)))
	if url := value(t, ctx, chromedp.Location()); !strings.Contains(signedOut, "signed out") || url != p.URL+"/signin" {
		t.Fatalf("after sign-out: %q at %s", signedOut, url)
	}
}

// TestBrowserRegistersNewPartner signs in the owner of an unregistered primary, who
// registers it, with a form error on the way.
func TestBrowserRegistersNewPartner(t *testing.T) {
	p := startPortal(t, "serve", baseEnv(t, newTestDB(t)))
	const email = "owner@contoso.example"
	axe, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	// The page, then its form error, pass the sweep's checks at 1440 and 390 px (the sweep
	// itself runs `portal dev`, where every partner is registered).
	do(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(p.URL+"/auth/zoom/login?login_hint="+email),
		chromedp.WaitVisible(css(`#name`)),
	)
	checkShown(t, ctx, string(axe), sweepPage{"/register", "register", "/register", `#name`})
	do(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Clear(css(`#name`)),
		chromedp.Click(css(`[data-testid="register"]`)),
		chromedp.WaitVisible(css(`[data-testid="error-name"]`)),
		screenshot("05-register-error"),
	)
	checkShown(t, ctx, string(axe), sweepPage{"/register", "register-error", "/register", `[data-testid="error-name"]`})
	do(t, ctx, chromedp.EmulateViewport(1440, 900))
	errText := text(t, ctx, `[data-testid="error-name"]`)
	do(t, ctx,
		chromedp.SendKeys(css(`#name`), "Contoso Reseller"),
		chromedp.Click(css(`[data-testid="register"]`)),
		chromedp.WaitVisible(css(`[data-testid="staff-name"]`)),
		screenshot("06-registered-dashboard"),
	)
	partner, role := text(t, ctx, `[data-testid="partner-name"]`), text(t, ctx, `[data-testid="staff-role"]`)
	if errText == "" || partner != "Contoso Reseller" || role != "Owner" {
		t.Fatalf("error %q, partner %q, role %q", errText, partner, role)
	}
}

// signInAs signs the browser in as a demo user through the sandbox (login_hint skips its
// page) and waits for the dashboard.
func signInAs(t *testing.T, ctx context.Context, p *portal, email string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(p.URL+"/auth/zoom/login?login_hint="+email), chromedp.WaitVisible(css(`[data-testid="staff-name"]`)))
}

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, chromedp.Click(css(`[data-testid="signout"]`)), chromedp.WaitVisible(css(`[data-testid="signin-zoom"]`)))
}

// syncNow presses "Sync now" on the dashboard and waits until the job page, refreshed by
// htmx, shows the sync finished.
func syncNow(t *testing.T, ctx context.Context, shot string) {
	t.Helper()
	do(t, ctx,
		chromedp.Click(css(`[data-testid="sync-now"]`)),
		chromedp.WaitVisible(css(`[data-testid="job-progress"][data-status="succeeded"]`)),
	)
	if shot != "" {
		do(t, ctx, screenshot(shot))
	}
}

// TestBrowserTierRollUp: the distributor's owner sees both resellers' customers, read only;
// a reseller's support staff sees only theirs.
func TestBrowserTierRollUp(t *testing.T) {
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	for _, email := range []string{"owner@contoso.example", "owner@fabrikam.example"} {
		signInAs(t, ctx, p, email)
		syncNow(t, ctx, "")
		signOut(t, ctx)
	}
	signInAs(t, ctx, p, "owner@northwind.example")
	syncNow(t, ctx, "07-sync-finished")
	do(t, ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(css(`[data-testid="tier-table"]`)), screenshot("08-dashboard-tiers"))
	tiers := text(t, ctx, `[data-testid="tier-table"] tbody`)
	if !strings.Contains(tiers, "Contoso Reseller") || !strings.Contains(tiers, "Fabrikam Reseller") {
		t.Fatalf("distributor's tier table: %q", tiers)
	}
	// Each reseller's customers, filtered, are all marked read only.
	for _, reseller := range []string{"Contoso Reseller", "Fabrikam Reseller"} {
		do(t, ctx, chromedp.Navigate(p.URL+"/customers"), chromedp.WaitVisible(css(`#c-partner`)))
		pid := partnerOptionValue(t, ctx, reseller)
		do(t, ctx,
			chromedp.SetValue(css(`#c-partner`), pid),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#c-partner').dispatchEvent(new Event('change', {bubbles: true}))`),
		)
		// htmx swaps the results, then puts the filter in the address bar.
		value(t, ctx, chromedp.Poll[bool](`location.search.includes("partner=`+pid+`")`))
		rows := count(t, ctx, `[data-testid="customer-row"]`)
		readOnly := count(t, ctx, `[data-testid="customer-row"] [data-testid="read-only"]`)
		if rows == 0 || rows != readOnly {
			t.Fatalf("%s's customers for the distributor: %d rows, %d read only", reseller, rows, readOnly)
		}
		if reseller == "Contoso Reseller" {
			do(t, ctx, screenshot("09-distributor-sees-reseller-read-only"))
		}
	}
	signOut(t, ctx)
	signInAs(t, ctx, p, "support@contoso.example")
	do(t, ctx, chromedp.Navigate(p.URL+"/customers"), chromedp.WaitVisible(css(`[data-testid="customers-table"]`)), screenshot("10-reseller-support-customers"))
	if n := count(t, ctx, `[data-testid="read-only"]`); n != 0 {
		t.Fatalf("the reseller's support staff sees %d read-only customers of others", n)
	}
	partners := text(t, ctx, `[data-testid="customers-table"] tbody`)
	if strings.Contains(partners, "Northwind") || strings.Contains(partners, "Fabrikam") {
		t.Fatalf("the reseller's support staff sees other partners' customers: %q", partners)
	}
	if !strings.Contains(partners, "Contoso Reseller") {
		t.Fatalf("the reseller's support staff does not see its own customers: %q", partners)
	}
}

// partnerOptionValue finds the value of the partner filter's option whose label holds name.
func partnerOptionValue(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	v := value(t, ctx, chromedp.Evaluate[string](`(function(){for (const o of document.querySelectorAll('#c-partner option')) { if (o.textContent.includes(`+"`"+name+"`"+`)) return o.value } return ''})()`))
	if v == "" {
		t.Fatalf("no partner option %q", name)
	}
	return v
}
