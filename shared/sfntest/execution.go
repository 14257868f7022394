package sfntest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// AllStates, as a key of Options.RetryIntervals or Options.Waits, applies to
// every state without an entry of its own.
const AllStates = "*"

// Options shape one execution.
type Options struct {
	// Functions routes Lambda functions, by name, to invoke URLs
	// (http://127.0.0.1:PORT/2015-03-31/functions/function/invocations, as
	// rie.Function.URL returns). A Task names its function by
	// Parameters.FunctionName (arn:aws:states:::lambda:invoke) or by a
	// function ARN as its Resource; name, partial ARN, ARN and qualifier
	// all route by the bare name. A function with no route fails its Task
	// with Lambda.ResourceNotFoundException, as in AWS.
	Functions map[string]string
	// RetryIntervals replaces, per state name (or AllStates), the wait
	// before every retry of that state, so a test need not sleep through
	// IntervalSeconds and BackoffRate. Unset states wait as defined.
	RetryIntervals map[string]time.Duration
	// Waits replaces, per Wait state name (or AllStates), how long it
	// pauses. Unset states wait as defined.
	Waits map[string]time.Duration
	// Name is the execution's name ($$.Execution.Name, also in
	// $$.Execution.Id); empty means sfntest-<n>.
	Name string
}

// Status is how an execution ended, named as Step Functions names it.
type Status string

// The statuses Run returns.
const (
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
	TimedOut  Status = "TIMED_OUT" // the definition's TimeoutSeconds passed
	Aborted   Status = "ABORTED"
)

// Execution is the end of one run: its status, the output of a SUCCEEDED
// one, the error and cause of a FAILED one, and every event on the way.
type Execution struct {
	Status Status          `json:"status"`
	Output json.RawMessage `json:"output"`
	Error  string          `json:"error"`
	Cause  string          `json:"cause"`
	Events []Event         `json:"events"`
}

// Event is one step of an execution, in the order it happened. Type is the
// interpreter's: ExecutionStarted, ExecutionSucceeded, ExecutionFailed,
// StateEntered, StateExited, StateFailed, StateRetried, StateCaught,
// MapIteration{Started,Succeeded,Failed},
// ParallelBranch{Started,Succeeded,Failed} (State is then the Map or
// Parallel state).
type Event struct {
	Type      string          `json:"type"`
	State     string          `json:"state"`
	StateType string          `json:"stateType"`
	Index     *int            `json:"index"`   // the Map iteration, for events inside one
	Error     string          `json:"error"`   // StateFailed, ExecutionFailed, *Failed
	Cause     string          `json:"cause"`   // as Error
	Attempt   int             `json:"attempt"` // StateRetried: 1 for the first retry
	Input     json.RawMessage `json:"input"`   // StateEntered
	Output    json.RawMessage `json:"output"`  // StateExited, ExecutionSucceeded
}

// States returns the names of the states entered, in order, nested ones
// included; a state entered twice appears twice.
func (e *Execution) States() []string {
	var names []string
	for _, ev := range e.Events {
		if ev.Type == "StateEntered" {
			names = append(names, ev.State)
		}
	}
	return names
}

// Count returns how many events of type typ the named state has.
func (e *Execution) Count(typ, state string) int {
	n := 0
	for _, ev := range e.Events {
		if ev.Type == typ && ev.State == state {
			n++
		}
	}
	return n
}

// Attempts returns how many times the named state ran: once per entry and
// once more per retry. For a Lambda Task that is the number of invocations.
func (e *Execution) Attempts(state string) int {
	return e.Count("StateEntered", state) + e.Count("StateRetried", state)
}

// Run executes definition once with input (JSON; nil means {}) and returns
// how it ended; a FAILED execution is a result, not an error. The error is a
// *ValidationError for a definition asl-validator refuses, wraps a
// *json.SyntaxError for one that is not JSON, and wraps ErrHarness when the
// execution could not run as Step Functions would run it. When ctx ends the
// execution is aborted and ctx's error returned.
func (i *Interpreter) Run(ctx context.Context, definition, input []byte, opts Options) (*Execution, error) {
	def, err := parseDefinition(definition)
	if err != nil {
		return nil, err
	}
	if input == nil {
		input = []byte("{}")
	}
	if !json.Valid(input) {
		return nil, fmt.Errorf("sfntest: input is not JSON: %s", input)
	}
	r, err := i.call(ctx, "run", map[string]any{
		"definition":     def,
		"input":          json.RawMessage(input),
		"name":           i.executionName(opts.Name),
		"functions":      opts.Functions,
		"retryIntervals": millis(opts.RetryIntervals),
		"waits":          millis(opts.Waits),
	})
	if err != nil {
		return nil, fmt.Errorf("sfntest: run: %w", err)
	}
	if len(r.Problems) > 0 {
		return nil, &ValidationError{Problems: r.Problems}
	}
	return r.Execution, nil
}

// executionName is name, or a fresh one.
func (i *Interpreter) executionName(name string) string {
	if name != "" {
		return name
	}
	return "sfntest-" + strconv.FormatInt(i.runs.Add(1), 10)
}

// millis converts durations to the milliseconds the interpreter takes.
func millis(byState map[string]time.Duration) map[string]float64 {
	if byState == nil {
		return nil
	}
	out := make(map[string]float64, len(byState))
	for state, d := range byState {
		out[state] = float64(d) / float64(time.Millisecond)
	}
	return out
}
