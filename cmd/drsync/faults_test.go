package main

import (
	"encoding/json"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
)

// A connection reset after the service carried out a create (the answer
// lost) must not create the object twice: the SDK would retry the POST; drsync
// does not, and finds the object by its marker before creating again.
func TestCreateAnswerLostCreatesOnce(t *testing.T) {
	p := newPair(t)
	for _, ep := range []string{"POST /api/2.1/clusters/create", "POST /api/2.2/jobs/create"} {
		p.tgt.InjectFault(emulator.Fault{Endpoint: ep, Kind: emulator.DropAfterServing, Times: 1})
	}
	p.syncJSON(exitOK)
	if n := p.tgt.FaultsFired(); n != 2 {
		t.Fatalf("faults fired = %d, want both resets", n)
	}
	p.assertNoDuplicates()
	if again := p.syncJSON(exitOK); len(again.Actions)-again.Summary.Skip != 0 {
		t.Fatalf("not converged:\n%s", again)
	}
}

// A DR cluster whose terminate failed after its create is left "pending" in
// the ledger, not adopted as in sync: the next run terminates and pins it.
func TestClusterWarmStateFinishedByTheNextRun(t *testing.T) {
	p := newPair(t)
	p.tgt.InjectFault(emulator.Fault{Endpoint: "POST /api/2.1/clusters/delete", Kind: emulator.BadRequest})
	first := p.syncJSON(exitFailed)
	if first.Summary.Failed == 0 {
		t.Fatalf("no action failed:\n%s", first)
	}
	p.tgt.ClearFaults()
	running := p.clusters(compute.StateRunning, compute.StatePending)
	if len(running) == 0 {
		t.Fatal("no DR cluster was left running by the failed terminate")
	}
	p.assertPending(len(running))
	second := p.syncJSON(exitOK)
	if second.Summary.Update != len(running) {
		t.Errorf("second run: %d updates, want %d (one per unfinished cluster):\n%s", second.Summary.Update, len(running), second)
	}
	if left := p.clusters(compute.StateRunning, compute.StatePending); len(left) != 0 {
		t.Errorf("DR clusters still running after the second run: %v", left)
	}
	for _, c := range p.clusters() {
		if !c.pinned {
			t.Errorf("DR cluster %s is not pinned", c.name)
		}
	}
	p.assertNoDuplicates()
}

type drCluster struct {
	name   string
	pinned bool
}

// clusters lists the target's clusters in one of states (all when none).
func (p *pair) clusters(states ...compute.State) []drCluster {
	p.t.Helper()
	all, err := p.tgtW.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		p.t.Fatal(err)
	}
	var out []drCluster
	for _, c := range all {
		if len(states) == 0 || containsState(states, c.State) {
			out = append(out, drCluster{name: c.ClusterName, pinned: p.pinned(c.ClusterId)})
		}
	}
	return out
}

func containsState(states []compute.State, s compute.State) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

// pinned reads a cluster's pin from its event history.
func (p *pair) pinned(id string) bool {
	events, err := p.tgtW.Clusters.EventsAll(ctx, compute.GetEvents{ClusterId: id})
	if err != nil {
		p.t.Fatal(err)
	}
	pinned := false
	for _, e := range events { // newest first
		switch e.Type {
		case compute.EventTypePinned:
			return true
		case compute.EventTypeUnpinned:
			return false
		}
	}
	return pinned
}

// assertPending checks that n cluster records are pending in the ledger.
func (p *pair) assertPending(n int) {
	p.t.Helper()
	store, err := bolt.Open(p.ledger, bolt.Options{})
	if err != nil {
		p.t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	recs, err := store.List(ctx, "e2e", "cluster")
	if err != nil {
		p.t.Fatal(err)
	}
	pending := 0
	for _, r := range recs {
		if r.Status == ledger.StatusPending {
			pending++
		}
	}
	if pending != n {
		p.t.Errorf("cluster records = %+v, want %d left unfinished", recs, n)
	}
}

// A refusal a retry cannot fix is tried once, recorded with its count and
// class, shown by status, and not tried again while the source is unchanged.
func TestTerminalFailureShownAndNotRetried(t *testing.T) {
	p := newPair(t)
	p.tgt.InjectFault(emulator.Fault{Endpoint: "POST /api/2.2/jobs/create", Kind: emulator.BadRequest})
	first := p.syncJSON(exitFailed)
	if first.Summary.Failed == 0 {
		t.Fatalf("nothing failed:\n%s", first)
	}
	tries := p.tgt.RequestCount("POST /api/2.2/jobs/create")
	code, out, errs := drsyncRun(t, "status", "--ledger", p.ledger, "--config", p.config, "--output", "json")
	if code != exitOK {
		t.Fatalf("status exit %d: %s", code, errs)
	}
	var st struct {
		Failures []struct {
			Kind     string `json:"kind"`
			Attempts int    `json:"attempts"`
			Terminal bool   `json:"terminal"`
		} `json:"failures"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	jobs := 0
	for _, f := range st.Failures {
		if f.Kind == "job" && f.Terminal && f.Attempts == 1 {
			jobs++
		}
	}
	if jobs != int(tries) {
		t.Errorf("status shows %d terminal job failures, want %d (one per create tried): %s", jobs, tries, out)
	}
	p.tgt.ClearFaults()
	second := p.syncJSON(exitOK)
	if n := p.tgt.RequestCount("POST /api/2.2/jobs/create"); n != tries {
		t.Errorf("creates after the second run = %d, want %d: a terminal failure is not retried while its source is unchanged\n%s", n, tries, second)
	}
}
