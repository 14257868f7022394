// Package resource is the contract between drsync's generic engine and the small
// adapter written for each kind of Databricks object (notebook, job, cluster, ...).
//
// An adapter lists, creates, updates and deletes objects of its kind and declares a
// Schema: which fields are output-only, which hold server defaults, which are
// references to other objects, which arrays are unordered. Normalisation, hashing,
// reference remapping and planning are then the engine's job, the same for every
// kind. This package imports no SDK so the planner can stay pure.
package resource

import (
	"context"
	"strings"
)

// Ref is a reference from one object to another in logical, workspace-independent
// form: the referenced object's kind and its key in the source workspace.
type Ref struct {
	Kind string
	Key  string
}

func (r Ref) String() string { return r.Kind + ":" + r.Key }

// Object is one resource as read from a workspace.
//
// In a source snapshot Key is the object's identity (its id, or its path for
// workspace objects). In a target snapshot Key is the source key the object is
// known to stand for (from the ledger or its identity marker), "" when unknown.
type Object struct {
	Kind string
	Key  string
	// ID is the object's identity in the workspace it was read from: an id, or
	// the path for workspace objects.
	ID   string
	Name string // for people: a job or cluster name, a path
	// Mark is a cheap change marker from the listing (modified_at for workspace
	// objects); 0 when the kind has none.
	Mark int64
	// Doc is the normalised document: user-settable fields only, references in
	// logical form, server defaults removed. Nil when not read (see Hash).
	Doc Doc
	// Hash identifies Doc. It may be known without Doc, from the ledger, when the
	// Mark has not moved since the last sync.
	Hash string
	// Origin is the source key an object in the target carries as its identity
	// marker (a tag), "" if it carries none.
	Origin string
	// Builtin objects exist in every workspace (default cluster policies, root
	// folders): matched by name, never created or deleted.
	Builtin bool
	// Skip, when set, is why this object must not be copied (a job cluster).
	Skip string
	// Refs are the objects this one depends on, sorted.
	Refs []Ref
	// Attrs are facts to keep in the ledger (the source's own pause status).
	Attrs map[string]string
	// Active, in a listing, says the object is running on its own in a way
	// its document does not show ("state RUNNING" for a cluster); "" when it
	// is idle or the kind has no such state. In the target it means the
	// object has left its warm-DR state (the planner sets it again).
	Active string
	// Unread, when set, is why the object's document could not be read (an
	// export too large, a 404 in a race with a delete, a 5xx after
	// retries): the planner makes it a failed action and leaves its ledger
	// record as it was, and the rest of the run goes on.
	Unread *ReadFailure
}

// ReadFailure is one object's failed read: the error, and its class (as
// failure.Class names it: terminal, transient, ...).
type ReadFailure struct {
	Error string
	Class string
}

// Blocked is one reason an object cannot be written to, or would not run in,
// the target workspace: the key path of the offending field in the object's
// document ("tasks[].sql_task.warehouse_id"), the value found there, and what
// the target lacks. A blocked object is skipped, never sent to fail.
type Blocked struct {
	Field  string `json:"field"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Applied is what a write left in the target.
type Applied struct {
	ID   string // the target id (or path)
	Mark int64  // the target's change marker after the write, when cheap to know
}

// Workspace is one side of a pair as adapters see it. API is the SDK's
// WorkspaceClient (kept as any so this package imports no SDK); adapters
// assert it to *databricks.WorkspaceClient.
type Workspace struct {
	Side string // "source" or "target"
	API  any
}

// Identified is a workspace API that can say which workspace it reaches
// (by the workspace id the service states), which needs no permission.
type Identified interface {
	WorkspaceID(ctx context.Context) (int64, error)
}

// Kind is the adapter contract for one kind of object.
type Kind interface {
	// Name is the kind's name in plans, the ledger and audit-log keys.
	Name() string
	// Info is what the engine needs to know of the kind besides its schema.
	Info() Info
	// Schema declares how documents of this kind are normalised.
	Schema() *Schema
	// List returns every object of this kind in ws (including built-ins and
	// objects to skip), with a raw (un-normalised) Doc where the listing carries
	// it, or a Mark where reading the Doc is costly.
	List(ctx context.Context, ws Workspace) ([]Object, error)
	// Create makes the object described by want (a denormalised Doc whose
	// references are already target ids; want.ID is the target path for
	// workspace objects and "" otherwise; want.Key is the source key to carry as
	// identity marker).
	Create(ctx context.Context, ws Workspace, want Object) (Applied, error)
	// Update makes the target object id match want.
	Update(ctx context.Context, ws Workspace, id string, want Object) (Applied, error)
	// Delete removes the target object id. Deleting a missing object is not an error.
	Delete(ctx context.Context, ws Workspace, id string) error
}

// Info is what the engine needs to know of a kind, declared by its adapter, so
// that no package but the adapters names a kind.
type Info struct {
	// Resource is the name --resources and the config's "resources" select
	// the kind by ("notebooks"); "" when it is selected only as a dependency.
	Resource string
	// DependsOn lists the kinds whose objects this kind's objects may
	// reference or live in: selecting the kind pulls them in, and they are
	// applied first.
	DependsOn []string
	// Folder marks the path kind whose objects hold other path objects:
	// an audit-log key of this kind stands for its whole subtree.
	Folder bool
	// Rates maps an operation ("read", "create", "update", "delete") to the
	// API rate family it draws from (Rate* constants); absent: none.
	Rates map[string]string
}

// Rate families: the service's per-endpoint limits that several kinds share.
const (
	RateExport     = "workspace-export" // notebook and file exports
	RateImport     = "workspace-import" // notebook and file imports
	RateJobsCreate = "jobs-create"
)

// PathKinds is the set of kinds among ks keyed by workspace path, and
// KindPath (whatever is at a path).
func PathKinds(ks []Kind) map[string]bool {
	out := map[string]bool{KindPath: true}
	for _, k := range ks {
		if k.Schema().Paths {
			out[k.Name()] = true
		}
	}
	return out
}

// Covers reports whether key names object u: the same object, or, when key
// is a folder or a path of unknown kind, any workspace object at or under
// its path. paths are the kinds keyed by workspace path (PathKinds).
func Covers(key, u Ref, paths map[string]bool) bool {
	if key == u {
		return true
	}
	if !paths[key.Kind] || !paths[u.Kind] {
		return false
	}
	root := strings.TrimSuffix(key.Key, "/")
	return u.Key == root || strings.HasPrefix(u.Key, root+"/")
}

// Reader is implemented by kinds whose listing lacks the document (a notebook's
// content needs an export): Read returns the raw Doc of obj.
type Reader interface {
	Read(ctx context.Context, ws Workspace, obj Object) (Doc, error)
}

// Warmer is implemented by kinds whose DR copy differs from the source by policy
// (jobs paused, pools with no idle instances). Warm returns the desired target
// document for a normalised source document, and facts to record in the ledger
// (the values it overrode, so failover can restore them).
type Warmer interface {
	Warm(doc Doc, p WarmPolicy) (Doc, map[string]string)
}

// Freezer is implemented by kinds whose objects run on their own (a job's
// schedule): Freeze stops that on the side being left at failover, so both
// sides never run at once, and returns what it changed (the statuses it
// overrode) for the record. Freezing a frozen object changes nothing.
type Freezer interface {
	Freeze(ctx context.Context, ws Workspace, id string) (was map[string]string, err error)
}

// Activator is implemented by kinds whose DR copy is kept idle (Warmer):
// Activate gives the object at failover the state the other side had,
// from the facts Warm recorded (and, when asked, starts what was running);
// Check compares the object with that state and lists the differences.
type Activator interface {
	Activate(ctx context.Context, ws Workspace, id string, facts map[string]string, p ActivatePolicy) (note string, err error)
	Check(ctx context.Context, ws Workspace, id string, facts map[string]string, p ActivatePolicy) (diffs []string, err error)
}

// ActivatePolicy is what a failover asks of Activate.
type ActivatePolicy struct {
	// Start starts compute whose facts say it was running on the other side.
	Start bool
}

// Finisher is implemented by kinds that need a step after a create (clusters are
// terminated at once and pinned so no DR compute runs until failover).
type Finisher interface {
	AfterCreate(ctx context.Context, ws Workspace, id string, p WarmPolicy) error
}

// WarmPolicy is the warm-DR policy (DESIGN §4).
type WarmPolicy struct {
	PauseJobs         bool
	TerminateClusters bool
	PinClusters       bool
	PoolMinIdleZero   bool
}

// DefaultWarmPolicy keeps nothing running in DR.
func DefaultWarmPolicy() WarmPolicy {
	return WarmPolicy{PauseJobs: true, TerminateClusters: true, PinClusters: true, PoolMinIdleZero: true}
}

// Getter is implemented by kinds that can read one object by its id: what a
// targeted (audit-log) sync uses instead of listing the whole kind, so its cost
// grows with the changed objects, not the estate.
type Getter interface {
	// Get returns the object as List would (raw Doc, Skip, Builtin); found is
	// false when no object has this id.
	Get(ctx context.Context, ws Workspace, id string) (obj Object, found bool, err error)
}

// SubtreeLister is implemented by path kinds: ListUnder returns every object of
// the kind at root or below it (nothing when root does not exist).
type SubtreeLister interface {
	ListUnder(ctx context.Context, ws Workspace, root string) ([]Object, error)
}
