package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// newBareFixture is a pair of empty workspaces whose identities differ (the
// source's owner, drsync's service principal in DR), so a DR object that
// silently took drsync's identity shows.
func newBareFixture(t *testing.T) *fixture {
	t.Helper()
	src, srcW := emutest.Start(t, emulator.Options{Seed: 5, WorkspaceID: 5, UserName: "bob@example.com"})
	tgt, tgtW := emutest.Start(t, emulator.Options{Seed: 6, WorkspaceID: 6, UserName: "drsync-sp@example.com"})
	store, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return &fixture{src: src, tgt: tgt, srcW: srcW, tgtW: tgtW, store: store}
}

// seedJob creates a job in srv from a jobs/create body.
func seedJob(t *testing.T, srv *emulator.Server, body string) int64 {
	t.Helper()
	id, err := srv.SeedJob([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// dr returns the DR copy of the source object key, through the ledger.
func (f *fixture) drID(t *testing.T, kind, key string) string {
	t.Helper()
	rec := mustRecord(t, f, kind, key)
	if rec.TargetID == "" {
		t.Fatalf("%s %s has no DR copy: %+v", kind, key, rec)
	}
	return rec.TargetID
}

func (f *fixture) drJob(t *testing.T, srcID int64) *jobs.Job {
	t.Helper()
	id, _ := strconv.ParseInt(f.drID(t, "job", strconv.FormatInt(srcID, 10)), 10, 64)
	j, err := f.tgtW.Jobs.GetByJobId(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// assertNoOp fails unless p changes nothing in the target.
func assertNoOp(t *testing.T, p *plan.Plan) {
	t.Helper()
	if p.Mutations() != 0 {
		var b strings.Builder
		_ = plan.WriteText(&b, p)
		t.Fatalf("second run is not a no-op:\n%s", b.String())
	}
}

// A DR job never runs as drsync's identity: its run_as is the source's
// run_as, or else the identity the source job runs as (its creator), sent
// explicitly; a second run changes nothing.
func TestJobRunAsIsAlwaysSent(t *testing.T) {
	f := newBareFixture(t)
	implicit := seedJob(t, f.src, `{"name": "implicit"}`)
	sp := seedJob(t, f.src, `{"name": "as-sp", "run_as": {"service_principal_name": "6e5c6f0a-7a0e-4d52-9c1e-2f3b8a9d0c11"}}`)
	user := seedJob(t, f.src, `{"name": "as-user", "run_as": {"user_name": "carol@example.com"}}`)
	f.sync(t)
	for id, want := range map[int64]string{implicit: "bob@example.com",
		sp: "6e5c6f0a-7a0e-4d52-9c1e-2f3b8a9d0c11", user: "carol@example.com"} {
		j := f.drJob(t, id)
		if j.RunAsUserName != want || j.Settings.RunAs == nil {
			t.Errorf("DR copy of job %d runs as %q (run_as %+v), want %q", id, j.RunAsUserName, j.Settings.RunAs, want)
		}
	}
	if got := f.drJob(t, sp).Settings.RunAs.ServicePrincipalName; got == "" {
		t.Errorf("a service principal's run_as is not sent as service_principal_name")
	}
	assertNoOp(t, f.sync(t))

	// run_as removed in the source: the job now runs as its creator, and so,
	// after one update, does its DR copy; then nothing changes.
	if err := f.srcW.Jobs.Update(context.Background(), jobs.UpdateJob{JobId: user, FieldsToRemove: []string{"run_as"}}); err != nil {
		t.Fatal(err)
	}
	if p := f.sync(t); p.Find("job", strconv.FormatInt(user, 10)) < 0 {
		t.Fatalf("removing run_as in the source did not update the DR copy")
	}
	if got := f.drJob(t, user).RunAsUserName; got != "bob@example.com" {
		t.Errorf("after run_as was removed in the source, the DR copy runs as %q, want the source's creator", got)
	}
	assertNoOp(t, f.sync(t))
}

// apply_policy_default_values, which the service shows only in a cluster's
// spec, is copied to the DR cluster.
func TestClusterKeepsApplyPolicyDefaultValues(t *testing.T) {
	f := newBareFixture(t)
	pol, err := f.src.SeedPolicy([]byte(`{"name": "p", "definition": "{}"}`))
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.src.SeedCluster([]byte(`{"cluster_name": "c", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge",
		"num_workers": 1, "policy_id": "` + pol + `", "apply_policy_default_values": true}`))
	if err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	c, err := f.tgtW.Clusters.Get(context.Background(), compute.GetClusterRequest{ClusterId: f.drID(t, "cluster", id)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Spec == nil || !c.Spec.ApplyPolicyDefaultValues {
		t.Fatalf("DR cluster spec %+v lost apply_policy_default_values", c.Spec)
	}
	assertNoOp(t, f.sync(t))
}

// tagsJSON is a JSON object of n tags.
func tagsJSON(n int) string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = `"t` + strconv.Itoa(i) + `": "v"`
	}
	return "{" + strings.Join(tags, ",") + "}"
}

// A job with exactly 25 tags (the service's limit) and a cluster with 45
// custom tags sync without the marker, which would push them over; the
// plan says so; the second run is a no-op, and with the ledger lost they
// are adopted by name instead of created again.
func TestMarkerNeverExceedsTagLimit(t *testing.T) {
	f := newBareFixture(t)
	full := seedJob(t, f.src, `{"name": "full", "tags": `+tagsJSON(25)+`}`)
	roomy := seedJob(t, f.src, `{"name": "roomy", "tags": `+tagsJSON(24)+`}`)
	cid, err := f.src.SeedCluster([]byte(`{"cluster_name": "tagged", "spark_version": "15.4.x-scala2.12",
		"node_type_id": "i3.xlarge", "num_workers": 1, "custom_tags": ` + tagsJSON(45) + `}`))
	if err != nil {
		t.Fatal(err)
	}
	p := f.sync(t)
	for _, key := range []string{"job " + strconv.FormatInt(full, 10), "cluster " + cid} {
		i := findAction(p, key)
		if i < 0 || !strings.Contains(p.Actions[i].Reason, "without drsync's marker") {
			t.Errorf("%s: no create saying it is written without the marker in plan %+v", key, p.Actions)
		}
	}
	if j := f.drJob(t, full); len(j.Settings.Tags) != 25 || j.Settings.Tags["drsync-source"] != "" {
		t.Errorf("DR job at the limit has tags %v", j.Settings.Tags)
	}
	if j := f.drJob(t, roomy); j.Settings.Tags["drsync-source"] != strconv.FormatInt(roomy, 10) {
		t.Errorf("DR job below the limit lacks the marker: %v", j.Settings.Tags)
	}
	assertNoOp(t, f.sync(t))

	// A lost ledger: the unmarked copies are found by name, not duplicated.
	for _, r := range []struct{ kind, key string }{{"job", strconv.FormatInt(full, 10)}, {"cluster", cid}} {
		rec := mustRecord(t, f, r.kind, r.key)
		if err := f.store.Delete(context.Background(), "p", r.kind, r.key, rec.Version, ledgerFence()); err != nil {
			t.Fatal(err)
		}
	}
	p = f.sync(t)
	if s := p.Summary(); s.Create != 0 {
		t.Errorf("after the ledger was lost, %d objects were created again", s.Create)
	}
	if n := f.tgt.JobCount(); n != 2 {
		t.Errorf("DR holds %d jobs, want 2", n)
	}
}

// findAction is the index of the action on "kind key", or -1.
func findAction(p *plan.Plan, kindKey string) int {
	for i, a := range p.Actions {
		if a.Kind+" "+a.Key == kindKey {
			return i
		}
	}
	return -1
}

// syncNoRevert is a sync with drift revert off (the default of a pair that
// reports hand changes in DR instead of undoing them).
func (f *fixture) syncNoRevert(t *testing.T) *plan.Plan {
	t.Helper()
	res, err := engine.Sync(context.Background(),
		emutest.Workspace(t, f.src, "source"), emutest.Workspace(t, f.tgt, "target"),
		f.store, engine.Options{Pair: "p", Kinds: kinds.All(), RunID: "run", Warm: resource.DefaultWarmPolicy()})
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if s := res.Plan.Summary(); s.Failed > 0 {
		t.Fatalf("%d failed actions: %+v", s.Failed, res.Plan.Actions)
	}
	return res.Plan
}

// warmUpdate fails unless p updates kind key with a reason naming the warm
// state, counted as drift.
func warmUpdate(t *testing.T, p *plan.Plan, kind, key string) {
	t.Helper()
	i := p.Find(kind, key)
	if i < 0 || !strings.Contains(p.Actions[i].Reason, "warm state") || !p.Actions[i].Drift || p.Drift == 0 {
		var b strings.Builder
		_ = plan.WriteText(&b, p)
		t.Fatalf("no warm-state update of %s %s reported as drift:\n%s", kind, key, b.String())
	}
}

// A DR cluster found running (started by hand, or its terminate failed
// after the create) is terminated and pinned again by the next run, however
// unchanged its spec; the run after that is a no-op.
func TestWarmStateClusterTerminatedAgain(t *testing.T) {
	f := newBareFixture(t)
	id, err := f.src.SeedCluster([]byte(`{"cluster_name": "c", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	ctx := context.Background()
	dr := f.drID(t, "cluster", id)
	if err := f.tgtW.Clusters.Unpin(ctx, compute.UnpinCluster{ClusterId: dr}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tgtW.Clusters.Start(ctx, compute.StartCluster{ClusterId: dr}); err != nil {
		t.Fatal(err)
	}
	warmUpdate(t, f.syncNoRevert(t), "cluster", id)
	c, err := f.tgtW.Clusters.GetByClusterId(ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != compute.StateTerminating && c.State != compute.StateTerminated {
		t.Fatalf("DR cluster is %s after the run, want terminated", c.State)
	}
	pinned, err := f.tgtW.Clusters.ListAll(ctx, compute.ListClustersRequest{FilterBy: &compute.ListClustersFilterBy{IsPinned: true}})
	if err != nil || len(pinned) != 1 || pinned[0].ClusterId != dr {
		t.Fatalf("pinned DR clusters = %+v (%v), want %s", pinned, err, dr)
	}
	assertNoOp(t, f.syncNoRevert(t))
}

// A DR job whose schedule was unpaused by hand is paused again and reported
// as drift, even with drift revert off (only the pause status is set back).
func TestWarmStateJobPausedAgain(t *testing.T) {
	f := newBareFixture(t)
	id := seedJob(t, f.src, `{"name": "nightly", "schedule": {"quartz_cron_expression": "0 0 2 * * ?", "timezone_id": "UTC"}}`)
	f.sync(t)
	ctx := context.Background()
	dr := f.drJob(t, id)
	sched := *dr.Settings.Schedule
	sched.PauseStatus = jobs.PauseStatusUnpaused
	if err := f.tgtW.Jobs.Update(ctx, jobs.UpdateJob{JobId: dr.JobId, NewSettings: &jobs.JobSettings{Schedule: &sched}}); err != nil {
		t.Fatal(err)
	}
	warmUpdate(t, f.syncNoRevert(t), "job", strconv.FormatInt(id, 10))
	if got := f.drJob(t, id).Settings.Schedule.PauseStatus; got != jobs.PauseStatusPaused {
		t.Fatalf("DR schedule is %s after the run, want PAUSED", got)
	}
	assertNoOp(t, f.syncNoRevert(t))
}

// A DR pool given idle instances by hand is set back to none.
func TestWarmStatePoolIdleZeroAgain(t *testing.T) {
	f := newBareFixture(t)
	id, err := f.src.SeedPool([]byte(`{"instance_pool_name": "p", "node_type_id": "i3.xlarge", "min_idle_instances": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	ctx := context.Background()
	dr := f.drID(t, "pool", id)
	p, err := f.tgtW.InstancePools.GetByInstancePoolId(ctx, dr)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.tgtW.InstancePools.Edit(ctx, compute.EditInstancePool{InstancePoolId: dr, InstancePoolName: p.InstancePoolName,
		NodeTypeId: p.NodeTypeId, MinIdleInstances: 3, CustomTags: p.CustomTags}); err != nil {
		t.Fatal(err)
	}
	warmUpdate(t, f.syncNoRevert(t), "pool", id)
	if p, err := f.tgtW.InstancePools.GetByInstancePoolId(ctx, dr); err != nil || p.MinIdleInstances != 0 {
		t.Fatalf("DR pool min_idle_instances = %d (%v) after the run, want 0", p.MinIdleInstances, err)
	}
	assertNoOp(t, f.syncNoRevert(t))
}

// One object whose document cannot be read (here a 5xx on its export, which
// the SDK does not retry) is a failed action keeping its ledger record; the
// rest of the run is applied and the outcome is partial. The next run
// syncs it.
func TestUnreadableObjectFailsAloneAndRunGoesOn(t *testing.T) {
	f := newBareFixture(t)
	put(t, f.srcW, "/Shared/etl/a", "print('a')")
	put(t, f.srcW, "/Shared/etl/b", "print('b')")
	f.sync(t)
	before := map[string]string{}
	for _, p := range []string{"/Shared/etl/a", "/Shared/etl/b"} {
		before[p] = mustRecord(t, f, "notebook", p).SourceHash
		put(t, f.srcW, p, "print('changed')")
	}
	f.src.InjectFault(emulator.Fault{Endpoint: "GET /api/2.0/workspace/export", Kind: emulator.InternalError, Times: 1})
	res, err := engine.Sync(context.Background(),
		emutest.Workspace(t, f.src, "source"), emutest.Workspace(t, f.tgt, "target"),
		f.store, engine.Options{Pair: "p", Kinds: kinds.All(), RunID: "run", Revert: true, Warm: resource.DefaultWarmPolicy()})
	if err != nil {
		t.Fatalf("one unreadable object aborted the run: %v", err)
	}
	var failed, done []string
	for _, a := range res.Plan.Actions {
		switch {
		case a.Status == plan.StatusFailed:
			failed = append(failed, a.Key)
			if a.Error == "" || a.ErrorClass != "transient" || !strings.Contains(a.Reason, "could not be read") {
				t.Errorf("failed action does not say why: %+v", a)
			}
		case a.Status == plan.StatusDone && a.Kind == "notebook":
			done = append(done, a.Key)
		}
	}
	if len(failed) != 1 || len(done) != 1 || res.Run.Outcome != ledger.OutcomePartial {
		t.Fatalf("failed %v, done %v, outcome %s; want one of each, partial", failed, done, res.Run.Outcome)
	}
	if rec := mustRecord(t, f, "notebook", failed[0]); rec.SourceHash != before[failed[0]] || rec.Status != ledger.StatusSynced {
		t.Errorf("the unreadable object's record changed: %+v", rec)
	}
	if p := f.sync(t); p.Find("notebook", failed[0]) < 0 {
		t.Errorf("the next run did not sync %s", failed[0])
	}
}

// A job naming its notebook and wheel in the /Workspace form depends on
// them like on the bare form: they are created first, the DR job is written
// in the form the source used (and reads back equal: the second run is a
// no-op), and a wheel outside the synced tree is a warning in the plan,
// not an error; a /Volumes library is not a workspace reference at all.
func TestWorkspacePrefixReferences(t *testing.T) {
	f := newBareFixture(t)
	for _, o := range []emulator.SeedObject{
		{Path: "/Shared/libs/etl.whl", ObjectType: "FILE", Content: "PK wheel"},
		{Path: "/Shared/etl/main", ObjectType: "NOTEBOOK", Language: "PYTHON", Content: "print(1)"},
	} {
		if _, err := f.src.SeedObject(o); err != nil {
			t.Fatal(err)
		}
	}
	id := seedJob(t, f.src, `{"name": "wheel-job", "tasks": [{"task_key": "a",
		"notebook_task": {"notebook_path": "/Workspace/Shared/etl/main"},
		"new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1},
		"libraries": [{"whl": "/Workspace/Shared/libs/etl.whl"}, {"whl": "/Workspace/Shared/elsewhere/other.whl"},
			{"whl": "/Volumes/main/libs/v.whl"}]}]}`)
	p := f.sync(t)
	job := p.Actions[p.Find("job", strconv.FormatInt(id, 10))]
	for _, dep := range []string{"/Shared/libs/etl.whl", "/Shared/etl/main"} {
		i := p.Find("file", dep)
		if i < 0 {
			i = p.Find("notebook", dep)
		}
		if i < 0 || !slices.Contains(job.After, i) {
			t.Errorf("the job is not created after %s: After %v", dep, job.After)
		}
	}
	if !strings.Contains(job.Reason, "warning: references /Shared/elsewhere/other.whl") || strings.Contains(job.Reason, "Volumes") {
		t.Errorf("job reason %q: want a warning for the wheel outside the synced tree only", job.Reason)
	}
	task := f.drJob(t, id).Settings.Tasks[0]
	whl := slices.ContainsFunc(task.Libraries, func(l compute.Library) bool { return l.Whl == "/Workspace/Shared/libs/etl.whl" })
	if task.NotebookTask.NotebookPath != "/Workspace/Shared/etl/main" || !whl {
		t.Errorf("DR task not written in the source's form: %s %+v", task.NotebookTask.NotebookPath, task.Libraries)
	}
	assertNoOp(t, f.sync(t))
}

// A source document that cannot be read when its create needs it (a first
// sync reads it just before the write) fails that create alone and leaves
// no ledger record; the rest is created and the outcome is partial.
func TestUnreadableAtCreateLeavesNoRecord(t *testing.T) {
	f := newBareFixture(t)
	put(t, f.srcW, "/Shared/etl/a", "print('a')")
	put(t, f.srcW, "/Shared/etl/b", "print('b')")
	f.src.InjectFault(emulator.Fault{Endpoint: "GET /api/2.0/workspace/export", Kind: emulator.BadRequest, Times: 1})
	res, err := engine.Sync(context.Background(),
		emutest.Workspace(t, f.src, "source"), emutest.Workspace(t, f.tgt, "target"),
		f.store, engine.Options{Pair: "p", Kinds: kinds.All(), RunID: "run", Revert: true, Warm: resource.DefaultWarmPolicy()})
	if err != nil {
		t.Fatalf("one unreadable object aborted the run: %v", err)
	}
	var failed []string
	for _, a := range res.Plan.Actions {
		if a.Status == plan.StatusFailed {
			failed = append(failed, a.Key)
		}
	}
	if len(failed) != 1 || res.Run.Outcome != ledger.OutcomePartial {
		t.Fatalf("failed %v, outcome %s; want one failed, partial", failed, res.Run.Outcome)
	}
	if rec, err := f.store.Get(context.Background(), "p", "notebook", failed[0]); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("the unreadable object got a record: %+v", rec)
	}
	if p := f.sync(t); p.Find("notebook", failed[0]) < 0 {
		t.Errorf("the next run did not create %s", failed[0])
	}
}
