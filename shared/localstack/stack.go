//go:build linux

package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"time"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/sfntest/rie"
)

// Limits of a function.
const (
	// FunctionTimeout is what the RIE tells a function its timeout is,
	// unless StartWith says otherwise.
	FunctionTimeout = time.Minute
	// memoryMB is what the RIE tells a function its memory is.
	memoryMB = "512"
	// invokeTimeout bounds one invoke, a full sync of the sample estate
	// included.
	invokeTimeout = 2 * time.Minute
	// tailChars is how much of a function's output Tail keeps.
	tailChars = 6000
)

// Stack is handlertest's stack and the functions built to run in it.
type Stack struct {
	*handlertest.Stack
	Bootstraps *Bootstraps
}

// New starts moto (skipping t without it, before anything is built), builds
// the functions (once per process) and sets up a stack made with opts.
func New(t fixture.T, opts handlertest.Options) *Stack {
	t.Helper()
	awstest.Start(t)
	b := Built(t)
	return &Stack{Stack: handlertest.New(t, opts), Bootstraps: b}
}

// Start runs function name under its own RIE with the stack's environment
// (Stack.Env) and FunctionTimeout, stopped when t ends.
func (s *Stack) Start(t fixture.T, name string) *Function {
	t.Helper()
	return s.StartWith(t, name, s.Env(), FunctionTimeout)
}

// StartWith is Start with the function's whole environment and timeout
// given.
func (s *Stack) StartWith(t fixture.T, name string, env map[string]string, timeout time.Duration) *Function {
	t.Helper()
	env = maps.Clone(env)
	env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = memoryMB
	fn := rie.Start(t, s.Bootstraps.Path(name), rie.Options{Name: "drsync-" + name, Env: env, Timeout: timeout})
	return &Function{RIE: fn}
}

// Function is one of the stack's functions under its own RIE.
type Function struct {
	RIE *rie.Function
}

// Invoke sends payload to the function and returns its response, and its
// failure if it failed; it fails t when the invoke itself fails.
func (f *Function) Invoke(t fixture.T, payload []byte) ([]byte, *rie.FunctionError) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), invokeTimeout)
	defer cancel()
	body, err := f.RIE.Invoke(ctx, payload)
	var ferr *rie.FunctionError
	if errors.As(err, &ferr) {
		return body, ferr
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, f.Tail())
	}
	return body, nil
}

// Stop stops the function and waits for everything it wrote; it reports a
// failure to stop on t.
func (f *Function) Stop(t fixture.T) {
	t.Helper()
	if err := f.RIE.Stop(); err != nil {
		t.Errorf("%v", err)
	}
}

// Tail is the end of what the RIE and the function wrote, for messages.
func (f *Function) Tail() string {
	s := f.RIE.Logs()
	if len(s) > tailChars {
		s = "…" + s[len(s)-tailChars:]
	}
	return strings.TrimSpace(s)
}

// EMF are the EMF documents the function wrote, as the RIE passed them on.
func (f *Function) EMF() []map[string]any { return handlertest.EMF(f.RIE.Logs()) }

// Decode unmarshals a response body into v, failing t when it does not fit.
func Decode(t fixture.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("the response is not a %T: %v\n%s", v, err, body)
	}
}

// ScheduledSync sends events/scheduled.json to the sync function fn and
// returns its summary; it fails t when the function fails.
func ScheduledSync(t fixture.T, fn *Function) handler.SyncSummary {
	t.Helper()
	body, ferr := fn.Invoke(t, handlertest.Event(t, "scheduled.json"))
	if ferr != nil {
		t.Fatalf("sync: %v\n%s", ferr, fn.Tail())
	}
	var sum handler.SyncSummary
	Decode(t, body, &sum)
	return sum
}
