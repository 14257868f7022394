package resource

import (
	"errors"
	"reflect"
	"testing"
)

var jobLike = &Schema{
	Drop:        []string{"job_id", "created_time"},
	Defaults:    map[string]any{"timeout_seconds": 0, "tasks[].run_if": "ALL_SUCCESS", "queue.enabled": true},
	Refs:        map[string]string{"tasks[].existing_cluster_id": "cluster", "tasks[].run_job_task.job_id": "job", "tasks[].notebook_task.notebook_path": KindPath},
	NumericRefs: []string{"tasks[].run_job_task.job_id"},
	Unordered:   map[string]string{"tasks": "task_key"},
	Marker:      "tags." + MarkerTag,
}

func mustDoc(t *testing.T, s string) Doc {
	t.Helper()
	d, err := ToDoc([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Server defaults, output-only fields and task order never show as a difference,
// and references become logical "<kind>:<key>" values.
func TestNormalizeStripsDefaultsAndRewritesRefs(t *testing.T) {
	raw := mustDoc(t, `{"job_id": 900719925474099312, "created_time": 1, "timeout_seconds": 0,
		"queue": {"enabled": true}, "email_notifications": {},
		"tags": {"team": "a", "drsync-source": "42"},
		"tasks": [
		  {"task_key": "b", "run_if": "ALL_SUCCESS", "run_job_task": {"job_id": 900719925474099313}},
		  {"task_key": "a", "run_if": "AT_LEAST_ONE_SUCCESS", "existing_cluster_id": "c-1",
		   "notebook_task": {"notebook_path": "/Shared/x"}},
		  {"task_key": "c", "notebook_task": {"notebook_path": "relative/in/git"}}]}`)
	n := jobLike.Normalize(raw, func(kind, id string) (string, bool) { return id, true })
	want := mustDoc(t, `{"tags": {"team": "a"}, "tasks": [
		  {"task_key": "a", "run_if": "AT_LEAST_ONE_SUCCESS", "existing_cluster_id": "cluster:c-1",
		   "notebook_task": {"notebook_path": "path:/Shared/x"}},
		  {"task_key": "b", "run_job_task": {"job_id": "job:900719925474099313"}},
		  {"task_key": "c", "notebook_task": {"notebook_path": "relative/in/git"}}]}`)
	if !reflect.DeepEqual(n.Doc, want) {
		t.Fatalf("normalised:\n got %v\nwant %v", n.Doc, want)
	}
	if n.Origin != "42" {
		t.Fatalf("origin = %q, want 42", n.Origin)
	}
	wantRefs := []Ref{{"cluster", "c-1"}, {"job", "900719925474099313"}, {KindPath, "/Shared/x"}}
	if !reflect.DeepEqual(n.Refs, wantRefs) {
		t.Fatalf("refs = %v, want %v", n.Refs, wantRefs)
	}
	if Hash(n.Doc) != Hash(jobLike.Normalize(raw, func(k, id string) (string, bool) { return id, true }).Doc) {
		t.Fatal("hash is not deterministic")
	}
}

// Denormalize restores wire ids (numbers stay numbers, exact beyond 2^53) and
// writes the identity marker; an unknown reference is a typed error naming the field.
func TestDenormalize(t *testing.T) {
	doc := mustDoc(t, `{"tasks": [{"task_key": "b", "run_job_task": {"job_id": "job:1"}, "existing_cluster_id": "cluster:c-1"}]}`)
	ids := map[Ref]string{{"job", "1"}: "900719925474099313", {"cluster", "c-1"}: "t-1"}
	out, err := jobLike.Denormalize(doc, "7", func(r Ref) (string, bool) { id, ok := ids[r]; return id, ok })
	if err != nil {
		t.Fatal(err)
	}
	want := mustDoc(t, `{"tags": {"drsync-source": "7"}, "tasks": [{"task_key": "b", "run_job_task": {"job_id": 900719925474099313}, "existing_cluster_id": "t-1"}]}`)
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("denormalised:\n got %v\nwant %v", out, want)
	}
	delete(ids, Ref{"cluster", "c-1"})
	_, err = jobLike.Denormalize(doc, "7", func(r Ref) (string, bool) { id, ok := ids[r]; return id, ok })
	var ue *UnresolvedRefError
	if !errors.As(err, &ue) || ue.Field != "tasks[].existing_cluster_id" {
		t.Fatalf("err = %v, want UnresolvedRefError on tasks[].existing_cluster_id", err)
	}
}

// Diff names the changed fields.
func TestDiff(t *testing.T) {
	a := mustDoc(t, `{"name": "x", "schedule": {"cron": "1", "tz": "UTC"}, "tags": {"a": "1"}}`)
	b := mustDoc(t, `{"name": "x", "schedule": {"cron": "2", "tz": "UTC"}}`)
	got := Diff(a, b, 2)
	if !reflect.DeepEqual(got, []string{"schedule.cron", "tags"}) {
		t.Fatalf("diff = %v", got)
	}
}
