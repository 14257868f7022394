//go:build !linux

package awstest

import (
	"errors"
	"os"
	"syscall"
)

// sysProcAttr: outside Linux there is no parent-death signal; Main must stop
// the server.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// kill kills the server process; one already gone is not an error.
func kill(p *os.Process) error {
	err := p.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}
