package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// Notification kinds: what a partner's outgoing webhook may receive (its settings choose
// which). NotifyTest is the settings page's test event, sent to any enabled webhook.
const (
	NotifyDelegationRequested = "delegation.requested"
	NotifyDelegationApproved  = "delegation.approved"
	NotifyDelegationDeclined  = "delegation.declined"
	NotifyDelegationEnded     = "delegation.ended"
	NotifyDelegationExpired   = "delegation.expired"
	NotifyDelegationLapsed    = "delegation.lapsed"
	NotifyJobFailed           = "job.failed"
	NotifyStandardDrift       = "standard.drift"
	NotifyTest                = store.NotifyTestKind
)

// NotifyKinds returns the kinds a webhook may subscribe to, in the settings page's order.
func NotifyKinds() []string {
	return []string{NotifyDelegationRequested, NotifyDelegationApproved, NotifyDelegationDeclined, NotifyDelegationEnded,
		NotifyDelegationExpired, NotifyDelegationLapsed, NotifyJobFailed, NotifyStandardDrift}
}

// The headers of a notification request. The signature is Zoom's own scheme (ZOOM_API.md,
// webhooks): "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)), the timestamp
// being the header's value (Unix seconds) and body the raw bytes sent.
const (
	HeaderNotifyTimestamp = "x-tierdesk-request-timestamp"
	HeaderNotifySignature = "x-tierdesk-signature"
	HeaderNotifyDelivery  = "x-tierdesk-delivery-id"
)

// SignNotification returns the x-tierdesk-signature of body sent at timestamp (the header's
// string) with secret: Zoom's own scheme, so one function makes both (zoom.WebhookSignature).
func SignNotification(secret, timestamp string, body []byte) string {
	return zoom.WebhookSignature(secret, timestamp, body)
}

// CheckWebhookURL returns the URL a partner's outgoing webhook may post to, or an error in
// words: an absolute https URL, or http to this machine only (localhost, 127.0.0.1, ::1: local
// development and tests), with no user name or password in it.
func CheckWebhookURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return "", errors.New("enter a whole URL, like https://chat.example.com/hooks/abc")
	case u.User != nil:
		return "", errors.New("leave the user name and password out of the URL; put a token in its path or query if the receiver needs one")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLocalHost(u.Hostname()):
	case u.Scheme == "http":
		return "", errors.New("use https: only a receiver on this machine (localhost) may take plain http")
	default:
		return "", errors.New("use an https URL")
	}
	u.Fragment = ""
	return u.String(), nil
}

func isLocalHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Notify records an event of kind for partnerID's outgoing webhook and queues its delivery
// with rc: a no-op (nil) when the partner has no enabled webhook that receives kind. payload
// is the event's facts (plain values; keys that name secrets are redacted as in audit
// details); it must hold no tokens. An unknown kind is an error.
func Notify(ctx context.Context, st *store.Store, rc *River, partnerID int64, kind string, payload map[string]any) error {
	if kind != NotifyTest && !slices.Contains(NotifyKinds(), kind) {
		return fmt.Errorf("notify: unknown kind %q", kind)
	}
	if payload == nil {
		payload = map[string]any{}
	}
	clean, err := store.RedactDetails(payload)
	if err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}
	at := time.Now()
	body := func(deliveryID, partnerName string) ([]byte, error) {
		return json.Marshal(map[string]any{"event": kind, "event_ts": at.UnixMilli(), "delivery_id": deliveryID,
			"partner": map[string]any{"id": partnerID, "name": partnerName}, "payload": clean})
	}
	_, _, err = st.RecordNotification(ctx, partnerID, kind, body, func(ctx context.Context, tx pgx.Tx, id int64) error {
		_, err := rc.InsertTx(ctx, tx, NotifyArgs{PartnerID: partnerID, NotificationID: id}, nil)
		return err
	})
	return err
}

// NotifyArgs delivers one recorded notification (a webhook_deliveries row).
type NotifyArgs struct {
	PartnerID      int64 `json:"partner_id"`
	NotificationID int64 `json:"notification_id"`
}

// Kind names the job for River.
func (NotifyArgs) Kind() string { return "notify" }

// defaultNotifyRetry is the wait before each retry of a delivery (the last one repeats): about
// a day in all, over NotifyAttempts attempts.
var defaultNotifyRetry = []time.Duration{10 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 8 * time.Hour}

// NotifyAttempts is how many times a delivery is tried before it is marked failed.
const NotifyAttempts = 11

// InsertOpts gives a delivery its attempts.
func (NotifyArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: NotifyAttempts} }

// NotifyWorker runs NotifyArgs: it POSTs the delivery's body, signed, to the partner's
// webhook and records the attempt on the row. A delivery already delivered is never sent
// again. Delivery is at least once: if the process stops after the receiver answered 2xx and
// before the row says so, River runs the job again and the receiver gets the event twice,
// with the same x-tierdesk-delivery-id, by which it dedupes.
type NotifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	Store *store.Store
	Log   *slog.Logger
	// Retry is the wait before each retry (the last repeats); nil is production's: 10 s, 30 s,
	// 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h (about a day over NotifyAttempts).
	Retry []time.Duration
	// Client sends the requests; nil is NotifyHTTPClient().
	Client *http.Client
}

// NotifyHTTPClient is the client deliveries use: 10 seconds per request, no redirect
// followed (a 3xx answer is a failed attempt), no proxy, and no connection to an address of a
// private network, a link-local one (a cloud's metadata service) or an unspecified or
// multicast one, whatever name led there: a webhook URL is typed by a partner, and the
// portal's own network is not theirs to reach. This machine's loopback stays reachable (local
// development and tests; CheckWebhookURL allows http only there).
func NotifyHTTPClient() *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("not an address: %s", host)
		}
		if refusedAddr(ip.Unmap()) {
			return fmt.Errorf("%s is an address of a private network, which webhooks may not reach", ip)
		}
		return nil
	}}
	t := &http.Transport{Proxy: nil, DialContext: d.DialContext, ForceAttemptHTTP2: true, TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns: 10, IdleConnTimeout: 90 * time.Second, ResponseHeaderTimeout: 10 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// refusedAddr reports whether a delivery may not connect to ip (NotifyHTTPClient).
func refusedAddr(ip netip.Addr) bool {
	return ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified()
}

// Timeout bounds one attempt (the request's own limit is 10 seconds).
func (w *NotifyWorker) Timeout(*river.Job[NotifyArgs]) time.Duration { return 30 * time.Second }

// NextRetry follows Retry.
func (w *NotifyWorker) NextRetry(job *river.Job[NotifyArgs]) time.Time {
	return time.Now().Add(w.wait(job.Attempt))
}

func (w *NotifyWorker) wait(attempt int) time.Duration {
	r := w.Retry
	if len(r) == 0 {
		r = defaultNotifyRetry
	}
	return r[min(max(attempt-1, 0), len(r)-1)]
}

// Work sends the delivery once and records the attempt. A failed attempt returns an error for
// River to retry, except the last, which marks the delivery failed.
func (w *NotifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	a := job.Args
	n, err := w.Store.NotificationToSend(ctx, a.PartnerID, a.NotificationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // forgotten
	} else if err != nil {
		return err
	}
	if n.Status != store.NotificationPending {
		return nil // delivered (or given up) already: never sent twice by Tierdesk's choice
	}
	final := job.Attempt >= job.MaxAttempts
	var res store.NotificationAttempt
	target, uerr := CheckWebhookURL(n.URL)
	switch {
	case !n.HasWebhook || !n.Enabled:
		res = store.NotificationAttempt{Error: "Not sent: the outgoing webhook is off.", Final: true}
	case uerr != nil:
		res = store.NotificationAttempt{Error: "Not sent: " + uerr.Error() + ".", Final: true}
	default:
		res = w.post(ctx, target, n)
		res.Final = final && !res.Delivered
	}
	if !res.Delivered && !res.Final {
		next := time.Now().Add(w.wait(job.Attempt))
		res.Next = &next
	}
	ctx = context.WithoutCancel(ctx) // the attempt is recorded even after a timeout
	if err := w.Store.RecordNotificationAttempt(ctx, a.PartnerID, a.NotificationID, res); err != nil {
		return err
	}
	if w.Log != nil {
		w.Log.LogAttrs(ctx, slog.LevelDebug, "notification attempt", slog.Int64("partner_id", a.PartnerID), slog.String("kind", n.Kind),
			slog.String("delivery_id", n.DeliveryID), slog.Int("status", res.Status), slog.Bool("delivered", res.Delivered), slog.String("error", res.Error))
	}
	if res.Delivered || res.Final {
		return nil
	}
	return errors.New(res.Error)
}

// post sends n's body to target once and says how it went, in words.
func (w *NotifyWorker) post(ctx context.Context, target string, n store.NotificationToSend) store.NotificationAttempt {
	client := w.Client
	if client == nil {
		client = NotifyHTTPClient() // a worker built without one (NewClient gives it one to reuse)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(n.Body))
	if err != nil {
		return store.NotificationAttempt{Error: "Not sent: the URL is not usable."}
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tierdesk-Webhook/1")
	req.Header.Set(HeaderNotifyTimestamp, ts)
	req.Header.Set(HeaderNotifySignature, SignNotification(n.Secret, ts, n.Body))
	req.Header.Set(HeaderNotifyDelivery, n.DeliveryID)
	resp, err := client.Do(req)
	if err != nil {
		return store.NotificationAttempt{Error: requestError(err)}
	}
	defer resp.Body.Close()
	// What the receiver says is kept short; the rest is read (to a limit) and dropped.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return store.NotificationAttempt{Status: resp.StatusCode, Delivered: true}
	}
	msg := "The receiver answered " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (a redirect, not followed: give the final URL)"
	}
	if s := plainText(head); s != "" {
		msg += ": " + s
	}
	return store.NotificationAttempt{Status: resp.StatusCode, Error: msg + "."}
}

// plainText is the start of a receiver's answer as one line of text: invalid UTF-8 and
// control characters (a NUL would not even fit in PostgreSQL's text) dropped.
func plainText(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(string(b), ""))
	return strings.Join(strings.Fields(s), " ")
}

// requestError says in words why a request got no answer.
func requestError(err error) string {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "No answer within 10 seconds."
	case errors.As(err, &oe) && oe.Op == "dial":
		return "Could not connect to the receiver: " + oe.Err.Error() + "."
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "The request failed: " + err.Error() + "."
}
