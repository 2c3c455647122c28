package jobs

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
)

// WebhookDelay is how long a received webhook event waits before it is applied. Zoom reports
// Tierdesk's own changes back as soon as it makes them, often before Tierdesk has recorded
// Zoom's answer; waiting a moment lets the event find that change recorded, and so be taken
// for what it is (an echo) rather than for a change made in Zoom.
const WebhookDelay = 5 * time.Second

// WebhookArgs applies one recorded webhook event (service.ApplyWebhookEvent).
type WebhookArgs struct {
	PartnerID int64  `json:"partner_id"`
	Digest    string `json:"digest"` // hex SHA-256 of the event's body
}

// Kind names the job for River.
func (WebhookArgs) Kind() string { return "webhook" }

// InsertOpts retries an event a few times when the database fails.
func (WebhookArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// EnqueueWebhook returns the enqueue function store.RecordWebhook takes: it schedules the
// event's application after delay, in the transaction that records it.
func EnqueueWebhook(rc *river.Client[pgx.Tx], partnerID int64, digest []byte, delay time.Duration) func(context.Context, pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		_, err := rc.InsertTx(ctx, tx, WebhookArgs{PartnerID: partnerID, Digest: hex.EncodeToString(digest)},
			&river.InsertOpts{ScheduledAt: time.Now().Add(delay)})
		return err
	}
}

// WebhookWorker runs WebhookArgs; an event about a sub account Tierdesk does not know starts
// a sync of the partner's customers.
type WebhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	Svc   *service.Service
	River func() *river.Client[pgx.Tx]
	Log   *slog.Logger
	// Applied counts the events applied, by outcome (nil: not counted).
	Applied *prometheus.CounterVec
}

// Work applies the event.
func (w *WebhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	digest, err := hex.DecodeString(job.Args.Digest)
	if err != nil {
		return fmt.Errorf("webhook digest %q: %w", job.Args.Digest, err)
	}
	res, err := w.Svc.ApplyWebhookEvent(ctx, job.Args.PartnerID, digest)
	if err != nil {
		return err
	}
	outcome := res.Outcome
	if w.Applied != nil {
		w.Applied.WithLabelValues(outcome).Inc()
	}
	w.Log.LogAttrs(ctx, slog.LevelInfo, "webhook applied", slog.Int64("partner_id", job.Args.PartnerID), slog.String("outcome", outcome))
	if res.ReadSettingsOf != 0 {
		// Zoom said the settings changed: read them whole now, in the background.
		if _, err := w.River().Insert(ctx, ReadSettingsArgs{PartnerID: job.Args.PartnerID, CustomerID: res.ReadSettingsOf}, nil); err != nil {
			return err
		}
	}
	if outcome != service.WebhookSync {
		return nil
	}
	if last, err := w.Svc.Store.LatestJob(ctx, job.Args.PartnerID, SyncCustomersArgs{}.Kind()); err == nil && !last.Status.Finished() {
		return nil // one is on its way
	}
	_, err = StartSync(ctx, w.Svc.Store, w.River(), job.Args.PartnerID, 0, store.AuditEvent{})
	return err
}
