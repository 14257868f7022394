package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/drsync/drsync/shared/ledger"
)

// runKey orders runs by start time, then id; writing a run again with the same
// ID and Started replaces it.
func runKey(r ledger.Run) []byte {
	return append(sortable(ledger.Millis(r.Started)), r.ID...)
}

// PutRun stores a run record until ttl from now (ttl <= 0: forever), and prunes
// the pair's expired runs so the file does not grow without bound.
func (s *Store) PutRun(ctx context.Context, pair string, run ledger.Run, ttl time.Duration) error {
	err := ledger.CheckPair(pair)
	if err == nil && run.ID == "" {
		err = errors.New("empty run id")
	}
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error { return s.putRun(tx, pair, run, ttl) })
	}
	if err != nil {
		return fmt.Errorf("ledger put run %s %s: %w", pair, run.ID, err)
	}
	return nil
}

// putRun is PutRun inside the write transaction.
func (s *Store) putRun(tx *bbolt.Tx, pair string, run ledger.Run, ttl time.Duration) error {
	p, err := writePair(tx, pair)
	if err != nil {
		return err
	}
	now := s.now()
	runs := p.Bucket(runsBucket)
	if err := pruneRuns(runs, now); err != nil {
		return err
	}
	buf, err := json.Marshal(encodeRun(run, expiry(now, ttl)))
	if err != nil {
		return fmt.Errorf("encode run: %w", err)
	}
	return runs.Put(runKey(run), buf)
}

// pruneRuns deletes expired runs. It scans them all: a pair has one run per
// schedule tick, a few thousand within any sensible ttl.
func pruneRuns(runs *bbolt.Bucket, now time.Time) error {
	var dead [][]byte
	err := runs.ForEach(func(k, v []byte) error {
		var d runDoc
		if err := decode(fmt.Sprintf("run %q", k), v, &d); err != nil {
			return err
		}
		if expired(d.Expires, now) {
			dead = append(dead, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Deleting is done after the scan: bbolt cursors may skip keys when the
	// bucket changes under them.
	for _, k := range dead {
		if err := runs.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Runs returns up to limit unexpired runs (limit <= 0: all), newest first.
func (s *Store) Runs(ctx context.Context, pair string, limit int) ([]ledger.Run, error) {
	var out []ledger.Run
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = newestRuns(readSub(tx, pair, runsBucket), limit, s.now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ledger runs %s: %w", pair, err)
	}
	return out, nil
}

// newestRuns scans runs backwards, skipping the expired ones not yet pruned.
func newestRuns(runs *bbolt.Bucket, limit int, now time.Time) ([]ledger.Run, error) {
	if runs == nil {
		return nil, nil
	}
	var out []ledger.Run
	c := runs.Cursor()
	for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
		var d runDoc
		if err := decode(fmt.Sprintf("run %q", k), v, &d); err != nil {
			return nil, err
		}
		if !expired(d.Expires, now) {
			out = append(out, d.run())
		}
	}
	return out, nil
}

// MarkProcessed records id as processed until ttl from now (ttl <= 0: forever).
// It reports true if id was not already marked, or its mark had expired.
func (s *Store) MarkProcessed(ctx context.Context, pair, id string, ttl time.Duration) (bool, error) {
	err := ledger.CheckPair(pair)
	if err == nil && id == "" {
		err = errors.New("empty id")
	}
	var first bool
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error {
			var err error
			first, err = s.markProcessed(tx, pair, id, ttl)
			return err
		})
	}
	if err != nil {
		return false, fmt.Errorf("ledger mark processed %s %s: %w", pair, id, err)
	}
	return first, nil
}

// Processed reports which ids are marked and unexpired, in one read transaction.
func (s *Store) Processed(ctx context.Context, pair string, ids []string) (map[string]bool, error) {
	if err := ledger.CheckPair(pair); err != nil {
		return nil, fmt.Errorf("ledger processed %s: %w", pair, err)
	}
	out := make(map[string]bool, len(ids))
	now := s.now()
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		done := readSub(tx, pair, processedBucket)
		for _, id := range ids {
			if v := getIfBucket(done, id); len(v) == 8 {
				out[id] = !expired(int64(binary.BigEndian.Uint64(v)), now)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger processed %s: %w", pair, err)
	}
	return out, nil
}

func getIfBucket(b *bbolt.Bucket, id string) []byte {
	if b == nil || id == "" {
		return nil
	}
	return b.Get([]byte(id))
}

// markProcessed is MarkProcessed inside the write transaction.
func (s *Store) markProcessed(tx *bbolt.Tx, pair, id string, ttl time.Duration) (bool, error) {
	p, err := writePair(tx, pair)
	if err != nil {
		return false, err
	}
	now := s.now()
	done, index := p.Bucket(processedBucket), p.Bucket(expiriesBucket)
	if err := pruneProcessed(done, index, now); err != nil {
		return false, err
	}
	// After the prune, whatever is still marked has not expired.
	if done.Get([]byte(id)) != nil {
		return false, nil
	}
	exp := expiry(now, ttl)
	if err := done.Put([]byte(id), binary.BigEndian.AppendUint64(nil, uint64(exp))); err != nil {
		return false, err
	}
	if exp == 0 {
		return true, nil // never expires, so never pruned: no index entry
	}
	return true, index.Put(append(sortable(exp), id...), nil)
}

// pruneProcessed deletes the expired ids. The index is ordered by expiry, so
// this reads only what it deletes plus one key, however many ids are marked.
func pruneProcessed(done, index *bbolt.Bucket, now time.Time) error {
	var dead [][]byte
	c := index.Cursor()
	for k, _ := c.First(); k != nil && expired(unsortable(k), now); k, _ = c.Next() {
		dead = append(dead, k)
	}
	for _, k := range dead {
		if err := done.Delete(k[8:]); err != nil {
			return err
		}
		if err := index.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
