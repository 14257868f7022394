//go:build linux

package sfntest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/sfntest"
	"github.com/drsync/drsync/shared/sfntest/rie"
)

// probePkg is the Lambda function these tests run under the RIE.
const probePkg = "github.com/drsync/drsync/shared/sfntest/internal/probe"

// readiness is a runbook step in miniature: a Lambda Task through the
// optimized integration, retried on ThrottledError (an hour apart unless
// overridden), its ReadinessError caught into a Fail state.
const readiness = `{
  "StartAt": "Check",
  "States": {
    "Check": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:probe:live", "Payload.$": "$"},
      "ResultPath": "$.check",
      "Retry": [{"ErrorEquals": ["ThrottledError"], "IntervalSeconds": 3600, "MaxAttempts": 3}],
      "Catch": [{"ErrorEquals": ["ReadinessError"], "ResultPath": "$.error", "Next": "NotReady"}],
      "Next": "Ready"
    },
    "Ready": {"Type": "Succeed"},
    "NotReady": {"Type": "Fail", "Error": "NotReady", "CausePath": "$.error.Cause"}
  }
}`

// env is what the subtests share: one interpreter, one probe function.
type env struct {
	sfn       *sfntest.Interpreter
	probe     *rie.Function
	bootstrap string
}

// fast routes the probe and skips every retry interval.
func (e *env) fast() sfntest.Options {
	return sfntest.Options{
		Functions:      map[string]string{"probe": e.probe.URL()},
		RetryIntervals: map[string]time.Duration{sfntest.AllStates: 0},
	}
}

// run executes definition and fails the test on a harness error.
func (e *env) run(t *testing.T, definition, input string, opts sfntest.Options) *sfntest.Execution {
	t.Helper()
	ex, err := e.sfn.Run(t.Context(), []byte(definition), []byte(input), opts)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestHarness(t *testing.T) {
	sfn := sfntest.Start(t) // first: skips before building anything without node
	bootstrap := rie.Build(t, probePkg)
	e := &env{sfn: sfn, probe: rie.Start(t, bootstrap, rie.Options{Name: "probe"}), bootstrap: bootstrap}
	tests := map[string]func(*testing.T, *env){
		"happy path: lambda:invoke result as AWS shapes it":        testHappyPath,
		"a typed function error is caught by its name":             testCaught,
		"a typed function error is retried, then succeeds":         testRetried,
		"retries exhausted: FAILED with the function's error":      testExhausted,
		"a function ARN as Resource returns the payload as is":     testDirectARN,
		"a function without a route: ResourceNotFoundException":    testNoRoute,
		"a function timeout is Lambda.Unknown":                     testTimeout,
		"parallel branches invoking one function both succeed":     testParallel,
		"Wait states can be shortened":                             testWait,
		"an execution past its TimeoutSeconds is TIMED_OUT":        testTimedOut,
		"the Context object names the execution":                   testContext,
		"an invalid definition is refused with asl-validator's":    testInvalid,
		"a definition that is not JSON names line and column":      testSyntax,
		"a Task that cannot run locally is a harness error":        testUnsupported,
		"an unreachable function is a harness error, never caught": testUnreachable,
		"a cancelled context aborts the run, the process serves":   testCancel,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, e)
		})
	}
}

func testHappyPath(t *testing.T, e *env) {
	ex := e.run(t, readiness, `{"pair":"dev-to-dr","key":"happy"}`, e.fast())
	succeeded(t, ex)
	if got := strings.Join(ex.States(), ","); got != "Check,Ready" {
		t.Errorf("states %s, want Check,Ready", got)
	}
	if n := ex.Attempts("Check"); n != 1 {
		t.Errorf("Check ran %d times, want 1", n)
	}
	var out struct {
		Pair  string
		Check struct {
			ExecutedVersion string
			StatusCode      int
			Payload         struct {
				OK    bool            `json:"ok"`
				Input json.RawMessage `json:"input"`
			}
			SdkHttpMetadata     struct{ HttpStatusCode int }
			SdkResponseMetadata struct{ RequestId string }
		}
	}
	decode(t, ex.Output, &out)
	c := out.Check
	if out.Pair != "dev-to-dr" || !c.Payload.OK || c.StatusCode != 200 || c.ExecutedVersion != "$LATEST" ||
		c.SdkHttpMetadata.HttpStatusCode != 200 || c.SdkResponseMetadata.RequestId == "" {
		t.Errorf("output %s: want the input with check = {ExecutedVersion $LATEST, Payload {ok}, StatusCode 200, HTTP 200, a RequestId}", ex.Output)
	}
	if want := `{"pair":"dev-to-dr","key":"happy"}`; string(c.Payload.Input) != want {
		t.Errorf("the function received %s, want the state input %s", c.Payload.Input, want)
	}
}

func testCaught(t *testing.T, e *env) {
	ex := e.run(t, readiness, `{"do":"fail","key":"caught"}`, e.fast())
	if got := strings.Join(ex.States(), ","); got != "Check,NotReady" {
		t.Errorf("states %s, want Check,NotReady (the Catch)", got)
	}
	if ex.Count("StateCaught", "Check") != 1 || ex.Attempts("Check") != 1 {
		t.Errorf("Check: %d catches, %d attempts; want 1 and 1 (ReadinessError is not retried)",
			ex.Count("StateCaught", "Check"), ex.Attempts("Check"))
	}
	if ex.Status != sfntest.Failed || ex.Error != "NotReady" {
		t.Fatalf("status %s error %q, want FAILED NotReady", ex.Status, ex.Error)
	}
	// The Catch's Cause is the function's error document, as in AWS.
	var cause struct{ ErrorType, ErrorMessage string }
	decode(t, []byte(ex.Cause), &cause)
	if cause.ErrorType != "ReadinessError" || cause.ErrorMessage != "not ready: target workspace unreachable" {
		t.Errorf("cause %s, want the ReadinessError document", ex.Cause)
	}
}

func testRetried(t *testing.T, e *env) {
	ex := e.run(t, readiness, `{"do":"throttle","key":"retried","times":2}`, e.fast())
	succeeded(t, ex)
	if n := ex.Attempts("Check"); n != 3 {
		t.Errorf("Check ran %d times, want 3 (two ThrottledErrors, then success)", n)
	}
	if n := ex.Count("StateRetried", "Check"); n != 2 {
		t.Errorf("%d retries, want 2", n)
	}
	var out struct {
		Check struct{ Payload struct{ Calls int } }
	}
	decode(t, ex.Output, &out)
	if out.Check.Payload.Calls != 3 {
		t.Errorf("the function counted %d calls, want 3", out.Check.Payload.Calls)
	}
}

func testExhausted(t *testing.T, e *env) {
	ex := e.run(t, readiness, `{"do":"throttle","key":"exhausted","times":99}`, e.fast())
	if ex.Status != sfntest.Failed || ex.Error != "ThrottledError" {
		t.Fatalf("status %s error %q, want FAILED ThrottledError", ex.Status, ex.Error)
	}
	if n := ex.Attempts("Check"); n != 4 {
		t.Errorf("Check ran %d times, want 4 (1 + MaxAttempts 3)", n)
	}
	if !strings.Contains(ex.Cause, `"errorType":"ThrottledError"`) {
		t.Errorf("cause %q, want the function's error document", ex.Cause)
	}
}

func testDirectARN(t *testing.T, e *env) {
	const def = `{"StartAt": "Call", "States": {"Call": {"Type": "Task",
	  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:probe", "End": true}}}`
	ex := e.run(t, def, `{"key":"direct"}`, e.fast())
	succeeded(t, ex)
	var out struct {
		OK      bool `json:"ok"`
		Payload any
	}
	decode(t, ex.Output, &out)
	if !out.OK || out.Payload != nil {
		t.Errorf("output %s, want the function's own output, unwrapped", ex.Output)
	}
}

func testNoRoute(t *testing.T, e *env) {
	def := strings.Replace(readiness, "function:probe:live", "function:absent", 1)
	ex := e.run(t, def, `{}`, e.fast())
	want := "Function not found: arn:aws:lambda:us-east-1:123456789012:function:absent (Service: AWSLambda; Status Code: 404"
	if ex.Error != "Lambda.ResourceNotFoundException" || !strings.HasPrefix(ex.Cause, want) {
		t.Errorf("error %q cause %q, want Lambda.ResourceNotFoundException: %s…", ex.Error, ex.Cause, want)
	}
}

func testTimeout(t *testing.T, e *env) {
	slow := rie.Start(t, e.bootstrap, rie.Options{Name: "slow", Timeout: time.Second})
	def := strings.Replace(readiness, "function:probe:live", "function:slow", 1)
	opts := e.fast()
	opts.Functions = map[string]string{"slow": slow.URL()}
	ex := e.run(t, def, `{"do":"hang"}`, opts)
	want := "The cause could not be determined because Lambda did not return an error type. Returned payload: "
	if ex.Error != "Lambda.Unknown" || !strings.HasPrefix(ex.Cause, want) ||
		!strings.Contains(ex.Cause, "Task timed out after 1.00 seconds") {
		t.Errorf("error %q cause %q, want Lambda.Unknown with the timeout payload", ex.Error, ex.Cause)
	}
}

func testParallel(t *testing.T, e *env) {
	const def = `{"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
	  {"StartAt": "Left", "States": {"Left": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	    "Parameters": {"FunctionName": "probe", "Payload": {"key": "left"}}, "OutputPath": "$.Payload", "End": true}}},
	  {"StartAt": "Right", "States": {"Right": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	    "Parameters": {"FunctionName": "probe", "Payload": {"key": "right"}}, "OutputPath": "$.Payload", "End": true}}}
	]}}}`
	ex := e.run(t, def, `{}`, e.fast())
	succeeded(t, ex)
	var out []struct {
		OK bool `json:"ok"`
	}
	decode(t, ex.Output, &out)
	if len(out) != 2 || !out[0].OK || !out[1].OK {
		t.Errorf("output %s, want both branches' results", ex.Output)
	}
}

func testWait(t *testing.T, e *env) {
	const def = `{"StartAt": "Settle", "States": {"Settle": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
	  "Done": {"Type": "Succeed"}}}`
	ex := e.run(t, def, `{}`, sfntest.Options{Waits: map[string]time.Duration{sfntest.AllStates: 0}})
	if ex.Status != sfntest.Succeeded || strings.Join(ex.States(), ",") != "Settle,Done" {
		t.Errorf("status %s states %v, want SUCCEEDED through Settle,Done", ex.Status, ex.States())
	}
}

func testTimedOut(t *testing.T, e *env) {
	const def = `{"TimeoutSeconds": 1, "StartAt": "Settle", "States": {
	  "Settle": {"Type": "Wait", "Seconds": 3600, "End": true}}}`
	ex := e.run(t, def, `{}`, sfntest.Options{})
	if ex.Status != sfntest.TimedOut || ex.Error != "States.Timeout" {
		t.Errorf("status %s error %q, want TIMED_OUT States.Timeout", ex.Status, ex.Error)
	}
}

func testContext(t *testing.T, e *env) {
	const def = `{"StartAt": "Name", "States": {"Name": {"Type": "Pass", "End": true,
	  "Parameters": {"name.$": "$$.Execution.Name", "id.$": "$$.Execution.Id"}}}}`
	ex := e.run(t, def, `{}`, sfntest.Options{Name: "failover-1"})
	want := `{"name":"failover-1","id":"arn:aws:states:us-east-1:123456789012:execution:sfntest:failover-1"}`
	if string(ex.Output) != want {
		t.Errorf("output %s, want %s", ex.Output, want)
	}
}

func testInvalid(t *testing.T, e *env) {
	def := strings.Replace(readiness, `"Next": "Ready"`, `"Next": "Missing"`, 1)
	for op, call := range map[string]func() error{
		"Validate": func() error { return e.sfn.Validate(t.Context(), []byte(def)) },
		"Run": func() error {
			_, err := e.sfn.Run(t.Context(), []byte(def), nil, e.fast())
			return err
		},
	} {
		var invalid *sfntest.ValidationError
		if err := call(); !errors.As(err, &invalid) || !strings.Contains(err.Error(),
			"MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: Missing") {
			t.Errorf("%s: %v, want a ValidationError naming the missing target", op, err)
		}
	}
	if err := e.sfn.Validate(t.Context(), []byte(readiness)); err != nil {
		t.Errorf("Validate(readiness) = %v, want nil", err)
	}
}

func testSyntax(t *testing.T, e *env) {
	err := e.sfn.Validate(t.Context(), []byte("{\"StartAt\": \"A\",\n  \"States\": {]}"))
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) || !strings.Contains(err.Error(), "line 2, column 14") {
		t.Errorf("Validate = %v, want a JSON syntax error at line 2, column 14", err)
	}
}

func testUnsupported(t *testing.T, e *env) {
	const def = `{"StartAt": "Put", "States": {"Put": {"Type": "Task", "End": true,
	  "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": {"TableName": "t", "Item": {}}}}}`
	_, err := e.sfn.Run(t.Context(), []byte(def), nil, e.fast())
	if !errors.Is(err, sfntest.ErrHarness) || !strings.Contains(err.Error(), `state "Put": resource "arn:aws:states:::dynamodb:putItem" is not supported`) {
		t.Errorf("Run = %v, want ErrHarness naming the state and its resource", err)
	}
}

func testUnreachable(t *testing.T, e *env) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/2015-03-31/functions/function/invocations"
	_ = l.Close() // nothing listens there any more
	def := strings.Replace(readiness, `"ErrorEquals": ["ReadinessError"]`, `"ErrorEquals": ["States.ALL"]`, 1)
	_, err = e.sfn.Run(t.Context(), []byte(def), nil, sfntest.Options{Functions: map[string]string{"probe": closed}})
	if !errors.Is(err, sfntest.ErrHarness) || !strings.Contains(err.Error(), `state "Check": invoke probe at `+closed) {
		t.Errorf("Run = %v, want ErrHarness naming the state, the function and its URL despite the States.ALL Catch", err)
	}
}

func testCancel(t *testing.T, e *env) {
	const def = `{"StartAt": "Settle", "States": {"Settle": {"Type": "Wait", "Seconds": 3600, "End": true}}}`
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel) // whenever it lands, the hour-long Wait is still on
	if _, err := e.sfn.Run(ctx, []byte(def), nil, sfntest.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	ex := e.run(t, def, `{}`, sfntest.Options{Waits: map[string]time.Duration{"Settle": 0}})
	if ex.Status != sfntest.Succeeded {
		t.Errorf("the next run: status %s, want SUCCEEDED", ex.Status)
	}
}

// succeeded stops the test unless ex SUCCEEDED, saying how it ended.
func succeeded(t *testing.T, ex *sfntest.Execution) {
	t.Helper()
	if ex.Status != sfntest.Succeeded {
		t.Fatalf("status %s (%s: %s) after states %v, want SUCCEEDED", ex.Status, ex.Error, ex.Cause, ex.States())
	}
}

func decode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}
