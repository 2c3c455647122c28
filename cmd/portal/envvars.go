package main

import (
	"fmt"
	"strings"
)

// envVar is one environment variable Tierdesk reads. The table envVars is the one source of
// the defaults loadConfig applies, of `portal help` and of the README's Configuration table
// (TestReadmeListsEveryVariable compares the two), so that they cannot differ.
type envVar struct {
	Name    string
	Default string   // the value taken when it is unset or blank ("" = none)
	Shown   string   // the default as people read it (may say what `make run` sets instead)
	Doc     string   // what it is, in Markdown (backticks for code)
	Cmds    []string // the commands that read it ("test": `make test` and the test run)
}

// envVars lists every variable, in the README's order.
var envVars = []envVar{
	{"DATABASE_URL", "", "(required; `make run` provides one)", "PostgreSQL URL, e.g. `postgres://tierdesk:pw@db:5432/tierdesk`. Whatever login it names, the portal's pool acts as the role `tierdesk_app` (`SET ROLE`), which owns no table and is bound by row-level security", []string{"serve", "dev", "migrate", "audit"}},
	{"MIGRATE_DATABASE_URL", "", "`DATABASE_URL`", "the login that owns the schema and runs the migrations at start (needs `CREATEROLE` once, to create `tierdesk_app`, unless an operator created it)", []string{"serve", "dev", "migrate"}},
	{"PORTAL_ADDR", "127.0.0.1:8080", "`127.0.0.1:8080`", "address the portal listens on", []string{"serve", "dev"}},
	{"PORTAL_BASE_URL", "", "`http://<PORTAL_ADDR>`", "the URL people open; must be `https` unless on localhost (session cookies are `Secure` then)", []string{"serve", "dev"}},
	{"PORTAL_SECRET_KEY", "", "(required; `make run` keeps one in `.data/secret.key`)", "encryption key(s) for secrets at rest: `id:base64` of 32 random bytes (`openssl rand -base64 32`), comma-separated, newest first, to rotate", []string{"serve", "dev", "audit"}},
	{"ZOOM_CLIENT_ID", "", "(required unless sandbox)", "client id of your Zoom OAuth app", []string{"serve", "dev"}},
	{"ZOOM_CLIENT_SECRET", "", "(required unless sandbox)", "its client secret", []string{"serve", "dev"}},
	{"ZOOM_OAUTH_URL", "https://zoom.us", "`https://zoom.us`", "Zoom's OAuth host", []string{"serve", "dev"}},
	{"ZOOM_API_URL", "https://api.zoom.us/v2", "`https://api.zoom.us/v2`", "Zoom's REST API base", []string{"serve", "dev"}},
	{"ZOOM_PLAN", "business", "`business`", "the Zoom plan of your primary accounts, whose rate-limit table applies: `free`, `pro` or `business` (Business and above)", []string{"serve", "dev"}},
	{"ZOOM_RATE_SHARE", "0.5", "`0.5`", "the part of those limits Tierdesk allows itself (e.g. `0.5` or `50%`), leaving the rest to your other Zoom apps", []string{"serve", "dev"}},
	{"PORTAL_SANDBOX", "false", "`false` (`make run`: `true` without Zoom credentials)", "run the built-in Zoom sandbox in-process and use it as Zoom", []string{"serve", "dev"}},
	{"PORTAL_SANDBOX_ADDR", "127.0.0.1:9090", "`127.0.0.1:9090`", "where the embedded sandbox listens (browsers visit its sign-in page)", []string{"serve", "dev"}},
	{"PORTAL_SANDBOX_STATE", "", "none (`make run`: `.data/sandbox.json`)", "file the sandbox keeps its state in; none keeps it in memory", []string{"serve", "dev"}},
	{"PORTAL_DATA_DIR", ".data", "`.data`", "where `make run` keeps PostgreSQL, the key, the sandbox state and the audit checkpoints", []string{"dev"}},
	{"PORTAL_METRICS_TOKEN", "", "none", "when set, `/metrics` requires `Authorization: Bearer <token>`", []string{"serve", "dev"}},
	{"PORTAL_TRUSTED_PROXIES", "", "none", "comma-separated CIDRs of load balancers whose `X-Forwarded-For` names the client (for the audit log's IP) and whose `X-Request-Id` is kept; from anyone else that header is replaced by the portal's own id", []string{"serve", "dev"}},
	{"PORTAL_AUDIT_CHECKPOINTS", "", "none: checkpoints go to the log only (`make run`: `.data/audit-checkpoints.ndjson`)", "file the portal appends signed audit chain heads to, and `portal audit verify` checks (see Audit checkpoints)", []string{"serve", "dev", "audit"}},
	{"PORTAL_AUDIT_CHECKPOINT_INTERVAL", "1m", "`1m`", "how often the portal checkpoints the chain heads that moved (a Go duration)", []string{"serve", "dev"}},
	{"PORTAL_CHANGE_LEASE", "2m0s", "`2m`", "how long a change made from a page belongs to the request that sent it before the resolver may record it, and how often the resolver runs: a change whose process stopped between Zoom's answer and its audit event is recorded within about twice this (a Go duration, at least `30s`, longer than such a call may take; `cmd/portal/change_kill_test.go` sets `30s`)", []string{"serve", "dev"}},
	{"PORTAL_LOG_FORMAT", "text", "`text`", "`text` or `json`", []string{"serve", "dev"}},
	{"PORTAL_LOG_LEVEL", "info", "`info`", "`debug`, `info`, `warn`, `error`", []string{"serve", "dev"}},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "none: no traces", "the OTLP/HTTP base URL of an OpenTelemetry collector (e.g. `http://localhost:4318`): when set, every request, Zoom call, job and SQL transaction is a span, sent to its `/v1/traces`, and log lines carry `trace_id`. The other standard `OTEL_*` variables apply (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED`)", []string{"serve", "dev"}},
	{"OTEL_SERVICE_NAME", "tierdesk", "`tierdesk`", "the service name the traces carry", []string{"serve", "dev"}},
	{"SANDBOX_ADDR", "127.0.0.1:9090", "`127.0.0.1:9090`", "where `portal sandbox` listens (its `--addr`)", []string{"sandbox"}},
	{"SANDBOX_STATE", "", "none", "the file `portal sandbox` keeps its state in (its `--state`); none keeps it in memory", []string{"sandbox"}},
	{"SANDBOX_SEED", "demo", "`demo`", "what `portal sandbox` starts with when it has no state: `demo` or `empty` (its `--seed`)", []string{"sandbox"}},
	{"SANDBOX_PUBLIC_URL", "", "`http://<SANDBOX_ADDR>`", "the base URL clients use to reach `portal sandbox` (its `--public-url`)", []string{"sandbox"}},
	{"SANDBOX_WEBHOOK_URL", "", "none", "where `portal sandbox` posts Zoom's webhook events (its `--webhook-url`)", []string{"sandbox"}},
	{"SANDBOX_WEBHOOK_SECRET", "", "none", "the Secret Token it signs them with (its `--webhook-secret`)", []string{"sandbox"}},
	{"SANDBOX_LIMITS_MULTIPLIER", "1", "`1`", "scales every rate limit of `portal sandbox` (its `--limits-multiplier`)", []string{"sandbox"}},
	{"PG_BINDIR", "", "the newest `/usr/lib/postgresql/*/bin`, then `pg_config --bindir`, then `PATH`", "where `make run` and `make test` find `initdb`, `pg_ctl` and `postgres` for their local clusters", []string{"dev", "devdb", "test"}},
	{"TEST_DATABASE_URL", "", "(set by `make test`)", "server where tests may create databases; `portal devdb exec` sets it for the command it runs", []string{"devdb", "test"}},
	{"CHROME_PATH", "/usr/bin/chromium", "`/usr/bin/chromium`", "browser for the browser tests", []string{"test"}},
}

// envVarNamed returns the variable called name; a name missing from the table is a bug.
func envVarNamed(name string) envVar {
	for _, v := range envVars {
		if v.Name == name {
			return v
		}
	}
	panic("portal: environment variable " + name + " is not in envVars")
}

// envDefault returns getenv(name), trimmed, or the table's default when it is blank.
func envDefault(getenv func(string) string, name string) string {
	v := envVarNamed(name)
	if s := strings.TrimSpace(getenv(name)); s != "" {
		return s
	}
	return v.Default
}

// envMarkdown is the README's Configuration table.
func envMarkdown() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Meaning |\n| --- | --- | --- |\n")
	for _, v := range envVars {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Name, v.Shown, v.Doc)
	}
	return b.String()
}

// readBy reports whether command cmd reads v.
func (v envVar) readBy(cmd string) bool {
	for _, c := range v.Cmds {
		if c == cmd {
			return true
		}
	}
	return false
}
