package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tierdesk/tierdesk/internal/jobs"
)

// TestBrowserOutgoingWebhook: Northwind's owner saves an outgoing webhook on the settings
// page (URL, secret, one kind), sends a test event, which a receiver on this machine gets
// signed with that secret, and the delivery log shows it delivered after "Refresh" (htmx).
// The page passes the sweep's checks (width, clipped text, axe) at 1440 and 390 px with the
// log filled. Screenshots notify_*.
func TestBrowserOutgoingWebhook(t *testing.T) {
	t.Parallel()
	axe, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "northwind-chat-signing-secret"
	var mu sync.Mutex
	var verified, refused int
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get(jobs.HeaderNotifySignature) != jobs.SignNotification(secret, r.Header.Get(jobs.HeaderNotifyTimestamp), body) {
			refused++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		verified++
	}))
	defer rc.Close()

	env := baseEnv(t, newTestDB(t))
	env["PORTAL_DATA_DIR"] = t.TempDir()
	p := startPortal(t, "dev", env)
	waitPortalIdle(t, env["MIGRATE_DATABASE_URL"])
	ctx := newBrowser(t)
	signInAs(t, ctx, p, "owner@northwind.example")
	do(t, ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(p.URL+"/settings#notify"),
		chromedp.WaitVisible(css(`[data-testid="notify-panel"]`)),
		setField(`#notify-url`, rc.URL+"/chat/incoming"),
		setField(`#notify-secret`, secret),
		chromedp.Click(css(`input[name="notify_kinds"][value="job.failed"]`)),
		chromedp.Click(css(`[data-testid="save-notify"]`)),
		chromedp.WaitVisible(css(`[data-testid="notify-test"]`)),
	)
	if got := value(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="notify-status"]').innerText`)); got != "On" {
		t.Fatalf("status after saving: %q", got)
	}
	do(t, ctx, chromedp.Click(css(`[data-testid="notify-test"]`)), chromedp.WaitVisible(css(`[data-testid="notify-row"]`)))
	deadline := time.Now().Add(time.Minute)
	for {
		mu.Lock()
		v, bad := verified, refused
		mu.Unlock()
		if bad > 0 {
			t.Fatalf("%d requests failed the signature check", bad)
		}
		if v == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the receiver got no test event in a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The log refreshes in place until it says delivered.
	for status := ""; status != "delivered"; {
		if time.Now().After(deadline) {
			t.Fatalf("the log still says %q", status)
		}
		do(t, ctx, chromedp.Click(css(`#notify-log a`)), chromedp.WaitVisible(css(`[data-testid="notify-row"]`)))
		status = value(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="notify-row"]').dataset.status`))
	}
	if n := value(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="notify-attempts"]').innerText`)); n != strconv.Itoa(1) {
		t.Fatalf("attempts: %s", n)
	}
	do(t, ctx, chromedp.ScrollIntoView(css(`#notify`)), shots("notify_settings"))
	for _, w := range []int{1440, 390} {
		do(t, ctx, chromedp.EmulateViewport(int64(w), 900), chromedp.WaitVisible(css(`[data-testid="notify-log"]`)))
		page := "settings with the outgoing webhook at " + strconv.Itoa(w)
		noWiderThan(t, ctx, page, w)
		if w == 1440 {
			noClippedText(t, ctx, page)
		}
		runAxe(t, ctx, string(axe), page)
	}
}
