package paths_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/paths"
)

// awkward are ids that must stay one path segment and come back unchanged: every byte a path
// or a query gives a meaning to, and the characters an email's local part may hold. (The
// router's fixed words, such as "new", are no ids: see the package doc.)
var awkward = []string{
	"plain", "a%b", "a%2Fb", "a/b", "/", "a?b", "a#b", "a b", "a+b", "a@b.example",
	"pat+x#y?z%w/v@example.com", "o'brien&co=1@example.com", "a;b,c", "ü ñ 東京",
}

// route is one route shape of internal/handlers/routes.go and how paths builds it from one
// or two ids.
type route struct {
	pattern string
	params  []string
	build   func(a, b string) string
}

var routes = []route{
	{"/customers/{accountId}", []string{"accountId"}, func(a, _ string) string { return paths.Customer(a) }},
	{"/customers/{accountId}/activity", []string{"accountId"}, func(a, _ string) string { return paths.CustomerActivity(a) }},
	{"/customers/{accountId}/settings", []string{"accountId"}, func(a, _ string) string { return paths.CustomerSettings(a) }},
	{"/customers/{accountId}/settings/template", []string{"accountId"}, func(a, _ string) string { return paths.CustomerSettingsTemplate(a) }},
	{"/customers/{accountId}/plans", []string{"accountId"}, func(a, _ string) string { return paths.CustomerPlans(a) }},
	{"/customers/{accountId}/plans/base", []string{"accountId"}, func(a, _ string) string { return paths.CustomerPlanBase(a) }},
	{"/customers/{accountId}/plans/addons", []string{"accountId"}, func(a, _ string) string { return paths.CustomerPlanAddons(a) }},
	{"/customers/{accountId}/plans/cancel", []string{"accountId"}, func(a, _ string) string { return paths.CustomerPlanCancel(a) }},
	{"/customers/{accountId}/options", []string{"accountId"}, func(a, _ string) string { return paths.CustomerOptions(a) }},
	{"/customers/{accountId}/owner", []string{"accountId"}, func(a, _ string) string { return paths.CustomerOwner(a) }},
	{"/customers/{accountId}/disassociate", []string{"accountId"}, func(a, _ string) string { return paths.CustomerDisassociate(a) }},
	{"/customers/{accountId}/notes", []string{"accountId"}, func(a, _ string) string { return paths.CustomerNotes(a) }},
	{"/customers/{accountId}/tags", []string{"accountId"}, func(a, _ string) string { return paths.CustomerTags(a) }},
	{"/customers/{accountId}/users", []string{"accountId"}, func(a, _ string) string { return paths.Users(a) }},
	{"/customers/{accountId}/users/new", []string{"accountId"}, func(a, _ string) string { return paths.NewUser(a) }},
	{"/customers/{accountId}/users/sync", []string{"accountId"}, func(a, _ string) string { return paths.UsersSync(a) }},
	{"/customers/{accountId}/users/bulk", []string{"accountId"}, func(a, _ string) string { return paths.UsersBulk(a) }},
	{"/customers/{accountId}/users/{userId}", []string{"accountId", "userId"}, paths.User},
	{"/customers/{accountId}/users/{userId}/status", []string{"accountId", "userId"}, paths.UserStatus},
	{"/customers/{accountId}/users/{userId}/remove", []string{"accountId", "userId"}, paths.UserRemove},
	{"/customers/{accountId}/users/{userId}/move", []string{"accountId", "userId"}, paths.UserMove},
	{"/customers/{accountId}/users/{userId}/settings", []string{"accountId", "userId"}, paths.UserSettings},
	{"/customers/new/{draftId}", []string{"draftId"}, func(a, _ string) string { return paths.Draft(a) }},
	{"/customers/new/{draftId}/{step}", []string{"draftId", "step"}, paths.DraftStep},
	{"/customers/new/{draftId}/delete", []string{"draftId"}, func(a, _ string) string { return paths.DraftDelete(a) }},
	{"/customers/new/{draftId}/start", []string{"draftId"}, func(a, _ string) string { return paths.DraftStart(a) }},
	{"/onboardings/{onboardingId}", []string{"onboardingId"}, func(a, _ string) string { return paths.Onboarding(a) }},
	{"/onboardings/{onboardingId}/abandon", []string{"onboardingId"}, func(a, _ string) string { return paths.OnboardingAbandon(a) }},
	{"/onboardings/{onboardingId}/copy", []string{"onboardingId"}, func(a, _ string) string { return paths.OnboardingCopy(a) }},
	{"/jobs/{jobId}", []string{"jobId"}, func(a, _ string) string { return paths.Job(a) }},
	{"/jobs/{jobId}/results.csv", []string{"jobId"}, func(a, _ string) string { return paths.JobResults(a) }},
	{"/jobs/{jobId}/cancel", []string{"jobId"}, func(a, _ string) string { return paths.JobCancel(a) }},
	{"/imports/{importId}", []string{"importId"}, func(a, _ string) string { return paths.Import(a) }},
	{"/imports/{importId}/start", []string{"importId"}, func(a, _ string) string { return paths.ImportStart(a) }},
	{"/imports/{importId}/discard", []string{"importId"}, func(a, _ string) string { return paths.ImportDiscard(a) }},
}

// intRoutes are the route shapes whose ids are numbers.
var intRoutes = []struct {
	pattern string
	path    string
	params  map[string]string
}{
	{"/audit/{seq}", paths.AuditEvent(42), map[string]string{"seq": "42"}},
	{"/audit/events/{eventId}", paths.AuditEventByID(4242), map[string]string{"eventId": "4242"}},
	{"/onboardings/{onboardingId}/steps/{seq}/retry", paths.OnboardingStepRetry("o/1", 3), map[string]string{"onboardingId": "o/1", "seq": "3"}},
	{"/onboardings/{onboardingId}/steps/{seq}/skip", paths.OnboardingStepSkip("o?1", 4), map[string]string{"onboardingId": "o?1", "seq": "4"}},
	{"/onboardings/{onboardingId}/steps/{seq}/edit", paths.OnboardingStepEdit("o 1/%", 5), map[string]string{"onboardingId": "o 1/%", "seq": "5"}},
	{"/staff/{staffId}/role", paths.StaffRole(7), map[string]string{"staffId": "7"}},
	{"/staff/{staffId}/status", paths.StaffStatus(7), map[string]string{"staffId": "7"}},
	{"/staff/{staffId}/scope", paths.StaffScope(7), map[string]string{"staffId": "7"}},
	{"/settings/templates/{templateId}", paths.SettingsTemplate(9), map[string]string{"templateId": "9"}},
	{"/settings/templates/{templateId}/delete", paths.SettingsTemplateDelete(9), map[string]string{"templateId": "9"}},
	{"/groups/{groupId}", paths.Group(11), map[string]string{"groupId": "11"}},
	{"/groups/{groupId}/edit", paths.GroupEdit(11), map[string]string{"groupId": "11"}},
	{"/groups/{groupId}/delete", paths.GroupDelete(11), map[string]string{"groupId": "11"}},
	{"/standards/{standardId}", paths.Standard(12), map[string]string{"standardId": "12"}},
	{"/standards/{standardId}/edit", paths.StandardEdit(12), map[string]string{"standardId": "12"}},
	{"/standards/{standardId}/delete", paths.StandardDelete(12), map[string]string{"standardId": "12"}},
	{"/standards/{standardId}/enforce", paths.StandardEnforce(12), map[string]string{"standardId": "12"}},
	{"/access/{delegationId}", paths.Delegation(13), map[string]string{"delegationId": "13"}},
	{"/access/{delegationId}/approve", paths.DelegationApprove(13), map[string]string{"delegationId": "13"}},
	{"/access/{delegationId}/decline", paths.DelegationDecline(13), map[string]string{"delegationId": "13"}},
	{"/access/{delegationId}/end", paths.DelegationEnd(13), map[string]string{"delegationId": "13"}},
}

// fixed are the routes without ids that share a prefix with the ones above: a built path must
// never land on one of them instead.
var fixed = []string{
	"/customers", "/customers/sync", "/customers/quick", "/customers/new", "/customers.csv",
	"/imports", "/imports/template.csv", "/audit", "/settings/templates", "/settings/templates/new",
	"/groups", "/groups/new", "/access", "/access/new",
}

// matched is what the router saw for one request.
type matched struct {
	pattern string
	params  map[string]string
}

// router is a chi router with the portal's route patterns. Its handler reads the parameters
// as handlers.unescapeParams hands them over: chi gives them still escaped when it matched
// on the escaped path (r.URL.RawPath), decoded otherwise.
func router(t *testing.T) (http.Handler, *matched) {
	t.Helper()
	got := &matched{}
	r := chi.NewRouter()
	record := func(w http.ResponseWriter, r *http.Request) {
		rc := chi.RouteContext(r.Context())
		got.pattern, got.params = rc.RoutePattern(), map[string]string{}
		for i, k := range rc.URLParams.Keys {
			v := rc.URLParams.Values[i]
			if r.URL.RawPath != "" {
				u, err := url.PathUnescape(v)
				if err != nil {
					t.Errorf("%s: parameter %s=%q does not unescape: %v", r.URL.RawPath, k, v, err)
				}
				v = u
			}
			got.params[k] = v
		}
	}
	for _, rt := range routes {
		r.Get(rt.pattern, record)
	}
	for _, rt := range intRoutes {
		r.Get(rt.pattern, record)
	}
	for _, p := range fixed {
		r.Get(p, record)
	}
	return r, got
}

// serve routes path as a browser would send it, and returns what matched (nil for a 404).
func serve(t *testing.T, h http.Handler, got *matched, path string) *matched {
	t.Helper()
	*got = matched{}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code == http.StatusNotFound {
		return nil
	}
	m := *got
	return &m
}

// Every id, however awkward, builds a path that routes to the right pattern, with the id
// given back unchanged, no query string and no fragment.
func TestBuiltPathsRouteBackToTheirIDs(t *testing.T) {
	h, got := router(t)
	for _, rt := range routes {
		for _, a := range awkward {
			b := "x" + a // a second id, different from the first
			path := rt.build(a, b)
			u, err := url.Parse(path)
			if err != nil {
				t.Fatalf("%s: %q does not parse: %v", rt.pattern, path, err)
			}
			if u.RawQuery != "" || u.Fragment != "" || strings.Contains(path, "?") || strings.Contains(path, "#") {
				t.Errorf("%s with %q: %q has a query or a fragment", rt.pattern, a, path)
			}
			m := serve(t, h, got, path)
			if m == nil {
				t.Errorf("%s with %q: %q is not found", rt.pattern, a, path)
				continue
			}
			if m.pattern != rt.pattern {
				t.Errorf("%s with %q: %q routes to %s", rt.pattern, a, path, m.pattern)
				continue
			}
			want := map[string]string{rt.params[0]: a}
			if len(rt.params) == 2 {
				want[rt.params[1]] = b
			}
			for k, v := range want {
				if m.params[k] != v {
					t.Errorf("%s: %q gives %s=%q, want %q", rt.pattern, path, k, m.params[k], v)
				}
			}
		}
	}
	for _, rt := range intRoutes {
		m := serve(t, h, got, rt.path)
		if m == nil || m.pattern != rt.pattern {
			t.Errorf("%s: %q routes to %+v", rt.pattern, rt.path, m)
			continue
		}
		for k, v := range rt.params {
			if m.params[k] != v {
				t.Errorf("%s: %q gives %s=%q, want %q", rt.pattern, rt.path, k, m.params[k], v)
			}
		}
	}
}

// The patterns above are the router's own: a route renamed in routes.go fails here.
func TestPatternsAreTheRoutersOwn(t *testing.T) {
	src, err := os.ReadFile("../handlers/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, rt := range routes {
		patterns = append(patterns, rt.pattern)
	}
	for _, rt := range intRoutes {
		patterns = append(patterns, rt.pattern)
	}
	for _, p := range append(patterns, fixed...) {
		if !strings.Contains(string(src), `"`+p+`"`) {
			t.Errorf("routes.go has no route %s", p)
		}
	}
}

// Exactly what the escaping looks like, for the shapes people read in a browser's bar.
func TestEscaping(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{paths.Customer("abc_DEF-123"), "/customers/abc_DEF-123"},
		{paths.Customer("a/b"), "/customers/a%2Fb"},
		{paths.CustomerSettings("a b"), "/customers/a%20b/settings"},
		{paths.User("acc%1", "pat+x#y?z%w/v@example.com"), "/customers/acc%251/users/pat+x%23y%3Fz%25w%2Fv@example.com"},
		{paths.UserStatus("acc", "ann@example.com"), "/customers/acc/users/ann@example.com/status"},
		{paths.CustomerTab("a?b", ""), "/customers/a%3Fb"},
		{paths.CustomerTab("a?b", "plans"), "/customers/a%3Fb/plans"},
		{paths.CustomerTab("a", "x/y"), "/customers/a/x%2Fy"},
		{paths.DraftStep("d#1", "plan"), "/customers/new/d%231/plan"},
		{paths.Job("j 1"), "/jobs/j%201"},
		{paths.JobResults("j/1"), "/jobs/j%2F1/results.csv"},
		{paths.Import("i?1"), "/imports/i%3F1"},
		{paths.Onboarding("o#1"), "/onboardings/o%231"},
		{paths.OnboardingStepRetry("o", 12), "/onboardings/o/steps/12/retry"},
		{paths.OnboardingStepEdit("o", 3), "/onboardings/o/steps/3/edit"},
		{paths.AuditEvent(-1), "/audit/-1"},
		{paths.AuditEventByID(-1), "/audit/events/-1"},
		{paths.StaffRole(5), "/staff/5/role"},
		{paths.SettingsTemplateDelete(6), "/settings/templates/6/delete"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// Query strings are encoded by url.Values: any text comes back whole from the parsed URL.
func TestQueries(t *testing.T) {
	for _, v := range awkward {
		for _, c := range []struct {
			built, path, key string
		}{
			{paths.AuditOfCustomer(v), "/audit", "customer"},
			{paths.AuditOfTarget("user:" + v), "/audit", "target"},
			{paths.NewSettingsTemplateFrom(v), "/settings/templates/new", "from"},
			{paths.ZoomLogin(v), "/auth/zoom/login", "login_hint"},
			{paths.With(paths.CustomerSettingsTemplate(v), url.Values{"id": {v}}), paths.CustomerSettingsTemplate(v), "id"},
		} {
			u, err := url.Parse(c.built)
			if err != nil {
				t.Fatalf("%q: %v", c.built, err)
			}
			want := v
			if c.key == "target" {
				want = "user:" + v
			}
			if u.EscapedPath() != c.path || u.Fragment != "" || len(u.Query()) != 1 || u.Query().Get(c.key) != want {
				t.Errorf("%q: path %q, query %v; want %s with %s=%q", c.built, u.EscapedPath(), u.Query(), c.path, c.key, want)
			}
		}
	}
	for _, c := range []struct{ got, want string }{
		{paths.With("/audit", nil), "/audit"},
		{paths.With("/audit", url.Values{}), "/audit"},
		{paths.With("/audit", url.Values{"b": {"2"}, "a": {"x y&z"}}), "/audit?a=x+y%26z&b=2"},
		{paths.ZoomLogin(""), "/auth/zoom/login"},
		{paths.ZoomLogin("a+b@example.com"), "/auth/zoom/login?login_hint=a%2Bb%40example.com"},
		{paths.CustomersOfPartner(12), "/customers?partner=12"},
		{paths.CustomersOfGroup(13), "/customers?group=13"},
		{paths.CustomersCSVOfGroup(13), "/customers.csv?group=13"},
		{paths.StandardCSV(13, false), "/standards/13?format=csv"},
		{paths.StandardCSV(13, true), "/standards/13?format=csv&only=drifted"},
		{paths.StandardDrifted(13), "/standards/13?only=drifted"},
		{paths.CustomersWithTag("a&b"), "/customers?tag=a%26b"},
		{paths.ZoomWebhook(3), "/webhooks/zoom?partner=3"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// A staff member's link is the staff page at their row, whose id the staff page gives it.
func TestStaffMemberIsTheStaffPageAtTheirRow(t *testing.T) {
	if got := paths.StaffMember(7); got != "/staff#staff-7" || paths.StaffRowID(7) != "staff-7" {
		t.Fatalf("StaffMember(7) = %q, StaffRowID(7) = %q", got, paths.StaffRowID(7))
	}
}
