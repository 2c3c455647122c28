package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// SetNow replaces the store's clock (tests only).
func (s *Store) SetNow(now func() time.Time) { s.now = now }

// TrigramCores exposes trigramCores to tests.
var TrigramCores = trigramCores

// RecordInTx records e in its partner's log inside tx, a transaction the test holds, as the
// store's writers do inside theirs (tests only).
func (s *Store) RecordInTx(ctx context.Context, tx pgx.Tx, e AuditEvent) (AuditEvent, error) {
	if err := setActingPartner(ctx, tx, e.PartnerID); err != nil {
		return e, err
	}
	return s.appendAudit(ctx, tx, e)
}
