package catalog

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/resource"
)

// refType is a type of workspace object drsync does not copy but documents
// name by id (reference §5–§7): its DR counterpart is found through id_map
// or by name.
type refType int

const (
	warehouseRef refType = iota
	pipelineRef
	destinationRef
	queryRef
	dashboardRef
	alertRef
)

// refTypes lists every refType, in a fixed order.
var refTypes = []refType{warehouseRef, pipelineRef, destinationRef, queryRef, dashboardRef, alertRef}

// refSpec is what the catalog knows of a refType.
type refSpec struct {
	noun   string    // in reasons: "SQL warehouse"
	idMap  string    // the id_map entry: "warehouses"
	fields []pattern // where documents name one
	// mapOnly: found through id_map alone (its lists are not read), so an
	// id id_map lacks is blocked, never copied verbatim.
	mapOnly bool
}

var refSpecs = map[refType]refSpec{
	// Every task type with a warehouse (sql_task, notebook_task, dbt_task,
	// dashboard_task, power_bi_task), also inside for_each_task.task: a
	// warehouse_id key anywhere.
	warehouseRef: {noun: "SQL warehouse", idMap: "warehouses", fields: []pattern{{"warehouse_id"}}},
	// pipeline_task.pipeline_id only: a bare pipeline_id may be a pipeline's own id.
	pipelineRef: {noun: "pipeline", idMap: "pipelines", fields: []pattern{{"pipeline_task", "pipeline_id"}}},
	// Job- and task-level webhook_notifications.<event>[].id;
	// sql_task.{dashboard,alert}.subscriptions[].destination_id and
	// dashboard_task.subscription.subscribers[].destination_id.
	destinationRef: {noun: "notification destination", idMap: "destinations", fields: []pattern{
		{"webhook_notifications", "*[]", "id"}, {"destination_id"},
	}},
	// A SQL task's saved query, legacy dashboard or alert, and a dashboard
	// task's (AI/BI) dashboard: workspace-scoped ids too (reference §5).
	queryRef:     {noun: "SQL query", idMap: "queries", fields: []pattern{{"query", "query_id"}}, mapOnly: true},
	dashboardRef: {noun: "dashboard", idMap: "dashboards", fields: []pattern{{"dashboard", "dashboard_id"}, {"dashboard_task", "dashboard_id"}}, mapOnly: true},
	alertRef:     {noun: "SQL alert", idMap: "alerts", fields: []pattern{{"alert", "alert_id"}}, mapOnly: true},
}

// refTypeOf reports which refType the leaf at path names, if any.
func refTypeOf(path []string) (refType, bool) {
	for _, t := range refTypes {
		if anyMatches(refSpecs[t].fields, path) {
			return t, true
		}
	}
	return 0, false
}

// mapped is the DR id id_map gives for a source id of type t.
func (ids IDMap) mapped(t refType, id string) (string, bool) {
	var m map[string]string
	switch t {
	case warehouseRef:
		m = ids.Warehouses
	case pipelineRef:
		m = ids.Pipelines
	case destinationRef:
		m = ids.Destinations
	case queryRef:
		m = ids.Queries
	case dashboardRef:
		m = ids.Dashboards
	case alertRef:
		m = ids.Alerts
	}
	dr, ok := m[id]
	return dr, ok && dr != ""
}

// refLists are the two listings of one refType.
type refLists struct {
	src, dr named
}

// named is one workspace's objects of a type: id → name and name → ids
// (names need not be unique: pipelines and destinations allow repeats).
type named struct {
	byID   map[string]string
	byName map[string][]string
}

// add records one object.
func (n *named) add(id, name string) {
	if n.byID == nil {
		n.byID, n.byName = map[string]string{}, map[string][]string{}
	}
	n.byID[id] = name
	n.byName[name] = append(n.byName[name], id)
}

// LoadRefs reads, on both sides, the list of each refType the docs name by
// an id id_map does not cover; a type already read is not read again.
// Docs needing none cost no call. Lists are read concurrently.
// Errors: a listing's, wrapped with the side and type read.
func (c *Catalog) LoadRefs(ctx context.Context, docs []resource.Doc) error {
	var need []refType
	for _, t := range c.unmappedRefs(docs) {
		if c.refs[t] == nil && !refSpecs[t].mapOnly {
			need = append(need, t)
		}
	}
	if len(need) == 0 {
		return nil
	}
	src, dr, err := c.apis()
	if err != nil {
		return err
	}
	lists := make([]refLists, len(need))
	g, gctx := errgroup.WithContext(c.counted(ctx))
	g.SetLimit(loadConcurrency)
	for i, t := range need {
		g.Go(func() (err error) { lists[i].src, err = readNamed(gctx, src, t, "source"); return err })
		g.Go(func() (err error) { lists[i].dr, err = readNamed(gctx, dr, t, "DR"); return err })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, t := range need {
		c.refs[t] = &lists[i]
	}
	return nil
}

// loadConcurrency bounds the lists a Load method reads at once.
const loadConcurrency = 4

// unmappedRefs lists the refTypes docs name by an id id_map lacks.
func (c *Catalog) unmappedRefs(docs []resource.Doc) []refType {
	seen := map[refType]bool{}
	for _, doc := range docs {
		for _, l := range leaves(doc) {
			t, ok := refTypeOf(l.path)
			if !ok || l.value == "" {
				continue
			}
			if _, ok := c.ids.mapped(t, l.value); !ok {
				seen[t] = true
			}
		}
	}
	return slices.DeleteFunc(slices.Clone(refTypes), func(t refType) bool { return !seen[t] })
}

// readNamed reads one side's list of t.
func readNamed(ctx context.Context, a *api, t refType, side string) (named, error) {
	n, err := listNamed(ctx, a.sdk, t)
	if err != nil {
		return named{}, fmt.Errorf("read %s %ss: %w", side, refSpecs[t].noun, err)
	}
	return n, nil
}
