package sandbox

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
)

// Scope sets shared by several endpoints (granular first: a 4711 names the first).
var (
	scUserRead = scopes(
		"user:read:user:admin user:read:admin",
		"user:read:user:master user:master user:read:admin",
		"user:read:user user:read user_info:read user_profile")
)

// scAcct accepts, on a sub account, the granular master scope, account:master and the
// classic admin scopes; on the own account ("me"), the classic admin scopes, the granular
// admin variants and the master ones.
func scAcct(granular, classic string) scopeSet {
	return scopes(classic+" "+granular+" account:master", granular+" account:master "+classic, "")
}

// scMaster is scAcct for endpoints without {accountId} that act on sub accounts.
func scMaster(granular, classic string) scopeSet {
	sc := scAcct(granular, classic)
	sc.own = sc.master
	return sc
}

// scBill accepts the granular billing scope or billing:master.
func scBill(granular string) scopeSet {
	return scopes(granular+" billing:master", granular+" billing:master", "")
}

// scUser accepts, on the own account, the granular ":admin" scope and the classic admin
// scope; on a sub account, the granular ":master" scope, user:master and the classic admin
// scope.
func scUser(granular, classic string) scopeSet {
	return scopes(granular+":admin "+classic, granular+":master user:master "+classic, "")
}

// scUserSelf is scUser plus user-level scopes that only work on the caller's own user.
func scUserSelf(granular, classic, classicSelf string) scopeSet {
	sc := scUser(granular, classic)
	sc.self = []string{granular, classicSelf}
	return sc
}

// apiRoutes is the whole /v2 surface. Endpoints that exist for the own account (/users/...)
// and for a sub account (/accounts/{accountId}/users/...) are listed once with both().
func (s *Sandbox) apiRoutes() []*apiRoute {
	var rs []*apiRoute
	add := func(r *apiRoute) { rs = append(rs, r) }
	both := func(r *apiRoute) {
		sub := *r
		sub.path = "/v2/accounts/{accountId}" + r.path
		r.path = "/v2" + r.path
		rs = append(rs, r, &sub)
	}

	// Sub accounts (ZOOM_API.md §1).
	const acct = "/v2/accounts/{accountId}"
	add(&apiRoute{method: "GET", path: "/v2/accounts", label: labelMedium, ok: 200, scopes: scMaster("account:read:list_sub_accounts:master", "account:read:admin"), h: listAccounts})
	add(&apiRoute{method: "POST", path: "/v2/accounts", label: labelLight, ok: 201, write: true, scopes: scMaster("account:write:sub_account:master", "account:write:admin"), h: createAccount})
	add(&apiRoute{method: "GET", path: acct, label: labelLight, ok: 200, scopes: scAcct("account:read:sub_account:master", "account:read:admin account:write:admin account:read:sub_account:admin"), h: getAccount})
	add(&apiRoute{method: "DELETE", path: acct, label: labelLight, ok: 204, write: true, subOnly: true, scopes: scAcct("account:delete:sub_account:master", "account:write:admin"), h: deleteAccount})
	add(&apiRoute{method: "PATCH", path: acct + "/options", label: labelLight, ok: 204, write: true, subOnly: true, scopes: scAcct("account:update:options:master", "account:write:admin"), h: patchOptions})
	add(&apiRoute{method: "GET", path: acct + "/settings", label: labelMedium, ok: 200, scopes: scAcct("account:read:settings:master", "account:read:admin account:read:settings:admin"), h: getAccountSettings})
	add(&apiRoute{method: "PATCH", path: acct + "/settings", label: labelMedium, ok: 204, write: true, scopes: scAcct("account:update:settings:master", "account:write:admin account:update:settings:admin"), h: patchAccountSettings})
	add(&apiRoute{method: "GET", path: acct + "/lock_settings", label: labelMedium, ok: 200, scopes: scAcct("account:read:lock_settings:master", "account:read:admin account:read:lock_settings:admin"), h: getLockSettings})
	add(&apiRoute{method: "PATCH", path: acct + "/lock_settings", label: labelMedium, ok: 204, write: true, scopes: scAcct("account:update:lock_settings:master", "account:write:admin account:update:lock_settings:admin"), h: patchLockSettings})
	add(&apiRoute{method: "GET", path: acct + "/managed_domains", label: labelLight, ok: 200, scopes: scAcct("account:read:managed_domains:master", "account:read:admin account:read:managed_domains:admin"), h: managedDomains})
	add(&apiRoute{method: "GET", path: acct + "/trusted_domains", label: labelLight, ok: 200, scopes: scAcct("account:read:trusted_domains:master", "account:read:admin account:read:trusted_domains:admin"), h: trustedDomains})
	add(&apiRoute{method: "PUT", path: acct + "/owner", label: labelHeavy, ok: 204, write: true, scopes: scAcct("account:update:owner:master", "account:write:admin account:update:owner:admin"), h: putOwner})

	// Billing and plans (ZOOM_API.md §1.12, §1.13): sub accounts only, except usage.
	add(&apiRoute{method: "GET", path: acct + "/billing", label: labelMedium, ok: 200, subOnly: true, scopes: scBill("billing:read:billing_information:master"), h: getBilling})
	add(&apiRoute{method: "PATCH", path: acct + "/billing", label: labelHeavy, ok: 204, write: true, subOnly: true, scopes: scBill("billing:update:billing_information:master"), h: patchBilling})
	add(&apiRoute{method: "GET", path: acct + "/plans", label: labelMedium, ok: 200, subOnly: true, scopes: scBill("billing:read:plan_information:master"), h: getPlans})
	add(&apiRoute{method: "POST", path: acct + "/plans", label: labelHeavy, ok: 201, write: true, subOnly: true, scopes: scBill("billing:write:subscribe_plan:master"), h: subscribePlans})
	add(&apiRoute{method: "PUT", path: acct + "/plans/base", label: labelHeavy, ok: 204, write: true, subOnly: true, scopes: scBill("billing:update:plan:master"), h: updateBasePlan})
	add(&apiRoute{method: "POST", path: acct + "/plans/addons", label: labelHeavy, ok: 201, write: true, subOnly: true, scopes: scBill("billing:write:subscribe_additional_plans:master"), h: addAddon})
	add(&apiRoute{method: "PUT", path: acct + "/plans/addons", label: labelHeavy, ok: 204, write: true, subOnly: true, scopes: scBill("billing:update:additional_plans:master"), h: updateAddon})
	add(&apiRoute{method: "PATCH", path: acct + "/plans/base/status", label: labelHeavy, ok: 204, write: true, subOnly: true, scopes: scBill("billing:update:cancel_plan:master"), h: cancelBasePlan})
	add(&apiRoute{method: "PATCH", path: acct + "/plans/addons/status", label: labelHeavy, ok: 204, write: true, subOnly: true, scopes: scBill("billing:update:cancel_additional_plans:master"), h: cancelAddons})
	add(&apiRoute{method: "GET", path: acct + "/plans/usage", label: labelHeavy, ok: 200, scopes: scopeSet{
		own:    strings.Fields("billing:read:plan_usage:master billing:master account:read:admin account:master"),
		master: strings.Fields("billing:read:plan_usage:master billing:master account:master")}, h: planUsage})

	// Users (ZOOM_API.md §2, §3).
	const u = "/users/{userId}"
	add(&apiRoute{method: "GET", path: "/v2/users/email", label: labelLight, ok: 200, scopes: scUser("user:read:email", "user:read:admin"), h: usersEmail})
	both(&apiRoute{method: "GET", path: "/users", label: labelMedium, ok: 200, scopes: scUser("user:read:list_users", "user:read:admin"), h: listUsers})
	both(&apiRoute{method: "POST", path: "/users", label: labelLight, ok: 201, write: true, busy: busyCreate, scopes: scUser("user:write:user", "user:write:admin"), h: createUser})
	both(&apiRoute{method: "GET", path: u, label: labelLight, ok: 200, scopes: scUserRead, busy: busyTouch, h: getUser})
	both(&apiRoute{method: "PATCH", path: u, label: labelLight, ok: 204, write: true, busy: busyTouch, scopes: scUserSelf("user:update:user", "user:write:admin", "user:write"), h: patchUser})
	both(&apiRoute{method: "DELETE", path: u, label: labelLight, ok: 204, write: true, busy: busyDelete, scopes: scUser("user:delete:user", "user:write:admin"), h: deleteUser})
	both(&apiRoute{method: "PUT", path: u + "/status", label: labelLight, ok: 204, write: true, busy: busyTouch, scopes: scUser("user:update:status", "user:write:admin"), h: putUserStatus})
	both(&apiRoute{method: "GET", path: u + "/settings", label: labelMedium, ok: 200, busy: busyTouch, scopes: scUserSelf("user:read:settings", "user:read:admin", "user:read"), h: getUserSettings})
	both(&apiRoute{method: "PATCH", path: u + "/settings", label: labelMedium, ok: 204, write: true, busy: busyTouch, scopes: scUserSelf("user:update:settings", "user:write:admin", "user:write"), h: patchUserSettings})
	both(&apiRoute{method: "PUT", path: u + "/password", label: labelMedium, ok: 204, write: true, busy: busyTouch, scopes: scUserSelf("user:update:password", "user:write:admin", "user:write"), h: putUserPassword})
	both(&apiRoute{method: "PUT", path: u + "/email", label: labelLight, ok: 204, write: true, busy: busyTouch, scopes: scUser("user:update:email", "user:write:admin"), h: putUserEmail})
	add(&apiRoute{method: "PUT", path: acct + u + "/account", label: labelLight, ok: 204, write: true, busy: busyTouch,
		scopes: scopes("user:master user:write:admin", "user:master user:write:admin", ""), h: moveUser})
	return rs
}

// routes builds the sandbox's handler.
func (s *Sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.apiRoutes() {
		mux.Handle(rt.method+" "+rt.path, s.serveAPI(rt))
	}
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, zerr(http.StatusNotFound, 404, "The requested resource was not found: %s %s.", r.Method, r.URL.Path))
	})
	mux.HandleFunc("GET /oauth/authorize", s.handleAuthorize)
	mux.HandleFunc("POST /oauth/authorize", s.handleAuthorize)
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("POST /oauth/revoke", s.handleRevoke)
	s.sandboxRoutes(mux)
	mux.HandleFunc("GET /{$}", s.handleIndex)
	return s.middleware(mux)
}

// errReader gives back the error a body's read ended with (nil: EOF).
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// middleware adds x-zm-trackingid to every response and logs /oauth and /v2 requests, after
// running them through the fault injector.
func (s *Sandbox) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-zm-trackingid", trackingID(s.trackSeq.Add(1)))
		p := r.URL.Path
		if !strings.HasPrefix(p, "/v2/") && !strings.HasPrefix(p, "/oauth/") {
			next.ServeHTTP(w, r)
			return
		}
		info := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		var body string
		if strings.HasPrefix(p, "/v2/") && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) && r.Body != nil {
			// Kept for the log, and given back to the handler whole (it reads at most 4 MiB).
			b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20+1))
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
			body = loggedBody(b)
		}
		sw := &statusWriter{ResponseWriter: w}
		start := s.now()
		s.serveWithFaults(sw, r, info, next)
		status := sw.status
		if status == 0 && (info.fault == nil || (!info.fault.Drop && info.fault.ApplyThen != "drop")) {
			status = http.StatusOK
		}
		s.reqs.add(RequestRecord{
			Time: start, Done: s.now(), Method: r.Method, Path: p, Query: r.URL.RawQuery,
			AccountID: info.accountID, TargetAccountID: info.targetID,
			Status: status, Code: info.code, Grant: info.grant, Body: body,
		})
	})
}
