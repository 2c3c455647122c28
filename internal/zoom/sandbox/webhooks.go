package sandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DeliveryRecord is one attempt to deliver a webhook event (GET /_sandbox/webhook).
type DeliveryRecord struct {
	Time    time.Time `json:"time"`
	Event   string    `json:"event"`
	Attempt int       `json:"attempt"` // 1 for the first attempt, 2.. for retries
	Status  int       `json:"status"`  // HTTP status of the answer, 0 when none
	Error   string    `json:"error,omitempty"`
}

// webhookEvent is the envelope Zoom posts (ZOOM_API.md §7.1).
type webhookEvent struct {
	Event   string `json:"event"`
	EventTS int64  `json:"event_ts"`
	Payload any    `json:"payload"`
}

// delivery is one event on its way.
type delivery struct {
	event string
	body  []byte
}

// webhooks delivers events in order, retrying failures on the configured schedule.
type webhooks struct {
	s      *Sandbox
	client *http.Client

	mu        sync.Mutex
	cfg       webhookConfig
	validated webhookConfig // the configuration that last passed URL validation
	queue     []delivery
	records   []DeliveryRecord

	wake chan struct{}
	wg   sync.WaitGroup
}

func newWebhooks(s *Sandbox) *webhooks {
	return &webhooks{
		s:      s,
		client: &http.Client{Timeout: 3 * time.Second},
		cfg:    s.st.Webhook,
		wake:   make(chan struct{}, 1),
	}
}

// start runs the delivery worker until the sandbox closes.
func (wh *webhooks) start() {
	wh.wg.Add(1)
	go wh.run()
}

// wait blocks until the worker and every pending retry have stopped (after s.stop closed).
func (wh *webhooks) wait() { wh.wg.Wait() }

func (wh *webhooks) run() {
	defer wh.wg.Done()
	for {
		select {
		case <-wh.s.stop:
			return
		case <-wh.wake:
		}
		for {
			wh.mu.Lock()
			if len(wh.queue) == 0 {
				wh.mu.Unlock()
				break
			}
			d := wh.queue[0]
			wh.queue = wh.queue[1:]
			wh.mu.Unlock()
			if !wh.attempt(d, 1) {
				wh.retry(d)
			}
		}
	}
}

// retry re-delivers d after each delay of Options.WebhookRetry until it succeeds.
func (wh *webhooks) retry(d delivery) {
	wh.wg.Add(1)
	go func() {
		defer wh.wg.Done()
		for i, delay := range wh.s.opts.WebhookRetry {
			t := time.NewTimer(delay)
			select {
			case <-wh.s.stop:
				t.Stop()
				return
			case <-t.C:
			}
			if wh.attempt(d, i+2) {
				return
			}
		}
		wh.s.log.Warn("webhook event given up", "event", d.event)
	}()
}

// config returns the current endpoint configuration.
func (wh *webhooks) config() webhookConfig {
	wh.mu.Lock()
	defer wh.mu.Unlock()
	return wh.cfg
}

// emit queues an event when an endpoint is configured.
func (wh *webhooks) emit(ev string, payload any) {
	if wh.config().URL == "" {
		return
	}
	body, err := json.Marshal(webhookEvent{Event: ev, EventTS: wh.s.now().UnixMilli(), Payload: payload})
	if err != nil {
		wh.s.log.Error("encode webhook event", "event", ev, "err", err)
		return
	}
	wh.mu.Lock()
	wh.queue = append(wh.queue, delivery{event: ev, body: body})
	wh.mu.Unlock()
	select {
	case wh.wake <- struct{}{}:
	default:
	}
}

// attempt makes one delivery attempt, validating the endpoint first when needed.
func (wh *webhooks) attempt(d delivery, n int) bool {
	wh.mu.Lock()
	cfg, ok := wh.cfg, wh.validated == wh.cfg
	wh.mu.Unlock()
	if cfg.URL == "" {
		return true
	}
	if !ok {
		if err := wh.validate(cfg); err != nil {
			wh.record(DeliveryRecord{Event: d.event, Attempt: n, Error: err.Error()})
			return false
		}
	}
	status, err := wh.post(cfg, d.body)
	rec := DeliveryRecord{Event: d.event, Attempt: n, Status: status}
	if err != nil {
		rec.Error = err.Error()
	}
	wh.record(rec)
	return err == nil
}

// record keeps the last delivery attempts.
func (wh *webhooks) record(r DeliveryRecord) {
	r.Time = wh.s.now()
	wh.mu.Lock()
	defer wh.mu.Unlock()
	if len(wh.records) >= 500 {
		wh.records = wh.records[250:]
	}
	wh.records = append(wh.records, r)
}

// post sends a signed body and reports the status; only 2xx counts as delivered.
func (wh *webhooks) post(cfg webhookConfig, body []byte) (int, error) {
	ts := strconv.FormatInt(wh.s.now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Zoom Marketplace/1.1a (Tierdesk sandbox)")
	req.Header.Set("x-zm-request-timestamp", ts)
	req.Header.Set("x-zm-signature", "v0="+hmacHex(cfg.Secret, "v0:"+ts+":"+string(body)))
	resp, err := wh.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post webhook: %w", err)
	}
	defer discardBody(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// validate performs Zoom's endpoint.url_validation challenge.
func (wh *webhooks) validate(cfg webhookConfig) error {
	plain := randomToken(16)
	body, err := json.Marshal(webhookEvent{Event: "endpoint.url_validation", EventTS: wh.s.now().UnixMilli(),
		Payload: map[string]string{"plainToken": plain}})
	if err != nil {
		return fmt.Errorf("encode validation event: %w", err)
	}
	ts := strconv.FormatInt(wh.s.now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build validation request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("x-zm-request-timestamp", ts)
	req.Header.Set("x-zm-signature", "v0="+hmacHex(cfg.Secret, "v0:"+ts+":"+string(body)))
	resp, err := wh.client.Do(req)
	if err != nil {
		return fmt.Errorf("url validation: %w", err)
	}
	defer discardBody(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("url validation: endpoint answered %d", resp.StatusCode)
	}
	var got struct {
		PlainToken     string `json:"plainToken"`
		EncryptedToken string `json:"encryptedToken"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		return fmt.Errorf("url validation: decode answer: %w", err)
	}
	if got.PlainToken != plain || !hmac.Equal([]byte(got.EncryptedToken), []byte(hmacHex(cfg.Secret, plain))) {
		return errors.New("url validation: wrong plainToken or encryptedToken")
	}
	wh.mu.Lock()
	wh.validated = cfg
	wh.mu.Unlock()
	wh.record(DeliveryRecord{Event: "endpoint.url_validation", Attempt: 1, Status: resp.StatusCode})
	return nil
}

// hmacHex is hex(HMAC-SHA256(key, msg)).
func hmacHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// SetWebhook points event delivery at url, signed with secretToken, and performs URL
// validation at once. The configuration is kept even when validation fails (events then
// retry validation first); the returned error says why it failed. An empty url turns
// webhooks off.
func (s *Sandbox) SetWebhook(url, secretToken string) error {
	cfg := webhookConfig{URL: url, Secret: secretToken}
	s.mu.Lock()
	s.st.Webhook = cfg
	s.mu.Unlock()
	s.markDirty()
	s.hooks.mu.Lock()
	s.hooks.cfg = cfg
	s.hooks.mu.Unlock()
	if url == "" {
		return nil
	}
	if err := s.hooks.validate(cfg); err != nil {
		return fmt.Errorf("webhook %s: %w", url, err)
	}
	return nil
}

// WebhookDeliveries returns the most recent delivery attempts, oldest first.
func (s *Sandbox) WebhookDeliveries() []DeliveryRecord {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return append([]DeliveryRecord(nil), s.hooks.records...)
}
