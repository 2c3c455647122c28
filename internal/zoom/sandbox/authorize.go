package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// redirectAllowed reports whether the app accepts a redirect URI.
func (a *app) redirectAllowed(uri string) bool {
	if slices.Contains(a.RedirectURIs, uri) {
		return true
	}
	if !a.LoopbackRedirects {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return false
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

// authzRequest is the OAuth part of an authorize request.
type authzRequest struct {
	ResponseType, ClientID, RedirectURI, State, Challenge, Method string
}

// hidden lists the fields the sign-in form carries back.
func (q authzRequest) hidden() []hiddenField {
	return []hiddenField{
		{"response_type", q.ResponseType}, {"client_id", q.ClientID}, {"redirect_uri", q.RedirectURI},
		{"state", q.State}, {"code_challenge", q.Challenge}, {"code_challenge_method", q.Method},
	}
}

type hiddenField struct{ Name, Value string }

// handleAuthorize is GET/POST /oauth/authorize: it shows the sign-in page, or with
// login_hint=<email> signs in as that user at once and redirects with a code.
func (s *Sandbox) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderAuthzError(w, "The request could not be read.")
		return
	}
	q := authzRequest{
		ResponseType: r.Form.Get("response_type"), ClientID: r.Form.Get("client_id"),
		RedirectURI: r.Form.Get("redirect_uri"), State: r.Form.Get("state"),
		Challenge: r.Form.Get("code_challenge"), Method: r.Form.Get("code_challenge_method"),
	}
	if info := infoFrom(r.Context()); info != nil {
		info.grant = q.ClientID
	}
	s.mu.RLock()
	a := s.st.Apps[q.ClientID]
	s.mu.RUnlock()
	if a == nil || a.Type != appOAuth {
		s.renderAuthzError(w, "Invalid client_id: no OAuth app "+q.ClientID+" is registered in this sandbox (4702).")
		return
	}
	if q.RedirectURI == "" && len(a.RedirectURIs) == 1 {
		q.RedirectURI = a.RedirectURIs[0]
	}
	if !a.redirectAllowed(q.RedirectURI) {
		s.renderAuthzError(w, "Invalid redirect: "+q.RedirectURI+" is not a redirect URL of "+a.Name+" (4709).")
		return
	}
	if q.ResponseType != "code" {
		redirectWith(w, r, q.RedirectURI, url.Values{"error": {"unsupported_response_type"}, "state": {q.State}})
		return
	}
	if q.Challenge != "" && q.Method == "" {
		q.Method = "plain"
	}
	if q.Challenge != "" && q.Method != "S256" && q.Method != "plain" {
		redirectWith(w, r, q.RedirectURI, url.Values{"error": {"invalid_request"}, "error_description": {"unsupported code_challenge_method"}, "state": {q.State}})
		return
	}
	hint := strings.TrimSpace(r.Form.Get("login_hint"))
	if hint == "" {
		s.renderAuthzPage(w, a, q, r.Form.Get("q"), "")
		return
	}
	s.mu.Lock()
	u := s.st.userByEmail(hint)
	if u == nil || u.Status != statusActive {
		s.mu.Unlock()
		msg := "No active sandbox user has the email " + hint + "."
		s.renderAuthzPage(w, a, q, "", msg)
		return
	}
	code := randomToken(24)
	s.st.Codes[code] = &authCode{
		ClientID: a.ClientID, UserID: u.ID, RedirectURI: r.Form.Get("redirect_uri"),
		Challenge: q.Challenge, Method: q.Method, ExpiresAt: s.now().Add(codeTTL),
	}
	s.mu.Unlock()
	s.markDirty()
	redirectWith(w, r, q.RedirectURI, url.Values{"code": {code}, "state": {q.State}})
}

// redirectWith sends the browser back to the app with extra query parameters.
func redirectWith(w http.ResponseWriter, r *http.Request, target string, v url.Values) {
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "bad redirect", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range v {
		if len(vs) == 1 && vs[0] == "" && k == "state" {
			continue
		}
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// Sign-in page view model.
type (
	authzPage struct {
		AppName, RedirectHost, Error, Query string
		Hidden                              []hiddenField
		Partners                            []acctCard
		Customers                           []customerGroup
		Matches                             []acctCard
		Searched                            bool
	}
	acctCard struct {
		Name, Note string
		Users      []userRow
	}
	userRow       struct{ Email, Name, Role string }
	customerGroup struct {
		Primary  string
		Accounts []acctCard
	}
)

// renderAuthzPage shows the list of users to sign in as, grouped by account.
func (s *Sandbox) renderAuthzPage(w http.ResponseWriter, a *app, q authzRequest, search, errMsg string) {
	p := authzPage{AppName: a.Name, Error: errMsg, Query: search, Hidden: q.hidden(), Searched: search != ""}
	if u, err := url.Parse(q.RedirectURI); err == nil {
		p.RedirectHost = u.Host
	}
	s.mu.RLock()
	s.fillAuthzPage(&p, strings.ToLower(strings.TrimSpace(search)))
	s.mu.RUnlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if errMsg != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	if err := authzTmpl.Execute(w, p); err != nil {
		s.log.Error("render sign-in page", "err", err)
	}
}

// fillAuthzPage groups the active users: primaries with all their users, customers with
// their owner and admins; with a search, every matching user.
func (s *Sandbox) fillAuthzPage(p *authzPage, search string) {
	accts := make([]*account, 0, len(s.st.Accounts))
	for _, a := range s.st.Accounts {
		accts = append(accts, a)
	}
	slices.SortFunc(accts, func(a, b *account) int { return int(a.Seq - b.Seq) })
	card := func(a *account, all bool) acctCard {
		c := acctCard{Name: a.Name, Note: s.accountNote(a)}
		for _, u := range s.st.usersOf(a.ID) {
			if u.Status != statusActive || (!all && !u.admin()) {
				continue
			}
			if search != "" && !strings.Contains(strings.ToLower(a.Name), search) &&
				!strings.Contains(strings.ToLower(u.Email+" "+u.FirstName+" "+u.LastName), search) {
				continue
			}
			c.Users = append(c.Users, userRow{Email: u.Email, Name: u.FirstName + " " + u.LastName, Role: u.Role})
		}
		return c
	}
	if search != "" {
		rows := 0
		for _, a := range accts {
			if c := card(a, true); len(c.Users) > 0 && rows < 300 {
				rows += len(c.Users)
				p.Matches = append(p.Matches, c)
			}
		}
		return
	}
	groups := map[string]int{}
	for _, a := range accts {
		if a.Primary {
			p.Partners = append(p.Partners, card(a, true))
			groups[a.ID] = len(p.Customers)
			p.Customers = append(p.Customers, customerGroup{Primary: a.Name})
		}
	}
	for _, a := range accts {
		if a.Primary {
			continue
		}
		i, ok := groups[a.ParentID]
		if !ok {
			continue
		}
		if c := card(a, false); len(c.Users) > 0 {
			p.Customers[i].Accounts = append(p.Customers[i].Accounts, c)
		}
	}
	p.Customers = slices.DeleteFunc(p.Customers, func(g customerGroup) bool { return len(g.Accounts) == 0 })
}

// accountNote describes an account's place in the tiers.
func (s *Sandbox) accountNote(a *account) string {
	parent := s.st.Accounts[a.ParentID]
	switch {
	case a.Primary && parent != nil:
		return "Primary account · sub account of " + parent.Name + " · " + a.accountType()
	case a.Primary:
		return "Primary account · " + a.accountType()
	case parent != nil:
		return "Sub account of " + parent.Name + " · " + a.accountType()
	}
	return "Account · " + a.accountType()
}

// renderAuthzError shows an authorize error that cannot be sent back to the app.
func (s *Sandbox) renderAuthzError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	if err := authzTmpl.Execute(w, authzPage{Error: msg}); err != nil {
		s.log.Error("render sign-in error", "err", err)
	}
}

var authzTmpl = template.Must(template.New("authorize").Funcs(template.FuncMap{"year": func() int { return time.Now().Year() }}).Parse(pageStyle + authzHTML))
