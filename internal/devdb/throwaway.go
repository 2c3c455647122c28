package devdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ThrowawayPrefix begins the name of the temporary directory of every throwaway cluster.
const ThrowawayPrefix = "tierdesk-testdb-"

// markerName is the file that marks a temporary directory as a throwaway cluster's. The
// process that made the cluster holds an exclusive flock on it for as long as it lives, so
// that a lock anyone else can take means the cluster was abandoned: the kernel drops the lock
// when that process ends, however it ends (SIGKILL included).
const markerName = "tierdesk-throwaway"

// NewThrowaway makes and starts a throwaway cluster (durability off, see Options) in a new
// directory under the temporary directory ($TMPDIR), marked as throwaway and locked by this
// process, with a temporary directory of its own (TempDir). Remove stops and deletes it;
// when this process ends without doing so (SIGKILL), SweepThrowaways deletes it later.
//
// As root, the directory is given to the server's user, so that the cluster is not moved to
// that user's home; if it moves all the same ($TMPDIR closed to that user), Remove and
// SweepThrowaways delete the moved directory too.
//
// It takes no context on purpose: a cluster interrupted while initdb or the server start runs
// cannot be removed reliably (the server may come up after the directory is gone). It takes a
// few seconds; a caller interrupted meanwhile removes the cluster once it is made.
func NewThrowaway() (*Cluster, error) {
	return newThrowaway(Options{Throwaway: true})
}

// NewDurableThrowaway is NewThrowaway with durability on (fsync, synchronous commit and
// full-page writes, as PostgreSQL ships them): for benchmarks that measure durable commits.
func NewDurableThrowaway() (*Cluster, error) {
	return newThrowaway(Options{Throwaway: true, Durable: true})
}

func newThrowaway(opts Options) (*Cluster, error) {
	ctx := context.Background()
	root, err := os.MkdirTemp("", ThrowawayPrefix)
	if err != nil {
		return nil, err
	}
	lock, err := markThrowaway(root)
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if os.Geteuid() == 0 {
		// The server's user must enter the directory (MkdirTemp made it 0700, root's). Without
		// that user, place says what is missing.
		if cred, _, err := systemUserCred("postgres"); err == nil {
			if err := os.Chown(root, int(cred.Uid), int(cred.Gid)); err != nil {
				os.RemoveAll(root)
				lock.Close()
				return nil, err
			}
		}
	}
	c, err := place(ctx, filepath.Join(root, "pg"), opts)
	if err != nil {
		os.RemoveAll(root)
		lock.Close()
		return nil, err
	}
	c.root, c.lock = root, lock
	err = os.Mkdir(c.TempDir(), 0o777|os.ModeSticky)
	if err == nil {
		err = os.Chmod(c.TempDir(), 0o777|os.ModeSticky) // despite the umask, like /tmp
	}
	if err == nil {
		err = c.ensure(ctx)
	}
	if err != nil {
		if rmErr := c.Remove(); rmErr != nil {
			err = fmt.Errorf("%w (and removing it: %v)", err, rmErr)
		}
		return nil, err
	}
	return c, nil
}

// TempDir returns a directory for temporary files that goes with a throwaway cluster: `portal
// devdb exec` makes it its command's $TMPDIR, so that whatever the tests leave there (build
// output, browser profiles, the clusters of tests that were interrupted) goes too.
func (c *Cluster) TempDir() string {
	if c.root == "" {
		return ""
	}
	return filepath.Join(c.root, "tmp")
}

// markThrowaway creates the marker in root and locks it. The marker gets its name only once
// locked, so that no sweeper can take an unlocked marker of a live process for abandoned.
func markThrowaway(root string) (*os.File, error) {
	tmp := filepath.Join(root, markerName+".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		_, err = fmt.Fprintf(f, "throwaway PostgreSQL cluster of process %d (removed when it ends)\n", os.Getpid())
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(root, markerName))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("mark throwaway cluster in %s: %w", root, err)
	}
	return f, nil
}

// linkName is the file, beside a moved cluster, naming the throwaway directory it was asked
// for in (a test's cluster made under `portal devdb exec`): it belongs to that directory's run,
// and is swept once that directory is gone.
const linkName = "tierdesk-throwaway-of"

// linkThrowaway records, beside the cluster moved to dir from asked, the throwaway directory
// that holds asked, if any.
func linkThrowaway(asked, dir string) error {
	for d := filepath.Dir(asked); ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, markerName)) {
			return os.WriteFile(filepath.Join(filepath.Dir(dir), linkName), []byte(d+"\n"+asked+"\n"), 0o644)
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// Remove stops the server of a cluster made by NewThrowaway and deletes its directories (also
// the one it moved to, and its TempDir), and the stopped clusters made in TempDir that moved
// out of it, then lets go of its marker. A cluster made by Ensure is never removed.
func (c *Cluster) Remove() error {
	if c.root == "" {
		return fmt.Errorf("remove cluster %s: only throwaway clusters are removed", c.Dir)
	}
	var errs []error
	if pid := serverPID(c.Dir); pid != 0 {
		if err := c.Stop(); err != nil {
			// Fast shutdown failed: end it at once, the data is going anyway.
			out, err2 := c.command(context.Background(), "pg_ctl", "stop", "-D", c.Dir, "-m", "immediate", "-w").CombinedOutput()
			if err2 != nil && serverPID(c.Dir) != 0 {
				// Deleting the directory still ends the server: the postmaster shuts down
				// when its lock file (postmaster.pid) is gone.
				errs = append(errs, err, fmt.Errorf("stop PostgreSQL in %s (immediate): %w: %s", c.Dir, err2, bytes.TrimSpace(out)))
			}
		}
	}
	if c.Moved {
		if err := os.RemoveAll(filepath.Dir(c.Dir)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(c.root); err != nil {
		errs = append(errs, err)
	}
	// The clusters its command's tests made in closed directories of TempDir, moved out of it
	// (and stopped, but not removed, by a test that forgot the moved directory).
	if _, err := sweepLinked(c.root, io.Discard); err != nil {
		errs = append(errs, err)
	}
	c.lock.Close()
	c.root = ""
	return errors.Join(errs...)
}

// sweepLinked removes the moved clusters linked to a throwaway directory that is gone (to
// root only, unless it is empty) whose server is not running, and returns their directories.
func sweepLinked(root string, w io.Writer) ([]string, error) {
	if os.Geteuid() != 0 {
		return nil, nil // only root's clusters move
	}
	_, home, err := systemUserCred("postgres")
	if err != nil {
		return nil, nil
	}
	links, _ := filepath.Glob(filepath.Join(home, "tierdesk", "*", linkName))
	var removed []string
	var errs []error
	for _, link := range links {
		gone, err := sweepMoved(link, home, root, w)
		if err != nil {
			errs = append(errs, err)
		}
		removed = append(removed, gone...)
	}
	return removed, errors.Join(errs...)
}

// SweepThrowaways deletes the throwaway clusters that runs which are gone left behind (a run
// that was SIGKILLed cannot clean up after itself): those in the temporary directory whose
// marker no process holds and whose server is not running, with the directory each moved to;
// and, as root, the moved clusters that tests made inside a throwaway directory that is gone.
// It never touches a directory without a marker or link (a cluster of Ensure made elsewhere,
// such as `make run`'s, or one still being made), one whose maker is alive, or one whose
// server runs, perhaps still used by a test its maker left: it names the latter on w. It
// returns the directories removed.
func SweepThrowaways(w io.Writer) ([]string, error) {
	roots, err := filepath.Glob(filepath.Join(os.TempDir(), ThrowawayPrefix+"*"))
	if err != nil {
		return nil, err
	}
	home := "" // where clusters move, as root
	if os.Geteuid() == 0 {
		if _, h, err := systemUserCred("postgres"); err == nil {
			home = h
		}
	}
	var removed []string
	var errs []error
	for _, root := range roots {
		if root, err = filepath.Abs(root); err != nil {
			errs = append(errs, err)
			continue
		}
		gone, err := sweep(root, home, w)
		if err != nil {
			errs = append(errs, err)
		}
		removed = append(removed, gone...)
	}
	gone, err := sweepLinked("", w)
	if err != nil {
		errs = append(errs, err)
	}
	return append(removed, gone...), errors.Join(errs...)
}

// sweepMoved removes the moved cluster beside link when the throwaway directory it was asked
// for in is gone (its run is over; only, unless empty, when that is only) and its server is
// not running.
func sweepMoved(link, home, only string, w io.Writer) ([]string, error) {
	b, err := os.ReadFile(link)
	if err != nil {
		return nil, nil
	}
	root, asked, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	dir := filepath.Dir(link)
	if !strings.HasPrefix(filepath.Base(root), ThrowawayPrefix) || !strings.HasPrefix(asked, root+"/") ||
		filepath.Dir(movedDir(home, asked)) != dir || (only != "" && root != only) || exists(root) {
		return nil, nil // not what linkThrowaway writes, not asked for, or its run is not over
	}
	cluster := movedDir(home, asked)
	if pid := serverPID(cluster); pid != 0 {
		fmt.Fprintf(w, "left alone: PostgreSQL in %s, made in %s, whose run is gone but whose server (pid %d) still runs\n", cluster, asked, pid)
		return nil, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	return []string{dir}, nil
}

// sweep removes the throwaway cluster in root when it is abandoned and its server is not
// running, returning the directories it removed.
func sweep(root, home string, w io.Writer) ([]string, error) {
	f, err := os.Open(filepath.Join(root, markerName))
	if err != nil {
		return nil, nil // no marker: not a throwaway cluster, or one still being made
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil, nil // its maker is alive (or another sweeper is at it)
	}
	if _, err := os.Stat(filepath.Join(root, markerName)); err != nil {
		return nil, nil // removed by whoever held the lock before us
	}
	dirs := []string{filepath.Join(root, "pg")}
	if home != "" {
		// Where the cluster went if the server's user could not reach root.
		dirs = append(dirs, movedDir(home, dirs[0]))
	}
	for _, d := range dirs {
		if pid := serverPID(d); pid != 0 {
			fmt.Fprintf(w, "left alone: throwaway PostgreSQL in %s, whose run is gone but whose server (pid %d) still runs\n", d, pid)
			return nil, nil
		}
	}
	var removed []string
	if home != "" {
		if moved := filepath.Dir(dirs[1]); exists(moved) {
			if err := os.RemoveAll(moved); err != nil {
				return removed, err
			}
			removed = append(removed, moved)
		}
	}
	if err := os.RemoveAll(root); err != nil {
		return removed, err
	}
	return append(removed, root), nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// serverPID returns the pid of the server running the cluster in dir, or 0 when none runs:
// no postmaster.pid, or one naming a process that is gone. When it cannot tell, it says the
// server runs (-1).
func serverPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return -1
	}
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return 0
	}
	return pid
}
