package catalog

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

// mustDoc parses a JSON object as the engine holds documents.
func mustDoc(t testing.TB, s string) resource.Doc {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var d resource.Doc
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("bad test document: %v\n%s", err, s)
	}
	return d
}

// Every string value is found with its key path, arrays marked "[]", nested
// tasks and arrays of strings included; numbers and booleans are not values
// the catalog looks at.
func TestLeavesFields(t *testing.T) {
	doc := mustDoc(t, `{"name": "j", "max_concurrent_runs": 2,
		"tasks": [{"task_key": "a", "sql_task": {"warehouse_id": "w1"},
			"for_each_task": {"task": {"dbt_task": {"warehouse_id": "w2"}}}}],
		"webhook_notifications": {"on_failure": [{"id": "d1"}]},
		"preloaded_spark_versions": ["15.4.x-scala2.12"]}`)
	var got []string
	for _, l := range leaves(doc) {
		got = append(got, l.field()+"="+l.value)
	}
	want := []string{
		"name=j",
		"preloaded_spark_versions[]=15.4.x-scala2.12",
		"tasks[].for_each_task.task.dbt_task.warehouse_id=w2",
		"tasks[].sql_task.warehouse_id=w1",
		"tasks[].task_key=a",
		"webhook_notifications.on_failure[].id=d1",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("leaves:\n got %q\nwant %q", got, want)
	}
}

// A leaf's set writes back into the document, in objects and in arrays.
func TestLeafSet(t *testing.T) {
	doc := mustDoc(t, `{"a": {"b": "x"}, "c": ["y"]}`)
	for _, l := range leaves(doc) {
		l.set(l.value + "!")
	}
	got, _ := json.Marshal(doc)
	if string(got) != `{"a":{"b":"x!"},"c":["y!"]}` {
		t.Fatalf("doc after set = %s", got)
	}
}

// Paths are written with "/" between keys: a spark_conf key holds dots.
func TestPatternMatches(t *testing.T) {
	tests := []struct {
		p    pattern
		path string
		want bool
	}{
		{pattern{"warehouse_id"}, "tasks[]/sql_task/warehouse_id", true},
		{pattern{"warehouse_id"}, "warehouse_id", true},
		{pattern{"warehouse_id"}, "tasks[]/sql_task/warehouse_ids", false},
		{pattern{"pipeline_task", "pipeline_id"}, "tasks[]/pipeline_task/pipeline_id", true},
		{pattern{"pipeline_task", "pipeline_id"}, "pipeline_id", false},
		{pattern{"webhook_notifications", "*[]", "id"}, "tasks[]/webhook_notifications/on_start[]/id", true},
		{pattern{"webhook_notifications", "*[]", "id"}, "webhook_notifications/on_start/id", false},
		{pattern{"spark_conf", "*"}, "job_clusters[]/new_cluster/spark_conf/spark.password", true},
		{pattern{"aws_attributes", "zone_id"}, "tasks[]/new_cluster/aws_attributes/zone_id", true},
	}
	for _, tt := range tests {
		if got := tt.p.matches(strings.Split(tt.path, "/")); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.p, tt.path, got, tt.want)
		}
	}
}
