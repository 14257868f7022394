package engine_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/plan"
)

// newBareFixture is a pair of empty workspaces whose identities differ (the
// source's owner, drsync's service principal in DR), so a DR object that
// silently took drsync's identity shows.
func newBareFixture(t *testing.T) *fixture {
	t.Helper()
	src, srcW := emutest.Start(t, emulator.Options{Seed: 5, WorkspaceID: 5, UserName: "owner@example.com"})
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
	sp := seedJob(t, f.src, `{"name": "as-sp", "run_as": {"service_principal_name": "6b1a8a1e-52a4-4c5e-9f43-2f6c4f0d9e11"}}`)
	user := seedJob(t, f.src, `{"name": "as-user", "run_as": {"user_name": "carol@example.com"}}`)
	f.sync(t)
	for id, want := range map[int64]string{implicit: "owner@example.com",
		sp: "6b1a8a1e-52a4-4c5e-9f43-2f6c4f0d9e11", user: "carol@example.com"} {
		j := f.drJob(t, id)
		if j.RunAsUserName != want || j.Settings.RunAs == nil {
			t.Errorf("DR copy of job %d runs as %q (run_as %+v), want %q", id, j.RunAsUserName, j.Settings.RunAs, want)
		}
	}
	if got := f.drJob(t, sp).Settings.RunAs.ServicePrincipalName; got == "" {
		t.Errorf("a service principal's run_as is not sent as service_principal_name")
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
