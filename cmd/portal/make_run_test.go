//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMakeRunStopsCleanlyOnCtrlC runs `make run` as a person does, on a terminal (a
// pseudo-terminal), and types Ctrl-C once it prints its last line: make exits 0 with no
// "Error" or "Interrupt", the demo sign-ins come last with one line per listening address, and
// the start-up sync's routine Zoom calls are not logged at the default level.
func TestMakeRunStopsCleanlyOnCtrlC(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is needed: %v", err)
	}
	env := baseEnv(t, newTestDB(t))
	dir := t.TempDir()
	env["PORTAL_DATA_DIR"] = dir
	env["PORTAL_LOG_LEVEL"] = "info" // the default, as `make run` has it
	delete(env, "PORTAL_SANDBOX")    // make run decides: no Zoom credentials, so the sandbox
	cmd := exec.Command("make", "run")
	cmd.Dir = filepath.Join("..", "..")
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, set := env[name]; !set && !strings.HasPrefix(name, "ZOOM_") && !strings.HasPrefix(name, "MAKE") && name != "DATABASE_URL" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}

	term, tty := openPTY(t)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	// The terminal's side: everything printed, and a signal when the last line is.
	const last = "Press Ctrl-C to stop."
	var out syncBuffer
	read, ready := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 4096)
		seen := false
		for {
			n, err := term.Read(buf)
			out.Write(buf[:n])
			if !seen && strings.Contains(out.String(), last) {
				seen = true
				close(ready)
			}
			if err != nil {
				return
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Wait for the last line (the time bounds only a broken run: the build and a new
	// PostgreSQL database on a busy machine).
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("make run ended before %q: %v\n%s", last, err, out.String())
	case <-time.After(startPatience + time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("make run did not print %q:\n%s", last, out.String())
	}
	started := out.String()
	if _, err := term.Write([]byte{0x03}); err != nil { // Ctrl-C, as the terminal sends it
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Errorf("make run exited %d after Ctrl-C, want 0", exit.ExitCode())
		} else if err != nil {
			t.Errorf("make run: %v", err)
		}
	case <-time.After(startPatience):
		_ = cmd.Process.Kill()
		t.Fatalf("make run did not stop after Ctrl-C:\n%s", out.String())
	}
	term.Close()
	<-read
	all := out.String()
	t.Logf("make run printed:\n%s", all)

	for _, bad := range []string{"Error", "Interrupt", "exit status", "level=ERROR"} {
		if strings.Contains(all, bad) {
			t.Errorf("the output has %q", bad)
		}
	}
	// One line per listening address.
	for _, re := range []string{`(?m)^Zoom sandbox listening on http://127\.0\.0\.1:\d+\r?$`, `(?m)^portal listening on http://127\.0\.0\.1:\d+\r?$`} {
		if n := len(regexp.MustCompile(re).FindAllString(all, -1)); n != 1 {
			t.Errorf("%d lines match %s, want 1", n, re)
		}
	}
	if n := strings.Count(all, "listening"); n != 2 {
		t.Errorf("%d lines say listening, want 2", n)
	}
	// The sign-ins are the last thing printed before Ctrl-C.
	tail := started[strings.Index(started, "portal listening on"):]
	for _, want := range []string{"owner@northwind.example", "support@contoso.example", "viewer@fabrikam.example"} {
		if !strings.Contains(tail, want) {
			t.Errorf("the sign-ins after the listening line lack %s", want)
		}
	}
	if strings.Contains(tail, "level=") {
		t.Errorf("a log line came after the listening line and before Ctrl-C:\n%s", tail)
	}
	if strings.Contains(all, `msg="zoom call"`) {
		t.Error("routine Zoom calls were logged at the default level")
	}
}

// openPTY opens a pseudo-terminal: the terminal's side (what a terminal emulator holds) and
// the process's side.
func openPTY(t *testing.T) (term, tty *os.File) {
	t.Helper()
	term, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fd := int(term.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close(); tty.Close() })
	return term, tty
}
