package engine

import (
	"context"
	"fmt"

	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// Catalog is what a run reads of the target beyond the kinds it copies
// (shared/catalog): the workspace-scoped objects drsync does not copy, to
// resolve references to them, and what the target can run, to check every
// document before it is written. Loads read; Resolve and Check only look up.
type Catalog interface {
	LoadRefs(ctx context.Context, docs []resource.Doc) error
	Resolve(doc resource.Doc) []resource.Blocked
	LoadChecks(ctx context.Context, docs []resource.Doc) error
	Check(doc resource.Doc) []resource.Blocked
	Calls() int
}

// build makes the plan. With a catalog, references to objects drsync does not
// copy are resolved first (read only when some source document has one),
// and the documents the plan would write are checked against what the target
// can run (read only when there is something to write): a no-change run
// reads no catalog beyond the references.
func build(ctx context.Context, src, tgt resource.Workspace, in *plan.Input, source map[string][]resource.Object, opts Options) (*plan.Plan, int, error) {
	if opts.Catalog == nil {
		return plan.Build(in), 0, nil
	}
	cat := opts.Catalog(src, tgt)
	var docs []resource.Doc
	for _, objs := range source {
		for _, o := range objs {
			if o.Doc != nil {
				docs = append(docs, o.Doc)
			}
		}
	}
	if err := cat.LoadRefs(ctx, docs); err != nil {
		return nil, cat.Calls(), fmt.Errorf("read the objects drsync does not copy: %w", err)
	}
	in.Resolve = cat.Resolve
	p := plan.Build(in)
	var writes []resource.Doc
	for _, a := range p.Actions {
		if (a.Op == plan.Create || a.Op == plan.Update) && a.Desired != nil {
			writes = append(writes, a.Desired)
		}
	}
	if len(writes) == 0 {
		return p, cat.Calls(), nil
	}
	if err := cat.LoadChecks(ctx, writes); err != nil {
		return nil, cat.Calls(), fmt.Errorf("read what the target can run: %w", err)
	}
	in.Check = cat.Check
	return plan.Build(in), cat.Calls(), nil
}
