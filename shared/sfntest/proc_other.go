//go:build !linux

package sfntest

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; the test's
// Cleanup must stop node.
func sysProcAttr() *syscall.SysProcAttr { return nil }
