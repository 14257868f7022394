package kinds

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
)

// jobKind adapts jobs (API 2.2, reference §2.2). The document is the job's
// settings object (what jobs/create takes and jobs/reset replaces); the Job
// level's read-only fields (job_id, created_time, creator_user_name,
// run_as_user_name, trigger_state, effective_*, has_more, next_page_token)
// never enter it. Its identity in the target is the tags marker. In DR a job
// is kept paused (Warm).
type jobKind struct{}

// A DR job is paused (Warm).
var _ resource.Warmer = (*jobKind)(nil)

func newJob() resource.Kind { return &jobKind{} }

// jobTaskPrefixes are where tasks live: a job's tasks and the one task nested
// in a for_each_task.
var jobTaskPrefixes = []string{"tasks[].", "tasks[].for_each_task.task."}

// jobClusterPrefixes are where a ClusterSpec lives in a job.
var jobClusterPrefixes = []string{
	"tasks[].new_cluster.", "tasks[].for_each_task.task.new_cluster.", "job_clusters[].new_cluster.",
}

// jobDefaults are what the service adds on read at the job level (reference
// §2.2), and false flags the SDK never sends anyway. An absent pause_status
// means UNPAUSED; continuous.pause_status is not among them (see cleanJob).
var jobDefaults = map[string]any{
	"timeout_seconds":     0,
	"max_concurrent_runs": 1,
	"queue.enabled":       true, // jobs created through 2.2
	"email_notifications.no_alert_for_skipped_runs":    false,
	"notification_settings.no_alert_for_skipped_runs":  false,
	"notification_settings.no_alert_for_canceled_runs": false,
	"schedule.pause_status":                            "UNPAUSED",
	"trigger.pause_status":                             "UNPAUSED",
}

// jobTaskDefaults are the per-task defaults (relative to a task). The
// notebook_task.source default depends on git_source: cleanJob removes it.
var jobTaskDefaults = map[string]any{
	"run_if":                    "ALL_SUCCESS",
	"timeout_seconds":           0,
	"max_retries":               0,
	"min_retry_interval_millis": 0,
	"retry_on_timeout":          false,
	"disabled":                  false,
	"email_notifications.no_alert_for_skipped_runs":    false,
	"notification_settings.no_alert_for_skipped_runs":  false,
	"notification_settings.no_alert_for_canceled_runs": false,
	"notification_settings.alert_on_last_attempt":      false,
}

// jobTaskRefs are the references a task holds (relative to a task). Paths are
// references only when they are absolute workspace paths, with or without the
// /Workspace prefix: a Git source's relative paths, /Volumes/... and dbfs:/
// libraries are not. A library in the synced tree (a wheel) is a reference,
// so it is copied before the job that installs it.
var jobTaskRefs = map[string]string{
	"libraries[].whl":               resource.KindPath,
	"libraries[].jar":               resource.KindPath,
	"libraries[].requirements":      resource.KindPath,
	"existing_cluster_id":           Cluster,
	"run_job_task.job_id":           Job,
	"notebook_task.notebook_path":   resource.KindPath,
	"spark_python_task.python_file": resource.KindPath,
	"sql_task.file.path":            resource.KindPath,
	"dbt_task.project_directory":    resource.KindPath,
	"dbt_task.profiles_directory":   resource.KindPath,
}

// jobsListPage is the largest jobs/list page (the default is 20).
const jobsListPage = 100

var jobSchema = newJobSchema()

// newJobSchema builds the job Schema from the job, task and ClusterSpec lists.
func newJobSchema() *resource.Schema {
	s := &resource.Schema{
		Drop:     []string{"format"}, // always MULTI_TASK on read, ignored on write
		Defaults: maps.Clone(jobDefaults),
		Refs:     map[string]string{},
		Unordered: map[string]string{
			"tasks":                                "task_key",
			"job_clusters":                         "job_cluster_key",
			"tasks[].depends_on":                   "task_key", // the service re-orders them
			"tasks[].libraries":                    "",
			"tasks[].for_each_task.task.libraries": "",
			"parameters":                           "name",
			"environments":                         "environment_key",
		},
		Marker: "tags." + resource.MarkerTag,
		// A job holds at most 25 tags (reference §3.4).
		MarkerLimit: 25,
	}
	// A serverless environment's dependencies are pip specs or paths to
	// wheels and requirement files; the paths are references.
	s.Refs["environments[].spec.dependencies"] = resource.KindPath
	for _, p := range jobTaskPrefixes {
		prefixMap(s.Defaults, p, jobTaskDefaults)
		prefixMap(s.Refs, p, jobTaskRefs)
		s.NumericRefs = append(s.NumericRefs, p+"run_job_task.job_id")
	}
	for _, p := range jobClusterPrefixes {
		s.Drop = append(s.Drop, prefixList(p, jobClusterSpecDrop)...)
		prefixMap(s.Defaults, p, jobClusterFieldDefaults())
		prefixMap(s.Refs, p, clusterSpecRefs)
	}
	return s
}

// Name implements resource.Kind.
func (*jobKind) Name() string { return Job }

// Info implements resource.Kind: a job names policies, pools, clusters,
// notebooks, files and other jobs; job creates have their own published limit.
func (*jobKind) Info() resource.Info {
	return resource.Info{Resource: "jobs", DependsOn: []string{Policy, Pool, Cluster, Notebook, File, Job},
		Rates: map[string]string{"create": resource.RateJobsCreate}}
}

// auditEvents: a created job's id is only in the result; runs are ignored.
func (*jobKind) auditEvents() auditlog.Events {
	return auditlog.Events{
		"jobs/create":       auditlog.ByResult(Job, "job_id", "jobId"),
		"jobs/update":       auditlog.ByParam(Job, "job_id", "jobId"),
		"jobs/reset":        auditlog.ByParam(Job, "job_id", "jobId"),
		"jobs/delete":       auditlog.ByParam(Job, "job_id", "jobId"),
		"jobs/changejobacl": auditlog.Ignore,
		"jobs/resetjobacl":  auditlog.Ignore,
		// Runs.
		"jobs/runnow": auditlog.Ignore, "jobs/submitrun": auditlog.Ignore, "jobs/runstart": auditlog.Ignore,
		"jobs/runsucceeded": auditlog.Ignore, "jobs/runfailed": auditlog.Ignore, "jobs/runtriggered": auditlog.Ignore,
		"jobs/cancel": auditlog.Ignore, "jobs/cancelallruns": auditlog.Ignore, "jobs/repairrun": auditlog.Ignore,
		"jobs/deleterun": auditlog.Ignore,
	}
}

// Schema implements resource.Kind.
func (*jobKind) Schema() *resource.Schema { return jobSchema }

// List implements resource.Kind with jobs/list (expand_tasks, paginated by the
// SDK, at the largest page the API allows). It goes through JobsAPI.List rather than ListAll: only List's iterator
// completes a job whose arrays were cut at 100 (has_more) with jobs/get; ListAll
// is the generated one and would silently return the first 100 tasks.
func (*jobKind) List(ctx context.Context, ws resource.Workspace) ([]resource.Object, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	all, err := listing.ToSlice(ctx, w.Jobs.List(ctx, jobs.ListJobsRequest{ExpandTasks: true, Limit: jobsListPage}))
	if err != nil {
		return nil, err
	}
	out := make([]resource.Object, 0, len(all))
	for _, j := range all {
		id := strconv.FormatInt(j.JobId, 10)
		doc, err := jobDoc(j.Settings)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		jobSetRunAs(doc, j.CreatorUserName)
		out = append(out, resource.Object{Kind: Job, Key: id, ID: id, Name: docStr(doc, "name"), Doc: doc})
	}
	if err := jobFillRunAs(ctx, w, out); err != nil {
		return nil, err
	}
	return out, nil
}

// jobDoc is the raw document of a job's settings, with the defaults that
// depend on another field removed (see cleanJob).
func jobDoc(settings *jobs.JobSettings) (resource.Doc, error) {
	if settings == nil {
		return resource.Doc{}, nil
	}
	doc, err := resource.ToDoc(settings)
	if err != nil {
		return nil, err
	}
	cleanJob(doc)
	return doc, nil
}

// cleanJob removes the defaults a plain Schema default cannot express: a
// notebook task's source defaults to GIT when the job has a git_source and to
// WORKSPACE otherwise, and every new_cluster's derived fields (cleanClusterSpec).
//
// It also spells out an absent continuous.pause_status as UNPAUSED, the
// opposite of stripping a default: continuous is the one settings block whose
// mere presence is a setting (run continuously), and normalisation prunes an
// empty object, so "continuous: {}" would otherwise normalise to a job with no
// continuous run at all.
func cleanJob(doc resource.Doc) {
	if cont := docObj(doc, "continuous"); cont != nil && cont["pause_status"] == nil {
		cont["pause_status"] = "UNPAUSED"
	}
	source := "WORKSPACE"
	if doc["git_source"] != nil {
		source = "GIT"
	}
	for _, task := range jobTasks(doc) {
		if nb := docObj(task, "notebook_task"); nb != nil && nb["source"] == source {
			delete(nb, "source")
		}
		cleanClusterSpec(docObj(task, "new_cluster"))
	}
	for _, jc := range docObjs(doc, "job_clusters") {
		cleanClusterSpec(docObj(jc, "new_cluster"))
	}
}

// jobTasks returns the tasks of doc and the tasks nested in for_each tasks.
func jobTasks(doc resource.Doc) []map[string]any {
	tasks := docObjs(doc, "tasks")
	for _, t := range tasks {
		if inner := docObj(docObj(t, "for_each_task"), "task"); inner != nil {
			tasks = append(tasks, inner)
		}
	}
	return tasks
}

// jobPauseFields are the settings blocks that carry a pause_status.
var jobPauseFields = []string{"schedule", "trigger", "continuous"}

// Warm implements resource.Warmer: with p.PauseJobs every schedule, trigger and
// continuous block present is set PAUSED, and the source's own status is
// recorded in attrs["pause_status"] as "schedule=UNPAUSED" (blocks joined by
// ",", in the order schedule, trigger, continuous), so failover can restore it
// exactly. An absent pause_status means UNPAUSED. A job with none of the
// blocks records nothing.
func (*jobKind) Warm(doc resource.Doc, p resource.WarmPolicy) (resource.Doc, map[string]string) {
	if !p.PauseJobs {
		return doc, nil
	}
	out := resource.Clone(doc)
	var was []string
	for _, f := range jobPauseFields {
		block := docObj(out, f)
		if block == nil {
			continue
		}
		status := docStr(block, "pause_status")
		if status == "" {
			status = "UNPAUSED"
		}
		was = append(was, f+"="+status)
		block["pause_status"] = "PAUSED"
	}
	if len(was) == 0 {
		return out, nil
	}
	return out, map[string]string{"pause_status": strings.Join(was, ",")}
}

// Get implements resource.Getter with jobs/get (the SDK follows its task paging).
func (*jobKind) Get(ctx context.Context, ws resource.Workspace, id string) (resource.Object, bool, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Object{}, false, err
	}
	jobID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return resource.Object{}, false, err
	}
	j, err := w.Jobs.Get(ctx, jobs.GetJobRequest{JobId: jobID})
	if ok, err := found(err); !ok {
		return resource.Object{}, false, err
	}
	doc, err := jobDoc(j.Settings)
	if err != nil {
		return resource.Object{}, false, err
	}
	jobSetRunAs(doc, j.RunAsUserName)
	return resource.Object{Kind: Job, Key: id, ID: id, Name: docStr(doc, "name"), Doc: doc}, true, nil
}

// Create implements resource.Kind with jobs/create (the settings document).
func (*jobKind) Create(ctx context.Context, ws resource.Workspace, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	var req jobs.CreateJob
	if err := resource.FromDoc(want.Doc, &req); err != nil {
		return resource.Applied{}, err
	}
	resp, err := w.Jobs.Create(ctx, req)
	if err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: strconv.FormatInt(resp.JobId, 10)}, nil
}

// Update implements resource.Kind with jobs/reset: the full settings replace
// the job's. (The service keeps the previous run_as when none is sent.)
func (*jobKind) Update(ctx context.Context, ws resource.Workspace, id string, want resource.Object) (resource.Applied, error) {
	w, err := apiClient(ws)
	if err != nil {
		return resource.Applied{}, err
	}
	jobID, err := parseJobID(id)
	if err != nil {
		return resource.Applied{}, err
	}
	var settings jobs.JobSettings
	if err := resource.FromDoc(want.Doc, &settings); err != nil {
		return resource.Applied{}, err
	}
	if err := w.Jobs.Reset(ctx, jobs.ResetJob{JobId: jobID, NewSettings: settings}); err != nil {
		return resource.Applied{}, err
	}
	return resource.Applied{ID: id}, nil
}

// Delete implements resource.Kind with jobs/delete. A missing job is not an
// error (the service answers it with 400 INVALID_PARAMETER_VALUE; a jobs/get
// confirms it is gone).
func (*jobKind) Delete(ctx context.Context, ws resource.Workspace, id string) error {
	w, err := apiClient(ws)
	if err != nil {
		return err
	}
	jobID, err := parseJobID(id)
	if err != nil {
		return err
	}
	err = apiDeleteGone(
		func() error { return w.Jobs.DeleteByJobId(ctx, jobID) },
		func() error { _, err := w.Jobs.GetByJobId(ctx, jobID); return err })
	if err != nil {
		return err
	}
	return nil
}

// parseJobID reads a decimal job id.
func parseJobID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("job id %q is not a decimal int64: %w", id, err)
	}
	return n, nil
}

// A job's schedule runs it on its own: it is frozen on the side being left
// at failover and activated on the side taking over.
var (
	_ resource.Freezer   = (*jobKind)(nil)
	_ resource.Activator = (*jobKind)(nil)
)

// Freeze implements resource.Freezer: every schedule, trigger and continuous
// block of the job that is not paused is paused (one jobs/update of just
// those blocks); was["pause_status"] lists what it paused, in Warm's form.
func (*jobKind) Freeze(ctx context.Context, ws resource.Workspace, id string) (map[string]string, error) {
	return jobSetPause(ctx, ws, id, func(block, status string) (string, bool) {
		return "PAUSED", status != "PAUSED"
	})
}

// Activate implements resource.Activator: each block gets the pause status
// the other side had (facts["pause_status"], recorded by Warm or Freeze);
// blocks the facts do not name are left as they are.
func (*jobKind) Activate(ctx context.Context, ws resource.Workspace, id string, facts map[string]string, _ resource.ActivatePolicy) (string, error) {
	want := jobPauseFacts(facts)
	changed, err := jobSetPause(ctx, ws, id, func(block, status string) (string, bool) {
		w, ok := want[block]
		return w, ok && w != status
	})
	if err != nil || len(changed) == 0 {
		return "", err
	}
	return "pause status restored: " + facts["pause_status"], nil
}

// Check implements resource.Activator: the blocks whose pause status
// differs from the facts.
func (*jobKind) Check(ctx context.Context, ws resource.Workspace, id string, facts map[string]string, _ resource.ActivatePolicy) ([]string, error) {
	j, err := jobGet(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for block, want := range jobPauseFacts(facts) {
		if got, ok := jobPauseOf(j.Settings, block); ok && got != want {
			diffs = append(diffs, fmt.Sprintf("%s.pause_status is %s, want %s", block, got, want))
		}
	}
	slices.Sort(diffs)
	return diffs, nil
}

// jobPauseFacts reads "schedule=UNPAUSED,trigger=PAUSED" into block → status.
func jobPauseFacts(facts map[string]string) map[string]string {
	out := map[string]string{}
	for part := range strings.SplitSeq(facts["pause_status"], ",") {
		if block, status, ok := strings.Cut(part, "="); ok {
			out[block] = status
		}
	}
	return out
}

func jobGet(ctx context.Context, ws resource.Workspace, id string) (*jobs.Job, error) {
	w, err := apiClient(ws)
	if err != nil {
		return nil, err
	}
	jobID, err := parseJobID(id)
	if err != nil {
		return nil, err
	}
	return w.Jobs.Get(ctx, jobs.GetJobRequest{JobId: jobID})
}

// jobSetPause sets, in one jobs/update of just the changed blocks, the pause
// status next returns for each block the job has (an absent status is
// UNPAUSED); it returns what it changed, as {"pause_status": "block=old,…"}.
func jobSetPause(ctx context.Context, ws resource.Workspace, id string, next func(block, status string) (string, bool)) (map[string]string, error) {
	j, err := jobGet(ctx, ws, id)
	if err != nil || j.Settings == nil {
		return nil, err
	}
	var was []string
	update := jobs.JobSettings{}
	for _, block := range jobPauseFields {
		status, ok := jobPauseOf(j.Settings, block)
		if !ok {
			continue
		}
		if to, change := next(block, status); change {
			was = append(was, block+"="+status)
			jobPauseSet(j.Settings, &update, block, jobs.PauseStatus(to))
		}
	}
	if len(was) == 0 {
		return nil, nil
	}
	w, _ := apiClient(ws)
	if err := w.Jobs.Update(ctx, jobs.UpdateJob{JobId: j.JobId, NewSettings: &update}); err != nil {
		return nil, err
	}
	return map[string]string{"pause_status": strings.Join(was, ",")}, nil
}

// jobPauseOf is the pause status of one block, ok false when the job has none.
func jobPauseOf(s *jobs.JobSettings, block string) (string, bool) {
	var st jobs.PauseStatus
	switch {
	case s == nil:
		return "", false
	case block == "schedule" && s.Schedule != nil:
		st = s.Schedule.PauseStatus
	case block == "trigger" && s.Trigger != nil:
		st = s.Trigger.PauseStatus
	case block == "continuous" && s.Continuous != nil:
		st = s.Continuous.PauseStatus
	default:
		return "", false
	}
	if st == "" {
		st = jobs.PauseStatusUnpaused
	}
	return string(st), true
}

// jobPauseSet copies block from s into update with its pause status set.
func jobPauseSet(s, update *jobs.JobSettings, block string, to jobs.PauseStatus) {
	switch block {
	case "schedule":
		b := *s.Schedule
		b.PauseStatus, update.Schedule = to, &b
	case "trigger":
		b := *s.Trigger
		b.PauseStatus, update.Trigger = to, &b
	case "continuous":
		b := *s.Continuous
		b.PauseStatus, update.Continuous = to, &b
	}
}
