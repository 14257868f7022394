package rewrite

import (
	"encoding/json"
	"reflect"

	"github.com/drsync/drsync/shared/resource"
)

// Undo is the rules' way back, for a sync in the other direction (DR →
// primary, while failed over): target is the object's document in the
// workspace the rules rewrite *from* (the primary's), doc the document
// coming back from the workspace they rewrite *to* (DR's). Every value the
// rules make of target's is put back in doc where doc still holds the value
// they made, so an object nobody changed in DR goes back exactly as the
// primary holds it; a value changed in DR since is carried back as it is.
// This holds for every operation, the ones no inverse exists for (regex,
// set, drop) too. doc is changed in place; Undo returns what it put back.
func (r *Rules) Undo(doc, target map[string]any) []Change {
	if r == nil || doc == nil || target == nil {
		return nil
	}
	var undone []Change
	for _, c := range r.Apply(resource.Clone(target)) { // target stays as it is
		parent, key, ok := locate(doc, c.loc)
		if !ok {
			continue
		}
		cur, present := get(parent, key)
		if present != (c.to != nil) || (present && !equal(cur, c.to)) {
			continue // changed in DR since: carried back as it is
		}
		if c.from == nil {
			del(parent, key)
		} else {
			set(parent, key, c.from)
		}
		undone = append(undone, Change{Rule: c.Rule, Field: c.Field, From: c.To, To: c.From})
	}
	return undone
}

// locate walks doc to the container of loc's last step.
func locate(doc map[string]any, loc []any) (parent any, key any, ok bool) {
	if len(loc) == 0 {
		return nil, nil, false
	}
	var cur any = doc
	for _, step := range loc[:len(loc)-1] {
		next, present := get(cur, step)
		if !present {
			return nil, nil, false
		}
		cur = next
	}
	return cur, loc[len(loc)-1], true
}

func get(container, key any) (any, bool) {
	switch c := container.(type) {
	case map[string]any:
		k, ok := key.(string)
		if !ok {
			return nil, false
		}
		v, present := c[k]
		return v, present
	case []any:
		i, ok := key.(int)
		if !ok || i < 0 || i >= len(c) {
			return nil, false
		}
		return c[i], true
	}
	return nil, false
}

func set(container, key, v any) {
	switch c := container.(type) {
	case map[string]any:
		c[key.(string)] = v
	case []any:
		c[key.(int)] = v
	}
}

func del(container, key any) {
	if m, ok := container.(map[string]any); ok {
		delete(m, key.(string))
	}
}

// equal compares two JSON values (numbers of different Go types alike).
func equal(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
