package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/tierdesk/tierdesk/migrations"
)

// MigrationState says how far the schema is from the binary's migrations.
type MigrationState struct {
	GooseCurrent, GooseTarget int64
	RiverCurrent, RiverTarget int
}

// Current reports whether every migration has been applied.
func (m MigrationState) Current() bool {
	return m.GooseCurrent >= m.GooseTarget && m.RiverCurrent >= m.RiverTarget
}

func gooseProvider(db *sql.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
}

// Migrate applies Tierdesk's migrations, then River's, and writes what it applied to out
// (nil for silence). Several processes may call it at once: an advisory lock serializes them.
func Migrate(ctx context.Context, pool *pgxpool.Pool, out io.Writer, log *slog.Logger) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := gooseProvider(db)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		if out != nil {
			fmt.Fprintf(out, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(1e6))
		}
	}
	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("load River migrations: %w", err)
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("apply River migrations: %w", err)
	}
	for _, v := range res.Versions {
		if out != nil {
			fmt.Fprintf(out, "applied River migration %03d %s\n", v.Version, v.Name)
		}
	}
	return nil
}

// Migrations reports the current and target versions of both migration sets.
func Migrations(ctx context.Context, pool *pgxpool.Pool) (MigrationState, error) {
	var st MigrationState
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		return st, err
	}
	if st.GooseCurrent, st.GooseTarget, err = p.GetVersions(ctx); err != nil {
		return st, fmt.Errorf("read migration versions: %w", err)
	}
	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return st, err
	}
	all := rm.AllVersions()
	if len(all) > 0 {
		st.RiverTarget = all[len(all)-1].Version
	}
	existing, err := rm.ExistingVersions(ctx)
	if err != nil {
		return st, fmt.Errorf("read River migration versions: %w", err)
	}
	if len(existing) > 0 {
		st.RiverCurrent = existing[len(existing)-1].Version
	}
	return st, nil
}

// MigrationStatus writes one line per Tierdesk migration (applied or pending) to out.
func MigrationStatus(ctx context.Context, pool *pgxpool.Pool, out io.Writer) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		return err
	}
	status, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("read migration status: %w", err)
	}
	for _, s := range status {
		when := "pending"
		if s.State == goose.StateApplied {
			when = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(out, "%-40s %s\n", s.Source.Path, when)
	}
	st, err := Migrations(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "River schema version %d of %d\n", st.RiverCurrent, st.RiverTarget)
	return nil
}
