package plan

import (
	"fmt"
	"strings"

	"github.com/drsync/drsync/shared/resource"
)

// unmarked reports whether the target copy of s is written without drsync's
// identity marker because s's tags are already at the kind's limit
// (resource.Schema.MarkerFits). Such a copy is known by its ledger record,
// and, when the ledger has lost it, adopted by name.
func unmarked(k KindInfo, s resource.Object) bool {
	return s.Doc != nil && !k.Schema.MarkerFits(s.Doc)
}

// markerNote is what a create or update of such an object adds to its
// reason, so the plan says why the copy carries no marker.
func markerNote(k KindInfo, s resource.Object) string {
	if !unmarked(k, s) {
		return ""
	}
	field := k.Schema.Marker[:max(0, strings.LastIndex(k.Schema.Marker, "."))]
	return fmt.Sprintf("; written without drsync's marker: %s is at its limit of %d (identity from the ledger and the name)",
		field, k.Schema.MarkerLimit)
}

// bareNames indexes by name the target objects that carry no marker (the
// first by id for a name), for matching unmarked source objects.
func bareNames(tgt []resource.Object) map[string]string {
	out := map[string]string{}
	for _, t := range sortedByID(tgt) {
		if _, dup := out[t.Name]; !dup && t.Origin == "" && !t.Builtin {
			out[t.Name] = t.ID
		}
	}
	return out
}
