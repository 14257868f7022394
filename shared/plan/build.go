package plan

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
)

// DefaultMaxDeleteShare is the delete guard's default: one run may delete at most
// 20 % of the objects drsync manages unless told otherwise.
const DefaultMaxDeleteShare = 0.2

// Build makes the plan. Creates and updates come in dependency order of kinds,
// deletes in reverse order (directories deepest first); After edges let the
// applier run independent actions concurrently and skip the dependants of a
// failed action.
func Build(in *Input) *Plan {
	b := &builder{
		in:      in,
		matches: Match(in),
		recs:    recordIndex(in.Records),
		plan:    &Plan{Pulled: in.Pulled},
		managed: map[string]int{},
		missing: map[resource.Ref]bool{},
	}
	for _, k := range in.Kinds {
		b.upserts(k)
	}
	b.skipDependants()
	b.replacements()
	for i := len(in.Kinds) - 1; i >= 0; i-- {
		b.deletes(in.Kinds[i])
	}
	b.link()
	b.warnOutOfScope()
	b.breakCycles()
	b.guard()
	return b.plan
}

type builder struct {
	in      *Input
	matches *Matches
	recs    map[string]map[string]ledger.Record
	plan    *Plan
	managed map[string]int // per kind
	// missing are the objects this plan skips that the target does not have,
	// so what references them cannot be written either.
	missing map[resource.Ref]bool
}

// skipDependants turns into skips, with a reason, the creates and updates
// that reference an object the plan skips and the target lacks (a create
// that failed for good), and so on transitively: their write would fail on
// a reference drsync cannot resolve.
func (b *builder) skipDependants() {
	for changed := true; changed; {
		changed = false
		for i := range b.plan.Actions {
			a := &b.plan.Actions[i]
			if a.Op != Create && a.Op != Update {
				continue
			}
			for _, r := range a.Source.Refs {
				if b.missing[r] {
					a.Op, a.Reason = Skip, "not applied: references "+r.Kind+" "+r.Key+", which is not in the target (skipped above)"
					b.missing[b.refOf(*a)] = a.TargetID == ""
					changed = true
					break
				}
			}
		}
	}
}

func (b *builder) add(a Action) {
	a.Status = StatusPlanned
	b.plan.Actions = append(b.plan.Actions, a)
}

func targetsByID(objs []resource.Object) map[string]resource.Object {
	m := make(map[string]resource.Object, len(objs))
	for _, o := range objs {
		m[o.ID] = o
	}
	return m
}

func (b *builder) upserts(k KindInfo) {
	targets := targetsByID(b.in.Target[k.Name])
	for _, s := range sortedByKey(b.in.Source[k.Name]) {
		if s.Skip != "" {
			b.add(Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Skip, Reason: s.Skip})
			continue
		}
		rec, hasRec := b.recs[k.Name][s.Key]
		tid, matched := b.matches.TargetID(k.Name, s.Key)
		t := targets[tid]
		if b.unreadable(k, s, t, matched) {
			continue
		}
		var target *resource.Object
		if matched {
			target = &t
		}
		w := Desire(b.in, k, s, target)
		switch {
		case s.Builtin && matched && (t.Hash == w.Hash || s.Doc == nil || t.Doc == nil):
			b.unchanged(k, s, t, rec, hasRec, w.Attrs)
		case s.Builtin && matched:
			// What an admin may change on a built-in object (a default
			// policy's overrides) is synced; it is never created or deleted.
			b.update(k, s, t, rec, hasRec, w)
		case s.Builtin:
			b.add(Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Skip,
				Reason: "built-in object with no counterpart of the same name in the target"})
		case hasRec && b.failedForGood(s, rec):
			if !matched {
				b.missing[b.refOf(Action{Kind: k.Name, Key: s.Key})] = true
			}
			b.add(Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Skip, TargetID: rec.TargetID,
				Reason: fmt.Sprintf("not retried: failed %d time(s) with an error a retry cannot fix, and the source "+
					"has not changed since (%s); fix the cause, then change the source or sync with --retry-failed",
					rec.Failures, rec.LastError)})
		case !matched:
			b.create(k, s, hasRec, w)
		case hasRec && rec.Status == ledger.StatusPending && k.Finishes:
			b.finishPending(k, s, t, rec, w)
		case t.Hash == w.Hash:
			if !b.rewarmActive(k, s, t, w) {
				b.unchanged(k, s, t, rec, hasRec, w.Attrs)
			}
		default:
			b.update(k, s, t, rec, hasRec, w)
			b.rewarmActive(k, s, t, w)
		}
	}
}

// failedForGood: the object's last attempt failed terminally and its source
// is the one that failed (same hash, or same change marker when the hash is
// not known without a read), unless the run retries failures anyway.
func (b *builder) failedForGood(s resource.Object, rec ledger.Record) bool {
	if b.in.RetryFailed || rec.Status != ledger.StatusFailed || !rec.Terminal {
		return false
	}
	return (s.Hash != "" && s.Hash == rec.SourceHash) || (s.Mark != 0 && s.Mark == rec.SourceMark)
}

// finishPending completes an object created without its warm-DR state: the
// state is set, and the document updated first if it also differs.
func (b *builder) finishPending(k KindInfo, s, t resource.Object, rec ledger.Record, w Want) {
	if t.Hash != w.Hash {
		b.update(k, s, t, rec, true, w)
		if i := b.plan.Find(k.Name, s.Key); i >= 0 {
			b.plan.Actions[i].Finish = true
			b.plan.Actions[i].Reason += "; its warm-DR state was never set: set now"
		}
		return
	}
	b.add(Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Update, TargetID: t.ID, Source: s,
		Desired: w.Doc, DesiredHash: w.Hash, Attrs: w.Attrs, Finish: true, FinishOnly: true,
		Reason: "created by an earlier run, but its warm-DR state was never set (the run died or a step failed): set now"})
}

func (b *builder) create(k KindInfo, s resource.Object, hasRec bool, w Want) {
	a := Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Create, Reason: "new in source",
		Source: s, Desired: w.Doc, DesiredHash: w.Hash, Attrs: w.Attrs, Rewrites: w.Rewrites}
	if k.Schema.Paths {
		a.TargetID = b.in.mapPath(s.Key)
	}
	if hasRec {
		a.Reason, a.Drift = "missing in target (deleted by hand?): recreated", true
		b.plan.Drift++
	}
	a.Reason += markerNote(k, s)
	b.addChecked(a, w)
}

func (b *builder) unchanged(k KindInfo, s, t resource.Object, rec ledger.Record, hasRec bool, attrs map[string]string) {
	b.plan.Unchanged++
	if hasRec && rec.Status == ledger.StatusSynced && rec.TargetID == t.ID &&
		rec.SourceHash == s.Hash && rec.TargetHash == t.Hash &&
		rec.SourceMark == s.Mark && rec.TargetMark == t.Mark && (attrs == nil || maps.Equal(rec.Attrs, attrs)) {
		return
	}
	if attrs == nil && hasRec {
		attrs = rec.Attrs
	}
	b.plan.Bindings = append(b.plan.Bindings, Binding{
		Kind: k.Name, Key: s.Key, TargetID: t.ID,
		SourceHash: s.Hash, TargetHash: t.Hash, SourceMark: s.Mark, TargetMark: t.Mark, Attrs: attrs,
	})
}

func (b *builder) update(k KindInfo, s, t resource.Object, rec ledger.Record, hasRec bool, w Want) {
	srcChanged := !hasRec || rec.SourceHash != s.Hash || rec.Status != ledger.StatusSynced
	drift := hasRec && rec.TargetHash != t.Hash
	a := Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Update, TargetID: t.ID,
		Source: s, Desired: w.Doc, DesiredHash: w.Hash, Attrs: w.Attrs, Rewrites: w.Rewrites, Drift: drift}
	if w.Doc != nil && t.Doc != nil {
		a.Changes = resource.Diff(t.Doc, w.Doc, 2)
	}
	switch {
	case !hasRec:
		a.Reason = "adopted existing target object; it differs from the source"
	case srcChanged && drift:
		a.Reason = "changed in source; target also changed by hand"
	case srcChanged:
		a.Reason = "changed in source"
	case drift && !b.in.Revert && len(coldFields(k, t)) > 0:
		b.rewarmOnly(k, s, t, rec.TargetHash, coldFields(k, t), w.Attrs)
		return
	case drift && !b.in.Revert:
		b.plan.Drift++
		b.add(Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Skip, TargetID: t.ID, Changes: a.Changes,
			Reason: "drift: changed by hand in the target (left alone: drift revert is off)"})
		return
	case drift:
		a.Reason = "drift: changed by hand in the target; reverted to the source"
	default:
		a.Reason = "target differs from the source"
	}
	if drift {
		b.plan.Drift++
	}
	if cold := coldFields(k, t); len(cold) > 0 {
		a.Reason += "; " + warmNote(cold)
	}
	if f := forceNew(k.Schema, a.Changes); f != "" {
		a.Replace = true
		a.Reason += "; replaced: " + f + " cannot change in place"
	}
	a.Reason += markerNote(k, s)
	b.addChecked(a, w)
}

func forceNew(s *resource.Schema, changes []string) string {
	for _, c := range changes {
		for _, f := range s.ForceNew {
			if c == f || strings.HasPrefix(c, f+".") {
				return f
			}
		}
	}
	return ""
}

// replacements updates the dependants of every replaced object (their target
// documents still name the old id) and deletes the old object after them.
func (b *builder) replacements() {
	n := len(b.plan.Actions)
	for i := 0; i < n; i++ {
		r := b.plan.Actions[i]
		if !r.Replace {
			continue
		}
		ref := resource.Ref{Kind: r.Kind, Key: r.Key}
		var after []int
		for _, k := range b.in.Kinds {
			after = append(after, b.dependantUpdates(k, ref)...)
		}
		b.add(Action{Kind: r.Kind, Key: r.Key, Name: r.Name, Op: Delete, TargetID: r.TargetID,
			Reason: "replaced by a new object", KeepRecord: true, After: after})
	}
}

func (b *builder) dependantUpdates(k KindInfo, ref resource.Ref) []int {
	sources := map[string]resource.Object{}
	for _, s := range b.in.Source[k.Name] {
		sources[s.Key] = s
	}
	var idx []int
	for _, t := range sortedByID(b.in.Target[k.Name]) {
		key, ok := b.matches.SourceKey(k.Name, t.ID)
		s, inSource := sources[key]
		if !ok || !inSource || !hasRef(t.Refs, ref) {
			continue
		}
		if i := b.plan.Find(k.Name, key); i >= 0 {
			idx = append(idx, i)
			continue
		}
		w := Desire(b.in, k, s, &t)
		b.add(Action{Kind: k.Name, Key: key, Name: s.Name, Op: Update, TargetID: t.ID, Source: s,
			Desired: w.Doc, DesiredHash: w.Hash, Attrs: w.Attrs, Rewrites: w.Rewrites,
			Reason: "references " + ref.Kind + " " + ref.Key + ", which is replaced"})
		idx = append(idx, len(b.plan.Actions)-1)
	}
	return idx
}

func hasRef(refs []resource.Ref, r resource.Ref) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

func (b *builder) deletes(k KindInfo) {
	inSource := map[string]bool{}
	for _, s := range b.in.Source[k.Name] {
		inSource[s.Key] = true
	}
	targets := targetsByID(b.in.Target[k.Name])
	var gone []Action
	for _, key := range slices.Sorted(maps.Keys(b.recs[k.Name])) {
		rec := b.recs[k.Name][key]
		if rec.TargetID != "" { // a create that failed made nothing to manage
			b.managed[k.Name]++
		}
		if inSource[key] {
			continue
		}
		tid, matched := b.matches.TargetID(k.Name, key)
		if !matched || targets[tid].Builtin {
			b.plan.Forget = append(b.plan.Forget, rec)
			continue
		}
		gone = append(gone, Action{Kind: k.Name, Key: key, Name: targets[tid].Name, Op: Delete,
			TargetID: tid, Reason: "deleted in source"})
	}
	for _, t := range sortedByID(b.in.Target[k.Name]) {
		if t.Origin == "" || t.Builtin {
			continue
		}
		key, claimed := b.matches.SourceKey(k.Name, t.ID)
		if other, mapped := b.matches.TargetID(k.Name, t.Origin); !claimed && mapped && other != t.ID {
			// A second object with the marker of a source object drsync
			// already maps (a create repeated by a crash, a retry, another
			// run): it is drsync's, so it goes; the record stays.
			gone = append(gone, Action{Kind: k.Name, Key: t.Origin, Name: t.Name, Op: Delete, TargetID: t.ID,
				KeepRecord: true, Reason: "duplicate: carries the marker of source " + t.Origin +
					", which drsync maps to " + other + " (it is drsync's): removed"})
			continue
		}
		if _, recorded := b.recs[k.Name][key]; recorded || key != t.Origin {
			continue
		}
		b.managed[k.Name]++
		if !inSource[key] {
			gone = append(gone, Action{Kind: k.Name, Key: key, Name: t.Name, Op: Delete, TargetID: t.ID,
				Reason: "not in source; carries drsync's marker, so drsync manages it"})
		}
	}
	// Children before their parents: for paths, the longer key sorts later.
	sort.SliceStable(gone, func(i, j int) bool { return gone[i].Key > gone[j].Key })
	for _, a := range gone {
		b.add(a)
	}
}

// link sets After edges: an upsert waits for the upserts of what it references
// and of its parent folder; a delete waits for the deletes of what references
// it and of its children.
func (b *builder) link() {
	upsert := map[resource.Ref]int{}
	del := map[resource.Ref]int{}
	for i, a := range b.plan.Actions {
		switch {
		case a.Op == Create || a.Op == Update:
			upsert[b.refOf(a)] = i
		case a.Op == Delete && !a.KeepRecord:
			del[b.refOf(a)] = i
		}
	}
	targetRefs := b.targetRefs()
	for i := range b.plan.Actions {
		a := &b.plan.Actions[i]
		switch {
		case a.Op == Create || a.Op == Update:
			a.After = appendDeps(a.After, upsert, i, b.upsertDeps(*a))
		case a.Op == Delete && !a.KeepRecord:
			a.After = appendDeps(a.After, del, i, b.deleteDeps(*a, targetRefs))
		}
	}
}

// refOf names what an action creates or deletes; workspace objects are named
// by path so path references (a job's notebook) find them.
func (b *builder) refOf(a Action) resource.Ref {
	if b.isPathKind(a.Kind) {
		return resource.Ref{Kind: resource.KindPath, Key: a.Key}
	}
	return resource.Ref{Kind: a.Kind, Key: a.Key}
}

func (b *builder) isPathKind(kind string) bool {
	for _, k := range b.in.Kinds {
		if k.Name == kind {
			return k.Schema.Paths
		}
	}
	return false
}

func (b *builder) upsertDeps(a Action) []resource.Ref {
	deps := append([]resource.Ref(nil), a.Source.Refs...)
	if b.isPathKind(a.Kind) && a.Key != "/" {
		deps = append(deps, resource.Ref{Kind: resource.KindPath, Key: path.Dir(a.Key)})
	}
	return deps
}

func (b *builder) deleteDeps(a Action, targetRefs map[resource.Ref][]resource.Ref) []resource.Ref {
	deps := append([]resource.Ref(nil), targetRefs[b.refOf(a)]...)
	if b.isPathKind(a.Kind) {
		for _, other := range b.plan.Actions {
			if other.Op == Delete && b.isPathKind(other.Kind) && path.Dir(other.Key) == a.Key && other.Key != a.Key {
				deps = append(deps, resource.Ref{Kind: resource.KindPath, Key: other.Key})
			}
		}
	}
	return deps
}

// targetRefs maps each referenced object to the target objects referencing it.
func (b *builder) targetRefs() map[resource.Ref][]resource.Ref {
	out := map[resource.Ref][]resource.Ref{}
	for _, k := range b.in.Kinds {
		for _, t := range b.in.Target[k.Name] {
			key, ok := b.matches.SourceKey(k.Name, t.ID)
			if !ok {
				continue
			}
			from := resource.Ref{Kind: k.Name, Key: key}
			if k.Schema.Paths {
				from = resource.Ref{Kind: resource.KindPath, Key: key}
			}
			for _, r := range t.Refs {
				out[r] = append(out[r], from)
			}
		}
	}
	return out
}

func appendDeps(after []int, idx map[resource.Ref]int, self int, deps []resource.Ref) []int {
	seen := map[int]bool{}
	for _, i := range after {
		seen[i] = true
	}
	for _, d := range deps {
		if i, ok := idx[d]; ok && i != self && !seen[i] {
			seen[i] = true
			after = append(after, i)
		}
	}
	sort.Ints(after)
	return after
}

// guardFloor is how many deletes of one kind pass the guard whatever the
// share: a kind of three objects may lose one.
const guardFloor = 1

// guard weighs the plan's deletes (not the removal of a replaced object)
// against what drsync manages: refused when they exceed the share of the
// whole, or of one kind beyond the floor, or would leave a kind with none.
func (b *builder) guard() {
	share := b.in.MaxDeleteShare
	if share <= 0 {
		share = DefaultMaxDeleteShare
	}
	g := Guard{MaxShare: share}
	deletes := map[string]int{}
	for _, a := range b.plan.Actions {
		if a.Op == Delete && !a.KeepRecord {
			deletes[a.Kind]++
			g.Deletes++
		}
	}
	for _, k := range b.in.Kinds {
		managed := max(b.managed[k.Name], b.in.Managed[k.Name])
		g.Managed += managed
		if kg, refused := kindGuard(k.Name, managed, deletes[k.Name], share); refused {
			g.Kinds = append(g.Kinds, kg)
		}
	}
	overall := g.Deletes > 0 && float64(g.Deletes) > share*float64(g.Managed)
	g.Refused = !b.in.AllowMassDelete && (overall || len(g.Kinds) > 0)
	if b.in.AllowMassDelete {
		g.Kinds = nil
	}
	b.plan.Guard = g
}

// kindGuard is the verdict on deleting n of the managed objects of kind.
func kindGuard(kind string, managed, n int, share float64) (KindGuard, bool) {
	kg := KindGuard{Kind: kind, Managed: managed, Deletes: n}
	switch {
	case n == 0:
		return kg, false
	case n >= managed:
		kg.Reason = fmt.Sprintf("every one of the %d managed %s objects would be deleted", managed, kind)
	case n > guardFloor && float64(n) > share*float64(managed):
		kg.Reason = fmt.Sprintf("%d of %d managed %s objects would be deleted (more than %.0f%%)", n, managed, kind, share*100)
	default:
		return kg, false
	}
	return kg, true
}

// breakCycles turns actions caught in a dependency cycle (job A runs job B,
// which runs job A) into skips with a reason: the applier would otherwise wait
// on them forever, and neither can be created before the other exists.
func (b *builder) breakCycles() {
	acts := b.plan.Actions
	indeg := make([]int, len(acts))
	next := make([][]int, len(acts))
	for i, a := range acts {
		for _, j := range a.After {
			indeg[i]++
			next[j] = append(next[j], i)
		}
	}
	var queue []int
	for i, d := range indeg {
		if d == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, n := range next[i] {
			if indeg[n]--; indeg[n] == 0 {
				queue = append(queue, n)
			}
		}
	}
	var cycle []string
	for i, d := range indeg {
		if d > 0 {
			cycle = append(cycle, acts[i].Kind+" "+acts[i].Key)
		}
	}
	for i, d := range indeg {
		if d > 0 {
			acts[i].Op, acts[i].After = Skip, nil
			acts[i].Reason = "not applied: reference cycle between " + strings.Join(cycle, ", ") +
				"; none can be created before the others exist (break the cycle in the source)"
		}
	}
}
