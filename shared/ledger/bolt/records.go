package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/drsync/drsync/shared/ledger"
)

// recordKey is kind NUL sourceKey. NUL sorts below every other byte, so byte
// order of keys is (Kind, SourceKey) order and kind+NUL is an exact prefix.
func recordKey(kind, sourceKey string) []byte {
	return []byte(kind + "\x00" + sourceKey)
}

// Get returns one record, or ledger.ErrNotFound.
func (s *Store) Get(ctx context.Context, pair, kind, sourceKey string) (ledger.Record, error) {
	var rec ledger.Record
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		rec, err = getRecord(readSub(tx, pair, recordsBucket), kind, sourceKey)
		return err
	})
	if err != nil {
		return ledger.Record{}, fmt.Errorf("ledger get %s %s/%s: %w", pair, kind, sourceKey, err)
	}
	return rec, nil
}

// getRecord reads one record from recs (nil for a pair never written).
func getRecord(recs *bbolt.Bucket, kind, sourceKey string) (ledger.Record, error) {
	if recs == nil {
		return ledger.Record{}, ledger.ErrNotFound
	}
	v := recs.Get(recordKey(kind, sourceKey))
	if v == nil {
		return ledger.Record{}, ledger.ErrNotFound
	}
	var d recordDoc
	if err := decode("record "+kind+"/"+sourceKey, v, &d); err != nil {
		return ledger.Record{}, err
	}
	return d.record(), nil
}

// List returns the pair's records of kind ("" = all), sorted by (Kind, SourceKey).
func (s *Store) List(ctx context.Context, pair, kind string) ([]ledger.Record, error) {
	var recs []ledger.Record
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		recs, err = listRecords(readSub(tx, pair, recordsBucket), kind)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ledger list %s %q: %w", pair, kind, err)
	}
	return recs, nil
}

// listRecords scans recs in key order, limited to kind's prefix if kind is set.
func listRecords(recs *bbolt.Bucket, kind string) ([]ledger.Record, error) {
	if recs == nil {
		return nil, nil
	}
	var prefix []byte
	if kind != "" {
		prefix = []byte(kind + "\x00")
	}
	var out []ledger.Record
	c := recs.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var d recordDoc
		if err := decode(fmt.Sprintf("record %q", k), v, &d); err != nil {
			return nil, err
		}
		out = append(out, d.record())
	}
	return out, nil
}

// Put writes rec if the stored version equals rec.Version (0 = must not exist)
// and the pair's epoch equals f.Epoch, and returns it as stored (new Version,
// times at millisecond precision). Errors: ledger.ErrConflict, ledger.ErrFenced.
func (s *Store) Put(ctx context.Context, pair string, rec ledger.Record, f ledger.Fence) (ledger.Record, error) {
	var out ledger.Record
	err := ledger.CheckKey(pair, rec.Kind, rec.SourceKey)
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error {
			var err error
			out, err = putRecord(tx, pair, rec, f)
			return err
		})
	}
	if err != nil {
		return ledger.Record{}, fmt.Errorf("ledger put %s %s/%s: %w", pair, rec.Kind, rec.SourceKey, err)
	}
	return out, nil
}

// putRecord is Put inside the write transaction.
func putRecord(tx *bbolt.Tx, pair string, rec ledger.Record, f ledger.Fence) (ledger.Record, error) {
	p, err := writePair(tx, pair)
	if err != nil {
		return ledger.Record{}, err
	}
	if err := checkFence(p, f); err != nil {
		return ledger.Record{}, err
	}
	recs := p.Bucket(recordsBucket)
	stored, err := storedVersion(recs, rec.Kind, rec.SourceKey)
	if err != nil {
		return ledger.Record{}, err
	}
	if stored != rec.Version {
		return ledger.Record{}, conflict(stored, rec.Version)
	}
	d := encodeRecord(rec)
	d.Version++
	buf, err := json.Marshal(d)
	if err != nil {
		return ledger.Record{}, fmt.Errorf("encode record: %w", err)
	}
	return d.record(), recs.Put(recordKey(rec.Kind, rec.SourceKey), buf)
}

// Delete removes a record if its stored version equals version; a missing record
// is not an error. Errors: ledger.ErrConflict, ledger.ErrFenced.
func (s *Store) Delete(ctx context.Context, pair, kind, sourceKey string, version int64, f ledger.Fence) error {
	err := ledger.CheckKey(pair, kind, sourceKey)
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error { return deleteRecord(tx, pair, kind, sourceKey, version, f) })
	}
	if err != nil {
		return fmt.Errorf("ledger delete %s %s/%s: %w", pair, kind, sourceKey, err)
	}
	return nil
}

// deleteRecord is Delete inside the write transaction. The fence is checked even
// for a missing record: a fenced run must learn it is fenced at its first write.
func deleteRecord(tx *bbolt.Tx, pair, kind, sourceKey string, version int64, f ledger.Fence) error {
	if err := checkFence(readPair(tx, pair), f); err != nil {
		return err
	}
	recs := readSub(tx, pair, recordsBucket)
	stored, err := storedVersion(recs, kind, sourceKey)
	switch {
	case err != nil:
		return err
	case stored == 0:
		return nil
	case stored != version:
		return conflict(stored, version)
	}
	return recs.Delete(recordKey(kind, sourceKey))
}

// storedVersion returns the stored record's version, 0 if there is none.
func storedVersion(recs *bbolt.Bucket, kind, sourceKey string) (int64, error) {
	stored, err := getRecord(recs, kind, sourceKey)
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, nil
	}
	return stored.Version, err
}

// conflict is the ledger.ErrConflict of a write expecting version want.
func conflict(stored, want int64) error {
	return fmt.Errorf("%w: stored version %d, write expects %d", ledger.ErrConflict, stored, want)
}

// checkFence returns ledger.ErrFenced unless the pair (p, nil if never written)
// is at epoch f.Epoch.
func checkFence(p *bbolt.Bucket, f ledger.Fence) error {
	st, err := readState(p)
	if err != nil {
		return err
	}
	if st.Epoch != f.Epoch {
		return fmt.Errorf("%w: run epoch %d, pair epoch %d", ledger.ErrFenced, f.Epoch, st.Epoch)
	}
	return nil
}
