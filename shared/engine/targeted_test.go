package engine_test

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
)

type fixture struct {
	src, tgt   *emulator.Server
	srcW, tgtW *databricks.WorkspaceClient
	store      *bolt.Store
	seed       emulator.SeedReport
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	src, srcW := emutest.Start(t, emulator.Options{Seed: 5, WorkspaceID: 5})
	tgt, tgtW := emutest.Start(t, emulator.Options{Seed: 6, WorkspaceID: 6})
	// drsync does not copy warehouses, pipelines or notification destinations
	// yet: the sample's job naming them would be refused by the empty target.
	rep, err := src.Seed(emulator.SampleEstate().WithoutJobs(emulator.SampleCatalogJob))
	if err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return &fixture{src: src, tgt: tgt, srcW: srcW, tgtW: tgtW, store: store, seed: rep}
}

func (f *fixture) sync(t *testing.T, keys ...resource.Ref) *plan.Plan {
	t.Helper()
	res, err := engine.Sync(context.Background(),
		emutest.Workspace(t, f.src, "source"), emutest.Workspace(t, f.tgt, "target"),
		f.store, engine.Options{Pair: "p", Kinds: kinds.All(), Keys: keys, RunID: "run", Revert: true,
			Warm: resource.DefaultWarmPolicy()})
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if s := res.Plan.Summary(); s.Failed > 0 {
		var b strings.Builder
		_ = plan.WriteText(&b, res.Plan)
		t.Fatalf("failed actions:\n%s", b.String())
	}
	return res.Plan
}

func put(t *testing.T, w *databricks.WorkspaceClient, path, src string) {
	t.Helper()
	if err := w.Workspace.MkdirsByPath(context.Background(), path[:strings.LastIndex(path, "/")]); err != nil {
		t.Fatal(err)
	}
	err := w.Workspace.Import(context.Background(), workspace.Import{Path: path, Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Overwrite: true, Content: base64.StdEncoding.EncodeToString([]byte(src))})
	if err != nil {
		t.Fatal(err)
	}
}

// A targeted sync (what an audit-log delivery triggers) applies exactly the
// named changes, reads only those objects, and leaves the rest of the estate
// unread: no listing of jobs, clusters, pools or policies, no walk of the tree.
func TestTargetedSyncReadsOnlyNamedObjects(t *testing.T) {
	f := newFixture(t)
	f.sync(t)
	ctx := context.Background()
	put(t, f.srcW, "/Shared/ml/model_monitoring", "print('v2')")
	put(t, f.srcW, "/Shared/new-team/first", "print('hello')")
	jobID, _ := strconv.ParseInt(f.seed.IDs["job:nightly-orders"], 10, 64)
	if err := f.srcW.Jobs.Update(ctx, jobs.UpdateJob{JobId: jobID, NewSettings: &jobs.JobSettings{MaxConcurrentRuns: 3}}); err != nil {
		t.Fatal(err)
	}
	gone, _ := strconv.ParseInt(f.seed.IDs["job:month-end-close"], 10, 64)
	if err := f.srcW.Jobs.DeleteByJobId(ctx, gone); err != nil {
		t.Fatal(err)
	}
	f.src.ResetRequests()
	f.tgt.ResetRequests()
	p := f.sync(t,
		resource.Ref{Kind: "notebook", Key: "/Shared/ml/model_monitoring"},
		resource.Ref{Kind: "path", Key: "/Shared/new-team"},
		resource.Ref{Kind: "job", Key: strconv.FormatInt(jobID, 10)},
		resource.Ref{Kind: "job", Key: strconv.FormatInt(gone, 10)})
	s := p.Summary()
	if s.Create != 2 || s.Update != 2 || s.Delete != 1 {
		var b strings.Builder
		_ = plan.WriteText(&b, p)
		t.Fatalf("summary %+v\n%s", s, b.String())
	}
	for _, srv := range []*emulator.Server{f.src, f.tgt} {
		for ep, n := range srv.Requests() {
			if strings.HasSuffix(ep, "/list") && !strings.HasPrefix(ep, "GET /api/2.0/workspace/list") {
				t.Errorf("targeted sync listed a whole kind: %s ×%d", ep, n)
			}
		}
		if n := srv.RequestCount("GET /api/2.0/workspace/list"); n > 2 {
			t.Errorf("targeted sync walked %d folders, want at most the new one", n)
		}
	}
	j, err := f.tgtW.Jobs.List(ctx, jobs.ListJobsRequest{Name: "nightly-orders"}).Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.tgtW.Jobs.GetByJobId(ctx, j.JobId)
	if err != nil || got.Settings.MaxConcurrentRuns != 3 {
		t.Fatalf("job update not applied: %v %v", got, err)
	}
	// A full reconcile afterwards finds nothing left to do.
	if after := f.sync(t); after.Mutations() != 0 {
		var b strings.Builder
		_ = plan.WriteText(&b, after)
		t.Fatalf("full sync after the targeted one is not quiet:\n%s", b.String())
	}
}

// A targeted sync of an object the ledger does not know adopts what a crashed
// run left in the target (found by its marker) instead of creating a duplicate.
func TestTargetedSyncAdoptsUnrecordedTargetObject(t *testing.T) {
	f := newFixture(t)
	f.sync(t)
	ctx := context.Background()
	jobID := f.seed.IDs["job:churn-model-weekly"]
	if err := f.store.Delete(ctx, "p", "job", jobID, mustRecord(t, f, "job", jobID).Version, ledgerFence()); err != nil {
		t.Fatal(err)
	}
	p := f.sync(t, resource.Ref{Kind: "job", Key: jobID})
	if p.Summary().Create != 0 {
		t.Fatalf("created a duplicate of a job the ledger forgot: %+v", p.Summary())
	}
	if _, err := f.store.Get(ctx, "p", "job", jobID); err != nil {
		t.Fatalf("the adopted job is not recorded: %v", err)
	}
}

// An audit-log batch may name a new notebook without the new folder holding it:
// the targeted sync still creates it (the folder is made on the way).
func TestTargetedSyncCreatesNotebookInNewFolder(t *testing.T) {
	f := newFixture(t)
	f.sync(t)
	put(t, f.srcW, "/Shared/brand-new/deep/first", "print('hi')")
	p := f.sync(t, resource.Ref{Kind: "notebook", Key: "/Shared/brand-new/deep/first"})
	if p.Summary().Create != 1 {
		t.Fatalf("summary %+v", p.Summary())
	}
	if _, err := f.tgtW.Workspace.GetStatusByPath(context.Background(), "/Shared/brand-new/deep/first"); err != nil {
		t.Fatalf("notebook not in the target: %v", err)
	}
	// The next full reconcile adopts the folders made on the way: no change.
	if after := f.sync(t); after.Mutations() != 0 {
		var b strings.Builder
		_ = plan.WriteText(&b, after)
		t.Fatalf("full sync afterwards not quiet:\n%s", b.String())
	}
}
