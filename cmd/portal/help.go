package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one of the binary's commands, as `portal help` describes it.
type command struct {
	Name    string // what one types after portal
	Usage   string // its synopsis
	Summary string // one line for the list
	About   string // what it does, in a few sentences
	// flags prints the command's flags (from its own flag set), or is nil when it has none.
	flags func(ctx context.Context, w io.Writer)
}

// commands lists the commands in the order `portal help` shows them.
var commands = []command{
	{Name: "serve", Usage: "portal [serve]", Summary: "run the portal (the default command)",
		About: "Runs the portal: applies the database migrations, starts the background jobs and " +
			"serves the web pages on PORTAL_ADDR until it is stopped (SIGINT or SIGTERM), then " +
			"finishes the requests and jobs under way. With PORTAL_SANDBOX=true it runs the Zoom " +
			"sandbox in-process and uses it as Zoom. A missing or malformed setting stops it with " +
			"one line that names the variable and says what to set."},
	{Name: "dev", Usage: "portal dev", Summary: "what `make run` does: local PostgreSQL, the Zoom sandbox with demo data, the portal",
		About: "Starts (or reuses) a PostgreSQL cluster under PORTAL_DATA_DIR when DATABASE_URL " +
			"is not set, keeps a secret key there, embeds the Zoom sandbox with demo data when no " +
			"Zoom credentials are set, registers the demo partners and their staff, and serves the " +
			"portal. It prints the portal's address and the demo sign-ins last. Ctrl-C stops " +
			"everything and exits 0; the next run finds the same data."},
	{Name: "migrate", Usage: "portal migrate up|status", Summary: "apply (up) or list (status) the database migrations",
		About: "Applies every pending migration (up) or lists them with their state (status), as " +
			"the owner login of MIGRATE_DATABASE_URL (DATABASE_URL when it is unset). serve " +
			"applies them by itself at start; this is for operators who migrate beforehand."},
	{Name: "audit", Usage: "portal audit verify [--partner ID] [--checkpoints FILE] [--expect PARTNER:SEQ:HASH]",
		Summary: "recompute the audit log's hash chains and check them against checkpoints",
		About: "Recomputes every partner's audit chain (or one, with --partner) from the database " +
			"and checks it against the signed checkpoints of PORTAL_AUDIT_CHECKPOINTS or of the " +
			"files given, and against chain heads given with --expect. It exits 1 and names the " +
			"first event that does not match when the log was changed.",
		flags: func(ctx context.Context, w io.Writer) {
			printFlags(w, func(out io.Writer) error {
				return auditCommand(ctx, []string{"verify", "-h"}, func(string) string { return "" }, out)
			})
		}},
	{Name: "sandbox", Usage: "portal sandbox [flags]", Summary: "run the Zoom sandbox alone",
		About: "Runs the emulator of Zoom's OAuth and primary account API by itself, as a training " +
			"ground or as the Zoom of a portal started elsewhere. Each flag falls back to the " +
			"SANDBOX_ variable named below.",
		flags: func(ctx context.Context, w io.Writer) {
			printFlags(w, func(out io.Writer) error {
				return sandboxCommand(ctx, []string{"-h"}, func(string) string { return "" }, out)
			})
		}},
	{Name: "devdb", Usage: "portal devdb exec -- CMD [ARGS...]", Summary: "run CMD with TEST_DATABASE_URL set to a throwaway PostgreSQL",
		About: "Starts a throwaway PostgreSQL cluster (from the server binaries of PG_BINDIR), runs " +
			"CMD with TEST_DATABASE_URL pointing at it, and removes the cluster when CMD ends, " +
			"whatever ends it. With TEST_DATABASE_URL already set it runs CMD against that " +
			"server. `make test` runs the tests this way."},
	{Name: "version", Usage: "portal version", Summary: "print the version",
		About: "Prints the version the binary was built as."},
	{Name: "help", Usage: "portal help [COMMAND | env]", Summary: "this help; a command's (also: portal COMMAND --help); every variable (env)",
		About: "Describes the commands, one command with its flags and variables, or (env) every " +
			"environment variable with its default."},
}

// helpCommand is `portal help [TOPIC]`.
func helpCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		printOverview(stdout)
		return nil
	}
	topic := args[0]
	if topic == "-h" || topic == "--help" || topic == "-help" {
		topic = "help"
	}
	if topic == "env" {
		if len(args) > 1 && args[1] == "--markdown" {
			_, err := io.WriteString(stdout, envMarkdown())
			return err
		}
		printEnv(stdout, "")
		return nil
	}
	for _, c := range commands {
		if c.Name == topic {
			printCommand(ctx, stdout, c)
			return nil
		}
	}
	return fmt.Errorf("no help for %q: it is not a command (see portal help)", topic)
}

func printOverview(w io.Writer) {
	fmt.Fprint(w, "portal is Tierdesk: the web portal Zoom partners run their customers' sub accounts with.\n\n")
	fmt.Fprint(w, "Usage: portal COMMAND [ARGS]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.Name, c.Summary)
	}
	fmt.Fprint(w, "\n`portal help COMMAND` (or `portal COMMAND --help`) describes one command with its\n"+
		"flags and the environment variables it reads.\n\nEnvironment (portal help env describes each):\n")
	for _, v := range envVars {
		if v.readBy("test") && !v.readBy("devdb") {
			continue
		}
		fmt.Fprintf(w, "  %-33s default: %s\n", v.Name, plain(v.Shown))
	}
	fmt.Fprint(w, "\n`make run` runs `portal dev`; `make test` runs every test against a throwaway PostgreSQL.\n")
}

func printCommand(ctx context.Context, w io.Writer, c command) {
	fmt.Fprintf(w, "Usage: %s\n\n", c.Usage)
	wrap(w, "", c.About)
	if c.flags != nil {
		fmt.Fprint(w, "\nFlags:\n")
		c.flags(ctx, w)
	}
	printEnv(w, c.Name)
}

// printEnv lists the variables cmd reads ("" = every one), each with its default and meaning.
func printEnv(w io.Writer, cmd string) {
	first := true
	for _, v := range envVars {
		if cmd != "" && !v.readBy(cmd) {
			continue
		}
		if first {
			fmt.Fprint(w, "\nEnvironment:\n")
			first = false
		}
		fmt.Fprintf(w, "  %s (default: %s)\n", v.Name, plain(v.Shown))
		wrap(w, "      ", plain(v.Doc))
	}
	if first {
		fmt.Fprint(w, "\nIt reads no environment variable.\n")
	}
}

// printFlags prints what a command's flag set prints for -h, without its "Usage of" line.
func printFlags(w io.Writer, usage func(io.Writer) error) {
	var b bytes.Buffer
	if err := usage(&b); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(w, "  (the flags could not be listed: %v)\n", err)
		return
	}
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if !strings.HasPrefix(line, "Usage of ") {
			io.WriteString(w, line)
		}
	}
}

// plain drops Markdown's backticks for the terminal.
func plain(s string) string { return strings.ReplaceAll(s, "`", "") }

// wrap writes text in lines of at most 80 characters, each after indent.
func wrap(w io.Writer, indent, text string) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > 80 {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		fmt.Fprintln(w, line)
	}
}
