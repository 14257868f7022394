package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// newCrossRegionPair is a primary in us-west-2 holding the whole sample
// estate (with the job that names warehouses, a pipeline and destinations)
// and a DR workspace in us-east-1: its catalog lacks a node type, a runtime,
// an instance profile and a user, has other zones, and holds the primary's
// warehouses, pipeline and destinations by name under other ids (all but
// adhoc-wh). The source also holds what only a test needs: a cluster reading
// a secret DR has no scope for, and a job on adhoc-wh.
func newCrossRegionPair(t *testing.T) (*pair, map[string]string) {
	t.Helper()
	src, srcW := emutest.Start(t, emulator.Options{Seed: 31, WorkspaceID: 3131})
	tgt, tgtW := emutest.Start(t, emulator.Options{Seed: 32, WorkspaceID: 3232, Catalog: emulator.RegionCatalog("us-east-1")})
	rep, err := src.Seed(emulator.SampleEstate())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tgt.Seed(emulator.DREstate()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// DR has a scope etl (the rewrite rule points the secret there), not partner-api.
	if err := tgtW.Secrets.CreateScope(ctx, workspace.CreateScope{Scope: "etl"}); err != nil {
		t.Fatal(err)
	}
	if err := tgtW.Secrets.PutSecret(ctx, workspace.PutSecret{Scope: "etl", Key: "token", StringValue: "x"}); err != nil {
		t.Fatal(err)
	}
	c, err := srcW.Clusters.Create(ctx, compute.CreateCluster{ClusterName: "reads-a-secret", SparkVersion: "15.4.x-scala2.12",
		NodeTypeId: "i3.xlarge", NumWorkers: 1, AutoterminationMinutes: 30,
		SparkEnvVars: map[string]string{"API_TOKEN": "{{secrets/partner-api/token}}", "LOG_PATH": "s3://acme-logs-us-west-2/spark/"}})
	if err != nil {
		t.Fatal(err)
	}
	srcWH := src.WarehouseIDs()
	adhoc, err := src.SeedJob([]byte(`{"name": "adhoc-report", "tasks": [{"task_key": "q",
	  "sql_task": {"warehouse_id": "` + srcWH["adhoc-wh"] + `", "file": {"path": "/Shared/data-eng/sql/create_tables.sql"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DRSYNC_SOURCE_TOKEN", src.Token())
	t.Setenv("DRSYNC_TARGET_TOKEN", tgt.Token())
	dir := t.TempDir()
	p := &pair{t: t, src: src, tgt: tgt, srcW: srcW, tgtW: tgtW, seed: rep,
		ledger: dir + "/ledger.db", config: dir + "/pair.json"}
	ids := map[string]string{"secret-cluster": c.ClusterId, "adhoc-job": fmt.Sprint(adhoc), "adhoc-wh": srcWH["adhoc-wh"],
		"dr-etl-wh": tgt.WarehouseIDs()["etl-wh"], "orders-live": src.PipelineIDs()["orders-live"], "dr-orders-live": tgt.PipelineIDs()["orders-live"]}
	for name, id := range map[string]int64{"churn": rep.JobID("churn-model-weekly"), "orders-reporting": rep.JobID(emulator.SampleCatalogJob)} {
		ids[name] = fmt.Sprint(id)
	}
	return p, ids
}

// crossRegionConfig is the pair's config with extra top-level members.
func (p *pair) crossRegionConfig(extra string) {
	p.writeConfig(`{"pair": "xr", "source": {"host": "` + p.src.URL() + `", "region": "us-west-2"},
	  "target": {"host": "` + p.tgt.URL() + `", "region": "us-east-1"},
	  "rate_limits": {"requests_per_second": 500, "export_per_second": 50, "import_per_second": 25,
	                  "jobs_create_per_second": 15, "concurrency": 8},
	  "retry_timeout": "20s"` + extra + `}`)
}

// blockedOf is the blocked causes the plan gives the object named (or keyed) so.
func blockedOf(d planDoc, kind, nameOrKey string) []resource.Blocked {
	for _, a := range d.Actions {
		if a.Kind == kind && (a.Name == nameOrKey || a.Key == nameOrKey) {
			return a.Blocked
		}
	}
	return nil
}

func hasCause(bs []resource.Blocked, field, value, reasonPart string) bool {
	return slices.ContainsFunc(bs, func(b resource.Blocked) bool {
		return b.Field == field && b.Value == value && strings.Contains(b.Reason, reasonPart)
	})
}

// Between two workspaces in different regions, what DR cannot take is a
// blocked skip naming the field, the value and what DR lacks — never an API
// error — and what references a blocked object is skipped; every rewrite
// operation then makes the copy runnable, references to warehouses,
// pipelines and destinations resolve by name and by id_map, a rewritten
// value is not drift, and what is still blocked (a user DR lacks) is listed
// by status and exits 1 run after run with nothing else to do.
func TestCrossRegionBlockedThenRewritten(t *testing.T) {
	p, ids := newCrossRegionPair(t)
	p.crossRegionConfig("")

	// 1. No rules: every cause is reported, nothing fails.
	first := p.syncJSON(1)
	if first.Summary.Failed != 0 || first.Summary.Blocked == 0 {
		t.Fatalf("summary %+v, want blocked actions and no failure:\n%s", first.Summary, first)
	}
	for _, c := range []struct {
		kind, name, field, value, reason string
	}{
		{"pool", "memory-r5-2xlarge", "node_type_id", emulator.DRMissingNodeType, "node type"},
		{"cluster", "shared-analytics", "aws_attributes.instance_profile_arn", emulator.DRMissingProfile, "instance profile"},
		{"cluster", "reads-a-secret", "spark_env_vars.API_TOKEN", "{{secrets/partner-api/token}}", "partner-api"},
		{"job", "churn-model-weekly", "job_clusters[].new_cluster.spark_version", emulator.DRMissingSparkVersion, "runtime"},
		{"job", "churn-model-weekly", "run_as.user_name", emulator.DRMissingUser, "carol@example.com"},
		{"job", "adhoc-report", "tasks[].sql_task.warehouse_id", ids["adhoc-wh"], `SQL warehouse "adhoc-wh"`},
	} {
		if bs := blockedOf(first, c.kind, c.name); !hasCause(bs, c.field, c.value, c.reason) {
			t.Errorf("%s %s: no blocked cause %s = %q (%s); got %+v", c.kind, c.name, c.field, c.value, c.reason, bs)
		}
	}
	for _, a := range first.Actions {
		if len(a.Blocked) > 0 && (a.Op != plan.Skip || a.Status != plan.StatusDone) {
			t.Errorf("blocked %s %s is %s/%s, want skip/done", a.Kind, a.Key, a.Op, a.Status)
		}
	}
	if a := actionOf(first, "job", ids["orders-reporting"]); a.Op != plan.Create || a.Status != plan.StatusDone {
		t.Errorf("orders-reporting (warehouses, pipeline, destinations resolved by name): %s/%s %s", a.Op, a.Status, a.Error)
	}

	// 2. Rules for what differs by region and an id_map for adhoc-wh.
	p.crossRegionConfig(`,
	  "rewrite": [
	    {"field": "node_type_id", "kinds": ["pools"], "map": {"r5.2xlarge": "r5.xlarge"}},
	    {"field": "aws_attributes.instance_profile_arn", "map": {"` + emulator.DRMissingProfile + `": "arn:aws:iam::123456789012:instance-profile/analytics"}},
	    {"field": "spark_version", "regex": {"pattern": "^15\\.4\\.x-cpu-ml-", "replace": "15.4.x-"}},
	    {"field": "custom_tags.dr-region", "set": "us-east-1"},
	    {"field": "custom_tags.owner", "drop": true},
	    {"field": "spark_env_vars.API_TOKEN", "set": "{{secrets/etl/token}}"},
	    {"field": "spark_env_vars.LOG_PATH", "prefix": {"s3://acme-logs-us-west-2/": "s3://acme-logs-us-east-1/"}}
	  ],
	  "id_map": {"warehouses": {"` + ids["adhoc-wh"] + `": "` + ids["dr-etl-wh"] + `"},
	             "pipelines": {"` + ids["orders-live"] + `": "` + ids["dr-orders-live"] + `"}}`)
	second := p.syncJSON(1)
	if second.Summary.Failed != 0 || second.Summary.Blocked != 1 {
		t.Fatalf("summary %+v, want only the job run as a user DR lacks blocked:\n%s", second.Summary, second)
	}
	if bs := blockedOf(second, "job", "churn-model-weekly"); len(bs) != 1 || bs[0].Field != "run_as.user_name" {
		t.Fatalf("churn-model-weekly blocked by %+v, want only its run_as", bs)
	}
	ctx := context.Background()
	pools, err := p.tgtW.InstancePools.ListAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, pl := range pools {
		// The zone is not copied: DR gives the pool its own.
		if pl.InstancePoolName == "memory-r5-2xlarge" && (pl.NodeTypeId != "r5.xlarge" || pl.AwsAttributes.ZoneId != "us-east-1a" ||
			pl.CustomTags["dr-region"] != "us-east-1") {
			t.Errorf("DR pool not rewritten: node %s zone %s tags %v", pl.NodeTypeId, pl.AwsAttributes.ZoneId, pl.CustomTags)
		}
	}
	clusters, err := p.tgtW.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range clusters {
		switch c.ClusterName {
		case "shared-analytics":
			seen++
			if c.AwsAttributes.InstanceProfileArn != "arn:aws:iam::123456789012:instance-profile/analytics" {
				t.Errorf("DR cluster's instance profile %s", c.AwsAttributes.InstanceProfileArn)
			}
		case "reads-a-secret":
			seen++
			if c.SparkEnvVars["API_TOKEN"] != "{{secrets/etl/token}}" || c.SparkEnvVars["LOG_PATH"] != "s3://acme-logs-us-east-1/spark/" {
				t.Errorf("DR cluster's environment %v", c.SparkEnvVars)
			}
		}
		if _, ok := c.CustomTags["owner"]; ok {
			t.Errorf("DR cluster %s keeps the dropped tag owner", c.ClusterName)
		}
	}
	if seen != 2 {
		t.Errorf("%d of the two rewritten clusters in DR", seen)
	}
	adhoc := drJobNamed(t, p, "adhoc-report")
	if got := adhoc.Tasks[0].SqlTask.WarehouseId; got != ids["dr-etl-wh"] {
		t.Errorf("adhoc-report's warehouse in DR %s, want the id_map's %s", got, ids["dr-etl-wh"])
	}
	// orders-reporting: its pipeline through id_map, its warehouses and
	// destinations by name; no source id left.
	drWH, srcWH := p.tgt.WarehouseIDs(), p.src.WarehouseIDs()
	for _, task := range drJobNamed(t, p, emulator.SampleCatalogJob).Tasks {
		switch {
		case task.PipelineTask != nil && task.PipelineTask.PipelineId != ids["dr-orders-live"]:
			t.Errorf("task %s: pipeline %s, want DR's %s", task.TaskKey, task.PipelineTask.PipelineId, ids["dr-orders-live"])
		case task.SqlTask != nil && task.SqlTask.WarehouseId != drWH["etl-wh"] && task.SqlTask.WarehouseId != drWH["analytics-wh"]:
			t.Errorf("task %s: warehouse %s is not DR's (source's: %v)", task.TaskKey, task.SqlTask.WarehouseId, srcWH)
		}
	}

	// 3. Nothing changed: rewritten and resolved values are not drift; the
	// blocked job stays blocked, and status says why.
	third := p.syncJSON(1)
	for _, a := range third.Actions {
		if a.Op != plan.Skip {
			t.Errorf("third run: %s %s %s (%s)", a.Op, a.Kind, a.Name, a.Reason)
		}
	}
	code, out, _ := drsyncRun(t, "status", "--ledger", p.ledger, "--config", p.config)
	if code != 0 || !strings.Contains(out, "Blocked (the target cannot take them; synced once the cause is fixed): 1") ||
		!strings.Contains(out, "run_as.user_name = \"carol@example.com\"") {
		t.Errorf("status exit %d:\n%s", code, out)
	}
}

// drJobNamed is the settings of the DR job of that name.
func drJobNamed(t *testing.T, p *pair, name string) *jobs.JobSettings {
	t.Helper()
	all, err := p.tgtW.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{Name: name, ExpandTasks: true})
	if err != nil || len(all) != 1 {
		t.Fatalf("DR jobs named %s: %d, %v", name, len(all), err)
	}
	return all[0].Settings
}

// actionOf is the plan's action on kind/key.
func actionOf(d planDoc, kind, key string) plan.Action {
	for _, a := range d.Actions {
		if a.Kind == kind && a.Key == key {
			return a
		}
	}
	return plan.Action{}
}

// `plan --explain` shows one object's source document, each rule applied
// and the document DR gets (which DR already holds after a sync).
func TestExplainShowsRewrites(t *testing.T) {
	p, _ := newCrossRegionPair(t)
	p.crossRegionConfig(`, "rewrite": [{"field": "node_type_id", "kinds": ["pools"], "map": {"r5.2xlarge": "r5.xlarge"}}]`)
	pool := p.seed.IDs["pool:memory-r5-2xlarge"]
	p.syncJSON(1) // other objects stay blocked; the pool is created
	code, out, errs := p.drsync("plan", "--explain", "pool:"+pool, "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var ex struct {
		Source   map[string]any `json:"source"`
		Desired  map[string]any `json:"desired"`
		Rewrites []struct {
			Rule            int
			Field, From, To string
		} `json:"rewrites"`
		Action *plan.Action `json:"action"`
	}
	if err := json.Unmarshal([]byte(out), &ex); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if ex.Source["node_type_id"] != "r5.2xlarge" || ex.Desired["node_type_id"] != "r5.xlarge" || len(ex.Rewrites) != 1 ||
		ex.Rewrites[0].Field != "node_type_id" || ex.Action != nil {
		t.Fatalf("explanation:\n%s", out)
	}
	code, out, _ = p.drsync("plan", "--explain", "pool:"+pool)
	if code != 0 || !strings.Contains(out, `rule 0: node_type_id "r5.2xlarge" -> "r5.xlarge"`) || !strings.Contains(out, "unchanged: the target already holds this document") {
		t.Fatalf("text explanation, exit %d:\n%s", code, out)
	}
	if code, _, errs := p.drsync("plan", "--explain", "nonsense"); code != exitUsage || !strings.Contains(errs, "kind:key") {
		t.Fatalf("a malformed key: exit %d %s", code, errs)
	}
}
