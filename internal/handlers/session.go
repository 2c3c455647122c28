package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// Session keys.
const (
	keyStaffID    = "staff_id"
	keyPartnerID  = "partner_id"
	keyGrantID    = "grant_id"
	keySignedInAt = "signed_in_at" // unix seconds: the absolute lifetime counts from here
	keyRegGrant   = "reg_grant_id" // a sign-in waiting for its account to be registered
	keyRegUser    = "reg_user"     // JSON of the waiting sign-in's Zoom identity
	keyFlashKind  = "flash_kind"
	keyFlashText  = "flash_text"
)

// AbsoluteLifetime is the longest a session lasts after sign-in, however active.
const AbsoluteLifetime = 12 * time.Hour

// IdleTimeout ends a session after this long without a request.
const IdleTimeout = 30 * time.Minute

// SessionWriteSlack is how far a session's idle deadline may lag before a request writes it
// again (store.SessionStore): an active session's row is written at most once per this, and an
// idle session ends between IdleTimeout − SessionWriteSlack and IdleTimeout after its last
// request.
const SessionWriteSlack = IdleTimeout / 10

// actor is the signed-in staff member and their partner, loaded for each request.
type actor struct {
	Staff      store.Staff
	Partner    store.Partner
	Reach      []int64      // the partner and every partner below it
	Scope      *store.Scope // the customers of the member's groups, if limited to some (nil: every one)
	GrantID    int64
	SignedInAt time.Time
	// Delegations are the active delegations the partner is the delegate of (loaded with the
	// member; viaDelegation judges them on each customer's request).
	Delegations []store.ActiveDelegation
	// Delegation, when not nil, is the delegation this request acts under (viaDelegation):
	// Partner is then its owner, Staff.Role its role, Scope its customers, and Via the member as
	// they signed in.
	Delegation *store.ActiveDelegation
	Via        *actor
}

type ctxKey int

const actorKey ctxKey = 0

func staffFrom(ctx context.Context) *actor {
	a, _ := ctx.Value(actorKey).(*actor)
	return a
}

// loadStaff loads the acting staff member and partner from the session, if signed in. A
// session past its absolute lifetime, or whose staff member is no longer active, is
// destroyed. The acting partner comes from the session only, never from the request.
func (h *Handlers) loadStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		staffID := h.sessions.GetInt64(ctx, keyStaffID)
		if staffID == 0 {
			next.ServeHTTP(w, r)
			return
		}
		partnerID := h.sessions.GetInt64(ctx, keyPartnerID)
		signedIn := time.Unix(h.sessions.GetInt64(ctx, keySignedInAt), 0)
		if h.cfg.Now().Sub(signedIn) > AbsoluteLifetime {
			h.endSession(w, r, "session reached its absolute lifetime", staffID)
			next.ServeHTTP(w, r)
			return
		}
		acting, err := h.store.ActingStaff(ctx, partnerID, staffID)
		if err == nil && acting.Staff.Status != store.StaffActive {
			err = store.ErrNotFound
		}
		if errors.Is(err, store.ErrNotFound) {
			h.endSession(w, r, "staff member no longer active", staffID)
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		a := &actor{Staff: acting.Staff, Partner: acting.Partner, Reach: acting.Reach, Scope: acting.Scope,
			GrantID: h.sessions.GetInt64(ctx, keyGrantID), SignedInAt: signedIn, Delegations: acting.Delegations}
		// A member limited to groups: every transaction of the request sets their customers
		// for row-level security (store.WithScope), as the policy checks them (policyActor).
		ctx = store.WithScope(context.WithValue(ctx, actorKey, a), acting.Scope)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (h *Handlers) endSession(w http.ResponseWriter, r *http.Request, why string, staffID int64) {
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "session ended", slog.String("request_id", middleware.GetReqID(r.Context())),
		slog.String("reason", why), slog.Int64("staff_id", staffID))
	if err := h.sessions.Destroy(r.Context()); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "destroy session", slog.String("error", err.Error()))
	}
}

// requireStaff sends people who are not signed in to the sign-in page, and a signed-in
// customer (who is not staff) to their own page (refuseCustomer).
func (h *Handlers) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := customerFrom(r.Context()); c != nil && staffFrom(r.Context()) == nil {
			h.refuseCustomer(w, r, c)
			return
		}
		if staffFrom(r.Context()) == nil {
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", "/signin")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/signin", http.StatusSeeOther)
				return
			}
			h.renderError(w, r, &pageError{status: http.StatusUnauthorized, title: "Signed out",
				message: "Your session ended, so this was not done. Sign in again and repeat it."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// flash queues a message for the next page.
func (h *Handlers) flash(ctx context.Context, kind, text string) {
	h.sessions.Put(ctx, keyFlashKind, kind)
	h.sessions.Put(ctx, keyFlashText, text)
}

// chrome builds the layout's view model for a signed-in page, taking any queued flash.
func (h *Handlers) chrome(r *http.Request, title, nav string) templates.Chrome {
	a := staffFrom(r.Context())
	c := templates.Chrome{Title: title, Nav: nav, Sandbox: h.cfg.Sandbox}
	if a != nil {
		if d := a.Delegation; d != nil {
			c.Delegation = fmt.Sprintf("You act for %s as %s until %s, under a delegation %s approved.",
				d.OwnerName, strings.ToLower(d.Role.Label()), d.ExpiresAt.UTC().Format("2 Jan 15:04 MST"), d.OwnerName)
			c.DelegationHref = paths.Access()
			a = a.Via
		}
		c.Staff = templates.StaffBadge{Name: a.Staff.Name(), Email: a.Staff.Email, Role: a.Staff.Role.Label(), PartnerName: a.Partner.Name}
		if a.Scope != nil {
			c.Staff.Limited = strings.Join(a.Scope.Names, ", ")
		}
	}
	if text := h.sessions.PopString(r.Context(), keyFlashText); text != "" {
		c.Flashes = append(c.Flashes, templates.Flash{Kind: h.sessions.PopString(r.Context(), keyFlashKind), Text: text})
	}
	return c
}
