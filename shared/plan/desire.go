package plan

import (
	"cmp"
	"slices"

	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/rewrite"
)

// Want is the document the target should hold for a source object, and how
// it was made from the source's.
type Want struct {
	Doc   resource.Doc // nil when the source document was not read
	Hash  string
	Attrs map[string]string // facts the warm-DR policy overrode
	// Rewrites are the values the pair's rewrite rules changed.
	Rewrites []rewrite.Change
	// Unresolved are the references to objects drsync does not copy that
	// have no counterpart in the target (Input.Resolve).
	Unresolved []resource.Blocked
}

// Desire is the document the target should hold for the source object s of
// kind k: the normalised source document, rewritten by the pair's rules, its
// references to objects drsync does not copy resolved to the target's
// (in.Resolve), then given its warm-DR state; hashed after all of these, so
// none of them reads as drift. t is s's matched target object, nil when
// there is none. In a reverse sync (DR → primary) the rules are undone
// instead, against t: what they made of the primary's values goes back to
// them where DR still holds it (rewrite.Rules.Undo).
func Desire(in *Input, k KindInfo, s resource.Object, t *resource.Object) Want {
	if s.Doc == nil || (k.Rewrite == nil && in.Resolve == nil && k.Warm == nil) {
		return Want{Doc: s.Doc, Hash: s.Hash}
	}
	w := Want{Doc: resource.Clone(s.Doc)}
	switch {
	case !in.Reverse:
		w.Rewrites = k.Rewrite.Apply(w.Doc)
	case t != nil && t.Doc != nil:
		w.Rewrites = k.Rewrite.Undo(w.Doc, t.Doc)
	}
	if in.Resolve != nil {
		w.Unresolved = in.Resolve(w.Doc)
	}
	if k.Warm != nil {
		w.Doc, w.Attrs = k.Warm(w.Doc)
	}
	w.Hash = resource.Hash(w.Doc)
	return w
}

// addChecked adds a create or update, or, when the target cannot take it
// (references it cannot resolve, or what in.Check finds), a blocked skip
// with every cause. A blocked create leaves the object missing in the
// target, so what references it is skipped too (skipDependants).
func (b *builder) addChecked(a Action, w Want) {
	blocked := w.Unresolved
	if b.in.Check != nil && w.Doc != nil {
		blocked = append(slices.Clone(blocked), b.in.Check(w.Doc)...)
	}
	if len(blocked) == 0 {
		b.add(a)
		return
	}
	if a.Op == Create {
		b.missing[b.refOf(a)] = true
	}
	a.Op, a.Blocked, a.Replace, a.Finish, a.FinishOnly = Skip, sortBlocked(blocked), false, false, false
	a.Reason = "blocked: the target cannot take it; fix each cause below in the target, by a rewrite rule or by id_map, then sync again"
	b.add(a)
}

// sortBlocked orders causes by field, value and reason, without repeats.
func sortBlocked(bs []resource.Blocked) []resource.Blocked {
	out := slices.Clone(bs)
	slices.SortFunc(out, func(x, y resource.Blocked) int {
		return cmp.Or(cmp.Compare(x.Field, y.Field), cmp.Compare(x.Value, y.Value), cmp.Compare(x.Reason, y.Reason))
	})
	return slices.Compact(out)
}
