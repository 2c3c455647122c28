package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// appFlags collects repeated --oauth-app / --s2s-app flags.
type appFlags struct {
	typ  string
	apps *[]AppInfo
}

// String implements flag.Value.
func (f appFlags) String() string { return "" }

// Set parses "client_id:client_secret:rest" where rest is comma-separated redirect URIs
// (oauth; "loopback" accepts any loopback URI) or the account id or a user email (s2s).
func (f appFlags) Set(v string) error {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 {
		return fmt.Errorf("want client_id:client_secret:%s", map[string]string{appOAuth: "redirect_uri[,redirect_uri]", appS2S: "account_id"}[f.typ])
	}
	ai := AppInfo{ClientID: parts[0], ClientSecret: parts[1], Type: f.typ}
	if f.typ == appS2S {
		ai.AccountID = parts[2]
	} else {
		for _, u := range strings.Split(parts[2], ",") {
			if u == "loopback" {
				ai.LoopbackRedirects = true
			} else if u != "" {
				ai.RedirectURIs = append(ai.RedirectURIs, u)
			}
		}
	}
	*f.apps = append(*f.apps, ai)
	return nil
}

// Main runs `portal sandbox --addr 127.0.0.1:9090 --state FILE --seed demo|empty` until ctx
// ends. Flags fall back to the environment (SANDBOX_ADDR, SANDBOX_STATE, SANDBOX_SEED,
// SANDBOX_PUBLIC_URL, SANDBOX_WEBHOOK_URL, SANDBOX_WEBHOOK_SECRET). It fails on bad flags,
// a bad state file or an address it cannot listen on.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", env("SANDBOX_ADDR", "127.0.0.1:9090"), "listen address")
	stateFile := fs.String("state", env("SANDBOX_STATE", ""), "state file (empty: memory only)")
	seed := fs.String("seed", env("SANDBOX_SEED", SeedDemo), "seed when there is no state file: demo or empty")
	publicURL := fs.String("public-url", env("SANDBOX_PUBLIC_URL", ""), "base URL clients use (default http://ADDR)")
	hookURL := fs.String("webhook-url", env("SANDBOX_WEBHOOK_URL", ""), "webhook endpoint URL")
	hookSecret := fs.String("webhook-secret", env("SANDBOX_WEBHOOK_SECRET", ""), "webhook secret token")
	tokenTTL := fs.Duration("token-ttl", 0, "access-token lifetime (default 1h)")
	mult, _ := strconv.ParseFloat(env("SANDBOX_LIMITS_MULTIPLIER", "1"), 64)
	limits := fs.Float64("limits-multiplier", mult, "scales every rate limit")
	retry := fs.String("webhook-retry", "", "comma-separated webhook retry delays, e.g. 1s,2s,4s (default 5m,20m,60m)")
	var apps []AppInfo
	fs.Var(appFlags{appOAuth, &apps}, "oauth-app", "register an OAuth app: client_id:secret:redirect_uri[,redirect_uri|loopback] (repeatable)")
	fs.Var(appFlags{appS2S, &apps}, "s2s-app", "register a Server-to-Server app: client_id:secret:account_id_or_user_email (repeatable)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("sandbox flags: %w", err)
	}
	var retries []time.Duration
	for _, p := range strings.Split(*retry, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		d, err := time.ParseDuration(p)
		if err != nil {
			return fmt.Errorf("sandbox flags: webhook-retry: %w", err)
		}
		retries = append(retries, d)
	}
	log := slog.New(slog.NewTextHandler(stdout, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sandbox listen %s: %w", *addr, err)
	}
	base := *publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	s, err := New(Options{Seed: *seed, StateFile: *stateFile, PublicURL: base, TokenTTL: *tokenTTL,
		LimitsMultiplier: *limits, WebhookURL: *hookURL, WebhookSecret: *hookSecret, WebhookRetry: retries,
		Apps: apps, Logger: log})
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "Zoom sandbox listening on %s (demo app %s / %s)\n", base, DemoClientID, DemoClientSecret)
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutCtx); serr != nil && err == nil {
		err = fmt.Errorf("sandbox shutdown: %w", serr)
	}
	if cerr := s.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
