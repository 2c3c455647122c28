package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sandboxMember returns an active member (not owner or admin) of a sandbox account.
func sandboxMember(t *testing.T, sandboxURL, accountID string) (id, email string) {
	t.Helper()
	resp, err := http.Get(sandboxURL + "/_sandbox/users?status=active&role=Member&account_id=" + url.QueryEscape(accountID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var users []struct{ ID, Email string }
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil || len(users) == 0 {
		t.Fatalf("active members of %s: %v", accountID, err)
	}
	return users[0].ID, users[0].Email
}

// sandboxHold makes the sandbox hold every request of method and path after the first
// after (a Hold fault), and returns the fault's id for sandboxRelease.
func sandboxHold(t *testing.T, sandboxURL, method, path string, after int) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"method": method, "path": path, "hold": true, "after": after})
	resp, err := http.Post(sandboxURL+"/_sandbox/faults", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated || out.ID == "" {
		t.Fatalf("hold %s %s: %d %v", method, path, resp.StatusCode, err)
	}
	t.Cleanup(func() { sandboxRelease(t, sandboxURL, "") })
	return out.ID
}

// sandboxRelease releases a Hold fault (every fault, with id "").
func sandboxRelease(t *testing.T, sandboxURL, id string) {
	t.Helper()
	u := sandboxURL + "/_sandbox/faults"
	if id != "" {
		u += "/" + id
	}
	req, _ := http.NewRequest(http.MethodDelete, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && !(id == "" && resp.StatusCode >= 400) {
		t.Errorf("release %s: %d", u, resp.StatusCode)
	}
}

// display is the computed CSS display of the element sel finds.
func display(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return value(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(`+"`"+sel+"`"+`)).display`))
}

// acceptConfirms makes the page's confirm() questions (data-confirm buttons) answer yes.
func acceptConfirms() chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`)
}

// TestBrowserUsersAddChangeAndImport: support staff add a user (after Zoom refuses a first
// try), deactivate and reactivate one; an admin imports a 200-row CSV with 5 bad rows and
// watches the progress bar finish.
func TestBrowserUsersAddChangeAndImport(t *testing.T) {
	t.Parallel()
	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	delete(env, "PORTAL_SANDBOX")
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)

	// The admin's first sign-in syncs Contoso's customers.
	signInAs(t, ctx, p, "admin@contoso.example")
	syncNow(t, ctx, "")
	db, err := pgxpool.New(context.Background(), env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var account, name string
	if err := db.QueryRow(context.Background(), `SELECT c.zoom_account_id, c.account_name FROM customers c JOIN partners p ON p.id = c.partner_id
		WHERE p.name LIKE 'Contoso%' AND c.status = 'active' ORDER BY c.seats DESC, c.id LIMIT 1`).Scan(&account, &name); err != nil {
		t.Fatal(err)
	}
	users := p.URL + "/customers/" + account + "/users"
	signOut(t, ctx)

	// Support staff: the list, then add a user.
	signInAs(t, ctx, p, "support@contoso.example")
	do(t, ctx,
		chromedp.Navigate(users),
		chromedp.WaitVisible(css(`[data-testid="user-row"]`)),
		screenshot("20-users-list"),
		chromedp.Click(css(`[data-testid="add-user"]`)),
		chromedp.WaitVisible(css(`#u-email`)),
		setField(`#u-email`, "dana.ross@blocked.example"),
		setField(`#u-first_name`, "Dana"),
		setField(`#u-last_name`, "Ross"),
		chromedp.Click(css(`[data-testid="create-user"]`)),
		chromedp.WaitVisible(css(`[data-testid="error-email"]`)),
		screenshot("21-add-user-refused"),
	)
	if got := text(t, ctx, `[data-testid="error-email"]`); !strings.Contains(got, "1107") {
		t.Fatalf("Zoom's refusal: %q", got)
	}
	if v := value(t, ctx, chromedp.Evaluate[string](`document.querySelector('#u-first_name').value`)); v != "Dana" {
		t.Fatalf("the form lost the first name: %q", v)
	}
	// The password is for autoCreate only: hidden while another action is chosen.
	if d := display(t, ctx, `[data-testid="password-field"]`); d != "none" {
		t.Fatalf("the password field with create: display %q", d)
	}
	do(t, ctx, chromedp.Click(css(`[data-testid="action-autoCreate"]`)))
	if d := display(t, ctx, `[data-testid="password-field"]`); d == "none" {
		t.Fatal("the password field is hidden with autoCreate")
	}
	do(t, ctx, chromedp.Click(css(`[data-testid="action-create"]`)))
	do(t, ctx,
		setField(`#u-email`, "dana.ross@"+strings.ToLower(strings.ReplaceAll(name, " ", ""))+".example"),
		chromedp.Click(css(`[data-testid="create-user"]`)),
		chromedp.WaitVisible(css(`[data-testid="user-email"]`)),
		screenshot("22-user-added"),
	)
	if got := text(t, ctx, `[data-testid="user-status"]`); got != "pending" {
		t.Fatalf("new user's status %q", got)
	}

	// Deactivate and reactivate a member.
	memberID, memberEmail := sandboxMember(t, p.SandboxURL, account)
	do(t, ctx,
		chromedp.Navigate(users+"/"+memberID),
		chromedp.WaitVisible(css(`[data-testid="deactivate"]`)),
		acceptConfirms(),
		chromedp.Click(css(`[data-testid="deactivate"]`)),
		chromedp.WaitVisible(css(`[data-testid="activate"]`)),
		screenshot("23-user-deactivated"),
	)
	if got := text(t, ctx, `[data-testid="user-status"]`); got != "inactive" {
		t.Fatalf("%s after deactivate: %q", memberEmail, got)
	}
	do(t, ctx, chromedp.Click(css(`[data-testid="activate"]`)), chromedp.WaitVisible(css(`[data-testid="deactivate"]`)))
	if got := text(t, ctx, `[data-testid="user-status"]`); got != "active" {
		t.Fatalf("%s after activate: %q", memberEmail, got)
	}
	// The customers to move the user to are loaded when the form is opened, in place.
	userURL := value(t, ctx, chromedp.Location())
	do(t, ctx,
		chromedp.Click(css(`[data-testid="move-open"]`)),
		chromedp.WaitVisible(css(`#u-move-to`)),
		screenshot("23b-user-move-opened"),
	)
	if n := count(t, ctx, `#u-move-to option`); n < 2 {
		t.Fatalf("the move form lists %d options, want the other customers", n)
	}
	if got := value(t, ctx, chromedp.Location()); got != userURL {
		t.Fatalf("opening the move form left the page: %s, want %s", got, userURL)
	}
	signOut(t, ctx)

	// An admin imports 200 rows, 5 of them bad, and watches the progress.
	var csv strings.Builder
	csv.WriteString("email,first_name,last_name,type,action\n")
	for i := range 195 {
		fmt.Fprintf(&csv, "imported%03d@bulk.example,Imported,User %d,1,create\n", i, i)
	}
	csv.WriteString("not-an-email,Bad,Email,1,create\n")
	csv.WriteString("imported000@bulk.example,Same,Email,1,create\n")
	csv.WriteString("auto@bulk.example,Auto,Create,1,autoCreate\n")
	csv.WriteString("none@bulk.example,Type,None,99,create\n")
	csv.WriteString("nameless@bulk.example,Bad,Type,7,create\n")
	file := filepath.Join(t.TempDir(), "users-200.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	signInAs(t, ctx, p, "admin@contoso.example")
	do(t, ctx,
		chromedp.Navigate(p.URL+"/imports"),
		chromedp.WaitVisible(css(`[data-testid="import-file"]`)),
		chromedp.SetValue(css(`#i-customer`), account),
		chromedp.SetUploadFiles(css(`[data-testid="import-file"]`), []string{file}),
		screenshot("24-imports"),
		chromedp.Click(css(`[data-testid="check-file"]`)),
		chromedp.WaitVisible(css(`[data-testid="preview-valid"]`)),
		screenshot("25-import-checked"),
	)
	if valid, invalid := text(t, ctx, `[data-testid="preview-valid"]`), text(t, ctx, `[data-testid="preview-invalid"]`); valid != "195" || invalid != "5" {
		t.Fatalf("check: %s valid, %s refused", valid, invalid)
	}
	// Zoom holds the creates after the 30th until the bar has been seen moving: however slow
	// the machine, the job cannot finish before the test has looked at it running.
	hold := sandboxHold(t, p.SandboxURL, "POST", "/v2/accounts/*/users", 30)
	do(t, ctx,
		chromedp.Click(css(`[data-testid="start-import"]`)),
		chromedp.WaitVisible(css(`[data-testid="job-progress"]`)),
	)
	// The bar moves while htmx refreshes the panel; the poll that finds the job finished
	// reloads the page (so the reads tolerate a page between documents).
	sawProgress := false
	for deadline := time.Now().Add(jobPatience); time.Now().Before(deadline); {
		sctx, cancel := patient(t, ctx, stepPatience)
		got, err := chromedp.Run(sctx, chromedp.Evaluate[string](`(() => {
			const p = document.querySelector('[data-testid="job-progress"]'), d = document.querySelector('[data-testid="job-done"]');
			return p && d ? p.dataset.status + " " + d.textContent.trim() : "";
		})()`))
		cancel()
		status, doneText, _ := strings.Cut(got, " ")
		if err != nil || got == "" {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		done, err := strconv.Atoi(doneText)
		if err != nil {
			t.Fatalf("rows done %q: %v", doneText, err)
		}
		if status == "running" && done > 20 && !sawProgress {
			sawProgress = true
			do(t, ctx, screenshot("26-import-progress"))
			sandboxRelease(t, p.SandboxURL, hold)
		}
		if status == "succeeded" || status == "failed" || status == "cancelled" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	do(t, ctx, chromedp.WaitVisible(css(`[data-testid="job-progress"][data-status="succeeded"]`)), screenshot("27-import-finished"))
	if !sawProgress {
		t.Error("the progress was never seen moving")
	}
	if done, failed, left := text(t, ctx, `[data-testid="job-done"]`), text(t, ctx, `[data-testid="job-failed"]`), text(t, ctx, `[data-testid="job-left"]`); done != "195" || failed != "0" || left != "0" {
		t.Fatalf("finished job: %s done, %s failed, %s left", done, failed, left)
	}
	// The finished page was reloaded whole: no cancel button left, and no more polling.
	if n, polls := count(t, ctx, `[data-testid="cancel-job"]`), count(t, ctx, `[hx-get]`); n != 0 || polls != 0 {
		t.Fatalf("finished job: %d cancel buttons, %d pollers", n, polls)
	}
	// The search in the header finds an imported user and names its customer.
	do(t, ctx,
		chromedp.SendKeys(css(`[data-testid="top-search"]`), "imported042@bulk.example\n"),
		chromedp.WaitVisible(css(`[data-testid="search-user"]`)),
		screenshot("28-search"),
	)
	if got := text(t, ctx, `[data-testid="search-user-customer"]`); got != name {
		t.Fatalf("search names customer %q, want %q", got, name)
	}
	// Admins select users for a bulk deactivate or remove, confirmed on the next page. Pending
	// users can only be removed.
	do(t, ctx,
		chromedp.Navigate(users+"?status=pending"),
		chromedp.WaitVisible(css(`[data-testid="bulk-remove"]`)),
		chromedp.Click(css(`[data-testid="user-row"] input[type=checkbox]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-count"]`)),
		screenshot("29-users-selection"),
	)
	if got, n := text(t, ctx, `[data-testid="bulk-count"]`), count(t, ctx, `[data-testid="bulk-deactivate"]`); got != "1 selected" || n != 0 {
		t.Fatalf("bulk bar on the Pending tab: %q, %d deactivate buttons", got, n)
	}
	do(t, ctx,
		chromedp.Click(css(`[data-testid="bulk-remove"]`)),
		chromedp.WaitVisible(css(`[data-testid="start-import"]`)),
		screenshot("30-bulk-remove-confirm"),
	)
	if got := text(t, ctx, `[data-testid="preview-valid"]`); got != "1" {
		t.Fatalf("selection of one pending user: %s ready", got)
	}
	// The transfers belong to Delete: hidden until it is chosen.
	if d := display(t, ctx, `[data-testid="transfer-fields"]`); d != "none" {
		t.Fatalf("transfer fields with disassociate: display %q", d)
	}
	do(t, ctx, chromedp.Click(css(`input[name=remove_action][value=delete]`)))
	if d := display(t, ctx, `[data-testid="transfer-fields"]`); d == "none" {
		t.Fatal("transfer fields hidden with delete")
	}
	// An address holding a NUL (a pasted id with an invisible character, or a probe) is
	// refused before anything looks at it, saying which part; the session stays.
	do(t, ctx,
		chromedp.Navigate(p.URL+"/customers/"+url.PathEscape(account)+"%00/users"),
		chromedp.WaitVisible(css(`[data-testid="message-text"]`)),
		screenshot("42-refused-not-text"),
	)
	if got := text(t, ctx, `[data-testid="message-text"]`); !strings.Contains(got, "the customer id in the address holds a NUL character") {
		t.Fatalf("refusal page: %q", got)
	}
	// The refusal is in the audit log, with the value escaped.
	do(t, ctx,
		chromedp.Navigate(p.URL+"/audit?action=request.refused"),
		chromedp.WaitVisible(css(`[data-testid="audit-row"]`)),
		screenshot("43-audit-refused"),
	)
	if got := text(t, ctx, `[data-testid="audit-row"]`); !strings.Contains(got, "Refused a request that is not text") {
		t.Fatalf("audit row of the refusal: %q", got)
	}
	do(t, ctx, chromedp.Navigate(users), chromedp.WaitVisible(css(`[data-testid="top-search"]`)))
	if n := count(t, ctx, `[data-testid="user-row"]`); n == 0 {
		t.Fatal("after the refusal the users page is empty: the session was lost")
	}
}
