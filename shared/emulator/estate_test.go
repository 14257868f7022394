package emulator_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// seedEstate seeds e into a fresh started workspace and returns its client.
func seedEstate(t *testing.T, e *emulator.Estate) (*emulator.Server, *databricks.WorkspaceClient, emulator.SeedReport) {
	t.Helper()
	srv, w := emutest.Start(t, emulator.Options{})
	rep, err := srv.Seed(e)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return srv, w, rep
}

// The sample estate seeds completely and its report counts what it holds.
func TestEstateSampleSeeds(t *testing.T) {
	e := emulator.SampleEstate()
	_, _, rep := seedEstate(t, e)
	if rep.Objects != len(e.Workspace) || rep.Policies != 2 || rep.Pools != 2 || rep.Clusters != 4 ||
		rep.Jobs != 6 || rep.Warehouses != 3 || rep.Pipelines != 1 || rep.Destinations != 2 || rep.SecretScopes != 2 || rep.Secrets != 5 {
		t.Fatalf("report = %s", rep)
	}
}

// The sample has ~25 notebooks in all four languages, workspace files and a /Repos tree.
func TestEstateSampleWorkspace(t *testing.T) {
	_, w, _ := seedEstate(t, emulator.SampleEstate())
	ctx := context.Background()
	langs := map[workspace.Language]int{}
	var files, notebooks, repos int
	for _, root := range []string{"/Users", "/Shared", "/Repos"} {
		objs, err := w.Workspace.RecursiveList(ctx, root)
		if err != nil {
			t.Fatalf("list %s: %v", root, err)
		}
		for _, o := range objs {
			switch o.ObjectType {
			case workspace.ObjectTypeNotebook:
				notebooks++
				langs[o.Language]++
			case workspace.ObjectTypeFile:
				files++
			}
			if strings.HasPrefix(o.Path, "/Repos/") {
				repos++
			}
		}
	}
	if notebooks < 20 || notebooks > 30 || len(langs) != 4 || files < 2 || repos == 0 {
		t.Fatalf("notebooks=%d langs=%v files=%d under /Repos=%d", notebooks, langs, files, repos)
	}
}

// Sample clusters: a RUNNING and a TERMINATED all-purpose one, one JOB, one PIPELINE.
func TestEstateSampleClusters(t *testing.T) {
	_, w, rep := seedEstate(t, emulator.SampleEstate())
	ctx := context.Background()
	want := map[string]struct {
		source compute.ClusterSource
		state  compute.State
	}{
		"shared-analytics":                   {compute.ClusterSourceUi, compute.StateRunning},
		"alice-dev":                          {compute.ClusterSourceApi, compute.StateTerminated},
		"job-nightly-orders-run-48213":       {compute.ClusterSourceJob, compute.StateTerminated},
		"dlt-execution-5d1c0b7e-orders-live": {compute.ClusterSourcePipeline, compute.StateRunning},
	}
	for name, wt := range want {
		c, err := w.Clusters.GetByClusterId(ctx, rep.IDs["cluster:"+name])
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		if c.ClusterSource != wt.source || c.State != wt.state {
			t.Errorf("%s: source %s state %s, want %s %s", name, c.ClusterSource, c.State, wt.source, wt.state)
		}
	}
	c, err := w.Clusters.GetByClusterId(ctx, rep.IDs["cluster:shared-analytics"])
	if err != nil || c.PolicyId != rep.IDs["policy:analytics-shared"] {
		t.Fatalf("shared-analytics policy = %q, want %q (%v)", c.PolicyId, rep.IDs["policy:analytics-shared"], err)
	}
}

// Sample jobs: unpaused schedules, a continuous job, a file-arrival trigger, job
// clusters on seeded pools/policies, existing_cluster_id, run_job_task, spark_python_task.
func TestEstateSampleJobs(t *testing.T) {
	_, w, rep := seedEstate(t, emulator.SampleEstate())
	ctx := context.Background()
	get := func(name string) *jobs.Job {
		t.Helper()
		j, err := w.Jobs.GetByJobId(ctx, rep.JobID(name))
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		return j
	}
	nightly := get("nightly-orders")
	if s := nightly.Settings; s.Schedule == nil || s.Schedule.PauseStatus != jobs.PauseStatusUnpaused || len(s.Tasks) < 2 {
		t.Fatalf("nightly-orders settings = %+v", s)
	}
	nc := nightly.Settings.JobClusters[0].NewCluster
	if nc.InstancePoolId != rep.IDs["pool:general-i3-xlarge"] || nc.PolicyId != rep.IDs["policy:data-eng-jobs"] {
		t.Fatalf("job cluster pool %q policy %q, want %q %q", nc.InstancePoolId, nc.PolicyId,
			rep.IDs["pool:general-i3-xlarge"], rep.IDs["policy:data-eng-jobs"])
	}
	if nightly.Settings.Tasks[0].ExistingClusterId != rep.IDs["cluster:shared-analytics"] {
		t.Fatalf("existing_cluster_id = %q", nightly.Settings.Tasks[0].ExistingClusterId)
	}
	if c := get("clickstream-streaming").Settings.Continuous; c == nil || c.PauseStatus != jobs.PauseStatusUnpaused {
		t.Fatalf("continuous = %+v", c)
	}
	inv := get("inventory-on-arrival").Settings
	if inv.Trigger == nil || inv.Trigger.FileArrival == nil || inv.Tasks[1].SparkPythonTask == nil {
		t.Fatalf("inventory-on-arrival = %+v", inv)
	}
	monthEnd := get("month-end-close").Settings
	if rj := monthEnd.Tasks[0].RunJobTask; rj == nil || rj.JobId != nightly.JobId {
		t.Fatalf("run_job_task = %+v, want job %d", rj, nightly.JobId)
	}
}

// A reference to a default policy resolves to this workspace's id for it.
func TestEstateBuiltinPolicyReference(t *testing.T) {
	_, w, rep := seedEstate(t, emulator.SampleEstate())
	ctx := context.Background()
	j, err := w.Jobs.GetByJobId(ctx, rep.JobID("inventory-on-arrival"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.ClusterPolicies.GetByPolicyId(ctx, j.Settings.JobClusters[0].NewCluster.PolicyId)
	if err != nil || p.Name != "Job Compute" {
		t.Fatalf("policy = %+v, %v; want the built-in Job Compute", p, err)
	}
}

// References work inside longer strings, job references become numbers, and
// Databricks' own {{job.id}}-style dynamic values pass through untouched.
func TestEstateReferenceSubstitution(t *testing.T) {
	e, err := emulator.LoadEstate(strings.NewReader(`{
	  "pools": [{"instance_pool_name": "p1", "node_type_id": "i3.xlarge"}],
	  "jobs": [
	    {"name": "first", "tasks": [{"task_key": "a", "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}}]},
	    {"name": "second", "description": "pool={{pool:p1}} run={{job.run_id}}",
	     "tasks": [{"task_key": "b", "run_job_task": {"job_id": "{{job:first}}"}}]}
	  ]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, w, rep := seedEstate(t, e)
	j, err := w.Jobs.GetByJobId(context.Background(), rep.JobID("second"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "pool=" + rep.IDs["pool:p1"] + " run={{job.run_id}}"; j.Settings.Description != want {
		t.Fatalf("description = %q, want %q", j.Settings.Description, want)
	}
	if j.Settings.Tasks[0].RunJobTask.JobId != rep.JobID("first") {
		t.Fatalf("run_job_task.job_id = %d, want %d", j.Settings.Tasks[0].RunJobTask.JobId, rep.JobID("first"))
	}
}

// LoadEstate names the bad entry (or line) for every kind of mistake.
func TestLoadEstateErrors(t *testing.T) {
	job := func(name, cluster string) string {
		return `{"name":"` + name + `","tasks":[{"task_key":"t","existing_cluster_id":"` + cluster + `"}]}`
	}
	tests := []struct{ name, in, want string }{
		{"unknown cluster", `{"jobs":[` + job("a", "x") + `,` + job("b", "x") + `,` + job("c", "x") + `,` + job("d", "{{cluster:x}}") + `]}`,
			"jobs[3]: unknown reference {{cluster:x}}"},
		{"later job", `{"jobs":[{"name":"a","tasks":[{"task_key":"t","run_job_task":{"job_id":"{{job:b}}"}}]},{"name":"b"}]}`,
			"jobs[0]: unknown reference {{job:b}}"},
		{"misspelt kind", `{"clusters":[{"cluster_name":"c","policy_id":"{{polcy:p}}"}]}`,
			"clusters[0]: unknown reference kind in {{polcy:p}}"},
		{"ambiguous", `{"pools":[{"instance_pool_name":"p"},{"instance_pool_name":"p"}],"clusters":[{"instance_pool_id":"{{pool:p}}"}]}`,
			"clusters[0]: ambiguous reference {{pool:p}}"},
		{"not an object", `{"pools":[[1,2]]}`, "pools[0]: body must be a JSON object"},
		{"relative path", `{"workspace":[{"path":"Users/x","object_type":"DIRECTORY"}]}`, `workspace[0]: path "Users/x" must be absolute`},
		{"bad language", `{"workspace":[{"path":"/a","object_type":"NOTEBOOK","language":"COBOL"}]}`, "workspace[0]: notebook /a: language"},
		{"syntax", "{\n  \"jobs\": [\n    {\"name\": \"a\",,}\n  ]\n}", "estate: line 3, column"},
		{"unknown field", `{"jobz": []}`, `unknown field "jobz"`},
		{"wrong type", "{\n\"secret_scopes\": {\"scope\": \"x\"}\n}", "estate: line 2"},
		{"scope without name", `{"secret_scopes":[{"keys":{"a":"b"}}]}`, "secret_scopes[0]: scope is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := emulator.LoadEstate(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// A reference to a default policy by name passes LoadEstate's check.
func TestLoadEstateAcceptsDefaultPolicies(t *testing.T) {
	in := `{"clusters":[{"cluster_name":"c","spark_version":"15.4.x-scala2.12","policy_id":"{{policy:Personal Compute}}"}]}`
	if _, err := emulator.LoadEstate(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
}

// A Seed failure names the entry and keeps what was created before it.
func TestEstateSeedErrorNamesEntry(t *testing.T) {
	srv, w := emutest.Start(t, emulator.Options{})
	e := &emulator.Estate{
		Pools:        []json.RawMessage{json.RawMessage(`{"instance_pool_name":"p","node_type_id":"i3.xlarge"}`)},
		SecretScopes: []emulator.EstateScope{{Scope: "dup"}, {Scope: "DUP"}},
	}
	rep, err := srv.Seed(e)
	if err == nil || !strings.HasPrefix(err.Error(), "secret_scopes[1] (DUP): ") {
		t.Fatalf("err = %v, want it to name secret_scopes[1]", err)
	}
	if rep.Pools != 1 || rep.SecretScopes != 1 {
		t.Fatalf("report = %s, want the pool and first scope counted", rep)
	}
	if _, err := w.InstancePools.GetByInstancePoolId(context.Background(), rep.IDs["pool:p"]); err != nil {
		t.Fatalf("pool seeded before the failure is gone: %v", err)
	}
}

// An Estate built in code is checked by Seed too: unknown references are refused.
func TestEstateSeedUnknownReference(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{})
	e := &emulator.Estate{Clusters: []json.RawMessage{json.RawMessage(
		`{"cluster_name":"c","spark_version":"15.4.x-scala2.12","num_workers":1,"node_type_id":"i3.xlarge","policy_id":"{{policy:nope}}"}`)}}
	_, err := srv.Seed(e)
	if err == nil || !strings.Contains(err.Error(), "clusters[0]: unknown reference {{policy:nope}}") {
		t.Fatalf("err = %v", err)
	}
}
