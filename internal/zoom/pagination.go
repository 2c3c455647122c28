package zoom

import (
	"context"
	"iter"
	"log/slog"
	"net/http"
	"strings"
)

// Page is the envelope of every list answer (ZOOM_API §8). next_page_token is the supported
// way to page; it is "" on the last page and expires 15 minutes after it was issued.
type Page struct {
	PageCount     int    `json:"page_count"`
	PageNumber    int    `json:"page_number"` // deprecated by Zoom, still echoed
	PageSize      int    `json:"page_size"`
	TotalRecords  int    `json:"total_records"`
	NextPageToken string `json:"next_page_token"`
}

// maxRestarts bounds how often one walk starts over after an expired page token.
const maxRestarts = 3

// walk iterates over every item of a list, fetching page after page. When Zoom refuses a
// page token (expired after 15 minutes, e.g. because the consumer of the iterator was slow)
// the walk starts again from the first page and skips the items it already yielded, so each
// item (by key) is yielded once. It stops at the first other error, which it yields with the
// zero item.
func walk[T any](ctx context.Context, c *Client, route string, fetch func(ctx context.Context, token string) ([]T, string, error), key func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		seen := map[string]bool{}
		token, restarts := "", 0
		for {
			items, next, err := fetch(ctx, token)
			if err != nil {
				if token != "" && pageTokenRefused(err) && restarts < maxRestarts {
					restarts++
					c.log.LogAttrs(ctx, slog.LevelWarn, "zoom page token refused; listing again from the first page",
						slog.String("route", route), slog.String("grant", c.Grant()), slog.Int("restart", restarts),
						slog.Int("already_yielded", len(seen)), slog.String("error", err.Error()))
					token = ""
					continue
				}
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if k := key(it); k != "" {
					if seen[k] {
						continue
					}
					seen[k] = true
				}
				if !yield(it, nil) {
					return
				}
			}
			if next == "" || next == token {
				return
			}
			token = next
		}
	}
}

// pageTokenRefused reports whether an error to a request that carried a next_page_token is
// Zoom refusing the token. Zoom documents that tokens expire after 15 minutes but not the
// answer; the sandbox says 400 code 300 "Invalid parameter: next_page_token", and Zoom is
// reported to answer code 300 with a message about the token. UNCERTAIN, so both a code 300
// and any 4xx (other than 401/403/429) whose message mentions the token count: the same query
// worked for the first page moments ago, so a restart costs one call if the guess is wrong.
func pageTokenRefused(err error) bool {
	e, ok := AsError(err)
	if !ok || e.Status < 400 || e.Status > 499 {
		return false
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		return false
	}
	msg := strings.ToLower(e.Message)
	return e.Code == 300 || strings.Contains(msg, "page_token") || strings.Contains(msg, "page token") || strings.Contains(msg, "expired")
}
