//go:build linux

package functions_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/drsync/drsync/shared/handler/handlertest"
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
	s, b, env := newStack(t, handlertest.Options{})
	var fn *rie
	var body []byte
	var ferr *functionError
	switch name {
	case "sync":
		fn = startRIE(t, b, "sync", env)
		body, ferr = fn.invoke(t, handlertest.Event(t, orDefault(os.Getenv(envEvent), "scheduled.json")))
	case "auditlog":
		invokeSync(t, startRIE(t, b, "sync", env))
		key := handlertest.AuditKey(handlertest.SourceWorkspaceID, "local")
		s.PutAuditObject(t, key, changeAndLog(t, s)...)
		fn = startRIE(t, b, "auditlog", env)
		body, ferr = fn.invoke(t, handlertest.ObjectCreated(t, s.Bucket, key))
	default:
		t.Fatalf("%s=%q: want sync or auditlog", envInvoke, name)
	}
	fn.stop(t) // waits for the function's output
	var pretty bytes.Buffer
	if json.Indent(&pretty, body, "", "  ") != nil {
		pretty.Write(body)
	}
	t.Logf("function output (RIE, runtime, JSON logs, EMF):\n%s\n\nresponse:\n%s", fn.tail(), pretty.String())
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
