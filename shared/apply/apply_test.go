package apply_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/drsync/drsync/shared/apply"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// memKind is an in-memory kind: a fake of our own Kind contract (not of an SDK
// client), so the applier's scheduling can be tested without a workspace.
type memKind struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]bool // keys whose create fails
}

func (m *memKind) Name() string             { return "thing" }
func (m *memKind) Info() resource.Info      { return resource.Info{} }
func (m *memKind) Schema() *resource.Schema { return &resource.Schema{} }
func (m *memKind) List(context.Context, resource.Workspace) ([]resource.Object, error) {
	return nil, nil
}

func (m *memKind) Create(_ context.Context, _ resource.Workspace, want resource.Object) (resource.Applied, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "create "+want.Key)
	if m.fail[want.Key] {
		return resource.Applied{}, errors.New("boom")
	}
	return resource.Applied{ID: "t-" + want.Key}, nil
}

func (m *memKind) Update(_ context.Context, _ resource.Workspace, id string, _ resource.Object) (resource.Applied, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "update "+id)
	return resource.Applied{ID: id}, nil
}

func (m *memKind) Delete(_ context.Context, _ resource.Workspace, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "delete "+id)
	return nil
}

type noTargets struct{}

func (noTargets) TargetID(string, string) (string, bool) { return "", false }

func create(key string, after ...int) plan.Action {
	doc := resource.Doc{"k": key}
	return plan.Action{Kind: "thing", Key: key, Op: plan.Create, Status: plan.StatusPlanned,
		Source: resource.Object{Key: key, Hash: resource.Hash(doc)}, Desired: doc, DesiredHash: resource.Hash(doc), After: after}
}

func newStore(t *testing.T) ledger.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "l.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// A failed action skips exactly its dependants (with a reason naming the
// failure); independent work goes on; each success is in the ledger, and so
// is the failure (terminal: a plain error is not a transient one).
func TestFailedDependencySkipsDependants(t *testing.T) {
	kind := &memKind{fail: map[string]bool{"a": true}}
	store := newStore(t)
	p := &plan.Plan{Actions: []plan.Action{create("a"), create("b", 0), create("c"), create("d", 1)}}
	ap := apply.New(apply.Options{Kinds: []resource.Kind{kind}, Store: store, Targets: noTargets{},
		Pair: "p"})
	if err := ap.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": plan.StatusFailed, "b": plan.StatusFailed, "c": plan.StatusDone, "d": plan.StatusFailed}
	for _, a := range p.Actions {
		if a.Status != want[a.Key] {
			t.Errorf("%s: status %s, want %s (%s)", a.Key, a.Status, want[a.Key], a.Error)
		}
	}
	if !strings.Contains(p.Actions[1].Error, "depends on thing a, which failed") {
		t.Errorf("b's reason = %q", p.Actions[1].Error)
	}
	if len(kind.calls) != 2 {
		t.Errorf("calls = %v, want only a and c attempted", kind.calls)
	}
	recs, _ := store.List(context.Background(), "p", "thing")
	if len(recs) != 2 || recs[1].SourceKey != "c" || recs[1].TargetID != "t-c" || recs[1].Status != ledger.StatusSynced {
		t.Fatalf("ledger = %+v, want c synced", recs)
	}
	if a := recs[0]; a.SourceKey != "a" || a.TargetID != "" || a.Status != ledger.StatusFailed ||
		a.LastError != "boom" || a.Failures != 1 || !a.Terminal || a.SourceHash == "" {
		t.Errorf("a's record = %+v, want a terminal failure with no target and the failing source's hash", a)
	}
}

// A dry run goes through every action but calls nothing that changes the
// target and writes nothing to the ledger.
func TestDryRunChangesNothing(t *testing.T) {
	kind := &memKind{}
	store := newStore(t)
	p := &plan.Plan{Actions: []plan.Action{create("a"), create("b", 0)},
		Bindings: []plan.Binding{{Kind: "thing", Key: "z", TargetID: "t-z"}}}
	ap := apply.New(apply.Options{Kinds: []resource.Kind{kind}, Store: store, Targets: noTargets{},
		Pair: "p", DryRun: true})
	if err := ap.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if len(kind.calls) != 0 {
		t.Fatalf("dry run called the target: %v", kind.calls)
	}
	if recs, _ := store.List(context.Background(), "p", ""); len(recs) != 0 {
		t.Fatalf("dry run wrote the ledger: %+v", recs)
	}
	for _, a := range p.Actions {
		if a.Status != plan.StatusPlanned {
			t.Errorf("%s: status %s after a dry run", a.Key, a.Status)
		}
	}
}

// A run whose context ends stops scheduling: what did not start is reported as
// not applied, for the next run to pick up.
func TestCancelledRunStops(t *testing.T) {
	kind := &memKind{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &plan.Plan{Actions: []plan.Action{create("a"), create("b")}}
	ap := apply.New(apply.Options{Kinds: []resource.Kind{kind}, Store: newStore(t), Targets: noTargets{},
		Pair: "p"})
	if err := ap.Apply(ctx, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	for _, a := range p.Actions {
		if a.Status != plan.StatusFailed || !strings.Contains(a.Error, "not applied") {
			t.Errorf("%s: %s %q", a.Key, a.Status, a.Error)
		}
	}
}

// After a failover the epoch moves on: the stale run's first ledger write is
// fenced and the whole apply stops.
func TestFencedRunStops(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	if _, err := store.SetActive(ctx, "p", "dr", 0, ""); err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Actions: []plan.Action{create("a")}}
	ap := apply.New(apply.Options{Kinds: []resource.Kind{&memKind{}}, Store: store, Targets: noTargets{},
		Pair: "p", Fence: ledger.Fence{Epoch: 0}})
	if err := ap.Apply(ctx, p); !errors.Is(err, ledger.ErrFenced) {
		t.Fatalf("err = %v, want ErrFenced", err)
	}
}
