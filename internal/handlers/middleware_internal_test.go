package handlers

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
)

// A panic in a handler becomes the plain 500 page: no stack or panic text reaches the
// browser, and the panic is logged with the request's id.
func TestPanicBecomesThePlainErrorPage(t *testing.T) {
	var logged bytes.Buffer
	h := &Handlers{log: slog.New(slog.NewTextHandler(&logged, nil))}
	boom := h.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	}))
	rec := httptest.NewRecorder()
	boom.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/anything", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	if !strings.Contains(body, errInternal.title) || strings.Contains(body, "secret internal detail") || strings.Contains(body, "goroutine") {
		t.Fatalf("500 page shows the wrong thing:\n%.600s", body)
	}
	if !strings.Contains(logged.String(), "secret internal detail") || !strings.Contains(logged.String(), "stack=") {
		t.Fatalf("panic not logged with its stack: %.300s", logged.String())
	}
}

// HSTS is sent when the portal is served over https, never over plain http.
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for base, want := range map[string]bool{"https://portal.example.com": true, "http://127.0.0.1:8080": false} {
		u, _ := url.Parse(base)
		h := &Handlers{cfg: Config{BaseURL: u}}
		rec := httptest.NewRecorder()
		h.securityHeaders(ok).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		got := rec.Header().Get("Strict-Transport-Security")
		if (got != "") != want || (want && !strings.Contains(got, "max-age=")) {
			t.Fatalf("%s: Strict-Transport-Security %q, want present=%v", base, got, want)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: nosniff missing", base)
		}
	}
}

// An upstream X-Request-Id is kept only from a trusted proxy, and only when it is a plain
// token; any other request gets an id of the portal's own.
func TestRequestIDFromTrustedProxiesOnly(t *testing.T) {
	h := &Handlers{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	var got string
	chain := h.cleanRequestID(middleware.RequestID(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = middleware.GetReqID(r.Context())
	})))
	for _, c := range []struct {
		peer, id string
		kept     bool
	}{
		{"10.1.2.3:4000", "lb-7f3a9c", true},
		{"10.1.2.3:4000", "has spaces and <html>", false},
		{"192.0.2.7:4000", "lb-7f3a9c", false},
		{"[::ffff:10.0.0.1]:4000", "lb-7f3a9c", true},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = c.peer
		req.Header.Set(middleware.RequestIDHeader, c.id)
		chain.ServeHTTP(httptest.NewRecorder(), req)
		if (got == c.id) != c.kept || got == "" {
			t.Errorf("peer %s sending %q: request id %q, want kept=%v", c.peer, c.id, got, c.kept)
		}
	}
}
