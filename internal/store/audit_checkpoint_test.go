package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/store"
)

func TestAuditCheckpointMACCoversEveryField(t *testing.T) {
	t.Parallel()
	keys, err := secret.ParseKeyring(secret.NewKey("new") + "," + secret.NewKey("old"))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(nil, keys) // signing needs no database
	head := store.AuditHead{PartnerID: 7, Seq: 42, Hash: bytes.Repeat([]byte{0xab}, sha256.Size)}
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	cp, err := st.SignCheckpoint(head, at)
	if err != nil || cp.KeyID != "new" || !cp.At.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("signed %+v, %v", cp, err)
	}
	line, _ := json.Marshal(cp)
	var back store.AuditCheckpoint
	if err := json.Unmarshal(line, &back); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if err := st.VerifyCheckpoint(back); err != nil {
		t.Fatalf("%s does not verify: %v", line, err)
	}
	changes := map[string]func(c *store.AuditCheckpoint){
		"partner": func(c *store.AuditCheckpoint) { c.PartnerID++ },
		"seq":     func(c *store.AuditCheckpoint) { c.Seq-- },
		"hash":    func(c *store.AuditCheckpoint) { c.Hash = bytes.Repeat([]byte{0xcd}, sha256.Size) },
		"time":    func(c *store.AuditCheckpoint) { c.At = c.At.Add(time.Microsecond) },
		"key id":  func(c *store.AuditCheckpoint) { c.KeyID = "old" },
	}
	for name, change := range changes {
		c := back
		change(&c)
		if err := st.VerifyCheckpoint(c); err == nil {
			t.Errorf("a checkpoint with its %s changed verifies", name)
		}
	}
	other, err := secret.ParseKeyring(secret.NewKey("new"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.New(nil, other).VerifyCheckpoint(back); err == nil {
		t.Error("a checkpoint verifies under another key of the same id")
	}
	unknown, err := secret.ParseKeyring(secret.NewKey("k9"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.New(nil, unknown).VerifyCheckpoint(back); !errors.Is(err, secret.ErrUnknownKey) {
		t.Errorf("a checkpoint of a key not held: %v", err)
	}
	// The head an export wrote before heads were signed reads as unsigned.
	var old store.AuditCheckpoint
	err = old.UnmarshalJSON([]byte(`{"partner_id":7,"seq":42,"hash":"` + string(bytes.Repeat([]byte("ab"), sha256.Size)) + `"}`))
	if !errors.Is(err, store.ErrUnsignedCheckpoint) || old.Seq != 42 {
		t.Errorf("unsigned head: %+v, %v", old, err)
	}
}
