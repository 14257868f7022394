package runbook

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"
)

// recordTTL is how long the ledger keeps a runbook's record.
const recordTTL = 5 * 365 * 24 * time.Hour

// StepError is the error a failed step left, as Step Functions' Catch
// passes it on (its fields are Error, the type name, and Cause).
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Begin is the state a run of the runbook starts from. Errors: a bad input.
func (d *Deps) Begin(in Input, execution string) (*State, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if execution == "" {
		execution = fmt.Sprintf("%s-%d", in.Direction, d.now().UnixNano())
	}
	return &State{Input: in, Execution: execution, Started: d.now(), Steps: []StepReport{}}, nil
}

// Step runs the step st names and returns the state for the next one: what
// the Lambda task does. A Record step after a caught failure (st.Error set)
// records the run as failed. Errors are the runbook's typed errors (or the
// step's own), to be returned unwrapped so the state machine sees their type.
func (d *Deps) Step(ctx context.Context, st *State) error {
	run, ok := steps[st.Step]
	if !ok {
		return fmt.Errorf("step %q: want one of %v", st.Step, Steps)
	}
	if err := st.Validate(); err != nil {
		return err
	}
	if st.Step == StepRecord && st.Failure != nil {
		st.Outcome = OutcomeFailed
	}
	rep := StepReport{Name: st.Step, Started: d.now(), Outcome: OutcomeDone}
	if st.DryRun {
		rep.Outcome = OutcomeDryRun
	}
	err := run(d, ctx, st, &rep)
	rep.DurationMS = d.now().Sub(rep.Started).Milliseconds()
	if err != nil {
		rep.Outcome = OutcomeFailed
		rep.Notes = append(rep.Notes, err.Error())
	}
	st.Steps = append(st.Steps, rep)
	d.logger().InfoContext(ctx, "runbook step", "execution", st.Execution, "step", rep.Name,
		"outcome", rep.Outcome, "ms", rep.DurationMS, "notes", rep.Notes)
	return classified(err)
}

// Run runs every step in order, as the state machine does, for the CLI: a
// failed step ends the run with Record (so the failure is recorded and
// notified) and its error. A step that does not pass readiness without force
// is a NotReadyError.
func (d *Deps) Run(ctx context.Context, st *State) error {
	for _, name := range Steps {
		st.Step = name
		err := d.Step(ctx, st)
		if err == nil {
			continue
		}
		if name != StepRecord {
			st.Failure = &StepError{Error: errorType(err), Cause: err.Error()}
			st.Step = StepRecord
			if rerr := d.Step(ctx, st); rerr != nil {
				d.logger().WarnContext(ctx, "record the failed runbook", "error", rerr.Error())
			}
		}
		return err
	}
	return nil
}

// Duration is how long the run took so far, by its steps.
func (st *State) Duration() time.Duration {
	var ms int64
	for _, s := range st.Steps {
		ms += s.DurationMS
	}
	return time.Duration(ms) * time.Millisecond
}

// Ran reports whether step ran.
func (st *State) Ran(step string) bool {
	return slices.ContainsFunc(st.Steps, func(s StepReport) bool { return s.Name == step })
}

// errorType is the name the Lambda runtime reports for err, which the state
// machine's Catch records: its type's name, without pointer or package.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
