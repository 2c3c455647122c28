package main

import (
	"context"
	"io"

	"github.com/tierdesk/tierdesk/internal/zoom/sandbox"
)

// sandboxCommand runs the Zoom sandbox alone: portal sandbox --addr 127.0.0.1:9090
// --state FILE --seed demo|empty.
func sandboxCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return sandbox.Main(ctx, args, getenv, stdout)
}
