package catalog

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/resource"
)

// resolveCases run against the world of seedWorld: a document in JSON whose
// <src/…> and <dr/…> placeholders are the ids seeded there, the document
// Resolve should leave, and the Blocked it should return.
var resolveCases = []struct {
	name      string
	doc, want string
	blocked   []resource.Blocked
}{
	{
		name: "by-name-everywhere",
		doc: `{"name": "j",
			"webhook_notifications": {"on_failure": [{"id": "<src/dest/oncall>"}]},
			"tasks": [
				{"task_key": "q", "sql_task": {"warehouse_id": "<src/wh/bi-wh>",
					"dashboard": {"dashboard_id": "d", "subscriptions": [{"destination_id": "<src/dest/oncall>"}, {"user_name": "ann@corp.com"}]}},
				 "webhook_notifications": {"on_start": [{"id": "<src/dest/oncall>"}]}},
				{"task_key": "p", "pipeline_task": {"pipeline_id": "<src/pipe/ingest>", "full_refresh": true}},
				{"task_key": "d", "dashboard_task": {"warehouse_id": "<src/wh/bi-wh>", "dashboard_id": "x",
					"subscription": {"subscribers": [{"destination_id": "<src/dest/oncall>"}]}}},
				{"task_key": "f", "for_each_task": {"inputs": "[1]", "task": {"task_key": "f-in",
					"notebook_task": {"notebook_path": "path:/nb", "warehouse_id": "<src/wh/bi-wh>"}}}},
				{"task_key": "b", "dbt_task": {"commands": ["dbt run"], "warehouse_id": "<src/wh/bi-wh>"}},
				{"task_key": "pbi", "power_bi_task": {"warehouse_id": "<src/wh/bi-wh>"}}]}`,
		want: `{"name": "j",
			"webhook_notifications": {"on_failure": [{"id": "<dr/dest/oncall>"}]},
			"tasks": [
				{"task_key": "q", "sql_task": {"warehouse_id": "<dr/wh/bi-wh>",
					"dashboard": {"dashboard_id": "dr-d", "subscriptions": [{"destination_id": "<dr/dest/oncall>"}, {"user_name": "ann@corp.com"}]}},
				 "webhook_notifications": {"on_start": [{"id": "<dr/dest/oncall>"}]}},
				{"task_key": "p", "pipeline_task": {"pipeline_id": "<dr/pipe/ingest>", "full_refresh": true}},
				{"task_key": "d", "dashboard_task": {"warehouse_id": "<dr/wh/bi-wh>", "dashboard_id": "dr-x",
					"subscription": {"subscribers": [{"destination_id": "<dr/dest/oncall>"}]}}},
				{"task_key": "f", "for_each_task": {"inputs": "[1]", "task": {"task_key": "f-in",
					"notebook_task": {"notebook_path": "path:/nb", "warehouse_id": "<dr/wh/bi-wh>"}}}},
				{"task_key": "b", "dbt_task": {"commands": ["dbt run"], "warehouse_id": "<dr/wh/bi-wh>"}},
				{"task_key": "pbi", "power_bi_task": {"warehouse_id": "<dr/wh/bi-wh>"}}]}`,
	},
	{
		// id_map wins over the name: ops-email has a namesake in DR that is
		// not the one to use, and ext-src-wh is in no listing at all.
		name: "by-id-map",
		doc: `{"tasks": [{"task_key": "a", "sql_task": {"warehouse_id": "ext-src-wh",
				"alert": {"alert_id": "al", "subscriptions": [{"destination_id": "<src/dest/ops-email>"}]}}}]}`,
		want: `{"tasks": [{"task_key": "a", "sql_task": {"warehouse_id": "ext-dr-wh",
				"alert": {"alert_id": "dr-al", "subscriptions": [{"destination_id": "dr-ops-by-hand"}]}}}]}`,
	},
	{
		name: "unresolved",
		doc: `{"tasks": [{"task_key": "a", "sql_task": {"warehouse_id": "<src/wh/etl-wh>"}},
				{"task_key": "b", "sql_task": {"warehouse_id": "<src/wh/etl-wh>", "query": {"query_id": "q-1"}}},
				{"task_key": "c", "pipeline_task": {"pipeline_id": "<src/pipe/lonely>"}}],
			"webhook_notifications": {"on_success": [{"id": "<src/dest/pager>"}]}}`,
		want: `{"tasks": [{"task_key": "a", "sql_task": {"warehouse_id": "<src/wh/etl-wh>"}},
				{"task_key": "b", "sql_task": {"warehouse_id": "<src/wh/etl-wh>", "query": {"query_id": "q-1"}}},
				{"task_key": "c", "pipeline_task": {"pipeline_id": "<src/pipe/lonely>"}}],
			"webhook_notifications": {"on_success": [{"id": "<src/dest/pager>"}]}}`,
		blocked: []resource.Blocked{
			{Field: "tasks[].pipeline_task.pipeline_id", Value: "<src/pipe/lonely>",
				Reason: `pipeline "lonely" (source id <src/pipe/lonely>) has no counterpart in DR: none of that name, none in id_map.pipelines`},
			{Field: "tasks[].sql_task.query.query_id", Value: "q-1",
				Reason: `SQL query q-1 is not looked up by name: give its DR id in id_map.queries`},
			{Field: "tasks[].sql_task.warehouse_id", Value: "<src/wh/etl-wh>",
				Reason: `SQL warehouse "etl-wh" (source id <src/wh/etl-wh>) has no counterpart in DR: none of that name, none in id_map.warehouses`},
			{Field: "webhook_notifications.on_success[].id", Value: "<src/dest/pager>",
				Reason: `notification destination "pager" (source id <src/dest/pager>) has no counterpart in DR: none of that name, none in id_map.destinations`},
		},
	},
	{
		// Destination names need not be unique: two in DR is no answer.
		name: "ambiguous-and-unknown",
		doc: `{"tasks": [{"task_key": "a", "sql_task": {"warehouse_id": "no-such-warehouse"},
				"webhook_notifications": {"on_start": [{"id": "<src/dest/dup-dest>"}]}}]}`,
		want: `{"tasks": [{"task_key": "a", "sql_task": {"warehouse_id": "no-such-warehouse"},
				"webhook_notifications": {"on_start": [{"id": "<src/dest/dup-dest>"}]}}]}`,
		blocked: []resource.Blocked{
			{Field: "tasks[].sql_task.warehouse_id", Value: "no-such-warehouse",
				Reason: `SQL warehouse with source id no-such-warehouse does not exist in the source, none in id_map.warehouses`},
			{Field: "tasks[].webhook_notifications.on_start[].id", Value: "<src/dest/dup-dest>",
				Reason: `notification destination "dup-dest" (source id <src/dest/dup-dest>) has no single counterpart in DR: 2 of that name, none in id_map.destinations`},
		},
	},
}

func TestResolve(t *testing.T) {
	p, w := seedWorld(t)
	for _, tt := range resolveCases {
		t.Run(tt.name, func(t *testing.T) {
			c := p.catalog(w.ids)
			doc := mustDoc(t, w.expand(tt.doc))
			load(t, c, doc)
			got := c.Resolve(doc)
			want := w.expandBlocked(tt.blocked)
			if !slices.Equal(got, want) {
				t.Errorf("Blocked:\n got %v\nwant %v", got, want)
			}
			if g, w := canon(t, doc), canon(t, mustDoc(t, w.expand(tt.want))); g != w {
				t.Errorf("document:\n got %s\nwant %s", g, w)
			}
		})
	}
}

// canon is a document's canonical JSON.
func canon(t *testing.T, d resource.Doc) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// expand replaces <side/type/name> placeholders by the seeded ids.
func (w *world) expand(s string) string {
	var pairs []string
	for k, v := range w.byName {
		pairs = append(pairs, "<"+k+">", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// expandBlocked expands the placeholders of each entry (nil stays nil).
func (w *world) expandBlocked(bs []resource.Blocked) []resource.Blocked {
	var out []resource.Blocked
	for _, b := range bs {
		out = append(out, resource.Blocked{Field: b.Field, Value: w.expand(b.Value), Reason: w.expand(b.Reason)})
	}
	return out
}
