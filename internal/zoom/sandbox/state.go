package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// stateVersion is bumped when the state file format changes incompatibly.
const stateVersion = 1

// state is everything the sandbox remembers. It is guarded by Sandbox.mu and is what the
// state file holds.
type state struct {
	Version  int                      `json:"version"`
	Seed     string                   `json:"seed"`
	NextSeq  int64                    `json:"next_seq"`
	Secret   string                   `json:"secret"` // signs page tokens
	Accounts map[string]*account      `json:"accounts"`
	Users    map[string]*user         `json:"users"`
	Apps     map[string]*app          `json:"apps"`
	Access   map[string]*accessToken  `json:"access_tokens"`
	Refresh  map[string]*refreshToken `json:"refresh_tokens"`
	Codes    map[string]*authCode     `json:"codes"`
	Webhook  webhookConfig            `json:"webhook"`

	byEmail   map[string]string   // lower-case email -> user id
	byAccount map[string][]string // account id -> user ids in creation order
}

// newState returns an empty state.
func newState(seed string) *state {
	st := &state{
		Version:  stateVersion,
		Seed:     seed,
		Accounts: map[string]*account{},
		Users:    map[string]*user{},
		Apps:     map[string]*app{},
		Access:   map[string]*accessToken{},
		Refresh:  map[string]*refreshToken{},
		Codes:    map[string]*authCode{},
		Secret:   randomToken(24),
	}
	st.reindex()
	return st
}

// reindex rebuilds the in-memory indexes after loading.
func (st *state) reindex() {
	st.byEmail = make(map[string]string, len(st.Users))
	st.byAccount = map[string][]string{}
	users := make([]*user, 0, len(st.Users))
	for _, u := range st.Users {
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b *user) int { return int(a.Seq - b.Seq) })
	for _, u := range users {
		st.byEmail[strings.ToLower(u.Email)] = u.ID
		st.byAccount[u.AccountID] = append(st.byAccount[u.AccountID], u.ID)
	}
}

// nextSeq returns the next sequence number; ids derive from it, so they are deterministic.
func (st *state) nextSeq() int64 {
	st.NextSeq++
	return st.NextSeq
}

// addAccount stores a new account.
func (st *state) addAccount(a *account) { st.Accounts[a.ID] = a }

// addUser stores a new user and indexes it.
func (st *state) addUser(u *user) {
	st.Users[u.ID] = u
	st.byEmail[strings.ToLower(u.Email)] = u.ID
	st.byAccount[u.AccountID] = append(st.byAccount[u.AccountID], u.ID)
}

// removeUser forgets a user.
func (st *state) removeUser(u *user) {
	delete(st.Users, u.ID)
	delete(st.byEmail, strings.ToLower(u.Email))
	st.unlinkUser(u)
	for k, t := range st.Access {
		if t.UserID == u.ID {
			delete(st.Access, k)
		}
	}
	for k, t := range st.Refresh {
		if t.UserID == u.ID {
			delete(st.Refresh, k)
		}
	}
}

// unlinkUser removes the user from its account's index.
func (st *state) unlinkUser(u *user) {
	ids := st.byAccount[u.AccountID]
	if i := slices.Index(ids, u.ID); i >= 0 {
		st.byAccount[u.AccountID] = slices.Delete(slices.Clone(ids), i, i+1)
	}
}

// moveUser moves a user to another account, keeping creation order.
func (st *state) moveUser(u *user, to string) {
	st.unlinkUser(u)
	u.AccountID = to
	ids := append(slices.Clone(st.byAccount[to]), u.ID)
	slices.SortFunc(ids, func(a, b string) int { return int(st.Users[a].Seq - st.Users[b].Seq) })
	st.byAccount[to] = ids
}

// changeEmail re-indexes a user under a new email.
func (st *state) changeEmail(u *user, email string) {
	delete(st.byEmail, strings.ToLower(u.Email))
	u.Email = email
	st.byEmail[strings.ToLower(email)] = u.ID
}

// userByEmail finds a user anywhere by email.
func (st *state) userByEmail(email string) *user {
	id, ok := st.byEmail[strings.ToLower(email)]
	if !ok {
		return nil
	}
	return st.Users[id]
}

// usersOf returns the users of an account in creation order.
func (st *state) usersOf(accountID string) []*user {
	ids := st.byAccount[accountID]
	out := make([]*user, 0, len(ids))
	for _, id := range ids {
		out = append(out, st.Users[id])
	}
	return out
}

// subsOf returns the direct sub accounts of a primary in creation order.
func (st *state) subsOf(primaryID string) []*account {
	var out []*account
	for _, a := range st.Accounts {
		if a.ParentID == primaryID {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *account) int { return int(a.Seq - b.Seq) })
	return out
}

// owner returns the owner user of an account (nil if it has none).
func (st *state) owner(a *account) *user { return st.Users[a.OwnerID] }

// prune drops expired tokens and codes.
func (st *state) prune(now time.Time) {
	for k, t := range st.Access {
		if now.Sub(t.ExpiresAt) > 24*time.Hour {
			delete(st.Access, k)
		}
	}
	for k, t := range st.Refresh {
		if now.After(t.ExpiresAt) {
			delete(st.Refresh, k)
		}
	}
	for k, c := range st.Codes {
		if now.After(c.ExpiresAt) {
			delete(st.Codes, k)
		}
	}
}

// loadState reads a state file. It returns (nil, nil) when the file does not exist.
func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file %s: %w", path, err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("decode state file %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state file %s has version %d, want %d (delete it to reseed)", path, st.Version, stateVersion)
	}
	if st.Accounts == nil || st.Users == nil {
		return nil, fmt.Errorf("state file %s: missing accounts or users", path)
	}
	if st.Apps == nil {
		st.Apps = map[string]*app{}
	}
	if st.Access == nil {
		st.Access = map[string]*accessToken{}
	}
	if st.Refresh == nil {
		st.Refresh = map[string]*refreshToken{}
	}
	if st.Codes == nil {
		st.Codes = map[string]*authCode{}
	}
	st.reindex()
	return st, nil
}

// writeFileAtomic writes data to path through a temporary file and a rename, so a reader
// (or a crash) never sees a half-written file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp state file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write temp state file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync temp state file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close temp state file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename state file: %w", err)
	}
	return nil
}
