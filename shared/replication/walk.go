package replication

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// walk is one listing-mode check of a pair in one invocation.
type walk struct {
	c        *Checker
	pair     Pair
	src, tgt API
	now      time.Time
	after    string // resume point: names up to it are in the base tally
	probes   atomic.Int64
	frontier frontier
}

// unit is a contiguous run of names compared by one goroutine: top-level
// objects between two prefixes, or one top-level prefix. Its tally covers
// exactly the names up to last.
type unit struct {
	tally Tally
	last  string
	done  bool
}

// frontier keeps the units in key order and folds the finished ones at the
// front into base, so that base and the first unfinished unit always
// describe a point up to which everything is compared: the checkpoint.
type frontier struct {
	mu       sync.Mutex
	base     Tally
	baseLast string
	units    []*unit
	sample   int
}

// add appends a new unit in key order.
func (f *frontier) add() *unit {
	u := &unit{}
	f.mu.Lock()
	f.units = append(f.units, u)
	f.mu.Unlock()
	return u
}

// finish marks u done and folds the finished units at the front.
func (f *frontier) finish(u *unit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u.done = true
	for len(f.units) > 0 && f.units[0].done {
		first := f.units[0]
		f.base.Add(first.tally, f.sample)
		if first.last != "" {
			f.baseLast = first.last
		}
		f.units = f.units[1:]
	}
}

// checkpoint returns the tally and the last name of the compared prefix:
// base plus the first unfinished unit's progress. Later units' work is
// dropped; the next invocation does it again. Call it once every goroutine
// has returned.
func (f *frontier) checkpoint() (Tally, string) {
	t, last := f.base, f.baseLast
	if len(f.units) > 0 && f.units[0].last != "" {
		t.Add(f.units[0].tally, f.sample)
		last = f.units[0].last
	}
	return t, last
}

// listing compares the pair's two listings from from.After and returns the
// tally including from's. When ctx ends it records the checkpoint in from
// and returns ctx's error. Errors: a listing or probe that fails.
func (c *Checker) listing(ctx context.Context, p Pair, from *Progress) (Tally, error) {
	src, err := c.client(ctx, p.Source.Bucket)
	if err != nil {
		return Tally{}, err
	}
	tgt, err := c.client(ctx, p.Target.Bucket)
	if err != nil {
		return Tally{}, err
	}
	w := &walk{c: c, pair: p, src: src, tgt: tgt, now: c.opts.Now(), after: from.After}
	w.probes.Store(from.Tally.Probes)
	w.frontier = frontier{base: from.Tally, baseLast: from.After, sample: c.opts.SampleSize}
	err = w.run(ctx)
	t, last := w.frontier.checkpoint()
	t.Probes = w.probes.Load()
	if err != nil {
		from.After = last
	}
	return t, err
}

// run merges the top level of both listings: objects are compared in line,
// each top-level prefix becomes a unit compared in parallel (at most
// Options.Parallel at once).
func (w *walk) run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.c.opts.Parallel + 1) // the top level holds one slot
	root := w.frontier.add()
	g.Go(func() error {
		// A prefix ends the run of top-level objects before it; the objects
		// after it start a new unit, so units stay in key order.
		err := w.merge(gctx, w.open(gctx, "", true), &root, func(name string) {
			w.frontier.finish(root)
			shard := w.frontier.add()
			g.Go(func() error { return w.shard(gctx, name, shard) })
			root = w.frontier.add()
		})
		if err == nil {
			w.frontier.finish(root)
		}
		return err
	})
	return g.Wait()
}

// shard compares every object under the top-level prefix name.
func (w *walk) shard(ctx context.Context, name string, u *unit) error {
	err := w.merge(ctx, w.open(ctx, name, false), &u, nil)
	if err == nil {
		w.frontier.finish(u)
	}
	return err
}

// open starts the source and target listings of sub.
func (w *walk) open(ctx context.Context, sub string, delimit bool) [2]*stream {
	l := listing{sub: sub, startAfter: w.after, delimit: delimit, pageSize: w.c.opts.PageSize}
	s, t := l, l
	s.api, s.loc = w.src, w.pair.Source
	t.api, t.loc = w.tgt, w.pair.Target
	return [2]*stream{s.open(ctx), t.open(ctx)}
}

// merge walks both streams in key order, classifying every name into *u;
// a common prefix (top level only) goes to dir, which may replace *u. It
// returns the first listing or probe error, or ctx's.
func (w *walk) merge(ctx context.Context, st [2]*stream, u **unit, dir func(string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutines if this returns early
	src, tgt := st[0], st[1]
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, sok := src.peek()
		t, tok := tgt.peek()
		if err := firstErr(src.err, tgt.err); err != nil {
			return err
		}
		if !sok && !tok {
			return nil
		}
		if err := w.step(ctx, *u, s, t, sok, tok, src, tgt, dir); err != nil {
			return err
		}
	}
}

// step classifies the smaller of the two heads (both when equal) and
// consumes it.
func (w *walk) step(ctx context.Context, u *unit, s, t entry, sok, tok bool, src, tgt *stream, dir func(string)) error {
	switch {
	case sok && (!tok || s.name < t.name):
		src.next()
		return w.one(ctx, u, s, dir, w.missing)
	case tok && (!sok || t.name < s.name):
		tgt.next()
		return w.one(ctx, u, t, dir, func(_ context.Context, u *unit, _ entry) error { u.tally.Extra++; return nil })
	}
	src.next()
	tgt.next()
	if s.dir {
		dir(s.name)
		return nil
	}
	if err := w.compare(ctx, u, s, t); err != nil {
		return err
	}
	u.last = s.name
	return nil
}

// one handles a name present on one side only: a prefix becomes a unit, an
// object is classified by classify.
func (w *walk) one(ctx context.Context, u *unit, e entry, dir func(string), classify func(context.Context, *unit, entry) error) error {
	if e.dir {
		dir(e.name)
		return nil
	}
	if err := classify(ctx, u, e); err != nil {
		return err
	}
	u.last = e.name
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
