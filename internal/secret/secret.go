// Package secret encrypts secrets at rest (Zoom refresh and access tokens, Server-to-Server
// client secrets, webhook secret tokens) with AES-256-GCM under keys from the environment.
//
// A Keyring holds one or more keys, each with a short id. The first key encrypts; any key
// decrypts what it encrypted, so keys can rotate: add a new key first, keep the old ones until
// every row has been re-encrypted. The key id is stored with the ciphertext.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Keyring holds the encryption keys.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	raw     map[string][]byte
}

// ErrUnknownKey means a ciphertext names a key id the keyring does not hold.
var ErrUnknownKey = errors.New("secret: unknown key id")

// ParseKeyring parses PORTAL_SECRET_KEY: one or more comma-separated keys, each
// `id:base64` (or a bare base64 key, whose id is "k1"), each decoding to exactly 32 bytes.
// The first key is the one new secrets are encrypted with.
func ParseKeyring(s string) (*Keyring, error) {
	kr := &Keyring{aeads: map[string]cipher.AEAD{}, raw: map[string][]byte{}}
	parts := strings.Split(s, ",")
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		// Messages name a key only by what was typed: its id, or its place in the list.
		name := "the key"
		if len(parts) > 1 {
			name = fmt.Sprintf("key %d", i+1)
		}
		id, b64, ok := strings.Cut(part, ":")
		switch {
		case !ok:
			id, b64 = "k1", part // a bare key (no id) is stored under k1
		case id == "" || strings.ContainsAny(id, " \t"):
			return nil, fmt.Errorf("%s has an empty or malformed id", name)
		default:
			name = fmt.Sprintf("key %q", id)
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		if _, dup := kr.aeads[id]; dup {
			if !ok {
				return nil, fmt.Errorf("%s has no id, like an earlier one: give each key an id (ID:BASE64)", name)
			}
			return nil, fmt.Errorf("key id %q appears twice", id)
		}
		kr.aeads[id] = aead
		kr.raw[id] = key
		if kr.current == "" {
			kr.current = id
		}
	}
	if kr.current == "" {
		return nil, errors.New("no key given")
	}
	return kr, nil
}

func decodeKey(b64 string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(b64); err == nil {
			if len(key) != 32 {
				return nil, fmt.Errorf("decodes to %d bytes, want 32 (generate one with: openssl rand -base64 32)", len(key))
			}
			return key, nil
		}
	}
	return nil, errors.New("is not base64 (generate one with: openssl rand -base64 32)")
}

// NewKey returns a fresh random key in the `id:base64` form ParseKeyring reads.
func NewKey(id string) string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return id + ":" + base64.StdEncoding.EncodeToString(key)
}

// CurrentKeyID returns the id of the key new secrets are encrypted with.
func (k *Keyring) CurrentKeyID() string { return k.current }

// Derive returns a 32-byte key for one purpose (label), derived from key keyID with
// HMAC-SHA256, so that one configured key serves several uses without reuse. It fails with
// ErrUnknownKey.
func (k *Keyring) Derive(keyID, label string) ([]byte, error) {
	key, ok := k.raw[keyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("tierdesk derive v1\x00" + label))
	return m.Sum(nil), nil
}

// Encrypt seals plaintext under the current key. additional binds the ciphertext to its
// place (for example "zoom_grants.refresh_token:42") so it cannot be moved to another row.
// It returns the key id and nonce||ciphertext.
func (k *Keyring) Encrypt(plaintext, additional []byte) (keyID string, sealed []byte) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	_, _ = rand.Read(nonce)
	return k.current, aead.Seal(nonce, nonce, plaintext, additional)
}

// Decrypt opens what Encrypt sealed. It fails with ErrUnknownKey when keyID is not in the
// keyring, and with an error when the ciphertext or additional data was altered.
func (k *Keyring) Decrypt(keyID string, sealed, additional []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("secret: ciphertext too short")
	}
	nonce, ct := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, additional)
	if err != nil {
		return nil, fmt.Errorf("secret: decrypt with key %q: %w", keyID, err)
	}
	return pt, nil
}
