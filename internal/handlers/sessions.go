package handlers

import (
	"bytes"
	"encoding/gob"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// NewSessionManager returns the portal's session manager: sessions kept in sessions (the
// portal's is store.SessionStore, in PostgreSQL; the token is hashed in the table), a
// 30-minute idle timeout and a 12-hour lifetime (the handlers also end a session 12 hours
// after sign-in, since renewing the token does not), and a cookie that is HttpOnly,
// SameSite=Lax and, unless the portal is plain http on this machine, Secure with the __Host-
// prefix.
func NewSessionManager(sessions scs.Store, secure bool, log *slog.Logger) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessions
	sm.Codec = sessionCodec{}
	sm.HashTokenInStore = true
	sm.Lifetime = AbsoluteLifetime
	sm.IdleTimeout = IdleTimeout
	sm.Cookie.Name = "td_session"
	if secure {
		sm.Cookie.Name = "__Host-td_session"
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	sm.Cookie.Path = "/"
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		log.LogAttrs(r.Context(), slog.LevelError, "session store", slog.String("error", err.Error()))
		http.Error(w, "Tierdesk cannot reach its database right now. Try again in a moment.", http.StatusServiceUnavailable)
	}
	return sm
}

// sessionCodec encodes a session as scs.GobCodec does, but with its values in key order: the
// same session always encodes to the same bytes, so store.SessionStore can tell that a commit
// would write what the table holds (gob writes a map in random order). It reads sessions that
// scs.GobCodec wrote too.
type sessionCodec struct{}

// sessionEntry is one value of a session.
type sessionEntry struct {
	Key   string
	Value any
}

// sessionData is a session as sessionCodec writes it (Entries) or scs.GobCodec wrote it
// (Values).
type sessionData struct {
	Deadline time.Time
	Entries  []sessionEntry
	Values   map[string]any
}

// Encode writes the deadline and the values in key order.
func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	d := sessionData{Deadline: deadline, Entries: make([]sessionEntry, 0, len(values))}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		d.Entries = append(d.Entries, sessionEntry{Key: k, Value: values[k]})
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Decode reads a session written by Encode or by scs.GobCodec.
func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	var d sessionData
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&d); err != nil {
		return time.Time{}, nil, err
	}
	values := d.Values
	if values == nil {
		values = make(map[string]any, len(d.Entries))
	}
	for _, e := range d.Entries {
		values[e.Key] = e.Value
	}
	return d.Deadline, values, nil
}
