package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/drsync/drsync/shared/ledger"
)

// defaultSide is the active side of a pair that never failed over.
const defaultSide = "primary"

// readState returns the state stored in the pair bucket p, or the default state
// when p is nil (pair never written) or holds none yet.
func readState(p *bbolt.Bucket) (ledger.PairState, error) {
	if p == nil {
		return ledger.PairState{ActiveSide: defaultSide}, nil
	}
	v := p.Get(stateKey)
	if v == nil {
		return ledger.PairState{ActiveSide: defaultSide}, nil
	}
	var d stateDoc
	if err := decode("pair state", v, &d); err != nil {
		return ledger.PairState{}, err
	}
	return d.state(), nil
}

// writeState stores st with its version moved on, and returns it as stored.
func writeState(tx *bbolt.Tx, pair string, st ledger.PairState) (ledger.PairState, error) {
	p, err := writePair(tx, pair)
	if err != nil {
		return ledger.PairState{}, err
	}
	d := encodeState(st)
	d.Version++
	buf, err := json.Marshal(d)
	if err != nil {
		return ledger.PairState{}, fmt.Errorf("encode pair state: %w", err)
	}
	return d.state(), p.Put(stateKey, buf)
}

// State returns the pair state; a pair never seen is {ActiveSide: "primary"}.
func (s *Store) State(ctx context.Context, pair string) (ledger.PairState, error) {
	var st ledger.PairState
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		st, err = readState(readPair(tx, pair))
		return err
	})
	if err != nil {
		return ledger.PairState{}, fmt.Errorf("ledger state %s: %w", pair, err)
	}
	return st, nil
}

// AcquireLease takes the run lease for holder until now+ttl (at millisecond
// precision) if it is free, expired at now, or already held by holder. Errors:
// ledger.ErrLeaseHeld, with the current state (naming the holder) returned.
func (s *Store) AcquireLease(ctx context.Context, pair, holder string, ttl time.Duration, now time.Time) (ledger.PairState, error) {
	var st ledger.PairState
	err := ledger.CheckPair(pair)
	if err == nil && (holder == "" || ttl <= 0) {
		err = fmt.Errorf("lease needs a holder and a positive ttl, got %q for %s", holder, ttl)
	}
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error {
			var err error
			st, err = acquireLease(tx, pair, holder, now.Add(ttl), now)
			return err
		})
	}
	if err != nil {
		return st, fmt.Errorf("ledger acquire lease %s for %s: %w", pair, holder, err)
	}
	return st, nil
}

// acquireLease is AcquireLease inside the write transaction.
func acquireLease(tx *bbolt.Tx, pair, holder string, until, now time.Time) (ledger.PairState, error) {
	st, err := readState(readPair(tx, pair))
	if err != nil {
		return ledger.PairState{}, err
	}
	if st.StopBy != "" && st.StopBy != holder {
		return st, fmt.Errorf("%w: %s asked every run to stop", ledger.ErrLeaseHeld, st.StopBy)
	}
	if st.LeaseHolder != "" && st.LeaseHolder != holder && now.Before(st.LeaseExpiry) {
		return st, fmt.Errorf("%w: %s holds it until %s", ledger.ErrLeaseHeld,
			st.LeaseHolder, st.LeaseExpiry.Format(time.RFC3339Nano))
	}
	st.LeaseHolder, st.LeaseExpiry = holder, until
	return writeState(tx, pair, st)
}

// ReleaseLease frees the lease if holder holds it; otherwise it does nothing.
func (s *Store) ReleaseLease(ctx context.Context, pair, holder string) error {
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		st, err := readState(readPair(tx, pair))
		if err != nil || holder == "" || st.LeaseHolder != holder {
			return err
		}
		st.LeaseHolder, st.LeaseExpiry = "", time.Time{}
		_, err = writeState(tx, pair, st)
		return err
	})
	if err != nil {
		return fmt.Errorf("ledger release lease %s for %s: %w", pair, holder, err)
	}
	return nil
}

// RequestStop sets (or, with by "", clears) the pair's StopBy.
func (s *Store) RequestStop(ctx context.Context, pair, by string) (ledger.PairState, error) {
	var st ledger.PairState
	err := ledger.CheckPair(pair)
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error {
			var err error
			if st, err = readState(readPair(tx, pair)); err == nil {
				st.StopBy = by
				st, err = writeState(tx, pair, st)
			}
			return err
		})
	}
	if err != nil {
		return st, fmt.Errorf("ledger request stop %s by %q: %w", pair, by, err)
	}
	return st, nil
}

// SetActive switches the active side and increments the epoch if the current
// epoch equals expectEpoch (or the switch switchID already did). Errors:
// ledger.ErrConflict, with the current state returned.
func (s *Store) SetActive(ctx context.Context, pair, side string, expectEpoch int64, switchID string) (ledger.PairState, error) {
	var st ledger.PairState
	err := ledger.CheckPair(pair)
	if err == nil && side == "" {
		err = errors.New("empty side")
	}
	if err == nil {
		err = s.update(ctx, func(tx *bbolt.Tx) error {
			var err error
			st, err = setActive(tx, pair, side, expectEpoch, switchID)
			return err
		})
	}
	if err != nil {
		return st, fmt.Errorf("ledger set active %s to %s: %w", pair, side, err)
	}
	return st, nil
}

// setActive is SetActive inside the write transaction.
func setActive(tx *bbolt.Tx, pair, side string, expectEpoch int64, switchID string) (ledger.PairState, error) {
	st, err := readState(readPair(tx, pair))
	if err != nil {
		return ledger.PairState{}, err
	}
	if switchID != "" && st.SwitchID == switchID && st.Epoch == expectEpoch+1 && st.ActiveSide == side {
		return st, nil // this switch, retried after it committed
	}
	if st.Epoch != expectEpoch {
		return st, fmt.Errorf("%w: pair at epoch %d, switch expects %d", ledger.ErrConflict, st.Epoch, expectEpoch)
	}
	st.ActiveSide, st.StopBy, st.SwitchID = side, "", switchID
	st.Epoch++
	return writeState(tx, pair, st)
}
