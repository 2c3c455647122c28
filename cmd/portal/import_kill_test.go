package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// childPortal is the portal binary running as a child process, so that a test can kill it.
type childPortal struct {
	URL    string
	cmd    *exec.Cmd
	output *syncBuffer
	done   chan struct{}
}

// portalBinDir is where buildPortal put the binary; TestMain removes it.
var portalBinDir string

// buildPortal builds the portal binary once per test binary.
var buildPortal = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tierdesk-portal-bin-")
	if err != nil {
		return "", err
	}
	portalBinDir = dir
	bin := filepath.Join(dir, "portal")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// startChild runs `portal serve` with env as a child process and waits until it serves.
func startChild(t testing.TB, env map[string]string) *childPortal {
	t.Helper()
	bin, err := buildPortal()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &childPortal{cmd: cmd, output: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = c.output
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.output.Write([]byte(sc.Text() + "\n"))
			if v, ok := strings.CutPrefix(sc.Text(), "portal listening on "); ok {
				urls <- v
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("portal output:\n%s", c.output)
		}
	})
	select {
	case c.URL = <-urls:
	case <-c.done:
		t.Fatalf("portal exited:\n%s", c.output)
	case <-time.After(startPatience):
		t.Fatalf("portal did not start:\n%s", c.output)
	}
	waitReady(t, c.URL, http.StatusOK, startPatience)
	return c
}

// kill stops the child at once (SIGKILL): no shutdown, no lease released, calls in flight cut.
func (c *childPortal) kill(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

// webClient is a browser-like HTTP client: cookies, redirects followed, same-origin forms.
type webClient struct {
	t testing.TB
	c *http.Client
}

func newWebClient(t testing.TB) *webClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// No connection kept open: Zoom's connections are the portal's only (see nextProcess).
	return &webClient{t: t, c: &http.Client{Jar: jar, Timeout: 2 * time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}}
}

func (w *webClient) do(req *http.Request) (*http.Response, string) {
	w.t.Helper()
	if req.Method != http.MethodGet {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return resp, string(b)
}

func (w *webClient) get(u string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return w.do(req)
}

func (w *webClient) post(u string, form url.Values) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.do(req)
}

func (w *webClient) upload(u string, fields map[string]string, name, content string) (*http.Response, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return w.do(req)
}

// moveCookies makes the session of one portal process valid on another one's address (the
// session lives in PostgreSQL; only the cookie's host differs).
func (w *webClient) moveCookies(from, to string) {
	f, _ := url.Parse(from)
	tu, _ := url.Parse(to)
	w.c.Jar.SetCookies(tu, w.c.Jar.Cookies(f))
}

// outsideZoom is Zoom for a portal that a test kills: the sandbox with the demo data, served
// by the test outside the portal process, so that it survives the portal. It sees every
// request arrive (which are at Zoom now, not answered yet), and each user create (POST
// /v2/accounts/{accountId}/users): which portal process sent it (each connection belongs to
// the process generation current when it was accepted, see nextProcess), and which creates
// are at Zoom now.
type outsideZoom struct {
	*sandbox.Sandbox
	gen atomic.Int32

	mu       sync.Mutex
	conns    map[net.Conn]int32 // open connections and their process generation
	inFlight map[string]int     // requests at Zoom now, not answered yet, by "METHOD path"
	arrived  int                // user creates that arrived so far
	open     map[int]bool       // creates at Zoom now, by arrival number
	creates  []userCreate       // creates answered
}

// userCreate is a user create Zoom answered.
type userCreate struct {
	Gen    int32 // the portal process that sent it: 1 for the first, 2 for the next
	Email  string
	Status int
}

type genKey struct{}

// nextProcess waits until Zoom has answered everything the previous portal process sent (it
// is dead: its connections end once their requests are handled) and makes the connections
// accepted from then on belong to the next process. Call it before the next one starts.
func (z *outsideZoom) nextProcess(t *testing.T) {
	t.Helper()
	gen := z.gen.Load()
	waitFor(t, 2*time.Minute, "Zoom to finish the killed process's requests", func() bool {
		z.mu.Lock()
		defer z.mu.Unlock()
		for _, g := range z.conns {
			if g == gen {
				return false
			}
		}
		return true
	})
	z.gen.Add(1)
}

// heldSince returns how many user creates that arrived after the first n are at Zoom now,
// not answered yet.
func (z *outsideZoom) heldSince(n int) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	held := 0
	for i := range z.open {
		if i > n {
			held++
		}
	}
	return held
}

// created returns, per email, how many creates process gen sent that Zoom answered 201.
func (z *outsideZoom) created(gen int32) map[string]int {
	z.mu.Lock()
	defer z.mu.Unlock()
	out := map[string]int{}
	for _, c := range z.creates {
		if c.Gen == gen && c.Status == http.StatusCreated {
			out[c.Email]++
		}
	}
	return out
}

// heldAt is how many requests of method to path are at Zoom now, not answered yet.
func (z *outsideZoom) heldAt(method, path string) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.inFlight[method+" "+path]
}

// serve passes requests to the sandbox, noting which are in flight and the user creates.
func (z *outsideZoom) serve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		z.mu.Lock()
		z.inFlight[key]++
		z.mu.Unlock()
		defer func() {
			z.mu.Lock()
			if z.inFlight[key]--; z.inFlight[key] == 0 {
				delete(z.inFlight, key)
			}
			z.mu.Unlock()
		}()
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/v2/accounts/") || !strings.HasSuffix(r.URL.Path, "/users") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var in struct {
			UserInfo struct {
				Email string `json:"email"`
			} `json:"user_info"`
		}
		_ = json.Unmarshal(body, &in) // a body that is not JSON is the sandbox's to refuse
		gen, _ := r.Context().Value(genKey{}).(int32)
		z.mu.Lock()
		z.arrived++
		n := z.arrived
		z.open[n] = true
		z.mu.Unlock()
		sw := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(sw, r)
		z.mu.Lock()
		delete(z.open, n)
		z.creates = append(z.creates, userCreate{Gen: gen, Email: strings.ToLower(in.UserInfo.Email), Status: sw.Status()})
		z.mu.Unlock()
	})
}

// withOutsideSandbox prepares a portal whose Zoom (outsideZoom) runs in the test, outside the
// portal process, so that it survives the portal being killed. It returns Zoom, the portal's
// environment, and a pool of the schema owner (it sees every row).
func withOutsideSandbox(t testing.TB) (*outsideZoom, map[string]string, *pgxpool.Pool) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Seed: sandbox.SeedDemo})
	if err != nil {
		t.Fatal(err)
	}
	z := &outsideZoom{Sandbox: sb, conns: map[net.Conn]int32{}, inFlight: map[string]int{}, open: map[int]bool{}}
	z.gen.Store(1)
	sbSrv := httptest.NewUnstartedServer(z.serve(sb.Handler()))
	sbSrv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		gen := z.gen.Load()
		z.mu.Lock()
		z.conns[c] = gen
		z.mu.Unlock()
		return context.WithValue(ctx, genKey{}, gen)
	}
	sbSrv.Config.ConnState = func(c net.Conn, state http.ConnState) {
		if state == http.StateClosed || state == http.StateHijacked {
			z.mu.Lock()
			delete(z.conns, c)
			z.mu.Unlock()
		}
	}
	sbSrv.Start()
	t.Cleanup(func() { sbSrv.Close(); sb.Close() })
	sb.SetPublicURL(sbSrv.URL)
	env := baseEnv(t, newTestDB(t))
	delete(env, "PORTAL_SANDBOX_ADDR")
	env["PORTAL_SANDBOX"] = "false"
	env["ZOOM_CLIENT_ID"], env["ZOOM_CLIENT_SECRET"] = sandbox.DemoClientID, sandbox.DemoClientSecret
	env["ZOOM_OAUTH_URL"], env["ZOOM_API_URL"] = sbSrv.URL, sbSrv.URL+"/v2"
	db, err := pgxpool.New(context.Background(), env["MIGRATE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return z, env, db
}

// signUpPartner signs owner in on base, registers the partner and connects its
// Server-to-Server app, and waits for the first customer sync; it returns the partner's
// customer with the most seats.
func signUpPartner(b testing.TB, w *webClient, base string, db *pgxpool.Pool, owner, name, s2s string) string {
	b.Helper()
	ctx := context.Background()
	if resp, _ := w.get(base + "/auth/zoom/login?login_hint=" + owner); resp.Request.URL.Path != "/register" {
		b.Fatalf("sign-in of %s ended at %s", owner, resp.Request.URL)
	}
	if resp, _ := w.post(base+"/register", url.Values{"name": {name}}); resp.StatusCode != http.StatusOK {
		b.Fatalf("register %s: %d", name, resp.StatusCode)
	}
	if resp, _ := w.post(base+"/settings/s2s", url.Values{"client_id": {s2s}, "client_secret": {s2s + "-secret"}}); resp.Request.URL.Path != "/settings" {
		b.Fatalf("connect the app of %s: %s", name, resp.Request.URL)
	}
	var customer string
	waitFor(b, 2*time.Minute, "the first customer sync of "+name, func() bool {
		return db.QueryRow(ctx, `SELECT c.zoom_account_id FROM customers c JOIN partners p ON p.id = c.partner_id
			WHERE p.name = $1 ORDER BY c.seats DESC, c.id LIMIT 1`, name).Scan(&customer) == nil
	})
	// The users sync the first customer sync queues (before it ends) reads every directory:
	// the partner's background work is over when no job of it is queued or running.
	waitFor(b, 2*time.Minute, "the first background pass of "+name, func() bool {
		var running int
		return db.QueryRow(ctx, `SELECT count(*) FROM jobs j JOIN partners p ON p.id = j.partner_id
			WHERE p.name = $1 AND j.status IN ('queued', 'running')`, name).Scan(&running) == nil && running == 0
	})
	return customer
}

// TestImportResumesAfterThePortalIsKilled kills the portal process (SIGKILL) in the middle of
// an import, with creates in flight, starts a new process on the same database, and checks
// that every valid row was created exactly once in Zoom and every result recorded.
func TestImportResumesAfterThePortalIsKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zoom, env, db := withOutsideSandbox(t)

	first := startChild(t, env)
	w := newWebClient(t)
	customer := signUpPartner(t, w, first.URL, db, "owner@contoso.example", "Contoso Reseller", "tierdesk-s2s-contoso")
	var file strings.Builder
	file.WriteString("email,first_name,last_name,type,action\n")
	const rows, bad = 300, 3
	for i := range rows {
		fmt.Fprintf(&file, "kill%03d@new.example,K,%d,1,create\n", i, i)
	}
	for i := range bad {
		fmt.Fprintf(&file, "not-an-email-%d,B,%d,1,create\n", i, i)
	}
	// Zoom answers the first creates slowly (several are in flight at once), then holds each
	// create until its caller goes away (and then makes the user, as Zoom does with a request
	// whose answer is lost): the process dies with creates at Zoom and no answer recorded.
	const answered = 50
	zoom.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: 200 * time.Millisecond, Count: answered})
	zoom.AddFault(sandbox.Fault{Method: "POST", Path: "/v2/accounts/*/users", Latency: time.Hour})
	resp, _ := w.upload(first.URL+"/imports", map[string]string{"kind": "create", "customer": customer}, "kill.csv", file.String())
	if !strings.HasPrefix(resp.Request.URL.Path, "/imports/") {
		t.Fatalf("upload ended at %s", resp.Request.URL)
	}
	resp, _ = w.post(first.URL+resp.Request.URL.Path+"/start", nil)
	jobPath := resp.Request.URL.Path
	jobID := strings.TrimPrefix(jobPath, "/jobs/")
	count := func(state string) int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM user_import_rows r JOIN user_imports i ON i.id = r.import_id
			WHERE i.job_id::text = $1 AND r.state = $2`, jobID, state).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, 3*time.Minute, "a create held at Zoom", func() bool { return zoom.heldSince(answered) > 0 })
	first.kill(t)
	doneAtKill, sending := count("succeeded"), map[string]bool{}
	r, _ := db.Query(ctx, `SELECT r.email FROM user_import_rows r JOIN user_imports i ON i.id = r.import_id
		WHERE i.job_id::text = $1 AND r.state = 'sending'`, jobID)
	emails, err := pgx.CollectRows(r, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		sending[strings.ToLower(e)] = true
	}
	t.Logf("killed with %d rows done and %d sent without a recorded answer", doneAtKill, len(sending))
	if doneAtKill >= rows || len(sending) == 0 {
		t.Fatalf("the kill did not land mid-import: %d done, %d in flight", doneAtKill, len(sending))
	}
	zoom.ClearFaults()

	zoom.nextProcess(t)
	second := startChild(t, env)
	w.moveCookies(first.URL, second.URL)
	var status string
	waitFor(t, 5*time.Minute, "the job to finish in the new process", func() bool {
		return db.QueryRow(ctx, "SELECT status FROM jobs WHERE id::text = $1", jobID).Scan(&status) == nil && (status == "succeeded" || status == "failed")
	})
	if status != "succeeded" || count("succeeded") != rows || count("invalid") != bad || count("sending")+count("ready")+count("failed") != 0 {
		t.Fatalf("job %s: %d succeeded, %d invalid, %d failed, %d left", status, count("succeeded"), count("invalid"), count("failed"), count("sending")+count("ready"))
	}
	// Zoom: every valid row created exactly once; no create refused as a duplicate.
	seen := map[string]int{}
	for _, u := range zoom.Users() {
		if strings.HasPrefix(u.Email, "kill") {
			seen[u.Email]++
		}
	}
	for i := range rows {
		if email := fmt.Sprintf("kill%03d@new.example", i); seen[email] != 1 {
			t.Errorf("%s is %d times in Zoom", email, seen[email])
		}
	}
	created, dup := 0, 0
	for _, r := range zoom.Requests() {
		if r.Method == "POST" && r.Path == "/v2/accounts/"+customer+"/users" {
			switch {
			case r.Status == http.StatusCreated:
				created++
			case r.Code == 1005 || r.Code == 1009:
				dup++
			}
		}
	}
	if created != rows || dup != 0 {
		t.Fatalf("Zoom's request log: %d creates answered 201 (want %d), %d refused as duplicates", created, rows, dup)
	}
	// Every result is recorded, and downloadable from the new process.
	resp, body := w.get(second.URL + jobPath + "/results.csv")
	if resp.StatusCode != http.StatusOK || strings.Count(body, ",succeeded,") != rows || strings.Count(body, "skipped (refused by the check)") != bad {
		t.Fatalf("results from the new process: %d, %d succeeded rows", resp.StatusCode, strings.Count(body, ",succeeded,"))
	}
	var events, all int
	if err := db.QueryRow(ctx, `SELECT count(DISTINCT target_label) FROM audit_events WHERE job_id = $1 AND action = 'user.create' AND outcome = 'succeeded'`, jobID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	// Exactly one event per row: no row audited twice (once by each process), none pending.
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE job_id = $1 AND action = 'user.create'`, jobID).Scan(&all); err != nil {
		t.Fatal(err)
	}
	if events != rows || all != rows {
		t.Fatalf("%d rows have a succeeded audit event and there are %d row events, want %d of each", events, all, rows)
	}
	// The restart looked up every row left sending. It resolved, as done, exactly those whose
	// create the killed process had got to Zoom (at least the one held there at the kill), and
	// sent the others again, once each; it sent none of the resolved ones again.
	r, _ = db.Query(ctx, `SELECT lower(target_label) FROM audit_events WHERE job_id = $1 AND action = 'user.create'
		AND details->>'resolution' LIKE 'the previous run stopped%' ORDER BY 1`, jobID)
	resolved, err := pgx.CollectRows(r, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	byFirst, bySecond := zoom.created(1), zoom.created(2)
	var want []string
	for email := range sending {
		if byFirst[email] == 1 {
			want = append(want, email)
		}
		if again := bySecond[email]; again != 1-byFirst[email] {
			t.Errorf("%s, left sending: created %d times by the killed process and %d by the new one", email, byFirst[email], again)
		}
	}
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(resolved, want) {
		t.Fatalf("rows resolved by a look-up after the restart:\n%v\nwant the rows left sending whose create reached Zoom:\n%v", resolved, want)
	}
	t.Logf("%d of the %d rows left sending resolved by a look-up after the restart, %d sent again", len(resolved), len(sending), len(sending)-len(resolved))
}

// waitFor polls cond until it holds (an event; the time only keeps a broken test from hanging).
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
