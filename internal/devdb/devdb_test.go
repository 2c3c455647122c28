package devdb

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A cluster is found again by the next Ensure of the same directory, with its data; as root,
// a directory the postgres user cannot enter (a clone under /root) moves the cluster to that
// user's home under a stable name instead of failing.
func TestEnsureKeepsTheClusterAndWorksAroundClosedDirectories(t *testing.T) {
	if _, err := FindBinDir(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	parent := t.TempDir()
	if os.Geteuid() == 0 {
		// t.TempDir is 0700 and root's: the postgres user cannot enter it.
		if err := os.Chmod(parent, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	want := filepath.Join(parent, "data", "pg")
	c := track(t, func() (*Cluster, error) { return Ensure(ctx, want, Options{Throwaway: true}) }, stopAndRemove)
	if os.Geteuid() == 0 {
		if !c.Moved || strings.HasPrefix(c.Dir, parent) {
			t.Fatalf("as root with a closed directory the cluster should move: dir %s moved %v", c.Dir, c.Moved)
		}
	} else if c.Moved || c.Dir != want {
		t.Fatalf("cluster in %s (moved %v), want %s", c.Dir, c.Moved, want)
	}
	if err := c.CreateDatabase(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	again, err := Ensure(ctx, want, Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Dir != c.Dir || again.Port != c.Port {
		t.Fatalf("second Ensure found %s:%d, first made %s:%d", again.Dir, again.Port, c.Dir, c.Port)
	}
	out, err := again.command(ctx, "psql", "-X", "-h", "127.0.0.1", "-p", strconv.Itoa(again.Port), "-U", Superuser, "-d", "kept", "-tAc", "SELECT current_database()").Output()
	if err != nil || strings.TrimSpace(string(out)) != "kept" {
		t.Fatalf("database made before the restart: %q %v", out, err)
	}
}
