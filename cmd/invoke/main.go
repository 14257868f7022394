//go:build linux

// Command invoke is what `make invoke-sync`, `make invoke-auditlog` and
// `make invoke-failover` run: it brings up the local stack (moto, two
// emulated workspaces, the source seeded with the sample estate), runs one
// function as built for Lambda under the Runtime Interface Emulator, sends
// it one payload and prints everything the function wrote (the RIE's and
// the runtime's lines, the JSON logs, the EMF lines) and its response.
//
//	invoke [-event NAME] sync|auditlog|failover
//
// sync gets events/NAME (default scheduled.json). auditlog first runs a full
// sync, then edits a notebook and a job in the source and delivers the audit
// records naming them; its event is that delivery's. failover first syncs
// the DR copy, then gets events/NAME (default failover-step.json: the
// Readiness step of a failover). Everything started is stopped on exit and
// on Ctrl-C. Exit status: 0 the function answered, 1 it failed or the stack
// did, 2 usage.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/localstack"
)

// defaultEvents are the events/ payloads each function gets without -event;
// auditlog's is made by the run.
var defaultEvents = map[string]string{
	"sync":     "scheduled.json",
	"auditlog": "",
	"failover": "failover-step.json",
}

func main() {
	name, event, err := parseArgs(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "invoke: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills at once: the servers die
	// with the process (their parent-death signal).
	context.AfterFunc(ctx, stop)
	err = localstack.Run(ctx, "invoke "+name, os.Stderr, func(t fixture.T) {
		invoke(t, os.Stdout, name, event)
	})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // it starts with the run's name
		os.Exit(1)
	}
}

// parseArgs reads [-event NAME] FUNCTION.
func parseArgs(args []string, stderr io.Writer) (name, event string, err error) {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&event, "event", "", "the events/ payload to send (sync: scheduled.json, failover: failover-step.json)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: invoke [-event NAME] sync|auditlog|failover")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return "", "", err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return "", "", errors.New("name one function")
	}
	name = fs.Arg(0)
	def, ok := defaultEvents[name]
	switch {
	case !ok:
		return "", "", fmt.Errorf("unknown function %q: want sync, auditlog or failover", name)
	case name == "auditlog" && event != "":
		return "", "", errors.New("auditlog's event is the delivery the run makes: -event does not apply")
	case event == "":
		event = def
	}
	return name, event, nil
}

// invoke runs function name with its payload and prints its output and
// response to out; a function error fails t after printing.
func invoke(t fixture.T, out io.Writer, name, event string) {
	var fn *localstack.Function
	var payload []byte
	switch name {
	case "sync":
		s := localstack.New(t, handlertest.Options{})
		fn, payload = s.Start(t, name), handlertest.Event(t, event)
	case "auditlog":
		s := localstack.New(t, handlertest.Options{})
		localstack.ScheduledSync(t, s.Start(t, "sync"))
		payload, _ = s.DeliverChanges(t, "local")
		fn = s.Start(t, name)
	case "failover":
		fn, payload = localstack.NewRunbook(t, nil, localstack.RunbookOptions{}).Failover, handlertest.Event(t, event)
	}
	body, ferr := fn.Invoke(t, payload)
	fn.Stop(t) // waits for the function's output
	fmt.Fprintf(out, "function output (RIE, runtime, JSON logs, EMF):\n%s\n\nresponse:\n%s\n", fn.Tail(), indent(body))
	if ferr != nil {
		t.Errorf("the function returned an error: %v", ferr)
	}
}

// indent is body as indented JSON, or as it came when it is not JSON.
func indent(body []byte) string {
	var pretty bytes.Buffer
	if json.Indent(&pretty, body, "", "  ") != nil {
		return string(body)
	}
	return pretty.String()
}
