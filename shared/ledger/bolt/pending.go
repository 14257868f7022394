package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/drsync/drsync/shared/ledger"
)

// pendingBucket holds a pair's pending objects: kind NUL key → since(8).
var pendingBucket = []byte("pending")

func pendingKey(k ledger.PendingKey) []byte { return []byte(k.Kind + "\x00" + k.Key) }

// AddPending records keys, keeping the later Since of a key recorded twice.
func (s *Store) AddPending(ctx context.Context, pair string, keys []ledger.PendingKey) error {
	err := ledger.CheckPending(pair, keys)
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error {
			b, err := writeSub(tx, pair, pendingBucket)
			if err != nil {
				return err
			}
			for _, k := range keys {
				since := sortable(ledger.Millis(k.Since))
				if old := b.Get(pendingKey(k)); len(old) == 8 && bytes.Compare(old, since) >= 0 {
					continue
				}
				if err := b.Put(pendingKey(k), since); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("ledger add pending %s: %w", pair, err)
	}
	return nil
}

// Pending lists the pair's pending keys in key order.
func (s *Store) Pending(ctx context.Context, pair string) ([]ledger.PendingKey, error) {
	if err := ledger.CheckPair(pair); err != nil {
		return nil, fmt.Errorf("ledger pending %s: %w", pair, err)
	}
	var out []ledger.PendingKey
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := readSub(tx, pair, pendingBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			kind, key, ok := bytes.Cut(k, []byte{0})
			if !ok || len(v) != 8 {
				return fmt.Errorf("pending entry %q: %w", k, ErrCorrupt)
			}
			out = append(out, ledger.PendingKey{Kind: string(kind), Key: string(key), Since: ledger.FromMillis(unsortable(v))})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("ledger pending %s: %w", pair, err)
	}
	return out, nil
}

// ClearPending removes each key whose stored Since is still k.Since.
func (s *Store) ClearPending(ctx context.Context, pair string, keys []ledger.PendingKey) error {
	err := ledger.CheckPending(pair, keys)
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error {
			b := readSub(tx, pair, pendingBucket)
			if b == nil {
				return nil
			}
			for _, k := range keys {
				if bytes.Equal(b.Get(pendingKey(k)), sortable(ledger.Millis(k.Since))) {
					if err := b.Delete(pendingKey(k)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("ledger clear pending %s: %w", pair, err)
	}
	return nil
}
