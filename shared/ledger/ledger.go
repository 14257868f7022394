// Package ledger is drsync's memory of what it manages: one record per resource it
// synced, run records, processed audit-log ids, and the pair's state (active side,
// epoch, run lease). The ledger is a cache — the target workspace is the truth — but
// every write that can race is conditional, so two runs can never both win.
//
// Store is implemented by an embedded bbolt file (package ledger/bolt, for the CLI)
// and by DynamoDB (for the Lambda functions); both pass ledgertest.Run.
package ledger

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns; callers test them with errors.Is.
var (
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("ledger: not found")
	// ErrConflict: a conditional write lost (the record's version moved on).
	ErrConflict = errors.New("ledger: version conflict")
	// ErrFenced: the write carried an epoch older than the pair's current epoch, so
	// it comes from a run that started before a failover and must stop.
	ErrFenced = errors.New("ledger: fenced by a newer epoch")
	// ErrLeaseHeld: another holder has an unexpired run lease.
	ErrLeaseHeld = errors.New("ledger: run lease held by another run")
	// ErrLeaseLost: the run's lease expired (its renewals failed) or another
	// holder took it; the run must not write anymore.
	ErrLeaseLost = errors.New("ledger: the run lost its lease")
)

// Record is what drsync knows about one managed resource.
type Record struct {
	Kind      string // resource kind: "notebook", "job", ...
	SourceKey string // identity in the source: a path or a source id
	TargetID  string // identity in the target: an id, or the (mapped) path

	SourceHash string // hash of the normalised source document last applied
	TargetHash string // hash of the normalised target document after apply
	// SourceMark and TargetMark are cheap change markers from listings
	// (modified_at for workspace objects), so unchanged objects are not exported.
	SourceMark int64
	TargetMark int64

	Status    string // StatusSynced, StatusFailed, StatusPending or StatusBlocked
	LastError string
	// Failures counts the failed attempts since the last success. Terminal
	// says the last one failed for a reason a retry cannot fix (a refused
	// request, a permission): such an object is retried only when its source
	// changes, or when an operator asks.
	Failures int
	Terminal bool
	SyncedAt time.Time
	// Attrs keeps per-kind facts needed later, e.g. the source's own pause status
	// of a job that is paused in DR ("pause_status") so failover can restore it.
	Attrs map[string]string

	// Version is the store's optimistic-concurrency counter: 0 for a record that
	// has never been written. Put succeeds only if it matches the stored version.
	Version int64
}

// Record statuses.
const (
	StatusSynced = "synced"
	StatusFailed = "failed"
	// StatusPending: the object is being created, or was created without its
	// warm-DR state (a DR cluster not yet terminated and pinned); the next
	// run finishes it first.
	StatusPending = "pending"
	// StatusBlocked: the target cannot take the object (a node type, an
	// instance profile, a warehouse it lacks); LastError says why. It is
	// planned again every run, and written once the cause is gone.
	StatusBlocked = "blocked"
)

// Run is the record of one sync run.
type Run struct {
	ID       string
	Started  time.Time
	Finished time.Time
	Trigger  string // "cli", "schedule", "auditlog", ...
	DryRun   bool
	Outcome  Outcome
	Counts   map[string]int // by action: create, update, delete, skip, failed, unchanged
	Errors   []string       // first errors, capped by the caller
	Drift    int            // objects found changed by hand in the target
	// Kinds are the kinds the run reconciled (readiness ages each kind by
	// its last successful run).
	Kinds []string
	// Detail is the trigger's own account of the run, as JSON (a failover's
	// steps, their durations and outcomes).
	Detail []byte
}

// Outcome is how a run ended.
type Outcome string

// Run outcomes.
const (
	// OutcomeOK: every planned action was applied.
	OutcomeOK Outcome = "ok"
	// OutcomePartial: some actions failed on their own; the rest were applied.
	OutcomePartial Outcome = "partial"
	// OutcomeStopped: the run stopped before every action ran (deadline,
	// cancellation, fencing); the next run picks up the rest.
	OutcomeStopped Outcome = "stopped"
	// OutcomeRefused: the delete guard refused the run; nothing was changed.
	OutcomeRefused Outcome = "refused"
)

// PendingKey is an object waiting for a sync: what an audit-log event named
// while another run held the lease, and when it was recorded.
type PendingKey struct {
	Kind  string
	Key   string
	Since time.Time
}

// PairState is the pair's control item.
type PairState struct {
	ActiveSide  string // "primary" (default) or "dr"
	Epoch       int64  // increments at every failover/failback
	LeaseHolder string // run id holding the run lease, "" if none
	LeaseExpiry time.Time
	// StopBy names who asked every run to stop (a failover runbook): while it
	// is set, only StopBy may take or renew the lease.
	StopBy string
	// SwitchID names the switch that set the active side and epoch (the
	// runbook's execution), so that the switch, retried after it committed,
	// finds itself done rather than fenced.
	SwitchID string
	Version  int64
}

// ReplicationResult is the latest replication check of one bucket pair
// (shared/replication), kept for `drsync status` and the failover
// runbook's readiness step.
type ReplicationResult struct {
	// Source and Target are the s3:// locations; together they key the result.
	Source, Target string
	CheckedAt      time.Time
	Healthy        bool
	RPOBreached    bool
	// Report is the check's JSON document (counts, findings, sample).
	Report []byte
}

// ReplicationCheckpoint is where an unfinished replication check of a
// bucket pair continues on the next invocation.
type ReplicationCheckpoint struct {
	Source, Target string
	// Progress is the checker's position (opaque JSON); empty when no check
	// is in progress.
	Progress  []byte
	UpdatedAt time.Time
	// Version is the optimistic-concurrency counter, as Record's.
	Version int64
}

// Fence is what a run carries to every write: the epoch it started under. A zero
// Fence (Epoch 0 on a pair still at epoch 0) is valid.
type Fence struct{ Epoch int64 }

// Store is the ledger contract. All methods are safe for concurrent use.
// Records are scoped by pair name; List results are sorted by (Kind, SourceKey).
type Store interface {
	// Get returns one record, or ErrNotFound.
	Get(ctx context.Context, pair, kind, sourceKey string) (Record, error)
	// List returns the pair's records of one kind ("" = all kinds).
	List(ctx context.Context, pair, kind string) ([]Record, error)
	// Put writes rec if the stored version equals rec.Version (0 = must not exist)
	// and the pair's epoch equals f.Epoch. It returns rec with its new Version.
	// Errors: ErrConflict, ErrFenced.
	Put(ctx context.Context, pair string, rec Record, f Fence) (Record, error)
	// Delete removes a record if its stored version equals version; deleting a
	// missing record is not an error. Errors: ErrConflict, ErrFenced.
	Delete(ctx context.Context, pair, kind, sourceKey string, version int64, f Fence) error

	// PutRun stores a run record (kept at least ttl; stores may expire it after).
	PutRun(ctx context.Context, pair string, run Run, ttl time.Duration) error
	// Runs returns up to limit runs, newest first.
	Runs(ctx context.Context, pair string, limit int) ([]Run, error)

	// MarkProcessed records id (an audit-log request id, an object key) as done,
	// once: it reports true the first time and false if it was already marked
	// and has not expired.
	MarkProcessed(ctx context.Context, pair, id string, ttl time.Duration) (bool, error)
	// Processed reports which of ids are marked and unexpired; it writes
	// nothing. A consumer filters with it, does its work, then marks: a crash
	// in between repeats the (idempotent) work instead of losing it.
	Processed(ctx context.Context, pair string, ids []string) (map[string]bool, error)

	// AddPending records objects an audit-log event named while the pair's
	// lease was held (the event's run could not sync them), or records them
	// again with a later Since. The next sync covers them, then clears them.
	AddPending(ctx context.Context, pair string, keys []PendingKey) error
	// Pending lists the pending objects, sorted by (Kind, Key).
	Pending(ctx context.Context, pair string) ([]PendingKey, error)
	// ClearPending removes each of keys unless it was recorded again since
	// (its Since moved on): a sync that read the source before a newer event
	// must not drop that event's object.
	ClearPending(ctx context.Context, pair string, keys []PendingKey) error

	// State returns the pair state; a pair never seen is {ActiveSide: "primary"}.
	State(ctx context.Context, pair string) (PairState, error)
	// AcquireLease takes the run lease for holder until now+ttl if it is free,
	// expired, or already held by holder. Errors: ErrLeaseHeld (the returned
	// state says who holds it).
	AcquireLease(ctx context.Context, pair, holder string, ttl time.Duration, now time.Time) (PairState, error)
	// ReleaseLease frees the lease if holder holds it; otherwise it does nothing.
	ReleaseLease(ctx context.Context, pair, holder string) error
	// RequestStop sets the pair's StopBy to by ("" clears it): from then on
	// AcquireLease refuses every other holder, renewals included, so the run
	// holding the lease stops at its next renewal and the lease falls free
	// for by. SetActive clears it.
	RequestStop(ctx context.Context, pair, by string) (PairState, error)
	// SetActive switches the active side, increments the epoch, records
	// switchID and clears StopBy if the current epoch equals expectEpoch. A
	// switch already made under the same non-empty switchID (a retry after
	// the first attempt committed) returns the state it made. Errors:
	// ErrConflict.
	SetActive(ctx context.Context, pair, side string, expectEpoch int64, switchID string) (PairState, error)

	// PutReplicationResult stores r as its bucket pair's latest result,
	// unless the stored one was checked later (then it does nothing).
	PutReplicationResult(ctx context.Context, pair string, r ReplicationResult) error
	// ReplicationResults returns the latest result of every bucket pair of
	// the pair, sorted by Source, then Target.
	ReplicationResults(ctx context.Context, pair string) ([]ReplicationResult, error)
	// ReplicationCheckpoint returns a bucket pair's checkpoint; one never
	// written is returned with Version 0 and no Progress.
	ReplicationCheckpoint(ctx context.Context, pair, source, target string) (ReplicationCheckpoint, error)
	// PutReplicationCheckpoint writes cp if the stored version equals
	// cp.Version (0 = none stored) and returns it with its new Version.
	// Errors: ErrConflict.
	PutReplicationCheckpoint(ctx context.Context, pair string, cp ReplicationCheckpoint) (ReplicationCheckpoint, error)

	// Close releases the store's resources.
	Close() error
}
