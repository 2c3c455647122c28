package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Every command answers --help (and help COMMAND) with its usage, what it does and the
// variables it reads, and starts nothing: no database, no listener (the environment is empty,
// so a command that tried would fail).
func TestEveryCommandHasHelp(t *testing.T) {
	none := func(string) string { return "" }
	for _, c := range commands {
		for _, args := range [][]string{{c.Name, "--help"}, {c.Name, "-h"}, {"help", c.Name}} {
			var out strings.Builder
			if err := run(context.Background(), args, none, &out, &out); err != nil {
				t.Errorf("portal %s: %v", strings.Join(args, " "), err)
				continue
			}
			got := out.String()
			if !strings.HasPrefix(got, "Usage: "+c.Usage+"\n") {
				t.Errorf("portal %s begins %.60q, want its usage %q", strings.Join(args, " "), got, c.Usage)
			}
			for _, v := range envVars {
				if v.readBy(c.Name) && !strings.Contains(got, "\n  "+v.Name+" (default: "+plain(v.Shown)+")\n") {
					t.Errorf("portal %s does not describe %s with its default", strings.Join(args, " "), v.Name)
				}
			}
		}
	}
	// Flags come from the commands' own flag sets.
	var out strings.Builder
	if err := run(context.Background(), []string{"sandbox", "--help"}, none, &out, &out); err != nil || !strings.Contains(out.String(), "-webhook-url string") {
		t.Errorf("portal sandbox --help lists no flags (%v):\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "verify", "--help"}, none, &out, &out); err != nil || !strings.Contains(out.String(), "-checkpoints value") {
		t.Errorf("portal audit verify --help lists no flags (%v):\n%s", err, out.String())
	}
	// devdb's command keeps its own --help.
	if !wantsHelp([]string{"exec", "--help"}) || wantsHelp([]string{"exec", "--", "go", "test", "--help"}) {
		t.Error("wantsHelp reads what follows -- as the portal's")
	}
}

func TestHelpListsCommandsAndEveryVariable(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		var out strings.Builder
		if err := run(context.Background(), args, func(string) string { return "" }, &out, &out); err != nil {
			t.Fatal(err)
		}
		for _, c := range commands {
			if !strings.Contains(out.String(), "\n  "+c.Name+" ") {
				t.Errorf("portal %s does not list %s", args[0], c.Name)
			}
		}
		if !strings.Contains(out.String(), "DATABASE_URL") || !strings.Contains(out.String(), "PORTAL_CHANGE_LEASE") {
			t.Errorf("portal %s lists no variables", args[0])
		}
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"help", "env"}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars {
		if !strings.Contains(out.String(), "\n  "+v.Name+" (default: ") {
			t.Errorf("portal help env does not describe %s", v.Name)
		}
	}
	for _, args := range [][]string{{"help", "nosuch"}, {"nosuch"}} {
		err := run(context.Background(), args, func(string) string { return "" }, &out, &out)
		if err == nil || !strings.Contains(err.Error(), `"nosuch"`) || !strings.Contains(err.Error(), "portal help") {
			t.Errorf("portal %s: %v, want an error naming it and pointing at portal help", strings.Join(args, " "), err)
		}
	}
}

// The README's Configuration table is the one `portal help env --markdown` prints.
func TestReadmeListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	want := envMarkdown()
	start := strings.Index(readme, "| Variable | Default | Meaning |")
	if start < 0 {
		t.Fatal("README.md has no configuration table")
	}
	got := readme[start:]
	got = got[:strings.Index(got, "\n\n")+1]
	if got != want {
		t.Errorf("README.md's configuration table differs from the one the portal reads (cmd/portal/envvars.go); put this one in:\n%s", want)
	}
}

// The table's defaults are the ones the code means.
func TestEnvDefaultsAreTheCodes(t *testing.T) {
	for name, want := range map[string]string{
		"ZOOM_OAUTH_URL":      zoom.DefaultOAuthURL,
		"ZOOM_API_URL":        zoom.DefaultAPIURL,
		"PORTAL_CHANGE_LEASE": service.DefaultChangeLease.String(),
	} {
		if got := envVarNamed(name).Default; got != want {
			t.Errorf("%s defaults to %q in envVars, the code's default is %q", name, got, want)
		}
	}
	// Every variable the configuration reads is in the table: loadConfig panics otherwise.
	read := map[string]bool{}
	if _, err := loadConfig(func(k string) string {
		read[k] = true
		return map[string]string{"DATABASE_URL": "postgres://u@localhost/db", "PORTAL_SECRET_KEY": "k:" + strings.Repeat("A", 43) + "=", "PORTAL_SANDBOX": "true"}[k]
	}); err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars {
		if strings.HasPrefix(v.Name, "OTEL_") {
			continue // read by obs.Setup, with the OpenTelemetry SDK's own defaults
		}
		if v.readBy("serve") && !read[v.Name] {
			t.Errorf("%s is listed as read by serve, but loadConfig does not read it", v.Name)
		}
	}
}
