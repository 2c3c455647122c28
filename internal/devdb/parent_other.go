//go:build !linux

package devdb

// StopWithParent asks the kernel to send this process SIGTERM when its parent ends; only
// Linux can, so here it does nothing.
func StopWithParent() error { return nil }
