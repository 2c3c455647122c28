// Command portal is Tierdesk: the web portal Zoom partners run their customers' sub accounts
// with. One binary:
//
//	portal [serve]              run the portal (the default)
//	portal migrate up|status    apply or list database migrations
//	portal sandbox [flags]      run the Zoom sandbox alone
//	portal audit verify         recompute the audit log's hash chains
//	portal dev                  what `make run` does: local PostgreSQL, sandbox, portal
//	portal devdb exec -- CMD    run CMD with TEST_DATABASE_URL set to a throwaway PostgreSQL
//	portal version              print the version
//	portal help [COMMAND|env]   describe the commands, one command, or every variable
//
// Configuration comes from environment variables: `portal help env` lists them with their
// defaults, from the same table (envvars.go) the configuration reads and the README shows.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=..." (make build: git describe).
var version = "dev"

// versionString is version, followed by the commit Go stamped into the binary when it was
// built from a git checkout (the Docker image is): "dev (commit 3cf3e1f…, modified)".
func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev == "" {
		return version
	}
	return version + " (commit " + rev + modified + ")"
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

// run is the whole program: it parses the command, then runs it until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch {
	case cmd == "-h" || cmd == "--help" || cmd == "-help" || cmd == "help":
		return helpCommand(ctx, args, stdout)
	case wantsHelp(args):
		return helpCommand(ctx, []string{cmd}, stdout)
	}
	switch cmd {
	case "serve":
		return serveCommand(ctx, getenv, stdout, stderr, nil)
	case "migrate":
		return migrateCommand(ctx, args, getenv, stdout, stderr)
	case "sandbox":
		return sandboxCommand(ctx, args, getenv, stdout)
	case "dev":
		return devCommand(ctx, getenv, stdout, stderr)
	case "audit":
		return auditCommand(ctx, args, getenv, stdout)
	case "devdb":
		return devdbCommand(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "tierdesk portal", versionString())
		return nil
	}
	return fmt.Errorf("unknown command %q (see: portal help)", cmd)
}

// wantsHelp reports whether a command's arguments ask for its help: "help" first, or -h or
// --help before any "--" (what follows "--" belongs to the command devdb runs).
func wantsHelp(args []string) bool {
	for i, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "--help" || a == "-help" || (i == 0 && a == "help") {
			return true
		}
	}
	return false
}
