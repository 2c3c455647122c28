package handlers

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
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
