package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
)

// estateOf is a synced estate of n jobs and m notebooks (one folder).
func estateOf(jobs, notebooks int) map[string][]resource.Object {
	src := map[string][]resource.Object{"directory": {obj("directory", "/Shared/n", "/Shared/n", resource.Doc{})}}
	for i := range jobs {
		key := fmt.Sprint(100 + i)
		src["job"] = append(src["job"], obj("job", key, "job-"+key, resource.Doc{"name": "job-" + key}))
	}
	for i := range notebooks {
		p := fmt.Sprintf("/Shared/n/nb%d", i)
		src["notebook"] = append(src["notebook"], obj("notebook", p, p, resource.Doc{"content": p}))
	}
	return src
}

// Deleting every job of a large estate is a small share of the whole but the
// whole kind (what a job listing filtered by a lost permission looks like):
// the guard refuses, naming the kind; --allow-mass-delete lifts it.
func TestDeleteGuardRefusesWholeKind(t *testing.T) {
	src := estateOf(50, 340)
	tgt, recs := syncedTarget(src)
	delete(src, "job")
	p := Build(input(src, tgt, recs))
	if !p.Guard.Refused || p.Guard.Deletes != 50 || p.Guard.Managed != 391 {
		t.Fatalf("guard = %+v, want refused: 50 of 391 (12.8%%, under the share)", p.Guard)
	}
	if len(p.Guard.Kinds) != 1 || p.Guard.Kinds[0].Kind != "job" || !strings.Contains(p.Guard.Kinds[0].Reason, "every one of the 50") {
		t.Errorf("kinds = %+v, want job named", p.Guard.Kinds)
	}
	in := input(src, tgt, recs)
	in.AllowMassDelete = true
	if g := Build(in).Guard; g.Refused || len(g.Kinds) != 0 {
		t.Errorf("--allow-mass-delete: guard = %+v, want lifted", g)
	}
}

// Per kind, the same share with a floor of one delete: a kind of three may
// lose one, a kind of five may not lose two, a kind of ten may lose two; a
// kind may never lose its last object without --allow-mass-delete.
func TestDeleteGuardPerKindShare(t *testing.T) {
	for _, tc := range []struct {
		jobs, deleted int
		refused       bool
	}{
		{3, 1, false}, {5, 2, true}, {10, 2, false}, {10, 3, true}, {1, 1, true}, {2, 1, false},
	} {
		src := estateOf(tc.jobs, 200)
		tgt, recs := syncedTarget(src)
		src["job"] = src["job"][tc.deleted:]
		g := Build(input(src, tgt, recs)).Guard
		if g.Refused != tc.refused || (len(g.Kinds) == 1) != tc.refused {
			t.Errorf("%d of %d jobs deleted: guard = %+v, want refused %v", tc.deleted, tc.jobs, g, tc.refused)
		}
	}
}

// A failed create left nothing to manage: its record does not count in the
// guard's denominator.
func TestDeleteGuardCountsOnlyObjects(t *testing.T) {
	src := estateOf(4, 0)
	tgt, recs := syncedTarget(src)
	recs = append(recs, ledger.Record{Kind: "job", SourceKey: "999", Status: ledger.StatusFailed, Terminal: true})
	src["job"] = src["job"][1:]
	g := Build(input(src, tgt, recs)).Guard
	if g.Managed != 5 || g.Refused {
		t.Errorf("guard = %+v, want 5 managed (4 jobs, 1 folder) and 1 delete allowed", g)
	}
}

// A terminal failure is not retried while the source is the one that failed
// (by hash, or by change marker when the hash is unknown); a changed source
// or --retry-failed retries it; a transient failure is always retried.
func TestTerminalFailureBacksOff(t *testing.T) {
	src := estateOf(1, 1)
	tgt, recs := syncedTarget(src)
	delete(tgt, "job")
	nb := &src["notebook"][0]
	nb.Doc, nb.Hash, nb.Mark = nil, "", 42 // a notebook whose content was not read
	for i := range recs {
		switch recs[i].Kind {
		case "job":
			recs[i].TargetID, recs[i].Status, recs[i].Terminal, recs[i].Failures = "", ledger.StatusFailed, true, 2
			recs[i].LastError = "INVALID_PARAMETER_VALUE: bad"
		case "notebook":
			recs[i].Status, recs[i].Terminal, recs[i].SourceMark = ledger.StatusFailed, true, 42
		}
	}
	ops := func(in *Input) map[string]Op {
		out := map[string]Op{}
		for _, a := range Build(in).Actions {
			out[a.Kind] = a.Op
		}
		return out
	}
	if got := ops(input(src, tgt, recs)); got["job"] != Skip || got["notebook"] != Skip {
		t.Errorf("unchanged sources: %v, want both skipped", got)
	}
	in := input(src, tgt, recs)
	in.RetryFailed = true
	if got := ops(in); got["job"] != Create || got["notebook"] != Update {
		t.Errorf("--retry-failed: %v, want job created, notebook updated", got)
	}
	changed := estateOf(1, 1)
	changed["job"][0].Doc["max_concurrent_runs"] = 2
	changed["job"][0].Hash = resource.Hash(changed["job"][0].Doc)
	changed["notebook"][0].Mark = 43
	changed["notebook"][0].Doc, changed["notebook"][0].Hash = nil, ""
	if got := ops(input(changed, tgt, recs)); got["job"] != Create || got["notebook"] != Update {
		t.Errorf("changed sources: %v, want them retried", got)
	}
	for i := range recs {
		recs[i].Terminal = false
	}
	if got := ops(input(src, tgt, recs)); got["job"] != Create {
		t.Errorf("transient failure: %v, want the job retried", got)
	}
}

// An object created without its warm-DR state (its record still pending)
// gets that state set, with no edit when its document is right, and an edit
// too when it is not.
func TestPendingWarmStateFinished(t *testing.T) {
	cluster := KindInfo{Name: "cluster", Schema: &resource.Schema{Marker: "custom_tags.drsync-source"}, Finishes: true}
	src := map[string][]resource.Object{"cluster": {obj("cluster", "c-1", "etl", resource.Doc{"cluster_name": "etl"})}}
	tgt := map[string][]resource.Object{"cluster": {{Kind: "cluster", ID: "t-1", Name: "etl", Origin: "c-1",
		Doc: resource.Doc{"cluster_name": "etl"}, Hash: src["cluster"][0].Hash}}}
	recs := []ledger.Record{{Kind: "cluster", SourceKey: "c-1", Status: ledger.StatusPending}}
	in := &Input{Kinds: []KindInfo{cluster}, Source: src, Target: tgt, Records: recs}
	p := Build(in)
	if len(p.Actions) != 1 || !p.Actions[0].Finish || !p.Actions[0].FinishOnly || p.Actions[0].TargetID != "t-1" {
		t.Fatalf("actions = %+v, want one finish-only update of t-1", p.Actions)
	}
	tgt["cluster"][0].Hash = "other"
	p = Build(in)
	if len(p.Actions) != 1 || !p.Actions[0].Finish || p.Actions[0].FinishOnly {
		t.Fatalf("actions = %+v, want an update that also finishes", p.Actions)
	}
}

// A second target object carrying the marker of a source object the ledger
// maps elsewhere (a create repeated by a crash or a retry) is drsync's: it
// is removed, the record kept, and the guard does not count it as a loss.
func TestDuplicateByMarkerRemoved(t *testing.T) {
	src := estateOf(2, 0)
	tgt, recs := syncedTarget(src)
	dup := tgt["job"][0]
	dup.ID = "t-dup"
	tgt["job"] = append(tgt["job"], dup)
	p := Build(input(src, tgt, recs))
	var dels []Action
	for _, a := range p.Actions {
		if a.Op == Delete {
			dels = append(dels, a)
		}
	}
	if len(dels) != 1 || dels[0].TargetID != "t-dup" || dels[0].Key != "100" || !dels[0].KeepRecord ||
		!strings.Contains(dels[0].Reason, "duplicate") {
		t.Fatalf("deletes = %+v, want the duplicate t-dup of 100 removed, its record kept", dels)
	}
	if p.Guard.Deletes != 0 || p.Guard.Refused {
		t.Errorf("guard = %+v, want the duplicate not counted", p.Guard)
	}
}
