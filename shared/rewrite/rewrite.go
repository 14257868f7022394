// Package rewrite applies the pair's typed rewrite rules to the documents drsync
// builds for the target: what differs per region and account (instance
// profiles, S3 log paths, KMS keys, node types, zones) is mapped, set or
// dropped before the document is hashed, so a rewritten value is the desired
// state, not drift.
//
// A rule names a field as a dotted key path as it appears in the API's JSON
// ("aws_attributes.instance_profile_arn", "init_scripts[].s3.destination"),
// and matches wherever that key path occurs in a document: one rule covers an
// all-purpose cluster, a pool, every new_cluster of a job, and the element of
// a cluster policy's definition keyed by that path. The package is pure: no
// SDK, no I/O (documents are resource.Doc).
package rewrite

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Rule is one rewrite, as the config's "rewrite" list holds it. Exactly one of
// Map, Prefix, Regex, Set and Drop is given.
type Rule struct {
	Field string `json:"field"`
	// Kinds limits the rule to these resources ("clusters", "jobs"); empty
	// means every kind.
	Kinds []string `json:"kinds,omitempty"`
	// Map replaces a value equal to a key by the key's value.
	Map map[string]string `json:"map,omitempty"`
	// Prefix replaces the longest matching prefix of a value.
	Prefix map[string]string `json:"prefix,omitempty"`
	// Regex replaces every match of Pattern (Go RE2 syntax; $1 in Replace).
	Regex *Regex `json:"regex,omitempty"`
	// Set gives the field this value wherever its parent object exists.
	Set *string `json:"set,omitempty"`
	// Drop removes the field.
	Drop bool `json:"drop,omitempty"`
}

// Regex is a rule's pattern and replacement.
type Regex struct {
	Pattern string `json:"pattern"`
	Replace string `json:"replace"`
}

// Change is one value a rule changed in a document: the concrete key path
// ("job_clusters[].new_cluster.node_type_id"), the value before and after
// ("" after a drop), and the index of the rule in the config.
type Change struct {
	Rule  int    `json:"rule"`
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`

	loc      []any // where in the document: its keys and array indexes
	from, to any   // the values themselves (nil: absent)
}

// FieldError is a problem with one rule, naming the rule's field in the
// config ("rewrite[2].regex.pattern").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Rules are a config's rules, compiled.
type Rules struct {
	rules []compiled
}

type compiled struct {
	Rule
	index  int
	path   []string // the field's segments, "[]" kept on array segments
	re     *regexp.Regexp
	prefix []string // Prefix keys, longest first
}

// Compile checks every rule and compiles them. owned reports the fields
// drsync itself sets or remaps (references, its identity marker), which a rule
// may not touch; nil owns none. Errors are *FieldError values joined.
func Compile(rules []Rule, owned func(field string) (why string, isOwned bool)) (*Rules, error) {
	var errs []error
	fail := func(i int, field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: fmt.Sprintf("rewrite[%d]%s", i, field), Msg: fmt.Sprintf(format, args...)})
	}
	out := &Rules{}
	for i, r := range rules {
		c := compiled{Rule: r, index: i}
		var err error
		if c.path, err = splitField(r.Field); err != nil {
			fail(i, ".field", "%v", err)
			continue
		}
		if owned != nil {
			if why, ok := owned(r.Field); ok {
				fail(i, ".field", "%s is drsync's own (%s); a rule may not change it", r.Field, why)
				continue
			}
		}
		ops := opsOf(r)
		switch {
		case len(ops) == 0:
			fail(i, "", "no operation: give exactly one of map, prefix, regex, set, drop")
			continue
		case len(ops) > 1:
			fail(i, "", "more than one operation (%s): give exactly one of map, prefix, regex, set, drop", strings.Join(ops, ", "))
			continue
		}
		switch {
		case r.Map != nil && len(r.Map) == 0:
			fail(i, ".map", "empty")
		case r.Prefix != nil && len(r.Prefix) == 0:
			fail(i, ".prefix", "empty")
		case r.Prefix != nil:
			for from := range r.Prefix {
				if from == "" {
					fail(i, ".prefix", "an empty prefix would match every value")
				}
			}
			c.prefix = slices.Sorted(maps.Keys(r.Prefix))
			slices.SortStableFunc(c.prefix, func(a, b string) int { return len(b) - len(a) })
		case r.Regex != nil:
			if r.Regex.Pattern == "" {
				fail(i, ".regex.pattern", "empty")
			} else if c.re, err = regexp.Compile(r.Regex.Pattern); err != nil {
				fail(i, ".regex.pattern", "bad pattern %q: %s", r.Regex.Pattern, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
		}
		for j, k := range r.Kinds {
			if strings.TrimSpace(k) == "" {
				fail(i, fmt.Sprintf(".kinds[%d]", j), "empty")
			}
		}
		out.rules = append(out.rules, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func opsOf(r Rule) []string {
	var ops []string
	if r.Map != nil {
		ops = append(ops, "map")
	}
	if r.Prefix != nil {
		ops = append(ops, "prefix")
	}
	if r.Regex != nil {
		ops = append(ops, "regex")
	}
	if r.Set != nil {
		ops = append(ops, "set")
	}
	if r.Drop {
		ops = append(ops, "drop")
	}
	return ops
}

// splitField splits a dotted key path into segments and checks its form.
func splitField(field string) ([]string, error) {
	if field == "" {
		return nil, errors.New("empty")
	}
	segs := strings.Split(field, ".")
	for _, s := range segs {
		name := strings.TrimSuffix(s, "[]")
		if name == "" || strings.ContainsAny(name, "[]") {
			return nil, fmt.Errorf("bad key path %q: want dotted JSON names, \"[]\" after an array's name (init_scripts[].s3.destination)", field)
		}
	}
	return segs, nil
}

// Len is the number of rules.
func (r *Rules) Len() int {
	if r == nil {
		return 0
	}
	return len(r.rules)
}

// For returns the rules that apply to the resource (a kind's --resources
// name), or nil when none does.
func (r *Rules) For(resource string) *Rules {
	if r == nil {
		return nil
	}
	out := &Rules{}
	for _, c := range r.rules {
		if len(c.Kinds) == 0 || slices.Contains(c.Kinds, resource) {
			out.rules = append(out.rules, c)
		}
	}
	if len(out.rules) == 0 {
		return nil
	}
	return out
}
