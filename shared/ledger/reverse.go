package ledger

import (
	"context"
	"strings"
)

// reversePrefix sets apart the kinds of the records a reverse sync keeps
// (kinds are plain words, so the prefix cannot clash).
const reversePrefix = "reverse~"

// Reverse is the ledger as a sync in the other direction sees it (DR to
// primary, to prepare a failback): its records, keyed by DR ids, are kept
// apart from the forward direction's; the pair's state, lease, runs and
// everything else are shared, so one epoch fences both directions.
func Reverse(s Store) Store { return reverse{s} }

// IsReverse reports whether kind names a reverse sync's record (as a forward
// List returns them, and as a reverse run lists its kinds).
func IsReverse(kind string) bool { return strings.HasPrefix(kind, reversePrefix) }

// ReverseKind is how the ledger names kind for the reverse direction.
func ReverseKind(kind string) string { return reversePrefix + kind }

type reverse struct{ Store }

func (r reverse) Get(ctx context.Context, pair, kind, sourceKey string) (Record, error) {
	rec, err := r.Store.Get(ctx, pair, reversePrefix+kind, sourceKey)
	rec.Kind = strings.TrimPrefix(rec.Kind, reversePrefix)
	return rec, err
}

func (r reverse) List(ctx context.Context, pair, kind string) ([]Record, error) {
	if kind != "" {
		kind = reversePrefix + kind
	}
	all, err := r.Store.List(ctx, pair, kind)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, rec := range all {
		if IsReverse(rec.Kind) {
			rec.Kind = strings.TrimPrefix(rec.Kind, reversePrefix)
			out = append(out, rec)
		}
	}
	return out, nil
}

func (r reverse) Put(ctx context.Context, pair string, rec Record, f Fence) (Record, error) {
	rec.Kind = reversePrefix + rec.Kind
	saved, err := r.Store.Put(ctx, pair, rec, f)
	saved.Kind = strings.TrimPrefix(saved.Kind, reversePrefix)
	return saved, err
}

func (r reverse) Delete(ctx context.Context, pair, kind, sourceKey string, version int64, f Fence) error {
	return r.Store.Delete(ctx, pair, reversePrefix+kind, sourceKey, version, f)
}
