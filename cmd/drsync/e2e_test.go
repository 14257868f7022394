package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

var ctx = context.Background()

// A first sync copies the estate; a second run with nothing changed makes no
// mutating call and exports nothing, on either side.
func TestInitialSyncThenNoChange(t *testing.T) {
	p := newPair(t)
	first := p.syncJSON(exitOK)
	if first.Summary.Create == 0 || first.Summary.Failed != 0 {
		t.Fatalf("first sync: %+v\n%s", first.Summary, first)
	}
	p.src.ResetRequests()
	p.tgt.ResetRequests()
	second := p.syncJSON(exitOK)
	if n := len(second.Actions) - second.Summary.Skip; n != 0 {
		t.Fatalf("second run planned %d changes:\n%s", n, second)
	}
	if m := mutations(p.tgt); m != 0 {
		t.Fatalf("second run made %d mutating calls on the target: %v", m, p.tgt.Requests())
	}
	for _, s := range []*emulator.Server{p.src, p.tgt} {
		if n := s.RequestCount("GET /api/2.0/workspace/export"); n != 0 {
			t.Fatalf("second run exported %d objects", n)
		}
	}
}

// Warm DR: target jobs are paused (source status recorded), all-purpose clusters
// terminated and pinned, pools hold no idle instances; job and pipeline clusters
// and built-in policies are not copied.
func TestWarmDRPolicies(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	tjobs := p.listJobs(p.tgtW)
	if len(tjobs) != 5 {
		t.Fatalf("target has %d jobs, want 5", len(tjobs))
	}
	for _, j := range tjobs {
		s := j.Settings
		for name, st := range map[string]any{"schedule": s.Schedule, "trigger": s.Trigger, "continuous": s.Continuous} {
			if ps := pauseOf(st); ps != "" && ps != jobs.PauseStatusPaused {
				t.Errorf("job %q %s is %s in DR", s.Name, name, ps)
			}
		}
	}
	clusters, err := p.tgtW.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(clusters) != 2 {
		t.Fatalf("target has %d clusters, want the 2 all-purpose ones", len(clusters))
	}
	for _, c := range clusters {
		if c.State != compute.StateTerminated && c.State != compute.StateTerminating {
			t.Errorf("DR cluster %q is %s", c.ClusterName, c.State)
		}
	}
	pinned, err := p.tgtW.Clusters.ListAll(ctx, compute.ListClustersRequest{FilterBy: &compute.ListClustersFilterBy{IsPinned: true}})
	if err != nil || len(pinned) != 2 {
		t.Fatalf("pinned clusters = %d (%v), want 2", len(pinned), err)
	}
	pools, _ := p.tgtW.InstancePools.ListAll(ctx)
	for _, pl := range pools {
		if pl.MinIdleInstances != 0 {
			t.Errorf("DR pool %q keeps %d idle instances", pl.InstancePoolName, pl.MinIdleInstances)
		}
	}
	policies, _ := p.tgtW.ClusterPolicies.ListAll(ctx, compute.ListClusterPoliciesRequest{})
	names := map[string]int{}
	for _, pol := range policies {
		names[pol.Name]++
	}
	if names["Personal Compute"] != 1 || names["data-eng-jobs"] != 1 {
		t.Fatalf("policies in target: %v (built-ins must not be duplicated)", names)
	}
	var out, errb bytes.Buffer
	code := run(ctx, []string{"status", "--output", "json", "--ledger", p.ledger, "--config", p.config}, &out, &errb)
	if code != exitOK || !strings.Contains(out.String(), `"job": 5`) {
		t.Fatalf("status exit %d: %s\n%s", code, errb.String(), out.String())
	}
}

func pauseOf(v any) jobs.PauseStatus {
	switch s := v.(type) {
	case *jobs.CronSchedule:
		if s != nil {
			return s.PauseStatus
		}
	case *jobs.TriggerSettings:
		if s != nil {
			return s.PauseStatus
		}
	case *jobs.Continuous:
		if s != nil {
			return s.PauseStatus
		}
	}
	return ""
}

// Creates, updates, deletes and renames in the source reach the target, and a
// rerun after them is quiet again.
func TestSourceChangesPropagate(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	// create, update, rename (= delete + create) and delete in the source
	p.importNotebook(p.srcW, "/Shared/ml/new_experiment", "print('new')")
	p.importNotebook(p.srcW, "/Shared/ml/model_monitoring", "print('changed')")
	if err := p.srcW.Workspace.Delete(ctx, workspace.Delete{Path: "/Shared/analytics/reports/monthly_finance"}); err != nil {
		t.Fatal(err)
	}
	p.importNotebook(p.srcW, "/Shared/analytics/reports/monthly_finance_v2", "select 1")
	jobID := p.seed.IDs["job:month-end-close"]
	if err := p.srcW.Jobs.DeleteByJobId(ctx, mustInt(t, jobID)); err != nil {
		t.Fatal(err)
	}
	doc := p.syncJSON(exitOK)
	if s := doc.Summary; s.Create != 2 || s.Update != 1 || s.Delete != 2 || s.Failed != 0 {
		t.Fatalf("summary %+v\n%s", s, doc)
	}
	if got := p.exportText(p.tgtW, "/Shared/ml/model_monitoring"); !strings.Contains(got, "print('changed')") {
		t.Fatalf("update not propagated: %q", got)
	}
	if _, err := p.tgtW.Workspace.GetStatusByPath(ctx, "/Shared/analytics/reports/monthly_finance"); err == nil {
		t.Fatal("renamed-away notebook still in target")
	}
	if len(p.listJobs(p.tgtW)) != 4 {
		t.Fatal("deleted job still in target")
	}
	again := p.syncJSON(exitOK)
	if n := len(again.Actions) - again.Summary.Skip; n != 0 {
		t.Fatalf("rerun not quiet:\n%s", again)
	}
}

// A change made by hand in the target is found as drift and reverted.
func TestHandDriftIsFoundAndReverted(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	p.importNotebook(p.tgtW, "/Shared/ml/model_monitoring", "print('hot fix in DR')")
	for _, j := range p.listJobs(p.tgtW) {
		if j.Settings.Name == "nightly-orders" {
			s := *j.Settings
			s.MaxConcurrentRuns = 7
			if err := p.tgtW.Jobs.Reset(ctx, jobs.ResetJob{JobId: j.JobId, NewSettings: s}); err != nil {
				t.Fatal(err)
			}
		}
	}
	doc := p.syncJSON(exitOK)
	if doc.Drift != 2 || doc.Summary.Update != 2 {
		t.Fatalf("drift %d, summary %+v\n%s", doc.Drift, doc.Summary, doc)
	}
	if got := p.exportText(p.tgtW, "/Shared/ml/model_monitoring"); strings.Contains(got, "hot fix") {
		t.Fatal("drift not reverted")
	}
}

// A lost ledger is rebuilt by adoption: no duplicates, nothing to create.
func TestLostLedgerAdoptsWithoutDuplicates(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	before := p.counts()
	if err := os.Remove(p.ledger); err != nil {
		t.Fatal(err)
	}
	doc := p.syncJSON(exitOK)
	if doc.Summary.Create != 0 || doc.Summary.Delete != 0 {
		t.Fatalf("lost ledger: %+v\n%s", doc.Summary, doc)
	}
	if after := p.counts(); after != before {
		t.Fatalf("target counts changed: %v → %v", before, after)
	}
	again := p.syncJSON(exitOK)
	if n := len(again.Actions) - again.Summary.Skip; n != 0 {
		t.Fatalf("run after adoption not quiet:\n%s", again)
	}
}

// An empty source listing must not wipe DR: exit 3, nothing deleted.
func TestEmptySourceIsRefusedByDeleteGuard(t *testing.T) {
	p := newPair(t)
	p.syncJSON(exitOK)
	before := p.counts()
	empty, _ := emutest.Start(t, emulator.Options{Seed: 33, WorkspaceID: 3333})
	code, out, errs := p.drsyncFrom(empty.URL(), "sync")
	if code != exitRefused {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "Delete guard: refusing") {
		t.Fatalf("no delete-guard message:\n%s", out)
	}
	if after := p.counts(); after != before {
		t.Fatalf("target changed although the guard refused: %v → %v", before, after)
	}
}

// With 10 % of requests answered 429 on both sides, the sync still converges.
func TestConvergesUnderThrottling(t *testing.T) {
	p := newPair(t)
	// Fixed counts, not a probability: the same 429s on every run, spread
	// over the listings and the writes, each answered at most twice in a row
	// so one call's retries fit its budget.
	throttled := map[*emulator.Server][]string{
		p.src: {"GET /api/2.0/workspace/list", "GET /api/2.1/clusters/list", "GET /api/2.2/jobs/list",
			"GET /api/2.0/workspace/export"},
		p.tgt: {"GET /api/2.0/workspace/list", "POST /api/2.0/workspace/import", "POST /api/2.2/jobs/create",
			"POST /api/2.1/clusters/create"},
	}
	want := 0
	for s, endpoints := range throttled {
		for _, ep := range endpoints {
			s.InjectFault(emulator.Fault{Endpoint: ep, Kind: emulator.Throttle, Times: 2})
			want += 2
		}
	}
	p.syncJSON(exitOK)
	if n := p.src.FaultsFired() + p.tgt.FaultsFired(); n != want {
		t.Fatalf("429s injected = %d, want %d", n, want)
	}
	for _, s := range []*emulator.Server{p.src, p.tgt} {
		s.ClearFaults()
	}
	again := p.syncJSON(exitOK)
	if n := len(again.Actions) - again.Summary.Skip; n != 0 {
		t.Fatalf("not converged:\n%s", again)
	}
}

// An apply cut short by failures (500s, not retried) leaves a partial DR copy;
// the rerun finishes it with no duplicates.
func TestInterruptedApplyConverges(t *testing.T) {
	p := newPair(t)
	p.tgt.InjectFault(emulator.Fault{Endpoint: "POST /api/2.2/jobs/create", Kind: emulator.InternalError, After: 2})
	p.tgt.InjectFault(emulator.Fault{Endpoint: "POST /api/2.0/workspace/import", Kind: emulator.InternalError, After: 10, Times: 5})
	first := p.syncJSON(exitFailed)
	if first.Summary.Failed == 0 {
		t.Fatal("no action failed")
	}
	p.tgt.ClearFaults()
	p.syncJSON(exitOK)
	p.assertNoDuplicates()
	again := p.syncJSON(exitOK)
	if n := len(again.Actions) - again.Summary.Skip; n != 0 {
		t.Fatalf("not converged:\n%s", again)
	}
}

// Bad input is a usage error (exit 2) naming the problem.
func TestUsageErrors(t *testing.T) {
	p := newPair(t)
	p.writeConfig(`{"pair": "e2e", "source": {"host": "` + p.src.URL() + `"}, "target": {"host": "` + p.tgt.URL() + `"},
	  "delete_guard": {"max_share": 3}}`)
	code, _, errs := p.drsync("sync")
	if code != exitUsage || !strings.Contains(errs, "delete_guard.max_share") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	p.writeConfig(`{"pair": "e2e", "source": {"host": "` + p.src.URL() + `"}, "target": {"host": "` + p.tgt.URL() + `"}}`)
	code, _, errs = p.drsync("sync", "--resources", "notebooks,gpus")
	if code != exitUsage || !strings.Contains(errs, "gpus") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// listJobs uses Jobs.List: it follows has_more with jobs/get; ListAll does not.
func (p *pair) listJobs(w *databricks.WorkspaceClient) []jobs.BaseJob {
	p.t.Helper()
	all, err := listing.ToSlice(ctx, w.Jobs.List(ctx, jobs.ListJobsRequest{ExpandTasks: true}))
	if err != nil {
		p.t.Fatal(err)
	}
	return all
}

func (p *pair) importNotebook(w *databricks.WorkspaceClient, path, src string) {
	p.t.Helper()
	err := w.Workspace.Import(ctx, workspace.Import{Path: path, Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Overwrite: true, Content: base64.StdEncoding.EncodeToString([]byte(src))})
	if err != nil {
		p.t.Fatal(err)
	}
}

func (p *pair) exportText(w *databricks.WorkspaceClient, path string) string {
	p.t.Helper()
	res, err := w.Workspace.Export(ctx, workspace.ExportRequest{Path: path, Format: workspace.ExportFormatSource})
	if err != nil {
		p.t.Fatal(err)
	}
	b, _ := base64.StdEncoding.DecodeString(res.Content)
	return string(b)
}

// counts is the number of objects of each kind in the target.
func (p *pair) counts() [4]int {
	p.t.Helper()
	clusters, _ := p.tgtW.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	pools, _ := p.tgtW.InstancePools.ListAll(ctx)
	policies, _ := p.tgtW.ClusterPolicies.ListAll(ctx, compute.ListClusterPoliciesRequest{})
	return [4]int{len(p.listJobs(p.tgtW)), len(clusters), len(pools), len(policies) + p.tgt.WorkspaceObjectCount()}
}

// assertNoDuplicates: every job, cluster, pool and policy name appears once.
func (p *pair) assertNoDuplicates() {
	p.t.Helper()
	seen := map[string]int{}
	for _, j := range p.listJobs(p.tgtW) {
		seen["job "+j.Settings.Name]++
	}
	clusters, _ := p.tgtW.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	for _, c := range clusters {
		seen["cluster "+c.ClusterName]++
	}
	pools, _ := p.tgtW.InstancePools.ListAll(ctx)
	for _, pl := range pools {
		seen["pool "+pl.InstancePoolName]++
	}
	for name, n := range seen {
		if n > 1 {
			p.t.Errorf("%s exists %d times in the target", name, n)
		}
	}
}
