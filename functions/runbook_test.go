//go:build linux

package functions_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/localstack"
	"github.com/drsync/drsync/shared/runbook"
	"github.com/drsync/drsync/shared/sfntest"
)

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
	r := localstack.NewRunbook(t, sfn, localstack.RunbookOptions{})
	primary := emutest.JobPauses(t, r.SourceAPI)
	if dr := emutest.JobPauses(t, r.TargetAPI); strings.Contains(fmt.Sprint(dr), "UNPAUSED") || !strings.Contains(fmt.Sprint(primary), "UNPAUSED") {
		t.Fatalf("before: DR jobs %v, primary %v; want DR all paused and the primary running some", dr, primary)
	}
	ex, name := r.Execute(t, "failover-input.json")
	if ex.Status != sfntest.Succeeded {
		t.Fatalf("execution %s: %s %s\n%s", name, ex.Error, ex.Cause, r.Failover.Tail())
	}
	want := append(append([]string{runbook.StepReadiness, "ReadyOrForced"}, runbook.Steps[1:]...), "Outcome", "Done")
	if got := ex.States(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("states %v, want %v", got, want)
	}
	if st := localstack.FinalState(t, ex); st.Outcome != runbook.OutcomeDone || st.Execution != name || st.Epoch != 1 {
		t.Errorf("output: outcome %s, execution %s, epoch %d", st.Outcome, st.Execution, st.Epoch)
	}
	if p := r.Pair(t); p.ActiveSide != "dr" || p.Epoch != 1 {
		t.Errorf("ledger pair state %+v, want dr active at epoch 1", p)
	}
	if rec := r.Record(t, name); rec == nil || rec.Trigger != runbook.Failover || rec.Outcome != ledger.OutcomeOK {
		t.Errorf("ledger record of %s: %+v", name, rec)
	}
	if got := emutest.JobPauses(t, r.TargetAPI); fmt.Sprint(got) != fmt.Sprint(primary) {
		t.Errorf("DR jobs after the failover:\n %v\nwant the primary's before it:\n %v", got, primary)
	}
	if notes := r.Topic.Messages(t); len(notes) != 1 || !strings.Contains(notes[0], `"outcome": "done"`) {
		t.Errorf("notifications %q, want Record's one summary", notes)
	}
}

// A standby that is not ready fails Readiness with NotReadyError; the Catch
// takes it to Record, which records the run as failed and notifies, and the
// execution fails with that error. Nothing switched: the primary is active
// at epoch 0 and DR stays paused.
func testRunbookNotReady(t *testing.T, sfn *sfntest.Interpreter) {
	r := localstack.NewRunbook(t, sfn, localstack.RunbookOptions{Config: func(c *config.Config) {
		c.Failover.MaxSyncAge = config.Duration{Duration: time.Nanosecond} // every sync is too old
	}})
	dr := emutest.JobPauses(t, r.TargetAPI)
	ex, name := r.Execute(t, "failover-input.json")
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
	if rec := r.Record(t, name); rec == nil || rec.Outcome != ledger.Outcome(runbook.OutcomeFailed) {
		t.Errorf("ledger record of %s: %+v, want a failed one", name, rec)
	}
	if p := r.Pair(t); p.ActiveSide != "primary" || p.Epoch != 0 || p.StopBy != "" {
		t.Errorf("ledger pair state %+v, want the primary active at epoch 0 and no stop request", p)
	}
	if got := emutest.JobPauses(t, r.TargetAPI); fmt.Sprint(got) != fmt.Sprint(dr) {
		t.Errorf("DR jobs changed by a refused failover: %v, were %v", got, dr)
	}
	if notes := r.Topic.Messages(t); len(notes) != 1 || !strings.Contains(notes[0], `"outcome": "failed"`) {
		t.Errorf("notifications %q, want Record's one failed summary", notes)
	}
}

// DynamoDB throttles the ledger's first reads for longer than the SDK's own
// retries (awsconn.DefaultMaxAttempts): Readiness fails with ThrottledError,
// the state machine's Retry runs it again, and the failover succeeds.
func testRunbookThrottled(t *testing.T, sfn *sfntest.Interpreter) {
	var proxy *awstest.Proxy
	r := localstack.NewRunbook(t, sfn, localstack.RunbookOptions{AWSEndpoint: func(moto string) string {
		proxy = awstest.NewProxy(t, moto)
		return proxy.URL()
	}})
	const sdkAttempts = 5 // awsconn.DefaultMaxAttempts: one invocation's GetItem, all throttled
	f := awstest.DynamoDBError("ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.")
	f.Operation = "GetItem"
	proxy.Inject(sdkAttempts, f)
	ex, name := r.Execute(t, "failover-input.json")
	if ex.Status != sfntest.Succeeded {
		t.Fatalf("execution %s: %s %s\n%s", name, ex.Error, ex.Cause, r.Failover.Tail())
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
	if p := r.Pair(t); p.ActiveSide != "dr" || p.Epoch != 1 {
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
	r := localstack.NewRunbook(t, sfn, localstack.RunbookOptions{})
	if ex, name := r.Execute(t, "failover-input.json"); ex.Status != sfntest.Succeeded {
		t.Fatalf("failover %s: %s %s", name, ex.Error, ex.Cause)
	}
	r.Sync(t, "sync-reverse.json")
	dr := emutest.JobPauses(t, r.TargetAPI)
	ex, name := r.Execute(t, "failback-input.json")
	if ex.Status != sfntest.Succeeded {
		t.Fatalf("failback %s: %s %s\n%s", name, ex.Error, ex.Cause, r.Failover.Tail())
	}
	if p := r.Pair(t); p.ActiveSide != "primary" || p.Epoch != 2 {
		t.Errorf("ledger pair state %+v, want the primary active at epoch 2", p)
	}
	if got := emutest.JobPauses(t, r.SourceAPI); fmt.Sprint(got) != fmt.Sprint(dr) {
		t.Errorf("primary jobs after the failback:\n %v\nwant DR's before it:\n %v", got, dr)
	}
}
