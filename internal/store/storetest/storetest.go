// Package storetest gives each test its own migrated PostgreSQL database, so tests run in
// parallel against the real thing.
//
// TEST_DATABASE_URL names a server and a role that may create databases (`make test` starts a
// throwaway cluster and sets it). The first use in a process migrates a template database
// (one per migration set, shared across test processes under an advisory lock); every test
// then gets a copy made with CREATE DATABASE ... TEMPLATE, dropped when it ends. A test
// without TEST_DATABASE_URL fails: it never skips.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	neturl "net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/migrations"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// AdminURL returns TEST_DATABASE_URL, failing the test when it is not set.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		t.Fatal("TEST_DATABASE_URL is not set: run the tests with `make test`, which provisions PostgreSQL, or set it to a server where this role may create databases")
	}
	return u
}

// withDatabase returns base with its database name replaced.
func withDatabase(base, name string) string {
	u, err := neturl.Parse(base)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// migrationsHash identifies the migration set, so a changed migration gets a new template.
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := migrations.FS.ReadFile(path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func ensureTemplate(ctx context.Context, admin string) (string, error) {
	name := "tierdesk_tmpl_" + migrationsHash()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect to TEST_DATABASE_URL: %w", err)
	}
	defer conn.Close(ctx)
	// One process builds the template; the others wait on the lock and then find it.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(727274)")
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	pool, err := store.OpenOwner(ctx, withDatabase(admin, name))
	if err != nil {
		return "", err
	}
	err = store.Migrate(ctx, pool, nil, slog.New(slog.DiscardHandler))
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" WITH is_template true"); err != nil {
		return "", err
	}
	return name, nil
}

// NewDatabase creates a fresh, migrated database for the test and returns its URL. The
// database is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx, admin) })
	if templateErr != nil {
		t.Fatalf("test database template: %v", templateErr)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "tierdesk_test_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	defer conn.Close(ctx)
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+templateName)
		// Copies of one template cannot start while another copy is starting: retry.
		if err == nil || attempt > 50 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return withDatabase(admin, name)
}

// testLoginPassword is the password of the portal's test login (only for test clusters).
const testLoginPassword = "tierdesk-test-only"

var (
	loginOnce sync.Once
	loginErr  error
)

// AppURL returns the URL of database url as the portal's own login (store.AppLogin), which
// it creates once per process on the test server.
func AppURL(t testing.TB, url string) string {
	t.Helper()
	loginOnce.Do(func() {
		_, loginErr = store.EnsureAppLogin(context.Background(), AdminURL(t), store.AppLogin, testLoginPassword)
	})
	if loginErr != nil {
		t.Fatalf("test login: %v", loginErr)
	}
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.UserPassword(store.AppLogin, testLoginPassword)
	return u.String()
}

// NewPool returns a pool on a fresh test database as the portal's own login, closed when the
// test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := store.Open(context.Background(), AppURL(t, NewDatabase(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Keys is a keyring for tests.
func Keys(t testing.TB) *secret.Keyring {
	t.Helper()
	kr, err := secret.ParseKeyring(secret.NewKey("test"))
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// NewStore returns a Store on a fresh test database.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	return store.New(NewPool(t), Keys(t))
}

// Superuser returns a pool on st's database as the login of TEST_DATABASE_URL itself (a
// superuser under `make test`), which row-level security does not restrict: for tests that
// inspect or tamper with rows directly.
func Superuser(t testing.TB, st *store.Store) *pgxpool.Pool {
	t.Helper()
	admin, err := pgxpool.ParseConfig(AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.Pool().Config().Copy()
	cfg.AfterConnect = nil
	cfg.ConnConfig.User, cfg.ConnConfig.Password = admin.ConnConfig.User, admin.ConnConfig.Password
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
