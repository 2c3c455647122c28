//go:build !linux

package main

import (
	"context"
	"os"
)

// ctrlCFromTerminal leaves Ctrl-C as SIGINT outside Linux.
func ctrlCFromTerminal(ctx context.Context, _ *os.File) (context.Context, func()) {
	return ctx, func() {}
}
