package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/drsync/drsync/shared/ledger"
)

// Replication buckets of a pair, keyed source NUL target:
//
//	replication      → JSON latest check result
//	replcheckpoints  → JSON checkpoint
var (
	replResultsBucket     = []byte("replication")
	replCheckpointsBucket = []byte("replcheckpoints")
)

type replResultDoc struct {
	Source      string `json:"source"`
	Target      string `json:"target"`
	CheckedAt   int64  `json:"checked_at"`
	Healthy     bool   `json:"healthy,omitempty"`
	RPOBreached bool   `json:"rpo_breached,omitempty"`
	Report      []byte `json:"report,omitempty"`
}

type replCheckpointDoc struct {
	Source    string `json:"source"`
	Target    string `json:"target"`
	Progress  []byte `json:"progress,omitempty"`
	UpdatedAt int64  `json:"updated_at,omitempty"`
	Version   int64  `json:"version"`
}

// replKey keys a bucket pair; s3 locations hold no NUL.
func replKey(source, target string) []byte { return []byte(source + "\x00" + target) }

// writeSub returns a sub-bucket of the pair, creating both.
func writeSub(tx *bbolt.Tx, pair string, name []byte) (*bbolt.Bucket, error) {
	p, err := writePair(tx, pair)
	if err != nil {
		return nil, err
	}
	return p.CreateBucketIfNotExists(name)
}

// PutReplicationResult stores r unless the stored result was checked later.
func (s *Store) PutReplicationResult(ctx context.Context, pair string, r ledger.ReplicationResult) error {
	err := ledger.CheckReplKey(pair, r.Source, r.Target)
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error { return putReplResult(tx, pair, r) })
	}
	if err != nil {
		return fmt.Errorf("ledger put replication result %s %s → %s: %w", pair, r.Source, r.Target, err)
	}
	return nil
}

func putReplResult(tx *bbolt.Tx, pair string, r ledger.ReplicationResult) error {
	b, err := writeSub(tx, pair, replResultsBucket)
	if err != nil {
		return err
	}
	key := replKey(r.Source, r.Target)
	if v := b.Get(key); v != nil {
		var old replResultDoc
		if err := json.Unmarshal(v, &old); err != nil {
			return fmt.Errorf("decode replication result: %w", err)
		}
		if old.CheckedAt > ledger.Millis(r.CheckedAt) {
			return nil
		}
	}
	buf, err := json.Marshal(replResultDoc{Source: r.Source, Target: r.Target, CheckedAt: ledger.Millis(r.CheckedAt),
		Healthy: r.Healthy, RPOBreached: r.RPOBreached, Report: r.Report})
	if err != nil {
		return err
	}
	return b.Put(key, buf)
}

// ReplicationResults returns every bucket pair's latest result, in key
// order (source, then target: NUL sorts first).
func (s *Store) ReplicationResults(ctx context.Context, pair string) ([]ledger.ReplicationResult, error) {
	var out []ledger.ReplicationResult
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := readSub(tx, pair, replResultsBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var d replResultDoc
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode replication result: %w", err)
			}
			out = append(out, ledger.ReplicationResult{Source: d.Source, Target: d.Target, CheckedAt: ledger.FromMillis(d.CheckedAt),
				Healthy: d.Healthy, RPOBreached: d.RPOBreached, Report: d.Report})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("ledger replication results %s: %w", pair, err)
	}
	return out, nil
}

// ReplicationCheckpoint returns the bucket pair's checkpoint, or an empty
// one at Version 0.
func (s *Store) ReplicationCheckpoint(ctx context.Context, pair, source, target string) (ledger.ReplicationCheckpoint, error) {
	var cp ledger.ReplicationCheckpoint
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		cp, err = readCheckpoint(readSub(tx, pair, replCheckpointsBucket), source, target)
		return err
	})
	if err != nil {
		return cp, fmt.Errorf("ledger replication checkpoint %s %s → %s: %w", pair, source, target, err)
	}
	return cp, nil
}

func readCheckpoint(b *bbolt.Bucket, source, target string) (ledger.ReplicationCheckpoint, error) {
	cp := ledger.ReplicationCheckpoint{Source: source, Target: target}
	if b == nil {
		return cp, nil
	}
	v := b.Get(replKey(source, target))
	if v == nil {
		return cp, nil
	}
	var d replCheckpointDoc
	if err := json.Unmarshal(v, &d); err != nil {
		return cp, fmt.Errorf("decode replication checkpoint: %w", err)
	}
	cp.Progress, cp.UpdatedAt, cp.Version = d.Progress, ledger.FromMillis(d.UpdatedAt), d.Version
	return cp, nil
}

// PutReplicationCheckpoint writes cp if the stored version equals
// cp.Version. Errors: ledger.ErrConflict.
func (s *Store) PutReplicationCheckpoint(ctx context.Context, pair string, cp ledger.ReplicationCheckpoint) (ledger.ReplicationCheckpoint, error) {
	err := ledger.CheckReplKey(pair, cp.Source, cp.Target)
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error {
			var err error
			cp, err = putCheckpoint(tx, pair, cp)
			return err
		})
	}
	if err != nil {
		return cp, fmt.Errorf("ledger put replication checkpoint %s %s → %s: %w", pair, cp.Source, cp.Target, err)
	}
	return cp, nil
}

func putCheckpoint(tx *bbolt.Tx, pair string, cp ledger.ReplicationCheckpoint) (ledger.ReplicationCheckpoint, error) {
	b, err := writeSub(tx, pair, replCheckpointsBucket)
	if err != nil {
		return cp, err
	}
	stored, err := readCheckpoint(b, cp.Source, cp.Target)
	if err != nil {
		return cp, err
	}
	if stored.Version != cp.Version {
		return cp, fmt.Errorf("%w: stored version %d, write expects %d", ledger.ErrConflict, stored.Version, cp.Version)
	}
	cp.Version++
	buf, err := json.Marshal(replCheckpointDoc{Source: cp.Source, Target: cp.Target, Progress: cp.Progress,
		UpdatedAt: ledger.Millis(cp.UpdatedAt), Version: cp.Version})
	if err != nil {
		return cp, err
	}
	return cp, b.Put(replKey(cp.Source, cp.Target), buf)
}
