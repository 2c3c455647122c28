package zoom

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
	Path       string
}

// FieldError is one field of a validation failure.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("zoom: %s %s: HTTP %d code %d: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("zoom: %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
}

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
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200]
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
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

// IsConflict reports whether Zoom refused because the object already exists (HTTP 409, or
// code 1005 "Email has already been used").
func IsConflict(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Status == http.StatusConflict || e.Code == 1005)
}

// IsRateLimited reports whether Zoom answered 429.
func IsRateLimited(err error) bool {
	e, ok := AsError(err)
	return ok && e.Status == http.StatusTooManyRequests
}

// NeedsReauth reports whether the grant can no longer be used and its owner must sign in
// again: the refresh token was refused (invalid_grant), or Zoom rejected the access token
// (HTTP 401 code 124) after any refresh.
func NeedsReauth(err error) bool {
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

// TokenError is the OAuth token endpoint's refusal: {"reason": "...", "error": "..."}.
type TokenError struct {
	Status    int
	ErrorCode string // e.g. invalid_grant, invalid_client
	Reason    string // e.g. "Invalid Token!"
}

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
