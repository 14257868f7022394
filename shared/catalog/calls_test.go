package catalog

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

// A document that names nothing the catalog knows of (a notebook task on an
// existing cluster, a pool reference in logical form) costs no call at all,
// nor does one whose every reference id_map covers.
func TestNoCatalogNoCalls(t *testing.T) {
	p := newPair(t, nil)
	c := p.catalog(IDMap{Warehouses: map[string]string{"src-wh": "dr-wh"}})
	docs := []resource.Doc{
		mustDoc(t, `{"name": "plain", "tasks": [{"task_key": "a", "existing_cluster_id": "cluster:0101",
			"notebook_task": {"notebook_path": "path:/Shared/nb"}}]}`),
		mustDoc(t, `{"name": "mapped", "tasks": [{"task_key": "a", "sql_task": {"warehouse_id": "src-wh"}}]}`),
		mustDoc(t, `{"cluster_name": "auto-zone", "aws_attributes": {"zone_id": "auto"}, "instance_pool_id": "pool:0202"}`),
	}
	load(t, c, docs...)
	for _, d := range docs {
		if b := c.Resolve(d); len(b) != 0 {
			t.Errorf("Resolve blocked %v", b)
		}
		if b := c.Check(d); len(b) != 0 {
			t.Errorf("Check blocked %v", b)
		}
	}
	if c.Calls() != 0 || p.requests() != 0 {
		t.Fatalf("Calls() = %d, emulator requests = %d, want 0 and 0", c.Calls(), p.requests())
	}
	if got := docs[1]["tasks"].([]any)[0].(map[string]any)["sql_task"].(map[string]any)["warehouse_id"]; got != "dr-wh" {
		t.Fatalf("id_map not applied: warehouse_id = %v", got)
	}
}

// Without a Load, nothing passes unchecked: every reference and every
// checked value is blocked as not looked up, and the ids stay as they were.
func TestUnloadedBlocksEverything(t *testing.T) {
	c := New(resource.Workspace{}, resource.Workspace{}, IDMap{})
	doc := mustDoc(t, `{"run_as": {"user_name": "ann@corp.com"},
		"tasks": [{"task_key": "a", "pipeline_task": {"pipeline_id": "p1"},
			"new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge",
				"aws_attributes": {"zone_id": "us-east-1a", "instance_profile_arn": "arn:aws:iam::1:instance-profile/x"},
				"spark_env_vars": {"TOKEN": "{{secrets/etl/token}}"}}}]}`)
	before, _ := json.Marshal(doc)
	blocked := append(c.Resolve(doc), c.Check(doc)...)
	after, _ := json.Marshal(doc)
	if string(before) != string(after) {
		t.Fatalf("Resolve changed an unresolved document:\n%s\n%s", before, after)
	}
	var fields []string
	for _, b := range blocked {
		fields = append(fields, b.Field)
	}
	want := []string{
		"tasks[].pipeline_task.pipeline_id",
		"run_as.user_name",
		"tasks[].new_cluster.aws_attributes.instance_profile_arn",
		"tasks[].new_cluster.aws_attributes.zone_id",
		"tasks[].new_cluster.node_type_id",
		"tasks[].new_cluster.spark_env_vars.TOKEN",
		"tasks[].new_cluster.spark_version",
	}
	if !slices.Equal(fields, want) {
		t.Fatalf("blocked fields:\n got %q\nwant %q\n%v", fields, want, blocked)
	}
}
