package devdb

import "syscall"

// StopWithParent asks the kernel to send this process SIGTERM when its parent ends (Linux; a
// no-op elsewhere). `make test` starts `portal devdb exec` with `go run`, which dies of SIGTERM
// without passing it on: the portal would run on, orphaned, until its command ended.
func StopWithParent() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		return errno
	}
	return nil
}
