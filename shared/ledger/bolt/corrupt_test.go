package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/drsync/drsync/shared/ledger"
)

// sampleLedger writes a ledger of n job records, a run and a pair state, in
// one transaction (fast), and returns its bytes.
func sampleLedger(t *testing.T, n int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sample.db")
	s := openTemp(t, path, nil)
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for i := range n {
			rec := ledger.Record{Kind: "job", SourceKey: fmt.Sprintf("%04d", i), TargetHash: strings.Repeat("h", 64)}
			if _, err := putRecord(tx, "p", rec, ledger.Fence{}); err != nil {
				return err
			}
		}
		if err := s.putRun(tx, "p", ledger.Run{ID: "run-1", Started: time.Now()}, time.Hour); err != nil {
			return err
		}
		_, err := setActive(tx, "p", "primary", 0, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// garble returns a copy of data with [from, to) overwritten by a pattern.
func garble(data []byte, from, to int) []byte {
	out := bytes.Clone(data)
	for i := from; i < to && i < len(out); i++ {
		out[i] = byte(i*7 + 3)
	}
	return out
}

// useEveryMethod opens the ledger at path both ways and calls every read and
// a write, returning every error. A panic or a fault fails the whole test
// binary, which is what this protects against.
func useEveryMethod(t *testing.T, path string) []error {
	t.Helper()
	ctx := t.Context()
	var errs []error
	for _, open := range []func() (*Store, error){
		func() (*Store, error) { return Open(path, Options{}) },
		func() (*Store, error) { return OpenReadOnly(ctx, path, Options{}) },
	} {
		s, err := open()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, err = s.List(ctx, "p", "")
		errs = append(errs, err)
		_, err = s.Get(ctx, "p", "job", "0150")
		errs = append(errs, err)
		_, err = s.Runs(ctx, "p", 0)
		errs = append(errs, err)
		_, err = s.State(ctx, "p")
		errs = append(errs, err)
		_, err = s.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "new"}, ledger.Fence{Epoch: 1})
		errs = append(errs, err)
		errs = append(errs, s.Close())
	}
	return errs
}

// TestCorruptLedgerIsAnError protects item 8 of issue 10: a truncated or
// overwritten ledger is reported as "ledger FILE is corrupt: ..." (ErrCorrupt),
// by Open, OpenReadOnly and every method, instead of bbolt's panic (or, past
// a truncated end, a fault that kills the process) which main gave.
func TestCorruptLedgerIsAnError(t *testing.T) {
	t.Parallel()
	data := sampleLedger(t, 300)
	leaf := bytes.Index(data, []byte("job\x000150"))
	if leaf < 0 {
		t.Fatal("record job/0150 not found in the file")
	}
	value := bytes.Index(data[leaf:], []byte(`{"kind"`)) + leaf
	page := os.Getpagesize()
	tests := map[string][]byte{
		"truncated to half":    data[:len(data)/2],
		"truncated to 3 pages": data[:3*page],
		"leaf page garbled":    garble(data, leaf/page*page, leaf/page*page+page),
		"record garbled":       garble(data, value, value+8),
	}
	for name, bad := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.db")
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			var corrupt int
			for _, err := range useEveryMethod(t, path) {
				if errors.Is(err, ErrCorrupt) {
					corrupt++
					if want := "ledger " + path + " is corrupt: "; !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
			}
			if corrupt == 0 {
				t.Errorf("no operation reported ErrCorrupt")
			}
		})
	}
}

// TestGarbledPagesNeverCrash garbles each page of a ledger in turn: whatever
// a page held, using the ledger returns errors at worst.
func TestGarbledPagesNeverCrash(t *testing.T) {
	t.Parallel()
	data := sampleLedger(t, 300)
	page := os.Getpagesize()
	dir := t.TempDir()
	for p := 2; p*page < len(data); p++ {
		path := filepath.Join(dir, fmt.Sprintf("page-%d.db", p))
		if err := os.WriteFile(path, garble(data, p*page, (p+1)*page), 0o600); err != nil {
			t.Fatal(err)
		}
		useEveryMethod(t, path)
	}
}
