package zoom

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Time
	}{
		{"seconds", http.Header{"Retry-After": {"120"}}, now.Add(2 * time.Minute)},
		{"http date", http.Header{"Retry-After": {"Wed, 04 Mar 2026 10:00:30 GMT"}}, now.Add(30 * time.Second)},
		{"iso with zone", http.Header{"Retry-After": {"2026-03-05T00:00:00Z"}}, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)},
		{"iso with offset", http.Header{"Retry-After": {"2026-03-05T01:00:00+01:00"}}, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)},
		{"iso without zone is UTC", http.Header{"Retry-After": {"2026-03-05T00:00:00"}}, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)},
		{"space separated", http.Header{"Retry-After": {"2026-03-05 00:00:00"}}, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)},
		{"reset unix seconds", http.Header{"X-Ratelimit-Reset": {"1772618405"}}, time.Unix(1772618405, 0)},
		{"garbage", http.Header{"Retry-After": {"soon"}}, time.Time{}},
		{"none", http.Header{}, time.Time{}},
	} {
		if got := retryAfter(tc.h, now); !got.Equal(tc.want) {
			t.Errorf("%s: retryAfter = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBackoffIsFullJitterCapped(t *testing.T) {
	if d := backoff(1, time.Second, 20*time.Second, func() float64 { return 0.999 }); d >= time.Second || d < 990*time.Millisecond {
		t.Errorf("first retry ceiling: %v", d)
	}
	if d := backoff(3, time.Second, 20*time.Second, func() float64 { return 0.5 }); d != 2*time.Second {
		t.Errorf("third retry at half: %v, want 2s (half of 4s)", d)
	}
	if d := backoff(10, time.Second, 20*time.Second, func() float64 { return 0.999 }); d > 20*time.Second || d < 19*time.Second {
		t.Errorf("capped: %v", d)
	}
	if d := backoff(80, time.Second, 20*time.Second, func() float64 { return 0 }); d != 0 {
		t.Errorf("full jitter reaches 0: %v", d)
	}
}

func TestPace(t *testing.T) {
	for _, tc := range []struct {
		l     Limit
		share float64
		want  Pace
	}{
		{LimitsBusinessPlus[Light], 0.5, Pace{25 * time.Millisecond, 40}},
		{LimitsBusinessPlus[Medium], 0.5, Pace{time.Second / 30, 30}},
		{LimitsBusinessPlus[ResourceIntensive], 0.5, Pace{6 * time.Second, 10}},
		{LimitsBusinessPlus[Light], 0.8, Pace{time.Second / 64, 16}}, // burst + one window stays within 80
		{LimitsFree[Heavy], 0.5, Pace{2 * time.Second, 1}},
	} {
		if got := paceFor(tc.l, tc.share); got != tc.want {
			t.Errorf("paceFor(%v, %v) = %+v, want %+v", tc.l, tc.share, got, tc.want)
		}
	}
}

// The memory limiter lets a burst through, then paces; a pause holds everyone back; a block
// refuses until its time.
func TestMemoryLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewMemoryLimiter(func() time.Time { return now })
	key, p, ctx := RateKey{"A", Light}, Pace{100 * time.Millisecond, 3}, context.Background()
	var waits []time.Duration
	for range 5 {
		r, err := l.Reserve(ctx, key, p)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, r.Wait)
	}
	want := []time.Duration{0, 0, 0, 100 * time.Millisecond, 200 * time.Millisecond}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits = %v, want %v", waits, want)
		}
	}
	if r, err := l.Reserve(ctx, RateKey{"B", Light}, p); err != nil || r.Wait != 0 {
		t.Errorf("another account waits %v: %v", r.Wait, err)
	}
	now = now.Add(10 * time.Second)
	if err := l.Pause(ctx, key, time.Second+2*p.Interval); err != nil {
		t.Fatal(err)
	}
	if r, err := l.Reserve(ctx, key, p); err != nil || r.Wait != time.Second {
		t.Errorf("after a pause the first call waits %v, want 1s: %v", r.Wait, err)
	}
	if err := l.Block(ctx, key, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r, err := l.Reserve(ctx, key, p); err != nil || !r.BlockedUntil.Equal(now.Add(time.Hour)) {
		t.Errorf("blocked: %+v, %v", r, err)
	}
	now = now.Add(time.Hour)
	if r, err := l.Reserve(ctx, key, p); err != nil || !r.BlockedUntil.IsZero() {
		t.Errorf("block did not end: %+v, %v", r, err)
	}
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{&Error{Status: 409, Code: 1005, Message: "Email a@b.example has already been used."},
			[]string{"That email address already has a Zoom account", "Zoom code 1005: Email a@b.example has already been used."}},
		{&Error{Status: 400, Code: 300, Message: "Validation Failed.", Fields: []FieldError{{"email", "Invalid field."}}},
			[]string{"Check the highlighted fields", "email (Invalid field)", "code 300"}},
		{&Error{Status: 404, Code: 2001, Message: "Account does not exist: x."}, []string{"not one of your sub accounts", "2001"}},
		{&Error{Status: 400, Code: 4711, Message: "Invalid access token, does not contain scopes:[user:read:admin]"}, []string{"scope", "4711"}},
		{&Error{Status: 429, Code: 429, Message: "Too many concurrent requests. A request to create this user has already been made."}, []string{"still processing another change"}},
		{&Error{Status: 418, Message: "teapot"}, []string{"Zoom refused the request.", "HTTP 418: teapot"}},
		{&TokenError{Status: 400, ErrorCode: "invalid_grant", Reason: "Invalid Token!"}, []string{"Sign in with Zoom again", "Invalid Token!"}},
		{&OutcomeUnknownError{Method: "POST", Path: "/v2/accounts", Status: 504}, []string{"did not confirm", "HTTP 504"}},
		{errors.Join(ErrNeedsReauth, &Error{Status: 401, Code: 124, Message: "Invalid access token."}), []string{"Sign in with Zoom again", "124"}},
		{context.DeadlineExceeded, []string{"did not answer in time"}},
	} {
		got := Explain(tc.err)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Explain(%v) = %q, want it to contain %q", tc.err, got, w)
			}
		}
	}
	if Explain(nil) != "" {
		t.Error("Explain(nil) is not empty")
	}
}

func TestTimeForms(t *testing.T) {
	var v struct {
		A, B, C, D Time
	}
	if err := json.Unmarshal([]byte(`{"A":"2019-08-26T18:25:23Z","B":"","C":null,"D":"2019-08-26"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A.Unix() != 1566843923 || !v.B.IsZero() || !v.C.IsZero() || v.D.Day() != 26 {
		t.Errorf("decoded %+v", v)
	}
	if err := json.Unmarshal([]byte(`{"A":"yesterday"}`), &v); err == nil {
		t.Error("unreadable date-time accepted")
	}
	b, err := json.Marshal(struct {
		T Time `json:"t,omitzero"`
		U Time `json:"u"`
	}{U: v.A})
	if err != nil || string(b) != `{"u":"2019-08-26T18:25:23Z"}` {
		t.Errorf("encoded %s, %v", b, err)
	}
}

func TestExpand(t *testing.T) {
	if p, err := expand("/accounts/{accountId}/users/{userId}", []string{"a/b", "x@y.example"}); err != nil || p != "/accounts/a%2Fb/users/x@y.example" {
		t.Errorf("expand = %q, %v", p, err)
	}
	if _, err := expand("/accounts/{accountId}", []string{" "}); err == nil {
		t.Error("blank argument accepted")
	}
	if _, err := expand("/accounts", []string{"x"}); err == nil {
		t.Error("extra argument accepted")
	}
}

func TestPageTokenRefused(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&Error{Status: 400, Code: 300, Message: "Invalid parameter: next_page_token"}, true},
		{&Error{Status: 400, Code: 124, Message: "The next page token is invalid or expired."}, true},
		{&Error{Status: 404, Message: "next_page_token expired"}, true},
		{&Error{Status: 400, Code: 200, Message: "No permission."}, false},
		{&Error{Status: 401, Code: 124, Message: "Access token is expired."}, false},
		{&Error{Status: 429, Code: 429, Message: "expired"}, false},
		{errors.New("connection reset"), false},
	} {
		if got := pageTokenRefused(tc.err); got != tc.want {
			t.Errorf("pageTokenRefused(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// A Service paces by the plan and share it was configured with (ZOOM_PLAN, ZOOM_RATE_SHARE),
// not only the defaults.
func TestServicePacesByConfiguredPlanAndShare(t *testing.T) {
	def, err := NewService(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := def.rt.pace(RateKey{"A", Light}); got != paceFor(LimitsBusinessPlus[Light], DefaultShare) {
		t.Fatalf("default pace %+v", got)
	}
	pro, err := NewService(Config{Limits: LimitsPro, Share: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	got := pro.rt.pace(RateKey{"A", Light})
	if want := paceFor(LimitsPro[Light], 0.25); got != want || got.Interval <= def.rt.pace(RateKey{"A", Light}).Interval {
		t.Fatalf("Pro at 25%%: pace %+v, want %+v and slower than the default", got, want)
	}
	if _, err := NewService(Config{Share: 1.2}); err == nil {
		t.Fatal("a share above 1 was accepted")
	}
}
