package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// runExplain prints how one object's target document is made (plan
// --explain KEY). Errors: exit 2 for a malformed key, 1 when the object is
// not in the source or a workspace cannot be read.
func runExplain(ctx context.Context, f *flags, src, tgt resource.Workspace, store ledger.Store, opts engine.Options, stdout io.Writer) error {
	ref, err := engine.ParseKey(f.explain)
	if err != nil {
		return usageErr("--explain: %v", err)
	}
	ex, err := engine.Explain(ctx, src, tgt, store, opts, ref)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if f.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %q\n\nSource document (normalised):\n%s\n", ex.Kind, ex.Key, ex.Name, indentJSON(ex.Source))
	fmt.Fprintf(&b, "\nRewrite rules applied: %d\n", len(ex.Rewrites))
	for _, r := range ex.Rewrites {
		fmt.Fprintf(&b, "  rule %d: %s %q -> %q\n", r.Rule, r.Field, r.From, r.To)
	}
	fmt.Fprintf(&b, "\nDocument for the target:\n%s\n", indentJSON(ex.Desired))
	if ex.Current == nil {
		b.WriteString("\nIn the target: not yet\n")
	}
	b.WriteString("\nPlan:\n")
	if ex.Action == nil {
		b.WriteString("  unchanged: the target already holds this document\n")
	} else if err := plan.WriteText(&b, &plan.Plan{Actions: []plan.Action{*ex.Action}}); err != nil {
		return err
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// indentJSON shows a document for people.
func indentJSON(doc resource.Doc) string {
	out, err := json.MarshalIndent(doc, "  ", "  ")
	if err != nil {
		return "  (unprintable: " + err.Error() + ")"
	}
	return "  " + string(out)
}
