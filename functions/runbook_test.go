//go:build linux

package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/runbook"
	"github.com/drsync/drsync/shared/sfntest"
)

// baselineTemplate is what `cdk synth` writes for the example pair (with
// placeholder bootstraps; infra's TestTemplateMatchesBaseline keeps the two
// identical): the runbook's definition comes from there, as deployed.
const baselineTemplate = "infra/testdata/drsync-dev-to-dr.template.json"

// runbookDefinition reads the runbook's state machine from the baseline
// template, the failover function's ARN resolved to its logical id.
func runbookDefinition(t testing.TB) sfntest.TemplateMachine {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot(), baselineTemplate))
	if err != nil {
		t.Fatal(err)
	}
	machines, err := sfntest.StateMachines(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(machines) != 1 || len(machines[0].Functions) != 1 {
		t.Fatalf("%s: state machines %+v, want one invoking one function", baselineTemplate, machines)
	}
	return machines[0]
}

// runbookStack is the local world of a runbook execution: the stack (moto,
// two emulated workspaces, the source synced to DR), the topic the failover
// function notifies, the function as built for Lambda under the RIE, and
// the state machine run by aws-local-stepfunctions.
type runbookStack struct {
	*handlertest.Stack
	machine sfntest.TemplateMachine
	sfn     *sfntest.Interpreter
	fn      *rie
	topic   *handlertest.Topic
	store   ledger.Store
	runs    atomic.Int64
}

// runbookOptions shape a runbookStack.
type runbookOptions struct {
	config func(*config.Config)
	// awsEndpoint, when set, is where the failover function reaches AWS
	// instead of moto (a fault-injecting proxy in front of it).
	awsEndpoint func(moto string) string
}

// newRunbookStack builds the stack, syncs the source to DR (the warm copy a
// failover starts from) and starts the failover function and the
// interpreter. It skips without moto or node (fails under
// DRSYNC_REQUIRE_MOTO=1 / DRSYNC_REQUIRE_NODE=1).
func newRunbookStack(t *testing.T, sfn *sfntest.Interpreter, opts runbookOptions) *runbookStack {
	t.Helper()
	s, b, env := newStack(t, handlertest.Options{Config: opts.config})
	r := &runbookStack{Stack: s, machine: runbookDefinition(t), sfn: sfn,
		store: dynamo.New(dynamodb.NewFromConfig(s.AWS), s.Table, dynamo.Options{})}
	r.sync(t, "scheduled.json")
	r.topic = handlertest.NewTopic(t, s.AWS, s.Table+"-notify")
	env[config.EnvTopicARN] = r.topic.ARN
	if opts.awsEndpoint != nil {
		env[config.EnvAWSEndpoint] = opts.awsEndpoint(env[config.EnvAWSEndpoint])
	}
	// As the stack sizes it: fence wait + final sync + a minute.
	env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = fmt.Sprint(int((s.Config.Failover.FenceWait.Duration + s.Config.Failover.FinalSyncTimeout.Duration + time.Minute).Seconds()))
	r.fn = startRIE(t, b, "failover", env)
	return r
}

// sync runs the sync handler with events/<event> (scheduled.json forward,
// sync-reverse.json back), as its schedule would.
func (r *runbookStack) sync(t testing.TB, event string) handler.SyncSummary {
	t.Helper()
	d, out := r.Deps(t, "sync")
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, event), "req-"+event, 2*time.Minute)
	if err != nil || sum.Outcome != "ok" {
		t.Fatalf("sync %s: %+v, %v\n%s", event, sum, err, out.Logs.String())
	}
	return sum
}

// execute runs the runbook's state machine on the events/ input, retry
// intervals shortened to nothing, and returns the execution and its name.
func (r *runbookStack) execute(t testing.TB, input string) (*sfntest.Execution, string) {
	t.Helper()
	name := fmt.Sprintf("%s-%d", strings.TrimSuffix(input, "-input.json"), r.runs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ex, err := r.sfn.Run(ctx, r.machine.Definition, handlertest.Event(t, input), sfntest.Options{
		Name:           name,
		Functions:      map[string]string{r.machine.Functions[0]: r.fn.url},
		RetryIntervals: map[string]time.Duration{sfntest.AllStates: 0},
	})
	if err != nil {
		t.Fatalf("run %s: %v\n%s", input, err, r.fn.tail())
	}
	return ex, name
}

// pair is the ledger's state of the pair.
func (r *runbookStack) pair(t testing.TB) ledger.PairState {
	t.Helper()
	st, err := r.store.State(context.Background(), handlertest.Pair)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// record is the ledger's record of the execution name.
func (r *runbookStack) record(t testing.TB, name string) *ledger.Run {
	t.Helper()
	runs, err := r.store.Runs(context.Background(), handlertest.Pair, 20)
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

// finalState decodes a succeeded execution's output.
func finalState(t testing.TB, ex *sfntest.Execution) *runbook.State {
	t.Helper()
	var st runbook.State
	if err := json.Unmarshal(ex.Output, &st); err != nil {
		t.Fatalf("output is not the runbook's state: %v\n%s", err, ex.Output)
	}
	return &st
}

// The runbook's state machine as synthesized, run by aws-local-stepfunctions
// with every Task invoking the real failover bootstrap under the Lambda RIE,
// against moto (ledger, topic) and two emulated workspaces.
func TestLambdaRunbook(t *testing.T) {
	awstest.Start(t) // skips before starting node when moto is missing
	sfn := sfntest.Start(t)
	for name, test := range map[string]func(*testing.T, *sfntest.Interpreter){
		"failover completes":                       testRunbookFailover,
		"a stale standby is caught and recorded":   testRunbookNotReady,
		"a throttled ledger is retried by Retry":   testRunbookThrottled,
		"failback after failover restores primary": testRunbookFailback,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, sfn)
		})
	}
}

// A failover runs every step once, in order, and succeeds: the ledger makes
// DR the active side at epoch 1 and records the run, the DR jobs run (or
// stay paused) exactly as the primary's did, and the topic gets the summary.
func testRunbookFailover(t *testing.T, sfn *sfntest.Interpreter) {
	r := newRunbookStack(t, sfn, runbookOptions{})
	primary := emutest.JobPauses(t, r.SourceAPI)
	if dr := emutest.JobPauses(t, r.TargetAPI); strings.Contains(fmt.Sprint(dr), "UNPAUSED") || !strings.Contains(fmt.Sprint(primary), "UNPAUSED") {
		t.Fatalf("before: DR jobs %v, primary %v; want DR all paused and the primary running some", dr, primary)
	}
	ex, name := r.execute(t, "failover-input.json")
	if ex.Status != sfntest.Succeeded {
		t.Fatalf("execution %s: %s %s\n%s", name, ex.Error, ex.Cause, r.fn.tail())
	}
	want := append(append([]string{runbook.StepReadiness, "ReadyOrForced"}, runbook.Steps[1:]...), "Outcome", "Done")
	if got := ex.States(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("states %v, want %v", got, want)
	}
	if st := finalState(t, ex); st.Outcome != runbook.OutcomeDone || st.Execution != name || st.Epoch != 1 {
		t.Errorf("output: outcome %s, execution %s, epoch %d", st.Outcome, st.Execution, st.Epoch)
	}
	if p := r.pair(t); p.ActiveSide != "dr" || p.Epoch != 1 {
		t.Errorf("ledger pair state %+v, want dr active at epoch 1", p)
	}
	if rec := r.record(t, name); rec == nil || rec.Trigger != runbook.Failover || rec.Outcome != ledger.OutcomeOK {
		t.Errorf("ledger record of %s: %+v", name, rec)
	}
	if got := emutest.JobPauses(t, r.TargetAPI); fmt.Sprint(got) != fmt.Sprint(primary) {
		t.Errorf("DR jobs after the failover:\n %v\nwant the primary's before it:\n %v", got, primary)
	}
	if notes := r.topic.Messages(t); len(notes) != 1 || !strings.Contains(notes[0], `"outcome": "done"`) {
		t.Errorf("notifications %q, want Record's one summary", notes)
	}
}

// A standby that is not ready fails Readiness with NotReadyError; the Catch
// takes it to Record, which records the run as failed and notifies, and the
// execution fails with that error. Nothing switched: the primary is active
// at epoch 0 and DR stays paused.
func testRunbookNotReady(t *testing.T, sfn *sfntest.Interpreter) {
	r := newRunbookStack(t, sfn, runbookOptions{config: func(c *config.Config) {
		c.Failover.MaxSyncAge = config.Duration{Duration: time.Nanosecond} // every sync is too old
	}})
	dr := emutest.JobPauses(t, r.TargetAPI)
	ex, name := r.execute(t, "failover-input.json")
	if ex.Status != sfntest.Failed || ex.Error != runbook.ErrorTypes.NotReady {
		t.Fatalf("execution %s: %s %s, want FAILED with %s", name, ex.Status, ex.Error, runbook.ErrorTypes.NotReady)
	}
	if got := strings.Join(ex.States(), ","); got != "Readiness,Record,Outcome,Failed" {
		t.Errorf("states %s, want Readiness,Record,Outcome,Failed", got)
	}
	if ex.Count("StateCaught", runbook.StepReadiness) != 1 || ex.Attempts(runbook.StepReadiness) != 1 {
		t.Errorf("Readiness: caught %d, attempts %d; want caught once, never retried",
			ex.Count("StateCaught", runbook.StepReadiness), ex.Attempts(runbook.StepReadiness))
	}
	if rec := r.record(t, name); rec == nil || rec.Outcome != ledger.Outcome(runbook.OutcomeFailed) {
		t.Errorf("ledger record of %s: %+v, want a failed one", name, rec)
	}
	if p := r.pair(t); p.ActiveSide != "primary" || p.Epoch != 0 || p.StopBy != "" {
		t.Errorf("ledger pair state %+v, want the primary active at epoch 0 and no stop request", p)
	}
	if got := emutest.JobPauses(t, r.TargetAPI); fmt.Sprint(got) != fmt.Sprint(dr) {
		t.Errorf("DR jobs changed by a refused failover: %v, were %v", got, dr)
	}
	if notes := r.topic.Messages(t); len(notes) != 1 || !strings.Contains(notes[0], `"outcome": "failed"`) {
		t.Errorf("notifications %q, want Record's one failed summary", notes)
	}
}

// DynamoDB throttles the ledger's first reads for longer than the SDK's own
// retries (awsconn.DefaultMaxAttempts): Readiness fails with ThrottledError,
// the state machine's Retry runs it again, and the failover succeeds.
func testRunbookThrottled(t *testing.T, sfn *sfntest.Interpreter) {
	var proxy *awstest.Proxy
	r := newRunbookStack(t, sfn, runbookOptions{awsEndpoint: func(moto string) string {
		proxy = awstest.NewProxy(t, moto)
		return proxy.URL()
	}})
	const sdkAttempts = 5 // awsconn.DefaultMaxAttempts: one invocation's GetItem, all throttled
	f := awstest.DynamoDBError("ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.")
	f.Operation = "GetItem"
	proxy.Inject(sdkAttempts, f)
	ex, name := r.execute(t, "failover-input.json")
	if ex.Status != sfntest.Succeeded {
		t.Fatalf("execution %s: %s %s\n%s", name, ex.Error, ex.Cause, r.fn.tail())
	}
	if n := ex.Count("StateRetried", runbook.StepReadiness); n != 1 || ex.Attempts(runbook.StepReadiness) != 2 {
		t.Errorf("Readiness: %d retries, %d attempts; want 1 and 2", n, ex.Attempts(runbook.StepReadiness))
	}
	if !failedWith(ex, runbook.StepReadiness, runbook.ErrorTypes.Throttled) {
		t.Errorf("Readiness did not fail with %s first: events %+v", runbook.ErrorTypes.Throttled, ex.Events)
	}
	if got := proxy.Calls("GetItem"); got <= sdkAttempts {
		t.Errorf("%d GetItem calls reached DynamoDB, want the %d throttled and the retried step's", got, sdkAttempts)
	}
	if p := r.pair(t); p.ActiveSide != "dr" || p.Epoch != 1 {
		t.Errorf("ledger pair state %+v, want dr active at epoch 1", p)
	}
}

// failedWith reports whether state failed with error typ (before a retry
// or a catch).
func failedWith(ex *sfntest.Execution, state, typ string) bool {
	for _, e := range ex.Events {
		if e.State == state && e.Type == "StateFailed" && e.Error == typ {
			return true
		}
	}
	return false
}

// After a failover, what is made in DR syncs back to the primary, and the
// failback makes the primary active again at epoch 2 with its jobs running
// as they did in DR.
func testRunbookFailback(t *testing.T, sfn *sfntest.Interpreter) {
	r := newRunbookStack(t, sfn, runbookOptions{})
	if ex, name := r.execute(t, "failover-input.json"); ex.Status != sfntest.Succeeded {
		t.Fatalf("failover %s: %s %s", name, ex.Error, ex.Cause)
	}
	r.sync(t, "sync-reverse.json")
	dr := emutest.JobPauses(t, r.TargetAPI)
	ex, name := r.execute(t, "failback-input.json")
	if ex.Status != sfntest.Succeeded {
		t.Fatalf("failback %s: %s %s\n%s", name, ex.Error, ex.Cause, r.fn.tail())
	}
	if p := r.pair(t); p.ActiveSide != "primary" || p.Epoch != 2 {
		t.Errorf("ledger pair state %+v, want the primary active at epoch 2", p)
	}
	if got := emutest.JobPauses(t, r.SourceAPI); fmt.Sprint(got) != fmt.Sprint(dr) {
		t.Errorf("primary jobs after the failback:\n %v\nwant DR's before it:\n %v", got, dr)
	}
}
