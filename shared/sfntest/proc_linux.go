package sfntest

import "syscall"

// sysProcAttr asks the kernel to SIGKILL node if the test binary dies first
// (a panic, a timeout, a Ctrl-C), so no interpreter outlives its test even
// when no Cleanup runs. Pdeathsig fires when the forking OS thread exits; Go
// keeps its threads unless a goroutine exits while locked to one, which Start
// never is.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
