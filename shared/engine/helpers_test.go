package engine_test

import (
	"context"
	"testing"

	"github.com/drsync/drsync/shared/ledger"
)

func mustRecord(t *testing.T, f *fixture, kind, key string) ledger.Record {
	t.Helper()
	r, err := f.store.Get(context.Background(), "p", kind, key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ledgerFence() ledger.Fence { return ledger.Fence{} }
