package service

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// SyncStopped is a sync that cannot go on and must not be retried: Zoom refused it, the grant
// it reads with expired, or the partner has no grant to read with. Message says so in plain
// words for the job's page; Zoom is Zoom's error when it refused.
type SyncStopped struct {
	Message string
	Zoom    *zoom.Error
	Details map[string]any // what was done before it stopped
}

func (e *SyncStopped) Error() string { return e.Message }

// CustomerSync is what a customer sync did.
type CustomerSync struct {
	Grant string // the grant that read Zoom, for the audit event
	Seen  int    // sub accounts Zoom listed
	Added int    // of them new to Tierdesk
	Gone  int    // customers no longer listed, marked gone
}

// customerSyncBatch is how many listed sub accounts are saved (and progress shown) at once.
const customerSyncBatch = 300

// SyncCustomers reads partnerID's sub accounts from Zoom (with staffID's grant when they have
// one, for the job they asked for) into its customers: every listed account saved, the ones no
// longer listed marked gone, registered partners among them linked below this one, and the
// accounts never read in detail read once (the list's filters need their pay mode). Progress is
// recorded on the jobs row jobID. A *SyncStopped error ends the job as failed; any other error
// is worth retrying.
func (s *Service) SyncCustomers(ctx context.Context, partnerID, staffID int64, jobID string) (CustomerSync, error) {
	var out CustomerSync
	client, err := s.ForRead(ctx, partnerID, staffID)
	if errors.Is(err, store.ErrNoGrant) {
		return out, &SyncStopped{Message: NoGrantMessage, Details: map[string]any{}}
	} else if err != nil {
		return out, err
	}
	out.Grant = client.Grant()
	// The listing begins now, on the database's clock: a customer changed after this (a change
	// made through Tierdesk while the sync runs) is newer than the listing, which keeps it.
	start, err := s.Store.Now(ctx)
	if err != nil {
		return out, err
	}
	var batch []store.SyncedCustomer
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := s.Store.SaveSyncedCustomers(ctx, partnerID, batch, start, jobID)
		if err != nil {
			return err
		}
		out.Added += n
		out.Seen += len(batch)
		batch = batch[:0]
		return s.Store.JobProgress(ctx, partnerID, jobID, out.Seen, out.Seen, 0)
	}
	for sa, err := range client.SubAccounts(ctx, nil) {
		if err != nil {
			if zerr, ok := zoom.AsError(err); ok {
				return out, &SyncStopped{Message: "Zoom refused the sync: " + zoom.Explain(err), Zoom: zerr,
					Details: map[string]any{"seen": out.Seen, "added": out.Added}}
			}
			if zoom.NeedsReauth(err) {
				return out, &SyncStopped{Message: "The Zoom sign-in used for the sync has expired. Sign in again, then sync.",
					Details: map[string]any{"seen": out.Seen}}
			}
			return out, fmt.Errorf("list sub accounts of partner %d: %w", partnerID, err)
		}
		batch = append(batch, syncedCustomer(sa))
		if len(batch) == customerSyncBatch {
			if err := flush(); err != nil {
				return out, err
			}
		}
	}
	if err := flush(); err != nil {
		return out, err
	}
	gone, err := s.Store.MarkGoneCustomers(ctx, partnerID, start, jobID)
	if err != nil {
		return out, err
	}
	out.Gone = len(gone)
	// Zoom's list lacks the pay mode and options: read them once for customers never read in
	// detail. An account Zoom does not answer for is left for its next view.
	missing, err := s.Store.CustomersWithoutDetails(ctx, partnerID, 5000)
	if err != nil {
		return out, err
	}
	// They are read with as many in flight as the budget and Zoom's latency need.
	var stop firstError
	client.Flow(zoom.Light, 0).Run(ctx, len(missing), func(ctx context.Context, i int) bool {
		c := missing[i]
		acct, _, err := client.GetSubAccount(ctx, c.ZoomAccountID)
		if err != nil {
			if ctx.Err() != nil {
				return stop.set(ctx.Err())
			}
			s.Log.LogAttrs(ctx, slog.LevelDebug, "sync: account details", slog.String("customer", c.ZoomAccountID), slog.String("error", err.Error()))
			return true
		}
		if err := s.Store.SaveCustomerDetails(ctx, partnerID, c.ID, map[string]json.RawMessage{"account": mustJSON(acct)}, nil); err != nil {
			return stop.set(err)
		}
		return true
	})
	if err := cmp.Or(stop.get(), ctx.Err()); err != nil {
		return out, err
	}
	return out, nil
}

// firstError keeps the first error that stops concurrent work.
type firstError struct {
	mu  sync.Mutex
	err error
}

// set records err if it is the first, and returns false (no more work should start).
func (f *firstError) set(err error) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
	return false
}

// get is the first error recorded, or nil.
func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// progressEvery is how often concurrent work records its progress on its job at most (the
// job's page polls every second); the last progress is always recorded.
const progressEvery = 250 * time.Millisecond

// progress records a job's progress from concurrent units of work: one write at a time, so
// that the counts recorded only grow, at most every progressEvery.
type progress struct {
	mu    sync.Mutex
	last  time.Time
	write func(ctx context.Context) error // reads the current counts and records them
}

// note records the progress if it was not recorded lately, or if final.
func (p *progress) note(ctx context.Context, final bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !final && time.Since(p.last) < progressEvery {
		return nil
	}
	p.last = time.Now()
	return p.write(ctx)
}

// Message says what the sync did, for its job's page.
func (cs CustomerSync) Message() string {
	return fmt.Sprintf("%d customers in Zoom: %d new, %d no longer listed.", cs.Seen, cs.Added, cs.Gone)
}

func syncedCustomer(sa zoom.SubAccount) store.SyncedCustomer {
	return store.SyncedCustomer{ZoomAccountID: sa.ID, AccountName: sa.AccountName, OwnerEmail: sa.OwnerEmail,
		AccountType: sa.AccountType, AccountNumber: sa.AccountNumber, Seats: sa.Seats,
		SubscriptionStart: sa.SubscriptionStartTime.Ptr(), SubscriptionEnd: sa.SubscriptionEndTime.Ptr(), ZoomCreatedAt: sa.CreatedAt.Ptr()}
}

// UsersSync is what a users sync did.
type UsersSync struct {
	Grant     string
	Customers int    // customers the sync covered
	Synced    int    // of them read
	Failed    int    // of them Zoom did not answer for
	Users     int    // users in the customers read
	LastError string // the last customer that failed, and why, in plain words
}

// Message says what the sync did, for its job's page.
func (us UsersSync) Message() string {
	msg := fmt.Sprintf("%d users in %d customers read from Zoom.", us.Users, us.Synced)
	if us.Failed > 0 {
		msg += fmt.Sprintf(" %d customers could not be read; the last: %s", us.Failed, us.LastError)
	}
	return msg
}

// SyncUsers reads the user directories of partnerID's customers from Zoom: customerID's, or
// every active customer's when customerID is 0 (a customer gone meanwhile is nothing to sync).
// A customer Zoom does not answer for is counted as failed and the sync goes on; progress is
// recorded on the jobs row jobID; ev is the base of the audit events a directory refresh
// writes. A *SyncStopped error ends the job as failed.
func (s *Service) SyncUsers(ctx context.Context, partnerID, staffID, customerID int64, jobID string, ev store.AuditEvent) (UsersSync, error) {
	return s.syncUsers(ctx, partnerID, staffID, jobID, ev, func() ([]store.Customer, error) {
		return s.syncedCustomers(ctx, partnerID, customerID)
	}, 0)
}

// SyncStaleUsers is SyncUsers for the directories of partnerID's active customers that were
// never read whole (staleAfter 0: the first fill) or, when staleAfter is above 0, that were
// read and last read more than staleAfter ago (the refresh): what keeps every directory
// complete and fresh in the background without reading fresh ones again. share, when above 0, is the part of the Medium budget the sync may use (RefreshShare
// for the steady refresh); 0 uses what the budget allows.
func (s *Service) SyncStaleUsers(ctx context.Context, partnerID int64, staleAfter time.Duration, share float64, jobID string, ev store.AuditEvent) (UsersSync, error) {
	var before time.Time // the zero time: only the directories never read
	if staleAfter > 0 {
		before = time.Now().Add(-staleAfter)
	}
	return s.syncUsers(ctx, partnerID, 0, jobID, ev, func() ([]store.Customer, error) {
		return s.Store.StaleUserDirs(ctx, partnerID, before)
	}, share)
}

// RefreshShare is the part of the Medium budget the steady refresh of user directories uses:
// a tenth (3 of the 30 calls/s Tierdesk allows itself of a Business+ account), so that the
// refresh of 500 customers (three lists each) takes about 8 minutes of every 30 and leaves the
// budget to people and to bulk work.
const RefreshShare = 0.1

// syncUsers reads the directories of the customers list returns.
func (s *Service) syncUsers(ctx context.Context, partnerID, staffID int64, jobID string, ev store.AuditEvent, list func() ([]store.Customer, error), share float64) (UsersSync, error) {
	var out UsersSync
	client, err := s.ForRead(ctx, partnerID, staffID)
	if errors.Is(err, store.ErrNoGrant) {
		return out, &SyncStopped{Message: NoGrantMessage, Details: map[string]any{}}
	} else if err != nil {
		return out, err
	}
	out.Grant = client.Grant()
	ev.GrantRef = out.Grant
	customers, err := list()
	if err != nil {
		return out, err
	}
	out.Customers = len(customers)
	// Customers are read with as many in flight as the budget and Zoom's latency need (each
	// directory is its own: its refresh and the look-ups of its lost answers touch no other).
	var (
		mu   sync.Mutex // guards out
		stop firstError
	)
	prog := &progress{write: func(ctx context.Context) error {
		mu.Lock()
		synced, failed := out.Synced, out.Failed
		mu.Unlock()
		return s.Store.JobProgress(ctx, partnerID, jobID, out.Customers, synced, failed)
	}}
	client.Flow(zoom.Medium, 0).Share(share).Run(ctx, len(customers), func(ctx context.Context, i int) bool {
		c := customers[i]
		users := 0
		_, _, err := s.RefreshUserDirectory(ctx, client, partnerID, c, ev)
		switch {
		case err != nil && ctx.Err() != nil:
			return stop.set(err)
		case err != nil:
			s.Log.LogAttrs(ctx, slog.LevelWarn, "user directory sync failed", slog.String("customer", c.ZoomAccountID), slog.String("error", err.Error()))
		default:
			uc, cerr := s.Store.CustomerUserCounts(ctx, partnerID, c.ZoomAccountID)
			if cerr != nil {
				return stop.set(cerr)
			}
			users = uc.Total
		}
		mu.Lock()
		if err != nil {
			out.Failed++
			out.LastError = c.AccountName + ": " + zoom.Explain(err)
		} else {
			out.Synced++
			out.Users += users
		}
		mu.Unlock()
		if err := prog.note(ctx, false); err != nil {
			return stop.set(err)
		}
		return true
	})
	if err := cmp.Or(stop.get(), ctx.Err()); err != nil {
		return out, err
	}
	if err := prog.note(ctx, true); err != nil {
		return out, err
	}
	return out, nil
}

// syncedCustomers lists the customers a users sync covers.
func (s *Service) syncedCustomers(ctx context.Context, partnerID, customerID int64) ([]store.Customer, error) {
	if customerID != 0 {
		c, err := s.Store.CustomerByID(ctx, partnerID, customerID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (c.Status != store.CustomerActive || c.PartnerID != partnerID)) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []store.Customer{c}, nil
	}
	var out []store.Customer
	f := store.CustomerFilter{PartnerID: partnerID, Status: store.CustomerActive, Limit: 500}
	for {
		page, err := s.Store.Customers(ctx, partnerID, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Customers...)
		if page.Next == "" {
			return out, nil
		}
		f.After = page.Next
	}
}
