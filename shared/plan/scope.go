package plan

import (
	"github.com/drsync/drsync/shared/resource"
)

// warnOutOfScope notes, in the reason of each create and update, the
// workspace paths it references that drsync does not copy (outside the
// synced paths, or excluded): the DR copy is written pointing at the path
// as it is, which is not an error, but may not run until something puts
// an object there. Only a full snapshot knows every synced path, so a
// targeted sync (Input.Managed set) warns of nothing.
func (b *builder) warnOutOfScope() {
	if b.in.Managed != nil {
		return
	}
	synced := map[string]bool{}
	for _, k := range b.in.Kinds {
		if !k.Schema.Paths {
			continue
		}
		for _, s := range b.in.Source[k.Name] {
			synced[s.Key] = true
		}
	}
	for i := range b.plan.Actions {
		a := &b.plan.Actions[i]
		if a.Op != Create && a.Op != Update {
			continue
		}
		for _, r := range a.Source.Refs {
			if r.Kind == resource.KindPath && !synced[r.Key] {
				a.Reason += "; warning: references " + r.Key + ", which drsync does not sync (outside the synced paths): the DR copy points at it as it is"
			}
		}
	}
}
