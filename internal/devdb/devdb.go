// Package devdb runs a local PostgreSQL cluster from the server binaries installed on the
// machine, for `make run` (a cluster kept under ./.data) and `make test` (a throwaway one).
//
// It never downloads anything: when the binaries are missing it says what to install. When the
// process runs as root it runs the server as the `postgres` system user, because PostgreSQL
// refuses to run as root.
package devdb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Superuser is the name of the cluster's superuser role.
const Superuser = "postgres"

// Options tunes a cluster.
type Options struct {
	// Throwaway turns off durability (fsync, full-page writes) for speed; for test clusters.
	Throwaway bool
	// Durable keeps durability on even for a throwaway cluster: for benchmarks whose figures
	// depend on durable commits (fsync and synchronous commit on, as in production).
	Durable bool
}

// Cluster is a PostgreSQL cluster in a directory, listening on 127.0.0.1.
type Cluster struct {
	Dir   string // data directory
	Port  int    // TCP port on 127.0.0.1
	Moved bool   // Dir is not the directory asked for: the server's user could not reach that one

	bin  string
	cred *syscall.Credential // non-nil when the server runs as another user
	opts Options

	asked string // when moved, the directory asked for

	// Throwaway clusters (NewThrowaway) only:
	root string   // the temporary directory made for the cluster, holding the marker
	lock *os.File // the marker, locked while this process lives
}

// ErrNoServer means no PostgreSQL server binaries were found on this machine.
var ErrNoServer = errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install Debian's `postgresql` package (sudo apt-get install -y postgresql) or set DATABASE_URL")

// FindBinDir returns the directory holding initdb, pg_ctl and postgres: $PG_BINDIR, then the
// newest /usr/lib/postgresql/*/bin, then `pg_config --bindir`, then PATH.
func FindBinDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("PG_BINDIR"); dir != "" && has(dir) {
		return dir, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(matches, func(i, j int) bool { return pgVersion(matches[i]) > pgVersion(matches[j]) })
	for _, dir := range matches {
		if has(dir) {
			return dir, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); has(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(p); has(dir) {
			return dir, nil
		}
	}
	return "", ErrNoServer
}

func pgVersion(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Ensure returns the cluster in dir, creating it when dir holds none and starting it when it
// is not running. The port is chosen once, at creation, and kept in dir/tierdesk.port.
func Ensure(ctx context.Context, dir string, opts Options) (*Cluster, error) {
	c, err := place(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	if err := c.ensure(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// place returns the cluster for dir without touching the disk: the server binaries, the
// server's user when running as root, and the directory the cluster lives in.
func place(ctx context.Context, dir string, opts Options) (*Cluster, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, opts: opts}
	if os.Geteuid() == 0 {
		var home string
		if c.cred, home, err = systemUserCred("postgres"); err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: %w", err)
		}
		// A clone under /root (mode 0700) cannot be entered by the server's user. The cluster
		// then lives in that user's home instead, under a name derived from dir, so the next
		// run finds the same one.
		if !c.canReach(ctx, filepath.Dir(dir)) {
			c.Dir = movedDir(home, dir)
			c.Moved = true
			c.asked = dir
		}
	}
	return c, nil
}

// movedDir is where the cluster asked for in dir lives when the server's user, whose home is
// home, cannot reach dir: a directory of its own under home/tierdesk, named by a hash of dir.
func movedDir(home, dir string) string {
	return filepath.Join(home, "tierdesk", fmt.Sprintf("%x", sha256.Sum256([]byte(dir)))[:16], filepath.Base(dir))
}

// ensure creates the cluster in c.Dir unless it holds one, reads its port and starts it
// unless it runs.
func (c *Cluster) ensure(ctx context.Context) error {
	dir := c.Dir
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	portText, err := os.ReadFile(filepath.Join(dir, "tierdesk.port"))
	if err != nil {
		return fmt.Errorf("read port of cluster %s: %w", dir, err)
	}
	if c.Port, err = strconv.Atoi(strings.TrimSpace(string(portText))); err != nil {
		return fmt.Errorf("port file of cluster %s: %w", dir, err)
	}
	if !c.Running() {
		if err := c.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

func systemUserCred(name string) (*syscall.Credential, string, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, "", fmt.Errorf("no %q system user (it comes with Debian's postgresql package): %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, u.HomeDir, nil
}

// canReach reports whether the server's user can enter dir's nearest existing ancestor (the
// directories made below it are given to that user).
func (c *Cluster) canReach(ctx context.Context, dir string) bool {
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", `test -x "$1"`, "sh", dir)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	return cmd.Run() == nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	// Every directory made here, and the one holding the cluster, goes to the server's user.
	made := []string{filepath.Dir(c.Dir)}
	for d := c.Dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		made = append(made, d)
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	for _, d := range made {
		if err := c.chown(d); err != nil {
			return err
		}
	}
	if c.Moved {
		if err := linkThrowaway(c.asked, c.Dir); err != nil {
			return err
		}
	}
	if out, err := c.command(ctx, "initdb", "-D", c.Dir, "-U", Superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb %s: %w: %s", c.Dir, err, bytes.TrimSpace(out))
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	conf := fmt.Sprintf("\n# tierdesk\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = ''\nmax_connections = 200\n", port)
	if c.opts.Throwaway && !c.opts.Durable {
		conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.Dir, "tierdesk.port"), []byte(strconv.Itoa(port)+"\n"), 0o644)
}

// chown gives path to the server's user when it runs as another user.
func (c *Cluster) chown(path string) error {
	if c.cred == nil {
		return nil
	}
	return os.Chown(path, int(c.cred.Uid), int(c.cred.Gid))
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	return cmd
}

// Running reports whether the cluster's server is up.
func (c *Cluster) Running() bool {
	err := c.command(context.Background(), "pg_ctl", "status", "-D", c.Dir).Run()
	return err == nil
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(ctx context.Context) error {
	logFile := filepath.Join(c.Dir, "server.log")
	// The server runs in its own process group so that Ctrl-C in a terminal reaches the
	// portal, which then stops the server cleanly, rather than killing the server mid-write.
	out, err := c.command(ctx, "pg_ctl", "start", "-D", c.Dir, "-l", logFile, "-w", "-t", "60").CombinedOutput()
	if err != nil {
		tail, _ := os.ReadFile(logFile)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return fmt.Errorf("start PostgreSQL in %s: %w: %s\n%s", c.Dir, err, bytes.TrimSpace(out), tail)
	}
	return nil
}

// Stop stops the server (fast shutdown: open sessions are ended, data is kept).
func (c *Cluster) Stop() error {
	out, err := c.command(context.Background(), "pg_ctl", "stop", "-D", c.Dir, "-m", "fast", "-w").CombinedOutput()
	if err != nil {
		return fmt.Errorf("stop PostgreSQL in %s: %w: %s", c.Dir, err, bytes.TrimSpace(out))
	}
	return nil
}

// URL returns a connection URL for database db as the superuser.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, c.Port, db)
}

// CreateDatabase creates database name unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	out, err := c.command(ctx, "psql", "-X", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", Superuser,
		"-d", "postgres", "-tAc", fmt.Sprintf("SELECT 1 FROM pg_database WHERE datname = '%s'", name)).Output()
	if err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if strings.TrimSpace(string(out)) == "1" {
		return nil
	}
	if out, err := c.command(ctx, "createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", Superuser, name).CombinedOutput(); err != nil {
		return fmt.Errorf("create database %s: %w: %s", name, err, bytes.TrimSpace(out))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitReady polls until the server answers a TCP connection or ctx ends.
func (c *Cluster) WaitReady(ctx context.Context) error {
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", c.Port), time.Second)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
