//go:build linux

package functions_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/localstack"
	"github.com/drsync/drsync/shared/sfntest/rie"
)

// Variables of TestInvokeLocal.
const (
	// envInvoke names the function to invoke: sync or auditlog.
	envInvoke = "DRSYNC_INVOKE"
	// envEvent names the events/ payload for sync (default scheduled.json).
	envEvent = "DRSYNC_EVENT"
)

// TestInvokeLocal is `make invoke-sync` and `make invoke-auditlog`, not a
// test: it brings up the local stack (moto, two emulated workspaces, the
// source seeded with the sample estate), runs the function under the RIE
// with a payload from events/ and prints the response and everything the
// function wrote (JSON logs, EMF lines). For auditlog it first runs a full
// sync, then edits a notebook and a job in the source and delivers the audit
// records naming them. It is skipped unless DRSYNC_INVOKE is set.
func TestInvokeLocal(t *testing.T) {
	name := os.Getenv(envInvoke)
	if name == "" {
		t.Skipf("set %s=sync or %s=auditlog (make invoke-sync, make invoke-auditlog)", envInvoke, envInvoke)
	}
	s := localstack.New(t, handlertest.Options{})
	var fn *localstack.Function
	var body []byte
	var ferr *rie.FunctionError
	switch name {
	case "sync":
		fn = s.Start(t, "sync")
		body, ferr = fn.Invoke(t, handlertest.Event(t, orDefault(os.Getenv(envEvent), "scheduled.json")))
	case "auditlog":
		localstack.ScheduledSync(t, s.Start(t, "sync"))
		event, _ := s.DeliverChanges(t, "local")
		fn = s.Start(t, "auditlog")
		body, ferr = fn.Invoke(t, event)
	default:
		t.Fatalf("%s=%q: want sync or auditlog", envInvoke, name)
	}
	fn.Stop(t) // waits for the function's output
	var pretty bytes.Buffer
	if json.Indent(&pretty, body, "", "  ") != nil {
		pretty.Write(body)
	}
	t.Logf("function output (RIE, runtime, JSON logs, EMF):\n%s\n\nresponse:\n%s", fn.Tail(), pretty.String())
	if ferr != nil {
		t.Errorf("the function returned an error: %v", ferr)
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
