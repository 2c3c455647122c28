package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/tierdesk/tierdesk/internal/devdb"
)

// devdbStopDelay is how long CMD has to end after the interrupt devdb exec passes on, before
// it is killed.
const devdbStopDelay = 10 * time.Second

// devdbCommand runs `portal devdb exec -- CMD ARGS...`: CMD runs with TEST_DATABASE_URL set
// to a throwaway PostgreSQL cluster (fsync off) made from the machine's server binaries and
// removed afterwards, and with TMPDIR set to a directory removed with it (what tests leave
// in temporary directories goes too). With TEST_DATABASE_URL already set, CMD simply runs.
//
// The cluster is removed on every way out: CMD failing, and a signal (SIGINT, SIGTERM, SIGHUP,
// or the parent, such as `go run`, ending), on which CMD gets SIGINT and, if it has not ended
// within devdbStopDelay, SIGKILL. Clusters that earlier runs could not remove (SIGKILL) are
// swept first, unless their server still runs.
func devdbCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 3 || args[0] != "exec" || args[1] != "--" {
		return fmt.Errorf("usage: portal devdb exec -- CMD [ARGS...]")
	}
	// main stops ctx on SIGINT and SIGTERM; a closed terminal and a parent gone stop it too.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGHUP)
	defer stop()
	if err := devdb.StopWithParent(); err != nil {
		return fmt.Errorf("devdb: ask for SIGTERM when the parent ends: %w", err)
	}
	env := os.Environ()
	if getenv("TEST_DATABASE_URL") == "" {
		removed, err := devdb.SweepThrowaways(stderr)
		for _, dir := range removed {
			fmt.Fprintf(stderr, "removed %s, left behind by an earlier run\n", dir)
		}
		if err != nil {
			fmt.Fprintln(stderr, "sweeping throwaway PostgreSQL clusters of earlier runs:", err)
		}
		cluster, err := devdb.NewThrowaway()
		if err != nil {
			return err
		}
		defer func() {
			if err := cluster.Remove(); err != nil {
				fmt.Fprintln(stderr, "portal:", err)
			}
		}()
		fmt.Fprintf(stderr, "throwaway PostgreSQL on 127.0.0.1:%d in %s\n", cluster.Port, cluster.Dir)
		env = append(env, "TEST_DATABASE_URL="+cluster.URL("postgres"), "TMPDIR="+cluster.TempDir())
	}
	cmd := exec.CommandContext(ctx, args[2], args[3:]...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = stdout, stderr, os.Stdin
	cmd.Env = env
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = devdbStopDelay
	err := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %s stopped", args[2])
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("%s exited with status %d", args[2], exit.ExitCode())
		}
		return err
	}
	return nil
}
