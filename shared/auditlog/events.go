package auditlog

import (
	"maps"

	"github.com/drsync/drsync/shared/resource/kinds"
)

// The event tables: what each audited action means for drsync, keyed by
// lower-case "service/action" (databricks-api.md §5.3; several rows there are
// recalled, not confirmed, so an action missing here is counted Unknown
// rather than guessed). Parameter names are matched without regard to case.

// copiedServices are the services whose objects drsync copies; an action
// there with no rule is Unknown, any other service's actions are Ignored.
var copiedServices = map[string]bool{
	"notebook": true, "workspace": true, "workspacefiles": true,
	"jobs": true, "clusters": true, "instancepools": true, "clusterpolicies": true,
}

// rules is every table in one map.
var rules = merge(notebookRules, workspaceRules, jobRules, clusterRules, poolRules, policyRules)

func merge(tables ...map[string]rule) map[string]rule {
	all := map[string]rule{}
	for _, t := range tables {
		maps.Copy(all, t)
	}
	return all
}

// notebookRules: objects created, edited, moved and deleted in the notebook
// UI. The service logs workspace files too (assetType "file"), see assetKind.
var notebookRules = map[string]rule{
	"notebook/createnotebook":  objectAt("path"),
	"notebook/importnotebook":  objectAt("path"),
	"notebook/modifynotebook":  objectAt("path"), // may carry only notebookId: Unresolved
	"notebook/restorenotebook": objectAt("path"),
	"notebook/deletenotebook":  objectAt("path"),
	"notebook/movenotebook":    moved("", "oldPath", "newPath"),
	"notebook/renamenotebook":  renamed,
	"notebook/createfolder":    at(kinds.Directory, "path"),
	"notebook/restorefolder":   at(kinds.Directory, "path"),
	"notebook/deletefolder":    at(kinds.Directory, "path"),
	"notebook/movefolder":      moved(kinds.Directory, "oldPath", "newPath"),
	// Git folders are not copied (kinds skips REPO objects).
	"notebook/deleterepo": ignore,
	// Sessions, runs and reads.
	"notebook/attachnotebook":         ignore,
	"notebook/detachnotebook":         ignore,
	"notebook/runcommand":             ignore,
	"notebook/downloadlargeresults":   ignore,
	"notebook/downloadpreviewresults": ignore,
	"notebook/takenotebooksnapshot":   ignore,
}

// workspaceRules: the workspace and workspaceFiles services log files and
// notebooks alike, so their keys are Path keys.
var workspaceRules = map[string]rule{
	"workspace/filecreate":          at(Path, "path"),
	"workspace/createworkspacenode": at(Path, "path"),
	"workspace/filedelete":          at(Path, "path"),
	"workspace/deleteworkspacenode": at(Path, "path"),
	// destinationPath may be the new path or the folder moved into; a Path
	// key covers both (a directory stands for its subtree).
	"workspace/moveworkspacenode": moved(Path, "path", "destinationPath"),
	// Purging the trash removes objects whose deletion was already logged.
	"workspace/purgeworkspacenodes":     ignore,
	"workspace/workspaceexport":         ignore,
	"workspace/changeworkspaceacl":      ignore,
	"workspacefiles/wsfsstreamingwrite": at(Path, "path"),
}

// jobRules: a created job's id is only in the result.
var jobRules = map[string]rule{
	"jobs/create":       byResult(kinds.Job, "job_id", "jobId"),
	"jobs/update":       byParam(kinds.Job, "job_id", "jobId"),
	"jobs/reset":        byParam(kinds.Job, "job_id", "jobId"),
	"jobs/delete":       byParam(kinds.Job, "job_id", "jobId"),
	"jobs/changejobacl": ignore,
	"jobs/resetjobacl":  ignore,
	// Runs.
	"jobs/runnow": ignore, "jobs/submitrun": ignore, "jobs/runstart": ignore,
	"jobs/runsucceeded": ignore, "jobs/runfailed": ignore, "jobs/runtriggered": ignore,
	"jobs/cancel": ignore, "jobs/cancelallruns": ignore, "jobs/repairrun": ignore,
	"jobs/deleterun": ignore,
}

// clusterRules: only the spec matters in DR (created there terminated and
// pinned), so state changes and pins are ignored; delete is terminate.
var clusterRules = map[string]rule{
	"clusters/create":           clusterCreate,
	"clusters/edit":             byParam(kinds.Cluster, "cluster_id", "clusterId"),
	"clusters/permanentdelete":  byParam(kinds.Cluster, "cluster_id", "clusterId"),
	"clusters/delete":           ignore,
	"clusters/start":            ignore,
	"clusters/restart":          ignore,
	"clusters/resize":           ignore,
	"clusters/pin":              ignore,
	"clusters/unpin":            ignore,
	"clusters/changeclusteracl": ignore,
	// Asynchronous outcomes of the calls above.
	"clusters/createresult": ignore, "clusters/startresult": ignore, "clusters/deleteresult": ignore,
	"clusters/restartresult": ignore, "clusters/resizeresult": ignore,
}

var poolRules = map[string]rule{
	"instancepools/create":                byResult(kinds.Pool, "instance_pool_id", "instancePoolId"),
	"instancepools/edit":                  byParam(kinds.Pool, "instance_pool_id", "instancePoolId"),
	"instancepools/delete":                byParam(kinds.Pool, "instance_pool_id", "instancePoolId"),
	"instancepools/changeinstancepoolacl": ignore,
}

var policyRules = map[string]rule{
	"clusterpolicies/create":                 byResult(kinds.Policy, "policy_id", "policyId"),
	"clusterpolicies/edit":                   byParam(kinds.Policy, "policy_id", "policyId"),
	"clusterpolicies/delete":                 byParam(kinds.Policy, "policy_id", "policyId"),
	"clusterpolicies/changeclusterpolicyacl": ignore,
}
