package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// UserInfo describes a sandbox user (GET /_sandbox/users).
type UserInfo struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	Role        string `json:"role"`   // "Owner", "Admin" or "Member"
	Status      string `json:"status"` // "active", "inactive" or "pending"
	Primary     bool   `json:"primary"`
	// ParentAccountID is the primary account above the user's account ("" at the top).
	ParentAccountID string `json:"parent_account_id"`
}

// AppInfo describes a registered app (GET /_sandbox/apps) or one to register (AddApp,
// POST /_sandbox/apps, Options.Apps).
type AppInfo struct {
	ClientID          string   `json:"client_id"`
	ClientSecret      string   `json:"client_secret"`
	Name              string   `json:"name"`
	Type              string   `json:"type"`                    // "oauth" (authorization code + PKCE) or "s2s" (Server-to-Server)
	RedirectURIs      []string `json:"redirect_uris,omitempty"` // oauth: exact redirect URIs accepted
	LoopbackRedirects bool     `json:"loopback_redirects"`      // oauth: also accept any loopback redirect URI
	AccountID         string   `json:"account_id,omitempty"`    // s2s: the account (an account id, or the email of one of its users)
	AccountName       string   `json:"account_name,omitempty"`
	Scopes            []string `json:"scopes"` // empty means the full admin set
}

// Users lists every user, grouped by account in creation order.
func (s *Sandbox) Users() []UserInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	accts := make([]*account, 0, len(s.st.Accounts))
	for _, a := range s.st.Accounts {
		accts = append(accts, a)
	}
	slices.SortFunc(accts, func(a, b *account) int { return int(a.Seq - b.Seq) })
	out := make([]UserInfo, 0, len(s.st.Users))
	for _, a := range accts {
		for _, u := range s.st.usersOf(a.ID) {
			out = append(out, UserInfo{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
				AccountID: a.ID, AccountName: a.Name, Role: u.Role, Status: u.Status, Primary: a.Primary,
				ParentAccountID: a.ParentID})
		}
	}
	return out
}

// Apps lists the registered OAuth and Server-to-Server apps with their credentials.
func (s *Sandbox) Apps() []AppInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]AppInfo, 0, len(s.st.Apps))
	for _, a := range s.st.Apps {
		out = append(out, s.appInfo(a))
	}
	slices.SortFunc(out, func(a, b AppInfo) int { return strings.Compare(a.ClientID, b.ClientID) })
	return out
}

// appInfo describes an app.
func (s *Sandbox) appInfo(a *app) AppInfo {
	ai := AppInfo{ClientID: a.ClientID, ClientSecret: a.ClientSecret, Name: a.Name, Type: a.Type,
		RedirectURIs: a.RedirectURIs, LoopbackRedirects: a.LoopbackRedirects, AccountID: a.AccountID, Scopes: slices.Clone(a.Scopes)}
	if acct := s.st.Accounts[a.AccountID]; acct != nil {
		ai.AccountName = acct.Name
	}
	return ai
}

// AddApp registers an OAuth or Server-to-Server app and returns it with any generated
// client id and secret filled in. It fails on an unknown type, a Server-to-Server app
// without a known account, or an OAuth app without redirect URIs.
func (s *Sandbox) AddApp(ai AppInfo) (AppInfo, error) {
	s.mu.Lock()
	a, err := appFromInfo(s.st, ai)
	if err == nil {
		s.st.Apps[a.ClientID] = a
		ai = s.appInfo(a)
	}
	s.mu.Unlock()
	if err != nil {
		return AppInfo{}, fmt.Errorf("add app: %w", err)
	}
	s.markDirty()
	return ai, nil
}

// appFromInfo validates an AppInfo against the state.
func appFromInfo(st *state, ai AppInfo) (*app, error) {
	a := &app{ClientID: ai.ClientID, ClientSecret: ai.ClientSecret, Name: ai.Name, Type: ai.Type,
		RedirectURIs: ai.RedirectURIs, LoopbackRedirects: ai.LoopbackRedirects, Scopes: ai.Scopes}
	if a.ClientID == "" {
		a.ClientID = "sbx" + randomToken(12)
	}
	if a.ClientSecret == "" {
		a.ClientSecret = randomToken(24)
	}
	if len(a.Scopes) == 0 {
		a.Scopes = slices.Clone(adminScopes)
	}
	switch a.Type {
	case appOAuth:
		if len(a.RedirectURIs) == 0 && !a.LoopbackRedirects {
			return nil, errors.New("an oauth app needs redirect_uris or loopback_redirects")
		}
	case appS2S:
		acct := st.Accounts[ai.AccountID]
		if acct == nil {
			if u := st.userByEmail(ai.AccountID); u != nil {
				acct = st.Accounts[u.AccountID]
			}
		}
		if acct == nil {
			return nil, fmt.Errorf("unknown account %q", ai.AccountID)
		}
		a.AccountID = acct.ID
	default:
		return nil, fmt.Errorf("unknown app type %q (want %q or %q)", a.Type, appOAuth, appS2S)
	}
	if a.Name == "" {
		a.Name = a.ClientID
	}
	return a, nil
}

// BillingRecords names back-office billing records of a sub account billed to its primary,
// for RemoveBillingRecords.
type BillingRecords struct {
	BillingAccount bool // the billing account: code 3201 on billing contact and owner changes
	Subscription   bool // the Zuora subscription: code 3200 on add-on plans
	BillingContact bool // the billing (sold-to) contact: code 3211 on billing contact and owner changes
}

// RemoveBillingRecords makes Zoom's billing system lose the records r names for the account,
// so that clients meet codes 3200, 3201 and 3211 (ZOOM_API.md §5) as they would when Zoom's
// back office has no such records. Subscribing a plan (POST /accounts/{id}/plans after a
// cancellation) opens them again. It fails for an unknown account, or one that is not a sub
// account billed to its primary (pay mode "master") with a plan.
// HTTP: DELETE /_sandbox/accounts/{accountId}/billing_records?records=billing_account,subscription,billing_contact
// (no records parameter means all three).
func (s *Sandbox) RemoveBillingRecords(accountID string, r BillingRecords) error {
	s.mu.Lock()
	a := s.st.Accounts[accountID]
	var err error
	switch {
	case a == nil:
		err = fmt.Errorf("remove billing records: unknown account %q", accountID)
	case a.ParentID == "" || a.Options.PayMode != "master" || a.Plans == nil:
		err = fmt.Errorf("remove billing records: account %s is not a sub account billed to its primary with a plan", accountID)
	default:
		a.NoBillingAccount = a.NoBillingAccount || r.BillingAccount
		a.NoSubscription = a.NoSubscription || r.Subscription
		if r.BillingContact {
			a.Billing = nil
		}
	}
	s.mu.Unlock()
	if err == nil {
		s.markDirty()
	}
	return err
}

// handleRemoveBillingRecords is DELETE /_sandbox/accounts/{accountId}/billing_records.
func (s *Sandbox) handleRemoveBillingRecords(w http.ResponseWriter, r *http.Request) {
	var br BillingRecords
	list := r.URL.Query().Get("records")
	if list == "" {
		list = "billing_account,subscription,billing_contact"
	}
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "billing_account":
			br.BillingAccount = true
		case "subscription":
			br.Subscription = true
		case "billing_contact":
			br.BillingContact = true
		default:
			writeJSON(w, 400, map[string]string{"error": "unknown billing record " + strconv.Quote(name) + " (want billing_account, subscription or billing_contact)"})
			return
		}
	}
	if err := s.RemoveBillingRecords(r.PathValue("accountId"), br); err != nil {
		writeJSON(w, 400, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sandboxRoutes registers /_sandbox/*.
func (s *Sandbox) sandboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sandbox/users", s.handleSandboxUsers)
	mux.HandleFunc("GET /_sandbox/apps", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Apps()) })
	mux.HandleFunc("POST /_sandbox/apps", func(w http.ResponseWriter, r *http.Request) {
		var ai AppInfo
		if !readJSON(w, r, &ai) {
			return
		}
		out, err := s.AddApp(ai)
		if err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, 201, out)
	})
	mux.HandleFunc("GET /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		writeJSON(w, 200, s.reqs.since(since))
	})
	mux.HandleFunc("DELETE /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		s.ClearRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_sandbox/accounts/{accountId}/billing_records", s.handleRemoveBillingRecords)
	mux.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.faults.list()) })
	mux.HandleFunc("POST /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if !readJSON(w, r, &f) {
			return
		}
		if f.Path == "" {
			writeJSON(w, 400, map[string]string{"error": "path is required"})
			return
		}
		writeJSON(w, 201, map[string]string{"id": s.AddFault(f)})
	})
	mux.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_sandbox/faults/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.ReleaseFault(r.PathValue("id")) {
			writeJSON(w, 404, map[string]string{"error": "no such fault"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Reset(); err != nil {
			writeJSON(w, 500, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sandbox/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"now": ts(s.now())})
	})
	mux.HandleFunc("POST /_sandbox/clock", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			AdvanceSeconds float64 `json:"advance_seconds"`
		}
		if !readJSON(w, r, &b) {
			return
		}
		s.Advance(time.Duration(b.AdvanceSeconds * float64(time.Second)))
		writeJSON(w, 200, map[string]string{"now": ts(s.now())})
	})
	mux.HandleFunc("GET /_sandbox/webhook", func(w http.ResponseWriter, r *http.Request) {
		cfg := s.hooks.config()
		writeJSON(w, 200, map[string]any{"url": cfg.URL, "secret_token": cfg.Secret, "deliveries": s.WebhookDeliveries()})
	})
	mux.HandleFunc("POST /_sandbox/webhook", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			URL         string `json:"url"`
			SecretToken string `json:"secret_token"`
		}
		if !readJSON(w, r, &b) {
			return
		}
		if err := s.SetWebhook(b.URL, b.SecretToken); err != nil {
			writeJSON(w, 400, map[string]any{"validated": false, "error": err.Error()})
			return
		}
		writeJSON(w, 200, map[string]any{"validated": b.URL != ""})
	})
}

// readJSON decodes a /_sandbox request body, answering 400 on failure.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		writeJSON(w, 400, map[string]string{"error": "body must be a JSON object: " + err.Error()})
		return false
	}
	return true
}

// handleSandboxUsers is GET /_sandbox/users with optional filters email, account_id, role,
// status and primary=true.
func (s *Sandbox) handleSandboxUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := make([]UserInfo, 0)
	for _, u := range s.Users() {
		if (q.Get("email") != "" && !strings.EqualFold(q.Get("email"), u.Email)) ||
			(q.Get("account_id") != "" && q.Get("account_id") != u.AccountID) ||
			(q.Get("role") != "" && !strings.EqualFold(q.Get("role"), u.Role)) ||
			(q.Get("status") != "" && q.Get("status") != u.Status) ||
			(q.Get("primary") == "true" && !u.Primary) {
			continue
		}
		out = append(out, u)
	}
	writeJSON(w, 200, out)
}

var indexTmpl = template.Must(template.New("index").Parse(pageStyle + indexHTML))

// handleIndex is the small index page at /.
func (s *Sandbox) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	v := map[string]any{"Base": s.baseURL(r), "Seed": s.st.Seed, "Accounts": len(s.st.Accounts), "Users": len(s.st.Users),
		"ClientID": DemoClientID, "ClientSecret": DemoClientSecret}
	primaries := 0
	for _, a := range s.st.Accounts {
		if a.Primary {
			primaries++
		}
	}
	v["Primaries"] = primaries
	s.mu.RUnlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := indexTmpl.Execute(w, v); err != nil {
		s.log.Error("render index", "err", err)
	}
}

// AddLoad adds customers sub accounts under the primary account of the user ownerEmail, each
// with an owner and usersEach-1 more active users, half of them Licensed (on a Business plan
// with a seat for each): a large partner, for benchmarks and for training. Their names are
// "Load Customer 0001" and on, their users' emails user-<i>@load-<n>.example.
func (s *Sandbox) AddLoad(ownerEmail string, customers, usersEach int) error {
	s.mu.Lock()
	owner := s.st.userByEmail(ownerEmail)
	if owner == nil || s.st.Accounts[owner.AccountID] == nil || !s.st.Accounts[owner.AccountID].Primary {
		s.mu.Unlock()
		return fmt.Errorf("add load: %s is not the user of a primary account", ownerEmail)
	}
	primary := s.st.Accounts[owner.AccountID]
	sd := &seeder{st: s.st, rng: rand.New(rand.NewPCG(uint64(customers), uint64(usersEach))), emails: map[string]bool{}, names: map[string]bool{}}
	for n := range customers {
		created := day(60 + n%700)
		domain := fmt.Sprintf("load-%04d.example", n+1)
		a := sd.account(fmt.Sprintf("Load Customer %04d", n+1), domain, primary.ID, created)
		licensed := max(1, usersEach/2)
		a.Plans = &plans{Base: &planItem{Type: "business_annual", Hosts: max(10, licensed), ServiceEffectiveDate: created,
			NextInvoiceDate: created.AddDate(4, 0, 0), Status: "active"}}
		for i := range max(1, usersEach) {
			first, last := sd.personName()
			role, typ := roleMember, 1
			if i == 0 {
				role = roleOwner
			}
			if i < licensed {
				typ = 2
			}
			u := sd.user(a, first, last, fmt.Sprintf("user-%d@%s", i, domain), role, statusActive, typ, created.Add(time.Hour))
			if i == 0 {
				a.OwnerID = u.ID
			}
		}
	}
	s.mu.Unlock()
	s.markDirty()
	return nil
}
