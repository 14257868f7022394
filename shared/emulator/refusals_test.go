package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

const runtime154 = "15.4.x-scala2.12"

// wantRefused asserts a 400 INVALID_PARAMETER_VALUE whose message starts
// with prefix.
func wantRefused(t *testing.T, what string, err error, prefix string) {
	t.Helper()
	var ae *apierr.APIError
	if !errors.Is(err, apierr.ErrInvalidParameterValue) || !errors.As(err, &ae) || ae.StatusCode != 400 ||
		!strings.HasPrefix(ae.Message, prefix) {
		t.Errorf("%s: %v, want 400 INVALID_PARAMETER_VALUE %q…", what, err, prefix)
	}
}

// Clusters in a DR-flavoured workspace: what its catalog lacks is refused
// at create and at edit (§9).
func TestRefusalsClusterCatalog(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{Catalog: emulator.RegionCatalog("us-east-1")})
	ctx := context.Background()
	base := compute.CreateCluster{SparkVersion: runtime154, NodeTypeId: "i3.xlarge", NumWorkers: 1}
	with := func(f func(*compute.CreateCluster)) compute.CreateCluster { c := base; f(&c); return c }
	cases := []struct {
		name, prefix string
		req          compute.CreateCluster
	}{
		{"missing node type", "Node type " + emulator.DRMissingNodeType + " is not supported. Supported node types: ",
			with(func(c *compute.CreateCluster) { c.NodeTypeId = emulator.DRMissingNodeType })},
		{"unavailable node type", "Node type " + emulator.DRUnavailableNodeType + " is not supported.",
			with(func(c *compute.CreateCluster) { c.NodeTypeId = emulator.DRUnavailableNodeType })},
		{"deprecated node type", "Node type m4.large is not supported.",
			with(func(c *compute.CreateCluster) { c.NodeTypeId = "m4.large" })},
		{"driver node type", "Node type nope.large is not supported.",
			with(func(c *compute.CreateCluster) { c.DriverNodeTypeId = "nope.large" })},
		{"runtime", "Invalid spark version " + emulator.DRMissingSparkVersion + ".",
			with(func(c *compute.CreateCluster) { c.SparkVersion = emulator.DRMissingSparkVersion })},
		{"instance profile", "Instance profile " + emulator.DRMissingProfile + " is not registered",
			with(func(c *compute.CreateCluster) {
				c.AwsAttributes = &compute.AwsAttributes{InstanceProfileArn: emulator.DRMissingProfile}
			})},
		{"zone", "Invalid zone_id us-west-2a: the zone is not in region us-east-1",
			with(func(c *compute.CreateCluster) { c.AwsAttributes = &compute.AwsAttributes{ZoneId: "us-west-2a"} })},
	}
	for _, c := range cases {
		_, err := w.Clusters.Create(ctx, c.req)
		wantRefused(t, c.name, err, c.prefix)
	}
	_, err := w.Clusters.Create(ctx, compute.CreateCluster{SparkVersion: runtime154, NodeTypeId: "i3.xlarge", NumWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Clusters.Create(ctx, with(func(c *compute.CreateCluster) { c.AwsAttributes = &compute.AwsAttributes{ZoneId: "auto"} }))
	if err != nil {
		t.Fatalf("zone auto: %v", err)
	}
	msg := ""
	_, err = w.Clusters.Create(ctx, cases[0].req)
	if err != nil {
		msg = err.Error()
	}
	if !strings.Contains(msg, "i3.xlarge") || strings.Contains(msg, "m4.large") || strings.Contains(msg, emulator.DRUnavailableNodeType) {
		t.Errorf("supported list = %q: want usable node types only", msg)
	}
}

// Edit is refused the same way, and the catalog checks also hold for the
// default workspace.
func TestRefusalsClusterEdit(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	wait, err := w.Clusters.Create(ctx, compute.CreateCluster{SparkVersion: runtime154, NodeTypeId: "i3.xlarge", NumWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wait.Get(); err != nil {
		t.Fatal(err)
	}
	_, err = w.Clusters.Edit(ctx, compute.EditCluster{ClusterId: wait.ClusterId, SparkVersion: "9.9.x-scala2.12", NodeTypeId: "i3.xlarge", NumWorkers: 1})
	wantRefused(t, "edit runtime", err, "Invalid spark version 9.9.x-scala2.12.")
	tags := map[string]string{}
	for i := range 46 {
		tags[fmt.Sprint("t", i)] = "v"
	}
	_, err = w.Clusters.Create(ctx, compute.CreateCluster{SparkVersion: runtime154, NodeTypeId: "i3.xlarge", NumWorkers: 1, CustomTags: tags})
	wantRefused(t, "46 cluster tags", err, "custom_tags: at most 45 custom tags")
}

// Pools: node type, preloaded runtime and zone come from the catalog.
func TestRefusalsPoolCatalog(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{Catalog: emulator.RegionCatalog("eu-west-1")})
	ctx := context.Background()
	_, err := w.InstancePools.Create(ctx, compute.CreateInstancePool{InstancePoolName: "a", NodeTypeId: emulator.DRMissingNodeType})
	wantRefused(t, "pool node type", err, "Node type "+emulator.DRMissingNodeType+" is not supported.")
	_, err = w.InstancePools.Create(ctx, compute.CreateInstancePool{InstancePoolName: "b", NodeTypeId: "i3.xlarge",
		PreloadedSparkVersions: []string{emulator.DRMissingSparkVersion}})
	wantRefused(t, "pool runtime", err, "Invalid spark version "+emulator.DRMissingSparkVersion+".")
	_, err = w.InstancePools.Create(ctx, compute.CreateInstancePool{InstancePoolName: "c", NodeTypeId: "i3.xlarge",
		AwsAttributes: &compute.InstancePoolAwsAttributes{ZoneId: "us-west-2b"}})
	wantRefused(t, "pool zone", err, "Invalid zone_id us-west-2b")
	if _, err := w.InstancePools.Create(ctx, compute.CreateInstancePool{InstancePoolName: "d", NodeTypeId: "i3.xlarge",
		AwsAttributes: &compute.InstancePoolAwsAttributes{ZoneId: "eu-west-1b"}}); err != nil {
		t.Fatalf("pool in the region's zone: %v", err)
	}
}

// A cluster that breaks its policy: one "Validation failed for …" per rule,
// joined by "; ".
func TestRefusalsClusterPolicy(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	def := `{"driver_node_type_id":{"type":"fixed","value":"i3.2xlarge"},
		"node_type_id":{"type":"allowlist","values":["i3.xlarge","i3.2xlarge"]},
		"spark_version":{"type":"blocklist","values":["14.3.x-scala2.12"]},
		"autotermination_minutes":{"type":"range","minValue":10,"maxValue":120},
		"custom_tags.team":{"type":"regex","pattern":"data-.*"},
		"instance_pool_id":{"type":"forbidden"},
		"data_security_mode":{"type":"unlimited","isOptional":false},
		"spark_conf.spark.databricks.cluster.profile":{"type":"fixed","value":"singleNode"},
		"cluster_type":{"type":"fixed","value":"all-purpose"}}`
	pol, err := w.ClusterPolicies.Create(ctx, compute.CreatePolicy{Name: "strict", Definition: def})
	if err != nil {
		t.Fatal(err)
	}
	bad := compute.CreateCluster{PolicyId: pol.PolicyId, SparkVersion: "14.3.x-scala2.12", NodeTypeId: "r5.xlarge",
		DriverNodeTypeId: "i3.xlarge", NumWorkers: 1, AutoterminationMinutes: 200,
		CustomTags: map[string]string{"team": "ml"}}
	_, err = w.Clusters.Create(ctx, bad)
	want := `Validation failed for autotermination_minutes, the value must be at most 120 (is 200); ` +
		`Validation failed for custom_tags.team, the value must match the regex data-.* (is "ml"); ` +
		`Validation failed for data_security_mode, the value must be present; ` +
		`Validation failed for driver_node_type_id, the value must be i3.2xlarge (is "i3.xlarge"); ` +
		`Validation failed for node_type_id, the value must be one of ["i3.xlarge","i3.2xlarge"] (is "r5.xlarge"); ` +
		`Validation failed for spark_version, the value must not be one of ["14.3.x-scala2.12"] (is "14.3.x-scala2.12")`
	var ae *apierr.APIError
	if !errors.Is(err, apierr.ErrInvalidParameterValue) || !errors.As(err, &ae) || ae.Message != want {
		t.Fatalf("policy violation: %v\nwant %s", err, want)
	}
	pool, err := w.InstancePools.Create(ctx, compute.CreateInstancePool{InstancePoolName: "p", NodeTypeId: "i3.xlarge"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Clusters.Create(ctx, compute.CreateCluster{PolicyId: pol.PolicyId, SparkVersion: runtime154, NumWorkers: 1,
		InstancePoolId: pool.InstancePoolId, DataSecurityMode: compute.DataSecurityModeSingleUser,
		CustomTags: map[string]string{"team": "data-eng"}})
	wantRefused(t, "forbidden", err, "Validation failed for instance_pool_id, the value must not be present")
	good := compute.CreateCluster{PolicyId: pol.PolicyId, SparkVersion: runtime154, NodeTypeId: "i3.xlarge",
		DriverNodeTypeId: "i3.2xlarge", NumWorkers: 1, AutoterminationMinutes: 60, DataSecurityMode: compute.DataSecurityModeSingleUser,
		CustomTags: map[string]string{"team": "data-eng"}}
	if _, err := w.Clusters.Create(ctx, good); err != nil {
		t.Fatalf("compliant cluster: %v", err)
	}
}

// Jobs: references to what this workspace lacks are refused; job clusters'
// node types and runtimes are not (validated at run time, §9).
func TestRefusalsJobReferences(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{Catalog: emulator.RegionCatalog("us-east-1")})
	ctx := context.Background()
	nb := &jobs.NotebookTask{NotebookPath: "/Shared/nb"}
	task := func(f func(*jobs.Task)) jobs.CreateJob {
		tk := jobs.Task{TaskKey: "t", NotebookTask: nb}
		f(&tk)
		return jobs.CreateJob{Name: "j", Tasks: []jobs.Task{tk}}
	}
	tags := map[string]string{}
	for i := range 26 {
		tags[fmt.Sprint("t", i)] = "v"
	}
	cases := []struct {
		name, prefix string
		req          jobs.CreateJob
	}{
		{"26 tags", "A job can have at most 25 tags", jobs.CreateJob{Name: "j", Tags: tags}},
		{"run_as user", "Principal: UserName(" + emulator.DRMissingUser + ") does not exist",
			jobs.CreateJob{Name: "j", RunAs: &jobs.JobRunAs{UserName: emulator.DRMissingUser}}},
		{"run_as sp", "Principal: ServicePrincipalName(nope) does not exist",
			jobs.CreateJob{Name: "j", RunAs: &jobs.JobRunAs{ServicePrincipalName: "nope"}}},
		{"run_as group", "Principal: GroupName(nope) does not exist",
			jobs.CreateJob{Name: "j", RunAs: &jobs.JobRunAs{GroupName: "nope"}}},
		{"existing cluster", "Cluster 0101-000000-abcdefgh does not exist",
			task(func(tk *jobs.Task) { tk.ExistingClusterId = "0101-000000-abcdefgh" })},
		{"job cluster pool", "Invalid instance_pool_id: can't find an instance pool with id: nope.",
			jobs.CreateJob{Name: "j", JobClusters: []jobs.JobCluster{{JobClusterKey: "c",
				NewCluster: compute.ClusterSpec{SparkVersion: runtime154, InstancePoolId: "nope"}}}}},
		{"task cluster policy", "Invalid policy_id: can't find a cluster policy with id: 0000000000000000.",
			task(func(tk *jobs.Task) {
				tk.NewCluster = &compute.ClusterSpec{SparkVersion: runtime154, NodeTypeId: "i3.xlarge", PolicyId: "0000000000000000"}
			})},
		{"warehouse", "SQL warehouse abc does not exist.",
			task(func(tk *jobs.Task) {
				tk.NotebookTask = nil
				tk.SqlTask = &jobs.SqlTask{WarehouseId: "abc", File: &jobs.SqlTaskFile{Path: "/Shared/q.sql"}}
			})},
		{"pipeline", "The specified pipeline p-1 was not found.",
			task(func(tk *jobs.Task) { tk.NotebookTask = nil; tk.PipelineTask = &jobs.PipelineTask{PipelineId: "p-1"} })},
		{"destination", "Notification destination d-1 does not exist.",
			jobs.CreateJob{Name: "j", WebhookNotifications: &jobs.WebhookNotifications{OnFailure: []jobs.Webhook{{Id: "d-1"}}}}},
		{"task destination", "Notification destination d-2 does not exist.",
			task(func(tk *jobs.Task) {
				tk.WebhookNotifications = &jobs.WebhookNotifications{OnSuccess: []jobs.Webhook{{Id: "d-2"}}}
			})},
	}
	for _, c := range cases {
		_, err := w.Jobs.Create(ctx, c.req)
		wantRefused(t, c.name, err, c.prefix)
	}
	// Runnable in DR or not, a job cluster's node type and runtime are
	// accepted at create.
	_, err := w.Jobs.Create(ctx, jobs.CreateJob{Name: "later", JobClusters: []jobs.JobCluster{{JobClusterKey: "c",
		NewCluster: compute.ClusterSpec{SparkVersion: emulator.DRMissingSparkVersion, NodeTypeId: emulator.DRMissingNodeType, NumWorkers: 1}}},
		Tasks: []jobs.Task{{TaskKey: "t", NotebookTask: nb, JobClusterKey: "c"}}})
	if err != nil {
		t.Fatalf("job cluster with a node type the workspace lacks: %v", err)
	}
	// reset and update check the same.
	created, err := w.Jobs.Create(ctx, jobs.CreateJob{Name: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Jobs.Reset(ctx, jobs.ResetJob{JobId: created.JobId, NewSettings: jobs.JobSettings{Name: "ok",
		RunAs: &jobs.JobRunAs{UserName: emulator.DRMissingUser}}})
	wantRefused(t, "reset run_as", err, "Principal: UserName(")
	err = w.Jobs.Update(ctx, jobs.UpdateJob{JobId: created.JobId, NewSettings: &jobs.JobSettings{
		WebhookNotifications: &jobs.WebhookNotifications{OnStart: []jobs.Webhook{{Id: "d-3"}}}}})
	wantRefused(t, "update destination", err, "Notification destination d-3")
}
