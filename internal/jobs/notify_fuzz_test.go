package jobs

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// CheckWebhookURL accepts only absolute https URLs, or http to this machine, with no user
// information; what it accepts parses back to the same scheme and host, and a refusal says
// why.
func FuzzCheckWebhookURL(f *testing.F) {
	for _, s := range []string{"https://chat.example.com/hooks/abc?x=1", "http://127.0.0.1:8080/in", "http://localhost/x", "http://[::1]:9/x",
		"http://chat.example.com/x", "ftp://x", "https://user:pw@x.example/", "/relative", "https://", "javascript:alert(1)", "http://127.0.0.1.evil.example/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := CheckWebhookURL(raw)
		if err != nil {
			if got != "" || err.Error() == "" {
				t.Fatalf("refused %q with %q and %v", raw, got, err)
			}
			return
		}
		u, perr := url.Parse(got)
		if perr != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
			t.Fatalf("accepted %q as %q (%v)", raw, got, perr)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && isLocalHost(u.Hostname())) {
			t.Fatalf("accepted %q: scheme %s to %s", raw, u.Scheme, u.Hostname())
		}
	})
}

// plainText leaves one line of valid text, whatever a receiver answers.
func FuzzPlainText(f *testing.F) {
	f.Add([]byte("Service Unavailable\n\x00\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := plainText(b)
		if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) || strings.TrimSpace(s) != s {
			t.Fatalf("plainText(%q) = %q", b, s)
		}
	})
}

// Deliveries never connect to private, link-local, unspecified or multicast addresses; public
// ones and this machine's loopback are allowed.
func TestNotifyClientRefusesPrivateNetworks(t *testing.T) {
	for addr, refused := range map[string]bool{"10.1.2.3": true, "192.168.0.1": true, "172.16.5.4": true, "169.254.169.254": true,
		"0.0.0.0": true, "fd00::1": true, "fe80::1": true, "224.0.0.1": true, "::ffff:10.0.0.1": true,
		"127.0.0.1": false, "::1": false, "93.184.216.34": false, "2606:4700::1111": false} {
		if got := refusedAddr(netip.MustParseAddr(addr).Unmap()); got != refused {
			t.Errorf("%s: refused %v, want %v", addr, got, refused)
		}
	}
	resp, err := NotifyHTTPClient().Post("http://169.254.169.254/latest/meta-data/", "application/json", nil)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a request to the metadata address went out")
	}
	if !strings.Contains(err.Error(), "private network") {
		t.Fatalf("refused with %v", err)
	}
}
