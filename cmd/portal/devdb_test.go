package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tierdesk/tierdesk/internal/devdb"
)

// devdbRun is `portal devdb exec` (the built binary) running as a child process, in a process
// group of its own, with $TMPDIR set to a directory of the test's.
type devdbRun struct {
	cmd     *exec.Cmd
	tmp     string
	cluster string // the cluster's directory, from the line devdb exec prints
	stdout  *bufio.Scanner
	stderr  chan string // the lines after the cluster's, closed at EOF
}

// devdbTempDir returns a $TMPDIR for devdb exec: open to PostgreSQL's user or, closed, not
// (as root, the cluster then moves to that user's home).
func devdbTempDir(t *testing.T, closed bool) string {
	t.Helper()
	tmp := t.TempDir() // 0700, in a 0700 directory
	if closed {
		return tmp
	}
	for _, d := range []string{tmp, filepath.Dir(tmp)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return tmp
}

// startDevdb starts argv (which runs `portal devdb exec`) and waits for the line that names
// the throwaway cluster.
func startDevdb(t *testing.T, tmp string, argv ...string) *devdbRun {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = withoutEnv(os.Environ(), "TEST_DATABASE_URL", "TMPDIR")
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Pipes of our own rather than StdoutPipe and StderrPipe, which Wait closes: the portal may
	// outlive the child (its parent).
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, stderrW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	err = cmd.Start()
	stdoutW.Close()
	stderrW.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdout.Close(); stderr.Close() })
	r := &devdbRun{cmd: cmd, tmp: tmp, stdout: bufio.NewScanner(stdout), stderr: make(chan string, 100)}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	var before []string
	for sc.Scan() {
		line := sc.Text()
		if _, rest, ok := strings.Cut(line, "throwaway PostgreSQL on "); ok {
			if _, dir, ok := strings.Cut(rest, " in "); ok {
				r.cluster = dir
				break
			}
		}
		before = append(before, line)
	}
	if r.cluster == "" {
		t.Fatalf("devdb exec made no cluster:\n%s", strings.Join(before, "\n"))
	}
	if _, err := os.Stat(filepath.Join(r.cluster, "PG_VERSION")); err != nil {
		t.Fatalf("the cluster devdb exec named: %v", err)
	}
	go func() {
		defer close(r.stderr)
		for sc.Scan() {
			r.stderr <- sc.Text()
		}
	}()
	return r
}

// withoutEnv returns env without the variables names.
func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, n := range names {
			keep = keep && name != n
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// waitReady reads the command's standard output until it says "ready".
func (r *devdbRun) waitReady(t *testing.T) {
	t.Helper()
	for r.stdout.Scan() {
		if r.stdout.Text() == "ready" {
			return
		}
	}
	t.Fatal("the command under devdb exec never said ready")
}

// output returns what devdb exec wrote on standard error after the cluster's line, once it
// (and every other holder of that pipe) has ended.
func (r *devdbRun) output() string {
	var lines []string
	for l := range r.stderr {
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// cleanedUp fails the test unless the cluster, the directory it moved to and its throwaway
// directory are gone, and no process is left of the group.
func (r *devdbRun) cleanedUp(t *testing.T, out string) {
	t.Helper()
	paths := []string{r.cluster}
	if !strings.HasPrefix(r.cluster, r.tmp) {
		paths = append(paths, filepath.Dir(r.cluster)) // moved: its own directory in the server user's home
	}
	for _, p := range paths {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there (%v); devdb exec said:\n%s", p, err, out)
		}
	}
	if entries, err := os.ReadDir(r.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("reading $TMPDIR: %v", err)
	} else if len(entries) != 0 {
		t.Errorf("$TMPDIR still holds %v; devdb exec said:\n%s", entries, out)
	}
}

// The throwaway cluster of `portal devdb exec` is removed whatever ends the command: it
// failing, Ctrl-C (SIGINT to the whole process group), SIGTERM to the portal alone, or the
// portal's parent dying (`go run` dies of SIGTERM without passing it on). As root, with a
// $TMPDIR the server's user cannot enter, the cluster moves to that user's home and is
// removed from there.
func TestDevdbExecRemovesTheThrowawayClusterOnEveryWayOut(t *testing.T) {
	if _, err := devdb.FindBinDir(); err != nil {
		t.Fatal(err)
	}
	bin, err := buildPortal()
	if err != nil {
		t.Fatal(err)
	}
	waitCommand := []string{bin, "devdb", "exec", "--", "sh", "-c", "echo ready; exec sleep 600"}

	t.Run("command fails", func(t *testing.T) {
		// The command gets a $TMPDIR of the throwaway directory, and what it leaves there goes.
		r := startDevdb(t, devdbTempDir(t, false), bin, "devdb", "exec", "--", "sh", "-c",
			`test -n "$TEST_DATABASE_URL" && touch "$TMPDIR/left-behind" && echo "$TMPDIR" && exit 3`)
		if !r.stdout.Scan() || !strings.HasPrefix(r.stdout.Text(), filepath.Join(r.tmp, devdb.ThrowawayPrefix)) {
			t.Errorf("the command's $TMPDIR is %q, not in the throwaway directory", r.stdout.Text())
		}
		out := r.output()
		err := r.cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(out, "sh exited with status 3") {
			t.Errorf("devdb exec ended with %v, said:\n%s", err, out)
		}
		r.cleanedUp(t, out)
	})

	for _, tc := range []struct {
		name   string
		closed bool // $TMPDIR closed to the server's user
		signal func(r *devdbRun) error
	}{
		{"Ctrl-C to the process group", false, func(r *devdbRun) error { return syscall.Kill(-r.cmd.Process.Pid, syscall.SIGINT) }},
		{"SIGTERM to the portal alone, moved cluster", true, func(r *devdbRun) error { return r.cmd.Process.Signal(syscall.SIGTERM) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startDevdb(t, devdbTempDir(t, tc.closed), waitCommand...)
			r.waitReady(t)
			if err := tc.signal(r); err != nil {
				t.Fatal(err)
			}
			out := r.output()
			if err := r.cmd.Wait(); err == nil {
				t.Errorf("interrupted devdb exec exited 0:\n%s", out)
			}
			r.cleanedUp(t, out)
			// The portal waited for its command: nothing of the group is left.
			if err := syscall.Kill(-r.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("processes of the group are left (kill 0: %v)", err)
			}
		})
	}

	t.Run("parent dies", func(t *testing.T) {
		// sh stands for `go run`: the portal is its child, and it dies without a word.
		r := startDevdb(t, devdbTempDir(t, false), append([]string{"sh", "-c", `"$@"; echo unreachable`, "sh"}, waitCommand...)...)
		r.waitReady(t)
		if err := r.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = r.cmd.Wait()
		// The portal is no child of ours now: its standard error closing (it and sleep gone) is
		// its end.
		out := r.output()
		if !strings.Contains(out, "interrupted") {
			t.Errorf("the orphaned portal did not stop at once:\n%s", out)
		}
		r.cleanedUp(t, out)
	})
}
