// Package apply carries out a plan against the target workspace: actions run
// concurrently (bounded) in the order their After edges allow, every mutation
// passes one dry-run gate, and each outcome is written to the ledger as soon as
// it happens, fenced by the run's epoch.
package apply

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"

	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// Options are one apply: where it writes, what it knows, how it runs.
type Options struct {
	Pair           string
	Source, Target resource.Workspace
	// Kinds are the run's adapters.
	Kinds []resource.Kind
	Store ledger.Store
	// Targets resolves the source keys the plan references to target ids.
	Targets Targets
	// Records are the ledger records the plan was made from (their versions
	// make every ledger write conditional).
	Records []ledger.Record

	DryRun bool
	// Check, when set, is asked before every mutation whether the run may
	// still write (its lease and epoch); an error stops the whole apply.
	Check func() error
	// Concurrency bounds actions in flight; default 8.
	Concurrency int
	// Attempts bounds how often one action is tried within the run when it
	// fails transiently (a 5xx, a broken connection); default 3. Backoff is
	// the wait before the second attempt, doubled for each next; default 1 s.
	Attempts int
	Backoff  time.Duration
	Fence    ledger.Fence
	Warm     resource.WarmPolicy
	// MapPath maps a source path to the target (path references); nil = identity.
	MapPath func(string) string
	// Pace waits for the rate budget of a kind's operation ("read" for source
	// reads); nil means no client-side budget beyond the SDK's.
	Pace func(ctx context.Context, kind, op string) error
	// Done is called after each action settles (progress output); may be nil.
	Done   func(plan.Action)
	Logger *slog.Logger
	Now    func() time.Time
}

// Targets resolves source keys to target ids: what the snapshot matched, plus
// what this apply creates.
type Targets interface {
	TargetID(kind, key string) (string, bool)
}

// Applier runs plans for one pair.
type Applier struct {
	kinds map[string]resource.Kind
	opts  Options

	mu      sync.Mutex
	ids     map[resource.Ref]string
	base    Targets
	records map[resource.Ref]ledger.Record
	fatal   error
}

// New returns an Applier for opts.
func New(opts Options) *Applier {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.MapPath == nil {
		opts.MapPath = func(p string) string { return p }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Applier{kinds: map[string]resource.Kind{}, opts: opts,
		ids: map[resource.Ref]string{}, base: opts.Targets, records: map[resource.Ref]ledger.Record{}}
	for _, k := range opts.Kinds {
		a.kinds[k.Name()] = k
	}
	for _, r := range opts.Records {
		a.records[resource.Ref{Kind: r.Kind, Key: r.SourceKey}] = r
	}
	return a
}

// ErrStopped marks actions not attempted because the run stopped (deadline,
// cancellation, or fencing); they are picked up by the next run.
var ErrStopped = errors.New("not applied: the run stopped before this action")

// Apply runs every action of p, setting each one's Status and Error, then
// records the plan's bindings and forgets its stale records. It returns an
// error only when the run as a whole must stop (fenced, context done); action
// failures are reported on the actions.
func (a *Applier) Apply(ctx context.Context, p *plan.Plan) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := len(p.Actions)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	sem := make(chan struct{}, a.opts.Concurrency)
	var wg sync.WaitGroup
	for i := range p.Actions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			act := &p.Actions[i]
			a.run(ctx, cancel, p, act, done, sem)
			if a.opts.Done != nil {
				a.opts.Done(*act)
			}
		}()
	}
	wg.Wait()
	if err := a.stopErr(ctx); err != nil {
		return err
	}
	return a.record(ctx, p)
}

func (a *Applier) run(ctx context.Context, cancel context.CancelFunc, p *plan.Plan, act *plan.Action, done []chan struct{}, sem chan struct{}) {
	if act.Status == plan.StatusFailed {
		return // planned failed (its document could not be read): nothing to run, nothing to record
	}
	for _, j := range act.After {
		<-done[j]
		if dep := p.Actions[j]; dep.Status == plan.StatusFailed {
			fail(act, fmt.Errorf("not applied: depends on %s %s, which failed", dep.Kind, dep.Key))
			return
		}
	}
	// Wait for the rate budget before taking a concurrency slot: an action
	// queued on a busy budget (imports) must not hold a slot that a ready
	// action on an idle one (a job create) could use.
	if err := a.prepay(ctx, act); err != nil {
		fail(act, ErrStopped)
		return
	}
	select {
	case sem <- struct{}{}:
		defer func() { <-sem }()
	case <-ctx.Done():
		fail(act, ErrStopped)
		return
	}
	if ctx.Err() != nil {
		fail(act, ErrStopped)
		return
	}
	err := a.refusedCredentials(ctx, a.do(ctx, act))
	class := failure.Of(err)
	switch {
	case err == nil:
		if !a.opts.DryRun {
			act.Status = plan.StatusDone
		}
	case class == failure.Fenced, class == failure.Credentials:
		a.setFatal(err)
		cancel()
		fail(act, err)
	default:
		fail(act, err)
		var unread *sourceReadError
		if class != failure.Stopped && act.Op != plan.Skip && !errors.As(err, &unread) {
			a.markFailed(ctx, act, err, class)
		}
		a.opts.Logger.WarnContext(ctx, "action failed", "kind", act.Kind, "key", act.Key,
			"action", string(act.Op), "class", class.String(), "error", err.Error())
	}
}

// refusedCredentials tells a refusal of the run's credentials (a revoked
// token) from a refusal of one object (a permission): after a 403 it asks
// the target who it is, which needs no permission; when that is refused too,
// the error becomes failure.ErrCredentials, which stops the run instead of
// being recorded against the object.
func (a *Applier) refusedCredentials(ctx context.Context, err error) error {
	id, ok := a.opts.Target.API.(resource.Identified)
	if !ok || !errors.Is(err, apierr.ErrPermissionDenied) {
		return err
	}
	if _, perr := id.WorkspaceID(ctx); errors.Is(perr, apierr.ErrPermissionDenied) || errors.Is(perr, apierr.ErrUnauthenticated) {
		return fmt.Errorf("%w: %w", failure.ErrCredentials, err)
	}
	return err
}

func fail(act *plan.Action, err error) {
	act.Status, act.Error = plan.StatusFailed, err.Error()
	if err != nil {
		act.ErrorClass = failure.Of(err).String()
	}
}

func (a *Applier) setFatal(err error) {
	a.mu.Lock()
	if a.fatal == nil {
		a.fatal = err
	}
	a.mu.Unlock()
}

func (a *Applier) stopErr(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fatal != nil {
		return a.fatal
	}
	return ctx.Err()
}

// do carries out one action, trying again (a bounded number of times, with
// cancellable waits) when it fails transiently or ambiguously. Every
// mutation goes through gate.
func (a *Applier) do(ctx context.Context, act *plan.Action) error {
	var err error
	for attempt := 1; attempt <= a.opts.Attempts; attempt++ {
		if attempt > 1 {
			if werr := sleep(ctx, a.opts.Backoff<<(attempt-2)); werr != nil {
				return err
			}
		}
		err = a.once(ctx, act, attempt > 1)
		if c := failure.Of(err); err == nil || (c != failure.Transient && c != failure.Ambiguous) {
			return err
		}
		a.opts.Logger.InfoContext(ctx, "action failed, trying again", "kind", act.Kind, "key", act.Key,
			"action", string(act.Op), "attempt", attempt, "error", err.Error())
	}
	return err
}

// once makes one attempt at act; again says an earlier attempt failed.
func (a *Applier) once(ctx context.Context, act *plan.Action, again bool) error {
	switch act.Op {
	case plan.Skip:
		return nil
	case plan.Delete:
		return a.remove(ctx, act)
	default:
		return a.upsert(ctx, act, again)
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gate is the one gate before every mutation: dry means "stop here, change
// nothing" (a dry run); an error means the run may no longer write (it lost
// its lease or epoch).
func (a *Applier) gate() (dry bool, err error) {
	if a.opts.DryRun {
		return true, nil
	}
	if a.opts.Check != nil {
		return false, a.opts.Check()
	}
	return false, nil
}

func (a *Applier) upsert(ctx context.Context, act *plan.Action, again bool) error {
	k := a.kinds[act.Kind]
	if err := a.ensureDesired(ctx, k, act); err != nil {
		return err
	}
	want, err := k.Schema().Denormalize(act.Desired, act.Key, a.resolve)
	if err != nil {
		return err
	}
	if dry, err := a.gate(); dry || err != nil {
		a.setID(act.Kind, act.Key, "(known after apply)")
		return err
	}
	obj := resource.Object{Kind: act.Kind, Key: act.Key, ID: act.TargetID, Name: act.Name, Doc: want}
	var got resource.Applied
	if act.Op == plan.Create || act.Replace {
		if act.Replace {
			obj.ID = ""
		}
		got, err = a.create(ctx, k, act, obj, again)
	} else {
		got, err = a.update(ctx, k, act, obj)
	}
	if err != nil {
		return err
	}
	if got.ID == "" {
		got.ID = act.TargetID
	}
	a.setID(act.Kind, act.Key, got.ID)
	return a.put(ctx, act, got)
}

// ensureDesired reads the source document when the snapshot could do without
// it (its hash came from the ledger) but the target must now be written.
func (a *Applier) ensureDesired(ctx context.Context, k resource.Kind, act *plan.Action) error {
	if act.Desired != nil {
		return nil
	}
	r, ok := k.(resource.Reader)
	if !ok {
		act.Desired, act.DesiredHash = resource.Doc{}, resource.Hash(resource.Doc{})
		return nil
	}
	raw, err := r.Read(ctx, a.opts.Source, act.Source)
	if err != nil {
		return &sourceReadError{err: err}
	}
	n := k.Schema().Normalize(raw, func(_, id string) (string, bool) { return id, true })
	act.Source.Hash = resource.Hash(n.Doc)
	act.Desired, act.DesiredHash = n.Doc, act.Source.Hash
	if w, ok := k.(resource.Warmer); ok {
		act.Desired, act.Attrs = w.Warm(n.Doc, a.opts.Warm)
		act.DesiredHash = resource.Hash(act.Desired)
	}
	return nil
}

// create makes the object, then its warm-DR state. For a kind with such a
// state (a cluster to terminate and pin) the ledger says "pending" before the
// create and holds the new id until the state is set, so a crash or a failed
// terminate in between is finished by the next run, never left running.
// An attempt after a failed one, or after a run that died with this create
// pending (its request may still have landed after the plan's listing),
// first looks for the object that attempt may have made (by its identity
// marker or name) and adopts it: a create is done at most once.
func (a *Applier) create(ctx context.Context, k resource.Kind, act *plan.Action, obj resource.Object, again bool) (resource.Applied, error) {
	_, finishes := k.(resource.Finisher)
	var got resource.Applied
	found := false
	if rec := a.current(act.Kind, act.Key); rec.Status == ledger.StatusPending && rec.TargetID == "" {
		again = true
	}
	if again {
		var err error
		if got.ID, found, err = a.findCreated(ctx, k, obj); err != nil {
			return got, fmt.Errorf("look for the object an earlier attempt may have made: %w", err)
		}
	}
	if finishes {
		if err := a.pending(ctx, act, got.ID); err != nil {
			return got, err
		}
	}
	if !found {
		var err error
		if got, err = k.Create(ctx, a.opts.Target, obj); err != nil {
			return got, err
		}
	}
	if !finishes {
		return got, nil
	}
	if err := a.pending(ctx, act, got.ID); err != nil {
		return got, err
	}
	return got, a.finish(ctx, k, got.ID)
}

// update edits the object (unless only its warm-DR state is missing), then
// sets that state when the plan says it was never set.
func (a *Applier) update(ctx context.Context, k resource.Kind, act *plan.Action, obj resource.Object) (resource.Applied, error) {
	got := resource.Applied{ID: act.TargetID}
	var err error
	if !act.FinishOnly {
		if got, err = k.Update(ctx, a.opts.Target, act.TargetID, obj); err != nil {
			return got, err
		}
	}
	if act.Finish {
		err = a.finish(ctx, k, act.TargetID)
	}
	return got, err
}

// findCreated looks in the target for an object standing for obj: the one
// carrying its identity marker, or for kinds matched by name, its name. Path
// kinds need no look: their create overwrites.
func (a *Applier) findCreated(ctx context.Context, k resource.Kind, obj resource.Object) (string, bool, error) {
	s := k.Schema()
	if s.Paths || (s.Marker == "" && !s.MatchByName) {
		return "", false, nil
	}
	objs, err := k.List(ctx, a.opts.Target)
	if err != nil {
		return "", false, err
	}
	// An object written without the marker (its tags at the limit) is
	// known by its name, as the planner matches it.
	byName := s.MatchByName || !s.MarkerFits(obj.Doc)
	for _, o := range objs {
		if (o.Doc != nil && s.OriginOf(o.Doc) == obj.Key) || (byName && o.Name == obj.Name && s.OriginOf(o.Doc) == "") {
			return o.ID, true, nil
		}
	}
	return "", false, nil
}

// finish sets a new object's warm-DR state (Finisher).
func (a *Applier) finish(ctx context.Context, k resource.Kind, id string) error {
	if f, ok := k.(resource.Finisher); ok {
		if err := f.AfterCreate(ctx, a.opts.Target, id, a.opts.Warm); err != nil {
			return fmt.Errorf("created %s, then: %w", id, err)
		}
	}
	return nil
}

func (a *Applier) remove(ctx context.Context, act *plan.Action) error {
	if dry, err := a.gate(); dry || err != nil {
		return err
	}
	if err := a.kinds[act.Kind].Delete(ctx, a.opts.Target, act.TargetID); err != nil {
		return err
	}
	if act.KeepRecord {
		return nil
	}
	if err := a.forget(ctx, act.Kind, act.Key); err != nil {
		return fmt.Errorf("deleted, but forgetting its ledger record failed: %w", err)
	}
	return nil
}

// prepay takes the rate tokens an action will spend: a source read when its
// document must still be read, and its own operation unless this is a dry run.
func (a *Applier) prepay(ctx context.Context, act *plan.Action) error {
	if act.Op == plan.Skip {
		return nil
	}
	if _, reads := a.kinds[act.Kind].(resource.Reader); reads && act.Desired == nil && act.Op != plan.Delete {
		if err := a.pace(ctx, act.Kind, "read"); err != nil {
			return err
		}
	}
	if a.opts.DryRun {
		return nil
	}
	return a.pace(ctx, act.Kind, string(act.Op))
}

func (a *Applier) pace(ctx context.Context, kind, op string) error {
	if a.opts.Pace == nil {
		return nil
	}
	return a.opts.Pace(ctx, kind, op)
}

// resolve maps a logical reference to the target: paths through the path map,
// everything else through this run's creates and the snapshot's matches.
func (a *Applier) resolve(r resource.Ref) (string, bool) {
	if r.Kind == resource.KindPath {
		return a.opts.MapPath(r.Key), true
	}
	a.mu.Lock()
	id, ok := a.ids[r]
	a.mu.Unlock()
	if ok {
		return id, true
	}
	return a.base.TargetID(r.Kind, r.Key)
}

func (a *Applier) setID(kind, key, id string) {
	a.mu.Lock()
	a.ids[resource.Ref{Kind: kind, Key: key}] = id
	a.mu.Unlock()
}

// sourceReadError is a failed read of the source document just before its
// write (an export too large, a 404 in a race, a 5xx after retries). The
// action fails, but the object's ledger record stays as it was, as when the
// snapshot's read fails (resource.Object.Unread): the read says nothing of
// the target.
type sourceReadError struct{ err error }

func (e *sourceReadError) Error() string { return "read source: " + e.err.Error() }
func (e *sourceReadError) Unwrap() error { return e.err }
