package zoom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is Zoom's answer to a call that did not succeed (any non-2xx status).
//
// Zoom's body is {"code": N, "message": "..."}; validation failures add
// "errors": [{"field", "message"}]; some newer endpoints say "error_message" instead of
// "message", and both are read.
type Error struct {
	Status     int          // HTTP status
	Code       int          // Zoom's error code (0 when the body had none)
	Message    string       // Zoom's message, verbatim
	Fields     []FieldError // per-field problems of a code 300 validation failure
	TrackingID string       // x-zm-trackingid, for Zoom support
	Method     string
	Path       string // the path as sent
	Grant      string // the grant the call used ("user:42", "s2s:7"), for the audit log

	// Rate limiting (HTTP 429): the X-RateLimit-Category and X-RateLimit-Type Zoom sent, when
	// Zoom said the call may be made again (Retry-After, zero when not said), and whether it
	// was the daily limit. A daily limit Tierdesk already knew about is answered without
	// calling Zoom, with the same fields.
	RateLimitCategory string
	RateLimitType     string
	RetryAfter        time.Time
	DailyLimit        bool
}

// FieldError is one field of a validation failure.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error implements error.
func (e *Error) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("zoom: %s %s: HTTP %d code %d: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("zoom: %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
}

// parseError reads Zoom's error answer.
func parseError(resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode, TrackingID: resp.Header.Get("x-zm-trackingid")}
	if resp.Request != nil {
		e.Method, e.Path = resp.Request.Method, resp.Request.URL.Path
	}
	var b struct {
		Code         int          `json:"code"`
		Message      string       `json:"message"`
		ErrorMessage string       `json:"error_message"`
		Errors       []FieldError `json:"errors"`
	}
	if json.Unmarshal(body, &b) == nil {
		e.Code, e.Message, e.Fields = b.Code, b.Message, b.Errors
		if e.Message == "" {
			e.Message = b.ErrorMessage
		}
	}
	// Whatever answered (Zoom, a proxy, a CDN), its words become text: they are shown and
	// stored, and PostgreSQL holds neither NUL nor bytes that are not UTF-8.
	e.Message = asText(e.Message)
	if e.Message == "" {
		e.Message = strings.TrimSpace(asText(string(body)))
		if len(e.Message) > 200 {
			cut := 200
			for cut > 0 && !utf8.RuneStart(e.Message[cut]) {
				cut-- // never in the middle of a character
			}
			e.Message = e.Message[:cut]
		}
	}
	for i := range e.Fields {
		e.Fields[i].Field, e.Fields[i].Message = asText(e.Fields[i].Field), asText(e.Fields[i].Message)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
		if e.Message == "" {
			e.Message = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RateLimitCategory = resp.Header.Get("X-RateLimit-Category")
		e.RateLimitType = resp.Header.Get("X-RateLimit-Type")
		// Zoom's daily-limit 429 says so in X-RateLimit-Type and in its message
		// ("...maximum daily rate limit..."); either is enough.
		e.DailyLimit = strings.EqualFold(e.RateLimitType, "Daily-limit") || strings.Contains(strings.ToLower(e.Message), "daily")
	}
	return e
}

// asText is s with bytes that are not UTF-8 replaced and NULs dropped.
func asText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// AsError returns err's *Error, if it is or wraps one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether Zoom answered that the object does not exist or is not the
// caller's (HTTP 404, or codes 1001, 1010, 2001 whatever the status).
func IsNotFound(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Status == http.StatusNotFound || e.Code == 1001 || e.Code == 1010 || e.Code == 2001)
}

// IsExpiredInvitation reports whether Zoom answered a look-up of a user with code 1120: the
// user exists, pending, and the invitation has expired.
func IsExpiredInvitation(err error) bool {
	e, ok := AsError(err)
	return ok && e.Code == 1120
}

// IsConflict reports whether Zoom refused because the object already exists (HTTP 409, or
// code 1005 "Email has already been used", or 1009 "already holds an active account").
func IsConflict(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Status == http.StatusConflict || e.Code == 1005 || e.Code == 1009)
}

// IsRateLimited reports whether Zoom answered 429 (per-second, daily, or "too many
// concurrent requests" on one user), after any retries.
func IsRateLimited(err error) bool {
	e, ok := AsError(err)
	return ok && e.Status == http.StatusTooManyRequests
}

// ErrNeedsReauth is wrapped by every error that means a grant can no longer be used: the
// staff member must sign in with Zoom again (user grant), or an owner must correct the
// Server-to-Server credentials. Test for it with NeedsReauth.
var ErrNeedsReauth = errors.New("zoom: the grant can no longer be used; sign in with Zoom again")

// NeedsReauth reports whether the grant can no longer be used and its owner must sign in
// again: the refresh token was refused (invalid_grant), the grant is no longer active in
// Tierdesk, Server-to-Server credentials were refused, or Zoom rejected the access token
// (HTTP 401 code 124) even after a refresh.
func NeedsReauth(err error) bool {
	if errors.Is(err, ErrNeedsReauth) {
		return true
	}
	var te *TokenError
	if errors.As(err, &te) {
		return te.ErrorCode == "invalid_grant"
	}
	e, ok := AsError(err)
	return ok && e.Status == http.StatusUnauthorized
}

// IsPermission reports whether Zoom refused for lack of permission, scope or plan: code 200
// ("No permission", "Only available for Paid account"), 4711/4700 (missing scope) or 403.
func IsPermission(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Status == http.StatusForbidden || e.Code == 200 || e.Code == 4711 || e.Code == 4700)
}

// IsValidation reports whether Zoom refused the input (code 300, or HTTP 400 with field
// errors); Error.Fields then names the fields when Zoom did.
func IsValidation(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Code == 300 || (e.Status == http.StatusBadRequest && len(e.Fields) > 0))
}

// IsTimeout reports whether the call failed because Zoom did not answer in time (the
// client's per-attempt timeout or the caller's deadline).
func IsTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errAttemptTimeout)
}

// errAttemptTimeout is the cause of an attempt cut by the client's per-call timeout.
var errAttemptTimeout = errors.New("zoom did not answer within the call timeout")

// TokenError is the OAuth token endpoint's refusal: {"reason": "...", "error": "..."}.
type TokenError struct {
	Status    int
	ErrorCode string // e.g. invalid_grant, invalid_client
	Reason    string // e.g. "Invalid Token!"
}

// Error implements error.
func (e *TokenError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("zoom oauth: HTTP %d %s: %s", e.Status, e.ErrorCode, e.Reason)
	}
	return fmt.Sprintf("zoom oauth: HTTP %d %s", e.Status, e.ErrorCode)
}

// parseTokenError reads a token endpoint's error body.
func parseTokenError(status int, body []byte) *TokenError {
	te := &TokenError{Status: status}
	var b struct {
		Reason string `json:"reason"`
		Error  string `json:"error"`
	}
	if json.Unmarshal(body, &b) == nil {
		te.Reason, te.ErrorCode = b.Reason, b.Error
	}
	if te.ErrorCode == "" {
		te.ErrorCode = "unknown_error"
	}
	return te
}

// OutcomeUnknownError means a change was sent but its answer was lost (timeout, dropped
// connection, 5xx): Zoom may or may not have applied it. The caller must look the object up
// (a sub account by its owner's email, a user by email) before doing anything else, and
// record the change as pending until then; the client never retries a change by itself.
type OutcomeUnknownError struct {
	Method, Path string
	Status       int    // the 5xx status when there was one, else 0
	Grant        string // the grant the call used
	Err          error
}

// Error implements error.
func (e *OutcomeUnknownError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("zoom: %s %s: outcome unknown (HTTP %d)", e.Method, e.Path, e.Status)
	}
	return fmt.Sprintf("zoom: %s %s: outcome unknown: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the cause (a *Error for a 5xx answer, else the transport error).
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// IsOutcomeUnknown reports whether err is an *OutcomeUnknownError.
func IsOutcomeUnknown(err error) bool {
	var e *OutcomeUnknownError
	return errors.As(err, &e)
}
