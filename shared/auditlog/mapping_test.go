package auditlog

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// p builds requestParams from key, value pairs.
func p(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func k(kind, key string) Key { return Key{Kind: kind, Key: key} }

type mapCase struct {
	name            string
	service, action string
	params          map[string]string
	result          string
	email           string
	want            []Key
	class           Class
}

// mapCases cover every row of the reference's event tables (databricks-api.md
// §5.3), relevant and ignored, plus the quirks the parser rules name.
var mapCases = []mapCase{
	// notebook service.
	{name: "createNotebook", service: "notebook", action: "createNotebook",
		params: p("notebookId", "1", "path", "/Users/a@x.com/nb"), want: []Key{k("notebook", "/Users/a@x.com/nb")}},
	{name: "createNotebook /Workspace prefix", service: "notebook", action: "createNotebook",
		params: p("path", "/Workspace/Users/a@x.com/nb"), want: []Key{k("notebook", "/Users/a@x.com/nb")}},
	{name: "importNotebook", service: "notebook", action: "importNotebook",
		params: p("path", "/Shared/imported", "format", "SOURCE"), want: []Key{k("notebook", "/Shared/imported")}},
	{name: "modifyNotebook", service: "notebook", action: "modifyNotebook",
		params: p("notebookId", "1", "path", "/Shared/nb"), want: []Key{k("notebook", "/Shared/nb")}},
	{name: "modifyNotebook of a file", service: "notebook", action: "modifyNotebook",
		params: p("notebookId", "1", "path", "/Shared/a.py", "assetType", "file"), want: []Key{k("file", "/Shared/a.py")}},
	{name: "modifyNotebook assetType notebook", service: "notebook", action: "modifyNotebook",
		params: p("path", "/Shared/nb", "assetType", "NOTEBOOK"), want: []Key{k("notebook", "/Shared/nb")}},
	{name: "modifyNotebook unknown assetType", service: "notebook", action: "modifyNotebook",
		params: p("path", "/Shared/q", "assetType", "query"), want: []Key{k("path", "/Shared/q")}},
	{name: "modifyNotebook id only", service: "notebook", action: "modifyNotebook",
		params: p("notebookId", "1"), class: Unresolved},
	{name: "renameNotebook", service: "notebook", action: "renameNotebook",
		params: p("notebookId", "1", "newName", "new", "oldName", "old", "parentPath", "/Shared/etl"),
		want:   []Key{k("notebook", "/Shared/etl/old"), k("notebook", "/Shared/etl/new")}},
	{name: "renameNotebook at root", service: "notebook", action: "renameNotebook",
		params: p("newName", "new", "oldName", "old", "parentPath", "/Workspace"),
		want:   []Key{k("notebook", "/old"), k("notebook", "/new")}},
	{name: "renameNotebook without parent", service: "notebook", action: "renameNotebook",
		params: p("newName", "new", "oldName", "old"), class: Unresolved},
	{name: "moveNotebook", service: "notebook", action: "moveNotebook",
		params: p("notebookId", "1", "oldPath", "/Users/a@x.com/nb", "newPath", "/Workspace/Shared/nb"),
		want:   []Key{k("notebook", "/Users/a@x.com/nb"), k("notebook", "/Shared/nb")}},
	{name: "deleteNotebook", service: "notebook", action: "deleteNotebook",
		params: p("notebookId", "1", "notebookName", "nb", "path", "/Shared/nb"), want: []Key{k("notebook", "/Shared/nb")}},
	{name: "restoreNotebook", service: "notebook", action: "restoreNotebook",
		params: p("notebookId", "1", "path", "/Shared/nb"), want: []Key{k("notebook", "/Shared/nb")}},
	{name: "createFolder", service: "notebook", action: "createFolder",
		params: p("path", "/Shared/etl/"), want: []Key{k("directory", "/Shared/etl")}},
	{name: "moveFolder", service: "notebook", action: "moveFolder",
		params: p("folderId", "9", "oldPath", "/Shared/a", "newPath", "/Shared/b"),
		want:   []Key{k("directory", "/Shared/a"), k("directory", "/Shared/b")}},
	{name: "deleteFolder", service: "notebook", action: "deleteFolder",
		params: p("path", "/Shared/old"), want: []Key{k("directory", "/Shared/old")}},
	{name: "restoreFolder", service: "notebook", action: "restoreFolder",
		params: p("path", "/Shared/old"), want: []Key{k("directory", "/Shared/old")}},
	{name: "deleteRepo (not copied)", service: "notebook", action: "deleteRepo",
		params: p("path", "/Repos/a/r"), class: Ignored},
	{name: "attachNotebook", service: "notebook", action: "attachNotebook", params: p("path", "/Shared/nb"), class: Ignored},
	{name: "detachNotebook", service: "notebook", action: "detachNotebook", params: p("path", "/Shared/nb"), class: Ignored},
	{name: "runCommand", service: "notebook", action: "runCommand",
		params: p("notebookId", "1", "commandText", "print(1)"), class: Ignored},
	{name: "downloadLargeResults", service: "notebook", action: "downloadLargeResults",
		params: p("notebookFullPath", "/Shared/nb"), class: Ignored},
	{name: "downloadPreviewResults", service: "notebook", action: "downloadPreviewResults",
		params: p("notebookFullPath", "/Shared/nb"), class: Ignored},
	{name: "takeNotebookSnapshot", service: "notebook", action: "takeNotebookSnapshot", class: Ignored},
	{name: "notebook unknown action", service: "notebook", action: "cloneNotebook",
		params: p("path", "/Shared/nb"), class: Unknown},

	// workspace and workspaceFiles services: kind unknown, so Path keys.
	{name: "fileCreate", service: "workspace", action: "fileCreate",
		params: p("path", "/Workspace/Shared/a.py"), want: []Key{k("path", "/Shared/a.py")}},
	{name: "createWorkspaceNode", service: "workspace", action: "createWorkspaceNode",
		params: p("path", "/Shared/x"), want: []Key{k("path", "/Shared/x")}},
	{name: "fileDelete", service: "workspace", action: "fileDelete",
		params: p("path", "/Shared/a.py"), want: []Key{k("path", "/Shared/a.py")}},
	{name: "deleteWorkspaceNode", service: "workspace", action: "deleteWorkspaceNode",
		params: p("path", "/Shared/x"), want: []Key{k("path", "/Shared/x")}},
	{name: "moveWorkspaceNode", service: "workspace", action: "moveWorkspaceNode",
		params: p("path", "/Shared/x", "destinationPath", "/Shared/dir"),
		want:   []Key{k("path", "/Shared/x"), k("path", "/Shared/dir")}},
	{name: "purgeWorkspaceNodes", service: "workspace", action: "purgeWorkspaceNodes",
		params: p("treestoreId", "123"), class: Ignored},
	{name: "workspaceExport", service: "workspace", action: "workspaceExport",
		params: p("notebookFullPath", "/Shared/nb", "workspaceExportFormat", "SOURCE"), class: Ignored},
	{name: "changeWorkspaceAcl", service: "workspace", action: "changeWorkspaceAcl",
		params: p("shardName", "s", "targetUserId", "1", "aclPermissionSet", "CAN_EDIT", "resourceId", "2"), class: Ignored},
	{name: "wsfsStreamingWrite", service: "workspaceFiles", action: "wsfsStreamingWrite",
		params: p("path", "/Workspace/Users/a@x.com/data.csv"), want: []Key{k("path", "/Users/a@x.com/data.csv")}},
	{name: "relative path", service: "workspace", action: "fileCreate", params: p("path", "Shared/x"), class: Unresolved},

	// jobs.
	{name: "jobs create", service: "jobs", action: "create", params: p("name", "nightly"),
		result: `{"job_id":824367162954021}`, want: []Key{k("job", "824367162954021")}},
	{name: "jobs create id beyond float64", service: "jobs", action: "create",
		result: `{"job_id":9007199254740993}`, want: []Key{k("job", "9007199254740993")}},
	{name: "jobs create without result", service: "jobs", action: "create", params: p("name", "x"), class: Unresolved},
	{name: "jobs update", service: "jobs", action: "update",
		params: p("job_id", "7", "new_settings", `{"name":"y"}`, "fields_to_remove", "[]"), want: []Key{k("job", "7")}},
	{name: "jobs reset", service: "jobs", action: "reset",
		params: p("job_id", "7", "new_settings", `{"name":"y"}`), want: []Key{k("job", "7")}},
	{name: "jobs delete", service: "jobs", action: "delete", params: p("job_id", "7"), want: []Key{k("job", "7")}},
	{name: "jobs delete camelCase id", service: "jobs", action: "delete", params: p("jobId", "7"), want: []Key{k("job", "7")}},
	{name: "changeJobAcl", service: "jobs", action: "changeJobAcl",
		params: p("resourceId", "7", "aclPermissionSet", "CAN_VIEW", "targetUserId", "1", "shardName", "s"), class: Ignored},
	{name: "resetJobAcl", service: "jobs", action: "resetJobAcl", params: p("job_id", "7", "grants", "[]"), class: Ignored},
	{name: "runNow", service: "jobs", action: "runNow", params: p("job_id", "7"), class: Ignored},
	{name: "submitRun", service: "jobs", action: "submitRun", class: Ignored},
	{name: "runStart", service: "jobs", action: "runStart", params: p("runId", "1"), class: Ignored},
	{name: "runSucceeded", service: "jobs", action: "runSucceeded", params: p("runId", "1"), class: Ignored},
	{name: "runFailed", service: "jobs", action: "runFailed", params: p("runId", "1"), class: Ignored},
	{name: "runTriggered", service: "jobs", action: "runTriggered", params: p("runId", "1"), class: Ignored},
	{name: "cancel", service: "jobs", action: "cancel", params: p("run_id", "1"), class: Ignored},
	{name: "cancelAllRuns", service: "jobs", action: "cancelAllRuns", params: p("job_id", "7"), class: Ignored},
	{name: "repairRun", service: "jobs", action: "repairRun", params: p("run_id", "1"), class: Ignored},
	{name: "deleteRun", service: "jobs", action: "deleteRun", params: p("run_id", "1"), class: Ignored},

	// clusters.
	{name: "clusters create", service: "clusters", action: "create", params: p("cluster_name", "shared"),
		result: `{"cluster_id":"0926-131212-k8f3x2qa"}`, want: []Key{k("cluster", "0926-131212-k8f3x2qa")}},
	{name: "clusters create for a job run", service: "clusters", action: "create",
		params: p("cluster_source", "JOB"), result: `{"cluster_id":"c1"}`, class: Ignored},
	{name: "clusters create by the job launcher", service: "clusters", action: "create",
		params: p("cluster_creator", "JOB_LAUNCHER"), result: `{"cluster_id":"c1"}`, class: Ignored},
	{name: "clusters create by System-User", service: "clusters", action: "create", email: "System-User",
		result: `{"cluster_id":"c1"}`, class: Ignored},
	{name: "clusters edit", service: "clusters", action: "edit",
		params: p("cluster_id", "c1", "num_workers", "2"), want: []Key{k("cluster", "c1")}},
	{name: "clusters permanentDelete", service: "clusters", action: "permanentDelete",
		params: p("cluster_id", "c1"), want: []Key{k("cluster", "c1")}},
	{name: "clusters delete (terminate)", service: "clusters", action: "delete", params: p("cluster_id", "c1"), class: Ignored},
	{name: "clusters start", service: "clusters", action: "start", params: p("cluster_id", "c1"), class: Ignored},
	{name: "clusters restart", service: "clusters", action: "restart", params: p("cluster_id", "c1"), class: Ignored},
	{name: "clusters resize", service: "clusters", action: "resize", params: p("cluster_id", "c1", "num_workers", "4"), class: Ignored},
	{name: "clusters pin", service: "clusters", action: "pin", params: p("cluster_id", "c1"), class: Ignored},
	{name: "clusters unpin", service: "clusters", action: "unpin", params: p("cluster_id", "c1"), class: Ignored},
	{name: "changeClusterAcl", service: "clusters", action: "changeClusterAcl", params: p("resourceId", "c1"), class: Ignored},
	{name: "createResult", service: "clusters", action: "createResult", params: p("clusterId", "c1"), class: Ignored},
	{name: "startResult", service: "clusters", action: "startResult", params: p("clusterId", "c1"), class: Ignored},
	{name: "deleteResult", service: "clusters", action: "deleteResult", params: p("clusterId", "c1"), class: Ignored},
	{name: "restartResult", service: "clusters", action: "restartResult", params: p("clusterId", "c1"), class: Ignored},
	{name: "resizeResult", service: "clusters", action: "resizeResult", params: p("clusterId", "c1"), class: Ignored},

	// instancePools.
	{name: "pools create", service: "instancePools", action: "create", params: p("instance_pool_name", "small"),
		result: `{"instance_pool_id":"0926-pool-a"}`, want: []Key{k("pool", "0926-pool-a")}},
	{name: "pools edit", service: "instancePools", action: "edit",
		params: p("instance_pool_id", "0926-pool-a"), want: []Key{k("pool", "0926-pool-a")}},
	{name: "pools delete", service: "instancePools", action: "delete",
		params: p("instance_pool_id", "0926-pool-a"), want: []Key{k("pool", "0926-pool-a")}},
	{name: "changeInstancePoolAcl", service: "instancePools", action: "changeInstancePoolAcl",
		params: p("resourceId", "0926-pool-a"), class: Ignored},

	// clusterPolicies.
	{name: "policies create", service: "clusterPolicies", action: "create", params: p("name", "team"),
		result: `{"policy_id":"E06216CAA0000360"}`, want: []Key{k("policy", "E06216CAA0000360")}},
	{name: "policies edit", service: "clusterPolicies", action: "edit",
		params: p("policy_id", "E06216CAA0000360", "name", "team"), want: []Key{k("policy", "E06216CAA0000360")}},
	{name: "policies delete", service: "clusterPolicies", action: "delete",
		params: p("policy_id", "E06216CAA0000360"), want: []Key{k("policy", "E06216CAA0000360")}},
	{name: "changeClusterPolicyAcl", service: "clusterPolicies", action: "changeClusterPolicyAcl",
		params: p("resourceId", "E06216CAA0000360"), class: Ignored},

	// Services drsync does not copy.
	{name: "repos createRepo", service: "repos", action: "createRepo", params: p("url", "u", "provider", "gitHub", "path", "/Repos/a/r"), class: Ignored},
	{name: "repos updateRepo", service: "repos", action: "updateRepo", params: p("id", "1", "branch", "main"), class: Ignored},
	{name: "repos deleteRepo", service: "repos", action: "deleteRepo", params: p("id", "1"), class: Ignored},
	{name: "repos checkoutBranch", service: "repos", action: "checkoutBranch", class: Ignored},
	{name: "repos pull", service: "repos", action: "pull", class: Ignored},
	{name: "repos commitAndPush", service: "repos", action: "commitAndPush", class: Ignored},
	{name: "repos discard", service: "repos", action: "discard", class: Ignored},
	{name: "repos getRepo", service: "repos", action: "getRepo", class: Ignored},
	{name: "repos listRepos", service: "repos", action: "listRepos", class: Ignored},
	{name: "secrets createScope", service: "secrets", action: "createScope", params: p("scope", "s"), class: Ignored},
	{name: "secrets deleteScope", service: "secrets", action: "deleteScope", params: p("scope", "s"), class: Ignored},
	{name: "secrets putSecret", service: "secrets", action: "putSecret", params: p("scope", "s", "key", "k"), class: Ignored},
	{name: "secrets deleteSecret", service: "secrets", action: "deleteSecret", params: p("scope", "s", "key", "k"), class: Ignored},
	{name: "secrets putAcl", service: "secrets", action: "putAcl", params: p("scope", "s", "principal", "p"), class: Ignored},
	{name: "secrets deleteAcl", service: "secrets", action: "deleteAcl", params: p("scope", "s", "principal", "p"), class: Ignored},
	{name: "secrets getSecret", service: "secrets", action: "getSecret", class: Ignored},
	{name: "secrets listSecrets", service: "secrets", action: "listSecrets", class: Ignored},
	{name: "secrets listScopes", service: "secrets", action: "listScopes", class: Ignored},
	{name: "secrets listAcls", service: "secrets", action: "listAcls", class: Ignored},
	{name: "accounts login", service: "accounts", action: "tokenLogin", class: Ignored},

	// Generic permission changes, in any service.
	{name: "changeDatabricksWorkspaceAcl", service: "accounts", action: "changeDatabricksWorkspaceAcl", class: Ignored},
	{name: "changePermissions", service: "jobs", action: "changePermissions", params: p("resourceId", "7"), class: Ignored},
	{name: "transferObjectOwnership", service: "clusters", action: "transferObjectOwnership", class: Ignored},
	{name: "unknown ACL-like action", service: "notebook", action: "changeNotebookAcl", class: Ignored},

	// Quirks: casing of services, actions, parameter and result keys.
	{name: "case-insensitive names", service: "Notebook", action: "CREATENOTEBOOK",
		params: p("PATH", "/Shared/nb"), want: []Key{k("notebook", "/Shared/nb")}},
	{name: "result key casing", service: "jobs", action: "create", result: `{"Job_Id":"33"}`,
		want: []Key{k("job", "33")}},
	{name: "result not JSON", service: "jobs", action: "create", result: `job 33`, class: Unresolved},
}

// TestMap protects the event tables: every audited action maps to the keys
// (and class) the engine must act on, and only 200 records count.
func TestMap(t *testing.T) {
	for _, c := range mapCases {
		t.Run(c.name, func(t *testing.T) {
			rec := &Record{ServiceName: c.service, ActionName: c.action, Params: c.params,
				Result: c.result, UserEmail: c.email, StatusCode: 200}
			got, class := Map(rec)
			if class != c.class || !slices.Equal(got, c.want) {
				t.Errorf("Map = %v, %v; want %v, %v", got, class, c.want, c.class)
			}
			if c.class == Relevant || c.class == Unresolved {
				rec.StatusCode = 400
				if got, class := Map(rec); class != Failed || got != nil {
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
	for key := range rules {
		if !covered[key] {
			t.Errorf("rule %q has no case in mapCases", key)
		}
	}
}

// TestOwnWrites protects the loop guard: drsync's own writes (its product
// token in the User-Agent) never trigger a sync, and lookalikes still do.
func TestOwnWrites(t *testing.T) {
	for _, c := range []struct {
		ua   string
		want Class
	}{
		{"drsync/1.4.0 databricks-sdk-go/0.118.0 go/1.26.8 os/linux auth/pat", Own},
		{"databricks-sdk-go/0.118.0 go/1.26.8 drsync/0.0.0-dev", Own},
		{"DRSYNC/2.0.0", Own},
		{"databricks-cli/0.230.0 databricks-sdk-go/0.47.0", Relevant},
		{"notdrsync/1.0 databricks-sdk-go/0.118.0", Relevant},
		{"drsync/ databricks-sdk-go/0.118.0", Relevant},
		{"", Relevant},
	} {
		rec := &Record{ServiceName: "jobs", ActionName: "delete", Params: p("job_id", "1"), StatusCode: 200, UserAgent: c.ua}
		if _, got := Map(rec); got != c.want {
			t.Errorf("UA %q: class %v, want %v", c.ua, got, c.want)
		}
	}
}

// TestForeign protects the workspace filter: with a source workspace id set,
// other workspaces' records are ignored, by workspaceId else orgId, and
// records with no id are kept.
func TestForeign(t *testing.T) {
	o := Options{SourceWorkspaceID: "111"}
	for _, c := range []struct {
		ws, org string
		want    Class
	}{
		{"111", "", Relevant},
		{"", "111", Relevant},
		{"222", "111", Foreign},
		{"", "222", Foreign},
		{"", "", Relevant},
	} {
		rec := &Record{ServiceName: "jobs", ActionName: "delete", Params: p("job_id", "1"), StatusCode: 200,
			WorkspaceID: c.ws, OrgID: c.org}
		if _, got := o.Classify(rec); got != c.want {
			t.Errorf("workspaceId %q orgId %q: class %v, want %v", c.ws, c.org, got, c.want)
		}
		if _, got := (Options{}).Classify(rec); got != Relevant {
			t.Errorf("no source configured, workspaceId %q orgId %q: class %v, want relevant", c.ws, c.org, got)
		}
	}
}

// TestParamCase protects case-insensitive parameter lookup and its
// determinism when keys differ only by case.
func TestParamCase(t *testing.T) {
	rec := &Record{Params: p("DataSourceId", "a", "dataSourceID", "b", "path", "c")}
	if v, ok := rec.Param("datasourceid"); !ok || v != "a" {
		t.Errorf("Param(datasourceid) = %q, %v; want a (smallest key)", v, ok)
	}
	if v, ok := rec.Param("dataSourceID"); !ok || v != "b" {
		t.Errorf("Param(dataSourceID) = %q, %v; want b (exact match)", v, ok)
	}
	if _, ok := rec.Param("missing"); ok {
		t.Error("Param(missing) found")
	}
}

// TestClassString protects the names used in logs and summaries.
func TestClassString(t *testing.T) {
	got := []string{Relevant.String(), Unresolved.String(), Ignored.String(), Unknown.String(),
		Failed.String(), Own.String(), Foreign.String(), Class(99).String()}
	want := []string{"relevant", "unresolved", "ignored", "unknown", "failed", "own", "foreign", "class(99)"}
	if !slices.Equal(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
	if b, err := json.Marshal(map[string]Class{"c": Own}); err != nil || string(b) != `{"c":"own"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
}
