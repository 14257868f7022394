// Package kinds holds one small adapter per kind of Databricks object and the
// ordered registry the engine walks. Each adapter declares its Schema, its
// Info (resource name, dependencies, rate families), the audit-log events
// that change its objects, and wraps the few SDK calls its kind needs;
// everything else is the engine's. No other package names a kind.
package kinds

import (
	"fmt"
	"strings"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/resource"
)

// Kind names, as they appear in plans, the ledger and audit-log keys.
const (
	Policy    = "policy"
	Pool      = "pool"
	Cluster   = "cluster"
	Directory = "directory"
	Notebook  = "notebook"
	File      = "file"
	Job       = "job"
)

// All returns a fresh adapter of every kind, for one run, in dependency order:
// what a kind references is applied before it; deletes run in the reverse
// order. The workspace kinds of one call share one walk of each workspace
// tree, so build them once per run, not once per process.
func All() []resource.Kind {
	tree := newWSTree()
	return []resource.Kind{
		newPool(), newPolicy(), newCluster(),
		newDirectory(tree), newNotebook(tree), newFile(tree),
		newJob(),
	}
}

// ResourceNames lists the names Select accepts, in dependency order.
func ResourceNames() []string {
	var out []string
	for _, k := range All() {
		if r := k.Info().Resource; r != "" {
			out = append(out, r)
		}
	}
	return out
}

// Select resolves resource names ("notebooks", "jobs", or comma lists of
// them) into a run's kinds in dependency order, pulling in what the chosen
// kinds depend on; pulled names the kinds added as dependencies. No names
// selects everything. Errors: an unknown name, listing the accepted ones.
func Select(lists ...string) (selected []resource.Kind, pulled []string, err error) {
	var names []string
	for _, l := range lists {
		for n := range strings.SplitSeq(l, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	all := All()
	byResource, byName := map[string]resource.Kind{}, map[string]resource.Kind{}
	for _, k := range all {
		byName[k.Name()] = k
		if r := k.Info().Resource; r != "" {
			byResource[r] = k
		}
	}
	chosen, want := map[string]bool{}, map[string]bool{}
	for _, name := range names {
		k, ok := byResource[strings.ToLower(name)]
		if !ok {
			return nil, nil, fmt.Errorf("unknown resource %q (want a comma list of %s)", name, strings.Join(ResourceNames(), ","))
		}
		chosen[k.Name()] = true
	}
	var add func(k resource.Kind)
	add = func(k resource.Kind) {
		if want[k.Name()] {
			return
		}
		want[k.Name()] = true
		for _, dep := range k.Info().DependsOn {
			add(byName[dep])
		}
	}
	for _, k := range all {
		if chosen[k.Name()] || len(names) == 0 {
			add(k)
		}
	}
	for _, k := range all {
		if want[k.Name()] {
			selected = append(selected, k)
			if len(names) > 0 && !chosen[k.Name()] {
				pulled = append(pulled, k.Name())
			}
		}
	}
	return selected, pulled, nil
}

// AuditEvents is the audit-log event table of every kind: which audited
// actions change which objects (databricks-api.md §5.3).
func AuditEvents() *auditlog.Table {
	var tables []auditlog.Events
	for _, k := range All() {
		if a, ok := k.(audited); ok {
			tables = append(tables, a.auditEvents())
		}
	}
	return auditlog.NewTable(tables...)
}

// audited is implemented by kinds whose objects audit-log events name.
type audited interface {
	auditEvents() auditlog.Events
}
