package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
)

// idFor derives a Zoom-shaped id (22 characters of base64url, like "KDcuGIm1QgePTO8WbOqwIQ")
// from the seed name, a kind and a sequence number, so the same seed gives the same ids.
func idFor(seed, kind string, seq int64) string {
	sum := sha256.Sum256([]byte("tierdesk-sandbox/" + seed + "/" + kind + "/" + strconv.FormatInt(seq, 10)))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// numberFor derives a stable positive number with the given count of digits.
func numberFor(seed, kind string, seq int64, digits int) int64 {
	sum := sha256.Sum256([]byte("tierdesk-sandbox-number/" + seed + "/" + kind + "/" + strconv.FormatInt(seq, 10)))
	n := binary.BigEndian.Uint64(sum[:8])
	lo := int64(1)
	for range digits - 1 {
		lo *= 10
	}
	return lo + int64(n%uint64(9*lo))
}

// newAccountID allocates the next account id.
func (st *state) newAccountID() (string, int64) {
	seq := st.nextSeq()
	return idFor(st.Seed, "account", seq), seq
}

// newUserID allocates the next user id.
func (st *state) newUserID() (string, int64) {
	seq := st.nextSeq()
	return idFor(st.Seed, "user", seq), seq
}

// randomToken returns n random bytes as base64url (tokens, codes, secrets).
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// trackingID returns a value shaped like Zoom's x-zm-trackingid header.
func trackingID(seq uint64) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("v=2.0;clid=sandbox;rid=WEB_%016x%s", seq, hex.EncodeToString(b))
}
