package resource

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Resolver maps an id found in a workspace to the source key it stands for.
// On the source side that is the id itself; on the target side it comes from
// the ledger and identity markers. ok is false when nothing is known.
type Resolver func(kind, id string) (key string, ok bool)

// Normalized is a raw document after Schema.Normalize.
type Normalized struct {
	Doc    Doc
	Refs   []Ref  // references found, sorted; unresolved ones have Key "?<id>"
	Origin string // the identity marker's value, "" if absent
}

// Normalize keeps only what a user sets: it removes the identity marker (and
// returns it), output-only fields and server defaults, parses JSON strings,
// rewrites references to logical "<kind>:<key>" form, sorts unordered arrays and
// prunes empty values. raw is not modified.
func (s *Schema) Normalize(raw Doc, resolve Resolver) Normalized {
	d := Clone(raw)
	var n Normalized
	if s.Marker != "" {
		visit(d, s.Marker, func(m map[string]any, k string) {
			n.Origin, _ = m[k].(string)
			delete(m, k)
		})
	}
	for _, f := range s.Drop {
		visit(d, f, func(m map[string]any, k string) { delete(m, k) })
	}
	for f, def := range s.Defaults {
		visit(d, f, func(m map[string]any, k string) {
			if equalJSON(m[k], def) {
				delete(m, k)
			}
		})
	}
	for _, f := range s.JSONStrings {
		visit(d, f, func(m map[string]any, k string) { m[k] = parseJSONString(m[k]) })
	}
	for _, f := range slices.Sorted(maps.Keys(s.Refs)) {
		kind := s.Refs[f]
		visit(d, f, func(m map[string]any, k string) {
			eachValue(m, k, func(v any) any {
				ref, logical, ok := logicalValue(kind, v, resolve)
				if !ok {
					return v
				}
				n.Refs = append(n.Refs, ref)
				return logical
			})
		})
	}
	for f, by := range s.Unordered {
		visit(d, f, func(m map[string]any, k string) {
			if arr, ok := m[k].([]any); ok {
				sortArray(arr, by)
			}
		})
	}
	prune(d)
	n.Doc = d
	n.Refs = sortRefs(n.Refs)
	return n
}

// eachValue replaces m[k] by fn(m[k]), or, when m[k] is an array (a
// reference field naming a list of values, such as an environment's
// dependencies), each of its elements by fn of it.
func eachValue(m map[string]any, k string, fn func(any) any) {
	arr, ok := m[k].([]any)
	if !ok {
		m[k] = fn(m[k])
		return
	}
	for i := range arr {
		arr[i] = fn(arr[i])
	}
}

func parseJSONString(v any) any {
	str, ok := v.(string)
	if !ok {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(str)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return v // not JSON after all: compare as the string it is
	}
	return out
}

// UnresolvedRefError reports a reference that has no counterpart in the target.
type UnresolvedRefError struct {
	Field string
	Ref   Ref
}

func (e *UnresolvedRefError) Error() string {
	return fmt.Sprintf("%s: %s %s is not in the target", e.Field, e.Ref.Kind, strings.TrimPrefix(e.Ref.Key, "?"))
}

// Denormalize turns a normalised (desired) document into what the target API
// takes: references become target ids through resolve, JSON strings are
// re-encoded, and the identity marker is set to key (when the kind has one
// and the object's tags leave room for it: MarkerFits).
// It fails with *UnresolvedRefError when a reference has no target id.
func (s *Schema) Denormalize(doc Doc, key string, resolve func(Ref) (string, bool)) (Doc, error) {
	d := Clone(doc)
	numeric := map[string]bool{}
	for _, f := range s.NumericRefs {
		numeric[f] = true
	}
	var firstErr error
	for _, f := range slices.Sorted(maps.Keys(s.Refs)) {
		kind := s.Refs[f]
		visit(d, f, func(m map[string]any, k string) {
			eachValue(m, k, func(v any) any {
				id, isRef, err := targetID(f, kind, v, resolve)
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
					return v
				case !isRef:
					// Not a reference Normalize made (a Git task's relative
					// path, a pip requirement): it goes back as it came.
					return v
				case numeric[f] && isInteger(id):
					return json.Number(id)
				default:
					return id
				}
			})
		})
	}
	if firstErr != nil {
		return nil, firstErr
	}
	for _, f := range s.JSONStrings {
		visit(d, f, func(m map[string]any, k string) {
			if _, isStr := m[k].(string); !isStr {
				data, _ := json.Marshal(m[k])
				m[k] = string(data)
			}
		})
	}
	if s.Marker != "" && s.MarkerFits(d) {
		setPath(d, s.Marker, key)
	}
	return d, nil
}

// targetID resolves one logical "<kind>:<key>" value of field; isRef is false
// for a value that is not one (Normalize leaves relative paths as they are).
func targetID(field, kind string, v any, resolve func(Ref) (string, bool)) (id string, isRef bool, err error) {
	str, _ := v.(string)
	key, ok := strings.CutPrefix(str, kind+":")
	if !ok {
		return "", false, nil
	}
	ref := Ref{Kind: kind, Key: key}
	if strings.HasPrefix(key, "?") {
		return "", true, &UnresolvedRefError{Field: field, Ref: ref}
	}
	var found bool
	if kind == KindPath {
		id, found = resolvePath(key, resolve)
	} else {
		id, found = resolve(ref)
	}
	if !found {
		return "", true, &UnresolvedRefError{Field: field, Ref: ref}
	}
	return id, true, nil
}

func isInteger(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// setPath sets a plain dotted path (no arrays), creating maps on the way. A
// value on the way that is not a map is left alone (and nothing is set): the
// document is not what the schema expects, and overwriting it would lose it.
func setPath(d Doc, path string, v any) {
	segs := strings.Split(path, ".")
	m := d
	for _, seg := range segs[:len(segs)-1] {
		next, present := m[seg]
		child, ok := next.(map[string]any)
		if present && !ok {
			return
		}
		if !ok {
			child = map[string]any{}
			m[seg] = child
		}
		m = child
	}
	m[segs[len(segs)-1]] = v
}

func sortRefs(refs []Ref) []Ref {
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Kind != refs[j].Kind {
			return refs[i].Kind < refs[j].Kind
		}
		return refs[i].Key < refs[j].Key
	})
	out := refs[:0]
	for i, r := range refs {
		if i == 0 || r != refs[i-1] {
			out = append(out, r)
		}
	}
	return out
}

// OriginOf returns the identity marker a raw document carries, "" if none.
func (s *Schema) OriginOf(raw Doc) string {
	var origin string
	if s.Marker != "" {
		visit(raw, s.Marker, func(m map[string]any, k string) { origin, _ = m[k].(string) })
	}
	return origin
}
