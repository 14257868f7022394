package snapshot

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
)

// ListKeys is List for a targeted sync: it reads only the objects keys name —
// API objects one by one, workspace paths with their subtrees — so its cost
// grows with the changed objects, not the estate. A key whose source object is
// gone and that the ledger knows becomes a delete; the delete guard still
// weighs deletes against everything the ledger manages (Snapshot.Managed).
//
// The target side is read through the ledger's target ids; only a key the
// ledger does not know (or whose target object vanished) lists its kind in the
// target once, to adopt an object a crashed run created instead of creating a
// duplicate.
func ListKeys(ctx context.Context, src, tgt resource.Workspace, kinds []resource.Kind, keys []resource.Ref, records []ledger.Record, opts Options) (*Snapshot, error) {
	opts.defaults()
	want := groupKeys(kinds, keys)
	s := &Snapshot{Source: map[string][]resource.Object{}, Target: map[string][]resource.Object{}}
	var mu sync.Mutex
	add := func(side map[string][]resource.Object, kind string, objs []resource.Object) {
		mu.Lock()
		side[kind] = append(side[kind], objs...)
		mu.Unlock()
	}
	recs := recordsByKind(records)
	g, gctx := errgroup.WithContext(ctx)
	for _, k := range kinds {
		ks := want[k.Name()]
		if len(ks) == 0 {
			continue
		}
		g.Go(func() error {
			srcObjs, tgtObjs, err := readTargeted(gctx, src, tgt, k, ks, recs[k.Name()], opts)
			if err != nil {
				return err
			}
			add(s.Source, k.Name(), srcObjs)
			add(s.Target, k.Name(), tgtObjs)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	s.Managed = map[string]int{}
	for _, r := range records {
		if _, chosen := want[r.Kind]; chosen && r.TargetID != "" {
			s.Managed[r.Kind]++
		}
	}
	s.t = &taker{opts: opts, kinds: kinds, snap: s, allRecords: records, src: src, tgt: tgt}
	s.t.scope(inKeys(records, want, kinds))
	s.t.key()
	return s, nil
}

// groupKeys sorts keys by the kinds that must look at them: a path of unknown
// kind (resource.KindPath) or a folder is looked at by every path kind (a
// folder names its subtree).
func groupKeys(kinds []resource.Kind, keys []resource.Ref) map[string]map[string]bool {
	want := map[string]map[string]bool{}
	put := func(kind, key string) {
		if want[kind] == nil {
			want[kind] = map[string]bool{}
		}
		want[kind][key] = true
	}
	for _, k := range kinds {
		for _, key := range keys {
			switch {
			case key.Kind == k.Name():
				put(k.Name(), key.Key)
			case k.Schema().Paths && (key.Kind == resource.KindPath || isFolderKind(kinds, key.Kind)):
				put(k.Name(), key.Key)
			}
		}
	}
	return want
}

// isFolderKind: the path kind whose objects hold others (Info.Folder).
func isFolderKind(kinds []resource.Kind, name string) bool {
	for _, k := range kinds {
		if k.Name() == name {
			return k.Schema().Paths && k.Info().Folder
		}
	}
	return false
}

func recordsByKind(records []ledger.Record) map[string][]ledger.Record {
	out := map[string][]ledger.Record{}
	for _, r := range records {
		out[r.Kind] = append(out[r.Kind], r)
	}
	return out
}

// inKeys keeps the records a targeted sync is about: the named ids, and for
// path kinds everything at or under a named path.
func inKeys(records []ledger.Record, want map[string]map[string]bool, kinds []resource.Kind) []ledger.Record {
	var out []ledger.Record
	for _, r := range records {
		keys := want[r.Kind]
		if keys[r.SourceKey] || (isPathKind(kinds, r.Kind) && underAny(r.SourceKey, keys)) {
			out = append(out, r)
		}
	}
	return out
}

func isPathKind(kinds []resource.Kind, name string) bool {
	for _, k := range kinds {
		if k.Name() == name {
			return k.Schema().Paths
		}
	}
	return false
}

func underAny(p string, roots map[string]bool) bool {
	for root := range roots {
		if p == root || strings.HasPrefix(p, strings.TrimSuffix(root, "/")+"/") {
			return true
		}
	}
	return false
}

// readTargeted reads one kind's keys on both sides.
func readTargeted(ctx context.Context, src, tgt resource.Workspace, k resource.Kind, keys map[string]bool, recs []ledger.Record, opts Options) (srcObjs, tgtObjs []resource.Object, err error) {
	if k.Schema().Paths {
		return readSubtrees(ctx, src, tgt, k, keys, opts)
	}
	getter, ok := k.(resource.Getter)
	if !ok {
		return nil, nil, fmt.Errorf("kind %s cannot read single objects for a targeted sync", k.Name())
	}
	for key := range keys {
		o, found, err := getter.Get(ctx, src, key)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s %s in %s: %w", k.Name(), key, src.Side, err)
		}
		if found {
			srcObjs = append(srcObjs, o)
		}
	}
	tgtObjs, err = targetCounterparts(ctx, tgt, k, getter, keys, recs, srcObjs)
	return srcObjs, tgtObjs, err
}

// targetCounterparts reads, through the ledger, the target objects standing
// for keys; keys the ledger cannot place are found by listing the kind once
// and keeping only the candidates for adoption (marker or name).
func targetCounterparts(ctx context.Context, tgt resource.Workspace, k resource.Kind, getter resource.Getter, keys map[string]bool, recs []ledger.Record, srcObjs []resource.Object) ([]resource.Object, error) {
	var out []resource.Object
	placed := map[string]bool{}
	for _, r := range recs {
		if !keys[r.SourceKey] || r.TargetID == "" {
			continue
		}
		o, found, err := getter.Get(ctx, tgt, r.TargetID)
		if err != nil {
			return nil, fmt.Errorf("read %s %s in %s: %w", k.Name(), r.TargetID, tgt.Side, err)
		}
		if found {
			out = append(out, o)
			placed[r.SourceKey] = true
		}
	}
	if len(placed) == len(keys) {
		return out, nil
	}
	all, err := k.List(ctx, tgt)
	if err != nil {
		return nil, fmt.Errorf("list %s in %s: %w", k.Name(), tgt.Side, err)
	}
	names := map[string]bool{}
	for _, s := range srcObjs {
		names[s.Name] = true
	}
	seen := map[string]bool{}
	for _, o := range out {
		seen[o.ID] = true
	}
	for _, o := range all {
		origin := ""
		if o.Doc != nil {
			origin = k.Schema().OriginOf(o.Doc)
		}
		byMarker := origin != "" && keys[origin] && !placed[origin]
		byName := (k.Schema().MatchByName || o.Builtin) && names[o.Name]
		if !seen[o.ID] && (byMarker || byName) {
			out = append(out, o)
		}
	}
	return out, nil
}

// readSubtrees lists each named path (and what is under it) on both sides.
func readSubtrees(ctx context.Context, src, tgt resource.Workspace, k resource.Kind, roots map[string]bool, opts Options) (srcObjs, tgtObjs []resource.Object, err error) {
	lister, ok := k.(resource.SubtreeLister)
	if !ok {
		return nil, nil, fmt.Errorf("kind %s cannot list a subtree for a targeted sync", k.Name())
	}
	seenSrc, seenTgt := map[string]bool{}, map[string]bool{}
	for root := range roots {
		s, err := lister.ListUnder(ctx, src, root)
		if err != nil {
			return nil, nil, fmt.Errorf("list %s objects under %s in %s workspace: %w", k.Name(), root, src.Side, err)
		}
		t, err := lister.ListUnder(ctx, tgt, opts.MapPath(root))
		if err != nil {
			return nil, nil, fmt.Errorf("list %s objects under %s in %s workspace: %w", k.Name(), opts.MapPath(root), tgt.Side, err)
		}
		srcObjs = appendNew(srcObjs, s, seenSrc)
		tgtObjs = appendNew(tgtObjs, t, seenTgt)
	}
	return srcObjs, tgtObjs, nil
}

func appendNew(out, objs []resource.Object, seen map[string]bool) []resource.Object {
	for _, o := range objs {
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, o)
		}
	}
	return out
}
