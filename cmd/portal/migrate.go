package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/tierdesk/tierdesk/internal/store"
)

// migrateCommand runs `portal migrate up|status`. It needs only DATABASE_URL.
func migrateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		return fmt.Errorf("usage: portal migrate up|status")
	}
	url := getenv("MIGRATE_DATABASE_URL")
	if url == "" {
		url = getenv("DATABASE_URL")
	}
	if url == "" {
		return &configError{"DATABASE_URL", "is not set", "set it (or MIGRATE_DATABASE_URL) to the PostgreSQL URL to migrate"}
	}
	if args[0] == "status" {
		pool, err := store.OpenOwner(ctx, url)
		if err != nil {
			return err
		}
		defer pool.Close()
		return store.MigrationStatus(ctx, pool, stdout)
	}
	if err := migrateDatabase(ctx, url, stdout, slog.New(slog.NewTextHandler(stderr, nil))); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations are current")
	return nil
}

// migrateDatabase applies every migration as the owner login of url.
func migrateDatabase(ctx context.Context, url string, out io.Writer, log *slog.Logger) error {
	pool, err := store.OpenOwner(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	return store.Migrate(ctx, pool, out, log)
}
