package apply_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"

	"github.com/drsync/drsync/shared/apply"
	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// markedKind is an in-memory kind whose objects carry the source key as
// their identity marker; failures lists the errors of its next creates.
type markedKind struct {
	memKind
	mu       sync.Mutex
	objects  []resource.Object
	failures []error
	creates  int
}

func (m *markedKind) Schema() *resource.Schema {
	return &resource.Schema{Marker: "tags." + resource.MarkerTag}
}

func (m *markedKind) List(context.Context, resource.Workspace) ([]resource.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]resource.Object(nil), m.objects...), nil
}

// Create makes the object and then, if a failure is queued, reports it
// anyway: the server did the create, the client never heard.
func (m *markedKind) Create(_ context.Context, _ resource.Workspace, want resource.Object) (resource.Applied, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creates++
	var err error
	if len(m.failures) > 0 {
		err, m.failures = m.failures[0], m.failures[1:]
	}
	if errors.Is(err, apierr.ErrInternalError) && !errors.Is(err, failure.ErrAmbiguous) {
		return resource.Applied{}, err // refused before doing anything
	}
	id := fmt.Sprintf("t-%d", len(m.objects)+1)
	m.objects = append(m.objects, resource.Object{ID: id, Doc: resource.Doc{"tags": map[string]any{resource.MarkerTag: want.Key}}})
	return resource.Applied{ID: id}, err
}

func quick(kind resource.Kind, store ledger.Store) apply.Options {
	return apply.Options{Kinds: []resource.Kind{kind}, Store: store, Targets: noTargets{}, Pair: "p",
		Backoff: time.Millisecond}
}

// A transient failure (a 500) is tried again within the run, a terminal one
// (a refused request) is not; both outcomes reach the ledger.
func TestTransientFailureRetried(t *testing.T) {
	kind := &markedKind{failures: []error{fmt.Errorf("create: %w", apierr.ErrInternalError)}}
	store := newStore(t)
	p := &plan.Plan{Actions: []plan.Action{create("a")}}
	if err := apply.New(quick(kind, store)).Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if p.Actions[0].Status != plan.StatusDone || kind.creates != 2 || len(kind.objects) != 1 {
		t.Errorf("status %s after %d creates, %d objects; want done after 2 creates, 1 object",
			p.Actions[0].Status, kind.creates, len(kind.objects))
	}

	refused := &markedKind{failures: []error{fmt.Errorf("create: %w", apierr.ErrInvalidParameterValue)}}
	p = &plan.Plan{Actions: []plan.Action{create("b")}}
	if err := apply.New(quick(refused, store)).Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if a := p.Actions[0]; a.Status != plan.StatusFailed || a.ErrorClass != "terminal" || refused.creates != 1 {
		t.Errorf("terminal failure: %+v after %d creates, want failed (terminal) after 1", a, refused.creates)
	}
}

// A create whose answer was lost after the server did it is not done again:
// the retry finds the object by its identity marker and adopts it.
func TestAmbiguousCreateNotRepeated(t *testing.T) {
	kind := &markedKind{failures: []error{fmt.Errorf("POST /api/2.2/jobs/create: %w", failure.ErrAmbiguous)}}
	store := newStore(t)
	p := &plan.Plan{Actions: []plan.Action{create("a")}}
	if err := apply.New(quick(kind, store)).Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if p.Actions[0].Status != plan.StatusDone || kind.creates != 1 || len(kind.objects) != 1 {
		t.Fatalf("status %s after %d creates, %d objects; want done with exactly one create",
			p.Actions[0].Status, kind.creates, len(kind.objects))
	}
	if rec, err := store.Get(context.Background(), "p", "thing", "a"); err != nil || rec.TargetID != "t-1" {
		t.Errorf("record = %+v, %v; want the adopted t-1", rec, err)
	}
}

// A run that may no longer write (its lease check fails) changes nothing and
// stops the whole apply.
func TestLostLeaseStopsEveryWrite(t *testing.T) {
	kind := &markedKind{}
	opts := quick(kind, newStore(t))
	opts.Check = func() error { return fmt.Errorf("%w: expired", ledger.ErrLeaseLost) }
	p := &plan.Plan{Actions: []plan.Action{create("a"), create("b"), create("c")}}
	err := apply.New(opts).Apply(context.Background(), p)
	if !errors.Is(err, ledger.ErrLeaseLost) || kind.creates != 0 {
		t.Errorf("err = %v after %d creates, want ErrLeaseLost and no create", err, kind.creates)
	}
}

// A create that a dead run left pending (its record has no target id), and
// whose request landed after this run's listing, is looked for before the
// create: the object is adopted, not made twice.
func TestPendingCreateOfADeadRunAdopted(t *testing.T) {
	kind := &markedKind{}
	kind.objects = []resource.Object{{ID: "t-late", Doc: resource.Doc{"tags": map[string]any{resource.MarkerTag: "a"}}}}
	store := newStore(t)
	pending, err := store.Put(context.Background(), "p", ledger.Record{Kind: "thing", SourceKey: "a", Status: ledger.StatusPending}, ledger.Fence{})
	if err != nil {
		t.Fatal(err)
	}
	opts := quick(kind, store)
	opts.Records = []ledger.Record{pending}
	p := &plan.Plan{Actions: []plan.Action{create("a")}} // planned before the late create landed
	if err := apply.New(opts).Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if p.Actions[0].Status != plan.StatusDone || kind.creates != 0 {
		t.Fatalf("status %s after %d creates; want done by adopting t-late", p.Actions[0].Status, kind.creates)
	}
	if rec, err := store.Get(context.Background(), "p", "thing", "a"); err != nil || rec.TargetID != "t-late" {
		t.Errorf("record = %+v, %v; want the adopted t-late", rec, err)
	}
}
