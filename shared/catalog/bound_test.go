package catalog

import (
	"fmt"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

// The catalog's cost does not grow with the documents: 50 jobs naming the
// same warehouse (by name), node type, runtime and run_as user cost what
// one does: the warehouse lists of both sides, DR's node types and
// runtimes, and one SCIM lookup.
func TestCallsBounded(t *testing.T) {
	p, w := seedWorld(t)
	job := func(i int) resource.Doc {
		return mustDoc(t, w.expand(fmt.Sprintf(`{"name": "job-%d", "run_as": {"user_name": "ann@corp.com"},
			"tasks": [{"task_key": "q", "sql_task": {"warehouse_id": "<src/wh/bi-wh>"}},
				{"task_key": "c", "new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge"}}]}`, i)))
	}
	const wantCalls = 5
	for _, n := range []int{1, 50} {
		c := p.catalog(w.ids)
		var docs []resource.Doc
		for i := range n {
			docs = append(docs, job(i))
		}
		load(t, c, docs...)
		load(t, c, docs...) // loading again reads nothing
		for _, d := range docs {
			if b := append(c.Resolve(d), c.Check(d)...); len(b) != 0 {
				t.Fatalf("%d jobs: blocked %v", n, b)
			}
		}
		t.Logf("%d jobs: Calls() = %d, requests src %v dr %v", n, c.Calls(), p.src.Requests(), p.dr.Requests())
		if c.Calls() != wantCalls || p.requests() != wantCalls {
			t.Errorf("%d jobs: Calls() = %d, emulator requests = %d, want %d", n, c.Calls(), p.requests(), wantCalls)
		}
	}
}

// BenchmarkLoad reports what one run's loading costs in API calls for an
// estate of 200 jobs naming a handful of warehouses, node types, runtimes
// and principals: the number must not move with the job count.
func BenchmarkLoad(b *testing.B) {
	p, w := seedWorld(b)
	var docs []resource.Doc
	for i := range 200 {
		docs = append(docs, mustDoc(b, w.expand(fmt.Sprintf(`{"name": "job-%d", "run_as": {"user_name": "ann@corp.com"},
			"webhook_notifications": {"on_failure": [{"id": "<src/dest/oncall>"}]},
			"tasks": [{"task_key": "q", "sql_task": {"warehouse_id": "<src/wh/bi-wh>"}},
				{"task_key": "p", "pipeline_task": {"pipeline_id": "<src/pipe/ingest>"}},
				{"task_key": "c", "new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge",
					"aws_attributes": {"zone_id": "us-west-2a", "instance_profile_arn": "%s"},
					"spark_conf": {"t": "{{secrets/etl/token}}"}}}]}`, i, profileETL))))
	}
	var calls int
	for b.Loop() {
		c := p.catalog(w.ids)
		load(b, c, docs...)
		calls = c.Calls()
	}
	b.ReportMetric(float64(calls), "calls/run")
}

// Calls counts requests, not reads: a source holding more pipelines than
// one page (100) costs two requests for its list, as the emulator sees.
func TestCallsCountPages(t *testing.T) {
	p := newPair(t, nil)
	var last string
	for i := range 150 {
		id, err := p.src.SeedPipeline(fmt.Appendf(nil, `{"name": "p-%03d", "catalog": "main", "schema": "s%d"}`, i, i))
		if err != nil {
			t.Fatal(err)
		}
		last = id
	}
	if _, err := p.dr.SeedPipeline([]byte(`{"name": "p-149", "catalog": "main", "schema": "s"}`)); err != nil {
		t.Fatal(err)
	}
	c := p.catalog(IDMap{})
	doc := mustDoc(t, `{"tasks": [{"task_key": "a", "pipeline_task": {"pipeline_id": "`+last+`"}}]}`)
	load(t, c, doc)
	if b := c.Resolve(doc); len(b) != 0 {
		t.Fatalf("blocked %v", b)
	}
	if c.Calls() != 3 || p.requests() != 3 {
		t.Fatalf("Calls() = %d, requests src %v dr %v, want 3 (two source pages, one DR page)",
			c.Calls(), p.src.Requests(), p.dr.Requests())
	}
}
