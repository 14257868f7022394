package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/runbook"
)

// cli runs a command with the pair's workspaces, ledger and config (and no
// --no-progress, which only the syncing commands take).
func (p *pair) cli(args ...string) (int, string, string) {
	p.t.Helper()
	var out, errb bytes.Buffer
	full := append(args, "--source", p.src.URL(), "--target", p.tgt.URL(), "--ledger", p.ledger, "--config", p.config)
	code := run(p.t.Context(), full, &out, &errb)
	return code, out.String(), errb.String()
}

// state reads the pair's state from the ledger file, as the next run would.
func (p *pair) state() ledger.PairState {
	p.t.Helper()
	store, err := bolt.OpenReadOnly(p.t.Context(), p.ledger, bolt.Options{})
	if err != nil {
		p.t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	st, err := store.State(p.t.Context(), "e2e")
	if err != nil {
		p.t.Fatal(err)
	}
	return st
}

// pauses maps each job of w to how it runs by itself.
func (p *pair) pauses(w *databricks.WorkspaceClient) map[string]string {
	p.t.Helper()
	out := map[string]string{}
	for _, j := range p.listJobs(w) {
		s := j.Settings
		out[s.Name] = string(pauseOf(s.Schedule)) + string(pauseOf(s.Trigger)) + string(pauseOf(s.Continuous))
		if s.Trigger != nil && s.Trigger.PauseStatus == "" || s.Continuous != nil && s.Continuous.PauseStatus == "" {
			out[s.Name] += "UNPAUSED" // the service leaves it out when unpaused
		}
	}
	return out
}

// readiness exits 0 only for a ready standby, 1 with the reasons for one that
// is not, 2 for a bad direction; it changes nothing.
func TestReadinessExitCodes(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK, "--dry-run") // creates nothing: the ledger file must exist for readiness
	code, out, _ := p.cli("readiness")
	if code != exitFailed || !strings.HasPrefix(out, "NOT READY") || !strings.Contains(out, "never") {
		t.Fatalf("before any sync: exit %d\n%s", code, out)
	}
	p.syncJSON(exitOK)
	code, out, errs := p.cli("readiness", "--output", "json")
	var rep runbook.Readiness
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK || !rep.Ready || rep.ActiveSide != "primary" {
		t.Fatalf("after a sync: exit %d, %+v (%v)\n%s", code, rep, err, errs)
	}
	if code, out, _ := p.cli("readiness", "--direction", "failback"); code != exitFailed || !strings.Contains(out, "the active side is primary") {
		t.Errorf("failback readiness of a pair never failed over: exit %d\n%s", code, out)
	}
	if code, _, errs := p.cli("readiness", "--direction", "sideways"); code != exitUsage || !strings.Contains(errs, `--direction: want "failover" or "failback", got "sideways"`) {
		t.Errorf("bad direction: exit %d, %s", code, errs)
	}
	if st := p.state(); st.Epoch != 0 || st.StopBy != "" || st.LeaseHolder != "" {
		t.Errorf("readiness changed the pair: %+v", st)
	}
}

// The whole way round from the CLI: a dry run changes nothing; the failover
// brings DR's jobs alive exactly as the primary's were and refuses forward
// syncs and plans after it; a change made in DR reaches the primary by
// sync --reverse; the failback makes the primary active again, DR warm.
func TestFailoverAndFailbackFromTheCLI(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	p.setPause(p.srcW, "churn-model-weekly", jobs.PauseStatusPaused)
	p.syncJSON(exitOK)
	primary := p.pauses(p.srcW)

	p.src.ResetRequests()
	p.tgt.ResetRequests()
	code, out, errs := p.cli("failover", "--dry-run")
	if code != exitOK || !strings.Contains(out, "would make dr active at epoch 1") || !strings.Contains(out, "Dry run of the failover") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errs)
	}
	if m := mutations(p.tgt) + mutations(p.src); m != 0 || p.state().ActiveSide != "primary" {
		t.Fatalf("the dry run wrote %d times to the workspaces, state %+v", m, p.state())
	}

	code, out, errs = p.cli("failover")
	if code != exitOK || !strings.Contains(out, "Failover done") || !strings.Contains(out, "DR is the active side at epoch 1") {
		t.Fatalf("failover: exit %d\n%s\n%s", code, out, errs)
	}
	for _, step := range runbook.Steps {
		if !strings.Contains(out, "\n"+step+" ") {
			t.Errorf("the step table lacks %s:\n%s", step, out)
		}
	}
	if got := p.pauses(p.tgtW); !maps.Equal(got, primary) {
		t.Errorf("DR jobs after failover =\n%v\nwant the primary's\n%v", got, primary)
	}

	for _, cmd := range [][]string{{"sync"}, {"plan"}, {"sync", "--dry-run"}} {
		code, _, errs := p.drsync(cmd...)
		if code != exitFailed || !strings.Contains(errs, "failed over") || !strings.Contains(errs, "drsync sync --reverse") {
			t.Errorf("%v while DR is active: exit %d, %s; want 1 saying how to proceed", cmd, code, errs)
		}
	}

	p.importNotebook(p.tgtW, "/Shared/ml/model_monitoring", "print('hotfix in DR')")
	if doc := p.syncJSON(exitOK, "--reverse"); doc.Summary.Update == 0 {
		t.Fatalf("reverse sync updated nothing:\n%s", doc)
	}
	if got := p.exportText(p.srcW, "/Shared/ml/model_monitoring"); !strings.Contains(got, "hotfix in DR") {
		t.Errorf("the primary's notebook after the reverse sync: %q", got)
	}

	dr := p.pauses(p.tgtW)
	code, out, errs = p.cli("failback")
	if code != exitOK || !strings.Contains(out, "the primary is the active side at epoch 2") {
		t.Fatalf("failback: exit %d\n%s\n%s", code, out, errs)
	}
	if got := p.pauses(p.srcW); !maps.Equal(got, dr) {
		t.Errorf("primary jobs after failback =\n%v\nwant DR's\n%v", got, dr)
	}
	for name, s := range p.pauses(p.tgtW) {
		if strings.Contains(s, "UNPAUSED") {
			t.Errorf("DR job %s runs after failback: %s", name, s)
		}
	}
	if code, _, errs := p.drsync("sync", "--reverse"); code != exitFailed || !strings.Contains(errs, "not failed over") {
		t.Errorf("reverse sync with the primary active: exit %d, %s", code, errs)
	}
	if doc := p.syncJSON(exitOK); doc.Summary.Create != 0 {
		t.Errorf("the first forward sync after failback created %d objects:\n%s", doc.Summary.Create, doc)
	}
}

// A primary whose client cannot even be built (its credentials unreadable:
// the outage) does not stop the failover: the freeze and the final sync are
// skipped and DR takes over from the last sync.
func TestFailoverWithAnUnreachablePrimary(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	want := p.pauses(p.srcW)
	t.Setenv("DRSYNC_SOURCE_TOKEN", "")
	code, out, errs := p.cli("failover")
	if code != exitOK || !strings.Contains(errs, "source workspace is unreachable") {
		t.Fatalf("failover without the primary's credentials: exit %d\n%s\n%s", code, out, errs)
	}
	for _, step := range []string{runbook.StepFreeze, runbook.StepFinalSync} {
		if !regexp.MustCompile(`\n` + step + ` +skipped`).MatchString(out) {
			t.Errorf("%s not skipped:\n%s", step, out)
		}
	}
	if got := p.pauses(p.tgtW); !maps.Equal(got, want) || p.state().ActiveSide != "dr" {
		t.Errorf("DR jobs =\n%v\nwant\n%v; state %+v", got, want, p.state())
	}
}

// A standby that is not ready stops the failover at readiness with exit 1,
// switching nothing; --force goes on. Usage errors exit 2, and a ledger
// file that does not exist is not created.
func TestFailoverNotReadyAndUsage(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK, "--dry-run")
	code, out, errs := p.cli("failover")
	if code != exitFailed || !strings.Contains(out, "Failover refused") || !strings.Contains(errs, "not ready") {
		t.Fatalf("unsynced standby: exit %d\n%s\n%s", code, out, errs)
	}
	if st := p.state(); st.ActiveSide != "primary" || st.Epoch != 0 || st.StopBy != "" {
		t.Fatalf("a refused failover changed the pair: %+v", st)
	}
	if code, out, errs := p.cli("failover", "--force", "--output", "json"); code != exitOK || !strings.Contains(out, `"outcome": "done"`) {
		t.Fatalf("forced: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := p.cli("failback", "--topic", "not-an-arn"); code != exitUsage || !strings.Contains(errs, "--topic") {
		t.Errorf("bad topic: exit %d, %s", code, errs)
	}
	p.ledger += ".typo"
	if code, _, errs := p.cli("failback"); code != exitUsage || !strings.Contains(errs, "does not exist") {
		t.Errorf("missing ledger: exit %d, %s", code, errs)
	}
}

func (p *pair) setPause(w *databricks.WorkspaceClient, name string, s jobs.PauseStatus) {
	p.t.Helper()
	all, err := w.Jobs.ListAll(ctx, jobs.ListJobsRequest{Name: name})
	if err != nil || len(all) != 1 {
		p.t.Fatalf("job %s: %d found, %v", name, len(all), err)
	}
	sched := *all[0].Settings.Schedule
	sched.PauseStatus = s
	if err := w.Jobs.Update(ctx, jobs.UpdateJob{JobId: all[0].JobId, NewSettings: &jobs.JobSettings{Schedule: &sched}}); err != nil {
		p.t.Fatal(err)
	}
}

// status shows the pair's active side, epoch and stop request, and counts
// the reverse sync's records (seeded by the failover, then the reverse
// sync's own) apart from the forward ones, whose counts the failover does
// not change.
func TestStatusKeepsDirectionsApart(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	p.syncJSON(exitOK) // the first sync leaves folders made by its imports for the next to adopt
	before := p.status()
	if code, out, errs := p.cli("failover"); code != exitOK {
		t.Fatalf("failover: exit %d\n%s\n%s", code, out, errs)
	}
	p.syncJSON(exitOK, "--reverse")
	after := p.status()
	if !maps.Equal(after.Managed, before.Managed) || after.Active != "dr" || after.Epoch != 1 {
		t.Errorf("forward counts %v (before the failover %v), active %s, epoch %d", after.Managed, before.Managed, after.Active, after.Epoch)
	}
	if !maps.Equal(after.ManagedReverse, before.Managed) {
		t.Errorf("reverse counts %v, want the forward ones %v (every object seeded the other way)", after.ManagedReverse, before.Managed)
	}
	store, err := bolt.Open(p.ledger, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.RequestStop(t.Context(), "e2e", "cli-failback-x"); err != nil {
		t.Fatal(err)
	}
	_ = store.Close()
	code, out, errs := drsyncRun(t, "status", "--ledger", p.ledger, "--config", p.config)
	for _, want := range []string{"active side dr, epoch 1", "stop requested by cli-failback-x", "Managed by the reverse sync (DR → primary)", "failover  "} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q: exit %d\n%s\n%s", want, code, out, errs)
		}
	}
}

func (p *pair) status() statusReport {
	p.t.Helper()
	code, out, errs := drsyncRun(p.t, "status", "--output", "json", "--ledger", p.ledger, "--config", p.config)
	var rep statusReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK {
		p.t.Fatalf("status: exit %d, %v\n%s", code, err, errs)
	}
	return rep
}
