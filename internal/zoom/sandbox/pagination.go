package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// pageTokenTTL is how long a next_page_token stays valid (ZOOM_API.md §8).
const pageTokenTTL = 15 * time.Minute

// pageEnvelope is the envelope of every list answer.
type pageEnvelope struct {
	PageCount     int    `json:"page_count"`
	PageNumber    int    `json:"page_number"`
	PageSize      int    `json:"page_size"`
	TotalRecords  int    `json:"total_records"`
	NextPageToken string `json:"next_page_token"`
}

// paginate reads page_size, page_number and next_page_token for a list of total items and
// returns the slice bounds and the envelope. scope names the list (kind, account, filters):
// a token only works for the same list, by the same caller, for 15 minutes.
func (c *call) paginate(scope string, total, maxSize int) (int, int, pageEnvelope, error) {
	q := c.r.URL.Query()
	size := 30
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, 0, pageEnvelope{}, errParam("page_size")
		}
		if n > 0 {
			size = min(n, maxSize)
		}
	}
	offset := 0
	switch tok, num := q.Get("next_page_token"), q.Get("page_number"); {
	case tok != "":
		off, ok := c.s.readPageToken(tok, c.p.accountID+"|"+scope, c.now)
		if !ok {
			return 0, 0, pageEnvelope{}, errParam("next_page_token")
		}
		offset = off
	case num != "":
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 {
			return 0, 0, pageEnvelope{}, errParam("page_number")
		}
		offset = (n - 1) * size
	}
	end := min(offset+size, total)
	start := min(offset, end)
	env := pageEnvelope{PageCount: (total + size - 1) / size, PageNumber: offset/size + 1, PageSize: size, TotalRecords: total}
	if end < total {
		env.NextPageToken = c.s.pageToken(c.p.accountID+"|"+scope, end, c.now)
	}
	return start, end, env, nil
}

// pageToken signs "offset|issued" for a list scope.
func (s *Sandbox) pageToken(scope string, offset int, now time.Time) string {
	payload := strconv.Itoa(offset) + "." + strconv.FormatInt(now.Unix(), 36)
	return payload + "." + s.pageMAC(scope, payload)
}

// readPageToken checks a token's signature, scope and age and returns its offset.
func (s *Sandbox) readPageToken(tok, scope string, now time.Time) (int, bool) {
	off, rest, ok1 := strings.Cut(tok, ".")
	issued, mac, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || !hmac.Equal([]byte(mac), []byte(s.pageMAC(scope, off+"."+issued))) {
		return 0, false
	}
	n, err1 := strconv.Atoi(off)
	sec, err2 := strconv.ParseInt(issued, 36, 64)
	if err1 != nil || err2 != nil || n < 0 || now.Sub(time.Unix(sec, 0)) > pageTokenTTL {
		return 0, false
	}
	return n, true
}

// pageMAC authenticates a page token payload for a scope.
func (s *Sandbox) pageMAC(scope, payload string) string {
	m := hmac.New(sha256.New, []byte(s.st.Secret))
	m.Write([]byte(scope + "|" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}
