package catalog

import (
	"slices"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

// checkCases run against the DR of seedWorld (see its doc comment for what
// DR holds and lacks): a document and the Blocked Check should return.
var checkCases = []struct {
	name    string
	doc     string
	blocked []resource.Blocked
}{
	{
		name: "runnable-cluster",
		doc: `{"cluster_name": "ok", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge",
			"driver_node_type_id": "m5.xlarge", "single_user_name": "ann@corp.com",
			"aws_attributes": {"zone_id": "us-west-2a", "instance_profile_arn": "` + profileETL + `"},
			"spark_conf": {"spark.token": "{{secrets/etl/token}}"}}`,
	},
	{
		name: "auto-or-absent-zone",
		doc:  `{"cluster_name": "z", "aws_attributes": {"zone_id": "auto", "availability": "SPOT"}}`,
	},
	{
		name: "cluster-nothing-runs",
		doc: `{"cluster_name": "bad", "spark_version": "13.3.x-scala2.12", "node_type_id": "r5.xlarge",
			"driver_node_type_id": "m4.large", "single_user_name": "bob@corp.com",
			"aws_attributes": {"zone_id": "us-east-1a", "instance_profile_arn": "` + profileAnalytics + `"},
			"spark_env_vars": {"PW": "{{secrets/gone/pw}}"}}`,
		blocked: []resource.Blocked{
			{Field: "aws_attributes.instance_profile_arn", Value: profileAnalytics, Reason: `instance profile "` + profileAnalytics + `" is not registered in DR`},
			{Field: "aws_attributes.zone_id", Value: "us-east-1a", Reason: `zone "us-east-1a" is not a DR zone (DR has us-west-2a, us-west-2b)`},
			{Field: "driver_node_type_id", Value: "m4.large", Reason: `node type "m4.large" is deprecated in DR`},
			{Field: "node_type_id", Value: "r5.xlarge", Reason: `node type "r5.xlarge" is not offered in DR`},
			{Field: "single_user_name", Value: "bob@corp.com", Reason: `user "bob@corp.com" does not exist in DR`},
			{Field: "spark_env_vars.PW", Value: "{{secrets/gone/pw}}", Reason: `secret scope "gone" does not exist in DR`},
			{Field: "spark_version", Value: "13.3.x-scala2.12", Reason: `runtime "13.3.x-scala2.12" is not offered in DR`},
		},
	},
	{
		name: "job-every-cluster-place",
		doc: `{"name": "j", "run_as": {"service_principal_name": "` + spMissing + `"},
			"job_clusters": [{"job_cluster_key": "jc", "new_cluster": {"spark_version": "15.4.x-scala2.12",
				"node_type_id": "x1e.hidden", "aws_attributes": {"instance_profile_arn": "` + profileETL + `"}}}],
			"tasks": [
				{"task_key": "a", "new_cluster": {"spark_version": "16.4.x-scala2.12", "node_type_id": "p4d.24xlarge"}},
				{"task_key": "f", "for_each_task": {"inputs": "[1]", "task": {"task_key": "in",
					"new_cluster": {"spark_version": "12.2.x-scala2.12", "node_type_id": "i3.xlarge"}}}}]}`,
		blocked: []resource.Blocked{
			{Field: "job_clusters[].new_cluster.node_type_id", Value: "x1e.hidden", Reason: `node type "x1e.hidden" is hidden in DR`},
			{Field: "run_as.service_principal_name", Value: spMissing, Reason: `service principal "` + spMissing + `" does not exist in DR`},
			{Field: "tasks[].for_each_task.task.new_cluster.spark_version", Value: "12.2.x-scala2.12", Reason: `runtime "12.2.x-scala2.12" is not offered in DR`},
			{Field: "tasks[].new_cluster.node_type_id", Value: "p4d.24xlarge", Reason: `node type "p4d.24xlarge" is not usable in DR: NotAvailableInRegion`},
		},
	},
	{
		name: "run-as-present",
		doc:  `{"name": "j", "run_as": {"service_principal_name": "` + spETL + `"}}`,
	},
	{
		name: "run-as-user-and-group",
		doc: `{"name": "j", "run_as": {"user_name": "Ann@Corp.com"},
			"access_control_list": [{"group_name": "finance", "permission_level": "CAN_VIEW"},
				{"group_name": "data-eng", "permission_level": "CAN_MANAGE"}, {"group_name": "admins"}]}`,
		blocked: []resource.Blocked{
			{Field: "access_control_list[].group_name", Value: "finance", Reason: `group "finance" does not exist in DR`},
		},
	},
	{
		name: "run-as-group",
		doc:  `{"name": "j", "run_as": {"group_name": "finance"}}`,
		blocked: []resource.Blocked{
			{Field: "run_as.group_name", Value: "finance", Reason: `group "finance" does not exist in DR`},
		},
	},
	{
		name: "pool",
		doc: `{"instance_pool_name": "p", "node_type_id": "r5.xlarge",
			"preloaded_spark_versions": ["15.4.x-scala2.12", "11.3.x-scala2.12"],
			"aws_attributes": {"zone_id": "us-west-2b"}}`,
		blocked: []resource.Blocked{
			{Field: "node_type_id", Value: "r5.xlarge", Reason: `node type "r5.xlarge" is not offered in DR`},
			{Field: "preloaded_spark_versions[]", Value: "11.3.x-scala2.12", Reason: `runtime "11.3.x-scala2.12" is not offered in DR`},
		},
	},
	{
		name: "subscription-user",
		doc: `{"tasks": [{"task_key": "q", "sql_task": {"warehouse_id": "w",
			"dashboard": {"dashboard_id": "d", "subscriptions": [{"user_name": "bob@corp.com"}]}}}]}`,
		blocked: []resource.Blocked{
			{Field: "tasks[].sql_task.dashboard.subscriptions[].user_name", Value: "bob@corp.com", Reason: `user "bob@corp.com" does not exist in DR`},
		},
	},
}

func TestCheck(t *testing.T) {
	p, w := seedWorld(t)
	for _, tt := range checkCases {
		t.Run(tt.name, func(t *testing.T) {
			c := p.catalog(w.ids)
			doc := mustDoc(t, tt.doc)
			load(t, c, doc)
			if got := c.Check(doc); !slices.Equal(got, tt.blocked) {
				t.Errorf("Check:\n got %v\nwant %v", got, tt.blocked)
			}
			if c.Calls() != p.requests() {
				t.Errorf("Calls() = %d, but the emulators served %d requests: %v %v",
					c.Calls(), p.requests(), p.src.Requests(), p.dr.Requests())
			}
		})
	}
}
