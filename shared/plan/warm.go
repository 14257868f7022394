package plan

import (
	"strings"

	"github.com/drsync/drsync/shared/resource"
)

// Warm state is enforced on every run, not only at creation: a DR object
// that left it (a cluster someone started or whose terminate failed, a
// schedule unpaused by hand, a pool given idle instances) is put back,
// reported as drift, with "warm state" in the reason. Documents carry the
// part of the warm state a kind's Warm sets (a pause status, idle
// instances); a cluster's run state is not in its document, so the target
// listing reports it (resource.Object.Active).

// coldFields lists the fields in which target t has left its warm-DR
// state: what the kind's Warm changes in t's own document. None when the
// kind has no Warm or t was listed without a document.
func coldFields(k KindInfo, t resource.Object) []string {
	if k.Warm == nil || t.Doc == nil {
		return nil
	}
	warmed, _ := k.Warm(resource.Clone(t.Doc))
	if resource.Hash(warmed) == t.Hash {
		return nil
	}
	return resource.Diff(t.Doc, warmed, 2)
}

// warmNote is the reason's account of fields set back to their warm state.
func warmNote(fields []string) string {
	return "warm state: " + strings.Join(fields, ", ") + " set back to the DR policy"
}

// rewarmOnly is the update of a target that left its warm state by hand
// while drift revert is off: only the warm state is set back, the other
// hand changes stay. The ledger keeps the hash drsync last wrote
// (rec.TargetHash), so the changes left in place are still reported as
// drift, and not reverted, by the next run.
func (b *builder) rewarmOnly(k KindInfo, s, t resource.Object, recHash string, fields []string, attrs map[string]string) {
	warmed, _ := k.Warm(resource.Clone(t.Doc))
	b.plan.Drift++
	b.add(Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Update, TargetID: t.ID, Source: s,
		Desired: warmed, DesiredHash: recHash, Attrs: attrs, Drift: true, Changes: fields,
		Reason: "drift: changed by hand in the target; " + warmNote(fields) +
			" (the other changes are left alone: drift revert is off)"})
}

// rewarmActive sets the warm state of a matched target the listing found
// active (a DR cluster RUNNING): after its update when it has one, else on
// its own. It reports whether it planned anything.
func (b *builder) rewarmActive(k KindInfo, s, t resource.Object, w Want) bool {
	if !k.Rewarm || t.Active == "" {
		return false
	}
	note := "warm state: found " + t.Active + " in the target (started by hand, or its terminate failed): terminated and pinned again"
	if i := b.plan.Find(k.Name, s.Key); i >= 0 {
		a := &b.plan.Actions[i]
		a.Finish, a.Reason = true, a.Reason+"; "+note
		return true
	}
	if !b.skipped(k.Name, s.Key) { // a drift skip of the same object counted it already
		b.plan.Drift++
	}
	b.add(Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Update, TargetID: t.ID, Source: s,
		Desired: w.Doc, DesiredHash: w.Hash, Attrs: w.Attrs, Finish: true, FinishOnly: true, Drift: true,
		Reason: "drift: " + note})
	return true
}

// skipped reports whether the plan already skips (kind, key).
func (b *builder) skipped(kind, key string) bool {
	for _, a := range b.plan.Actions {
		if a.Kind == kind && a.Key == key && a.Op == Skip {
			return true
		}
	}
	return false
}
