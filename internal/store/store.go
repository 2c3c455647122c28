// Package store is Tierdesk's PostgreSQL layer: every query the portal runs lives here.
//
// It owns the error vocabulary (ErrNotFound, ErrConflict, *ValidationError): pgx's
// ErrNoRows and unique violations are translated at this edge. Tenant queries take the
// partner id as their first argument. Public methods own their transaction; unexported
// helpers take a pgx.Tx.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tierdesk/tierdesk/internal/secret"
)

// ErrNotFound means the row does not exist or is outside the caller's reach.
var ErrNotFound = errors.New("not found")

// ErrConflict means the change collides with an existing row (a unique key) or with the
// row's current state.
var ErrConflict = errors.New("conflict")

// ValidationError carries field-level messages for a form.
type ValidationError struct {
	Fields map[string]string // field name → message
}

// Error lists the fields and their messages.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for f, m := range e.Fields {
		parts = append(parts, f+": "+m)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Store is the portal's database access. It is safe for concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	keys    *secret.Keyring
	now     func() time.Time
	sealing *sealNotes // chains with events recorded by this Store, for its sequencer
}

// New returns a Store over pool. keys encrypts and decrypts secrets at rest, and signs the
// audit log. Its audit events are sealed by a sequencer (StartAuditSealer, SealAudit).
func New(pool *pgxpool.Pool, keys *secret.Keyring) *Store {
	return &Store{pool: pool, keys: keys, now: time.Now, sealing: newSealNotes()}
}

// Pool returns the underlying pool (for River, sessions and health checks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// AppRole is the database role the portal acts as: it owns no table, may only add to and
// read the audit log, and (with row-level security) sees one partner's rows at a time.
const AppRole = "tierdesk_app"

// Open connects the portal's pool to url: every connection acts as AppRole (SET ROLE), so
// whichever login the URL names, the portal runs with the app role's privileges. The
// migrations create AppRole: run them (OpenOwner, Migrate) first.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	return open(ctx, url, true)
}

// OpenOwner connects a pool as the URL's login itself, for migrations and maintenance.
func OpenOwner(ctx context.Context, url string) (*pgxpool.Pool, error) {
	return open(ctx, url, false)
}

func open(ctx context.Context, url string, asApp bool) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "tierdesk"
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	// pgxpool's default (the number of CPUs, at least 4) is small for a portal whose sessions,
	// jobs and pages share the pool; pool_max_conns in the URL still wins.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 20
	}
	if asApp {
		// No statement or idle transaction of the portal may hold a connection for long.
		for k, v := range map[string]string{"statement_timeout": "30s", "idle_in_transaction_session_timeout": "60s"} {
			if cfg.ConnConfig.RuntimeParams[k] == "" {
				cfg.ConnConfig.RuntimeParams[k] = v
			}
		}
	}
	if asApp {
		cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "SET ROLE "+AppRole)
			return err
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database at %s: %w", redactURL(url), err)
	}
	return pool, nil
}

// redactURL hides the password of a connection URL for messages.
func redactURL(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "(unparseable URL)"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// setActingPartner makes the rest of tx act for partnerID (row-level security reads it).
// Under ctx's delegation (WithDelegation), acting for its owner is acting as its delegate
// under it (actingSettings); acting for anyone else leaves the delegation.
func setActingPartner(ctx context.Context, tx pgx.Tx, partnerID int64) error {
	partner, delegation := actingSettings(ctx, partnerID)
	_, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), set_config('tierdesk.delegation', $2, true)", partner, delegation)
	return err
}

// inTx runs fn in a transaction acting for partnerID (0 for none): the partner id is set as
// the transaction-local setting tierdesk.partner_id, which row-level security reads.
//
// The setting travels with BEGIN in one round trip (a simple-protocol query of two statements):
// most of the store's transactions are one or two statements, and a page makes several.
//
// When ctx carries a Scope (WithScope: a staff member limited to customer groups), its
// customers are set beside the partner as tierdesk.scope, in the same round trip.
//
// When ctx carries a delegation (WithDelegation) whose owner is partnerID, the transaction acts
// as the delegate under that delegation instead (actingSettings), and the database decides
// whether it reaches the owner's rows.
func (s *Store) inTx(ctx context.Context, partnerID int64, fn func(pgx.Tx) error) error {
	return s.beginTx(ctx, actingTxOptions(ctx, partnerID), fn)
}

// actingTxOptions begins a transaction that acts for partnerID (0 for none), limited to the
// customers of scope (scopeSetting's value; "" for none), from its first statement. Both are
// numbers formatted by the store: nothing a user typed reaches the SQL.
func actingTxOptions(ctx context.Context, partnerID int64) pgx.TxOptions {
	partner, delegation := actingSettings(ctx, partnerID)
	scope := scopeSetting(ctx)
	if partnerID == 0 && scope == "" {
		return pgx.TxOptions{}
	}
	q := "BEGIN; SELECT set_config('tierdesk.partner_id', '" + partner + "', true)"
	if scope != "" {
		q += ", set_config('tierdesk.scope', '" + scope + "', true)"
	}
	if delegation != "" {
		q += ", set_config('tierdesk.delegation', '" + delegation + "', true)"
	}
	return pgx.TxOptions{BeginQuery: q}
}

// setActing sets the acting partner and ctx's scope in tx (for the transactions the store
// begins with options of their own: the exports).
func setActing(ctx context.Context, tx pgx.Tx, partnerID int64) error {
	partner, delegation := actingSettings(ctx, partnerID)
	_, err := tx.Exec(ctx, "SELECT set_config('tierdesk.partner_id', $1, true), set_config('tierdesk.scope', $2, true), set_config('tierdesk.delegation', $3, true)",
		partner, scopeSetting(ctx), delegation)
	return err
}

// read runs the queries queue adds to b as one implicit transaction acting for partnerID (and
// ctx's scope, as inTx), in one round trip: the acting partner's setting and the queries are sent as one pipeline with a
// single Sync, which PostgreSQL runs as one transaction (Read Committed, like inTx). For reads
// on the pages' path only; anything that writes uses inTx. Each query's callback sees its rows;
// the first error (a callback's included) is returned, translated.
func (s *Store) read(ctx context.Context, partnerID int64, queue func(b *pgx.Batch)) (err error) {
	ctx, end := txSpan(ctx, "read", partnerID)
	defer func() { end(err) }()
	b := &pgx.Batch{}
	partner, delegation := actingSettings(ctx, partnerID)
	b.Queue("SELECT set_config('tierdesk.partner_id', $1, true), set_config('tierdesk.scope', $2, true), set_config('tierdesk.delegation', $3, true)",
		partner, scopeSetting(ctx), delegation)
	queue(b)
	return translate(s.pool.SendBatch(ctx, b).Close())
}

// translate maps pgx errors to the store's vocabulary.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23503"):
		// A duplicate, or a row others still refer to (a group or template a standard uses).
		return fmt.Errorf("%w: %s", ErrConflict, pgErr.ConstraintName)
	case errors.As(err, &pgErr) && pgErr.Code == "22P02":
		// An id that is not a uuid (typed into a URL) names nothing.
		return fmt.Errorf("%w: %s", ErrNotFound, pgErr.Message)
	}
	return err
}
