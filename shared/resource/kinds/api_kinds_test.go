package kinds

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/resource"
)

// sampleBody reads one of the reference's sample responses, kept with the
// emulator's test data (shared/emulator/testdata/samples).
func sampleBody(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "emulator", "testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// decodeSample decodes a sample body into the SDK type the listing returns.
func decodeSample[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode sample into %T: %v", v, err)
	}
	return v
}

// assertNormalized checks a normalised document and its references.
func assertNormalized(t *testing.T, got resource.Normalized, want string, wantRefs []resource.Ref) {
	t.Helper()
	if w := contractDoc(t, want); !reflect.DeepEqual(got.Doc, w) {
		t.Fatalf("normalised document differs in %v\n got: %s\nwant: %s", resource.Diff(got.Doc, w, 6), contractJSON(got.Doc), contractJSON(w))
	}
	if !reflect.DeepEqual(got.Refs, wantRefs) {
		t.Fatalf("refs = %v, want %v", got.Refs, wantRefs)
	}
}

// The sample job's settings normalise to what its owner set: the Job-level
// read-only fields never enter the document, and format, the server defaults
// (job, task and new_cluster level), the derived driver pool and the notebook
// source are gone; references are logical.
func TestSampleJobNormalizes(t *testing.T) {
	job := decodeSample[jobs.Job](t, sampleBody(t, "jobs-get.json"))
	raw, err := jobDoc(job.Settings)
	if err != nil {
		t.Fatal(err)
	}
	got := jobSchema.Normalize(raw, contractSameID)
	assertNormalized(t, got, `{
		"name": "nightly-orders",
		"description": "Ingest and aggregate the orders feed",
		"email_notifications": {"on_failure": ["data-eng-oncall@example.com"]},
		"schedule": {"quartz_cron_expression": "0 30 2 * * ?", "timezone_id": "UTC", "pause_status": "PAUSED"},
		"tasks": [
			{"task_key": "aggregate", "depends_on": [{"task_key": "ingest"}],
			 "notebook_task": {"notebook_path": "path:/Shared/etl/aggregate_orders"},
			 "job_cluster_key": "etl_cluster", "max_retries": 2, "min_retry_interval_millis": 60000,
			 "timeout_seconds": 3600},
			{"task_key": "ingest", "existing_cluster_id": "cluster:0926-131212-k8f3x2qa",
			 "notebook_task": {"notebook_path": "path:/Shared/etl/ingest_orders", "base_parameters": {"env": "prod"}}}
		],
		"job_clusters": [{"job_cluster_key": "etl_cluster", "new_cluster": {
			"spark_version": "15.4.x-scala2.12",
			"instance_pool_id": "pool:0926-120001-pool7-pool-a1b2c3d4",
			"policy_id": "policy:E06216CAA0000360",
			"num_workers": 4,
			"spark_conf": {"spark.sql.shuffle.partitions": "64"},
			"spark_env_vars": {"PYSPARK_PYTHON": "/databricks/python3/bin/python3"},
			"custom_tags": {"team": "data-eng"},
			"runtime_engine": "STANDARD"}}],
		"tags": {"team": "data-eng", "cost-center": "1234"},
		"run_as": {"user_name": "alice@example.com"}
	}`, []resource.Ref{
		{Kind: Cluster, Key: "0926-131212-k8f3x2qa"},
		{Kind: resource.KindPath, Key: "/Shared/etl/aggregate_orders"},
		{Kind: resource.KindPath, Key: "/Shared/etl/ingest_orders"},
		{Kind: Policy, Key: "E06216CAA0000360"},
		{Kind: Pool, Key: "0926-120001-pool7-pool-a1b2c3d4"},
	})
}

// The sample cluster normalises to its user spec: every read-only field, the
// spec snapshot, the AWS defaults, the zone, the false flags and the driver
// node type (equal to the worker's) are gone.
func TestSampleClusterNormalizes(t *testing.T) {
	raw, err := clusterDoc(decodeSample[compute.ClusterDetails](t, sampleBody(t, "clusters-get.json")))
	if err != nil {
		t.Fatal(err)
	}
	got := clusterSchema.Normalize(raw, contractSameID)
	assertNormalized(t, got, `{
		"cluster_name": "shared-analytics",
		"spark_version": "15.4.x-scala2.12",
		"spark_conf": {"spark.databricks.io.cache.enabled": "true"},
		"aws_attributes": {"instance_profile_arn": "arn:aws:iam::123456789012:instance-profile/databricks-analytics"},
		"node_type_id": "i3.xlarge",
		"custom_tags": {"team": "analytics"},
		"spark_env_vars": {"PYSPARK_PYTHON": "/databricks/python3/bin/python3"},
		"autotermination_minutes": 60,
		"init_scripts": [{"workspace": {"destination": "path:/Shared/init/install-certs.sh"}}],
		"autoscale": {"min_workers": 2, "max_workers": 8},
		"policy_id": "policy:E06216CAA0000360",
		"data_security_mode": "USER_ISOLATION",
		"runtime_engine": "STANDARD"
	}`, []resource.Ref{
		{Kind: resource.KindPath, Key: "/Shared/init/install-certs.sh"},
		{Kind: Policy, Key: "E06216CAA0000360"},
	})
}

// The sample pool normalises to its settings: id, default tags, state, stats
// and status are gone, and so is aws_attributes, which holds only the
// service's defaults and the region's zone.
func TestSamplePoolNormalizes(t *testing.T) {
	raw, err := poolDoc(decodeSample[compute.InstancePoolAndStats](t, sampleBody(t, "instance-pools-get.json")))
	if err != nil {
		t.Fatal(err)
	}
	got := poolSchema.Normalize(raw, contractSameID)
	assertNormalized(t, got, `{
		"instance_pool_name": "small-nodes",
		"min_idle_instances": 2,
		"max_capacity": 50,
		"node_type_id": "i3.xlarge",
		"custom_tags": {"team": "platform"},
		"idle_instance_autotermination_minutes": 30,
		"enable_elastic_disk": true,
		"disk_spec": {"disk_type": {"ebs_volume_type": "GENERAL_PURPOSE_SSD"}, "disk_count": 1, "disk_size": 100},
		"preloaded_spark_versions": ["15.4.x-scala2.12"]
	}`, nil)
}

// A job paused in DR records the source's own pause status (absent meaning
// UNPAUSED) so failover can restore it exactly; PauseJobs off changes nothing.
func TestJobWarm(t *testing.T) {
	k := &jobKind{}
	pause := resource.WarmPolicy{PauseJobs: true}
	tests := []struct {
		name, settings string
		policy         resource.WarmPolicy
		want           string
		attrs          map[string]string
	}{
		{"unpaused schedule", `{"name": "j", "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "UNPAUSED"}}`,
			pause, `{"name": "j", "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "PAUSED"}}`,
			map[string]string{"pause_status": "schedule=UNPAUSED"}},
		{"paused schedule", `{"name": "j", "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "PAUSED"}}`,
			pause, `{"name": "j", "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "PAUSED"}}`,
			map[string]string{"pause_status": "schedule=PAUSED"}},
		{"trigger without status", `{"name": "j", "trigger": {"periodic": {"interval": 1, "unit": "HOURS"}}}`,
			pause, `{"name": "j", "trigger": {"periodic": {"interval": 1, "unit": "HOURS"}, "pause_status": "PAUSED"}}`,
			map[string]string{"pause_status": "trigger=UNPAUSED"}},
		{"continuous", `{"name": "j", "continuous": {"pause_status": "UNPAUSED"}}`,
			pause, `{"name": "j", "continuous": {"pause_status": "PAUSED"}}`,
			map[string]string{"pause_status": "continuous=UNPAUSED"}},
		{"continuous without status", `{"name": "j", "continuous": {}}`,
			pause, `{"name": "j", "continuous": {"pause_status": "PAUSED"}}`,
			map[string]string{"pause_status": "continuous=UNPAUSED"}},
		{"manual job", `{"name": "j"}`, pause, `{"name": "j"}`, nil},
		{"policy off", `{"name": "j", "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC"}}`,
			resource.WarmPolicy{}, `{"name": "j", "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC"}}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := contractDoc(t, tc.settings)
			cleanJob(raw) // as List does
			src := jobSchema.Normalize(raw, contractSameID).Doc
			before := contractJSON(src)
			got, attrs := k.Warm(src, tc.policy)
			if want := contractDoc(t, tc.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("warm doc = %s, want %s", contractJSON(got), contractJSON(want))
			}
			if !reflect.DeepEqual(attrs, tc.attrs) {
				t.Fatalf("attrs = %v, want %v", attrs, tc.attrs)
			}
			if contractJSON(src) != before {
				t.Fatal("Warm modified its input")
			}
		})
	}
}

// The sample job, whose source is UNPAUSED, comes out of Warm PAUSED with the
// status recorded, and nothing else changed.
func TestSampleJobWarmPauses(t *testing.T) {
	job := decodeSample[jobs.Job](t, strings.Replace(sampleBody(t, "jobs-get.json"), `"pause_status": "PAUSED"`, `"pause_status": "UNPAUSED"`, 1))
	raw, err := jobDoc(job.Settings)
	if err != nil {
		t.Fatal(err)
	}
	src := jobSchema.Normalize(raw, contractSameID).Doc
	got, attrs := (&jobKind{}).Warm(src, resource.DefaultWarmPolicy())
	if status := got["schedule"].(map[string]any)["pause_status"]; status != "PAUSED" {
		t.Fatalf("schedule.pause_status = %v, want PAUSED", status)
	}
	if attrs["pause_status"] != "schedule=UNPAUSED" {
		t.Fatalf("attrs = %v, want pause_status schedule=UNPAUSED", attrs)
	}
	if diff := resource.Diff(src, got, 4); !slices.Equal(diff, []string{"schedule.pause_status"}) {
		t.Fatalf("warm changed %v, want only schedule.pause_status", diff)
	}
}

// A DR pool keeps no idle instances and records the source's count.
func TestPoolWarm(t *testing.T) {
	k := &poolKind{}
	src := contractDoc(t, `{"instance_pool_name": "p", "node_type_id": "i3.xlarge", "min_idle_instances": 2}`)
	got, attrs := k.Warm(src, resource.WarmPolicy{PoolMinIdleZero: true})
	if _, ok := got["min_idle_instances"]; ok || got["instance_pool_name"] != "p" {
		t.Fatalf("warm doc = %v, want min_idle_instances removed (0)", got)
	}
	if attrs["min_idle_instances"] != "2" {
		t.Fatalf("attrs = %v, want min_idle_instances 2", attrs)
	}
	if src["min_idle_instances"] == nil {
		t.Fatal("Warm modified its input")
	}
	if _, attrs := k.Warm(contractDoc(t, `{"instance_pool_name": "p"}`), resource.WarmPolicy{PoolMinIdleZero: true}); attrs["min_idle_instances"] != "0" {
		t.Fatalf("attrs of a pool without idle instances = %v, want 0", attrs)
	}
	if got, attrs := k.Warm(src, resource.WarmPolicy{}); attrs != nil || got["min_idle_instances"] == nil {
		t.Fatalf("policy off: doc %v attrs %v, want unchanged", got, attrs)
	}
}

// Values the service derives from another field are removed, and nothing
// else: num_workers 0 of a single-node cluster and a driver type of its own stay.
func TestCleanClusterSpec(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"driver defaults to worker type",
			`{"node_type_id": "i3.xlarge", "driver_node_type_id": "i3.xlarge", "num_workers": 2}`,
			`{"node_type_id": "i3.xlarge", "num_workers": 2}`},
		{"driver type of its own",
			`{"node_type_id": "i3.xlarge", "driver_node_type_id": "r5d.large", "num_workers": 2}`,
			`{"node_type_id": "i3.xlarge", "driver_node_type_id": "r5d.large", "num_workers": 2}`},
		{"single node keeps num_workers 0",
			`{"node_type_id": "i3.xlarge", "num_workers": 0}`,
			`{"node_type_id": "i3.xlarge", "num_workers": 0}`},
		{"autoscale reports the current size",
			`{"autoscale": {"min_workers": 1, "max_workers": 3}, "num_workers": 2}`,
			`{"autoscale": {"min_workers": 1, "max_workers": 3}}`},
		{"pool supplies node types and elastic disk",
			`{"instance_pool_id": "p1", "driver_instance_pool_id": "p1", "node_type_id": "m5d.large", "driver_node_type_id": "m5d.large", "enable_elastic_disk": true, "num_workers": 1}`,
			`{"instance_pool_id": "p1", "num_workers": 1}`},
		{"driver pool of its own",
			`{"instance_pool_id": "p1", "driver_instance_pool_id": "p2", "driver_node_type_id": "r5d.large", "num_workers": 1}`,
			`{"instance_pool_id": "p1", "driver_instance_pool_id": "p2", "num_workers": 1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := contractDoc(t, tc.in)
			cleanClusterSpec(got)
			if want := contractDoc(t, tc.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("got %s, want %s", contractJSON(got), contractJSON(want))
			}
		})
	}
}

// single_user_name is the user's, not a default to strip: a DR copy without it
// would be assigned to drsync's own identity.
func TestClusterKeepsSingleUserName(t *testing.T) {
	raw := contractDoc(t, `{"cluster_name": "c", "spark_version": "15.4.x-scala2.12", "creator_user_name": "alice@example.com",
		"data_security_mode": "SINGLE_USER", "single_user_name": "alice@example.com", "num_workers": 0}`)
	got := clusterSchema.Normalize(raw, contractSameID).Doc
	if got["single_user_name"] != "alice@example.com" || got["num_workers"] == nil {
		t.Fatalf("normalised = %s, want single_user_name and num_workers 0 kept", contractJSON(got))
	}
}

// A notebook task's source is a default only when it matches the job's kind of
// source: an explicit WORKSPACE in a Git job is a real setting.
func TestJobNotebookSourceDefault(t *testing.T) {
	doc := contractDoc(t, `{"git_source": {"git_url": "u", "git_provider": "gitHub"}, "tasks": [
		{"task_key": "a", "notebook_task": {"notebook_path": "nb/a", "source": "GIT"}},
		{"task_key": "b", "notebook_task": {"notebook_path": "/Shared/b", "source": "WORKSPACE"}}]}`)
	cleanJob(doc)
	tasks := docObjs(doc, "tasks")
	if _, ok := docObj(tasks[0], "notebook_task")["source"]; ok {
		t.Fatal("GIT source of a Git job kept")
	}
	if docObj(tasks[1], "notebook_task")["source"] != "WORKSPACE" {
		t.Fatal("explicit WORKSPACE source of a Git job dropped")
	}
}

// A fixed-size cluster sends num_workers even when it is 0 (the SDK drops
// zero values), and an autoscaling one never sends it.
func TestClusterRequestSendsNumWorkers(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want bool
	}{
		{`{"cluster_name": "one", "spark_version": "v", "num_workers": 0}`, true},
		{`{"cluster_name": "one", "spark_version": "v"}`, true},
		{`{"cluster_name": "auto", "spark_version": "v", "autoscale": {"min_workers": 1, "max_workers": 2}}`, false},
	} {
		var req compute.CreateCluster
		if err := resource.FromDoc(contractDoc(t, tc.doc), &req); err != nil {
			t.Fatal(err)
		}
		req.ForceSendFields = forceNumWorkers(req.ForceSendFields, req.Autoscale != nil)
		body, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(body), `"num_workers":0`); got != tc.want {
			t.Errorf("%s → %s: num_workers 0 sent = %v, want %v", tc.doc, body, got, tc.want)
		}
	}
}

// apiTestStart starts a workspace with rate limits off.
func apiTestStart(t *testing.T) (*emulator.Server, *databricks.WorkspaceClient, resource.Workspace) {
	t.Helper()
	srv, w := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}})
	return srv, w, emutest.Workspace(t, srv, "source")
}

// apiTestList lists kind k and returns its objects by id.
func apiTestList(t *testing.T, k resource.Kind, ws resource.Workspace) map[string]resource.Object {
	t.Helper()
	objs, err := k.List(context.Background(), ws)
	if err != nil {
		t.Fatalf("list %s: %v", k.Name(), err)
	}
	out := map[string]resource.Object{}
	for _, o := range objs {
		out[o.ID] = o
	}
	return out
}

// Clusters the platform runs for jobs, pipelines, SQL and serving are listed
// with a reason to skip them; UI and API clusters are copied.
func TestClusterListSkipsNonAllPurpose(t *testing.T) {
	srv, _, ws := apiTestStart(t)
	ids := map[string]string{}
	for _, src := range []string{"UI", "API", "JOB", "PIPELINE", "PIPELINE_MAINTENANCE", "SQL", "MODELS"} {
		id, err := srv.SeedCluster([]byte(`{"cluster_name": "c-` + src + `", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1, "cluster_source": "` + src + `"}`))
		contractSeedErr(t, src, err)
		ids[src] = id
	}
	objs := apiTestList(t, &clusterKind{}, ws)
	for src, id := range ids {
		obj := objs[id]
		copyable := src == "UI" || src == "API"
		if (obj.Skip == "") != copyable || (obj.Doc != nil) != copyable {
			t.Errorf("%s cluster: skip %q, doc %v; want copied = %v", src, obj.Skip, obj.Doc != nil, copyable)
		}
	}
	if !strings.Contains(objs[ids["JOB"]].Skip, "job") {
		t.Errorf("JOB skip reason %q does not say why", objs[ids["JOB"]].Skip)
	}
}

// A job with more tasks than one list page carries (100) is listed whole: the
// adapter lists through the iterator that completes it with jobs/get.
func TestJobListCompletesLongJobs(t *testing.T) {
	srv, _, ws := apiTestStart(t)
	tasks := make([]string, 150)
	for i := range tasks {
		tasks[i] = `{"task_key": "t` + strconv.Itoa(i) + `", "notebook_task": {"notebook_path": "/Shared/nb"}}`
	}
	id, err := srv.SeedJob([]byte(`{"name": "long", "tasks": [` + strings.Join(tasks, ",") + `]}`))
	contractSeedErr(t, "job", err)
	obj := apiTestList(t, &jobKind{}, ws)[strconv.FormatInt(id, 10)]
	if n := len(docObjs(obj.Doc, "tasks")); n != 150 {
		t.Fatalf("listed %d tasks, want 150", n)
	}
	if obj.Name != "long" {
		t.Fatalf("name = %q", obj.Name)
	}
}

// Default policies are Builtin (matched by name, never created or deleted);
// a family policy's derived definition is not part of its document.
func TestPolicyListBuiltinAndFamily(t *testing.T) {
	srv, _, ws := apiTestStart(t)
	id, err := srv.SeedPolicy([]byte(`{"name": "mine", "policy_family_id": "job-cluster", "policy_family_definition_overrides": "{}"}`))
	contractSeedErr(t, "policy", err)
	objs := apiTestList(t, &policyKind{}, ws)
	var builtin []string
	for _, o := range objs {
		if o.Builtin {
			builtin = append(builtin, o.Name)
		}
	}
	slices.Sort(builtin)
	if want := []string{"Job Compute", "Legacy Shared Compute", "Personal Compute", "Power User Compute", "Shared Compute"}; !slices.Equal(builtin, want) {
		t.Fatalf("builtin = %v, want %v", builtin, want)
	}
	mine := objs[id]
	if mine.Builtin {
		t.Fatal("user policy listed as builtin")
	}
	if _, ok := mine.Doc["definition"]; ok {
		t.Fatalf("family policy keeps its derived definition: %v", mine.Doc)
	}
}

// A new DR cluster is terminated at once and pinned; while it is still
// terminating an edit fails with ErrInvalidState, which the engine retries.
func TestClusterAfterCreateTerminatesAndPins(t *testing.T) {
	// Termination takes a minute on this workspace's clock, which the test moves.
	var skew atomic.Int64
	srv, w := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}, ClusterTerminateDelay: time.Minute,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	ws := emutest.Workspace(t, srv, "source")
	ctx := context.Background()
	k := &clusterKind{}
	want := resource.Object{Kind: Cluster, Key: "src-1", Doc: contractDoc(t,
		`{"cluster_name": "dr", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1, "custom_tags": {"drsync-source": "src-1"}}`)}
	applied, err := k.Create(ctx, ws, want)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.AfterCreate(ctx, ws, applied.ID, resource.DefaultWarmPolicy()); err != nil {
		t.Fatal(err)
	}
	_, err = k.Update(ctx, ws, applied.ID, want)
	if !errors.Is(err, apierr.ErrInvalidState) || !strings.Contains(err.Error(), applied.ID) {
		t.Fatalf("edit while terminating: err = %v, want ErrInvalidState naming the cluster", err)
	}
	skew.Store(int64(time.Minute))
	pinned, err := w.Clusters.ListAll(ctx, compute.ListClustersRequest{FilterBy: &compute.ListClustersFilterBy{IsPinned: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pinned) != 1 || pinned[0].ClusterId != applied.ID || pinned[0].State != compute.StateTerminated {
		t.Fatalf("pinned clusters = %+v, want %s TERMINATED", pinned, applied.ID)
	}
	if _, err := k.Update(ctx, ws, applied.ID, want); err != nil {
		t.Fatalf("edit once terminated: %v", err)
	}
}

// Listing the API kinds costs listing calls only: one per kind, jobs in pages
// of 100, and no per-object get (DESIGN §9: an unchanged estate costs ≈ its
// listing calls).
func TestAPIListingIsCheap(t *testing.T) {
	srv, _, ws := apiTestStart(t)
	for i := range 130 {
		_, err := srv.SeedJob([]byte(`{"name": "j` + strconv.Itoa(i) + `", "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "/Shared/nb"}}]}`))
		contractSeedErr(t, "job", err)
	}
	for i := range 3 {
		n := strconv.Itoa(i)
		_, err := srv.SeedPool([]byte(`{"instance_pool_name": "p` + n + `", "node_type_id": "i3.xlarge"}`))
		contractSeedErr(t, "pool", err)
		_, err = srv.SeedCluster([]byte(`{"cluster_name": "c` + n + `", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1}`))
		contractSeedErr(t, "cluster", err)
	}
	srv.ResetRequests()
	for _, k := range []resource.Kind{&policyKind{}, &poolKind{}, &clusterKind{}, &jobKind{}} {
		for _, o := range apiTestList(t, k, ws) {
			if o.Doc == nil && o.Skip == "" {
				t.Fatalf("%s %s listed without a document", k.Name(), o.ID)
			}
		}
	}
	want := map[string]int64{
		"GET /api/2.0/policies/clusters/list": 1,
		"GET /api/2.0/instance-pools/list":    1,
		"GET /api/2.1/clusters/list":          1,
		"GET /api/2.2/jobs/list":              2,
	}
	if got := srv.Requests(); !reflect.DeepEqual(got, want) {
		t.Fatalf("requests = %v, want %v", got, want)
	}
}
