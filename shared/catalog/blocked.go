package catalog

import (
	"cmp"
	"slices"

	"github.com/drsync/drsync/shared/resource"
)

// sortBlocked orders bs by field, then value, then reason, and drops exact
// repeats (two tasks naming the same missing warehouse say nothing more
// than one, as fields carry no array index).
func sortBlocked(bs []resource.Blocked) []resource.Blocked {
	slices.SortFunc(bs, func(a, b resource.Blocked) int {
		return cmp.Or(cmp.Compare(a.Field, b.Field), cmp.Compare(a.Value, b.Value), cmp.Compare(a.Reason, b.Reason))
	})
	return slices.Compact(bs)
}
