package runbook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// Deps is what the steps work with.
type Deps struct {
	Config *config.Config
	// Primary and DR are the pair's source and target workspaces.
	Primary, DR resource.Workspace
	Store       ledger.Store
	// Notify sends the outcome (SNS in Lambda); nil sends nothing.
	Notify func(ctx context.Context, subject, body string) error
	Logger *slog.Logger
	Now    func() time.Time
	// Where names where the runbook and its ledger run ("us-east-1, table
	// drsync-ledger-x"), for the readiness report.
	Where string
	// LeaseTTL is the lease the runbook holds while it syncs and fences;
	// Poll how often it looks whether a running sync let go. Defaults 1 min
	// and 500 ms.
	LeaseTTL, Poll time.Duration
	// Probe bounds how long a workspace may take to say who it is before
	// the runbook takes it for down. Default 30 s.
	Probe time.Duration
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (d *Deps) leaseTTL() time.Duration {
	if d.LeaseTTL > 0 {
		return d.LeaseTTL
	}
	return time.Minute
}

// roles is who plays which part in one direction.
type roles struct {
	from, to resource.Workspace // the side being left, the side taking over
	// records are the records whose targets are on the side taking over
	// (their Attrs hold what warm DR overrode there); reverse says they are
	// the reverse direction's, and the final sync runs that way.
	records ledger.Store
	reverse bool
	// before and after are the active sides around the switch.
	before, after string
}

func (d *Deps) roles(direction string) roles {
	if direction == Failback {
		return roles{from: d.DR, to: d.Primary, records: ledger.Reverse(d.Store), reverse: true,
			before: engine.SideDR, after: engine.SidePrimary}
	}
	return roles{from: d.Primary, to: d.DR, records: d.Store, before: engine.SidePrimary, after: engine.SideDR}
}

// answers asks ws who it is, within d.Probe: a workspace that cannot say
// is down for the runbook's purposes.
func (d *Deps) answers(ctx context.Context, ws resource.Workspace) error {
	id, ok := ws.API.(resource.Identified)
	if !ok {
		return nil
	}
	probe := d.Probe
	if probe <= 0 {
		probe = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, probe)
	defer cancel()
	_, err := id.WorkspaceID(ctx)
	return err
}

// classified turns err into the error type the state machine retries or
// catches by name (returned unwrapped by the handler).
func classified(err error) error {
	if err == nil {
		return nil
	}
	var nr *NotReadyError
	var fe *FencedError
	if errors.As(err, &nr) || errors.As(err, &fe) {
		return err
	}
	switch failure.Of(err) {
	case failure.Throttled:
		return &ThrottledError{Msg: err.Error()}
	case failure.Transient, failure.Ambiguous:
		return &TransientError{Msg: err.Error()}
	case failure.Fenced:
		return &FencedError{Msg: err.Error()}
	}
	return err
}

// takeOver asks every run of the pair to stop and waits, at most
// FenceWait, until the lease is free for holder, then holds it. Only holder
// may take the lease from then until the switch (or clearStop).
// Errors: FencedError when a run did not let go in time, the ledger's.
func (d *Deps) takeOver(ctx context.Context, holder string) error {
	pair := d.Config.Pair
	if _, err := d.Store.RequestStop(ctx, pair, holder); err != nil {
		return err
	}
	deadline := d.now().Add(d.Config.Failover.FenceWait.Duration)
	poll := d.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	for {
		st, err := d.Store.AcquireLease(ctx, pair, holder, d.leaseTTL(), d.now())
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, ledger.ErrLeaseHeld):
			return err
		case !d.now().Before(deadline):
			return &FencedError{Msg: fmt.Sprintf("%s still holds the lease after %s: it did not stop",
				st.LeaseHolder, d.Config.Failover.FenceWait.Duration)}
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// clearStop withdraws the runbook's stop request when it ends without a
// switch, so the scheduled syncs run again. Best effort: logged.
func (d *Deps) clearStop(ctx context.Context, holder string) {
	st, err := d.Store.State(ctx, d.Config.Pair)
	if err == nil && st.StopBy == holder {
		_, err = d.Store.RequestStop(context.WithoutCancel(ctx), d.Config.Pair, "")
	}
	if err == nil {
		err = d.Store.ReleaseLease(context.WithoutCancel(ctx), d.Config.Pair, holder)
	}
	if err != nil {
		d.logger().WarnContext(ctx, "withdraw the runbook's stop request", "error", err.Error())
	}
}

// adapters maps kind names to a fresh adapter of each kind.
func adapters() map[string]resource.Kind {
	byName := map[string]resource.Kind{}
	for _, k := range kinds.All() {
		byName[k.Name()] = k
	}
	return byName
}

// Unreachable is a workspace the runbook could not even build a client for
// (its credentials unreadable while its region is impaired): it answers
// nothing, so the steps treat it as down, and every call fails with err.
func Unreachable(side string, err error) resource.Workspace {
	return resource.Workspace{Side: side, API: unreachable{err}}
}

type unreachable struct{ err error }

func (u unreachable) WorkspaceID(context.Context) (int64, error) { return 0, u.err }
