package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SessionStore returns the store of the portal's web sessions (scs, table sessions; the token
// is hashed by scs before it gets here). It removes no expired rows by itself: the clean-up job
// does (DeleteExpiredSessions), so that no process runs a goroutine of its own for it.
//
// scs commits a session on every request when it has an idle timeout, only to move the expiry
// forward. This store skips that write when the session's data is what the table holds and the
// new expiry moves the stored one by less than slack: a page view then writes nothing (no WAL
// flush), and an active session's row is written at most once per slack. The price is that an
// idle session may end up to slack before its idle timeout. It lives here, not with the
// handlers, because SQL lives only in the store.
func (s *Store) SessionStore(slack time.Duration) scs.Store {
	return &sessionStore{pool: s.pool, slack: slack, known: map[string]storedSession{}}
}

// sessionStore implements scs.Store and scs.CtxStore.
type sessionStore struct {
	pool  *pgxpool.Pool
	slack time.Duration

	mu    sync.Mutex
	known map[string]storedSession // what this process last read or wrote for each token
	ops   int
}

// storedSession is what the table holds for a token, as far as this process knows.
type storedSession struct {
	sum    [32]byte
	expiry time.Time
}

// Find is FindCtx without a context (scs.Store).
func (ss *sessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context (scs.Store).
func (ss *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context (scs.Store).
func (ss *sessionStore) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// FindCtx returns the data of an unexpired session, and remembers what the table holds.
func (ss *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	var expiry time.Time
	err := ss.pool.QueryRow(ctx, "SELECT data, expiry FROM sessions WHERE token = $1 AND current_timestamp < expiry", token).Scan(&b, &expiry)
	if errors.Is(err, pgx.ErrNoRows) {
		ss.forget(token)
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	ss.remember(token, storedSession{sum: sha256.Sum256(b), expiry: expiry})
	return b, true, nil
}

// CommitCtx saves a session, unless the table holds the same data with an expiry less than
// slack earlier (see SessionStore).
func (ss *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	now := storedSession{sum: sha256.Sum256(b), expiry: expiry}
	ss.mu.Lock()
	was, ok := ss.known[token]
	ss.mu.Unlock()
	if ok && was.sum == now.sum && expiry.Sub(was.expiry) < ss.slack && was.expiry.After(time.Now()) {
		return nil
	}
	if _, err := ss.pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`, token, b, expiry); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	ss.remember(token, now)
	return nil
}

// DeleteCtx removes a session.
func (ss *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	ss.forget(token)
	if _, err := ss.pool.Exec(ctx, "DELETE FROM sessions WHERE token = $1", token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (ss *sessionStore) remember(token string, st storedSession) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.known[token] = st
	// Now and then, forget sessions that have expired (the map holds only live ones).
	if ss.ops++; ss.ops%1024 == 0 {
		now := time.Now()
		for t, k := range ss.known {
			if !k.expiry.After(now) {
				delete(ss.known, t)
			}
		}
	}
}

func (ss *sessionStore) forget(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.known, token)
}
