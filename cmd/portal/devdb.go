package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/tierdesk/tierdesk/internal/devdb"
)

// devdbCommand runs `portal devdb exec -- CMD ARGS...`: CMD runs with TEST_DATABASE_URL set
// to a throwaway PostgreSQL cluster (fsync off) made from the machine's server binaries and
// removed afterwards. With TEST_DATABASE_URL already set, CMD simply runs.
func devdbCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 3 || args[0] != "exec" || args[1] != "--" {
		return fmt.Errorf("usage: portal devdb exec -- CMD [ARGS...]")
	}
	cmd := exec.CommandContext(ctx, args[2], args[3:]...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = stdout, stderr, os.Stdin
	cmd.Env = os.Environ()
	if getenv("TEST_DATABASE_URL") == "" {
		dir, err := os.MkdirTemp("", "tierdesk-testdb-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cluster, err := devdb.Ensure(ctx, dir+"/pg", devdb.Options{Throwaway: true})
		if err != nil {
			return err
		}
		defer cluster.Stop()
		fmt.Fprintf(stderr, "throwaway PostgreSQL on 127.0.0.1:%d\n", cluster.Port)
		cmd.Env = append(cmd.Env, "TEST_DATABASE_URL="+cluster.URL("postgres"))
	}
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("%s exited with status %d", args[2], exit.ExitCode())
		}
		return err
	}
	return nil
}
