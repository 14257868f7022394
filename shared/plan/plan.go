// Package plan turns two normalised snapshots and the ledger into a Plan: what to
// create, update, delete or skip in the target, each with a reason. It is pure —
// no SDK, no store, no clock — so a plan is deterministic and golden-tested, and
// dry-run and sync print the same thing.
package plan

import (
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
)

// Op is what an action does to the target.
type Op string

// Operations.
const (
	Create Op = "create"
	Update Op = "update"
	Delete Op = "delete"
	Skip   Op = "skip"
)

// Action statuses.
const (
	StatusPlanned = "planned"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Action is one step of a plan.
type Action struct {
	Kind    string   `json:"kind"`
	Key     string   `json:"key"`
	Name    string   `json:"name,omitempty"`
	Op      Op       `json:"action"`
	Reason  string   `json:"reason"`
	Changes []string `json:"changes,omitempty"`
	Status  string   `json:"status"`
	// Blocked lists why a skip is blocked: what in the object the target
	// cannot accept or run (a node type, a warehouse it cannot resolve).
	Blocked []resource.Blocked `json:"blocked,omitempty"`
	Error   string             `json:"error,omitempty"`
	// ErrorClass says what kind of failure Error is (terminal, transient,
	// throttled, ambiguous, fenced, stopped).
	ErrorClass string `json:"error_class,omitempty"`

	// TargetID is the object in the target an update or delete acts on, or the
	// target path a workspace object is created at.
	TargetID string `json:"target_id,omitempty"`
	// Source is the source object (creates and updates): apply reads its
	// document from the source when the snapshot did not need to.
	Source resource.Object `json:"-"`
	// Desired is the normalised document the target should hold (nil when the
	// source document was not read; see Source), DesiredHash its hash.
	Desired     resource.Doc `json:"-"`
	DesiredHash string       `json:"-"`
	// Attrs are facts to record in the ledger (what warm-DR policy overrode).
	Attrs map[string]string `json:"-"`
	// Replace: the change touches a field the API cannot update in place, so the
	// object is created anew (its dependants are updated, then the old one goes).
	Replace bool `json:"-"`
	// KeepRecord: a delete of a replaced object, whose ledger record now names
	// the replacement and must stay.
	KeepRecord bool `json:"-"`
	// Drift marks an action caused by a change made by hand in the target.
	Drift bool `json:"-"`
	// Finish: after the update, set the object's warm-DR state (a DR cluster
	// created by a run that died, or whose terminate failed, is terminated
	// and pinned); FinishOnly: the document is right, only do that.
	Finish, FinishOnly bool `json:"-"`
	// After lists indexes of actions that must succeed before this one runs.
	After []int `json:"-"`
}

// Binding records a source object that is already in sync in the target, so the
// ledger learns (or refreshes) it without any call to the target: adoption of
// objects found by identity marker, name or path, and new change markers.
type Binding struct {
	Kind       string
	Key        string
	TargetID   string
	SourceHash string
	TargetHash string
	SourceMark int64
	TargetMark int64
	Attrs      map[string]string
}

// Guard is the delete guard's verdict: over everything drsync manages, and
// per kind, so neither a large share of the estate nor a whole kind (all
// jobs, say, when a lost permission empties a listing) can go in one run.
type Guard struct {
	Managed  int     `json:"managed"`
	Deletes  int     `json:"deletes"`
	MaxShare float64 `json:"max_share"`
	Refused  bool    `json:"refused"`
	// Kinds are the kinds whose deletes the guard refuses, and why.
	Kinds []KindGuard `json:"kinds,omitempty"`
}

// KindGuard is the guard's verdict on one kind.
type KindGuard struct {
	Kind    string `json:"kind"`
	Managed int    `json:"managed"`
	Deletes int    `json:"deletes"`
	Reason  string `json:"reason"`
}

// Plan is the whole intended change, in apply order.
type Plan struct {
	Actions   []Action
	Bindings  []Binding
	Unchanged int
	Drift     int
	Pulled    []string // kinds added because a chosen kind depends on them
	Guard     Guard
	// Forget lists ledger records whose object is gone from both sides.
	Forget []ledger.Record
}

// Summary counts actions by operation, and failures after apply.
type Summary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Skip      int `json:"skip"`
	Failed    int `json:"failed"`
	Blocked   int `json:"blocked"`
	Unchanged int `json:"unchanged"`
}

// Summary counts the plan's actions.
func (p *Plan) Summary() Summary {
	s := Summary{Unchanged: p.Unchanged}
	for _, a := range p.Actions {
		switch a.Op {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Delete:
			s.Delete++
		case Skip:
			s.Skip++
		}
		if a.Status == StatusFailed {
			s.Failed++
		}
		if len(a.Blocked) > 0 {
			s.Blocked++
		}
	}
	return s
}

// Mutations counts the actions that change the target.
func (p *Plan) Mutations() int {
	n := 0
	for _, a := range p.Actions {
		if a.Op != Skip {
			n++
		}
	}
	return n
}

// Find returns the index of the create or update action for (kind, key), or -1.
func (p *Plan) Find(kind, key string) int {
	for i, a := range p.Actions {
		if a.Kind == kind && a.Key == key && (a.Op == Create || a.Op == Update) {
			return i
		}
	}
	return -1
}
