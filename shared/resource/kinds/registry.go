// Package kinds holds one small adapter per kind of Databricks object and the
// ordered registry the engine walks. Each adapter declares its Schema and wraps
// the few SDK calls its kind needs; everything else is the engine's.
package kinds

import (
	"fmt"
	"strings"

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

// All returns every adapter in dependency order: what a kind references is
// applied before it (policies → pools → clusters → directories →
// notebooks/files → jobs); deletes run in the reverse order.
func All() []resource.Kind {
	return []resource.Kind{
		newPolicy(), newPool(), newCluster(),
		newDirectory(), newNotebook(), newFile(),
		newJob(),
	}
}

// Order returns a kind's position in All (dependency order).
func Order(kind string) int {
	for i, k := range []string{Policy, Pool, Cluster, Directory, Notebook, File, Job} {
		if k == kind {
			return i
		}
	}
	return -1
}

// resourceNames maps the CLI's resource names (the Databricks Sync Tool's) to kinds.
var resourceNames = map[string][]string{
	"policies":    {Policy},
	"directories": {Directory},
	"pools":       {Pool},
	"clusters":    {Cluster},
	"notebooks":   {Directory, Notebook},
	"files":       {Directory, File},
	"jobs":        {Job},
}

// dependsOn lists, per kind, the kinds its objects may reference.
var dependsOn = map[string][]string{
	Pool:     {},
	Cluster:  {Policy, Pool, File},
	Notebook: {Directory},
	File:     {Directory},
	Job:      {Policy, Pool, Cluster, Notebook, File, Job},
}

// ResourceNames lists the names Select accepts, sorted.
func ResourceNames() []string {
	return []string{"clusters", "files", "jobs", "notebooks", "policies", "pools"}
}

// Select resolves a comma list of resource names ("notebooks,jobs") into kinds
// in dependency order, pulling in what the chosen kinds depend on. pulled names
// the kinds that were added as dependencies. An empty list selects everything.
func Select(list string) (selected []resource.Kind, pulled []string, err error) {
	want := map[string]bool{}
	if strings.TrimSpace(list) == "" {
		list = strings.Join(ResourceNames(), ",")
	}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(strings.ToLower(name))
		kinds, ok := resourceNames[name]
		if !ok {
			return nil, nil, fmt.Errorf("unknown resource %q (want a comma list of %s)", name, strings.Join(ResourceNames(), ","))
		}
		for _, k := range kinds {
			want[k] = true
		}
	}
	chosen := map[string]bool{}
	for k := range want {
		chosen[k] = true
	}
	var add func(k string)
	add = func(k string) {
		for _, dep := range dependsOn[k] {
			if !want[dep] {
				want[dep] = true
				add(dep)
			}
		}
	}
	for k := range chosen {
		add(k)
	}
	for _, k := range All() {
		if want[k.Name()] {
			selected = append(selected, k)
			if !chosen[k.Name()] {
				pulled = append(pulled, k.Name())
			}
		}
	}
	return selected, pulled, nil
}
