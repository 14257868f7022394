package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/rewrite"
)

// Explanation is how drsync makes one object's target document: the
// normalised source document, the rewrite rules that changed it, the
// document the target should hold, what the target holds now, and what the
// plan does about it.
type Explanation struct {
	Kind     string           `json:"kind"`
	Key      string           `json:"key"`
	Name     string           `json:"name,omitempty"`
	Source   resource.Doc     `json:"source"`
	Rewrites []rewrite.Change `json:"rewrites"`
	// Desired is the document the target should hold; Current what it holds
	// (nil when the object is not in the target yet).
	Desired resource.Doc `json:"desired"`
	Current resource.Doc `json:"current,omitempty"`
	// Action is what the plan does (nil: the target already matches).
	Action *plan.Action `json:"action,omitempty"`
}

// ParseKey reads an object's key as the CLI takes it: a workspace path
// ("/Users/a@x/nb"), or kind:key ("job:123", "cluster:0801-abc").
func ParseKey(s string) (resource.Ref, error) {
	if strings.HasPrefix(s, "/") {
		return resource.Ref{Kind: resource.KindPath, Key: s}, nil
	}
	kind, key, ok := strings.Cut(s, ":")
	if !ok || kind == "" || key == "" {
		return resource.Ref{}, fmt.Errorf("object key %q: want a workspace path (/Users/a/nb) or kind:key (job:123)", s)
	}
	return resource.Ref{Kind: kind, Key: key}, nil
}

// Explain plans a targeted sync of the one object ref names and explains its
// document. It writes nothing. Errors: Plan's; the object is not in the
// source.
func Explain(ctx context.Context, src, tgt resource.Workspace, store ledger.Store, opts Options, ref resource.Ref) (*Explanation, error) {
	opts.Keys = []resource.Ref{ref}
	res, err := Plan(ctx, src, tgt, store, opts)
	if err != nil {
		return nil, err
	}
	in := res.input
	for _, k := range in.Kinds {
		for _, s := range in.Source[k.Name] {
			if s.Key != ref.Key || (ref.Kind != resource.KindPath && ref.Kind != k.Name) {
				continue
			}
			var target *resource.Object
			if tid, ok := res.matches.TargetID(k.Name, s.Key); ok {
				for i, t := range in.Target[k.Name] {
					if t.ID == tid {
						target = &in.Target[k.Name][i]
					}
				}
			}
			w := plan.Desire(in, k, s, target)
			ex := &Explanation{Kind: k.Name, Key: s.Key, Name: s.Name, Source: s.Doc, Rewrites: w.Rewrites, Desired: w.Doc}
			if target != nil {
				ex.Current = target.Doc
			}
			for i, a := range res.Plan.Actions {
				if a.Kind == k.Name && a.Key == s.Key {
					ex.Action = &res.Plan.Actions[i]
				}
			}
			return ex, nil
		}
	}
	return nil, fmt.Errorf("explain %s: not in the source (or out of the pair's scope)", ref)
}
