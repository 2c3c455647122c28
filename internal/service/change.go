package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// The change protocol. Every change Tierdesk makes at Zoom — a page's, a bulk row's, a saga
// step's, a template's — goes through Send:
//
//  1. the intent (who, partner, customer, target, action, request, what is wanted) is written
//     and committed; if it cannot be, Zoom is not called;
//  2. the call is sent;
//  3. the answer is classified: done, refused (with Zoom's code), outcome unknown (the answer
//     was lost), or not sent (the request never left, or Zoom refused the token);
//  4. the caller records it — audit event, cache update and the intent's close in one
//     transaction (store.AuditEvent.Intent closes it).
//
// When step 4 fails (a crash, a failed write), the intent stays open: the sender releases
// its lease when it still can, and the resolver (ResolveStaleIntents, a River job) looks the
// change up in Zoom and audits it. The close is conditional, so whoever records first wins
// and the change is audited exactly once.

// Kind is how Zoom answered a change.
type Kind int

// The kinds of answer.
const (
	Done    Kind = iota // Zoom made the change
	Refused             // Zoom answered with an error: it did not make the change
	Unknown             // the answer was lost (timeout, 5xx, dropped connection): look it up
	NotSent             // the request never reached Zoom's API, or Zoom refused the token
)

// Answer is Zoom's answer to one change, classified.
type Answer struct {
	Kind   Kind
	Err    error       // the call's error (nil when Done)
	Zoom   *zoom.Error // Zoom's error when Refused
	Grant  string      // the grant that made the call, for the audit log
	Intent int64       // the intent the recording closes (set it as AuditEvent.Intent)
}

// Change is what the protocol needs to know of a change before sending it.
type Change struct {
	PartnerID   int64
	CustomerID  int64 // the customer concerned, 0 for none
	Action      audit.Action
	TargetType  string
	TargetID    string
	TargetLabel string
	// Event is the audit event prepared before the call: who, which request and grant,
	// the details (before, after). The resolver audits a stale intent with it.
	Event store.AuditEvent
	// Wanted is what the change asks for, for the look-up that resolves a lost answer.
	Wanted any
	// Owner is who resolves the intent when the sender cannot record it: "" the periodic
	// resolver, "import:<id>" or "onboarding:<id>" the job that sent it.
	Owner string
	// Lease is how long the sender owns the intent: longer than its call can take.
	Lease time.Duration
}

// ErrNotRecorded is a change Zoom answered but whose outcome could not be recorded: the
// intent stays open and the resolver records it shortly.
var ErrNotRecorded = errors.New("the change's outcome could not be recorded yet")

// NotRecordedError is ErrNotRecorded for one change, with the cause.
type NotRecordedError struct {
	Action audit.Action
	Label  string
	Kind   Kind
	Err    error
}

func (e *NotRecordedError) Error() string {
	return fmt.Sprintf("record %s of %s: %v", e.Action, e.Label, e.Err)
}

// Unwrap lets errors.Is find ErrNotRecorded and the cause.
func (e *NotRecordedError) Unwrap() []error { return []error{ErrNotRecorded, e.Err} }

// DefaultChangeLease is how long the sender of a change made while a person waits owns its
// intent (their call has a shorter deadline), unless Service.ChangeLease says otherwise. The
// resolver runs as often (jobs.NewClient), so the change of a process that died is recorded
// within about twice this.
const DefaultChangeLease = 2 * time.Minute

// MinChangeLease is the shortest such lease: longer than a change of a user may take at Zoom
// (userDeadline) and its record. A shorter lease would let the resolver look a change up
// while it is still in flight.
const MinChangeLease = 30 * time.Second

// Classify sorts a call's result into an Answer.
func Classify(resp *zoom.Response, err error) Answer {
	a := Answer{Err: err}
	if resp != nil {
		a.Grant = resp.Grant
	}
	ze, isZoom := zoom.AsError(err)
	switch {
	case err == nil:
		a.Kind = Done
	case zoom.IsOutcomeUnknown(err):
		a.Kind = Unknown
	case zoom.NeedsReauth(err):
		a.Kind = NotSent
	case isZoom:
		a.Kind, a.Zoom = Refused, ze
	default:
		a.Kind = NotSent
	}
	return a
}

// Send runs the protocol for one change: intent, call, classification, record. record
// receives the answer and records it (with answer.Intent on the event that records the
// outcome); it reports whether it appended that event. An intent whose answer record did not
// audit (a row simply sent again later) is closed without an event. Send returns the answer;
// its error is the intent's write (nothing was sent) or a NotRecordedError (Zoom answered,
// the resolver records it).
func (s *Service) Send(ctx context.Context, zc *zoom.Client, ch Change, send func(context.Context) (*zoom.Response, error),
	record func(Answer) (audited bool, err error)) (Answer, error) {
	if ch.Lease == 0 {
		ch.Lease = cmp.Or(s.ChangeLease, DefaultChangeLease)
	}
	ev := ch.Event
	ev.Action, ev.TargetType, ev.TargetID, ev.TargetLabel = ch.Action, ch.TargetType, ch.TargetID, ch.TargetLabel
	if ev.GrantRef == "" && zc != nil {
		ev.GrantRef = zc.Grant()
	}
	in := store.Intent{Action: ch.Action, TargetType: ch.TargetType, TargetID: ch.TargetID, TargetLabel: ch.TargetLabel,
		Event: ev, Owner: ch.Owner}
	if ch.CustomerID != 0 {
		in.CustomerID = &ch.CustomerID
	}
	if ch.Wanted != nil {
		in.Wanted = mustJSON(ch.Wanted)
	}
	id, err := s.Store.OpenIntent(ctx, ch.PartnerID, in, ch.Lease)
	if err != nil {
		return Answer{Kind: NotSent, Err: err}, err
	}
	ans := Classify(send(ctx))
	ans.Intent = id
	if ans.Grant == "" && zc != nil {
		ans.Grant = zc.Grant()
	}
	// The answer is recorded even when the caller stopped waiting.
	rctx := context.WithoutCancel(ctx)
	audited, err := record(ans)
	switch {
	case errors.Is(err, store.ErrIntentClosed):
		return ans, nil // the resolver recorded it first
	case err != nil:
		if rerr := s.Store.ReleaseIntent(rctx, ch.PartnerID, id); rerr != nil {
			s.Log.LogAttrs(rctx, slog.LevelError, "release intent", slog.Int64("intent", id), slog.String("error", rerr.Error()))
		}
		s.Log.LogAttrs(rctx, slog.LevelError, "change sent to Zoom but not recorded; the resolver will record it",
			slog.Int64("intent", id), slog.String("action", string(ch.Action)), slog.Int64("partner_id", ch.PartnerID), slog.String("error", err.Error()))
		return ans, &NotRecordedError{Action: ch.Action, Label: ch.TargetLabel, Kind: ans.Kind, Err: err}
	case !audited:
		outcome := "not sent"
		if ans.Kind == Done {
			outcome = string(store.OutcomeSucceeded)
		}
		if err := s.Store.CloseIntent(rctx, ch.PartnerID, id, outcome); err != nil {
			return ans, err
		}
	}
	return ans, nil
}
