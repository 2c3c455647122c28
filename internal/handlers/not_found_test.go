package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// A page not found offers the way on: the dashboard to someone signed in (an address that
// matches no route, and an id that names nothing), sign-in to anyone else.
func TestNotFoundOffersTheDashboardWhenSignedIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	signedIn, _ := registerNorthwind(t, e)
	anonymous := e.browser()
	links := func(p *page) []string {
		var out []string
		for _, n := range p.Doc().Find(".actions a").Nodes {
			for _, a := range n.Attr {
				if a.Key == "href" {
					out = append(out, a.Val)
				}
			}
		}
		return out
	}
	for _, path := range []string{"/no/such/page", "/customers/no-such-customer", "/audit/events/999999"} {
		got := signedIn.get(e.URL + path)
		if got.StatusCode != http.StatusNotFound || !strings.Contains(got.Body, "Go to the dashboard") ||
			strings.Contains(got.Body, "Go to sign-in") || strings.Join(links(got), " ") != "/" {
			t.Errorf("signed in, %s: %d, links %q", path, got.StatusCode, links(got))
		}
	}
	got := anonymous.get(e.URL + "/no/such/page")
	if got.StatusCode != http.StatusNotFound || !strings.Contains(got.Body, "Go to sign-in") ||
		strings.Contains(got.Body, "Go to the dashboard") || strings.Join(links(got), " ") != "/signin" {
		t.Errorf("signed out: %d, links %q", got.StatusCode, links(got))
	}
	// A method no route takes reads the same.
	req, _ := http.NewRequest(http.MethodDelete, e.URL+"/audit", nil)
	if got := signedIn.do(req); got.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(got.Body, "Go to the dashboard") {
		t.Errorf("signed in, DELETE /audit: %d", got.StatusCode)
	}
}

// A failed htmx request of a signed-in page is answered with the portal's error flash, placed
// at the top of the page's content (not swapped raw into what the request would have
// replaced): also for an address that matches no route.
func TestHtmxErrorIsTheErrorFlash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, _ := registerNorthwind(t, e)
	for _, path := range []string{"/no/such/fragment", "/jobs/not-a-job", "/audit/events/999999"} {
		req, _ := http.NewRequest(http.MethodGet, e.URL+path, nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "audit-results")
		got := b.do(req)
		flash := got.Doc().Find(`#error-panel`)
		if got.StatusCode != http.StatusNotFound || got.Header.Get("HX-Retarget") != "#main" || got.Header.Get("HX-Reswap") != "afterbegin" ||
			got.Header.Get("HX-Reselect") != "#error-panel" || flash.AttrOr("role", "") != "alert" || !flash.HasClass("flash") || !flash.HasClass("bad") ||
			!strings.Contains(got.TestID("message-text"), "There is nothing here") {
			t.Errorf("htmx GET %s: %d, headers %v, flash %q", path, got.StatusCode, got.Header, flash.AttrOr("class", ""))
		}
	}
}
