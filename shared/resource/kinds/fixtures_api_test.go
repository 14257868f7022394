package kinds

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

// apiFixtures are the contract-test fixtures of the API kinds (policy, pool,
// cluster, job). Each document leaves out what the service fills in, so the
// round trip proves the Schema strips those defaults again.
var apiFixtures = []fixture{
	{
		name: "policy-definition", kind: Policy, wantName: "contract-policy",
		// Spaces and key order differ from what the service re-serialises:
		// definitions compare parsed.
		doc: func(map[string]string) string {
			return `{"name": "contract-policy", "description": "ETL clusters", "max_clusters_per_user": 2,
				"definition": "{ \"spark_version\": {\"value\": \"15.4.x-scala2.12\", \"type\": \"fixed\"},\n  \"autotermination_minutes\": {\"type\": \"range\", \"maxValue\": 120} }",
				"libraries": [{"pypi": {"package": "requests"}}, {"pypi": {"package": "boto3"}}]}`
		},
		update: func(d resource.Doc) {
			d["description"] = "ETL clusters, capped"
			d["definition"] = `{"spark_version": {"type": "fixed", "value": "16.4.x-scala2.12"}}`
		},
	},
	{
		name: "policy-family", kind: Policy, wantName: "contract-family",
		// The service reads a family policy back with the family's definition
		// merged in; that derived definition must not show as drift.
		doc: func(map[string]string) string {
			return `{"name": "contract-family", "policy_family_id": "personal-vm",
				"policy_family_definition_overrides": "{\"autotermination_minutes\": {\"type\": \"fixed\", \"value\": 60}}"}`
		},
		update: func(d resource.Doc) {
			d["policy_family_definition_overrides"] = `{"autotermination_minutes": {"type": "fixed", "value": 30}}`
		},
	},
	{
		name: "pool", kind: Pool, wantName: "contract-pool",
		doc: func(map[string]string) string {
			return `{"instance_pool_name": "contract-pool", "node_type_id": "i3.xlarge",
				"min_idle_instances": 1, "max_capacity": 10, "idle_instance_autotermination_minutes": 30,
				"custom_tags": {"team": "platform"}, "aws_attributes": {"availability": "ON_DEMAND"},
				"enable_elastic_disk": true, "preloaded_spark_versions": ["15.4.x-scala2.12"],
				"disk_spec": {"disk_type": {"ebs_volume_type": "GENERAL_PURPOSE_SSD"}, "disk_count": 1, "disk_size": 100}}`
		},
		// min_idle_instances dropped = 0: Update must still send it.
		update: func(d resource.Doc) {
			delete(d, "min_idle_instances")
			d["max_capacity"] = json.Number("20")
		},
	},
	{
		name: "cluster-autoscale", kind: Cluster, wantName: "contract-analytics",
		seed: func(t *testing.T, e *contractEnv) map[string]string {
			id, err := e.srv.SeedPolicy([]byte(`{"name": "contract-cluster-policy", "definition": "{}"}`))
			contractSeedErr(t, "policy", err)
			return map[string]string{"policy": id}
		},
		doc: func(s map[string]string) string {
			return fmt.Sprintf(`{"cluster_name": "contract-analytics", "spark_version": "15.4.x-scala2.12",
				"node_type_id": "i3.xlarge", "autoscale": {"min_workers": 1, "max_workers": 4},
				"autotermination_minutes": 60, "policy_id": %q, "data_security_mode": "USER_ISOLATION",
				"spark_conf": {"spark.databricks.io.cache.enabled": "true"},
				"custom_tags": {"team": "analytics"},
				"aws_attributes": {"availability": "ON_DEMAND", "instance_profile_arn": "arn:aws:iam::123456789012:instance-profile/analytics"},
				"init_scripts": [{"workspace": {"destination": "/Shared/init/certs.sh"}}, {"volumes": {"destination": "/Volumes/main/init/b.sh"}}]}`, s["policy"])
		},
		update: func(d resource.Doc) {
			d["autoscale"] = map[string]any{"min_workers": json.Number("2"), "max_workers": json.Number("6")}
			d["autotermination_minutes"] = json.Number("30")
		},
	},
	{
		name: "cluster-single-node-pool", kind: Cluster, wantName: "contract-single",
		// Node types come from the pool; num_workers 0 must survive the round trip.
		seed: func(t *testing.T, e *contractEnv) map[string]string {
			id, err := e.srv.SeedPool([]byte(`{"instance_pool_name": "contract-cluster-pool", "node_type_id": "m5d.large"}`))
			contractSeedErr(t, "pool", err)
			return map[string]string{"pool": id}
		},
		doc: func(s map[string]string) string {
			return fmt.Sprintf(`{"cluster_name": "contract-single", "spark_version": "15.4.x-scala2.12",
				"instance_pool_id": %q, "num_workers": 0,
				"spark_conf": {"spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]"},
				"custom_tags": {"ResourceClass": "SingleNode"},
				"data_security_mode": "SINGLE_USER", "single_user_name": "alice@example.com"}`, s["pool"])
		},
		update: func(d resource.Doc) { d["spark_version"] = "16.4.x-scala2.12" },
	},
	{
		name: "job-multi-task", kind: Job, wantName: "contract-nightly",
		seed: seedJobPrereqs,
		doc:  jobFixtureDoc,
		update: func(d resource.Doc) {
			d["description"] = "nightly, twice as often"
			d["max_concurrent_runs"] = json.Number("3")
			d["schedule"].(map[string]any)["quartz_cron_expression"] = "0 30 */12 * * ?"
		},
	},
	{
		name: "job-git-source", kind: Job, wantName: "contract-git",
		// A Git job's notebook source defaults to GIT; its new_cluster gets the
		// service's AWS defaults and a zone.
		doc: func(map[string]string) string {
			return `{"name": "contract-git",
				"run_as": {"service_principal_name": "6e5c6f0a-7a0e-4d52-9c1e-2f3b8a9d0c11"},
				"git_source": {"git_url": "https://github.com/example/etl", "git_provider": "gitHub", "git_branch": "main"},
				"tasks": [{"task_key": "run", "notebook_task": {"notebook_path": "notebooks/run"},
					"new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 2}}],
				"trigger": {"periodic": {"interval": 4, "unit": "HOURS"}}}`
		},
		update: func(d resource.Doc) {
			d["git_source"].(map[string]any)["git_branch"] = "release"
		},
	},
	{
		name: "job-continuous", kind: Job, wantName: "contract-stream",
		// continuous carries only its pause status: it must survive the
		// normalisation that prunes empty objects.
		doc: func(map[string]string) string {
			return `{"name": "contract-stream", "continuous": {"pause_status": "UNPAUSED"},
				"run_as": {"user_name": "admin@example.com"},
				"tasks": [{"task_key": "stream", "spark_python_task": {"python_file": "/Shared/stream/main.py"},
					"new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge",
						"driver_node_type_id": "r5d.large", "num_workers": 0, "data_security_mode": "USER_ISOLATION"}}]}`
		},
		update: func(d resource.Doc) { d["continuous"] = map[string]any{"pause_status": "PAUSED"} },
	},
}

// seedJobPrereqs creates what the multi-task job references: a policy, a pool,
// an all-purpose cluster and a job to run.
func seedJobPrereqs(t *testing.T, e *contractEnv) map[string]string {
	policy, err := e.srv.SeedPolicy([]byte(`{"name": "contract-job-policy", "definition": "{}"}`))
	contractSeedErr(t, "policy", err)
	pool, err := e.srv.SeedPool([]byte(`{"instance_pool_name": "contract-job-pool", "node_type_id": "i3.xlarge"}`))
	contractSeedErr(t, "pool", err)
	cluster, err := e.srv.SeedCluster([]byte(`{"cluster_name": "contract-job-shared", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1}`))
	contractSeedErr(t, "cluster", err)
	job, err := e.srv.SeedJob([]byte(`{"name": "contract-downstream"}`))
	contractSeedErr(t, "job", err)
	return map[string]string{"policy": policy, "pool": pool, "cluster": cluster, "job": strconv.FormatInt(job, 10)}
}

// jobFixtureDoc is a job using most of what the Schema declares: tasks and
// dependencies out of order, a for_each task, a job cluster on a pool and a
// policy, an existing cluster, a run_job_task and a schedule.
func jobFixtureDoc(s map[string]string) string {
	return fmt.Sprintf(`{"name": "contract-nightly", "description": "nightly",
		"tags": {"team": "data-eng"}, "run_as": {"user_name": "alice@example.com"},
		"schedule": {"quartz_cron_expression": "0 30 2 * * ?", "timezone_id": "UTC", "pause_status": "PAUSED"},
		"email_notifications": {"on_failure": ["oncall@example.com"]},
		"job_clusters": [{"job_cluster_key": "etl", "new_cluster": {"spark_version": "15.4.x-scala2.12",
			"instance_pool_id": %[1]q, "policy_id": %[2]q, "num_workers": 4,
			"spark_env_vars": {"PYSPARK_PYTHON": "/databricks/python3/bin/python3"}}}],
		"tasks": [
			{"task_key": "report", "depends_on": [{"task_key": "transform"}, {"task_key": "ingest"}],
			 "run_job_task": {"job_id": %[4]s}},
			{"task_key": "ingest", "existing_cluster_id": %[3]q, "max_retries": 2,
			 "notebook_task": {"notebook_path": "/Shared/etl/ingest", "base_parameters": {"env": "prod"}},
			 "libraries": [{"pypi": {"package": "requests"}}, {"maven": {"coordinates": "org.x:y:1"}}]},
			{"task_key": "transform", "depends_on": [{"task_key": "ingest"}], "job_cluster_key": "etl",
			 "for_each_task": {"inputs": "[1,2]", "task": {"task_key": "transform_one", "job_cluster_key": "etl",
			   "spark_python_task": {"python_file": "/Shared/etl/transform.py"}}}}
		]}`, s["pool"], s["policy"], s["cluster"], s["job"])
}
