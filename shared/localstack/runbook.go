//go:build linux

package localstack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/runbook"
	"github.com/drsync/drsync/shared/sfntest"
)

// BaselineTemplate is what `cdk synth` writes for the example pair (with
// placeholder bootstraps; infra's TestTemplateMatchesBaseline keeps the two
// identical), relative to the module: the runbook's definition comes from
// there, as deployed.
const BaselineTemplate = "infra/testdata/drsync-dev-to-dr.template.json"

// executionTimeout bounds one execution of the runbook.
const executionTimeout = 5 * time.Minute

// RunbookMachine reads the runbook's state machine from BaselineTemplate,
// the failover function's ARN resolved to its logical id.
func RunbookMachine(t fixture.T) sfntest.TemplateMachine {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(handlertest.ModuleRoot(t), BaselineTemplate))
	if err != nil {
		t.Fatal(err)
	}
	machines, err := sfntest.StateMachines(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(machines) != 1 || len(machines[0].Functions) != 1 {
		t.Fatalf("%s: state machines %+v, want one invoking one function", BaselineTemplate, machines)
	}
	return machines[0]
}

// Runbook is the local world of a runbook execution: the stack with the
// source synced to DR, the topic the failover function notifies, the
// function as built for Lambda under the RIE, and the state machine run by
// aws-local-stepfunctions.
type Runbook struct {
	*Stack
	Machine  sfntest.TemplateMachine
	SFN      *sfntest.Interpreter // nil when nothing is executed
	Failover *Function
	Topic    *handlertest.Topic
	Store    ledger.Store
	runs     atomic.Int64
}

// RunbookOptions shape a Runbook.
type RunbookOptions struct {
	// Config edits the pair config.
	Config func(*config.Config)
	// AWSEndpoint, when set, is where the failover function reaches AWS
	// instead of moto (a fault-injecting proxy in front of it).
	AWSEndpoint func(moto string) string
}

// NewRunbook builds the stack, syncs the source to DR (the warm copy a
// failover starts from) and starts the failover function; sfn runs the
// executions (nil to invoke the function alone). It skips t without moto
// (fails it under DRSYNC_REQUIRE_MOTO=1).
func NewRunbook(t fixture.T, sfn *sfntest.Interpreter, opts RunbookOptions) *Runbook {
	t.Helper()
	s := New(t, handlertest.Options{Config: opts.Config})
	r := &Runbook{Stack: s, Machine: RunbookMachine(t), SFN: sfn,
		Store: dynamo.New(dynamodb.NewFromConfig(s.AWS), s.Table, dynamo.Options{})}
	r.Sync(t, "scheduled.json")
	r.Topic = handlertest.NewTopic(t, s.AWS, s.Table+"-notify")
	env := s.Env()
	env[config.EnvTopicARN] = r.Topic.ARN
	if opts.AWSEndpoint != nil {
		env[config.EnvAWSEndpoint] = opts.AWSEndpoint(env[config.EnvAWSEndpoint])
	}
	// As the stack sizes it: fence wait + final sync + a minute.
	f := s.Config.Failover
	r.Failover = s.StartWith(t, "failover", env, f.FenceWait.Duration+f.FinalSyncTimeout.Duration+time.Minute)
	return r
}

// Sync runs the sync handler in process with events/<event>
// (scheduled.json forward, sync-reverse.json back), as its schedule would;
// it fails t unless the sync is ok.
func (r *Runbook) Sync(t fixture.T, event string) handler.SyncSummary {
	t.Helper()
	d, out := r.Deps(t, "sync")
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, event), "req-"+event, 2*time.Minute)
	if err != nil || sum.Outcome != "ok" {
		t.Fatalf("sync %s: %+v, %v\n%s", event, sum, err, out.Logs.String())
	}
	return sum
}

// Execute runs the runbook's state machine on the events/ input, retry
// intervals shortened to nothing, and returns the execution and its name
// (failover-1, failback-2, ...).
func (r *Runbook) Execute(t fixture.T, input string) (*sfntest.Execution, string) {
	t.Helper()
	name := fmt.Sprintf("%s-%d", strings.TrimSuffix(input, "-input.json"), r.runs.Add(1))
	ctx, cancel := context.WithTimeout(t.Context(), executionTimeout)
	defer cancel()
	ex, err := r.SFN.Run(ctx, r.Machine.Definition, handlertest.Event(t, input), sfntest.Options{
		Name:           name,
		Functions:      map[string]string{r.Machine.Functions[0]: r.Failover.RIE.URL()},
		RetryIntervals: map[string]time.Duration{sfntest.AllStates: 0},
	})
	if err != nil {
		t.Fatalf("run %s: %v\n%s", input, err, r.Failover.Tail())
	}
	return ex, name
}

// Pair is the ledger's state of the pair.
func (r *Runbook) Pair(t fixture.T) ledger.PairState {
	t.Helper()
	st, err := r.Store.State(t.Context(), handlertest.Pair)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Record is the ledger's record of the execution name, or nil.
func (r *Runbook) Record(t fixture.T, name string) *ledger.Run {
	t.Helper()
	runs, err := r.Store.Runs(t.Context(), handlertest.Pair, 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		if runs[i].ID == name {
			return &runs[i]
		}
	}
	return nil
}

// FinalState decodes a succeeded execution's output.
func FinalState(t fixture.T, ex *sfntest.Execution) *runbook.State {
	t.Helper()
	var st runbook.State
	Decode(t, ex.Output, &st)
	return &st
}
