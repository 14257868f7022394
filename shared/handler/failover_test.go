package handler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/runbook"
)

// runbookStack is a synced stack with a topic whose notifications land in
// a queue, and the failover function loaded from its environment.
type runbookStack struct {
	*handlertest.Stack
	f     *handler.Failover
	topic *handlertest.Topic
	logs  handlertest.Buffer
}

func newRunbookStack(t *testing.T, env func(map[string]string), edit func(*config.Config)) *runbookStack {
	t.Helper()
	s := &runbookStack{Stack: handlertest.New(t, handlertest.Options{Config: edit})}
	d, out := s.Deps(t, "sync")
	if sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-sync", time.Minute); err != nil {
		t.Fatalf("sync: %+v, %v\n%s", sum, err, out.Logs.String())
	}
	s.topic = handlertest.NewTopic(t, s.AWS, s.Table+"-notify")
	vars := s.Env()
	vars[handler.EnvTopicARN] = s.topic.ARN
	if env != nil {
		env(vars)
	}
	st := setup(vars, &s.logs)
	st.Function = "failover"
	var err error
	if s.f, err = handler.LoadFailover(context.Background(), st); err != nil {
		t.Fatalf("LoadFailover: %v", err)
	}
	s.f.Runbook.LeaseTTL, s.f.Runbook.Poll, s.f.Runbook.Probe = 5*time.Second, 20*time.Millisecond, 3*time.Second
	return s
}

// step invokes the function as the state machine's Task does: step, the
// execution's name, and the state so far.
func (s *runbookStack) step(t *testing.T, name string, state json.RawMessage) (json.RawMessage, error) {
	t.Helper()
	ev, _ := json.Marshal(map[string]any{"step": name, "execution": "exec-1", "state": state})
	out, err := handlertest.Invoke[json.RawMessage](t, s.f.Handle, ev, "req-"+name, 2*time.Minute)
	return out, err
}

// notes are the notifications the topic delivered so far.
func (s *runbookStack) notes(t *testing.T) []string { return s.topic.Messages(t) }

// Step by step, as the state machine runs it, the function fails the pair
// over: the state passes from task to task, the ledger (DynamoDB) ends with
// DR active at epoch 1 and a record of the run, and the topic gets the
// summary.
func TestFailoverFunctionRunsTheRunbookStepByStep(t *testing.T) {
	t.Parallel()
	s := newRunbookStack(t, nil, nil)
	state := json.RawMessage(`{"direction":"failover","force":false,"startClusters":false,"dryRun":false}`)
	for _, name := range runbook.Steps {
		out, err := s.step(t, name, state)
		if err != nil {
			t.Fatalf("step %s: %v\nlogs:\n%s", name, err, s.logs.String())
		}
		state = out
	}
	var st runbook.State
	if err := json.Unmarshal(state, &st); err != nil {
		t.Fatal(err)
	}
	if st.Outcome != runbook.OutcomeDone || len(st.Steps) != len(runbook.Steps) || st.Execution != "exec-1" || st.Epoch != 1 {
		t.Errorf("final state: outcome %s, %d steps, execution %s, epoch %d", st.Outcome, len(st.Steps), st.Execution, st.Epoch)
	}
	pair, err := s.f.Store.State(context.Background(), handlertest.Pair)
	if err != nil || pair.ActiveSide != "dr" || pair.Epoch != 1 {
		t.Errorf("pair state %+v, %v", pair, err)
	}
	runs, err := s.f.Store.Runs(context.Background(), handlertest.Pair, 5)
	if i := slices.IndexFunc(runs, func(r ledger.Run) bool { return r.ID == "exec-1" }); err != nil || i < 0 || runs[i].Trigger != runbook.Failover {
		t.Errorf("no failover record exec-1 among %d runs (%v)", len(runs), err)
	}
	if notes := s.notes(t); len(notes) != 1 || !json.Valid([]byte(notes[0])) {
		t.Errorf("notifications %q, want the one JSON summary", notes)
	}
}

// A stale standby fails Readiness with a NotReadyError returned unwrapped
// (the runtime reports the type name the state machine catches); the Catch's
// state, error and all, then goes to Record, which records the run as
// failed, notifies, and withdraws nothing it did not set.
func TestFailoverFunctionReportsNotReadyForTheCatch(t *testing.T) {
	t.Parallel()
	s := newRunbookStack(t, nil, func(c *config.Config) { c.Failover.MaxSyncAge = config.Duration{Duration: time.Nanosecond} })
	input := json.RawMessage(`{"direction":"failover"}`)
	_, err := s.step(t, runbook.StepReadiness, input)
	var nr *runbook.NotReadyError
	if !errors.As(err, &nr) || reflect.TypeOf(err).Elem().Name() != runbook.ErrorTypes.NotReady {
		t.Fatalf("readiness of a stale standby: %T %v; want *runbook.NotReadyError itself", err, err)
	}
	caught := json.RawMessage(fmt.Sprintf(`{"direction":"failover","error":{"Error":%q,"Cause":%q}}`, runbook.ErrorTypes.NotReady, err.Error()))
	out, err := s.step(t, runbook.StepRecord, caught)
	if err != nil {
		t.Fatalf("record after the catch: %v", err)
	}
	var st runbook.State
	if err := json.Unmarshal(out, &st); err != nil || st.Outcome != runbook.OutcomeFailed {
		t.Errorf("recorded state %s (%v), want outcome failed", out, err)
	}
	if pair, _ := s.f.Store.State(context.Background(), handlertest.Pair); pair.ActiveSide != "primary" || pair.Epoch != 0 {
		t.Errorf("pair state after a refused failover: %+v", pair)
	}
	if notes := s.notes(t); len(notes) != 1 {
		t.Errorf("notifications %q, want one", notes)
	}
}

// A primary whose credentials cannot be read (its region impaired) does not
// stop the function's start: the failover still runs, skipping the freeze
// and the final sync.
func TestFailoverFunctionStartsWithThePrimaryUnreadable(t *testing.T) {
	t.Parallel()
	s := newRunbookStack(t, func(env map[string]string) {
		env[config.EnvSourceSecretARN] += "-unreadable"
	}, nil)
	state := json.RawMessage(`{"direction":"failover"}`)
	for _, name := range runbook.Steps {
		out, err := s.step(t, name, state)
		if err != nil {
			t.Fatalf("step %s: %v", name, err)
		}
		state = out
	}
	var st runbook.State
	if err := json.Unmarshal(state, &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Steps {
		if (r.Name == runbook.StepFreeze || r.Name == runbook.StepFinalSync) && r.Outcome != runbook.OutcomeSkipped {
			t.Errorf("%s: %s, want skipped", r.Name, r.Outcome)
		}
	}
	if st.Outcome != runbook.OutcomeDone {
		t.Errorf("outcome %s, steps %+v", st.Outcome, st.Steps)
	}
}

// An event without a step or a state, or with a bad direction, is refused
// with what is wrong.
func TestFailoverFunctionRefusesABadEvent(t *testing.T) {
	t.Parallel()
	s := newRunbookStack(t, nil, nil)
	for _, ev := range []string{`{"state":{"direction":"failover"}}`, `{"step":"Readiness"}`, `{"step":"Readiness","state":{"direction":"sideways"}}`} {
		if _, err := handlertest.Invoke[json.RawMessage](t, s.f.Handle, []byte(ev), "req-bad", time.Minute); err == nil {
			t.Errorf("%s was accepted", ev)
		}
	}
}

// The sync follows the pair's direction: a reverse sync (events/
// sync-reverse.json) is refused, cleanly, while the primary is active; once
// the runbook has failed over, a scheduled sync copies nothing and ends
// cleanly, and a reverse sync copies what was made in DR back to the
// primary, without copying twice what the failover left in place.
func TestSyncFollowsThePairsDirection(t *testing.T) {
	t.Parallel()
	s := newRunbookStack(t, nil, nil)
	d, _ := s.Deps(t, "sync")
	ctx := context.Background()
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "sync-reverse.json"), "req-early", time.Minute)
	if err != nil || sum.Outcome != handler.OutcomeNotFailedOver {
		t.Fatalf("a reverse sync before any failover: %+v, %v", sum, err)
	}
	state := json.RawMessage(`{"direction":"failover"}`)
	for _, name := range runbook.Steps {
		if state, err = s.step(t, name, state); err != nil {
			t.Fatalf("step %s: %v", name, err)
		}
	}
	made, err := s.TargetAPI.Jobs.Create(ctx, jobs.CreateJob{Name: "made-in-dr",
		Tasks: []jobs.Task{{TaskKey: "t", NotebookTask: &jobs.NotebookTask{NotebookPath: "/Shared/etl/ingest_orders"}}}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err = handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-after", time.Minute)
	if err != nil || sum.Outcome != handler.OutcomeFailedOver {
		t.Fatalf("a forward sync after the failover: %+v, %v", sum, err)
	}
	sum, err = handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "sync-reverse.json"), "req-back", time.Minute)
	// Besides the new job, the primary, now the standby, gets the warm
	// rules (its pools' idle instances dropped); nothing else changes.
	if a := sum.Actions; err != nil || sum.Outcome != "ok" || a.Create != 1 || a.Delete != 0 || a.Failed != 0 || a.Update > 2 {
		t.Fatalf("the reverse sync: %+v, %v", sum, err)
	}
	back, err := s.SourceAPI.Jobs.ListAll(ctx, jobs.ListJobsRequest{Name: "made-in-dr"})
	if err != nil || len(back) != 1 || made.JobId == 0 {
		t.Errorf("the primary has %d jobs made-in-dr (%v), want 1", len(back), err)
	}
}

// The sample Task event (events/failover-step.json) is one the function
// takes: Readiness of a failover, run under the execution's name, answering
// the state the next Task gets.
func TestFailoverFunctionTakesTheSampleStepEvent(t *testing.T) {
	t.Parallel()
	s := newRunbookStack(t, nil, nil)
	var ev handler.FailoverEvent
	if err := json.Unmarshal(handlertest.Event(t, "failover-step.json"), &ev); err != nil {
		t.Fatal(err)
	}
	st, err := handlertest.Invoke[runbook.State](t, s.f.Handle, handlertest.Event(t, "failover-step.json"), "req-sample", time.Minute)
	if err != nil {
		t.Fatalf("the sample step event: %v\n%s", err, s.logs.String())
	}
	if st.Execution != ev.Execution || st.Ready == nil || !st.Ready.Ready || len(st.Steps) != 1 || st.Steps[0].Name != runbook.StepReadiness {
		t.Errorf("state %+v: want readiness done (ready) under execution %s", st, ev.Execution)
	}
}
