package main

import (
	"context"
	"os"

	"golang.org/x/sys/unix"
)

// ctrlCFromTerminal makes Ctrl-C on the terminal of stdin stop ctx instead of sending SIGINT,
// when stdin is a terminal: `make run` then ends with the portal's own exit status (0 after a
// clean stop), not with make's "Interrupt" or go run's "exit status 1", because no signal
// reaches make. The terminal stops making signals of keys (ISIG off) and hands over each key
// as it is typed (ICANON off, echo kept); Ctrl-C and Ctrl-\ stop ctx. restore puts the
// terminal back as it was (the Makefile restores it too, should the process die first).
func ctrlCFromTerminal(ctx context.Context, stdin *os.File) (_ context.Context, restore func()) {
	fd := int(stdin.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return ctx, func() {} // not a terminal: Ctrl-C stays SIGINT
	}
	t := *old
	t.Lflag &^= unix.ISIG | unix.ICANON
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		b := make([]byte, 1)
		for {
			n, err := stdin.Read(b)
			if err != nil {
				return
			}
			if n == 1 && (b[0] == 0x03 || b[0] == 0x1c) { // Ctrl-C, Ctrl-\
				_, _ = unix.Write(fd, []byte("\n")) // end the line the terminal echoed ^C on
				cancel()
			}
		}
	}()
	return ctx, func() {
		cancel()
		_ = unix.IoctlSetTermios(fd, unix.TCSETS, old)
	}
}
