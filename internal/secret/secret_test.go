package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRoundTripAndRotation(t *testing.T) {
	oldKey, newKey := NewKey("old"), NewKey("new")
	old, err := ParseKeyring(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	id, sealed := old.Encrypt([]byte("refresh-token-value"), []byte("row:1"))
	if id != "old" {
		t.Fatalf("key id = %q, want old", id)
	}
	if bytes.Contains(sealed, []byte("refresh-token-value")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	rotated, err := ParseKeyring(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.CurrentKeyID() != "new" {
		t.Fatalf("current = %q, want new", rotated.CurrentKeyID())
	}
	pt, err := rotated.Decrypt(id, sealed, []byte("row:1"))
	if err != nil || string(pt) != "refresh-token-value" {
		t.Fatalf("decrypt after rotation = %q, %v", pt, err)
	}
	if _, err := rotated.Decrypt(id, sealed, []byte("row:2")); err == nil {
		t.Fatal("decrypt with other additional data succeeded")
	}
	if _, err := rotated.Decrypt("gone", sealed, []byte("row:1")); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: err = %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := rotated.Decrypt(id, sealed, []byte("row:1")); err == nil {
		t.Fatal("decrypt of tampered ciphertext succeeded")
	}
}

func TestParseKeyringErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "no key"},
		{"k1:bm90LWEta2V5", "want 32"},
		{"k1:!!!", "not base64"},
		{NewKey("a") + "," + NewKey("a"), "twice"},
		// A key typed without an id is named by what was typed, never by the id it is kept under.
		{"bm90LWEta2V5", "the key: "},
		{NewKey("a") + ",bm90LWEta2V5", "key 2: "},
		{":" + strings.TrimPrefix(NewKey("x"), "x:"), "the key has an empty or malformed id"},
		{strings.TrimPrefix(NewKey("x"), "x:") + "," + strings.TrimPrefix(NewKey("y"), "y:"), "key 2 has no id, like an earlier one"},
	} {
		_, err := ParseKeyring(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeyring(%q) err = %v, want %q", tc.in, err, tc.want)
		}
		if err != nil && !strings.Contains(tc.in, "k1") && strings.Contains(err.Error(), "k1") {
			t.Errorf("ParseKeyring(%q) err = %v names k1, which was not typed", tc.in, err)
		}
	}
	kr, err := ParseKeyring(strings.TrimPrefix(NewKey("x"), "x:"))
	if err != nil || kr.CurrentKeyID() != "k1" {
		t.Fatalf("bare key: %v, id %v", err, kr)
	}
}

func TestDerive(t *testing.T) {
	kr, err := ParseKeyring(NewKey("a") + "," + NewKey("b"))
	if err != nil {
		t.Fatal(err)
	}
	derive := func(id, label string) []byte {
		t.Helper()
		k, err := kr.Derive(id, label)
		if err != nil || len(k) != 32 {
			t.Fatalf("derive %s %s: %v %d", id, label, err, len(k))
		}
		return k
	}
	a1, a2, other, b1 := derive("a", "audit"), derive("a", "audit"), derive("a", "other"), derive("b", "audit")
	if !bytes.Equal(a1, a2) || bytes.Equal(a1, other) || bytes.Equal(a1, b1) {
		t.Fatal("derived keys are not stable per key and label")
	}
	if _, err := kr.Derive("c", "audit"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
}
