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
	"os"
	"runtime/debug"
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

// ErrCorrupt: the ledger file's pages are damaged (truncated, overwritten).
var ErrCorrupt = errors.New("corrupt")

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
	// snapshot is the private copy an OpenReadOnly store reads, removed by Close.
	snapshot string
}

// Open opens the ledger file at path for reading and writing, creating it if
// missing, and holds its lock until Close. Errors name the file: ErrInUse if
// another process holds it past opts.Timeout, ErrCorrupt for damaged pages,
// an *fs.PathError for a path that cannot be opened, and an error for a file
// that is not a drsync ledger (some other bbolt file, another format).
func Open(path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	db, err := openDB(path, path, &bbolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("ledger file %s is %w (waited %s for its lock)", path, ErrInUse, opts.Timeout)
	}
	if err != nil {
		return nil, openError(path, err)
	}
	s := &Store{db: db, now: opts.Now, path: path}
	if err := s.guard(func() error { return db.Update(initMeta) }); err != nil {
		_ = db.Close() // the meta error is the one worth reporting
		return nil, openError(path, err)
	}
	return s, nil
}

// openError names the file in an error of Open; ErrCorrupt names it already.
func openError(path string, err error) error {
	if errors.Is(err, ErrCorrupt) {
		return err
	}
	return fmt.Errorf("open ledger file %s: %w", path, err)
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// openDB is bbolt.Open of file with bbolt's panics on a damaged file (and
// faults reading past a truncated one) turned into ErrCorrupt naming path.
// bbolt.Open has no DB to close when it panics, so the file it opened is kept
// to be closed here.
func openDB(path, file string, o *bbolt.Options) (db *bbolt.DB, err error) {
	var opened *os.File
	o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		opened = f
		return f, err
	}
	err = guard(path, func() error {
		db, err = bbolt.Open(file, 0o600, o)
		return err
	})
	if errors.Is(err, ErrCorrupt) && opened != nil {
		_ = opened.Close() // releases the lock; the mapping bbolt made stays until exit
	}
	return db, err
}

// Close releases the file and its lock (and removes a read-only store's copy).
func (s *Store) Close() error {
	err := s.db.Close()
	if s.snapshot != "" {
		err = errors.Join(err, os.Remove(s.snapshot))
	}
	if err != nil {
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

// checkMeta refuses a file written in another format or by something other
// than drsync; fresh reports a file with no buckets at all.
func checkMeta(tx *bbolt.Tx) (fresh bool, err error) {
	if meta := tx.Bucket(metaBucket); meta != nil {
		if got := string(meta.Get(formatKey)); got != format {
			return false, fmt.Errorf("ledger format %q, this drsync reads %q", got, format)
		}
		return false, nil
	}
	if k, _ := tx.Cursor().First(); k != nil {
		return false, fmt.Errorf("not a drsync ledger (has bucket %q but no %q)", k, metaBucket)
	}
	return true, nil
}

// initMeta stamps a fresh file with the format, and refuses one that checkMeta refuses.
func initMeta(tx *bbolt.Tx) error {
	fresh, err := checkMeta(tx)
	if err != nil || !fresh {
		return err
	}
	meta, err := tx.CreateBucket(metaBucket)
	if err != nil {
		return err
	}
	return meta.Put(formatKey, []byte(format))
}

// guard runs fn, which reads the file through bbolt, and returns ErrCorrupt
// naming path if bbolt panics (it trusts every page it reads) or faults
// reading the file's memory map past a truncated end: a damaged ledger is an
// error to report, never a crash. bbolt reads in the calling goroutine, so a
// recover here catches all of it.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("ledger %s is %w: %v", path, ErrCorrupt, p)
		}
	}()
	if err = fn(); errors.Is(err, ErrCorrupt) {
		err = fmt.Errorf("ledger %s is %w", path, err) // a document that did not decode
	}
	return err
}

func (s *Store) guard(fn func() error) error { return guard(s.path, fn) }

// view runs fn in a read transaction unless ctx is done.
func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.guard(func() error { return s.db.View(fn) })
}

// update runs fn in the write transaction unless ctx is done. ctx is checked
// again once the transaction is ours, because waiting for the single writer slot
// can take a while and a cancelled run must not write after it.
func (s *Store) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.guard(func() error {
		return s.db.Update(func(tx *bbolt.Tx) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fn(tx)
		})
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
