package rewrite

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// policyValues are the attributes of a cluster policy element that hold
// values of the field the element is keyed by (reference §2.5 of part 1):
// {"aws_attributes.instance_profile_arn": {"type": "fixed", "value": "arn:…"}}.
var policyValues = []string{"value", "defaultValue", "values"}

// Apply rewrites doc in place and returns what it changed, in document order
// (keys sorted), rule by rule in config order at each field. A set rule whose
// field has two or more segments also creates the field where its parent
// object occurs; a one-segment set only replaces existing values.
func (r *Rules) Apply(doc map[string]any) []Change {
	if r == nil || doc == nil {
		return nil
	}
	w := walker{rules: r.rules}
	w.object(doc, nil, nil)
	return w.changes
}

type walker struct {
	rules   []compiled
	changes []Change
}

// object visits the members of m, whose key path is path and location loc
// (its keys and array indexes from the document's root).
func (w *walker) object(m map[string]any, path []string, loc []any) {
	w.create(m, path, loc)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		child := append(slices.Clip(path), strings.Split(k, ".")...)
		at := append(slices.Clip(loc), k)
		for _, c := range w.rules {
			if !suffix(child, c.path) {
				continue
			}
			if c.Drop {
				w.record(c, child, at, m[k], nil)
				delete(m, k)
				break
			}
			if el, ok := m[k].(map[string]any); ok && isPolicyElement(el) {
				w.policyElement(c, el, child, at)
				continue
			}
			m[k] = w.value(c, child, at, m[k])
		}
		if v, ok := m[k]; ok {
			w.walk(v, child, at)
		}
	}
}

// walk descends into v (a member's value at path and loc).
func (w *walker) walk(v any, path []string, loc []any) {
	switch v := v.(type) {
	case map[string]any:
		w.object(v, path, loc)
	case []any:
		elem := slices.Clone(path)
		elem[len(elem)-1] += "[]"
		for i, e := range v {
			at := append(slices.Clip(loc), i)
			if s, ok := e.(string); ok {
				for _, c := range w.rules {
					if suffix(elem, c.path) && !c.Drop {
						v[i] = w.value(c, elem, at, s)
						s, _ = v[i].(string)
					}
				}
				continue
			}
			w.walk(e, elem, at)
		}
	}
}

// create sets the fields of set rules whose parent object is m and which m
// lacks.
func (w *walker) create(m map[string]any, path []string, loc []any) {
	for _, c := range w.rules {
		n := len(c.path)
		last := c.path[n-1]
		if c.Set == nil || n < 2 || strings.HasSuffix(last, "[]") || !suffix(path, c.path[:n-1]) {
			continue
		}
		if _, ok := m[last]; !ok {
			m[last] = *c.Set
			w.record(c, append(slices.Clip(path), last), append(slices.Clip(loc), last), nil, *c.Set)
		}
	}
}

// value is v rewritten by c: a string, or each string of an array.
func (w *walker) value(c compiled, path []string, loc []any, v any) any {
	if c.Set != nil {
		if s, ok := v.(string); !ok || s != *c.Set {
			w.record(c, path, loc, v, *c.Set)
		}
		return *c.Set
	}
	switch v := v.(type) {
	case string:
		to, ok := c.rewrite(v)
		if ok && to != v {
			w.record(c, path, loc, v, to)
			return to
		}
	case []any:
		elem := slices.Clone(path)
		elem[len(elem)-1] += "[]"
		for i, e := range v {
			if s, ok := e.(string); ok {
				if to, ok := c.rewrite(s); ok && to != s {
					w.record(c, elem, append(slices.Clip(loc), i), s, to)
					v[i] = to
				}
			}
		}
	}
	return v
}

// policyElement rewrites the values of a cluster policy element keyed by the
// rule's field; set fixes its value.
func (w *walker) policyElement(c compiled, el map[string]any, path []string, loc []any) {
	for _, attr := range policyValues {
		v, ok := el[attr]
		if !ok || (c.Set != nil && attr != "value") {
			continue
		}
		el[attr] = w.value(c, append(slices.Clip(path), attr), append(slices.Clip(loc), attr), v)
	}
}

// isPolicyElement: a cluster policy definition's element ({"type": "fixed", …}).
func isPolicyElement(m map[string]any) bool {
	switch m["type"] {
	case "fixed", "forbidden", "allowlist", "blocklist", "regex", "range", "unlimited":
		return true
	}
	return false
}

// rewrite maps one string value; ok is false when the rule leaves it alone.
func (c compiled) rewrite(v string) (string, bool) {
	switch {
	case c.Map != nil:
		to, ok := c.Map[v]
		return to, ok
	case c.Prefix != nil:
		for _, from := range c.prefix {
			if strings.HasPrefix(v, from) {
				return c.Prefix[from] + strings.TrimPrefix(v, from), true
			}
		}
	case c.re != nil:
		if c.re.MatchString(v) {
			return c.re.ReplaceAllString(v, c.Regex.Replace), true
		}
	}
	return v, false
}

func (w *walker) record(c compiled, path []string, loc []any, from, to any) {
	w.changes = append(w.changes, Change{Rule: c.index, Field: strings.Join(path, "."), From: text(from), To: text(to),
		loc: slices.Clone(loc), from: from, to: to})
}

// text shows a value in a change record.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// suffix reports whether path ends with the segments of want.
func suffix(path, want []string) bool {
	if len(path) < len(want) {
		return false
	}
	return slices.Equal(path[len(path)-len(want):], want)
}
