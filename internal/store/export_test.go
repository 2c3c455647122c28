package store

import "time"

// SetNow replaces the store's clock (tests only).
func (s *Store) SetNow(now func() time.Time) { s.now = now }

// TrigramCores exposes trigramCores to tests.
var TrigramCores = trigramCores
