package devdb

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// helperEnv makes the test binary a process that makes a throwaway cluster, prints its
// directory and waits (for a test to kill it, or for its standard input to close).
const helperEnv = "TIERDESK_DEVDB_TEST_HELPER"

var (
	interruptMu sync.Mutex
	onInterrupt []func()
)

// cleanupOnInterrupt runs f when the test ends, and also if the test binary is interrupted
// (Ctrl-C, SIGTERM) before: that ends it without its tests' cleanups, which would leave the
// clusters behind with their servers running.
func cleanupOnInterrupt(t *testing.T, f func()) {
	once := sync.OnceFunc(f)
	interruptMu.Lock()
	onInterrupt = append(onInterrupt, once)
	interruptMu.Unlock()
	t.Cleanup(once)
}

// track makes a cluster with newCluster and has cleanup run on it when the test ends or the
// binary is interrupted, even while newCluster runs (the handler then waits for it).
func track(t *testing.T, newCluster func() (*Cluster, error), cleanup func(*Cluster)) *Cluster {
	t.Helper()
	made := make(chan *Cluster, 1)
	cleanupOnInterrupt(t, func() {
		if c := <-made; c != nil {
			cleanup(c)
		}
	})
	c, err := newCluster()
	made <- c
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stopAndRemove stops a cluster of Ensure and removes the directory it moved to (t.TempDir
// removes the others).
func stopAndRemove(c *Cluster) {
	_ = c.Stop()
	if c.Moved {
		os.RemoveAll(filepath.Dir(c.Dir))
	}
}

// removeThrowaway removes a cluster of NewThrowaway.
func removeThrowaway(c *Cluster) { _ = c.Remove() }

func TestMain(m *testing.M) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "%v: removing the tests' clusters\n", s)
		interruptMu.Lock()
		for _, f := range onInterrupt {
			f()
		}
		os.Exit(1)
	}()
	if os.Getenv(helperEnv) == "throwaway" {
		c, err := NewThrowaway()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		interruptMu.Lock()
		onInterrupt = append(onInterrupt, func() { _ = c.Remove() })
		interruptMu.Unlock()
		fmt.Println(c.Dir)
		_, _ = io.Copy(io.Discard, os.Stdin)
		if err := c.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// tempDirs are the temporary directories ($TMPDIR) the throwaway tests run with: one the
// server's user can enter, and, as root, one it cannot (the cluster then moves to its home).
func tempDirs(t *testing.T) map[string]string {
	t.Helper()
	open := t.TempDir()
	// t.TempDir and its parent are 0700: open them to the server's user.
	for _, d := range []string{open, filepath.Dir(open)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dirs := map[string]string{"open": open}
	if os.Geteuid() == 0 {
		closed := t.TempDir()
		if err := os.Chmod(closed, 0o700); err != nil {
			t.Fatal(err)
		}
		dirs["closed"] = closed
	}
	return dirs
}

// gone fails the test unless none of paths exists.
func gone(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		} else if !os.IsNotExist(err) {
			t.Error(err)
		}
	}
}

// present fails the test unless dir holds a cluster.
func present(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		t.Errorf("cluster in %s: %v", dir, err)
	}
}

// sweepOurs runs SweepThrowaways and returns what it removed of ours: the paths under ours.
// Clusters moved to the server user's home are swept machine-wide, and other runs may have
// left some there.
func sweepOurs(t *testing.T, w io.Writer, ours ...string) []string {
	t.Helper()
	removed, err := SweepThrowaways(w)
	if err != nil {
		t.Logf("sweep: %v", err)
	}
	return slices.DeleteFunc(removed, func(p string) bool {
		for _, o := range ours {
			if p == o || strings.HasPrefix(p, o+"/") {
				return false
			}
		}
		return true
	})
}

// listens reports whether something accepts connections on port.
func listens(port int) bool {
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err == nil {
		conn.Close()
	}
	return err == nil
}

// NewThrowaway makes a running cluster in a marked directory of its own; Remove stops it and
// deletes every directory it had, also the one it moved to when the server's user could not
// enter $TMPDIR, its TempDir, and the stopped clusters made in there that moved out. As root with an open $TMPDIR, the cluster does not move (the bug that left
// 150 MB behind per test run: every throwaway cluster moved, and only the temporary
// directory was removed).
func TestThrowawayIsRemovedWithEveryDirectoryItHad(t *testing.T) {
	if _, err := FindBinDir(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for kind, tmp := range tempDirs(t) {
		t.Run(kind, func(t *testing.T) {
			t.Setenv("TMPDIR", tmp)
			c := track(t, NewThrowaway, removeThrowaway)
			if want := kind == "closed"; c.Moved != want {
				t.Fatalf("cluster in %s moved %v, want %v", c.Dir, c.Moved, want)
			}
			if !c.Moved && filepath.Dir(c.Dir) != c.root {
				t.Fatalf("cluster in %s, not in its directory %s", c.Dir, c.root)
			}
			if !strings.HasPrefix(c.root, filepath.Join(tmp, ThrowawayPrefix)) {
				t.Fatalf("throwaway directory %s is not in $TMPDIR %s", c.root, tmp)
			}
			if !c.Running() || !listens(c.Port) {
				t.Fatalf("the server of %s is not running", c.Dir)
			}
			if _, err := os.Stat(filepath.Join(c.root, markerName)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(c.TempDir(), "left-behind"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			// A test under it makes a cluster in a closed directory of its TempDir (as root, it
			// moves out), and stops it but forgets the moved directory.
			closed := filepath.Join(c.TempDir(), "closed")
			if err := os.Mkdir(closed, 0o700); err != nil {
				t.Fatal(err)
			}
			inner := track(t, func() (*Cluster, error) { return Ensure(ctx, filepath.Join(closed, "pg"), Options{Throwaway: true}) }, stopAndRemove)
			if inner.Moved != (os.Geteuid() == 0) {
				t.Fatalf("the test's cluster in %s moved %v", inner.Dir, inner.Moved)
			}
			if err := inner.Stop(); err != nil {
				t.Fatal(err)
			}
			dir, root := c.Dir, c.root
			if err := c.Remove(); err != nil {
				t.Fatal(err)
			}
			gone(t, root, dir, inner.Dir)
			if c.Moved {
				gone(t, filepath.Dir(dir))
			}
			if inner.Moved {
				gone(t, filepath.Dir(inner.Dir))
			}
			if listens(c.Port) {
				t.Errorf("something still listens on the port of the removed cluster, %d", c.Port)
			}
			if entries, err := os.ReadDir(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("reading $TMPDIR: %v", err)
			} else if len(entries) != 0 {
				t.Errorf("$TMPDIR holds %v after Remove", entries)
			}
		})
	}
}

// A throwaway cluster whose process was SIGKILLed is swept once its server is not running:
// while the server runs (its tests may still use it) it is named and left alone. A cluster of
// Ensure (such as `make run`'s, moved or not) and the throwaway cluster of a live process are
// never touched, even with a name like a throwaway's.
func TestSweepRemovesOnlyAbandonedThrowawaysWhoseServerIsDown(t *testing.T) {
	if _, err := FindBinDir(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for kind, tmp := range tempDirs(t) {
		t.Run(kind, func(t *testing.T) {
			t.Setenv("TMPDIR", tmp)

			kept := track(t, func() (*Cluster, error) {
				return Ensure(ctx, filepath.Join(tmp, ThrowawayPrefix+"kept", "pg"), Options{})
			}, stopAndRemove)
			if err := kept.Stop(); err != nil { // a stopped kept cluster: only the missing marker protects it
				t.Fatal(err)
			}
			if want := kind == "closed"; kept.Moved != want {
				t.Fatalf("kept cluster in %s moved %v, want %v", kept.Dir, kept.Moved, want)
			}

			live := track(t, NewThrowaway, removeThrowaway)

			// A process that makes a throwaway cluster and is SIGKILLed: its server runs on.
			helper := exec.Command(os.Args[0], "-test.run=^$")
			helper.Env = append(os.Environ(), helperEnv+"=throwaway")
			helper.Stderr = os.Stderr
			stdin, err := helper.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stdout, err := helper.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := helper.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				_ = helper.Process.Kill()
				_ = helper.Wait()
				t.Fatalf("helper made no cluster: %v", err)
			}
			abandoned := strings.TrimSpace(line)
			if err := helper.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = helper.Wait()
			// The helper's throwaway directory (which holds the cluster unless it moved).
			roots, _ := filepath.Glob(filepath.Join(tmp, ThrowawayPrefix+"*"))
			roots = slices.DeleteFunc(roots, func(r string) bool {
				return r == live.root || r == filepath.Join(tmp, ThrowawayPrefix+"kept")
			})
			if len(roots) != 1 {
				t.Fatalf("throwaway directories besides the live one: %v", roots)
			}
			root := roots[0]
			if (kind == "open") != (filepath.Dir(abandoned) == root) {
				t.Fatalf("the helper's cluster is in %s, its directory is %s", abandoned, root)
			}
			// Its server still runs: it is left alone, and named.
			orphan := track(t, func() (*Cluster, error) { return Ensure(ctx, abandoned, Options{Throwaway: true}) }, // finds it running
				func(c *Cluster) { _ = c.Stop(); os.RemoveAll(root); os.RemoveAll(filepath.Dir(abandoned)) })
			ours := []string{tmp, filepath.Dir(abandoned), filepath.Dir(kept.Dir), filepath.Dir(live.Dir)}
			var out bytes.Buffer
			if removed := sweepOurs(t, &out, ours...); len(removed) != 0 {
				t.Fatalf("sweep with the orphan's server running removed %v", removed)
			}
			if !strings.Contains(out.String(), abandoned) {
				t.Errorf("the sweep does not name the cluster it left alone: %q", out.String())
			}
			present(t, abandoned)

			// Its server stopped, it is swept, with the directory it moved to.
			if err := orphan.Stop(); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			removed := sweepOurs(t, &out, ours...)
			want := []string{root}
			if kind == "closed" {
				want = []string{filepath.Dir(abandoned), root}
			}
			if !slices.Equal(removed, want) {
				t.Errorf("sweep removed %v, want %v (output %q)", removed, want, out.String())
			}
			gone(t, root, abandoned)

			// The kept cluster and the live throwaway one are untouched.
			present(t, kept.Dir)
			present(t, live.Dir)
			if !live.Running() {
				t.Errorf("the live throwaway cluster's server was stopped")
			}
			if _, err := os.Stat(filepath.Join(live.root, markerName)); err != nil {
				t.Error(err)
			}
		})
	}
}

// As root, a cluster that a test under `portal devdb exec` asks for in a directory the server's
// user cannot enter moves to that user's home, out of the throwaway directory: it is linked to
// it, and swept once that directory is gone (the run is over) and its server is down. A moved
// cluster made elsewhere (`make run`'s) is not.
func TestSweepRemovesMovedClustersOfRunsThatAreOver(t *testing.T) {
	if _, err := FindBinDir(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Setenv("TMPDIR", t.TempDir())
	// The throwaway directory of a run, and a test's cluster in a closed directory inside it.
	root, err := os.MkdirTemp("", ThrowawayPrefix)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := markThrowaway(root)
	if err != nil {
		t.Fatal(err)
	}
	closed := filepath.Join(root, "tmp", "TestSomething", "001")
	if err := os.MkdirAll(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	c := track(t, func() (*Cluster, error) { return Ensure(ctx, filepath.Join(closed, "pg"), Options{Throwaway: true}) }, stopAndRemove)
	// `make run`'s cluster, from a clone the server's user cannot enter.
	kept := track(t, func() (*Cluster, error) { return Ensure(ctx, filepath.Join(t.TempDir(), ".data", "pg"), Options{}) }, stopAndRemove)
	if err := kept.Stop(); err != nil {
		t.Fatal(err)
	}
	if c.Moved != (os.Geteuid() == 0) || kept.Moved != c.Moved {
		t.Fatalf("moved: test cluster %v, kept %v; want both as root only", c.Moved, kept.Moved)
	}

	ours := []string{os.TempDir(), filepath.Dir(c.Dir), filepath.Dir(kept.Dir)}
	// While the run lives, nothing goes.
	if removed := sweepOurs(t, io.Discard, ours...); len(removed) != 0 {
		t.Fatalf("sweep during the run removed %v", removed)
	}
	// The run ends (its own cluster removed) while the test's server still runs: left alone.
	if err := lock.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if removed := sweepOurs(t, &out, ours...); len(removed) != 0 {
		t.Fatalf("sweep with the test's server running removed %v", removed)
	}
	if c.Moved && !strings.Contains(out.String(), c.Dir) {
		t.Errorf("the sweep does not name the cluster it left alone: %q", out.String())
	}
	present(t, c.Dir)
	// Its server down, it goes; `make run`'s stays.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	removed := sweepOurs(t, io.Discard, ours...)
	if c.Moved {
		if !slices.Equal(removed, []string{filepath.Dir(c.Dir)}) {
			t.Errorf("sweep removed %v, want the test's moved cluster %s", removed, filepath.Dir(c.Dir))
		}
		gone(t, filepath.Dir(c.Dir))
	} else if len(removed) != 0 {
		t.Errorf("sweep removed %v", removed)
	}
	present(t, kept.Dir)
}

// A marked directory is swept only once its maker lets go of the marker, which gets its name
// only once locked; a directory without a marker (an older Tierdesk's, or one being made) never
// is.
func TestSweepLeavesUnmarkedDirectoriesAlone(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	unmarked := filepath.Join(tmp, ThrowawayPrefix+"old", "pg")
	if err := os.MkdirAll(unmarked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unmarked, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root, err := os.MkdirTemp("", ThrowawayPrefix)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := markThrowaway(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, markerName+".new")); !os.IsNotExist(err) {
		t.Fatalf("the unlocked marker name is left: %v", err)
	}
	if removed := sweepOurs(t, io.Discard, tmp); len(removed) != 0 {
		t.Fatalf("removed %v while the marker is held", removed)
	}
	if err := lock.Close(); err != nil {
		t.Fatal(err)
	}
	if removed := sweepOurs(t, io.Discard, tmp); !slices.Equal(removed, []string{root}) {
		t.Fatalf("removed %v, want the marked directory %s only", removed, root)
	}
	present(t, unmarked)
}
