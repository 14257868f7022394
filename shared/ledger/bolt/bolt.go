// Package bolt is the ledger.Store the CLI uses: one bbolt file on the operator's
// machine, locked against a second drsync process.
//
// Layout: a top-level "meta" bucket (format version) and one bucket per pair,
// named "pair/<name>", holding
//
//	records    kind NUL sourceKey       → JSON record    (List by kind = prefix scan)
//	runs       started(8) runID         → JSON run       (newest first = reverse scan)
//	processed  id                       → expiry(8)
//	expiries   expiry(8) id             → ""             (index to prune processed ids)
//	state      (a key, not a bucket)    → JSON pair state
//
// Every conditional write — version check, epoch fence, lease — reads and writes
// inside one bbolt Update transaction. bbolt runs one writer at a time, so the
// check and the write cannot be separated by another writer: that is the whole of
// the store's concurrency control.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/drsync/drsync/shared/ledger"
)

var _ ledger.Store = (*Store)(nil)

// DefaultTimeout is how long Open waits for another process to release the file.
const DefaultTimeout = time.Second

// ErrInUse: another process (another drsync) holds the ledger file open.
var ErrInUse = errors.New("in use by another drsync process")

// Options configures Open.
type Options struct {
	// Now is the clock for the expiry of runs and processed ids; nil means time.Now.
	Now func() time.Time
	// Timeout bounds the wait for the file lock; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Store is a ledger.Store backed by one bbolt file.
type Store struct {
	db   *bbolt.DB
	now  func() time.Time
	path string
}

// Open opens the ledger file at path, creating it if missing. Errors name the
// file: ErrInUse if another process holds it past opts.Timeout, and an error for a
// file that is not a drsync ledger (corrupt, or some other bbolt file).
func Open(path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("ledger file %s is %w (waited %s for its lock)", path, ErrInUse, opts.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger file %s: %w", path, err)
	}
	if err := db.Update(initMeta); err != nil {
		_ = db.Close() // the meta error is the one worth reporting
		return nil, fmt.Errorf("open ledger file %s: %w", path, err)
	}
	return &Store{db: db, now: opts.Now, path: path}, nil
}

// Close releases the file and its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close ledger file %s: %w", s.path, err)
	}
	return nil
}

// Bucket and key names.
var (
	metaBucket      = []byte("meta")
	formatKey       = []byte("format")
	recordsBucket   = []byte("records")
	runsBucket      = []byte("runs")
	processedBucket = []byte("processed")
	expiriesBucket  = []byte("expiries")
	stateKey        = []byte("state")
)

// format is the on-disk layout version, so a later drsync can migrate or refuse.
const format = "1"

// initMeta stamps a new file with the format, and refuses a file written in
// another format or by something other than drsync.
func initMeta(tx *bbolt.Tx) error {
	if meta := tx.Bucket(metaBucket); meta != nil {
		if got := string(meta.Get(formatKey)); got != format {
			return fmt.Errorf("ledger format %q, this drsync reads %q", got, format)
		}
		return nil
	}
	if k, _ := tx.Cursor().First(); k != nil {
		return fmt.Errorf("not a drsync ledger (has bucket %q but no %q)", k, metaBucket)
	}
	meta, err := tx.CreateBucket(metaBucket)
	if err != nil {
		return err
	}
	return meta.Put(formatKey, []byte(format))
}

// view runs fn in a read transaction unless ctx is done.
func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// update runs fn in the write transaction unless ctx is done. ctx is checked
// again once the transaction is ours, because waiting for the single writer slot
// can take a while and a cancelled run must not write after it.
func (s *Store) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(tx)
	})
}

// pairName is the top-level bucket of a pair.
func pairName(pair string) []byte { return []byte("pair/" + pair) }

// readPair returns the pair's bucket, or nil for a pair never written.
func readPair(tx *bbolt.Tx, pair string) *bbolt.Bucket {
	return tx.Bucket(pairName(pair))
}

// readSub returns a sub-bucket of the pair, or nil if the pair was never written.
func readSub(tx *bbolt.Tx, pair string, name []byte) *bbolt.Bucket {
	if p := readPair(tx, pair); p != nil {
		return p.Bucket(name)
	}
	return nil
}

// writePair returns the pair's bucket with all its sub-buckets, creating them.
func writePair(tx *bbolt.Tx, pair string) (*bbolt.Bucket, error) {
	p, err := tx.CreateBucketIfNotExists(pairName(pair))
	if err != nil {
		return nil, err
	}
	for _, name := range [][]byte{recordsBucket, runsBucket, processedBucket, expiriesBucket} {
		if _, err := p.CreateBucketIfNotExists(name); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// checkPair refuses an empty pair name, which would mix pairs' data up.
func checkPair(pair string) error {
	if pair == "" {
		return errors.New("empty pair name")
	}
	return nil
}
