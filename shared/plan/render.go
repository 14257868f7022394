package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/drsync/drsync/shared/resource"
)

var symbols = map[Op]string{Create: "+", Update: "~", Delete: "-", Skip: "="}

// WriteText prints the plan the way Terraform prints one: a line per action with
// its symbol, the reason, the changed fields and any failure, then the delete
// guard's verdict and a summary ("Plan: ..." before apply, "Applied: ..." after).
func WriteText(w io.Writer, p *Plan) error {
	var b strings.Builder
	if len(p.Pulled) > 0 {
		fmt.Fprintf(&b, "Pulled in as dependencies: %s\n\n", strings.Join(p.Pulled, ", "))
	}
	if len(p.Actions) == 0 {
		b.WriteString("No changes. The target matches the source.\n")
	}
	for _, a := range p.Actions {
		writeAction(&b, a)
	}
	if p.Guard.Refused {
		fmt.Fprintf(&b, "\nDelete guard: refusing to delete %d of %d managed objects", p.Guard.Deletes, p.Guard.Managed)
		if float64(p.Guard.Deletes) > p.Guard.MaxShare*float64(p.Guard.Managed) {
			fmt.Fprintf(&b, " (more than %.0f%%)", p.Guard.MaxShare*100)
		}
		b.WriteString(".\n")
		for _, k := range p.Guard.Kinds {
			fmt.Fprintf(&b, "  %s: %s\n", k.Kind, k.Reason)
		}
		b.WriteString("Check the source listing; rerun with --allow-mass-delete if this is intended.\n")
	}
	s := p.Summary()
	if p.applied() {
		fmt.Fprintf(&b, "\nApplied: %d created, %d updated, %d deleted, %d skipped, %d unchanged, %d failed",
			s.Create-p.failed(Create), s.Update-p.failed(Update), s.Delete-p.failed(Delete), s.Skip, s.Unchanged, s.Failed)
	} else {
		fmt.Fprintf(&b, "\nPlan: %d to create, %d to update, %d to delete, %d skipped, %d unchanged",
			s.Create, s.Update, s.Delete, s.Skip, s.Unchanged)
	}
	if s.Blocked > 0 {
		fmt.Fprintf(&b, "; %d blocked (the target cannot take them: see ! above)", s.Blocked)
	}
	if p.Drift > 0 {
		fmt.Fprintf(&b, "; drift found on %d", p.Drift)
	}
	b.WriteString(".\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeAction(b *strings.Builder, a Action) {
	label := a.Key
	if a.Name != "" && a.Name != a.Key {
		label += fmt.Sprintf(" %q", a.Name)
	}
	symbol, op := symbols[a.Op], string(a.Op)
	if len(a.Blocked) > 0 {
		symbol, op = "!", "blocked"
	}
	fmt.Fprintf(b, "  %s %-6s %-9s %s\n", symbol, op, a.Kind, label)
	fmt.Fprintf(b, "      %s\n", a.Reason)
	for _, c := range a.Blocked {
		fmt.Fprintf(b, "      ! %s = %q: %s\n", c.Field, c.Value, c.Reason)
	}
	if len(a.Changes) > 0 {
		fmt.Fprintf(b, "      changes: %s\n", strings.Join(a.Changes, ", "))
	}
	for _, r := range a.Rewrites {
		fmt.Fprintf(b, "      rewritten (rule %d): %s %q -> %q\n", r.Rule, r.Field, r.From, r.To)
	}
	if a.Status == StatusFailed {
		fmt.Fprintf(b, "      FAILED: %s\n", a.Error)
	}
}

// BlockedText is the causes of a blocked action on one line.
func BlockedText(bs []resource.Blocked) string {
	parts := make([]string, len(bs))
	for i, c := range bs {
		parts[i] = fmt.Sprintf("%s = %q: %s", c.Field, c.Value, c.Reason)
	}
	return strings.Join(parts, "; ")
}

// applied reports whether the plan has been carried out (some action settled).
func (p *Plan) applied() bool {
	for _, a := range p.Actions {
		if a.Status != StatusPlanned {
			return true
		}
	}
	return false
}

// failed counts the failed actions of one operation.
func (p *Plan) failed(op Op) int {
	n := 0
	for _, a := range p.Actions {
		if a.Op == op && a.Status == StatusFailed {
			n++
		}
	}
	return n
}

// jsonPlan is the --output json document.
type jsonPlan struct {
	Actions []Action `json:"actions"`
	Summary Summary  `json:"summary"`
	Guard   Guard    `json:"guard"`
	Drift   int      `json:"drift"`
	Pulled  []string `json:"pulled"`
}

// WriteJSON prints the plan as one JSON document:
// {"actions":[{"kind","key","action","reason","status","error",...}],"summary":{...}}.
func WriteJSON(w io.Writer, p *Plan) error {
	doc := jsonPlan{Actions: p.Actions, Summary: p.Summary(), Guard: p.Guard, Drift: p.Drift, Pulled: p.Pulled}
	if doc.Actions == nil {
		doc.Actions = []Action{}
	}
	if doc.Pulled == nil {
		doc.Pulled = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
