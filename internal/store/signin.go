package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"time"
)

// SignInStateTTL is how long a pending sign-in (OAuth state) stays valid.
const SignInStateTTL = 10 * time.Minute

// adVerifier binds a verifier's ciphertext to its state.
func adVerifier(stateHash []byte) []byte {
	return append([]byte("signin_states.code_verifier:"), stateHash...)
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// CreateSignInState records a pending sign-in: the OAuth state, the browser binding (the
// value of the pending-sign-in cookie) and the PKCE verifier. Only hashes of the state and
// binding are kept; the verifier is encrypted.
func (s *Store) CreateSignInState(ctx context.Context, state, binding, verifier string) error {
	keyID, sealed := s.keys.Encrypt([]byte(verifier), adVerifier(hash(state)))
	_, err := s.pool.Exec(ctx, `INSERT INTO signin_states (state_hash, binding_hash, key_id, code_verifier) VALUES ($1, $2, $3, $4)`,
		hash(state), hash(binding), keyID, sealed)
	if err != nil {
		return fmt.Errorf("save sign-in state: %w", translate(err))
	}
	return nil
}

// ConsumeSignInState takes the pending sign-in for state, once: it is deleted whatever the
// outcome. It returns the PKCE verifier, or ErrNotFound when the state is unknown, already
// used, older than SignInStateTTL, or bound to another browser.
func (s *Store) ConsumeSignInState(ctx context.Context, state, binding string) (verifier string, err error) {
	var bindingHash, sealed []byte
	var keyID string
	var fresh bool
	// Age is judged by the database's clock, which also wrote created_at.
	err = s.pool.QueryRow(ctx, `DELETE FROM signin_states WHERE state_hash = $1
		RETURNING binding_hash, key_id, code_verifier, created_at > now() - make_interval(secs => $2)`,
		hash(state), SignInStateTTL.Seconds()).Scan(&bindingHash, &keyID, &sealed, &fresh)
	if err != nil {
		return "", fmt.Errorf("sign-in state: %w", translate(err))
	}
	if !fresh || subtle.ConstantTimeCompare(bindingHash, hash(binding)) != 1 {
		return "", fmt.Errorf("sign-in state expired or bound to another browser: %w", ErrNotFound)
	}
	pt, err := s.keys.Decrypt(keyID, sealed, adVerifier(hash(state)))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// DeleteExpiredSignInStates removes pending sign-ins older than SignInStateTTL.
func (s *Store) DeleteExpiredSignInStates(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM signin_states WHERE created_at < now() - make_interval(secs => $1)", SignInStateTTL.Seconds())
	if err != nil {
		return 0, fmt.Errorf("delete expired sign-in states: %w", err)
	}
	return tag.RowsAffected(), nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE expiry < now()")
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
