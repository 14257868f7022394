package catalog

import (
	"fmt"

	"github.com/drsync/drsync/shared/resource"
)

// Resolve replaces in doc (mutating it) every source id of a SQL warehouse,
// pipeline or notification destination (the fields in refSpecs) by its DR
// id: id_map's first, else the id of the one DR object with the source
// object's name. Each id it cannot map stays as it is and is returned as a
// Blocked (field with "[]" for arrays, the source id, and why), sorted by
// field then value. It reads nothing: the lists come from LoadRefs, and an
// id whose lists were not loaded is blocked too, never passed through.
func (c *Catalog) Resolve(doc resource.Doc) []resource.Blocked {
	var out []resource.Blocked
	for _, l := range leaves(doc) {
		t, ok := refTypeOf(l.path)
		if !ok || l.value == "" {
			continue
		}
		if id, ok := c.ids.mapped(t, l.value); ok {
			l.set(id)
			continue
		}
		id, reason := c.byName(t, l.value)
		if reason != "" {
			out = append(out, resource.Blocked{Field: l.field(), Value: l.value, Reason: reason})
			continue
		}
		l.set(id)
	}
	return sortBlocked(out)
}

// byName finds the DR counterpart of source id src by name, or says why
// there is none.
func (c *Catalog) byName(t refType, src string) (id, reason string) {
	spec := refSpecs[t]
	lists := c.refs[t]
	if spec.mapOnly {
		return "", fmt.Sprintf("%s %s is not looked up by name: give its DR id in id_map.%s", spec.noun, src, spec.idMap)
	}
	if lists == nil {
		return "", fmt.Sprintf("%s (source id %s) was not looked up: the %s lists were not read (LoadRefs), none in id_map.%s",
			spec.noun, src, spec.noun, spec.idMap)
	}
	name, ok := lists.src.byID[src]
	if !ok {
		return "", fmt.Sprintf("%s with source id %s does not exist in the source, none in id_map.%s",
			spec.noun, src, spec.idMap)
	}
	switch ids := lists.dr.byName[name]; len(ids) {
	case 1:
		return ids[0], ""
	case 0:
		return "", fmt.Sprintf("%s %q (source id %s) has no counterpart in DR: none of that name, none in id_map.%s",
			spec.noun, name, src, spec.idMap)
	default:
		return "", fmt.Sprintf("%s %q (source id %s) has no single counterpart in DR: %d of that name, none in id_map.%s",
			spec.noun, name, src, len(ids), spec.idMap)
	}
}
