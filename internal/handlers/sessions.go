package handlers

import (
	"log/slog"
	"net/http"

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
