package main

import (
	"os"
	"testing"
)

// TestMain removes the portal binary the kill tests built (33 MB) when the tests end, so
// that a run outside `devdb exec` (whose $TMPDIR goes with its cluster) leaves nothing behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if portalBinDir != "" {
		_ = os.RemoveAll(portalBinDir)
	}
	os.Exit(code)
}
