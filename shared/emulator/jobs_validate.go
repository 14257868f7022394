package emulator

import (
	"encoding/json"
	"net/http"

	"github.com/databricks/databricks-sdk-go/service/jobs"
)

// Validation of job settings, as jobs/create, reset and update apply it.

// checkJobSettings validates settings the way create, reset and update do:
// their shape, then what they reference in the workspace (checkJobRefs).
// Errors are 400 INVALID_PARAMETER_VALUE naming the problem (or
// MALFORMED_REQUEST when a field has the wrong JSON type).
func (s *Server) checkJobSettings(settings map[string]any) error {
	if err := checkJobShape(settings); err != nil {
		return err
	}
	return s.checkJobRefs(settings)
}

// checkJobShape checks settings without looking at the workspace.
func checkJobShape(settings map[string]any) error {
	if err := typeCheckSettings(settings); err != nil {
		return err
	}
	if settings["schedule"] != nil && settings["continuous"] != nil {
		return invalidParam("Only one of schedule and continuous can be set on a job.")
	}
	if tags, _ := settings["tags"].(map[string]any); len(tags) > jobsMaxTags {
		return invalidParam("A job can have at most %d tags, got %d.", jobsMaxTags, len(tags))
	}
	tasks := objectList(settings["tasks"])
	if len(tasks) > jobsMaxTasks {
		return invalidParam("A job can have at most %d tasks, got %d.", jobsMaxTasks, len(tasks))
	}
	clusters, err := uniqueKeys(objectList(settings["job_clusters"]), "job_clusters", "job_cluster_key")
	if err != nil {
		return err
	}
	keys, err := uniqueKeys(tasks, "tasks", "task_key")
	if err != nil {
		return err
	}
	if err := checkSchedule(settings); err != nil {
		return err
	}
	envs, err := uniqueKeys(objectList(settings["environments"]), "environments", "environment_key")
	if err != nil {
		return err
	}
	return checkTaskRefs(tasks, keys, taskCompute{clusters: clusters, envs: envs})
}

// checkSchedule refuses a schedule whose quartz_cron_expression is missing or
// not Quartz syntax, with the service's message.
func checkSchedule(settings map[string]any) error {
	if settings["schedule"] == nil {
		return nil
	}
	expr := strField(settings["schedule"], "quartz_cron_expression")
	if expr == "" {
		return invalidParam("Missing required field: settings.schedule.quartz_cron_expression")
	}
	if !validQuartz(expr) {
		return invalidParam("Invalid quartz_cron_expression: %s. Databricks uses Quartz cron syntax, which is different from the standard cron syntax. "+
			"See http://www.quartz-scheduler.org/documentation/quartz-2.1.x/tutorials/crontrigger.html for more details.", expr)
	}
	return nil
}

// typeCheckSettings refuses settings that would not decode into the SDK's
// JobSettings: every read must decode into the SDK's types, so a write that
// could not be read back is rejected up front.
func typeCheckSettings(settings map[string]any) error {
	data, err := json.Marshal(settings)
	if err == nil {
		err = json.Unmarshal(data, &jobs.JobSettings{})
	}
	if err != nil {
		return errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Could not parse request object: %v", err)
	}
	return nil
}

// uniqueKeys checks that every item has a non-empty, unique key field and
// returns the set of keys.
func uniqueKeys(items []map[string]any, list, field string) (map[string]bool, error) {
	keys := map[string]bool{}
	for i, item := range items {
		k := strField(item, field)
		if k == "" {
			return nil, invalidParam("%s[%d].%s is required.", list, i, field)
		}
		if keys[k] {
			return nil, invalidParam("Duplicate %s %q in %s: keys must be unique.", field, k, list)
		}
		keys[k] = true
	}
	return keys, nil
}

// taskCompute is what a job defines for its tasks to run on.
type taskCompute struct{ clusters, envs map[string]bool }

// checkTaskRefs checks that depends_on names tasks of this job, that
// job_cluster_key and environment_key name a job cluster and an environment
// of the job, and that tasks which run code have compute.
func checkTaskRefs(tasks []map[string]any, taskKeys map[string]bool, compute taskCompute) error {
	for _, t := range tasks {
		key := strField(t, "task_key")
		for _, dep := range objectList(t["depends_on"]) {
			if d := strField(dep, "task_key"); !taskKeys[d] {
				return invalidParam("Task %s depends on task %q, which is not defined in this job.", key, d)
			}
		}
		if err := compute.check(key, t); err != nil {
			return err
		}
	}
	return nil
}

// computeTasks are the task types that run code on a cluster or a
// serverless environment. A notebook task without either runs on serverless
// compute, and the rest (SQL, pipelines, run_job, conditions, ...) run
// elsewhere.
var computeTasks = []string{"spark_python_task", "python_wheel_task", "spark_jar_task", "spark_submit_task", "dbt_task"}

// check refuses a task that names compute the job lacks, or runs code on none
// (the service's message, with environment_key added since serverless jobs).
// A for_each_task's inner task is checked the same way.
func (c taskCompute) check(key string, t map[string]any) error {
	if jc := strField(t, "job_cluster_key"); jc != "" && !c.clusters[jc] {
		return invalidParam("Task %s refers to job cluster %q, which is not defined in job_clusters.", key, jc)
	}
	if env := strField(t, "environment_key"); env != "" && !c.envs[env] {
		return invalidParam("Task %s refers to environment %q, which is not defined in environments.", key, env)
	}
	if inner := asObject(asObject(t["for_each_task"])["task"]); inner != nil {
		return c.check(key, inner)
	}
	for _, field := range []string{"existing_cluster_id", "new_cluster", "job_cluster_key", "environment_key"} {
		if t[field] != nil {
			return nil
		}
	}
	for _, typ := range computeTasks {
		if t[typ] != nil {
			return invalidParam("One of job_cluster_key, new_cluster, existing_cluster_id or environment_key must be specified for task %s (%s).", key, typ)
		}
	}
	return nil
}
