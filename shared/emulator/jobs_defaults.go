package emulator

import (
	"cmp"
	"slices"
)

// How a stored job is rendered on read: read-only fields, the defaults the
// service adds (reference §2.2 "Defaults the server adds on read"), and the 2.2
// array paging. Defaults are added to a copy at read time, only where the
// caller left a field unset, so a stored value always wins and zero-valued
// defaults (timeout_seconds: 0, enable_elastic_disk: false) are on the wire.

// jobsArrayPage is how many elements of each paged array one read returns.
const jobsArrayPage = 100

// jobPagedArrays are the settings arrays read endpoints cut at jobsArrayPage.
var jobPagedArrays = []string{"tasks", "job_clusters", "parameters", "environments"}

// getBody is a jobs/get Job: read-only fields and the settings; when paged
// (2.2), one page (from offset) of the settings arrays, with next_page_token
// and has_more when they continue past it. Call with s.mu held.
func (j *job) getBody(offset int, paged bool) map[string]any {
	settings := j.settingsOnRead()
	out := map[string]any{
		"job_id":            j.id,
		"creator_user_name": j.creator,
		"run_as_user_name":  j.runAsUserName(),
		"created_time":      j.created,
		"settings":          settings,
	}
	if paged && pageArrays(settings, offset) {
		out["next_page_token"] = encodeGetToken(offset + jobsArrayPage)
		out["has_more"] = true
	}
	return out
}

// listBody is a jobs/list BaseJob. Without expand_tasks the settings carry no
// tasks or job_clusters; with it the arrays are cut at jobsArrayPage and a cut
// job says has_more, which makes the SDK call jobs/get for exactly that job.
func (j *job) listBody(expandTasks, paged bool) map[string]any {
	settings := j.settingsOnRead()
	if !expandTasks {
		delete(settings, "tasks")
		delete(settings, "job_clusters")
	}
	out := map[string]any{
		"job_id":            j.id,
		"creator_user_name": j.creator,
		"created_time":      j.created,
		"settings":          settings,
	}
	if paged && pageArrays(settings, 0) && expandTasks {
		out["has_more"] = true
	}
	return out
}

// runAsUserName is run_as.user_name or run_as.service_principal_name, else the
// creator (the identity a job without run_as runs as).
func (j *job) runAsUserName() string {
	runAs := j.settings["run_as"]
	return cmp.Or(strField(runAs, "user_name"), strField(runAs, "service_principal_name"), j.creator)
}

// settingsOnRead is a copy of the stored settings with the server defaults.
func (j *job) settingsOnRead() map[string]any {
	settings := cloneValue(j.settings).(map[string]any)
	addJobDefaults(settings, j.queued, j.zone)
	return settings
}

// pageArrays cuts each paged array to the page starting at offset; arrays with
// nothing left on this page are dropped (later pages come back empty for
// arrays complete on an earlier one, so the SDK's appending Get does not
// duplicate them). It reports whether any array continues past this page.
func pageArrays(settings map[string]any, offset int) bool {
	more := false
	for _, field := range jobPagedArrays {
		items, ok := settings[field].([]any)
		if !ok {
			continue
		}
		lo, hi := min(offset, len(items)), min(offset+jobsArrayPage, len(items))
		more = more || hi < len(items)
		if lo == hi {
			delete(settings, field)
			continue
		}
		settings[field] = items[lo:hi]
	}
	return more
}

// addJobDefaults adds the job-level defaults and those of every task and
// job cluster.
func addJobDefaults(settings map[string]any, queued bool, zone string) {
	setDefault(settings, "email_notifications", map[string]any{})
	setDefault(settings, "webhook_notifications", map[string]any{})
	setDefault(settings, "timeout_seconds", 0)
	setDefault(settings, "max_concurrent_runs", 1)
	if queued { // created through API 2.2: queueing is on unless the caller said otherwise
		setDefault(settings, "queue", map[string]any{"enabled": true})
	}
	// format is ignored on write; since 2.1 it always reads MULTI_TASK.
	settings["format"] = "MULTI_TASK"
	source := "WORKSPACE"
	if settings["git_source"] != nil {
		source = "GIT"
	}
	for _, task := range objectList(settings["tasks"]) {
		addTaskDefaults(task, source, zone)
	}
	for _, jc := range objectList(settings["job_clusters"]) {
		addClusterDefaults(jc["new_cluster"], zone)
	}
}

// addTaskDefaults adds the per-task defaults; notebookSource is where a
// notebook_task without source reads its notebook from.
func addTaskDefaults(task map[string]any, notebookSource, zone string) {
	setDefault(task, "run_if", "ALL_SUCCESS")
	setDefault(task, "email_notifications", map[string]any{})
	setDefault(task, "timeout_seconds", 0)
	if nb, ok := task["notebook_task"].(map[string]any); ok {
		setDefault(nb, "source", notebookSource)
	}
	// The service returns dependencies ordered by task_key, not as submitted.
	if deps, ok := task["depends_on"].([]any); ok {
		slices.SortStableFunc(deps, func(a, b any) int {
			return cmp.Compare(strField(a, "task_key"), strField(b, "task_key"))
		})
	}
	addClusterDefaults(task["new_cluster"], zone)
	if inner, ok := task["for_each_task"].(map[string]any); ok {
		if nc, ok := asObject(inner["task"])["new_cluster"].(map[string]any); ok {
			delete(nc, "apply_policy_default_values") // accepted, never returned
		}
	}
}

// addClusterDefaults adds the defaults of a new_cluster (a no-op when the value
// is not an object). A pool-backed cluster takes its aws_attributes from the
// pool (reference §2.3), so the service adds none there.
func addClusterDefaults(v any, zone string) {
	nc, ok := v.(map[string]any)
	if !ok {
		return
	}
	delete(nc, "apply_policy_default_values") // accepted, never returned
	setDefault(nc, "data_security_mode", "SINGLE_USER")
	setDefault(nc, "enable_elastic_disk", false)
	if nc["instance_pool_id"] != nil {
		return
	}
	setDefault(nc, "aws_attributes", map[string]any{})
	if aws, ok := nc["aws_attributes"].(map[string]any); ok {
		setDefault(aws, "availability", "SPOT_WITH_FALLBACK")
		setDefault(aws, "zone_id", zone)
	}
}

// setDefault sets obj[key] when the caller left it unset (absent or null).
func setDefault(obj map[string]any, key string, value any) {
	if obj[key] == nil {
		obj[key] = value
	}
}

// asObject returns v as a JSON object, or nil.
func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
