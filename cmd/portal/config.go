package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// config is the portal's configuration, read from environment variables. The README lists
// every variable with its default.
type config struct {
	DatabaseURL        string          // DATABASE_URL (required)
	MigrateDatabaseURL string          // MIGRATE_DATABASE_URL: the owner login for migrations; DATABASE_URL when unset
	Addr               string          // PORTAL_ADDR
	BaseURL            *url.URL        // PORTAL_BASE_URL; nil means http://<listen address>
	Keys               *secret.Keyring // PORTAL_SECRET_KEY (required)
	ZoomClientID       string          // ZOOM_CLIENT_ID (required unless sandbox)
	ZoomClientSecret   string          // ZOOM_CLIENT_SECRET (required unless sandbox)
	ZoomOAuthURL       string          // ZOOM_OAUTH_URL
	ZoomAPIURL         string          // ZOOM_API_URL
	Sandbox            bool            // PORTAL_SANDBOX: embed the Zoom sandbox and use it as Zoom
	SandboxAddr        string          // PORTAL_SANDBOX_ADDR
	SandboxState       string          // PORTAL_SANDBOX_STATE: state file ("" keeps it in memory)
	MetricsToken       string          // PORTAL_METRICS_TOKEN: bearer token /metrics requires ("" leaves it open)
	TrustedProxies     []netip.Prefix  // PORTAL_TRUSTED_PROXIES: CIDRs whose X-Forwarded-For is believed
	LogFormat          string          // PORTAL_LOG_FORMAT: text or json
	LogLevel           slog.Level      // PORTAL_LOG_LEVEL
	ZoomPlan           string          // ZOOM_PLAN: the partner accounts' Zoom plan, whose rate limits apply
	ZoomLimits         zoom.Limits     // the limits of ZoomPlan
	ZoomRateShare      float64         // ZOOM_RATE_SHARE: the part of those limits Tierdesk allows itself
	AuditCheckpoints   string          // PORTAL_AUDIT_CHECKPOINTS: file the signed chain heads are appended to ("" logs them only)
	CheckpointInterval time.Duration   // PORTAL_AUDIT_CHECKPOINT_INTERVAL: how often chain heads are checkpointed
	ChangeLease        time.Duration   // PORTAL_CHANGE_LEASE: how long a page's change owns its intent; the resolver runs as often
}

// composeDemoKey is the key docker-compose.yml ships for the sandbox; it is refused for real Zoom.
const composeDemoKey = "bG9jYWwtZGV2ZWxvcG1lbnQta2V5LWNoYW5nZS1tZSE="

// configError is a setting that stops start-up; its message is one line that names the
// setting and says what to set.
type configError struct{ name, problem, fix string }

func (e *configError) Error() string {
	return fmt.Sprintf("configuration: %s %s: %s", e.name, e.problem, e.fix)
}

// loadConfig reads the configuration from getenv.
func loadConfig(getenv func(string) string) (*config, error) {
	// Every default comes from envVars, the table `portal help` and the README show.
	env := func(name string) string { return envDefault(getenv, name) }
	c := &config{
		DatabaseURL:  env("DATABASE_URL"),
		Addr:         env("PORTAL_ADDR"),
		ZoomOAuthURL: env("ZOOM_OAUTH_URL"),
		ZoomAPIURL:   env("ZOOM_API_URL"),
		SandboxAddr:  env("PORTAL_SANDBOX_ADDR"),
		SandboxState: env("PORTAL_SANDBOX_STATE"),
		LogFormat:    env("PORTAL_LOG_FORMAT"),
	}
	if c.DatabaseURL == "" {
		return nil, &configError{"DATABASE_URL", "is not set", "set it to a PostgreSQL URL such as postgres://user:pass@localhost:5432/tierdesk (make run provisions one for you)"}
	}
	if c.MigrateDatabaseURL = env("MIGRATE_DATABASE_URL"); c.MigrateDatabaseURL == "" {
		c.MigrateDatabaseURL = c.DatabaseURL
	}
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return nil, &configError{"DATABASE_URL", "is not a PostgreSQL URL", "set it to postgres://user:pass@host:5432/dbname"}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, &configError{"PORTAL_ADDR", fmt.Sprintf("%q is not host:port", c.Addr), "set it like 127.0.0.1:8080 or :8080"}
	}
	if _, _, err := net.SplitHostPort(c.SandboxAddr); err != nil {
		return nil, &configError{"PORTAL_SANDBOX_ADDR", fmt.Sprintf("%q is not host:port", c.SandboxAddr), "set it like 127.0.0.1:9090"}
	}
	if v := env("PORTAL_BASE_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, &configError{"PORTAL_BASE_URL", fmt.Sprintf("%q is not an http(s) origin", v), "set it to the URL people open, e.g. https://portal.example.com"}
		}
		u.Path = ""
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return nil, &configError{"PORTAL_BASE_URL", "is plain http on a public host", "serve Tierdesk over https (session cookies are Secure), or use http only on localhost"}
		}
		c.BaseURL = u
	}
	if host, _, _ := net.SplitHostPort(c.Addr); c.BaseURL == nil && !isLoopback(host) {
		return nil, &configError{"PORTAL_BASE_URL", "is not set while PORTAL_ADDR " + c.Addr + " listens beyond this machine",
			"set it to the URL people open, e.g. https://portal.example.com (it decides cookie security and the sign-in redirect)"}
	}
	var err error
	key := env("PORTAL_SECRET_KEY")
	if key == "" {
		return nil, &configError{"PORTAL_SECRET_KEY", "is not set", "set it to a random 32-byte key in base64, e.g. `openssl rand -base64 32`"}
	}
	if c.Keys, err = secret.ParseKeyring(key); err != nil {
		return nil, &configError{"PORTAL_SECRET_KEY", "is malformed (" + err.Error() + ")", "set it to one or more id:base64 keys of 32 bytes, newest first"}
	}
	if c.Sandbox, err = parseBool(env("PORTAL_SANDBOX")); err != nil {
		return nil, &configError{"PORTAL_SANDBOX", "is not a boolean", "set it to true or false"}
	}
	if !c.Sandbox && strings.Contains(key, composeDemoKey) {
		return nil, &configError{"PORTAL_SECRET_KEY", "is the well-known key of docker-compose.yml", "set a key of your own (openssl rand -base64 32) before connecting real Zoom"}
	}
	c.ZoomClientID, c.ZoomClientSecret = env("ZOOM_CLIENT_ID"), env("ZOOM_CLIENT_SECRET")
	if !c.Sandbox {
		if c.ZoomClientID == "" {
			return nil, &configError{"ZOOM_CLIENT_ID", "is not set", "set your Zoom OAuth app's client id, or PORTAL_SANDBOX=true to use the built-in Zoom sandbox"}
		}
		if c.ZoomClientSecret == "" {
			return nil, &configError{"ZOOM_CLIENT_SECRET", "is not set", "set your Zoom OAuth app's client secret, or PORTAL_SANDBOX=true to use the built-in Zoom sandbox"}
		}
		for name, v := range map[string]string{"ZOOM_OAUTH_URL": c.ZoomOAuthURL, "ZOOM_API_URL": c.ZoomAPIURL} {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, &configError{name, fmt.Sprintf("%q is not a URL", v), "leave it unset for Zoom's production URL"}
			}
		}
	}
	c.MetricsToken = env("PORTAL_METRICS_TOKEN")
	for _, cidr := range strings.Split(env("PORTAL_TRUSTED_PROXIES"), ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, &configError{"PORTAL_TRUSTED_PROXIES", fmt.Sprintf("has %q, which is not a CIDR", cidr), "list your proxies' networks, e.g. 10.0.0.0/8,192.168.1.10/32"}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	c.ZoomPlan = strings.ToLower(env("ZOOM_PLAN"))
	switch c.ZoomPlan {
	case "free":
		c.ZoomLimits = zoom.LimitsFree
	case "pro":
		c.ZoomLimits = zoom.LimitsPro
	case "business", "business+", "enterprise":
		c.ZoomLimits = zoom.LimitsBusinessPlus
	default:
		return nil, &configError{"ZOOM_PLAN", fmt.Sprintf("%q is not a Zoom plan", c.ZoomPlan), "set it to free, pro or business (Business and above share one rate-limit table)"}
	}
	share := env("ZOOM_RATE_SHARE")
	if c.ZoomRateShare, err = strconv.ParseFloat(strings.TrimSuffix(share, "%"), 64); err == nil && strings.HasSuffix(share, "%") {
		c.ZoomRateShare /= 100
	}
	if err != nil || !(c.ZoomRateShare > 0 && c.ZoomRateShare <= 1) {
		return nil, &configError{"ZOOM_RATE_SHARE", fmt.Sprintf("%q is not a share in (0, 1]", share), "set it to the part of Zoom's rate limits Tierdesk may use, e.g. 0.5 or 50%"}
	}
	c.AuditCheckpoints = env("PORTAL_AUDIT_CHECKPOINTS")
	interval := env("PORTAL_AUDIT_CHECKPOINT_INTERVAL")
	if c.CheckpointInterval, err = time.ParseDuration(interval); err != nil || c.CheckpointInterval <= 0 {
		return nil, &configError{"PORTAL_AUDIT_CHECKPOINT_INTERVAL", fmt.Sprintf("%q is not a positive duration", interval), "set it like 1m or 30s"}
	}
	lease := env("PORTAL_CHANGE_LEASE")
	if c.ChangeLease, err = time.ParseDuration(lease); err != nil || c.ChangeLease < service.MinChangeLease {
		return nil, &configError{"PORTAL_CHANGE_LEASE", fmt.Sprintf("%q is not a duration of at least %v", lease, service.MinChangeLease),
			"leave it unset (2m), or set a Go duration like 45s: a shorter lease would let the resolver look up a change still in flight"}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, &configError{"PORTAL_LOG_FORMAT", fmt.Sprintf("%q is not text or json", c.LogFormat), "set it to text or json"}
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("PORTAL_LOG_LEVEL"))); err != nil {
		return nil, &configError{"PORTAL_LOG_LEVEL", "is not a level", "set it to debug, info, warn or error"}
	}
	return c, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return strconv.ParseBool(s)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
