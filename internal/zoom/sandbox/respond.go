package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// apiError is a Zoom REST error: an HTTP status and a {code, message[, errors]} body.
type apiError struct {
	Status  int               `json:"-"`
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Errors  []fieldError      `json:"errors,omitempty"`
	Headers map[string]string `json:"-"` // extra response headers (Retry-After, X-RateLimit-*)
}

// fieldError is one entry of a validation error's errors[].
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error implements error.
func (e *apiError) Error() string {
	return fmt.Sprintf("zoom %d code %d: %s", e.Status, e.Code, e.Message)
}

// zerr builds an apiError.
func zerr(status, code int, format string, args ...any) *apiError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &apiError{Status: status, Code: code, Message: msg}
}

// Canonical errors of ZOOM_API.md §5.
func errInvalidToken() *apiError { return zerr(401, 124, "Invalid access token.") }
func errExpiredToken() *apiError { return zerr(401, 124, "Access token is expired.") }
func errScope(scope string) *apiError {
	return zerr(400, 4711, "Invalid access token, does not contain scopes:[%s]", scope)
}
func errBadJSON() *apiError { return zerr(400, 300, "Request Body should be a valid JSON object.") }
func errParam(name string) *apiError {
	return zerr(400, 300, "Invalid parameter: %s", name)
}
func errNoAccount(id string) *apiError { return zerr(404, 2001, "Account does not exist: %s.", id) }
func errNoUser(id string) *apiError    { return zerr(404, 1001, "User does not exist: %s.", id) }
func errNoPermission() *apiError       { return zerr(400, 200, "No permission.") }
func errInviteGone() *apiError {
	return zerr(400, 1120, "A valid invitation to join the Zoom account was not found for this user.")
}

// validation collects field errors and turns them into one code 300 error.
type validation []fieldError

// add records an invalid field.
func (v *validation) add(field, msg string) { *v = append(*v, fieldError{Field: field, Message: msg}) }

// err returns the code 300 "Validation Failed." error, or nil when nothing was added.
func (v validation) err() error {
	if len(v) == 0 {
		return nil
	}
	return &apiError{Status: 400, Code: 300, Message: "Validation Failed.", Errors: v}
}

// writeJSON encodes v as the response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status, buf = 500, *bytes.NewBufferString(`{"code":500,"message":"Internal error."}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeError writes an error as Zoom does and notes its code for the request log.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = zerr(500, 500, "Internal error.")
	}
	if info := infoFrom(r.Context()); info != nil {
		info.code = ae.Code
	}
	for k, v := range ae.Headers {
		w.Header().Set(k, v)
	}
	writeJSON(w, ae.Status, ae)
}

// decodeObject parses a request body that must be one JSON object into v.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errBadJSON()
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			var val validation
			val.add(te.Field, "Invalid field.")
			return val.err()
		}
		return errBadJSON()
	}
	return nil
}
