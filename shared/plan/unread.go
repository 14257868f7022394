package plan

import "github.com/drsync/drsync/shared/resource"

// unreadable plans the failed action of a source object whose document, or
// whose matched target's document, could not be read (resource.Object.Unread):
// the action is born failed, with the read's error and class, so the
// applier never runs it (nor what depends on it) and its ledger record
// stays as it was; the rest of the run goes on. It reports whether s is such
// an object.
func (b *builder) unreadable(k KindInfo, s, t resource.Object, matched bool) bool {
	f, side := s.Unread, "source"
	if f == nil && matched {
		f, side = t.Unread, "target"
	}
	if f == nil {
		return false
	}
	a := Action{Kind: k.Name, Key: s.Key, Name: s.Name, Op: Create, Source: s,
		Reason: "not synced: its " + side + " document could not be read (its ledger record is kept as it was)"}
	switch {
	case matched:
		a.Op, a.TargetID = Update, t.ID
	case k.Schema.Paths:
		a.TargetID = b.in.mapPath(s.Key)
	}
	b.add(a)
	last := &b.plan.Actions[len(b.plan.Actions)-1]
	last.Status, last.Error, last.ErrorClass = StatusFailed, f.Error, f.Class
	return true
}
