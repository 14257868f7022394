// Package snapshot reads both workspaces of a pair into normalised, hashed
// objects ready for planning. List (or ListKeys, for a targeted sync) lists
// every kind once per side and keeps what is in scope; the caller matches
// target objects to source keys (package plan); Hydrate then normalises
// documents (references in logical form) and reads costly documents —
// notebook and file content — only when their change marker moved since the
// ledger last saw them.
package snapshot

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/ledger"
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

// Snapshot is both sides of a pair plus the ledger records in scope: raw
// (source objects keyed, target objects with their Origin) after List, then
// normalised and hashed after Hydrate.
type Snapshot struct {
	Source  map[string][]resource.Object
	Target  map[string][]resource.Object
	Records []ledger.Record
	Reads   int // documents read (exports) to make this snapshot
	// Managed is how many objects the ledger manages per chosen kind, for
	// the delete guard of a targeted sync (nil for a full snapshot: the
	// planner counts the records itself).
	Managed map[string]int

	t *taker
}

// Matches pairs source keys with target ids (package plan's Match).
type Matches interface {
	TargetID(kind, key string) (string, bool)
	SourceKey(kind, id string) (string, bool)
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

// List lists both workspaces for kinds and keeps what is in scope: source
// objects keyed by their id, target objects with the identity marker they
// carry (Origin), and the ledger records of the chosen kinds and paths.
func List(ctx context.Context, src, tgt resource.Workspace, kinds []resource.Kind, records []ledger.Record, opts Options) (*Snapshot, error) {
	opts.defaults()
	var rawSrc, rawTgt map[string][]resource.Object
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { rawSrc, err = listAll(gctx, src, kinds); return err })
	g.Go(func() (err error) { rawTgt, err = listAll(gctx, tgt, kinds); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	s := &Snapshot{Source: rawSrc, Target: rawTgt}
	s.t = &taker{opts: opts, kinds: kinds, snap: s, allRecords: records, src: src, tgt: tgt}
	s.t.scope(records)
	s.t.key()
	return s, nil
}

// Hydrate normalises every document with references in logical form (target
// ids resolved through m), and reads the documents whose hash the ledger
// cannot vouch for. A read that fails for the object's sake is kept on the
// object (Object.Unread) for the plan to report. Errors: a failed read that
// ends the run (the run stopped, lost its lease, or its credentials were
// refused), naming kind, id and side.
func (s *Snapshot) Hydrate(ctx context.Context, m Matches) error {
	s.t.matches = m
	s.t.normalise()
	return s.t.hydrate(ctx)
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
				return fmt.Errorf("list %s objects in %s workspace: %w", k.Name(), ws.Side, err)
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
	opts     Options
	kinds    []resource.Kind
	src, tgt resource.Workspace
	snap     *Snapshot
	matches  Matches
	recs     map[string]map[string]ledger.Record
	// srcKeys indexes the source keys per kind.
	srcKeys map[string]map[string]bool
	// allRecords are every record of the pair: a targeted snapshot resolves
	// references to objects it did not read through them.
	allRecords []ledger.Record
	byTarget   map[string]map[string]string // kind → target id → source key
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

// key keys source objects by their id, and reads the identity marker of every
// target object listed with its document: what matching needs.
func (t *taker) key() {
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
}

// normalise gives target objects the source key they were matched to, then
// normalises every document that was listed with one.
func (t *taker) normalise() {
	for _, k := range t.kinds {
		for i := range t.snap.Source[k.Name()] {
			t.normaliseOne(k, &t.snap.Source[k.Name()][i], sourceResolver)
		}
		for i := range t.snap.Target[k.Name()] {
			o := &t.snap.Target[k.Name()][i]
			o.Key, _ = t.matches.SourceKey(k.Name(), o.ID)
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
	if key, ok := t.matches.SourceKey(kind, id); ok {
		return key, true
	}
	key, ok := t.byTarget[kind][id]
	return key, ok
}

// hydrate gives every object a hash. Objects listed without a document take the
// ledger's hash when their change marker has not moved; the rest are read.
func (t *taker) hydrate(ctx context.Context) error {
	src, tgt := t.src, t.tgt
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
		return unread(o, fmt.Errorf("read %s %s in %s: %w", k.Name(), o.ID, ws.Side, err))
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
	if _, matched := t.matches.TargetID(k.Name(), o.Key); !matched {
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

// unread keeps a failed read on the object instead of failing the
// snapshot: one unreadable object (an export too large, a 404 in a race,
// a 5xx after the SDK's retries) must not stop the rest of the run. Errors
// about the run rather than the object are returned.
func unread(o *resource.Object, err error) error {
	switch c := failure.Of(err); c {
	case failure.Stopped, failure.Fenced, failure.Credentials:
		return err
	default:
		o.Unread = &resource.ReadFailure{Error: err.Error(), Class: c.String()}
		return nil
	}
}
