package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.etcd.io/bbolt"
)

// ErrBusy: a writer kept committing while OpenReadOnly copied the file.
var ErrBusy = errors.New("busy: written to faster than it could be copied")

// snapshotTries bounds how often OpenReadOnly copies a file that a commit
// changed under it; the n-th retry waits n*10 ms.
const snapshotTries = 10

// OpenReadOnly opens a consistent snapshot of the ledger at path for reading,
// for commands that only read (plan, status): it never creates or changes the
// file, and it works while a sync holds it. bbolt's own read-only mode cannot
// do that: its shared lock waits out the writer's exclusive one, which a sync
// holds for its whole run. So the file is copied without a lock, and a copy
// is kept only if no transaction committed while it was taken (both meta
// pages unchanged): bbolt never overwrites a page that the last committed
// transaction reaches before another one has committed, so such a copy holds
// that transaction's whole tree. Writes to the store fail
// (bbolt errors.ErrDatabaseReadOnly); Close removes the copy.
// Errors name the file: fs.ErrNotExist (an *fs.PathError) for a missing
// file, ErrBusy after snapshotTries copies raced a commit, ErrCorrupt, a file
// that is not a drsync ledger, ctx's error.
func OpenReadOnly(ctx context.Context, path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	snap, err := snapshot(ctx, path)
	if err != nil {
		return nil, openError(path, err)
	}
	s, err := openSnapshot(path, snap, opts)
	if err != nil {
		_ = os.Remove(snap)
		return nil, openError(path, err)
	}
	return s, nil
}

// openSnapshot opens the copy snap of the ledger at path read-only.
func openSnapshot(path, snap string, opts Options) (*Store, error) {
	db, err := openDB(path, snap, &bbolt.Options{ReadOnly: true, Timeout: opts.Timeout})
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, now: opts.Now, path: path, snapshot: snap}
	err = s.guard(func() error {
		return db.View(func(tx *bbolt.Tx) error { _, err := checkMeta(tx); return err })
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// snapshot copies path to a temporary file until a copy is consistent, and
// returns the copy's name.
func snapshot(ctx context.Context, path string) (string, error) {
	for try := 1; ; try++ {
		snap, consistent, err := copyOnce(path)
		if err != nil || consistent {
			return snap, err
		}
		_ = os.Remove(snap)
		if try == snapshotTries {
			return "", fmt.Errorf("%w (%d copies)", ErrBusy, try)
		}
		if err := sleep(ctx, time.Duration(try)*10*time.Millisecond); err != nil {
			return "", err
		}
	}
}

// copyOnce copies path to a temporary file and reports whether no commit
// finished meanwhile. The caller removes the copy.
func copyOnce(path string) (snap string, consistent bool, err error) {
	src, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer func() { _ = src.Close() }() // opened to read: closing loses nothing
	before, err := metaPages(src)
	if err != nil {
		return "", false, err
	}
	dst, err := os.CreateTemp("", "drsync-ledger-*.db")
	if err != nil {
		return "", false, err
	}
	_, err = io.Copy(dst, src)
	err = errors.Join(err, dst.Close())
	if err != nil {
		_ = os.Remove(dst.Name())
		return "", false, fmt.Errorf("copy: %w", err)
	}
	after, err := metaPages(src)
	return dst.Name(), err == nil && bytes.Equal(before, after), err
}

// bbolt's file layout (go.etcd.io/bbolt/internal/common): pages 0 and 1 are
// the meta pages, each a 16-byte page header and a 64-byte meta (magic,
// version, page size, ..., txid, checksum); every commit rewrites one of them.
const (
	pageHeader   = 16
	metaLen      = pageHeader + 64
	magicOffset  = pageHeader
	psizeOffset  = pageHeader + 8
	bboltMagic   = 0xED0CDAED
	fallbackPage = 4096
)

// metaPages returns the bytes of both meta pages that a commit changes. The
// page size comes from page 0, or is the usual 4 KiB when page 0 is damaged
// (bbolt then refuses or repairs the copy itself). A short file gives what
// there is.
func metaPages(f *os.File) ([]byte, error) {
	head := make([]byte, metaLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read meta page: %w", err)
	}
	psize := int64(fallbackPage)
	if n == metaLen && binary.NativeEndian.Uint32(head[magicOffset:]) == bboltMagic {
		psize = int64(binary.NativeEndian.Uint32(head[psizeOffset:]))
	}
	second := make([]byte, metaLen)
	m, err := f.ReadAt(second, psize)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read meta page: %w", err)
	}
	return append(head[:n], second[:m]...), nil
}

// sleep waits d unless ctx is done first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
