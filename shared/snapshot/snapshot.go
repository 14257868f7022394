// Package snapshot reads both workspaces of a pair into normalised, hashed
// objects ready for planning. It lists every kind once per side, matches target
// objects to source keys, normalises documents (references in logical form) and
// reads costly documents — notebook and file content — only when their change
// marker moved since the ledger last saw them.
package snapshot

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// Options scope and pace a snapshot.
type Options struct {
	// Excluded reports whether a source path is out of scope (config excludes).
	Excluded func(sourcePath string) bool
	// MapPath maps a source path to the target; UnmapPath is its inverse (false
	// when the target path is outside every mapping).
	MapPath   func(string) string
	UnmapPath func(string) (string, bool)
	// Concurrency bounds parallel listing and reads; default 8.
	Concurrency int
	// BeforeRead is called before each document read (a rate budget); may be nil.
	BeforeRead func(ctx context.Context, kind string) error
}

// Snapshot is both sides of a pair, normalised, plus the ledger records in scope.
type Snapshot struct {
	Source  map[string][]resource.Object
	Target  map[string][]resource.Object
	Records []ledger.Record
	Matches *plan.Matches
	Reads   int // documents read (exports) to make this snapshot
	// Managed is how many objects the ledger manages in the chosen kinds, for
	// the delete guard of a targeted sync (0 for a full snapshot: the planner
	// counts the records itself).
	Managed int
}

func (o *Options) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.MapPath == nil {
		o.MapPath = func(p string) string { return p }
	}
	if o.UnmapPath == nil {
		o.UnmapPath = func(p string) (string, bool) { return p, true }
	}
}

// Take lists both workspaces for kinds, keeps what is in scope, matches and
// normalises, and reads the documents whose hash the ledger cannot vouch for.
func Take(ctx context.Context, src, tgt resource.Workspace, kinds []resource.Kind, records []ledger.Record, opts Options) (*Snapshot, error) {
	opts.defaults()
	var rawSrc, rawTgt map[string][]resource.Object
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { rawSrc, err = listAll(gctx, src, kinds); return err })
	g.Go(func() (err error) { rawTgt, err = listAll(gctx, tgt, kinds); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	s := &Snapshot{Source: rawSrc, Target: rawTgt}
	t := &taker{opts: opts, kinds: kinds, snap: s, allRecords: records}
	t.scope(records)
	t.normalise()
	if err := t.hydrate(ctx, src, tgt); err != nil {
		return nil, err
	}
	return s, nil
}

// listAll lists every kind on one side. A failed listing fails the snapshot: an
// empty or partial listing must never be mistaken for deletions.
func listAll(ctx context.Context, ws resource.Workspace, kinds []resource.Kind) (map[string][]resource.Object, error) {
	out := make(map[string][]resource.Object, len(kinds))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, k := range kinds {
		g.Go(func() error {
			objs, err := k.List(gctx, ws)
			if err != nil {
				return fmt.Errorf("list %s in %s: %w", k.Name(), ws.Side, err)
			}
			for i := range objs {
				objs[i].Kind = k.Name()
			}
			mu.Lock()
			out[k.Name()] = objs
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

type taker struct {
	opts  Options
	kinds []resource.Kind
	snap  *Snapshot
	recs  map[string]map[string]ledger.Record
	// srcKeys indexes the source keys per kind.
	srcKeys map[string]map[string]bool
	// allRecords are every record of the pair: a targeted snapshot resolves
	// references to objects it did not read through them.
	allRecords []ledger.Record
	byTarget   map[string]map[string]string // kind → target id → source key
}

// KindInfos describes kinds for the planner.
func KindInfos(kinds []resource.Kind, warm resource.WarmPolicy) []plan.KindInfo {
	out := make([]plan.KindInfo, 0, len(kinds))
	for _, k := range kinds {
		info := plan.KindInfo{Name: k.Name(), Schema: k.Schema()}
		if w, ok := k.(resource.Warmer); ok {
			info.Warm = func(d resource.Doc) (resource.Doc, map[string]string) { return w.Warm(d, warm) }
		}
		out = append(out, info)
	}
	return out
}

// scope drops what is out of scope: excluded paths on both sides (and their
// records, which are then neither deleted nor forgotten), target objects that
// must not be touched (a job cluster in DR), and records of kinds not chosen.
func (t *taker) scope(records []ledger.Record) {
	chosen := map[string]bool{}
	for _, k := range t.kinds {
		chosen[k.Name()] = true
		if !k.Schema().Paths {
			continue
		}
		t.snap.Source[k.Name()] = keep(t.snap.Source[k.Name()], func(o resource.Object) bool { return !t.excluded(o.ID) })
		t.snap.Target[k.Name()] = keep(t.snap.Target[k.Name()], func(o resource.Object) bool {
			sp, ok := t.opts.UnmapPath(o.ID)
			return ok && !t.excluded(sp)
		})
	}
	for kind, objs := range t.snap.Target {
		t.snap.Target[kind] = keep(objs, func(o resource.Object) bool { return o.Skip == "" })
	}
	t.recs = map[string]map[string]ledger.Record{}
	for _, r := range records {
		if !chosen[r.Kind] || (t.isPathKind(r.Kind) && t.excluded(r.SourceKey)) {
			continue
		}
		t.snap.Records = append(t.snap.Records, r)
		if t.recs[r.Kind] == nil {
			t.recs[r.Kind] = map[string]ledger.Record{}
		}
		t.recs[r.Kind][r.SourceKey] = r
	}
}

func (t *taker) excluded(p string) bool { return t.opts.Excluded != nil && t.opts.Excluded(p) }

func (t *taker) isPathKind(kind string) bool {
	for _, k := range t.kinds {
		if k.Name() == kind {
			return k.Schema().Paths
		}
	}
	return false
}

func keep(objs []resource.Object, ok func(resource.Object) bool) []resource.Object {
	out := objs[:0]
	for _, o := range objs {
		if ok(o) {
			out = append(out, o)
		}
	}
	return out
}

// normalise keys source objects, matches target objects, then normalises every
// document that was listed with one.
func (t *taker) normalise() {
	t.srcKeys = map[string]map[string]bool{}
	for _, k := range t.kinds {
		schema := k.Schema()
		t.srcKeys[k.Name()] = map[string]bool{}
		for i := range t.snap.Source[k.Name()] {
			o := &t.snap.Source[k.Name()][i]
			o.Key = o.ID
			t.srcKeys[k.Name()][o.Key] = true
		}
		for i := range t.snap.Target[k.Name()] {
			o := &t.snap.Target[k.Name()][i]
			o.Key = ""
			if o.Doc != nil {
				o.Origin = schema.OriginOf(o.Doc)
			}
		}
	}
	t.byTarget = map[string]map[string]string{}
	for _, r := range t.allRecords {
		if t.byTarget[r.Kind] == nil {
			t.byTarget[r.Kind] = map[string]string{}
		}
		t.byTarget[r.Kind][r.TargetID] = r.SourceKey
	}
	t.snap.Matches = plan.Match(&plan.Input{
		Kinds: KindInfos(t.kinds, resource.WarmPolicy{}), Source: t.snap.Source,
		Target: t.snap.Target, Records: t.snap.Records, MapPath: t.opts.MapPath,
	})
	for _, k := range t.kinds {
		for i := range t.snap.Source[k.Name()] {
			t.normaliseOne(k, &t.snap.Source[k.Name()][i], sourceResolver)
		}
		for i := range t.snap.Target[k.Name()] {
			o := &t.snap.Target[k.Name()][i]
			o.Key, _ = t.snap.Matches.SourceKey(k.Name(), o.ID)
			t.normaliseOne(k, o, t.targetResolver)
		}
	}
}

func (t *taker) normaliseOne(k resource.Kind, o *resource.Object, resolve resource.Resolver) {
	if o.Doc == nil {
		return
	}
	n := k.Schema().Normalize(o.Doc, resolve)
	o.Doc, o.Refs, o.Hash = n.Doc, n.Refs, resource.Hash(n.Doc)
}

// sourceResolver: in the source, an id is its own key.
func sourceResolver(_, id string) (string, bool) { return id, true }

// targetResolver maps target ids to source keys through the matches, and target
// paths back through the path map.
func (t *taker) targetResolver(kind, id string) (string, bool) {
	if kind == resource.KindPath {
		return t.opts.UnmapPath(id)
	}
	if key, ok := t.snap.Matches.SourceKey(kind, id); ok {
		return key, true
	}
	key, ok := t.byTarget[kind][id]
	return key, ok
}

// hydrate gives every object a hash. Objects listed without a document take the
// ledger's hash when their change marker has not moved; the rest are read.
func (t *taker) hydrate(ctx context.Context, src, tgt resource.Workspace) error {
	type job struct {
		k  resource.Kind
		ws resource.Workspace
		o  *resource.Object
	}
	var jobs []job
	for _, k := range t.kinds {
		for i := range t.snap.Source[k.Name()] {
			if o := &t.snap.Source[k.Name()][i]; t.needsSourceRead(k, o) {
				jobs = append(jobs, job{k, src, o})
			}
		}
		for i := range t.snap.Target[k.Name()] {
			if o := &t.snap.Target[k.Name()][i]; t.needsTargetRead(k, o) {
				jobs = append(jobs, job{k, tgt, o})
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.opts.Concurrency)
	for _, j := range jobs {
		g.Go(func() error { return t.read(gctx, j.k, j.ws, j.o) })
	}
	t.snap.Reads = len(jobs)
	return g.Wait()
}

func (t *taker) read(ctx context.Context, k resource.Kind, ws resource.Workspace, o *resource.Object) error {
	if t.opts.BeforeRead != nil {
		if err := t.opts.BeforeRead(ctx, k.Name()); err != nil {
			return err
		}
	}
	doc, err := k.(resource.Reader).Read(ctx, ws, *o)
	if err != nil {
		return fmt.Errorf("read %s %s in %s: %w", k.Name(), o.ID, ws.Side, err)
	}
	o.Doc = doc
	resolve := sourceResolver
	if ws.Side == "target" {
		resolve = t.targetResolver
	}
	t.normaliseOne(k, o, resolve)
	return nil
}

// needsSourceRead: a document-less source object whose marker moved (or that
// the ledger never saw synced). Otherwise its hash is the ledger's. An object
// with no counterpart in the target will be created whatever it holds: it is
// not read here but by the applier, just before its create, so a first sync
// exports and imports side by side instead of exporting everything first.
func (t *taker) needsSourceRead(k resource.Kind, o *resource.Object) bool {
	if !t.lacksDoc(k, o) {
		return false
	}
	if _, matched := t.snap.Matches.TargetID(k.Name(), o.Key); !matched {
		return false
	}
	rec, ok := t.recs[k.Name()][o.Key]
	if ok && rec.Status == ledger.StatusSynced && o.Mark != 0 && rec.SourceMark == o.Mark {
		o.Hash = rec.SourceHash
		return false
	}
	return true
}

// needsTargetRead: a document-less target object that stands for a source
// object still present, whose marker moved since drsync wrote it.
func (t *taker) needsTargetRead(k resource.Kind, o *resource.Object) bool {
	if !t.lacksDoc(k, o) || o.Key == "" || !t.inSource(k.Name(), o.Key) {
		return false
	}
	rec, ok := t.recs[k.Name()][o.Key]
	if ok && rec.TargetID == o.ID && o.Mark != 0 && rec.TargetMark == o.Mark {
		o.Hash = rec.TargetHash
		return false
	}
	return true
}

// lacksDoc reports an object without a document; kinds that cannot read one
// (directories: identity is all there is) get an empty document.
func (t *taker) lacksDoc(k resource.Kind, o *resource.Object) bool {
	if o.Doc != nil || o.Skip != "" {
		return false
	}
	if _, ok := k.(resource.Reader); !ok {
		o.Doc, o.Hash = resource.Doc{}, resource.Hash(resource.Doc{})
		return false
	}
	return true
}

func (t *taker) inSource(kind, key string) bool { return t.srcKeys[kind][key] }
