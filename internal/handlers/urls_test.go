package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// A pending user's page is keyed by the user's email, and an email's local part may hold
// "/", "?", "#", "%" and "+": every link and form that names such a user carries the key
// escaped (internal/paths), and each leads to that user, through chi and back (a "/" kept
// escaped as %2F reaches the handler as "/", handlers.unescapeParams).
func TestLinksToAUserKeyedByAnAwkwardEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, p, c := contoso(t, e)
	const email = "pat+x#y?z%w/v@example.com"
	const escaped = "pat+x%23y%3Fz%25w%2Fv@example.com"
	users := paths.Users(c.ZoomAccountID)
	userPath := paths.User(c.ZoomAccountID, email)
	if userPath != users+"/"+escaped {
		t.Fatalf("the user's path is %q, want the key escaped as %q", userPath, escaped)
	}

	// Invited in Zoom itself: Zoom's list gives a pending user no id, so the directory keys
	// the user's page by the email.
	ctx := context.Background()
	if _, _, err := e.outsideClient(p.ZoomAccountID).CreateUser(ctx, c.ZoomAccountID, &zoom.CreateUserRequest{Action: zoom.ActionCreate,
		UserInfo: zoom.CreateUserInfo{Email: email, Type: zoom.UserBasic, FirstName: "Pat", LastName: "Escape"}}); err != nil {
		t.Fatal(err)
	}
	if u, ok := sandboxUser(e, email); !ok || u.Status != "pending" || u.AccountID != c.ZoomAccountID {
		t.Fatalf("in Zoom: %+v %v", u, ok)
	}
	if _, err := e.super().Exec(ctx, "UPDATE customer_user_dirs SET synced_at = synced_at - interval '5 minutes', attempted_at = NULL"); err != nil {
		t.Fatal(err)
	}

	// The users list (read from Zoom now) and the search link to the page with the key escaped.
	list := owner.get(e.URL + paths.With(users, url.Values{"q": {"pat+x"}}))
	if href := linkTo(list.Doc(), email); list.StatusCode != http.StatusOK || href != userPath {
		t.Fatalf("users list: %d, the link to %s is %q, want %q", list.StatusCode, email, href, userPath)
	}
	search := owner.get(e.URL + paths.With("/search", url.Values{"q": {email}}))
	if href := linkTo(search.Doc(), email); search.StatusCode != http.StatusOK || href != userPath {
		t.Fatalf("search: %d, the link to %s is %q, want %q", search.StatusCode, email, href, userPath)
	}

	// The page is the user's. Its forms name the user by the key the directory has now: the
	// page asked Zoom for the user by email, and Zoom's answer gave the id.
	page := owner.get(e.URL + userPath)
	if page.StatusCode != http.StatusOK || page.TestID("user-email") != email || page.TestID("user-status") != "pending" {
		t.Fatalf("user page: %d %q %q %.300s", page.StatusCode, page.TestID("user-email"), page.TestID("user-status"), page.Body)
	}
	doc := page.Doc()
	actions := map[string]bool{}
	doc.Find("form[action]").Each(func(_ int, f *goquery.Selection) { actions[f.AttrOr("action", "")] = true })
	zu, _ := sandboxUser(e, email)
	for _, key := range []string{email, zu.ID} {
		if actions[paths.User(c.ZoomAccountID, key)] && actions[paths.UserRemove(c.ZoomAccountID, key)] {
			break
		}
		if key == zu.ID {
			t.Errorf("the forms post to %v, want the user's page and removal by %q or %q", actions, escaped, zu.ID)
		}
	}
	doc.Find("[href], [action], [hx-get], [hx-post]").Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"href", "action", "hx-get", "hx-post"} {
			if v, ok := s.Attr(attr); ok && strings.Contains(v, "pat+x") && !strings.Contains(v, escaped) {
				t.Errorf("%s=%q names the user unescaped", attr, v)
			}
		}
	})

	// Every link of the page leads to a page.
	seen := map[string]bool{}
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		href := a.AttrOr("href", "")
		if !strings.HasPrefix(href, "/") || seen[href] {
			return
		}
		seen[href] = true
		if got := owner.get(e.URL + href); got.StatusCode != http.StatusOK {
			t.Errorf("the link %q (%s) answers %d", href, strings.TrimSpace(a.Text()), got.StatusCode)
		}
	})
	if !seen[users] {
		t.Errorf("no link back to the users of the customer (%s) among %v", users, seen)
	}

	// Removal by the escaped email reaches this user, and Zoom disassociates it.
	removed := owner.post(e.URL+paths.UserRemove(c.ZoomAccountID, email), url.Values{"action": {"disassociate"}})
	if removed.StatusCode != http.StatusSeeOther || removed.Header.Get("Location") != users {
		t.Fatalf("remove: %d to %q; %q %.300s", removed.StatusCode, removed.Header.Get("Location"), removed.TestID("remove-error"), removed.Body)
	}
	if u, ok := sandboxUser(e, email); ok && u.AccountID == c.ZoomAccountID {
		t.Fatalf("still in the customer in Zoom: %+v", u)
	}
	if gone := owner.get(e.URL + userPath); gone.StatusCode != http.StatusNotFound {
		t.Fatalf("the removed user's page: %d", gone.StatusCode)
	}
}

// linkTo is the href of the first link whose text is text.
func linkTo(doc *goquery.Document, text string) string {
	return doc.Find("a[href]").FilterFunction(func(_ int, a *goquery.Selection) bool {
		return strings.TrimSpace(a.Text()) == text
	}).First().AttrOr("href", "")
}
