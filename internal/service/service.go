package service

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// ZoomClients makes Zoom clients for a partner's grants (*zoom.Service in production).
type ZoomClients interface {
	UserClient(partnerID, grantID int64) (*zoom.Client, error)
	S2SClient(c zoom.S2SCredentials) (*zoom.Client, error)
}

// Service holds what the rules need: the store, Zoom's clients and a logger. It keeps no
// state of its own, so handlers and jobs may each build one over the same parts.
type Service struct {
	Store *store.Store
	Zoom  ZoomClients
	Log   *slog.Logger
	// ChangeLease is how long the sender of a change made while a person waits owns its
	// intent before the resolver may record it (PORTAL_CHANGE_LEASE); 0 means
	// DefaultChangeLease. Bulk rows and saga steps have leases of their own.
	ChangeLease time.Duration
}

// New returns the service over st and zc.
func New(st *store.Store, zc ZoomClients, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: st, Zoom: zc, Log: log}
}

// NoGrantMessage says why background work cannot reach Zoom for a partner.
const NoGrantMessage = "No Server-to-Server app is configured and no owner or admin of this partner has a working Zoom sign-in. One of them must sign in again."

// Actor is who asks for a change or a read: the partner, the staff member (nil for background
// work) and the grant they signed in with (0 when none, e.g. a job).
type Actor struct {
	PartnerID int64
	StaffID   int64 // 0 for background work
	GrantID   int64 // the staff member's own user grant, 0 when none
}

// event is ev as the actor's: their partner, and them when ev names nobody.
func (a Actor) event(ev store.AuditEvent) store.AuditEvent {
	ev.PartnerID = a.PartnerID
	if ev.StaffID == nil && a.StaffID != 0 {
		id := a.StaffID
		ev.StaffID = &id
	}
	return ev
}

// ForChange returns the Zoom client a change by the actor goes out with: the partner's
// Server-to-Server app when an owner configured one (every role's work then reaches Zoom the
// same way), else the actor's own user grant (which only an owner or admin of the Zoom
// account can use for sub accounts). Background work without a staff grant gets the client of
// ForRead. The client's Grant() names the grant for the audit log.
//
// Under a delegation (store.WithDelegation) for its owner, only the owner's Server-to-Server
// app is used (ErrDelegationNeedsApp without one): a delegate's own grant cannot reach the
// owner's sub accounts, and an owner's staff member's sign-in is theirs alone.
func (s *Service) ForChange(ctx context.Context, a Actor) (*zoom.Client, error) {
	if d := store.DelegationFrom(ctx); d != nil && d.OwnerPartnerID == a.PartnerID {
		return s.delegatedClient(ctx, d)
	}
	s2s, err := s.Store.S2SGrant(ctx, a.PartnerID)
	switch {
	case err == nil:
		return s.Zoom.S2SClient(zoom.S2SCredentials{GrantID: s2s.ID, AccountID: s2s.ZoomAccountID, ClientID: s2s.ClientID, ClientSecret: s2s.ClientSecret})
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	if a.GrantID == 0 {
		return s.ForRead(ctx, a.PartnerID, a.StaffID)
	}
	return s.Zoom.UserClient(a.PartnerID, a.GrantID)
}

// ForRead returns the Zoom client that reads partnerID's customers, for a page of any role and
// for background work alike: the partner's Server-to-Server app, else the user grant of an
// owner or admin (preferStaffID's when they are one). It fails with store.ErrNoGrant when
// there is neither.
//
// Under a delegation for partnerID, only its Server-to-Server app (as ForChange).
func (s *Service) ForRead(ctx context.Context, partnerID, preferStaffID int64) (*zoom.Client, error) {
	if d := store.DelegationFrom(ctx); d != nil && d.OwnerPartnerID == partnerID {
		return s.delegatedClient(ctx, d)
	}
	s2s, err := s.Store.S2SGrant(ctx, partnerID)
	if err == nil {
		return s.Zoom.S2SClient(zoom.S2SCredentials{GrantID: s2s.ID, AccountID: s2s.ZoomAccountID, ClientID: s2s.ClientID, ClientSecret: s2s.ClientSecret})
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	grantID, err := s.Store.AdminGrant(ctx, partnerID, preferStaffID)
	if err != nil {
		return nil, err
	}
	return s.Zoom.UserClient(partnerID, grantID)
}

// ErrDelegationNeedsApp means work under a delegation cannot reach Zoom: the owner of the
// customers has no Server-to-Server app (any more), and delegated work goes out under it only.
var ErrDelegationNeedsApp = errors.New("delegated work goes out under the Server-to-Server app of the partner whose customers these are, and it has none")

// delegatedClient is the Zoom client of work under d: d's owner's Server-to-Server app.
func (s *Service) delegatedClient(ctx context.Context, d *store.ActiveDelegation) (*zoom.Client, error) {
	s2s, err := s.Store.S2SGrant(ctx, d.OwnerPartnerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrDelegationNeedsApp
	}
	if err != nil {
		return nil, err
	}
	return s.Zoom.S2SClient(zoom.S2SCredentials{GrantID: s2s.ID, AccountID: s2s.ZoomAccountID, ClientID: s2s.ClientID, ClientSecret: s2s.ClientSecret})
}

// mustJSON encodes plain values (maps of strings, numbers, booleans), which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
