package awstest

import (
	"errors"
	"os"
	"syscall"
)

// sysProcAttr puts moto_server in a process group of its own, so stop can kill
// the shim and the Python process it execs together, and asks the kernel to
// SIGKILL it if the test binary dies first (a panic, a timeout, a Ctrl-C), so
// no orphan server outlives the test even without Main. Pdeathsig fires when
// the forking OS thread exits; Go keeps its threads for the life of the
// process unless a goroutine exits while locked to one, which Start never is.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// kill SIGKILLs p's process group; a group already gone is not an error.
func kill(p *os.Process) error {
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
