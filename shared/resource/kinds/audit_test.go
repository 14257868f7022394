package kinds_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// p builds requestParams from key, value pairs.
func p(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func k(kind, key string) auditlog.Key { return auditlog.Key{Kind: kind, Key: key} }

type mapCase struct {
	name            string
	service, action string
	params          map[string]string
	result          string
	email           string
	want            []auditlog.Key
	class           auditlog.Class
}

// mapCases cover every row of the reference's event tables (databricks-api.md
// §5.3), relevant and ignored, plus the quirks the parser rules name.
var mapCases = []mapCase{
	// notebook service.
	{name: "createNotebook", service: "notebook", action: "createNotebook",
		params: p("notebookId", "1", "path", "/Users/a@x.com/nb"), want: []auditlog.Key{k("notebook", "/Users/a@x.com/nb")}},
	{name: "createNotebook /Workspace prefix", service: "notebook", action: "createNotebook",
		params: p("path", "/Workspace/Users/a@x.com/nb"), want: []auditlog.Key{k("notebook", "/Users/a@x.com/nb")}},
	{name: "importNotebook", service: "notebook", action: "importNotebook",
		params: p("path", "/Shared/imported", "format", "SOURCE"), want: []auditlog.Key{k("notebook", "/Shared/imported")}},
	{name: "modifyNotebook", service: "notebook", action: "modifyNotebook",
		params: p("notebookId", "1", "path", "/Shared/nb"), want: []auditlog.Key{k("notebook", "/Shared/nb")}},
	{name: "modifyNotebook of a file", service: "notebook", action: "modifyNotebook",
		params: p("notebookId", "1", "path", "/Shared/a.py", "assetType", "file"), want: []auditlog.Key{k("file", "/Shared/a.py")}},
	{name: "modifyNotebook assetType notebook", service: "notebook", action: "modifyNotebook",
		params: p("path", "/Shared/nb", "assetType", "NOTEBOOK"), want: []auditlog.Key{k("notebook", "/Shared/nb")}},
	{name: "modifyNotebook unknown assetType", service: "notebook", action: "modifyNotebook",
		params: p("path", "/Shared/q", "assetType", "query"), want: []auditlog.Key{k("path", "/Shared/q")}},
	{name: "modifyNotebook id only", service: "notebook", action: "modifyNotebook",
		params: p("notebookId", "1"), class: auditlog.Unresolved},
	{name: "renameNotebook", service: "notebook", action: "renameNotebook",
		params: p("notebookId", "1", "newName", "new", "oldName", "old", "parentPath", "/Shared/etl"),
		want:   []auditlog.Key{k("notebook", "/Shared/etl/old"), k("notebook", "/Shared/etl/new")}},
	{name: "renameNotebook at root", service: "notebook", action: "renameNotebook",
		params: p("newName", "new", "oldName", "old", "parentPath", "/Workspace"),
		want:   []auditlog.Key{k("notebook", "/old"), k("notebook", "/new")}},
	{name: "renameNotebook without parent", service: "notebook", action: "renameNotebook",
		params: p("newName", "new", "oldName", "old"), class: auditlog.Unresolved},
	{name: "moveNotebook", service: "notebook", action: "moveNotebook",
		params: p("notebookId", "1", "oldPath", "/Users/a@x.com/nb", "newPath", "/Workspace/Shared/nb"),
		want:   []auditlog.Key{k("notebook", "/Users/a@x.com/nb"), k("notebook", "/Shared/nb")}},
	{name: "deleteNotebook", service: "notebook", action: "deleteNotebook",
		params: p("notebookId", "1", "notebookName", "nb", "path", "/Shared/nb"), want: []auditlog.Key{k("notebook", "/Shared/nb")}},
	{name: "restoreNotebook", service: "notebook", action: "restoreNotebook",
		params: p("notebookId", "1", "path", "/Shared/nb"), want: []auditlog.Key{k("notebook", "/Shared/nb")}},
	{name: "createFolder", service: "notebook", action: "createFolder",
		params: p("path", "/Shared/etl/"), want: []auditlog.Key{k("directory", "/Shared/etl")}},
	{name: "moveFolder", service: "notebook", action: "moveFolder",
		params: p("folderId", "9", "oldPath", "/Shared/a", "newPath", "/Shared/b"),
		want:   []auditlog.Key{k("directory", "/Shared/a"), k("directory", "/Shared/b")}},
	{name: "deleteFolder", service: "notebook", action: "deleteFolder",
		params: p("path", "/Shared/old"), want: []auditlog.Key{k("directory", "/Shared/old")}},
	{name: "restoreFolder", service: "notebook", action: "restoreFolder",
		params: p("path", "/Shared/old"), want: []auditlog.Key{k("directory", "/Shared/old")}},
	{name: "deleteRepo (not copied)", service: "notebook", action: "deleteRepo",
		params: p("path", "/Repos/a/r"), class: auditlog.Ignored},
	{name: "attachNotebook", service: "notebook", action: "attachNotebook", params: p("path", "/Shared/nb"), class: auditlog.Ignored},
	{name: "detachNotebook", service: "notebook", action: "detachNotebook", params: p("path", "/Shared/nb"), class: auditlog.Ignored},
	{name: "runCommand", service: "notebook", action: "runCommand",
		params: p("notebookId", "1", "commandText", "print(1)"), class: auditlog.Ignored},
	{name: "downloadLargeResults", service: "notebook", action: "downloadLargeResults",
		params: p("notebookFullPath", "/Shared/nb"), class: auditlog.Ignored},
	{name: "downloadPreviewResults", service: "notebook", action: "downloadPreviewResults",
		params: p("notebookFullPath", "/Shared/nb"), class: auditlog.Ignored},
	{name: "takeNotebookSnapshot", service: "notebook", action: "takeNotebookSnapshot", class: auditlog.Ignored},
	{name: "notebook unknown action", service: "notebook", action: "cloneNotebook",
		params: p("path", "/Shared/nb"), class: auditlog.Unknown},

	// workspace and workspaceFiles services: files by name, nodes of unknown
	// kind as path keys.
	{name: "fileCreate", service: "workspace", action: "fileCreate",
		params: p("path", "/Workspace/Shared/a.py"), want: []auditlog.Key{k("file", "/Shared/a.py")}},
	{name: "createWorkspaceNode", service: "workspace", action: "createWorkspaceNode",
		params: p("path", "/Shared/x"), want: []auditlog.Key{k("path", "/Shared/x")}},
	{name: "fileDelete", service: "workspace", action: "fileDelete",
		params: p("path", "/Shared/a.py"), want: []auditlog.Key{k("file", "/Shared/a.py")}},
	{name: "deleteWorkspaceNode", service: "workspace", action: "deleteWorkspaceNode",
		params: p("path", "/Shared/x"), want: []auditlog.Key{k("path", "/Shared/x")}},
	{name: "moveWorkspaceNode", service: "workspace", action: "moveWorkspaceNode",
		params: p("path", "/Shared/x", "destinationPath", "/Shared/dir"),
		want:   []auditlog.Key{k("path", "/Shared/x"), k("path", "/Shared/dir")}},
	{name: "purgeWorkspaceNodes", service: "workspace", action: "purgeWorkspaceNodes",
		params: p("treestoreId", "123"), class: auditlog.Ignored},
	{name: "workspaceExport", service: "workspace", action: "workspaceExport",
		params: p("notebookFullPath", "/Shared/nb", "workspaceExportFormat", "SOURCE"), class: auditlog.Ignored},
	{name: "changeWorkspaceAcl", service: "workspace", action: "changeWorkspaceAcl",
		params: p("shardName", "s", "targetUserId", "1", "aclPermissionSet", "CAN_EDIT", "resourceId", "2"), class: auditlog.Ignored},
	{name: "wsfsStreamingWrite", service: "workspaceFiles", action: "wsfsStreamingWrite",
		params: p("path", "/Workspace/Users/a@x.com/data.csv"), want: []auditlog.Key{k("file", "/Users/a@x.com/data.csv")}},
	{name: "relative path", service: "workspace", action: "fileCreate", params: p("path", "Shared/x"), class: auditlog.Unresolved},

	// jobs.
	{name: "jobs create", service: "jobs", action: "create", params: p("name", "nightly"),
		result: `{"job_id":824367162954021}`, want: []auditlog.Key{k("job", "824367162954021")}},
	{name: "jobs create id beyond float64", service: "jobs", action: "create",
		result: `{"job_id":9007199254740993}`, want: []auditlog.Key{k("job", "9007199254740993")}},
	{name: "jobs create without result", service: "jobs", action: "create", params: p("name", "x"), class: auditlog.Unresolved},
	{name: "jobs update", service: "jobs", action: "update",
		params: p("job_id", "7", "new_settings", `{"name":"y"}`, "fields_to_remove", "[]"), want: []auditlog.Key{k("job", "7")}},
	{name: "jobs reset", service: "jobs", action: "reset",
		params: p("job_id", "7", "new_settings", `{"name":"y"}`), want: []auditlog.Key{k("job", "7")}},
	{name: "jobs delete", service: "jobs", action: "delete", params: p("job_id", "7"), want: []auditlog.Key{k("job", "7")}},
	{name: "jobs delete camelCase id", service: "jobs", action: "delete", params: p("jobId", "7"), want: []auditlog.Key{k("job", "7")}},
	{name: "changeJobAcl", service: "jobs", action: "changeJobAcl",
		params: p("resourceId", "7", "aclPermissionSet", "CAN_VIEW", "targetUserId", "1", "shardName", "s"), class: auditlog.Ignored},
	{name: "resetJobAcl", service: "jobs", action: "resetJobAcl", params: p("job_id", "7", "grants", "[]"), class: auditlog.Ignored},
	{name: "runNow", service: "jobs", action: "runNow", params: p("job_id", "7"), class: auditlog.Ignored},
	{name: "submitRun", service: "jobs", action: "submitRun", class: auditlog.Ignored},
	{name: "runStart", service: "jobs", action: "runStart", params: p("runId", "1"), class: auditlog.Ignored},
	{name: "runSucceeded", service: "jobs", action: "runSucceeded", params: p("runId", "1"), class: auditlog.Ignored},
	{name: "runFailed", service: "jobs", action: "runFailed", params: p("runId", "1"), class: auditlog.Ignored},
	{name: "runTriggered", service: "jobs", action: "runTriggered", params: p("runId", "1"), class: auditlog.Ignored},
	{name: "cancel", service: "jobs", action: "cancel", params: p("run_id", "1"), class: auditlog.Ignored},
	{name: "cancelAllRuns", service: "jobs", action: "cancelAllRuns", params: p("job_id", "7"), class: auditlog.Ignored},
	{name: "repairRun", service: "jobs", action: "repairRun", params: p("run_id", "1"), class: auditlog.Ignored},
	{name: "deleteRun", service: "jobs", action: "deleteRun", params: p("run_id", "1"), class: auditlog.Ignored},

	// clusters.
	{name: "clusters create", service: "clusters", action: "create", params: p("cluster_name", "shared"),
		result: `{"cluster_id":"0926-131212-k8f3x2qa"}`, want: []auditlog.Key{k("cluster", "0926-131212-k8f3x2qa")}},
	{name: "clusters create for a job run", service: "clusters", action: "create",
		params: p("cluster_source", "JOB"), result: `{"cluster_id":"c1"}`, class: auditlog.Ignored},
	{name: "clusters create by the job launcher", service: "clusters", action: "create",
		params: p("cluster_creator", "JOB_LAUNCHER"), result: `{"cluster_id":"c1"}`, class: auditlog.Ignored},
	{name: "clusters create by System-User", service: "clusters", action: "create", email: "System-User",
		result: `{"cluster_id":"c1"}`, class: auditlog.Ignored},
	{name: "clusters edit", service: "clusters", action: "edit",
		params: p("cluster_id", "c1", "num_workers", "2"), want: []auditlog.Key{k("cluster", "c1")}},
	{name: "clusters permanentDelete", service: "clusters", action: "permanentDelete",
		params: p("cluster_id", "c1"), want: []auditlog.Key{k("cluster", "c1")}},
	{name: "clusters delete (terminate)", service: "clusters", action: "delete", params: p("cluster_id", "c1"), class: auditlog.Ignored},
	{name: "clusters start", service: "clusters", action: "start", params: p("cluster_id", "c1"), class: auditlog.Ignored},
	{name: "clusters restart", service: "clusters", action: "restart", params: p("cluster_id", "c1"), class: auditlog.Ignored},
	{name: "clusters resize", service: "clusters", action: "resize", params: p("cluster_id", "c1", "num_workers", "4"), class: auditlog.Ignored},
	{name: "clusters pin", service: "clusters", action: "pin", params: p("cluster_id", "c1"), class: auditlog.Ignored},
	{name: "clusters unpin", service: "clusters", action: "unpin", params: p("cluster_id", "c1"), class: auditlog.Ignored},
	{name: "changeClusterAcl", service: "clusters", action: "changeClusterAcl", params: p("resourceId", "c1"), class: auditlog.Ignored},
	{name: "createResult", service: "clusters", action: "createResult", params: p("clusterId", "c1"), class: auditlog.Ignored},
	{name: "startResult", service: "clusters", action: "startResult", params: p("clusterId", "c1"), class: auditlog.Ignored},
	{name: "deleteResult", service: "clusters", action: "deleteResult", params: p("clusterId", "c1"), class: auditlog.Ignored},
	{name: "restartResult", service: "clusters", action: "restartResult", params: p("clusterId", "c1"), class: auditlog.Ignored},
	{name: "resizeResult", service: "clusters", action: "resizeResult", params: p("clusterId", "c1"), class: auditlog.Ignored},

	// instancePools.
	{name: "pools create", service: "instancePools", action: "create", params: p("instance_pool_name", "small"),
		result: `{"instance_pool_id":"0926-pool-a"}`, want: []auditlog.Key{k("pool", "0926-pool-a")}},
	{name: "pools edit", service: "instancePools", action: "edit",
		params: p("instance_pool_id", "0926-pool-a"), want: []auditlog.Key{k("pool", "0926-pool-a")}},
	{name: "pools delete", service: "instancePools", action: "delete",
		params: p("instance_pool_id", "0926-pool-a"), want: []auditlog.Key{k("pool", "0926-pool-a")}},
	{name: "changeInstancePoolAcl", service: "instancePools", action: "changeInstancePoolAcl",
		params: p("resourceId", "0926-pool-a"), class: auditlog.Ignored},

	// clusterPolicies.
	{name: "policies create", service: "clusterPolicies", action: "create", params: p("name", "team"),
		result: `{"policy_id":"E06216CAA0000360"}`, want: []auditlog.Key{k("policy", "E06216CAA0000360")}},
	{name: "policies edit", service: "clusterPolicies", action: "edit",
		params: p("policy_id", "E06216CAA0000360", "name", "team"), want: []auditlog.Key{k("policy", "E06216CAA0000360")}},
	{name: "policies delete", service: "clusterPolicies", action: "delete",
		params: p("policy_id", "E06216CAA0000360"), want: []auditlog.Key{k("policy", "E06216CAA0000360")}},
	{name: "changeClusterPolicyAcl", service: "clusterPolicies", action: "changeClusterPolicyAcl",
		params: p("resourceId", "E06216CAA0000360"), class: auditlog.Ignored},

	// Services drsync does not copy.
	{name: "repos createRepo", service: "repos", action: "createRepo", params: p("url", "u", "provider", "gitHub", "path", "/Repos/a/r"), class: auditlog.Ignored},
	{name: "repos updateRepo", service: "repos", action: "updateRepo", params: p("id", "1", "branch", "main"), class: auditlog.Ignored},
	{name: "repos deleteRepo", service: "repos", action: "deleteRepo", params: p("id", "1"), class: auditlog.Ignored},
	{name: "repos checkoutBranch", service: "repos", action: "checkoutBranch", class: auditlog.Ignored},
	{name: "repos pull", service: "repos", action: "pull", class: auditlog.Ignored},
	{name: "repos commitAndPush", service: "repos", action: "commitAndPush", class: auditlog.Ignored},
	{name: "repos discard", service: "repos", action: "discard", class: auditlog.Ignored},
	{name: "repos getRepo", service: "repos", action: "getRepo", class: auditlog.Ignored},
	{name: "repos listRepos", service: "repos", action: "listRepos", class: auditlog.Ignored},
	{name: "secrets createScope", service: "secrets", action: "createScope", params: p("scope", "s"), class: auditlog.Ignored},
	{name: "secrets deleteScope", service: "secrets", action: "deleteScope", params: p("scope", "s"), class: auditlog.Ignored},
	{name: "secrets putSecret", service: "secrets", action: "putSecret", params: p("scope", "s", "key", "k"), class: auditlog.Ignored},
	{name: "secrets deleteSecret", service: "secrets", action: "deleteSecret", params: p("scope", "s", "key", "k"), class: auditlog.Ignored},
	{name: "secrets putAcl", service: "secrets", action: "putAcl", params: p("scope", "s", "principal", "p"), class: auditlog.Ignored},
	{name: "secrets deleteAcl", service: "secrets", action: "deleteAcl", params: p("scope", "s", "principal", "p"), class: auditlog.Ignored},
	{name: "secrets getSecret", service: "secrets", action: "getSecret", class: auditlog.Ignored},
	{name: "secrets listSecrets", service: "secrets", action: "listSecrets", class: auditlog.Ignored},
	{name: "secrets listScopes", service: "secrets", action: "listScopes", class: auditlog.Ignored},
	{name: "secrets listAcls", service: "secrets", action: "listAcls", class: auditlog.Ignored},
	{name: "accounts login", service: "accounts", action: "tokenLogin", class: auditlog.Ignored},

	// Generic permission changes, in any service.
	{name: "changeDatabricksWorkspaceAcl", service: "accounts", action: "changeDatabricksWorkspaceAcl", class: auditlog.Ignored},
	{name: "changePermissions", service: "jobs", action: "changePermissions", params: p("resourceId", "7"), class: auditlog.Ignored},
	{name: "transferObjectOwnership", service: "clusters", action: "transferObjectOwnership", class: auditlog.Ignored},
	{name: "unknown ACL-like action", service: "notebook", action: "changeNotebookAcl", class: auditlog.Ignored},

	// Quirks: casing of services, actions, parameter and result keys.
	{name: "case-insensitive names", service: "Notebook", action: "CREATENOTEBOOK",
		params: p("PATH", "/Shared/nb"), want: []auditlog.Key{k("notebook", "/Shared/nb")}},
	{name: "result key casing", service: "jobs", action: "create", result: `{"Job_Id":"33"}`,
		want: []auditlog.Key{k("job", "33")}},
	{name: "result not JSON", service: "jobs", action: "create", result: `job 33`, class: auditlog.Unresolved},
}

// TestMap protects the event tables: every audited action maps to the keys
// (and class) the engine must act on, and only 200 records count.
func TestMap(t *testing.T) {
	events := kinds.AuditEvents()
	for _, c := range mapCases {
		t.Run(c.name, func(t *testing.T) {
			rec := &auditlog.Record{ServiceName: c.service, ActionName: c.action, Params: c.params,
				Result: c.result, UserEmail: c.email, StatusCode: 200}
			got, class := events.Map(rec)
			if class != c.class || !slices.Equal(got, c.want) {
				t.Errorf("Map = %v, %v; want %v, %v", got, class, c.want, c.class)
			}
			if c.class == auditlog.Relevant || c.class == auditlog.Unresolved {
				rec.StatusCode = 400
				if got, class := events.Map(rec); class != auditlog.Failed || got != nil {
					t.Errorf("with statusCode 400: Map = %v, %v; want nil, failed", got, class)
				}
			}
		})
	}
}

// TestMapCoversEveryRule protects the table test itself: a rule added to the
// event tables without a case here fails.
func TestMapCoversEveryRule(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range mapCases {
		covered[strings.ToLower(c.service+"/"+c.action)] = true
	}
	for _, key := range kinds.AuditEvents().Names() {
		if !covered[key] {
			t.Errorf("rule %q has no case in mapCases", key)
		}
	}
}
