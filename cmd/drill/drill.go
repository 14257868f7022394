//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/localstack"
	"github.com/drsync/drsync/shared/runbook"
	"github.com/drsync/drsync/shared/sfntest"
)

// drillJob is the job made in DR while failed over, which the failback
// must bring back to the primary; pausedJob is paused in the primary after
// the DR copy was synced, which the final sync must carry over.
const (
	drillJob  = "made-in-dr-during-the-drill"
	pausedJob = "churn-model-weekly"
)

// runDrill is the drill: a failover and a failback of the local stack, each
// driven by the synthesized state machine, printing to out the readiness
// reports, each step's duration (its share of the RTO) and a summary. It
// fails t when a step or a check of the end state fails.
func runDrill(t fixture.T, out io.Writer) {
	awstest.Start(t) // without moto, stop before starting node
	d := &drill{t: t, out: out, r: localstack.NewRunbook(t, sfntest.Start(t), localstack.RunbookOptions{})}
	d.printf("drsync drill: pair %s, primary %s, DR %s, ledger table %s in moto (%s)\n",
		handlertest.Pair, d.r.Source.URL(), d.r.Target.URL(), d.r.Table, awstest.Region)
	d.pausePrimaryJob(pausedJob)
	d.printf("The DR copy was synced from the primary, then %q was paused in the primary: it runs %d of its %d jobs.\n",
		pausedJob, countUnpaused(emutest.JobPauses(t, d.r.SourceAPI)), len(emutest.JobPauses(t, d.r.SourceAPI)))

	d.readiness("Before the failover", runbook.Failover)
	over := d.run("FAILOVER", "failover-input.json")
	if got := emutest.JobPauses(t, d.r.TargetAPI); countUnpaused(got) != len(got)-1 || !strings.Contains(got[pausedJob], "=PAUSED") {
		t.Fatalf("DR jobs after the failover %v, want all but %s running", got, pausedJob)
	}
	d.printf("\nDR jobs now: %d of %d run, as in the primary before the failover (%q, paused there after the "+
		"last sync, stays paused); the primary's are frozen.\n",
		countUnpaused(emutest.JobPauses(t, d.r.TargetAPI)), len(emutest.JobPauses(t, d.r.TargetAPI)), pausedJob)

	d.workInDR()
	d.readiness("Before the failback", runbook.Failback)
	back := d.run("FAILBACK", "failback-input.json")
	resumed := d.r.Sync(t, "scheduled.json")
	d.printf("\nThe scheduled sync runs forward again: %d created, %d updated, %d deleted (outcome %s).\n",
		resumed.Actions.Create, resumed.Actions.Update, resumed.Actions.Delete, resumed.Outcome)
	d.readiness("After the drill", runbook.Failover)
	d.summary(over, back)
}

// drill prints the drill's report as it goes.
type drill struct {
	t   fixture.T
	out io.Writer
	r   *localstack.Runbook
}

// ran is one direction of the drill.
type ran struct {
	state *runbook.State
	wall  time.Duration
	name  string
}

func (d *drill) printf(format string, args ...any) {
	if _, err := fmt.Fprintf(d.out, format, args...); err != nil {
		d.t.Fatal(err)
	}
}

// readiness prints the standby's readiness for direction, as the deployed
// function's Readiness step reports it (it changes nothing; force only keeps
// an unready standby from being an error here).
func (d *drill) readiness(title, direction string) {
	d.t.Helper()
	ev, _ := json.Marshal(map[string]any{"step": runbook.StepReadiness, "execution": "drill-readiness",
		"state": runbook.Input{Direction: direction, Force: true}})
	body, ferr := d.r.Failover.Invoke(d.t, ev)
	if ferr != nil {
		d.t.Fatalf("readiness: %v\n%s", ferr, d.r.Failover.Tail())
	}
	var st runbook.State
	if err := json.Unmarshal(body, &st); err != nil || st.Ready == nil {
		d.t.Fatalf("readiness answered %s (%v)", body, err)
	}
	d.printf("\n== %s: readiness for a %s ==\n", title, direction)
	if err := st.Ready.WriteText(d.out); err != nil {
		d.t.Fatal(err)
	}
}

// run executes the runbook on input and prints its steps and what they cost.
func (d *drill) run(title, input string) ran {
	d.t.Helper()
	begin := time.Now()
	ex, name := d.r.Execute(d.t, input)
	wall := time.Since(begin)
	if ex.Status != sfntest.Succeeded {
		d.t.Fatalf("%s %s: %s %s %s\n%s", title, name, ex.Status, ex.Error, ex.Cause, d.r.Failover.Tail())
	}
	st := localstack.FinalState(d.t, ex)
	d.printf("\n== %s (execution %s): %s, epoch %d ==\n", title, name, ex.Status, st.Epoch)
	d.printf("states: %s\n\n", strings.Join(ex.States(), " → "))
	if err := st.WriteText(d.out); err != nil {
		d.t.Fatal(err)
	}
	d.printf("wall clock of the execution (steps plus invocations and transitions): %s\n", wall.Round(time.Millisecond))
	return ran{state: st, wall: wall, name: name}
}

// pausePrimaryJob pauses the schedule of the primary's job name.
func (d *drill) pausePrimaryJob(name string) {
	d.t.Helper()
	ctx := d.t.Context()
	all, err := d.r.SourceAPI.Jobs.ListAll(ctx, jobs.ListJobsRequest{Name: name})
	if err != nil || len(all) != 1 || all[0].Settings.Schedule == nil {
		d.t.Fatalf("job %s: %d found (%v), want one with a schedule", name, len(all), err)
	}
	sched := *all[0].Settings.Schedule
	sched.PauseStatus = jobs.PauseStatusPaused
	if err := d.r.SourceAPI.Jobs.Update(ctx, jobs.UpdateJob{JobId: all[0].JobId, NewSettings: &jobs.JobSettings{Schedule: &sched}}); err != nil {
		d.t.Fatal(err)
	}
}

// workInDR changes DR while it is the active side (a job made there), and
// runs the reverse sync that keeps the primary, now the standby, up to date.
func (d *drill) workInDR() {
	d.t.Helper()
	_, err := d.r.TargetAPI.Jobs.Create(d.t.Context(), jobs.CreateJob{Name: drillJob,
		Tasks: []jobs.Task{{TaskKey: "t", NotebookTask: &jobs.NotebookTask{NotebookPath: "/Shared/etl/ingest_orders"}}}})
	if err != nil {
		d.t.Fatal(err)
	}
	sum := d.r.Sync(d.t, "sync-reverse.json")
	d.printf("\nWhile failed over, job %q was made in DR; the reverse sync (events/sync-reverse.json) "+
		"copied it back: %d created, %d updated (outcome %s).\n", drillJob, sum.Actions.Create, sum.Actions.Update, sum.Outcome)
}

// summary prints the closing paragraph: both RTOs, the longest steps, the
// end state, what the topic received.
func (d *drill) summary(over, back ran) {
	d.t.Helper()
	pair := d.r.Pair(d.t)
	inPrimary, err := d.r.SourceAPI.Jobs.ListAll(d.t.Context(), jobs.ListJobsRequest{Name: drillJob})
	if err != nil || len(inPrimary) != 1 {
		d.t.Fatalf("the job made in DR is in the primary %d times (%v), want once", len(inPrimary), err)
	}
	if pair.ActiveSide != "primary" || pair.Epoch != 2 {
		d.t.Fatalf("after the drill the pair is %+v, want the primary active at epoch 2", pair)
	}
	notes := d.r.Topic.Messages(d.t)
	d.printf("\n== Summary ==\n")
	d.printf("The failover took %s by its steps (%s wall clock), longest %s; the failback %s (%s), longest %s. "+
		"The pair ended where it started, the primary active, at epoch %d (each switch fences every run started "+
		"before it); the job made in DR during the failover is in the primary once, and the scheduled sync runs "+
		"forward again. The topic received %d runbook notifications. These times are local (emulated workspaces "+
		"and moto on loopback): in AWS each step adds Lambda and Step Functions latency, and FinalSync and Activate "+
		"grow with the estate and the workspaces' rate limits, bounded by failover.final_sync_timeout and the function's timeout.\n",
		over.state.Duration(), over.wall.Round(time.Millisecond), longest(over.state),
		back.state.Duration(), back.wall.Round(time.Millisecond), longest(back.state),
		pair.Epoch, len(notes))
}

// longest names the step that took longest, with its time.
func longest(st *runbook.State) string {
	var top runbook.StepReport
	for _, s := range st.Steps {
		if s.DurationMS >= top.DurationMS {
			top = s
		}
	}
	return fmt.Sprintf("%s (%s)", top.Name, time.Duration(top.DurationMS)*time.Millisecond)
}

// countUnpaused counts the jobs whose schedule, trigger or continuous run
// is unpaused.
func countUnpaused(pauses map[string]string) int {
	n := 0
	for _, p := range pauses {
		if strings.Contains(p, "=UNPAUSED") {
			n++
		}
	}
	return n
}
