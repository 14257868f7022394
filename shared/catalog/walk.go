package catalog

import (
	"maps"
	"slices"
	"strings"

	"github.com/drsync/drsync/shared/resource"
)

// A document is walked by key path, never by kind: a field is the keys from
// the root to a value joined by ".", with "[]" after a key whose value is an
// array ("tasks[].sql_task.warehouse_id"), the form resource.Blocked reports.

// leaf is one string value of a document.
type leaf struct {
	path  []string     // the keys to it, "[]" marking arrays
	value string       // the value
	set   func(string) // replaces the value in the document
}

// field is the leaf's key path in Blocked form.
func (l leaf) field() string { return strings.Join(l.path, ".") }

// pattern matches the end of a key path: each element is a key, "*" any
// key, "*[]" any array key. {"aws_attributes", "zone_id"} matches the zone
// of a cluster spec wherever it sits (top level, a job's new_cluster, a
// pipeline's clusters[]).
type pattern []string

// matches reports whether path ends with p.
func (p pattern) matches(path []string) bool {
	if len(path) < len(p) {
		return false
	}
	tail := path[len(path)-len(p):]
	for i, want := range p {
		if !segmentMatches(want, tail[i]) {
			return false
		}
	}
	return true
}

func segmentMatches(want, got string) bool {
	switch want {
	case "*":
		return true
	case "*[]":
		return strings.HasSuffix(got, "[]")
	}
	return want == got
}

// anyMatches reports whether path ends with one of ps.
func anyMatches(ps []pattern, path []string) bool {
	return slices.ContainsFunc(ps, func(p pattern) bool { return p.matches(path) })
}

// leaves returns every string value of doc, in key order (so what is built
// from them is deterministic before any sort).
func leaves(doc resource.Doc) []leaf {
	var out []leaf
	walkObject(doc, nil, &out)
	return out
}

func walkObject(m map[string]any, path []string, out *[]leaf) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p := append(slices.Clip(path), k)
		switch v := m[k].(type) {
		case string:
			*out = append(*out, leaf{path: p, value: v, set: func(s string) { m[k] = s }})
		case map[string]any:
			walkObject(v, p, out)
		case []any:
			p[len(p)-1] = k + "[]"
			walkArray(v, p, out)
		}
	}
}

func walkArray(arr []any, path []string, out *[]leaf) {
	for i, el := range arr {
		switch v := el.(type) {
		case string:
			*out = append(*out, leaf{path: path, value: v, set: func(s string) { arr[i] = s }})
		case map[string]any:
			walkObject(v, path, out)
		case []any:
			walkArray(v, path, out)
		}
	}
}
