package auditlog

import (
	"encoding/json"
	"slices"
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

// testEvents is a small event table of the shape the kind adapters declare
// (theirs are tested against every audited action in package kinds): enough
// for the reference sample and the tests of the machinery here.
var testEvents = NewTable(Events{
	"notebook/createnotebook":  At(Fixed("notebook"), "path"),
	"notebook/movenotebook":    Moved(Fixed("notebook"), "oldPath", "newPath"),
	"notebook/deletenotebook":  At(Fixed("notebook"), "path"),
	"jobs/create":              ByResult("job", "job_id", "jobId"),
	"jobs/update":              ByParam("job", "job_id", "jobId"),
	"jobs/delete":              ByParam("job", "job_id", "jobId"),
	"clusters/create":          ByResult("cluster", "cluster_id", "clusterId"),
	"clusters/permanentdelete": ByParam("cluster", "cluster_id", "clusterId"),
	"instancepools/edit":       ByParam("pool", "instance_pool_id", "instancePoolId"),
	"clusterpolicies/create":   ByResult("policy", "policy_id", "policyId"),
})

// TestTableClasses protects the table's own rules: a named event maps by its
// rule, an unnamed action of a covered service is Unknown unless it is an
// ACL change, other services are Ignored, and a nil table ignores everything.
func TestTableClasses(t *testing.T) {
	for _, c := range []struct {
		service, action string
		want            Class
	}{
		{"jobs", "delete", Relevant},
		{"jobs", "brandNewAction", Unknown},
		{"jobs", "changeJobAcl", Ignored},
		{"jobs", "changePermissions", Ignored},
		{"sqlPermissions", "createTable", Ignored},
	} {
		rec := &Record{ServiceName: c.service, ActionName: c.action, Params: p("job_id", "1"), StatusCode: 200}
		if _, got := testEvents.Map(rec); got != c.want {
			t.Errorf("%s/%s: class %v, want %v", c.service, c.action, got, c.want)
		}
		if _, got := (*Table)(nil).Map(rec); got != Ignored {
			t.Errorf("nil table, %s/%s: class %v, want ignored", c.service, c.action, got)
		}
	}
	if names := testEvents.Names(); len(names) != 10 || names[0] != "clusterpolicies/create" {
		t.Errorf("Names = %v", names)
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
		if _, got := testEvents.Map(rec); got != c.want {
			t.Errorf("UA %q: class %v, want %v", c.ua, got, c.want)
		}
	}
}

// TestForeign protects the workspace filter: with a source workspace id set,
// other workspaces' records are ignored, by workspaceId else orgId, and
// records with no id are kept.
func TestForeign(t *testing.T) {
	o := Options{SourceWorkspaceID: "111", Events: testEvents}
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
		if _, got := (Options{Events: testEvents}).Classify(rec); got != Relevant {
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
