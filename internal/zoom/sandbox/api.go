package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// scopeSet lists the scopes (classic or granular) an endpoint accepts.
type scopeSet struct {
	own    []string // on the caller's own account (/users/..., /accounts/me/...)
	master []string // on one of the caller's sub accounts
	self   []string // only when {userId} is the caller
}

// scopes builds a scopeSet from space-separated lists.
func scopes(own, master, self string) scopeSet {
	return scopeSet{own: strings.Fields(own), master: strings.Fields(master), self: strings.Fields(self)}
}

// Busy kinds for the one-request-at-a-time rule.
const (
	busyNone   = iota
	busyCreate // POST .../users
	busyDelete // DELETE .../users/{userId}
	busyTouch  // any other request on .../users/{userId}
)

// apiRoute is one REST endpoint under /v2.
type apiRoute struct {
	method  string
	path    string // Go ServeMux pattern without the method, e.g. /v2/accounts/{accountId}
	label   string // rate-limit label
	write   bool   // changes state
	ok      int    // success status
	scopes  scopeSet
	subOnly bool // {accountId} must be a sub account ("me" is refused)
	busy    int
	h       func(c *call) (any, error)
}

// principal is who a bearer token speaks for.
type principal struct {
	clientID  string
	userID    string
	email     string
	accountID string
	tier      string
	scopes    []string
}

// pendingEvent is a webhook event produced by a handler, sent after the state is unlocked.
type pendingEvent struct {
	name    string
	payload map[string]any
}

// call is one authenticated API request, handled with the state locked.
type call struct {
	s      *Sandbox
	r      *http.Request
	st     *state
	body   []byte
	now    time.Time
	p      principal
	caller *account
	me     *user
	target *account
	own    bool // target is the caller's own account
	events []pendingEvent
}

// emit queues a webhook event with the operator filled in.
func (c *call) emit(name, accountID string, object map[string]any, extra map[string]any) {
	payload := map[string]any{"account_id": accountID, "operator": c.me.Email, "operator_id": c.me.ID, "object": object}
	for k, v := range extra {
		payload[k] = v
	}
	c.events = append(c.events, pendingEvent{name: name, payload: payload})
}

// query returns a query parameter.
func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// authenticate resolves the bearer token of r.
func (s *Sandbox) authenticate(r *http.Request) (principal, *apiError) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(tok) == "" {
		return principal{}, errInvalidToken()
	}
	tok = strings.TrimSpace(tok)
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.st.Access[tok]
	if t == nil {
		return principal{}, errInvalidToken()
	}
	if !s.now().Before(t.ExpiresAt) {
		return principal{}, errExpiredToken()
	}
	u := s.st.Users[t.UserID]
	if u == nil || u.Status != statusActive || u.AccountID != t.AccountID {
		return principal{}, errInvalidToken()
	}
	a := s.st.Accounts[t.AccountID]
	if a == nil {
		return principal{}, errInvalidToken()
	}
	return principal{clientID: t.ClientID, userID: u.ID, email: u.Email, accountID: a.ID, tier: a.tier(), scopes: t.Scopes}, nil
}

// isSelf reports whether a {userId} path value names the token's user.
func (p principal) isSelf(userID string) bool {
	return userID == "me" || userID == p.userID || strings.EqualFold(userID, p.email)
}

// checkScopes returns a 4711 error unless the token holds one of the accepted scopes.
func (p principal) checkScopes(rt *apiRoute, own bool, userID string) *apiError {
	want := rt.scopes.master
	if own {
		want = rt.scopes.own
	}
	for _, sc := range p.scopes {
		if slices.Contains(want, sc) {
			return nil
		}
	}
	if own && userID != "" && p.isSelf(userID) {
		for _, sc := range p.scopes {
			if slices.Contains(rt.scopes.self, sc) {
				return nil
			}
		}
	}
	if len(want) == 0 {
		return errScope("")
	}
	return errScope(want[0])
}

// serveAPI is the pipeline every /v2 endpoint goes through: bearer auth, scopes, rate
// limits, the one-request-per-user rule, fault latency, then the handler under the lock.
func (s *Sandbox) serveAPI(rt *apiRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		p, aerr := s.authenticate(r)
		if aerr != nil {
			writeError(w, r, aerr)
			return
		}
		accountParam := r.PathValue("accountId")
		userParam := r.PathValue("userId")
		own := accountParam == "" || accountParam == "me" || accountParam == p.accountID
		if info != nil {
			info.accountID, info.grant = p.accountID, p.clientID
			if accountParam != "" {
				info.targetID = accountParam
				if own {
					info.targetID = p.accountID
				}
			}
		}
		if aerr := p.checkScopes(rt, own, userParam); aerr != nil {
			writeError(w, r, aerr)
			return
		}
		if aerr := s.limits.take(w.Header(), p.accountID, p.tier, rt.label, s.now()); aerr != nil {
			writeError(w, r, aerr)
			return
		}
		var body []byte
		if r.Body != nil {
			var err error
			body, err = io.ReadAll(io.LimitReader(r.Body, 4<<20))
			if err != nil {
				writeError(w, r, errBadJSON())
				return
			}
		}
		if keys, op := s.busyKeys(rt, r, body, userParam); len(keys) > 0 {
			if rt.busy == busyTouch {
				if cur := s.busy.check(keys); cur != "" {
					writeError(w, r, errBusy(cur))
					return
				}
			} else {
				if cur := s.busy.acquire(keys, op); cur != "" {
					writeError(w, r, errBusy(cur))
					return
				}
				defer s.busy.release(keys)
			}
		}
		if info != nil && info.fault != nil && !info.latencyDone {
			sleepCtx(r.Context(), info.fault.Latency)
		}
		res, err := s.runLocked(rt, r, body, p, own, accountParam)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if rt.ok == http.StatusNoContent {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, rt.ok, res)
	}
}

// runLocked runs the handler with the state locked and sends its events afterwards.
func (s *Sandbox) runLocked(rt *apiRoute, r *http.Request, body []byte, p principal, own bool, accountParam string) (any, error) {
	c := &call{s: s, r: r, body: body, now: s.now().Truncate(time.Second), p: p, own: own}
	res, err := s.locked(rt, c, accountParam)
	if err != nil {
		return nil, err
	}
	if rt.write {
		s.markDirty()
		for _, ev := range c.events {
			s.hooks.emit(ev.name, ev.payload)
		}
	}
	return res, nil
}

// locked runs the handler under the state lock; a handler bug answers 500 instead of
// leaving the lock held.
func (s *Sandbox) locked(rt *apiRoute, c *call, accountParam string) (res any, err error) {
	if rt.write {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("sandbox handler panicked", "method", rt.method, "path", rt.path, "panic", v)
			res, err = nil, zerr(500, 500, "Internal error.")
		}
	}()
	c.st = s.st
	return s.resolveAndRun(rt, c, accountParam)
}

// resolveAndRun finds the caller and the target account (the tier rule) and runs the handler.
func (s *Sandbox) resolveAndRun(rt *apiRoute, c *call, accountParam string) (any, error) {
	c.caller = c.st.Accounts[c.p.accountID]
	c.me = c.st.Users[c.p.userID]
	if c.caller == nil || c.me == nil {
		return nil, errInvalidToken()
	}
	switch {
	case c.own && rt.subOnly:
		return nil, errNoAccount(accountParam)
	case c.own:
		c.target = c.caller
	default:
		a := c.st.Accounts[accountParam]
		if a == nil || !c.caller.Primary || a.ParentID != c.caller.ID {
			return nil, errNoAccount(accountParam)
		}
		c.target = a
	}
	return rt.h(c)
}

// busyKeys returns the user keys a request touches and the operation name for the rule.
func (s *Sandbox) busyKeys(rt *apiRoute, r *http.Request, body []byte, userParam string) ([]string, string) {
	switch rt.busy {
	case busyCreate:
		var b struct {
			UserInfo struct {
				Email string `json:"email"`
			} `json:"user_info"`
		}
		if json.Unmarshal(body, &b) != nil || b.UserInfo.Email == "" {
			return nil, ""
		}
		return []string{"email:" + strings.ToLower(b.UserInfo.Email)}, "create"
	case busyDelete:
		op := "disassociate"
		if r.URL.Query().Get("action") == "delete" {
			op = "delete"
		}
		keys := []string{userKey(userParam)}
		s.mu.RLock()
		var u *user
		if strings.Contains(userParam, "@") {
			u = s.st.userByEmail(userParam)
		} else {
			u = s.st.Users[userParam]
		}
		if u != nil {
			keys = []string{"id:" + u.ID, "email:" + strings.ToLower(u.Email)}
		}
		s.mu.RUnlock()
		return keys, op
	case busyTouch:
		if userParam == "" || userParam == "me" {
			return nil, ""
		}
		return []string{userKey(userParam)}, ""
	}
	return nil, ""
}

// userKey is the busy key for a {userId} path value (an id or an email).
func userKey(p string) string {
	if strings.Contains(p, "@") {
		return "email:" + strings.ToLower(p)
	}
	return "id:" + p
}
