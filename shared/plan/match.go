package plan

import (
	"maps"
	"slices"
	"sort"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/rewrite"
)

// KindInfo is what the planner needs to know of a kind.
type KindInfo struct {
	Name   string
	Schema *resource.Schema
	// Warm gives the desired DR document for a normalised source document and
	// the facts it overrode; nil when the kind has no warm-DR policy.
	Warm func(resource.Doc) (resource.Doc, map[string]string)
	// Finishes: a new object of the kind gets a warm-DR state after its
	// create (resource.Finisher).
	Finishes bool
	// Rewrite are the pair's rewrite rules for the kind; nil: none.
	Rewrite *rewrite.Rules
	// Rewarm: a matched target object the listing found active
	// (resource.Object.Active) gets that state set again (the run's policy
	// terminates such objects).
	Rewarm bool
}

// Infos describes kinds for the planner, with the run's warm-DR policy and
// the pair's rewrite rules (nil: none).
func Infos(kinds []resource.Kind, warm resource.WarmPolicy, rules *rewrite.Rules) []KindInfo {
	out := make([]KindInfo, 0, len(kinds))
	for _, k := range kinds {
		info := KindInfo{Name: k.Name(), Schema: k.Schema(), Rewrite: rules.For(k.Info().Resource)}
		_, info.Finishes = k.(resource.Finisher)
		info.Rewarm = info.Finishes && warm.TerminateClusters
		if w, ok := k.(resource.Warmer); ok {
			info.Warm = func(d resource.Doc) (resource.Doc, map[string]string) { return w.Warm(d, warm) }
		}
		out = append(out, info)
	}
	return out
}

// Input is everything a plan is made from. Objects are normalised and hashed
// (Hash set; Doc may be nil when the hash came from the ledger). Records are the
// ledger's records for the kinds and paths in scope.
type Input struct {
	Kinds   []KindInfo
	Source  map[string][]resource.Object
	Target  map[string][]resource.Object
	Records []ledger.Record
	// MapPath maps a source path to its target path; nil means identity.
	MapPath func(string) string
	// Revert drift made by hand in the target (else report it and leave it).
	Revert bool
	// MaxDeleteShare is the delete guard: the largest share of managed objects
	// one run may delete unless AllowMassDelete.
	MaxDeleteShare  float64
	AllowMassDelete bool
	// Managed, where larger than what Records show, is the number of objects
	// drsync manages per kind (a targeted sync sees only the records it is
	// about).
	Managed map[string]int
	Pulled  []string
	// RetryFailed retries objects whose last attempt failed terminally even
	// though their source has not changed since.
	RetryFailed bool
	// Reverse: the sync goes DR → primary, against the rewrite rules'
	// direction, so they are undone instead of applied (Desire).
	Reverse bool
	// Resolve replaces in a desired document the ids of objects drsync does
	// not copy (SQL warehouses, pipelines, notification destinations) by the
	// target's, and lists those it cannot resolve; nil resolves nothing.
	Resolve func(resource.Doc) []resource.Blocked
	// Check lists what in a document the target cannot run (a node type, an
	// instance profile, a principal it lacks); nil checks nothing. Only the
	// documents of creates and updates are checked.
	Check func(resource.Doc) []resource.Blocked
}

// Matches pairs source keys with target ids, per kind.
type Matches struct {
	toTarget map[string]map[string]string
	toSource map[string]map[string]string
}

// TargetID is the target id matched to a source key.
func (m *Matches) TargetID(kind, key string) (string, bool) {
	id, ok := m.toTarget[kind][key]
	return id, ok
}

// SourceKey is the source key a target id was matched to.
func (m *Matches) SourceKey(kind, id string) (string, bool) {
	key, ok := m.toSource[kind][id]
	return key, ok
}

func (m *Matches) add(kind, key, id string) {
	if m.toTarget[kind] == nil {
		m.toTarget[kind] = map[string]string{}
		m.toSource[kind] = map[string]string{}
	}
	m.toTarget[kind][key] = id
	m.toSource[kind][id] = key
}

// Match pairs every source object with its target counterpart, in order of
// trust: the ledger's record, the identity marker the target object carries,
// the mapped path (workspace objects), then the name (kinds matched by name,
// built-ins, and objects whose tags leave no room for the marker). Each
// target object is claimed at most once. Ledger records whose source object
// is gone still claim their target object, so it can be deleted.
func Match(in *Input) *Matches {
	m := &Matches{toTarget: map[string]map[string]string{}, toSource: map[string]map[string]string{}}
	recs := recordIndex(in.Records)
	for _, k := range in.Kinds {
		matchKind(m, k, in.Source[k.Name], in.Target[k.Name], recs[k.Name], in.mapPath)
	}
	return m
}

func matchKind(m *Matches, k KindInfo, src, tgt []resource.Object, recs map[string]ledger.Record, mapPath func(string) string) {
	byID, byOrigin, byName := map[string]bool{}, map[string]string{}, map[string]string{}
	for _, t := range sortedByID(tgt) {
		byID[t.ID] = true
		if t.Origin != "" {
			byOrigin[t.Origin] = t.ID
		}
		if _, dup := byName[t.Name]; !dup && (k.Schema.MatchByName || t.Builtin) {
			byName[t.Name] = t.ID
		}
	}
	bare := bareNames(tgt)
	claimed := map[string]bool{}
	claim := func(key, id string) bool {
		if id == "" || !byID[id] || claimed[id] {
			return false
		}
		claimed[id] = true
		m.add(k.Name, key, id)
		return true
	}
	for _, key := range slices.Sorted(maps.Keys(recs)) {
		claim(key, recs[key].TargetID)
	}
	for _, s := range sortedByKey(src) {
		if _, done := m.TargetID(k.Name, s.Key); done {
			continue
		}
		switch {
		case claim(s.Key, byOrigin[s.Key]):
		case k.Schema.Paths && claim(s.Key, mapPath(s.Key)):
		case (k.Schema.MatchByName || s.Builtin) && claim(s.Key, byName[s.Name]):
		case unmarked(k, s) && claim(s.Key, bare[s.Name]):
		}
	}
	// Objects drsync made (they carry a marker) whose source is unknown to the
	// ledger are still managed: match them to their origin key for deletion.
	for _, t := range sortedByID(tgt) {
		if t.Origin != "" && !claimed[t.ID] {
			if _, taken := m.TargetID(k.Name, t.Origin); !taken {
				claim(t.Origin, t.ID)
			}
		}
	}
}

func (in *Input) mapPath(p string) string {
	if in.MapPath == nil {
		return p
	}
	return in.MapPath(p)
}

func recordIndex(recs []ledger.Record) map[string]map[string]ledger.Record {
	idx := map[string]map[string]ledger.Record{}
	for _, r := range recs {
		if idx[r.Kind] == nil {
			idx[r.Kind] = map[string]ledger.Record{}
		}
		idx[r.Kind][r.SourceKey] = r
	}
	return idx
}

func sortedByID(objs []resource.Object) []resource.Object {
	out := append([]resource.Object(nil), objs...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func sortedByKey(objs []resource.Object) []resource.Object {
	out := append([]resource.Object(nil), objs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
