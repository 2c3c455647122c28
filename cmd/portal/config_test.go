package main

import (
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

func TestConfigErrorsNameTheSettingInOneLine(t *testing.T) {
	good := map[string]string{
		"DATABASE_URL":       "postgres://u@localhost/db",
		"PORTAL_SECRET_KEY":  secret.NewKey("k"),
		"ZOOM_CLIENT_ID":     "id",
		"ZOOM_CLIENT_SECRET": "secret",
	}
	cases := []struct {
		name   string
		change map[string]string
		want   string
	}{
		{"no database", map[string]string{"DATABASE_URL": ""}, "DATABASE_URL is not set"},
		{"bad database", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL is not a PostgreSQL URL"},
		{"no key", map[string]string{"PORTAL_SECRET_KEY": ""}, "PORTAL_SECRET_KEY is not set"},
		{"short key", map[string]string{"PORTAL_SECRET_KEY": "k:c2hvcnQ="}, "PORTAL_SECRET_KEY is malformed"},
		{"bad addr", map[string]string{"PORTAL_ADDR": "8080"}, "PORTAL_ADDR"},
		{"http base url", map[string]string{"PORTAL_BASE_URL": "http://portal.example.com"}, "PORTAL_BASE_URL is plain http on a public host"},
		{"base url with path", map[string]string{"PORTAL_BASE_URL": "https://x.example/app"}, "PORTAL_BASE_URL"},
		{"no client id", map[string]string{"ZOOM_CLIENT_ID": ""}, "ZOOM_CLIENT_ID is not set"},
		{"no client secret", map[string]string{"ZOOM_CLIENT_SECRET": ""}, "ZOOM_CLIENT_SECRET is not set"},
		{"bad sandbox flag", map[string]string{"PORTAL_SANDBOX": "maybe"}, "PORTAL_SANDBOX is not a boolean"},
		{"bad api url", map[string]string{"ZOOM_API_URL": "api.zoom.us"}, "ZOOM_API_URL"},
		{"bad log format", map[string]string{"PORTAL_LOG_FORMAT": "xml"}, "PORTAL_LOG_FORMAT"},
		{"bad plan", map[string]string{"ZOOM_PLAN": "gold"}, "ZOOM_PLAN"},
		{"share too big", map[string]string{"ZOOM_RATE_SHARE": "1.5"}, "ZOOM_RATE_SHARE"},
		{"share zero", map[string]string{"ZOOM_RATE_SHARE": "0"}, "ZOOM_RATE_SHARE"},
		{"share not a number", map[string]string{"ZOOM_RATE_SHARE": "half"}, "ZOOM_RATE_SHARE"},
		{"bad checkpoint interval", map[string]string{"PORTAL_AUDIT_CHECKPOINT_INTERVAL": "soon"}, "PORTAL_AUDIT_CHECKPOINT_INTERVAL"},
		{"bad change lease", map[string]string{"PORTAL_CHANGE_LEASE": "soon"}, "PORTAL_CHANGE_LEASE"},
		{"change lease too short", map[string]string{"PORTAL_CHANGE_LEASE": "10s"}, `PORTAL_CHANGE_LEASE "10s" is not a duration of at least 30s`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			for k, v := range tc.change {
				env[k] = v
			}
			_, err := loadConfig(func(k string) string { return env[k] })
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line containing %q", msg, tc.want)
			}
		})
	}
	cfg, err := loadConfig(func(k string) string { return good[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.ZoomAPIURL != "https://api.zoom.us/v2" || cfg.ZoomOAuthURL != "https://zoom.us" || cfg.Sandbox {
		t.Fatalf("defaults: %+v", cfg)
	}
	if cfg.ChangeLease != service.DefaultChangeLease {
		t.Fatalf("change lease %v, want %v", cfg.ChangeLease, service.DefaultChangeLease)
	}
	if cfg.ZoomRateShare != 0.5 || cfg.ZoomLimits[zoom.Light].Count != zoom.LimitsBusinessPlus[zoom.Light].Count {
		t.Fatalf("rate defaults: share %v, limits %v", cfg.ZoomRateShare, cfg.ZoomLimits)
	}
	for share, want := range map[string]float64{"0.25": 0.25, "30%": 0.3, "1": 1} {
		env := map[string]string{"ZOOM_RATE_SHARE": share, "ZOOM_PLAN": "Pro"}
		for k, v := range good {
			env[k] = v
		}
		c, err := loadConfig(func(k string) string { return env[k] })
		if err != nil || c.ZoomRateShare != want || c.ZoomLimits[zoom.Light].Count != zoom.LimitsPro[zoom.Light].Count {
			t.Fatalf("ZOOM_RATE_SHARE=%s ZOOM_PLAN=Pro: %v %v %v", share, c.ZoomRateShare, c.ZoomLimits, err)
		}
	}
	// The sandbox needs no Zoom credentials.
	sb := map[string]string{"DATABASE_URL": good["DATABASE_URL"], "PORTAL_SECRET_KEY": good["PORTAL_SECRET_KEY"], "PORTAL_SANDBOX": "1"}
	if _, err := loadConfig(func(k string) string { return sb[k] }); err != nil {
		t.Fatalf("sandbox without credentials: %v", err)
	}
}

func TestRunRefusesUnknownCommandAndPrintsVersion(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), []string{"version"}, func(string) string { return "" }, &out, &out); err != nil || !strings.Contains(out.String(), "tierdesk portal") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(t.Context(), []string{"frobnicate"}, func(string) string { return "" }, &out, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
	err := run(t.Context(), []string{"serve"}, func(string) string { return "" }, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("serve without configuration: %v", err)
	}
}

func TestConfigRefusesUnsafeDefaults(t *testing.T) {
	env := map[string]string{
		"DATABASE_URL":       "postgres://u@localhost/db",
		"PORTAL_SECRET_KEY":  "k1:" + composeDemoKey,
		"ZOOM_CLIENT_ID":     "id",
		"ZOOM_CLIENT_SECRET": "secret",
	}
	if _, err := loadConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "well-known key") {
		t.Fatalf("compose key with real Zoom: %v", err)
	}
	env["PORTAL_SANDBOX"] = "true"
	if _, err := loadConfig(func(k string) string { return env[k] }); err != nil {
		t.Fatalf("compose key with the sandbox: %v", err)
	}
	env["PORTAL_ADDR"] = "0.0.0.0:8080"
	if _, err := loadConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "PORTAL_BASE_URL is not set") {
		t.Fatalf("public address without base URL: %v", err)
	}
	env["PORTAL_BASE_URL"] = "https://portal.example.com"
	if _, err := loadConfig(func(k string) string { return env[k] }); err != nil {
		t.Fatalf("public address with base URL: %v", err)
	}
}
