package bolt

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// The *Doc types are the on-disk JSON, with explicit names so renaming a Go field
// in package ledger cannot silently orphan stored data. Times are Unix
// milliseconds (the precision DynamoDB keeps too), 0 for the zero time.

type recordDoc struct {
	Kind       string            `json:"kind"`
	SourceKey  string            `json:"source_key"`
	TargetID   string            `json:"target_id,omitempty"`
	SourceHash string            `json:"source_hash,omitempty"`
	TargetHash string            `json:"target_hash,omitempty"`
	SourceMark int64             `json:"source_mark,omitempty"`
	TargetMark int64             `json:"target_mark,omitempty"`
	Status     string            `json:"status,omitempty"`
	LastError  string            `json:"last_error,omitempty"`
	Failures   int               `json:"failures,omitempty"`
	Terminal   bool              `json:"terminal,omitempty"`
	SyncedAt   int64             `json:"synced_at,omitempty"`
	Attrs      map[string]string `json:"attrs,omitempty"`
	Version    int64             `json:"version"`
}

type runDoc struct {
	ID       string         `json:"id"`
	Started  int64          `json:"started,omitempty"`
	Finished int64          `json:"finished,omitempty"`
	Trigger  string         `json:"trigger,omitempty"`
	DryRun   bool           `json:"dry_run,omitempty"`
	Outcome  ledger.Outcome `json:"outcome,omitempty"`
	Counts   map[string]int `json:"counts,omitempty"`
	Errors   []string       `json:"errors,omitempty"`
	Drift    int            `json:"drift,omitempty"`
	Kinds    []string       `json:"kinds,omitempty"`
	Detail   []byte         `json:"detail,omitempty"`
	Expires  int64          `json:"expires,omitempty"` // 0 = never
}

type stateDoc struct {
	ActiveSide  string `json:"active_side"`
	Epoch       int64  `json:"epoch"`
	LeaseHolder string `json:"lease_holder,omitempty"`
	LeaseExpiry int64  `json:"lease_expiry,omitempty"`
	StopBy      string `json:"stop_by,omitempty"`
	SwitchID    string `json:"switch_id,omitempty"`
	Version     int64  `json:"version"`
}

// decode unmarshals a stored document into d. Errors: ErrCorrupt naming what
// did not decode: drsync wrote it as JSON, so anything else is damage.
func decode(what string, v []byte, d any) error {
	if err := json.Unmarshal(v, d); err != nil {
		return fmt.Errorf("%w: %s does not decode: %v", ErrCorrupt, what, err)
	}
	return nil
}

// expiry returns when something written at now with ttl expires; 0 (never) for a
// ttl <= 0.
func expiry(now time.Time, ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return now.Add(ttl).UnixMilli()
}

// expired reports whether an expiry (from expiry) has passed at now.
func expired(exp int64, now time.Time) bool {
	return exp != 0 && now.UnixMilli() >= exp
}

// sortable encodes ms so that byte order is numeric order, negatives included.
func sortable(ms int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(ms)^(1<<63))
}

// unsortable decodes the first 8 bytes of a sortable key.
func unsortable(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}

func encodeRecord(r ledger.Record) recordDoc {
	return recordDoc{
		Kind: r.Kind, SourceKey: r.SourceKey, TargetID: r.TargetID,
		SourceHash: r.SourceHash, TargetHash: r.TargetHash,
		SourceMark: r.SourceMark, TargetMark: r.TargetMark,
		Status: r.Status, LastError: r.LastError, Failures: r.Failures, Terminal: r.Terminal,
		SyncedAt: ledger.Millis(r.SyncedAt), Attrs: r.Attrs, Version: r.Version,
	}
}

func (d recordDoc) record() ledger.Record {
	return ledger.Record{
		Kind: d.Kind, SourceKey: d.SourceKey, TargetID: d.TargetID,
		SourceHash: d.SourceHash, TargetHash: d.TargetHash,
		SourceMark: d.SourceMark, TargetMark: d.TargetMark,
		Status: d.Status, LastError: d.LastError, Failures: d.Failures, Terminal: d.Terminal,
		SyncedAt: ledger.FromMillis(d.SyncedAt), Attrs: d.Attrs, Version: d.Version,
	}
}

func encodeRun(r ledger.Run, expires int64) runDoc {
	return runDoc{
		ID: r.ID, Started: ledger.Millis(r.Started), Finished: ledger.Millis(r.Finished),
		Trigger: r.Trigger, DryRun: r.DryRun, Outcome: r.Outcome,
		Counts: r.Counts, Errors: r.Errors, Drift: r.Drift, Kinds: r.Kinds, Detail: r.Detail, Expires: expires,
	}
}

func (d runDoc) run() ledger.Run {
	return ledger.Run{
		ID: d.ID, Started: ledger.FromMillis(d.Started), Finished: ledger.FromMillis(d.Finished),
		Trigger: d.Trigger, DryRun: d.DryRun, Outcome: d.Outcome,
		Counts: d.Counts, Errors: d.Errors, Drift: d.Drift, Kinds: d.Kinds, Detail: d.Detail,
	}
}

func encodeState(s ledger.PairState) stateDoc {
	return stateDoc{
		ActiveSide: s.ActiveSide, Epoch: s.Epoch,
		LeaseHolder: s.LeaseHolder, LeaseExpiry: ledger.Millis(s.LeaseExpiry),
		StopBy: s.StopBy, SwitchID: s.SwitchID, Version: s.Version,
	}
}

func (d stateDoc) state() ledger.PairState {
	return ledger.PairState{
		ActiveSide: d.ActiveSide, Epoch: d.Epoch,
		LeaseHolder: d.LeaseHolder, LeaseExpiry: ledger.FromMillis(d.LeaseExpiry),
		StopBy: d.StopBy, SwitchID: d.SwitchID, Version: d.Version,
	}
}
