package handler

import (
	"context"
	"errors"
	"fmt"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/runbook"
)

// EnvTopicARN names the SNS topic the failover function notifies; unset,
// it notifies nobody (the state machine's failure rule still does). The name
// is config's, which the stack sets.
const EnvTopicARN = config.EnvTopicARN

// FailoverEvent is what a Task state of the runbook's state machine sends:
// the step to run, the execution's name, and the state the previous step
// returned; for the first step that state is the execution's input
// (runbook.Input), and after a caught error it carries the error.
type FailoverEvent struct {
	Step      string         `json:"step"`
	Execution string         `json:"execution,omitempty"`
	State     *runbook.State `json:"state"`
}

// Failover is the failover function: one runbook step per invocation.
type Failover struct {
	function.Core
	Runbook *runbook.Deps
}

// LoadFailover builds the failover function from the environment (as Load,
// plus DRSYNC_TOPIC_ARN). A workspace whose credentials cannot be read (the
// primary's region impaired: the outage the runbook answers) does not stop
// the start: it is unreachable for the steps, which then skip what needs it
// or, for the standby, report it not ready. Errors: the environment, the
// config, a topic ARN that is not one.
func LoadFailover(ctx context.Context, s function.Setup) (*Failover, error) {
	l, err := function.Load(s, engine.CheckConfig)
	if err != nil {
		return nil, err
	}
	f := &Failover{Core: l.Core}
	rb := &runbook.Deps{Config: l.Config, Store: l.Store, Logger: l.Logger,
		Where: fmt.Sprintf("runbook and ledger table %s in %s", l.Env.Table, l.AWS.Region)}
	if arn := l.Env.Getenv(EnvTopicARN); arn != "" {
		topic, err := awsconn.NewTopic(l.AWS, arn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvTopicARN, err)
		}
		rb.Notify = topic.Publish
	}
	opts, sm := clientOptions(l.Config, l.Env, s.Version), awsconn.NewSecrets(l.AWS)
	sides := pairSides(l.Config, l.Env)
	for i, ws := range []*resource.Workspace{&rb.Primary, &rb.DR} {
		var err error
		if *ws, err = workspace(ctx, sm, opts, sides[i]); err != nil {
			l.Logger.WarnContext(ctx, "a workspace is unreachable for the runbook", "side", sides[i].name, "error", err.Error())
			*ws = runbook.Unreachable(sides[i].name, err)
		}
	}
	f.Runbook = rb
	return f, nil
}

// Handle runs the step ev names and returns the state for the next one. Its
// errors are the runbook's typed errors, returned unwrapped, so that the
// Lambda runtime reports their type names (NotReadyError, FencedError,
// ThrottledError, TransientError) for the state machine's Retry and Catch;
// a bad event is an error of its own.
func (f *Failover) Handle(ctx context.Context, ev FailoverEvent) (*runbook.State, error) {
	st, err := f.state(ev)
	if err != nil {
		return nil, err
	}
	work, cancel := f.Work(ctx)
	defer cancel()
	err = f.Runbook.Step(work, st)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		// The step ran out of the invocation's time: the state machine
		// retries it.
		err = &runbook.TransientError{Msg: err.Error()}
	}
	return st, err
}

// state is the state the event's step runs on: the previous step's, or a
// new one from the execution's input (which a caught error may already
// carry). Errors: no step, no state, a bad input.
func (f *Failover) state(ev FailoverEvent) (*runbook.State, error) {
	if ev.Step == "" || ev.State == nil {
		return nil, errors.New(`event: want "step" and "state" (the execution's input for the first step)`)
	}
	st := ev.State
	if st.Execution == "" {
		fresh, err := f.Runbook.Begin(st.Input, ev.Execution)
		if err != nil {
			return nil, fmt.Errorf("event input: %w", err)
		}
		fresh.Failure, st = st.Failure, fresh
	}
	st.Step = ev.Step
	return st, nil
}
