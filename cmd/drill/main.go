//go:build linux

// Command drill is what `make drill` runs: a failover then a failback of the
// local stack (moto, two emulated workspaces seeded with the sample estate,
// the failover function as built for Lambda under the Runtime Interface
// Emulator), each driven by the runbook's state machine as synthesized (the
// baseline template), run by aws-local-stepfunctions. It prints the
// standby's readiness before and after, each step's outcome and duration
// (its share of the RTO), each direction's total, and a summary.
//
// Everything it starts is stopped on exit and on Ctrl-C. Exit status: 0 the
// drill passed, 1 it failed (the failure is named), 2 usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/localstack"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: drill (no arguments; run it from the module, make drill)")
	}
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills at once: the servers die
	// with the process (their parent-death signal).
	context.AfterFunc(ctx, stop)
	err := localstack.Run(ctx, "drill", os.Stderr, func(t fixture.T) { runDrill(t, os.Stdout) })
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // it starts with the run's name
		os.Exit(1)
	}
}
